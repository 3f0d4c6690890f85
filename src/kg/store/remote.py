"""The remote store: any SPARQL 1.1 server, through Query, Update and the Graph Store Protocol.

``KG_STORE=http://host:7878/query`` makes :func:`kg.store.open_store` give a
:class:`RemoteStore`. It speaks only the W3C protocols, so Oxigraph server, Apache Jena
Fuseki, Virtuoso, GraphDB and Amazon Neptune all serve; the README says how to set each up.
The server must answer queries over the union of its named graphs when no dataset is given
(each article is its own named graph), as the embedded store does. kg's graphs are those under
``KG_GRAPHS``; writes, export, counts and the checksum touch only them, so a server may hold
other data (Virtuoso holds its own) without kg replacing it.

Endpoints (:func:`endpoints`): the query endpoint is ``KG_STORE`` (a bare server address gets
``/query``); updates go to ``KG_STORE_UPDATE`` and loads to ``KG_STORE_GSP``, by default the
query endpoint with a final ``/query`` read as ``/update`` and ``/store`` (Oxigraph's layout),
or the query endpoint itself for updates and SPARQL Update for loads when it has another name.

Writes keep the embedded store's promise — all or nothing — as far as the server keeps its
own: the change is one SPARQL Update request, which Oxigraph, Fuseki (TDB2), GraphDB and
Neptune apply in one transaction. A small change is sent whole in that request; a large one
is first loaded, in batches of ``KG_STORE_BATCH`` triples (Graph Store Protocol POSTs), into
staging graphs ``urn:kg:staging:<id>:<n>``, which the one final request then moves into
place. A failure before that request leaves the data as it was (staging graphs are dropped,
or by the next rebuild if kg itself dies); while staging graphs exist, queries over the union
see them too.

Parameters are bound by ``VALUES`` blocks (:func:`kg.sparql.with_values`), since a remote
server has no substitution API. A query that calls one of kg's extension functions
(:mod:`kg.store.functions`, e.g. ``geof:distance`` in ``nearby``), which a plain SPARQL server
would silently leave unbound, is evaluated by kg itself over a snapshot of the data fetched
from the server, so it gives the same rows as on the embedded store: the snapshot is written
to an embedded store in a temporary folder, whose one query worker process is killed when the
query overruns its time limit. That costs a transfer of the whole dataset per query, so it is
refused past ``SNAPSHOT_LIMIT`` quads.
"""

from __future__ import annotations

import contextlib
import tempfile
import threading
import time
import uuid
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from typing import Any
from urllib.parse import urlencode, urlsplit

from rdflib import Graph, URIRef

from kg import sparql as sparql_text
from kg.config import Settings
from kg.errors import KgError, QueryError, StoreError
from kg.store import oxigraph
from kg.store.base import Dataset, Derive, Derived, Quads, QueryResult, RdfTerm, StoreInfo
from kg.store.embedded import EmbeddedStore
from kg.store.functions import called_functions, uses_extension_functions
from kg.store.oxigraph import quads_of
from kg.store.results import RESULTS_JSON, as_ntriples, parsed_results
from kg.store.transport import Transport, redacted
from kg.vocab import GRAPH

STAGING = "urn:kg:staging:"
SNAPSHOT_LIMIT = 2_000_000
"""Quads beyond which kg refuses to evaluate an extension-function query over a snapshot."""
KG_GRAPHS = str(GRAPH.ONTOLOGY).rsplit("/", 1)[0] + "/"
"""kg's named graphs all start with this; a remote store reads, counts and replaces only those."""
OURS = f"FILTER (STRSTARTS(STR(?g), '{KG_GRAPHS}'))"
ALL_QUADS = f"SELECT ?g ?s ?p ?o WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {OURS} }}"
COUNT_QUADS = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {OURS} }}"
GRAPH_NAMES = "SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ {} }} FILTER (STRSTARTS(STR(?g), '{}')) }}"
"""Graph names by prefix; ``GRAPH ?g { }`` is cheap on Oxigraph but matches nothing on Virtuoso,
which needs a triple pattern (a scan of every quad, so it is only tried when the first finds none)."""


def endpoints(settings: Settings) -> tuple[str, str, str | None]:
    """(query, update, graph store) URLs; graph store None means loading by SPARQL Update."""
    query = settings.store
    parts = urlsplit(query)
    if parts.path in ("", "/"):
        query = query.rstrip("/") + "/query"
    oxigraph_like = urlsplit(query).path.endswith("/query")
    update = settings.store_update or (query[: -len("query")] + "update" if oxigraph_like else query)
    gsp: str | None = settings.store_gsp or (query[: -len("query")] + "store" if oxigraph_like else None)
    return query, update, None if gsp == "none" else gsp


