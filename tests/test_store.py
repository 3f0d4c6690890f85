"""kg.store.embedded: the on-disk Oxigraph store — atomic rebuilds, read-only reopening, and
queries that are refused, fail cleanly, are cut at a row cap or stopped at a time limit."""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef

from kg.errors import QueryError, QueryRefused, QueryTimeout, StoreError
from kg.store import Guarded, QueryResult, RdfTerm, embedded
from kg.store.embedded import CURRENT, EmbeddedStore

EX = "http://example.org/"
GRAPH = URIRef("https://w3id.org/kg/graph/test")
LABELS = f"SELECT ?s ?label WHERE {{ ?s <{EX}label> ?label }} ORDER BY ?s"


# --------------------------------------------------------------------------- factories


def labels_graph(n: int, prefix: str = "thing") -> Graph:
    """n subjects, each with one label: ``ex:thing0 ex:label "thing 0"`` …"""
    g = Graph()
    for i in range(n):
        g.add((URIRef(f"{EX}{prefix}{i:04d}"), URIRef(f"{EX}label"), Literal(f"{prefix} {i}")))
    return g


def built(root: Path, n: int = 3, prefix: str = "thing") -> EmbeddedStore:
    """A store under root with one named graph of n labelled things."""
    store = EmbeddedStore.open(root, create=True)
    store.replace_all([(GRAPH, labels_graph(n, prefix))])
    return store


def databases(root: Path) -> list[str]:
    return sorted(p.name for p in root.glob("db-*"))


# --------------------------------------------------------------------------- building and opening


def test_replace_all_then_reopen_read_only(tmp_path: Path):
    """A built store can be reopened read-only from its folder and answers queries over the union."""
    built(tmp_path / "store").close()
    store = EmbeddedStore.open(tmp_path / "store")
    result = store.query(LABELS)
    assert result.form == "SELECT" and result.variables == ("s", "label")
    assert result.column("label") == ["thing 0", "thing 1", "thing 2"]
    assert store.info().quads == 3 and store.info().graphs == (str(GRAPH),)


def test_current_symlink_swaps_and_old_databases_go(tmp_path: Path):
    """Each rebuild makes a new db-* folder, points `current` at it, keeps the one before and removes older ones."""
    root = tmp_path / "store"
    store = built(root, prefix="old")
    first = databases(root)
    assert len(first) == 1 and os.readlink(root / CURRENT) == first[0]
    store.replace_all([(GRAPH, labels_graph(2, "new"))])
    second = databases(root)
    assert len(second) == 2 and first[0] in second
    newest = os.readlink(root / CURRENT)
    assert (root / CURRENT).is_symlink() and newest in second and newest != first[0]
    leftovers = sorted(p.name for p in root.iterdir() if p.name != ".write.lock")
    assert leftovers == sorted([CURRENT, *second])  # no temporary link left
    assert EmbeddedStore.open(root).query(LABELS).column("label") == ["new 0", "new 1"]
    store.replace_all([(GRAPH, labels_graph(1, "newer"))])
    assert databases(root) == sorted([newest, os.readlink(root / CURRENT)])  # the oldest one went


def test_replace_all_is_idempotent(tmp_path: Path):
    """Loading the same graphs twice gives the same checksum, also after reopening."""
    store = built(tmp_path / "store")
    once = store.checksum()
    store.replace_all([(GRAPH, labels_graph(3))])
    assert store.checksum() == once
    assert EmbeddedStore.open(tmp_path / "store").checksum() == once
    assert built(tmp_path / "other", n=4).checksum() != once


def test_in_memory_store(tmp_path: Path):
    """open(None) is a fresh in-memory store that replace_all fills without touching the disk."""
    store = EmbeddedStore.open(None)
    store.replace_all([(GRAPH, labels_graph(2))])
    assert store.query(LABELS).column("label") == ["thing 0", "thing 1"]
    assert store.path is None and store.info().location == "memory"


