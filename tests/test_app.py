"""kg.app.Kg, the one object a running kg is: every query it lets through carries a time limit and
a row cap, its writes empty its caches, and a build after it started is seen."""

from __future__ import annotations

import ast
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from kg.app import Kg
from kg.config import Settings
from kg.errors import KgError
from kg.store import Dataset, QueryResult, RdfTerm, Store
from kg.store.embedded import EmbeddedStore

SRC = Path(__file__).resolve().parents[1] / "src" / "kg"


class RecordingStore:
    """A real store that notes the limits every query reaches it with."""

    def __init__(self, inner: Store):
        self.inner = inner
        self.calls: list[tuple[str, float | None, int | None]] = []

    def query(
        self,
        sparql: str,
        bindings: Mapping[str, RdfTerm] | None = None,
        *,
        timeout: float | None = None,
        max_rows: int | None = None,
        dataset: Dataset | None = None,
    ) -> QueryResult:
        self.calls.append((sparql, timeout, max_rows))
        return self.inner.query(sparql, bindings, timeout=timeout, max_rows=max_rows, dataset=dataset)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


@pytest.fixture
def recorded(built_mini: Settings):  # type: ignore[no-untyped-def]
    """A Kg over the built mini store, with every query the store receives recorded."""
    inner = EmbeddedStore.open(built_mini.store)
    store = RecordingStore(inner)
    yield Kg(built_mini, store), store  # type: ignore[arg-type]
    inner.close()


def test_a_name_lookup_gets_the_default_limits(recorded: tuple[Kg, RecordingStore]) -> None:
    """Resolving place=North Town (an alternate name) and running the query: every call limited."""
    kg, store = recorded
    result = kg.run("place-history", {"place": "North Town"})
    assert result.form == "SELECT"
    lookups = [c for c in store.calls if "LCASE" in c[0] or c[0].startswith("ASK")]
    assert lookups, "the name was not looked up in the store"
    limits = {(timeout, rows) for _, timeout, rows in store.calls}
    assert limits == {(kg.settings.query_timeout, kg.settings.max_rows)}


def test_a_query_named_limit_is_kept(recorded: tuple[Kg, RecordingStore]) -> None:
    """A caller that names its own limit gets it, not the default."""
    kg, store = recorded
    kg.query("ASK { ?s ?p ?o }", timeout=2.5, max_rows=7)
    assert store.calls[-1][1:] == (2.5, 7)


def test_repeated_saved_queries_are_answered_from_the_cache(recorded: tuple[Kg, RecordingStore]) -> None:
    """The second identical request between two writes does not reach the store."""
    kg, store = recorded
    first = kg.run("articles")
    before = len(store.calls)
    assert kg.run("articles") is first and len(store.calls) == before


def test_a_write_empties_the_caches_and_is_seen(recorded: tuple[Kg, RecordingStore]) -> None:
    """After an update through Kg, the same saved query answers with the new data."""
    kg, _ = recorded
    before = kg.run("articles")
    kg.update(
        "INSERT DATA { GRAPH <https://w3id.org/kg/graph/extra> { <https://w3id.org/kg/id/article/extra> "
        "a <https://w3id.org/kg/ontology#Article> ; <http://www.w3.org/2000/01/rdf-schema#label> 'Extra' } }"
    )
    after = kg.run("articles")
    assert after is not before


def test_a_saved_query_through_the_fixture(mini_kg: Kg) -> None:
    """The shared fixture's Kg answers a saved query with the mini data (Northtown is an entity)."""
    assert "https://w3id.org/kg/id/place/northtown" in mini_kg.run("entities").column("entity")


def test_the_ontology_and_shapes_are_there(mini_settings: Settings) -> None:
    """Kg gives the ontology and the SHACL shapes the build validates with."""
    from kg.vocab import KG, OWL, RDF

    kg = Kg(mini_settings)
    assert (KG.Place, RDF.type, OWL.Class) in kg.ontology()
    assert len(kg.shapes()) > 0


def test_a_build_after_start_is_seen(mini_settings: Settings) -> None:
    """A Kg made before the store exists fails with a KgError, then answers once built."""
    with Kg(mini_settings) as kg:
        with pytest.raises(KgError):
            kg.run("articles")
        assert kg.build().stored
        assert kg.run("articles").rows


def test_the_catalogue_is_parsed_again_when_a_file_changes(tmp_path: Path, mini_settings: Settings) -> None:
    """A saved query added to KG_QUERIES after start is found; the unchanged catalogue is reused."""
    from dataclasses import replace

    (tmp_path / "one.rq").write_text("#+ title: One\nASK { ?s ?p ?o }\n", "utf-8")
    kg = Kg(replace(mini_settings, queries=tmp_path))
    first = kg.catalogue()
    assert kg.catalogue() is first and set(first) == {"one"}
    (tmp_path / "two.rq").write_text("#+ title: Two\nASK { ?s ?p ?o }\n", "utf-8")
    assert set(kg.catalogue()) == {"one", "two"}


# --------------------------------------------------------------------------- nothing bypasses it

OPENERS = {"open_store", "open"}
MAY_OPEN = {"kg.app", "kg.pipeline", "kg.retention"}  # the build writes its store; retention re-checks in memory


def store_openings(path: Path) -> list[int]:
    """Lines that open a store: ``open_store(…)``, ``EmbeddedStore.open(…)``, ``RemoteStore.open(…)``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if (isinstance(func, ast.Name) and func.id == "open_store") or (
            isinstance(func, ast.Attribute)
            and func.attr == "open"
            and isinstance(func.value, ast.Name)
            and func.value.id.endswith("Store")
        ):
            found.append(node.lineno)
    return found


def test_the_opening_check_sees_an_opening() -> None:
    """The check below finds the store Kg opens (so it is not vacuous)."""
    assert store_openings(SRC / "app.py")


@pytest.mark.parametrize("path", sorted(SRC.rglob("*.py")), ids=lambda p: str(p.relative_to(SRC)))
def test_only_the_app_opens_a_store(path: Path) -> None:
    """No face or action opens a store of its own: they get Kg's, whose queries are all limited."""
    module = ".".join(path.relative_to(SRC.parent).with_suffix("").parts).removesuffix(".__init__")
    if module in MAY_OPEN or module.startswith("kg.store"):
        return
    lines = store_openings(path)
    assert not lines, f"{module} opens a store at line(s) {lines}; take a kg.app.Kg (or its .store) instead"
