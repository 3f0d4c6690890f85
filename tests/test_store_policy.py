"""kg.store.policy: Guarded applies the refusals, the default limits and the write hook in one
place, in front of any backend — shown against a backend that records what reaches it, the
embedded store, and the stores open_store gives for a folder and for a URL."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from rdflib import Graph, Literal, URIRef

from kg.config import Settings
from kg.errors import QueryRefused
from kg.store import Dataset, Guarded, Limits, QueryResult, RdfTerm, open_store
from kg.store.embedded import EmbeddedStore
from kg.store.remote import RemoteStore

EX = "http://example.org/"
GRAPH = URIRef("https://w3id.org/kg/graph/test")
SERVICE = f"SELECT * WHERE {{ SERVICE <{EX}sparql> {{ ?s ?p ?o }} }}"
LOAD = f"LOAD <{EX}data.ttl> INTO GRAPH <{GRAPH}>"


class Recording:
    """A backend that answers every query with nothing and records every call that reaches it."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []

    def query(
        self,
        sparql: str,
        bindings: Mapping[str, RdfTerm] | None = None,
        *,
        timeout: float | None = None,
        max_rows: int | None = None,
        dataset: Dataset | None = None,
    ) -> QueryResult:
        self.calls.append(("query", sparql, timeout, max_rows))
        return QueryResult("ASK", boolean=True)

    def update(self, sparql_update: str, **options: Any) -> None:
        self.calls.append(("update", sparql_update))

    def apply(self, add: Iterable[Any] = (), drop_graphs: Iterable[str] = (), **options: Any) -> None:
        self.calls.append(("apply", list(drop_graphs), options))

    def exclusive(self) -> AbstractContextManager[None]:
        return nullcontext()

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"{name} was not expected to reach the backend")


def guarded(limits: Limits | None = None, on_write: Any = None) -> tuple[Guarded, Recording]:
    backend = Recording()
    return Guarded(backend, limits, on_write), backend  # type: ignore[arg-type]


def test_refused_texts_never_reach_the_backend():
    """SERVICE in a query and LOAD in an update are refused by the wrapper; the backend sees neither."""
    store, backend = guarded()
    with pytest.raises(QueryRefused, match="SERVICE is refused"):
        store.query(SERVICE)
    with pytest.raises(QueryRefused, match="LOAD is refused"):
        store.update(LOAD)
    assert backend.calls == []


def test_a_query_without_limits_gets_the_defaults():
    """A query that names no limit gets the wrapper's time limit and row cap; one that names its own keeps them."""
    store, backend = guarded(Limits(timeout=7.5, max_rows=40))
    store.query("ASK { ?s ?p ?o }")
    store.query("ASK { ?s ?p ?o }", timeout=2.0, max_rows=3)
    assert [c[2:] for c in backend.calls] == [(7.5, 40), (2.0, 3)]


def test_without_limits_nothing_is_added():
    """The store open_store gives (no limits) passes a query's own limits, or none, as they are."""
    store, backend = guarded()
    store.query("ASK { ?s ?p ?o }")
    assert backend.calls[-1][2:] == (None, None)


def test_wrapping_a_guarded_store_replaces_its_limits():
    """Guarded(Guarded(x)) guards x once, with the outer limits: the check is not run twice."""
    inner, backend = guarded(Limits(timeout=1.0))
    outer = Guarded(inner, Limits(timeout=9.0, max_rows=5))
    assert outer.inner is backend
    outer.query("ASK { ?s ?p ?o }")
    assert backend.calls[-1][2:] == (9.0, 5)


def test_every_write_calls_the_hook_even_a_refused_one():
    """on_write runs after a write that went through and after one that was refused."""
    written: list[str] = []
    store, backend = guarded(on_write=lambda: written.append("w"))
    store.update(f"INSERT DATA {{ GRAPH <{GRAPH}> {{ <{EX}a> <{EX}b> 1 }} }}")
    with pytest.raises(QueryRefused):
        store.update(LOAD)
    store.apply(drop_graphs=[str(GRAPH)], derive=None)
    assert written == ["w", "w", "w"]
    assert backend.calls[-1] == ("apply", [str(GRAPH)], {"derive": None})


def test_the_embedded_backend_is_guarded_by_the_wrapper(tmp_path: Path):
    """On the embedded store the wrapper refuses, and the store itself still answers what is allowed."""
    backend = EmbeddedStore.open(tmp_path / "store", create=True)
    graph = Graph()
    graph.add((URIRef(f"{EX}a"), URIRef(f"{EX}label"), Literal("a")))
    store = Guarded(backend, Limits(timeout=20, max_rows=10))
    store.replace_all([(GRAPH, graph)])
    with pytest.raises(QueryRefused):
        store.query(SERVICE)
    assert store.query(f"SELECT ?l WHERE {{ ?s <{EX}label> ?l }}").column("l") == ["a"]
    assert store.version() == backend.version() is not None
    backend.close()


def test_open_store_gives_both_backends_guarded(tmp_path: Path):
    """open_store wraps the embedded store for a folder and the remote store for a URL, with no limits."""
    folder = Settings.from_env({}, store=str(tmp_path / "store"))
    embedded = open_store(folder, create=True)
    remote = open_store(replace(folder, store="http://127.0.0.1:9/query"))
    assert isinstance(embedded, Guarded) and isinstance(embedded.inner, EmbeddedStore)
    assert isinstance(remote, Guarded) and isinstance(remote.inner, RemoteStore)
    assert embedded.limits == remote.limits == Limits()
    with pytest.raises(QueryRefused):
        remote.query(SERVICE)  # refused here: nothing is sent to the (absent) server
    embedded.close()
    remote.close()
