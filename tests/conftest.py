"""Shared factories: settings over small, visible fixtures, a built mini store, and the
:class:`~kg.app.Kg` over each that the CLI and the web app would make."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from kg import annotations, mapping, pipeline, sources
from kg.app import Kg
from kg.config import PROJECT_ROOT, Settings
from kg.store import QueryResult, Store
from kg.store.embedded import EmbeddedStore

DATA = Path(__file__).parent / "data"
MINI = DATA / "mini"
SEED_CORPUS = PROJECT_ROOT.parent / "shared" / "corpus"


@pytest.fixture
def mini_settings(tmp_path: Path) -> Settings:
    """Settings over a private copy of the mini fixture (invented text), storing under tmp_path."""
    data = tmp_path / "data"
    shutil.copytree(MINI, data, ignore=shutil.ignore_patterns("corpus"))
    return Settings.from_env({}, data=data, corpus=MINI / "corpus", store=str(tmp_path / "store"))


@pytest.fixture
def built_mini(mini_settings: Settings) -> Settings:
    """The mini fixture, built into its store."""
    result = pipeline.build(mini_settings)
    assert result.stored, result.report.problems
    return mini_settings


@pytest.fixture
def mini_kg(built_mini: Settings) -> Iterator[Kg]:
    """The running kg over the built mini store, as `kg` and `kg serve` make one."""
    with Kg(built_mini) as kg:
        yield kg


@pytest.fixture
def seed_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings over the real seed annotations and corpus, storing in a fresh folder."""
    if not SEED_CORPUS.is_dir():
        pytest.skip(f"the seed corpus is not at {SEED_CORPUS}")
    return Settings.from_env({}, store=str(tmp_path_factory.mktemp("seed") / "store"), corpus=SEED_CORPUS)


@pytest.fixture
def write_article(mini_settings: Settings) -> Callable[[str, str], Path]:
    """Write an article annotation file into the mini data folder and return its path."""

    def write(name: str, text: str) -> Path:
        path = mini_settings.data / "articles" / name
        path.write_text(text, "utf-8")
        return path

    return write


@pytest.fixture(scope="session")
def seed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Settings, Store]]:
    """The seed corpus, built once for the whole run; for tests that only read it."""
    if not SEED_CORPUS.is_dir():
        pytest.skip(f"the seed corpus is not at {SEED_CORPUS}")
    settings = Settings.from_env({}, store=str(tmp_path_factory.mktemp("seed") / "store"), corpus=SEED_CORPUS)
    result = pipeline.build(settings)
    assert result.stored, [str(p) for p in result.report.errors]
    store = EmbeddedStore.open(settings.store)
    yield settings, store
    store.close()


@pytest.fixture(scope="session")
def seed_kg(seed: tuple[Settings, Store]) -> Kg:
    """The running kg over the seed graph (its store stays open for the session)."""
    return Kg(*seed)


def mini_mapped(extra: str) -> mapping.MappedGraph:
    """The mini article with ``extra`` (a YAML section) appended, parsed and mapped to its graph."""
    text = (MINI / "articles" / "mini.yaml").read_text("utf-8") + extra
    doc, problems = annotations.parse(text, "mini.yaml")
    assert doc is not None and not problems, problems
    shared, _ = annotations.parse((MINI / "entities.yaml").read_text("utf-8"), "entities.yaml")
    assert shared is not None
    registry = sources.registry([shared, doc])
    return mapping.map_article(doc, registry, (MINI / "corpus" / "mini.txt").read_text("utf-8"))


def ask(seed: tuple[Settings, Store], name: str, **params: str) -> QueryResult:
    """Run a saved query on the seed graph, as `kg query` does (through a Kg, with its limits)."""
    return Kg(*seed).run(name, params)


@pytest.fixture(scope="session")
def seed_server(seed: tuple[Settings, Store]) -> Iterator[str]:
    """A real `kg serve` over the seed graph on loopback, for the page tests (read-only)."""
    from .server import running_server

    with running_server(seed[0].store, SEED_CORPUS) as url:
        yield url
