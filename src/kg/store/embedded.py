"""The embedded store: Oxigraph (pyoxigraph) on disk, nothing to install or start.

Layout of the ``KG_STORE`` folder::

    var/store/
      current -> db-20261121T232501-4711     (a symlink, replaced atomically)
      db-20261121T232501-4711/               (a complete RocksDB database)

A rebuild loads everything into a new ``db-*`` folder beside the current one and then
renames a new symlink over ``current`` — one atomic ``rename(2)`` — so a reader sees the old
dataset or the new one, never a mixture, and a crash mid-build leaves the old one in place.

Queries with a time limit run in a forked child process that opens the database read-only
and is killed when it overruns, since pyoxigraph cannot cancel a running query.
"""

from __future__ import annotations

import fcntl
import hashlib
import multiprocessing
import os
import shutil
import time
import warnings
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Graph, URIRef
from rdflib import Literal as RLiteral
from rdflib.term import Node

from kg import sparql as sparql_text
from kg.errors import QueryError, QueryTimeout, StoreError
from kg.store import QueryResult, RdfTerm, StoreInfo

CURRENT = "current"


def to_ox(term: Node) -> Any:
    """An rdflib term as a pyoxigraph term."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, RLiteral):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"cannot store {term!r}")


def term_from_ox(term: Any) -> RdfTerm:
    if isinstance(term, ox.NamedNode):
        return RdfTerm("uri", term.value)
    if isinstance(term, ox.BlankNode):
        return RdfTerm("bnode", term.value)
    if isinstance(term, ox.Literal):
        return RdfTerm("literal", term.value, term.datatype.value, term.language)
    return RdfTerm("triple", str(term))


def term_to_ox(term: RdfTerm) -> Any:
    if term.kind == "uri":
        return ox.NamedNode(term.value)
    if term.kind == "bnode":
        return ox.BlankNode(term.value)
    if term.lang:
        return ox.Literal(term.value, language=term.lang)
    return ox.Literal(term.value, datatype=ox.NamedNode(term.datatype) if term.datatype else None)


def quads_of(graph_iri: URIRef, graph: Graph) -> Iterable[Any]:
    """A graph's triples as quads; blank nodes get canonical labels (RDFC-1.0), so the same
    graph always gives the same quads and a rebuild is byte-for-byte idempotent."""
    g = ox.NamedNode(str(graph_iri))
    quads = [ox.Quad(to_ox(s), to_ox(p), to_ox(o), g) for s, p, o in graph]
    if not any(isinstance(q.subject, ox.BlankNode) or isinstance(q.object, ox.BlankNode) for q in quads):
        return quads
    dataset = ox.Dataset(quads)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return list(dataset)


def run_query(
    store: ox.Store, sparql: str, bindings: Mapping[str, RdfTerm] | None, max_rows: int | None
) -> QueryResult:
    """Run one query on an open pyoxigraph store and copy the answer out of it."""
    started = time.perf_counter()
    substitutions = {ox.Variable(k): term_to_ox(v) for k, v in (bindings or {}).items()}
    try:
        answer = store.query(sparql, substitutions=substitutions or None, use_default_graph_as_union=True)
    except SyntaxError as exc:
        raise QueryError(f"SPARQL syntax error: {exc}", hint="check the query near the position given") from None
    except (RuntimeError, ValueError, OSError) as exc:
        raise QueryError(f"the query cannot run: {exc}") from None
    if isinstance(answer, ox.QueryBoolean):
        return QueryResult("ASK", boolean=bool(answer), seconds=time.perf_counter() - started)
    if isinstance(answer, ox.QueryTriples):
        data = ox.serialize(answer, format=ox.RdfFormat.N_TRIPLES) or b""
        return QueryResult(
            sparql_text.form(sparql), triples=data.decode("utf-8"), seconds=time.perf_counter() - started
        )
    variables = tuple(v.value for v in answer.variables)
    rows: list[dict[str, RdfTerm]] = []
    truncated = False
    for solution in answer:
        if max_rows is not None and len(rows) >= max_rows:
            truncated = True
            break
        rows.append({name: term_from_ox(solution[name]) for name in variables if solution[name] is not None})
    return QueryResult("SELECT", variables, tuple(rows), truncated=truncated, seconds=time.perf_counter() - started)


def _child(path: str, sparql: str, bindings: Any, max_rows: int | None, conn: Connection) -> None:
    try:
        conn.send(("ok", run_query(ox.Store.read_only(path), sparql, bindings, max_rows)))
    except BaseException as exc:
        conn.send(("error", exc if isinstance(exc, QueryError) else QueryError(f"the query failed: {exc}")))
    finally:
        conn.close()
        os._exit(0)


class EmbeddedStore:
    """An on-disk (or, for tests, in-memory) Oxigraph dataset."""

    def __init__(self, root: Path | None, store: ox.Store):
        self.root = root
        self._store = store

    @classmethod
    def open(
        cls, location: str | os.PathLike[str] | None, *, create: bool = False, read_only: bool = True
    ) -> EmbeddedStore:
        """Open the current database under ``location``; ``None`` is a fresh in-memory store."""
        if location is None:
            return cls(None, ox.Store())
        root = Path(location)
        current = root / CURRENT
        if not current.exists():
            if not create:
                raise StoreError(
                    f"no graph has been built in {root} yet",
                    hint="run 'kg build' first, or point KG_STORE at a built store",
                )
            return cls(root, ox.Store())  # nothing on disk until replace_all
        try:
            store = ox.Store.read_only(str(current.resolve())) if read_only else ox.Store(str(current.resolve()))
        except OSError as exc:
            raise StoreError(f"cannot open the store at {current}: {exc}", hint="rebuild it with 'kg build'") from None
        return cls(root, store)

    @property
    def path(self) -> Path | None:
        return (self.root / CURRENT).resolve() if self.root and (self.root / CURRENT).exists() else None

    # ----------------------------------------------------------------- reading

    def query(
        self,
        sparql: str,
        bindings: Mapping[str, RdfTerm] | None = None,
        *,
        timeout: float | None = None,
        max_rows: int | None = None,
    ) -> QueryResult:
        sparql_text.check_allowed(sparql)
        if not timeout or self.path is None:
            return run_query(self._store, sparql, bindings, max_rows)
        return self._query_in_child(str(self.path), sparql, bindings, timeout, max_rows)

    @staticmethod
    def _query_in_child(path: str, sparql: str, bindings: Any, timeout: float, max_rows: int | None) -> QueryResult:
        context = multiprocessing.get_context("fork")
        receiver, sender = context.Pipe(duplex=False)
        child = context.Process(target=_child, args=(path, sparql, bindings, max_rows, sender), daemon=True)
        with warnings.catch_warnings():
            # Python 3.12+ warns that forking a threaded process may deadlock; the child only opens
            # its own read-only database and never touches the parent's RocksDB threads or locks.
            warnings.simplefilter("ignore", DeprecationWarning)
            child.start()
        sender.close()
        try:
            if not receiver.poll(timeout):
                raise QueryTimeout(
                    f"the query ran longer than {timeout:g} s and was stopped",
                    hint="narrow it (LIMIT, more specific patterns) or raise KG_QUERY_TIMEOUT",
                )
            status, payload = receiver.recv()
        except EOFError:
            raise QueryError("the query process ended without an answer") from None
        finally:
            if child.is_alive():
                child.kill()
            child.join()
            receiver.close()
        if status == "error":
            raise payload
        return payload  # type: ignore[no-any-return]

    def info(self) -> StoreInfo:
        graphs = tuple(sorted(g.value for g in self._store.named_graphs() if isinstance(g, ox.NamedNode)))
        return StoreInfo(str(self.path or "memory"), len(self._store), graphs)

    def export(self, fmt: str) -> bytes:
        rdf_format = {"trig": ox.RdfFormat.TRIG, "nquads": ox.RdfFormat.N_QUADS}[fmt]
        prefixes = {"kg": "https://w3id.org/kg/ontology#", "kgid": "https://w3id.org/kg/id/"}
        data = self._store.dump(format=rdf_format, prefixes=prefixes if fmt == "trig" else None)
        return data or b""

    def checksum(self) -> str:
        digest = hashlib.sha256()
        for line in sorted(str(q) for q in self._store):
            digest.update(line.encode("utf-8"))
        return digest.hexdigest()

    # ----------------------------------------------------------------- writing

    def replace_all(self, graphs: Iterable[tuple[URIRef, Graph]]) -> None:
        """Load the graphs into a new database beside the current one, then swap atomically."""
        if self.root is None:
            self._store.clear()
            for iri, graph in graphs:
                self._store.extend(quads_of(iri, graph))
            return
        self.root.mkdir(parents=True, exist_ok=True)
        with self._write_lock():
            self._replace_under_lock(graphs)

    @contextmanager
    def _write_lock(self) -> Iterator[None]:
        """One writer at a time: a second build fails at once instead of racing the first."""
        assert self.root is not None
        with open(self.root / ".write.lock", "w") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise StoreError(
                    f"another process is writing the store at {self.root}", hint="wait for it to finish, then retry"
                ) from None
            yield

    def _replace_under_lock(self, graphs: Iterable[tuple[URIRef, Graph]]) -> None:
        assert self.root is not None
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        target = self.root / f"db-{stamp}-{os.getpid()}"
        try:
            fresh = ox.Store(str(target))
            for iri, graph in graphs:
                fresh.bulk_extend(quads_of(iri, graph))
            fresh.flush()
            fresh.optimize()
            del fresh
            link = self.root / f"{CURRENT}.{os.getpid()}.tmp"
            link.unlink(missing_ok=True)
            link.symlink_to(target.name)
            os.replace(link, self.root / CURRENT)  # the atomic step
        except BaseException:
            shutil.rmtree(target, ignore_errors=True)
            raise
        self._store = ox.Store.read_only(str(target))
        self._remove_old(keep=target.name)

    def _remove_old(self, keep: str) -> None:
        for old in self.root.glob("db-*") if self.root else ():
            if old.name != keep:
                shutil.rmtree(old, ignore_errors=True)

    def close(self) -> None:
        del self._store
        self._store = ox.Store()