class RemoteStore:
    """A SPARQL 1.1 server behind the :class:`~kg.store.Store` protocol; thread-safe."""

    def __init__(self, settings: Settings) -> None:
        self.query_url, self.update_url, self.gsp_url = endpoints(settings)
        self.transport = Transport(settings.store_auth, settings.store_retries)
        self.write_timeout = settings.store_timeout
        self.read_timeout = max(settings.query_timeout, settings.store_timeout)
        self.batch = settings.store_batch
        self._snapshot_lock = threading.Lock()
        self.write_wait = settings.write_wait
        self._writing = threading.RLock()  # writers of this process wait for each other
        self._snapshot_store: EmbeddedStore | None = None
        self._scratch: tempfile.TemporaryDirectory[str] | None = None

    @classmethod
    def open(cls, settings: Settings, **_options: Any) -> RemoteStore:
        """Nothing to open: the server is reached on the first request (``create`` and
        ``pool_size`` mean nothing here — the server does the work, HTTP time limits bound it)."""
        return cls(settings)

    # ----------------------------------------------------------------- reading

    def query(
        self,
        sparql: str,
        bindings: Mapping[str, RdfTerm] | None = None,
        *,
        timeout: float | None = None,
        max_rows: int | None = None,
        dataset: Dataset | None = None,
    ) -> QueryResult:
        started = time.perf_counter()
        limit = timeout or self.read_timeout
        if uses_extension_functions(sparql):
            return self._evaluate_locally(sparql, bindings, limit, max_rows, dataset, started)
        _check_projected(sparql, bindings)
        text = sparql_text.with_values(sparql, {k: v.n3() for k, v in (bindings or {}).items()})
        if max_rows is not None:  # one row more than kept, to know whether there were more
            text = sparql_text.with_limit(text, max_rows + 1)
        form = sparql_text.form(sparql)
        graph_form = form in ("CONSTRUCT", "DESCRIBE")
        accept = "application/n-triples, text/turtle;q=0.9" if graph_form else RESULTS_JSON
        fields: list[tuple[str, str]] = [("query", text), *self._dataset_fields(dataset, limit)]
        reply = self.transport.send(
            self.query_url,
            data=urlencode(fields).encode("utf-8"),
            headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": accept},
            timeout=limit,
            idempotent=True,
            what="query",
        )
        if graph_form:
            return QueryResult(form, triples=as_ntriples(reply.body, reply.content_type), seconds=_since(started))
        return parsed_results(reply.body, form, max_rows, started, self.query_url)

    def _dataset_fields(self, dataset: Dataset | None, timeout: float) -> list[tuple[str, str]]:
        """default-graph-uri / named-graph-uri; named graphs alone keep the union as default graph,
        as on the embedded store, by naming every graph as a default graph."""
        if dataset is None or not (dataset.default_graphs or dataset.named_graphs):
            return []
        defaults = dataset.default_graphs or self._graph_names(timeout)
        return [("default-graph-uri", g) for g in defaults] + [("named-graph-uri", g) for g in dataset.named_graphs]

    def _select(self, sparql: str, timeout: float | None = None) -> QueryResult:
        return self.query(sparql, timeout=timeout or self.read_timeout)

    def _graph_names(self, timeout: float | None = None) -> tuple[str, ...]:
        return self._names(KG_GRAPHS, timeout)

    def _names(self, prefix: str, timeout: float | None = None) -> tuple[str, ...]:
        for pattern in ("", "?s ?p ?o"):
            found = self._select(GRAPH_NAMES.format(pattern, prefix), timeout).column("g")
            if found:
                return tuple(sorted(g for g in found if g))
        return ()

    def _quads(self, timeout: float | None = None) -> list[Any]:
        """Every quad in a named graph (staging graphs left out), blank nodes relabelled
        canonically (RDFC-1.0), since each server names them its own way."""
        return oxigraph.quads_of_rows(self._select(ALL_QUADS, timeout).rows)

    def _evaluate_locally(
        self,
        sparql: str,
        bindings: Mapping[str, RdfTerm] | None,
        timeout: float,
        max_rows: int | None,
        dataset: Dataset | None,
        started: float,
    ) -> QueryResult:
        count = int(self._select(COUNT_QUADS, timeout).rows[0]["n"].value)
        if count > SNAPSHOT_LIMIT:
            raise QueryError(
                f"the query calls {', '.join(called_functions(sparql))}, which the server at "
                f"{redacted(self.query_url)} does not provide, and kg evaluates such queries over a copy of the "
                f"data, which is limited to {SNAPSHOT_LIMIT:,} quads (the store has {count:,})",
                hint="run it on the embedded store (kg export, then load the export into one)",
            )
        quads = self._quads(timeout - _since(started))
        snapshot = self._snapshot()
        snapshot.replace_quads(quads)
        remaining = max(0.001, timeout - _since(started))
        result = snapshot.query(sparql, bindings, timeout=remaining, max_rows=max_rows, dataset=dataset)
        return replace(result, seconds=_since(started))

    def _snapshot(self) -> EmbeddedStore:
        """An embedded store in a temporary folder, with one query worker process, where
        extension-function queries run under their time limit (killed when they overrun)."""
        with self._snapshot_lock:
            if self._snapshot_store is None:
                self._scratch = tempfile.TemporaryDirectory(prefix="kg-snapshot-")
                self._snapshot_store = EmbeddedStore.open(self._scratch.name, create=True, pool_size=1)
            return self._snapshot_store

    def info(self) -> StoreInfo:
        count = self._select(COUNT_QUADS).rows[0]["n"].value
        return StoreInfo(redacted(self.query_url), int(count), self._graph_names())

    def export(self, fmt: str) -> bytes:
        return oxigraph.export(self._quads(), fmt)

    def checksum(self) -> str:
        return oxigraph.checksum(self._quads())

    # ----------------------------------------------------------------- writing

    @contextlib.contextmanager
    def exclusive(self) -> Iterator[None]:
        """Hold this process's write lock (re-entrant); other writers of this process wait up to
        ``write_wait`` seconds. A SPARQL server has no lock to share with other processes: a
        rebuild instead never drops a submission it did not collect (see :meth:`replace_all`)."""
        if not self._writing.acquire(timeout=self.write_wait):
            raise StoreError(
                f"another write to {redacted(self.query_url)} has taken over {self.write_wait:g} s; "
                "this write waited that long and was not made",
                hint="retry when the other write (e.g. kg build) has finished, or raise KG_WRITE_WAIT",
            )
        try:
            yield
        finally:
            self._writing.release()

    def update(self, sparql_update: str, *, derive: Derive | None = None) -> None:
        """Send a SPARQL Update as one request (the server applies it all or not at all); LOAD and
        SERVICE are refused in front of it (:class:`~kg.store.policy.Guarded`), never sent. What
        ``derive`` gives goes in the same request; it reads a local copy of kg's graphs with the
        update applied."""
        with self.exclusive():
            if derive is None:
                self._send_update(sparql_update)
                return
            found = self._derive(derive, update=sparql_update)
            self._write(found.add, [], merge=True, then=[sparql_update, *filter(None, [found.update])])

    def replace_all(
        self, graphs: Iterable[tuple[URIRef, Graph | Quads]], *, keep: Sequence[str] = (), drop: Collection[str] = ()
    ) -> None:
        """Replace kg's named graphs (those under ``KG_GRAPHS``) with these, in one final request.
        kg keeps nothing in the default graph, and graphs of others on the server stay.

        Graphs whose names start with one of ``keep`` are left as they are (a given graph of the
        same name merges into one), except those named in ``drop``: the final request never
        drops them, so one that another process writes meanwhile survives the swap.
        """
        with self.exclusive():
            graphs = list(graphs)
            prefixes = tuple(keep)
            current = [g for g in self._graph_names_with_staging() if not g.startswith(prefixes) or g in drop]
            given = [str(iri) for iri, _ in graphs if not str(iri).startswith(prefixes)]
            self._write(graphs, list(dict.fromkeys([*current, *given, *drop])), merge=bool(prefixes))

    def apply(
        self, add: Iterable[tuple[URIRef, Graph]] = (), drop_graphs: Iterable[str] = (), *, derive: Derive | None = None
    ) -> None:
        """Drop these named graphs, then add these ones (merging into a graph that exists), in one
        request, with what ``derive`` gives (read from a local copy of kg's graphs so changed)."""
        with self.exclusive():
            add, drop = list(add), [str(g) for g in drop_graphs]
            found = self._derive(derive, add=add, drop=drop) if derive is not None else Derived()
            self._write([*add, *found.add], drop, merge=True, then=list(filter(None, [found.update])))

    def _derive(
        self, derive: Derive, *, add: Sequence[tuple[URIRef, Graph]] = (), drop: Sequence[str] = (), update: str = ""
    ) -> Derived:
        """What ``derive`` gives, reading the store as the write will leave it: a copy of kg's graphs
        (fetched under the write lock) in memory, with the write's own change made on it. The copy
        costs a transfer of kg's data per derived write."""
        dropped = set(drop)
        after = EmbeddedStore.open(None)
        after.replace_quads(q for q in self._quads() if getattr(q.graph_name, "value", None) not in dropped)
        after.apply(add)
        if update:
            after.update(update)
        return derive(after)

    def _graph_names_with_staging(self) -> list[str]:
        """kg's graphs and any stale staging graphs, so that a rebuild clears them too; other
        graphs on the server (Virtuoso's own, another application's) are left alone."""
        return [*self._graph_names(), *self._names(STAGING)]

    def _write(
        self, add: Sequence[tuple[URIRef, Graph | Quads]], drop: Sequence[str], *, merge: bool, then: Sequence[str] = ()
    ) -> None:
        """Drop ``drop``, run the updates ``then``, add ``add``: one final request."""
        operations = [*(f"DROP SILENT GRAPH <{g}>" for g in drop), *then]
        contents = [(str(iri), _triples(quads_of(iri, graph))) for iri, graph in add]
        blank = any("_:" in line for _, lines in contents for line in lines)
        if sum(len(lines) for _, lines in contents) <= self.batch and not (blank and self.gsp_url):
            # one request carrying the data (blank nodes go by the Graph Store Protocol if there is
            # one: Virtuoso refuses them in INSERT DATA)
            inserts = " ".join(f"GRAPH <{iri}> {{\n{''.join(lines)}}}" for iri, lines in contents if lines)
            self._send_update(" ;\n".join([*operations, *([f"INSERT DATA {{ {inserts} }}"] if inserts else [])]))
            return
        token = uuid.uuid4().hex
        staged: list[str] = []
        swapping = False
        try:
            for n, (iri, lines) in enumerate(contents):
                staging = f"{STAGING}{token}:{n}"
                staged.append(staging)
                for batch in _batches(lines, self.batch):
                    self._load(staging, batch)
                verb = "ADD" if merge else "MOVE"
                operations.append(f"{verb} SILENT GRAPH <{staging}> TO GRAPH <{iri}>")
                if merge:
                    operations.append(f"DROP SILENT GRAPH <{staging}>")
            swapping = True
            self._send_update(" ;\n".join(operations))
        except BaseException as exc:
            # A swap that got no answer may still be applied by the server: its staging graphs
            # must stay for it (the next rebuild drops them). One that was refused is over.
            if not swapping or isinstance(exc, QueryError):
                self._drop_quietly(staged)
            raise

    def _load(self, graph: str, lines: Sequence[str]) -> None:
        """One batch of N-Triples into a graph: a Graph Store Protocol POST, or INSERT DATA."""
        if self.gsp_url is None:
            self._send_update(f"INSERT DATA {{ GRAPH <{graph}> {{\n{''.join(lines)}}} }}")
            return
        separator = "&" if "?" in self.gsp_url else "?"
        self.transport.send(
            self.gsp_url + separator + urlencode({"graph": graph}),
            data="".join(lines).encode("utf-8"),
            headers={"Content-Type": "application/n-triples"},
            timeout=self.write_timeout,
            idempotent=False,
            what="load",
            method="POST",
        )

    def _send_update(self, text: str) -> None:
        self.transport.send(
            self.update_url,
            data=urlencode({"update": text}).encode("utf-8"),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            timeout=self.write_timeout,
            idempotent=False,
            what="update",
        )

    def _drop_quietly(self, graphs: Sequence[str]) -> None:
        if not graphs:
            return
        with contextlib.suppress(KgError):  # the next rebuild drops them
            self._send_update(" ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in graphs))

    def close(self) -> None:
        """End the snapshot's query worker, if one was started (every request has its own connection)."""
        with self._snapshot_lock:
            if self._snapshot_store is not None:
                self._snapshot_store.close()
                self._snapshot_store = None
            if self._scratch is not None:
                self._scratch.cleanup()
                self._scratch = None


# --------------------------------------------------------------------------- helpers


def _check_projected(sparql: str, bindings: Mapping[str, RdfTerm] | None) -> None:
    """Refuse, as the embedded engine does (SEP-0007), to bind a variable a SELECT does not project."""
    projected = sparql_text.projection(sparql) if bindings else None
    if projected is None or "*" in projected:
        return
    for name in bindings or {}:
        if name not in projected:
            raise QueryError(f"the query cannot run: the variable ?{name} is bound but not in its SELECT projection")


def _triples(quads: Iterable[Any]) -> list[str]:
    """Quads as N-Triples lines; those with blank nodes first, so that they stay in one batch
    (a blank node label means one node only within one request)."""
    return sorted(oxigraph.ntriples_lines(quads), key=lambda line: "_:" not in line)


def _batches(lines: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    """Batches of ``size`` lines; every line with a blank node goes in the first, however large."""
    with_blanks = sum(1 for line in lines if "_:" in line)
    first = max(size, with_blanks)
    yield lines[:first]
    for start in range(first, len(lines), size):
        yield lines[start : start + size]


def _since(started: float) -> float:
    return time.perf_counter() - started