def test_nothing_built_is_a_store_error(tmp_path: Path):
    """Opening a folder where nothing was built says so and says to run `kg build`."""
    with pytest.raises(StoreError) as caught:
        EmbeddedStore.open(tmp_path)
    assert str(tmp_path) in caught.value.message
    assert caught.value.hint is not None and "kg build" in caught.value.hint


# --------------------------------------------------------------------------- querying


def test_query_with_timeout_runs_in_a_child(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A query with a time limit goes through the child process and gives the same rows as without."""
    store = built(tmp_path / "store")
    children = []
    original = embedded.query_in_child

    def spy(*args: object) -> QueryResult:
        children.append(args)
        return original(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(embedded, "query_in_child", spy)
    direct = store.query(LABELS)
    assert children == []
    limited = store.query(LABELS, timeout=10)
    assert len(children) == 1
    assert limited.rows == direct.rows and limited.variables == direct.variables


def test_bindings_reach_the_child(tmp_path: Path):
    """Bound variables are substituted in the child as in the parent."""
    store = built(tmp_path / "store")
    bindings = {"label": RdfTerm("literal", "thing 1")}
    assert store.query(LABELS, bindings, timeout=10).column("s") == [f"{EX}thing0001"]
    assert store.query(LABELS, bindings).column("s") == [f"{EX}thing0001"]


# 200 labels, four times over: 1.6e9 combinations. Measured by hand without a limit: n=50 took
# 3.7 s, n=200 was still running after 30 s, so a 1 s limit can only end one way.
SLOW = f"""SELECT (COUNT(*) AS ?n) WHERE {{
  ?a <{EX}label> ?w . ?b <{EX}label> ?x . ?c <{EX}label> ?y . ?d <{EX}label> ?z .
  FILTER (CONCAT(?w, ?x, ?y, ?z) = "never")
}}"""


@pytest.mark.slow
def test_a_query_past_its_limit_is_stopped(tmp_path: Path):
    """A query that would run for minutes is stopped with QueryTimeout naming its limit."""
    store = built(tmp_path / "store", n=200)
    with pytest.raises(QueryTimeout) as caught:
        store.query(SLOW, timeout=1.0)
    assert "1 s" in caught.value.message and caught.value.status == 503
    assert multiprocessing.active_children() == []  # the child was killed and reaped
    assert store.query(LABELS, max_rows=1).rows  # the store still answers afterwards


@pytest.mark.parametrize("timeout", [None, 10], ids=["in-process", "in-child"])
def test_syntax_error_is_a_query_error(tmp_path: Path, timeout: float | None):
    """Bad SPARQL is a QueryError saying so, whether it runs in-process or in the child."""
    store = built(tmp_path / "store")
    with pytest.raises(QueryError) as caught:
        store.query("SELECT ?s WHERE { ?s ?p }", timeout=timeout)
    assert "syntax error" in caught.value.message
    assert type(caught.value) is QueryError


@pytest.mark.parametrize("timeout", [None, 10], ids=["in-process", "in-child"])
def test_service_is_refused(tmp_path: Path, timeout: float | None):
    """A federated query is refused before it reaches the engine (by the policy open_store puts in front)."""
    store = Guarded(built(tmp_path / "store"))
    with pytest.raises(QueryRefused):
        store.query(f"SELECT * WHERE {{ SERVICE <{EX}sparql> {{ ?s ?p ?o }} }}", timeout=timeout)


@pytest.mark.parametrize(("max_rows", "rows", "truncated"), [(3, 3, True), (5, 5, False), (None, 5, False)])
def test_max_rows(tmp_path: Path, max_rows: int | None, rows: int, truncated: bool):
    """The row cap keeps the first rows and says whether more existed."""
    store = built(tmp_path / "store", n=5)
    for timeout in (None, 10):
        result = store.query(LABELS, max_rows=max_rows, timeout=timeout)
        assert (len(result.rows), result.truncated) == (rows, truncated)


def test_ask_and_construct(tmp_path: Path):
    """ASK gives a boolean and CONSTRUCT N-Triples, through the same query method."""
    store = built(tmp_path / "store", n=1)
    assert store.query(f"ASK {{ ?s <{EX}label> 'thing 0' }}").boolean is True
    constructed = store.query(f"CONSTRUCT {{ ?s <{EX}named> ?o }} WHERE {{ ?s <{EX}label> ?o }}")
    assert constructed.form == "CONSTRUCT"
    assert constructed.triples == f'<{EX}thing0000> <{EX}named> "thing 0" .\n'


def test_export_round_trips(tmp_path: Path):
    """An N-Quads export holds every quad, in the named graph it was loaded into."""
    store = built(tmp_path / "store", n=2)
    lines = store.export("nquads").decode("utf-8").splitlines()
    assert len(lines) == 2 and all(line.endswith(f"<{GRAPH}> .") for line in lines)


def test_a_second_writer_waits_then_gives_up_saying_so(tmp_path: Path):
    """While another process holds the write lock past KG_WRITE_WAIT, a write fails, says why, changes nothing."""
    import fcntl

    root = tmp_path / "store"
    store = built(root)
    before = store.checksum()
    with open(root / ".write.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        waiting = EmbeddedStore.open(root, create=True, write_wait=0.2)
        with pytest.raises(StoreError, match=r"another process .* for over 0.2 s; this write waited"):
            waiting.replace_all([(GRAPH, labels_graph(1, "racing"))])
    assert EmbeddedStore.open(root).checksum() == before


def test_a_second_writer_waits_for_the_lock_and_then_writes(tmp_path: Path):
    """A write that finds the lock held waits for it to be let go instead of failing or being lost."""
    import fcntl
    import threading

    root = tmp_path / "store"
    built(root)
    handle = open(root / ".write.lock", "w")  # noqa: SIM115 - closed by the releasing thread
    fcntl.flock(handle, fcntl.LOCK_EX)
    waited = threading.Event()
    release = threading.Timer(0.3, lambda: (waited.set(), handle.close()))
    release.start()
    EmbeddedStore.open(root).apply(add=[(URIRef(f"{EX}late"), labels_graph(1, "late"))])
    release.join()
    assert waited.is_set()
    assert f"{EX}late" in EmbeddedStore.open(root).info().graphs


# --------------------------------------------------------------------------- writing: update and apply

INSERT = f'INSERT DATA {{ GRAPH <{GRAPH}> {{ <{EX}thing9999> <{EX}label> "thing 9" }} }}'


def test_update_adds_data_in_a_new_database(tmp_path: Path):
    """update() writes into a copy, swaps `current` to it and answers from it at once."""
    root = tmp_path / "store"
    store = built(root)
    before = os.readlink(root / CURRENT)
    store.update(INSERT)
    assert os.readlink(root / CURRENT) != before and before in databases(root)
    assert store.path == (root / CURRENT).resolve()
    assert store.query(LABELS).column("label") == ["thing 0", "thing 1", "thing 2", "thing 9"]
    assert EmbeddedStore.open(root).query(LABELS).column("label")[-1] == "thing 9"


def test_update_on_a_store_with_nothing_built_yet(tmp_path: Path):
    """The first write to an empty folder starts from an empty database."""
    store = EmbeddedStore.open(tmp_path / "store", create=True)
    store.update(INSERT)
    assert EmbeddedStore.open(tmp_path / "store").query(LABELS).column("label") == ["thing 9"]


@pytest.mark.parametrize(
    ("update", "error", "words"),
    [
        (f"INSERT DATA {{ <{EX}a> <{EX}b> }}", QueryError, "syntax error"),
        (f"LOAD <{EX}data.ttl> INTO GRAPH <{GRAPH}>", QueryRefused, "LOAD is refused"),
        (f"INSERT {{ ?s ?p ?o }} WHERE {{ SERVICE <{EX}sparql> {{ ?s ?p ?o }} }}", QueryRefused, "SERVICE"),
    ],
    ids=["syntax", "load", "service"],
)
def test_a_failing_update_changes_nothing(tmp_path: Path, update: str, error: type[Exception], words: str):
    """A refused or broken update raises with a message, and leaves the data and the folders as they were."""
    root = tmp_path / "store"
    store = Guarded(built(root))  # as open_store gives it: LOAD and SERVICE refused in front
    store.update(INSERT)  # so that a previous database exists too
    before, folders = store.checksum(), databases(root)
    with pytest.raises(error, match=words):
        store.update(update)
    assert store.checksum() == before and databases(root) == folders
    assert EmbeddedStore.open(root).checksum() == before


def test_a_write_that_fails_late_leaves_no_trace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """If the copy cannot be written after the change, `current` and the folders stay as they were."""
    root = tmp_path / "store"
    store = built(root)
    before, folders = store.checksum(), databases(root)

    def full(_self: object) -> None:
        raise OSError("disk full (simulated)")

    monkeypatch.setattr("pyoxigraph.Store.flush", full, raising=False)
    with pytest.raises(OSError, match="simulated"):
        store.update(INSERT)
    monkeypatch.undo()
    assert store.checksum() == before and databases(root) == folders


def test_apply_adds_and_drops_named_graphs(tmp_path: Path):
    """apply() drops graphs and adds others in one write; naming a graph in both replaces it."""
    other = URIRef("https://w3id.org/kg/graph/other")
    store = built(tmp_path / "store", n=2)
    store.apply(add=[(other, labels_graph(1, "other"))])
    assert store.info().graphs == tuple(sorted([str(GRAPH), str(other)]))
    store.apply(add=[(GRAPH, labels_graph(1, "new"))], drop_graphs=[str(GRAPH), str(other)])
    assert store.info().graphs == (str(GRAPH),)
    assert EmbeddedStore.open(tmp_path / "store").query(LABELS).column("label") == ["new 0"]


def test_writes_in_memory(tmp_path: Path):
    """The in-memory store takes updates and apply() too, and a broken update changes nothing."""
    store = EmbeddedStore.open(None)
    store.apply(add=[(GRAPH, labels_graph(1))])
    store.update(INSERT)
    before = store.checksum()
    with pytest.raises(QueryError):
        store.update("INSERT DATA { oops }")
    assert store.checksum() == before and store.query(LABELS).column("label") == ["thing 0", "thing 9"]


def test_readers_opened_before_and_after_a_write(tmp_path: Path):
    """A database opened before a write still answers (it is kept); stores opened before or after see the write."""
    import pyoxigraph

    root = tmp_path / "store"
    writer = built(root)
    reader = EmbeddedStore.open(root)
    held = pyoxigraph.Store.read_only(str(reader.path))  # as a query under way holds it
    writer.update(INSERT)
    assert len(held) == 3 and held.query(f"ASK {{ GRAPH ?g {{ <{EX}thing0000> ?p ?o }} }}")
    assert reader.query(LABELS).column("label")[-1] == "thing 9"  # it reopened `current`
    assert EmbeddedStore.open(root).query(LABELS).column("label")[-1] == "thing 9"
    writer.update(f'INSERT DATA {{ GRAPH <{GRAPH}> {{ <{EX}x> <{EX}label> "x" }} }}')
    assert len(databases(root)) == 2  # the new one and the one before it


def test_writes_from_threads_of_one_process_wait_for_each_other(tmp_path: Path):
    """Concurrent updates through one store queue up instead of failing, and none is lost."""
    import threading

    store = built(tmp_path / "store", n=0)
    errors: list[BaseException] = []

    def write(i: int) -> None:
        try:
            store.update(f'INSERT DATA {{ GRAPH <{GRAPH}> {{ <{EX}t{i}> <{EX}label> "t {i}" }} }}')
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert store.query(LABELS).column("label") == ["t 0", "t 1", "t 2", "t 3"]
