"""The synthetic corpus of bench/synth.py builds with kg build, offsets and all, deterministically."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from kg import pipeline
from kg.config import PROJECT_ROOT, Settings

GAZETTEER = PROJECT_ROOT.parent / "shared" / "gazetteer"


def _synth() -> ModuleType:
    spec = importlib.util.spec_from_file_location("synth", PROJECT_ROOT / "bench" / "synth.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["synth"] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list, int]:
    """Twenty synthetic articles with their texts and N-Quads."""
    if not GAZETTEER.is_dir():
        pytest.skip(f"no gazetteer at {GAZETTEER}")
    synth = _synth()
    out = tmp_path_factory.mktemp("synth")
    articles = synth.generate(20, out, seed=3, gazetteer=GAZETTEER)
    return out, articles, synth.write_rdf(out, articles)


def test_every_quote_is_where_its_offsets_say(corpus: tuple[Path, list, int]) -> None:
    """Each mention's and evidence's stored offsets hold its quote in the generated text."""
    _out, articles, _quads = corpus
    for article in articles:
        for mention in article.annotation["mentions"]:
            for start, end in mention["spans"]:
                assert article.text[start:end] == mention["quote"]
        for item in [*article.annotation["events"], *article.annotation.get("claims", [])]:
            for evidence in item["evidence"]:
                start, end = evidence["span"]
                assert article.text[start:end].startswith(evidence.get("quote") or evidence["from"])


def test_the_corpus_builds_cleanly_and_matches_its_rdf(corpus: tuple[Path, list, int], tmp_path: Path) -> None:
    """kg build accepts all of it without a warning, and stores exactly the quads synth.py wrote."""
    out, articles, quads = corpus
    settings = Settings.from_env({}, data=out / "data", corpus=out / "corpus", store=str(tmp_path / "store"))
    result = pipeline.build(settings)
    assert result.stored, result.report.problems[:5]
    assert result.report.problems == ()
    assert result.articles == len(articles) == 20
    assert result.events == sum(len(a.annotation["events"]) for a in articles)
    assert result.mentions == sum(len(a.annotation["mentions"]) for a in articles)
    assert result.quads == quads + 1  # and the build's record of its inputs (kg build --if-changed)
    assert (out / "dataset.nq").read_bytes().count(b"\n") == quads


def test_the_same_seed_gives_the_same_bytes(tmp_path: Path) -> None:
    """Two runs with one seed write identical files; another seed writes different ones."""
    if not GAZETTEER.is_dir():
        pytest.skip(f"no gazetteer at {GAZETTEER}")
    synth = _synth()
    for name, seed in (("a", 5), ("b", 5), ("c", 6)):
        synth.generate(3, tmp_path / name, seed=seed, gazetteer=GAZETTEER)

    def files(folder: Path) -> dict[str, bytes]:
        return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}

    assert files(tmp_path / "a") == files(tmp_path / "b")
    assert files(tmp_path / "a") != files(tmp_path / "c")
