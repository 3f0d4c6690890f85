"""One object that a running kg is: :class:`Kg` (as Datasette's ``Datasette``, httpx's ``Client``).

It holds the settings, the store (opened on first use with the default time limit and row
cap), the saved-query catalogue, the ontology and shapes, and the caches — emptied by every write it
offers (submit, retract, update, build). ``kg`` (the CLI) makes one per invocation,
``create_app`` one per web application, the tests one per fixture.

No query reaches the store except through it: :attr:`Kg.store` is the store behind
:class:`~kg.store.policy.Guarded` with Kg's limits — the store as every other module sees it,
which refuses SERVICE and LOAD and gives a query without a limit the default ones
(``KG_QUERY_TIMEOUT``, ``KG_MAX_ROWS``), so a name lookup deep in :mod:`kg.queries` or a
reference check in :mod:`kg.submissions` is bounded like a saved query. Its writes keep the
control periods in step with the events, in the same atomic write (:mod:`kg.period_graph`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from rdflib import Graph, URIRef

from kg import (
    answers,
    formats,
    period_graph,
    period_index,
    period_reader,
    pipeline,
    queries,
    reconcile,
    rendered,
    shacl,
    sources,
    sparql_help,
    submissions,
    writes,
)
from kg import sparql as sparql_text
from kg.config import Settings
from kg.errors import KgError, QueryError, StoreError
from kg.periods import Actors
from kg.report import ValidationReport
from kg.store import Dataset, Derive, Guarded, Limits, QueryResult, RdfTerm, Store, open_store


class KeepPeriods:
    """Every write through a Kg keeps the control periods in step with the events, in the same
    atomic write: the places a change touches (:func:`kg.period_graph.keeping`), and every place
    for a SPARQL Update, whose reach kg cannot tell from its text.

    The actor hierarchy that periods are derived with is kept between writes, for the store
    version it was read from: a write that touches one place reads that place's events only,
    not every ``kg:partOf`` of the graph. A write that may change the hierarchy recomputes
    everything (and reads it again); a write by anything else changes the version, so the next
    write reads it afresh."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._actors: tuple[str, Actors] | None = None  # (store version, its hierarchy)
        self._used: Actors | None = None  # the hierarchy the write being made derived with

    def on_update(self, store: Store) -> Derive:
        self._used = None
        return period_graph.everything

    def on_apply(self, store: Store, add: Sequence[tuple[URIRef, Graph]], drop_graphs: Sequence[str]) -> Derive | None:
        self._used = None
        return period_graph.keeping(store, add, drop_graphs, actors=self._actors_for(_version(store)))

    def written(self, store: Store) -> None:
        """After a write went through (its lock still held): its hierarchy is the new version's."""
        version = _version(store)
        with self._lock:
            self._actors = (version, self._used) if version is not None and self._used is not None else None

    def _actors_for(self, version: str | None) -> Callable[[Store], Actors]:
        with self._lock:
            kept = self._actors if version is not None and self._actors and self._actors[0] == version else None

        def actors(after: Store) -> Actors:
            self._used = kept[1] if kept else period_graph.read_actors(after)
            return self._used

        return actors


def _version(store: Store) -> str | None:
    version = getattr(store, "version", None)
    return version() if callable(version) else None


class Kg:
    """A running kg: settings, store, catalogue, ontology and caches, and every action on them.

    ``store`` is the one to use instead of opening one (it is then never closed by :meth:`close`);
    ``pool_size`` > 0 gives an embedded store that many warm query workers (``kg serve``).
    """

    def __init__(self, settings: Settings, store: Store | None = None, *, pool_size: int = 0):
        self.settings = settings
        self._given = store
        self._opened: Store | None = None
        self._pool_size = pool_size
        self._lock = threading.RLock()
        self._busy: dict[str, tuple[threading.Lock, list[int]]] = {}  # submission id → (lock, users)
        self.results = answers.ResultCache()
        self.rendered = rendered.RenderedCache()
        self._catalogue: tuple[tuple[Any, ...], dict[str, queries.SavedQuery]] | None = None
        self._index: tuple[str, reconcile.Index] | None = None
        self._periods = KeepPeriods()
        self._period_index: tuple[str, period_index.PeriodIndex | None] | None = None
        self._period_read: tuple[str, threading.Thread] | None = None  # the index being read, by version

    # ------------------------------------------------------------------ the store

    @property
    def store(self) -> Guarded:
        """The store, opened on first use (so a build may come after the server starts)."""
        with self._lock:
            inner = self._given or self._opened
            if inner is None:
                inner = self._opened = open_store(self.settings, pool_size=self._pool_size)
            return self._guarded(inner)

    def store_or_empty(self) -> Guarded:
        """The store if one has been built, or an empty one to check submissions against."""
        try:
            return self.store
        except StoreError:
            return self._guarded(pipeline.open_or_empty(self.settings))

    def _guarded(self, inner: Store) -> Guarded:
        """The store with kg's policy: SERVICE/LOAD refused, the default limits, caches emptied on writes."""
        limits = Limits(self.settings.query_timeout, self.settings.max_rows)
        return Guarded(inner, limits, on_write=self.invalidate, derivations=self._periods)

    def query(
        self,
        sparql: str,
        bindings: Mapping[str, RdfTerm] | None = None,
        *,
        timeout: float | None = None,
        max_rows: int | None = None,
        dataset: Dataset | None = None,
        prefixes: bool = False,
        base: str | None = None,
    ) -> QueryResult:
        """Run SPARQL with the default time limit and row cap unless others are named; with
        ``prefixes``, the default prefixes (:data:`kg.formats.PREFIXES`, the web editor's) that
        the text does not declare; with ``base``, that base IRI for its relative IRIs (a BASE
        of its own overrides it). A syntax error says where, at what and what to do."""
        text, offset = sparql_help.with_prefixes(sparql, formats.PREFIXES) if prefixes else (sparql, 0)
        if base is not None:
            text, offset = f"BASE <{base}> {text}", offset + len(f"BASE <{base}> ")
        if offset:
            sparql_text.check_allowed(sparql)  # so that a refusal places its error in the text as given
        try:
            return self.store.query(text, bindings, timeout=timeout, max_rows=max_rows, dataset=dataset)
        except QueryError as exc:
            if type(exc) is QueryError and sparql_help.is_syntax_error(exc):
                raise sparql_help.explain(exc, sparql, formats.PREFIXES, offset) from None
            raise

    def warnings(self, sparql: str, *, prefixes: bool = False) -> tuple[str, ...]:
        """Advice on a query: each term of kg's ontology, RDFS, SKOS or PROV it uses that the
        vocabulary does not declare (``kg:Plac``), with the nearest declared term."""
        try:
            ontology: Graph | None = self.ontology()
        except KgError:
            ontology = None
        known = formats.PREFIXES if prefixes else {}
        return sparql_help.warnings(sparql, sparql_help.vocabularies(ontology), known)

    # ------------------------------------------------------------------ saved queries

    def catalogue(self) -> dict[str, queries.SavedQuery]:
        """Every saved query by name, parsed again only when a file in KG_QUERIES changes."""
        folder = self.settings.queries
        signature = queries.signature(folder)
        with self._lock:
            if self._catalogue is None or self._catalogue[0] != signature:
                self._catalogue = (signature, queries.parse_catalogue(signature))
            return self._catalogue[1]

    def saved(self, name: str) -> queries.SavedQuery:
        return queries.get(self.catalogue(), name)

    def run(
        self,
        name: str,
        params: Mapping[str, str] | None = None,
        *,
        timeout: float | None = None,
        max_rows: int | None = None,
    ) -> QueryResult:
        """Run saved query ``name``: :meth:`answer`'s result."""
        return self.answer(name, params, timeout=timeout, max_rows=max_rows).result

    def answer(
        self,
        name: str,
        params: Mapping[str, str] | None = None,
        *,
        timeout: float | None = None,
        max_rows: int | None = None,
    ) -> answers.Answer:
        """Run saved query ``name`` — the one call behind ``kg query NAME`` and ``GET /queries/NAME``
        — with what each place or actor name was read as."""
        return queries.answer(
            self.store,
            self.catalogue(),
            name,
            params or {},
            timeout=timeout or self.settings.query_timeout,
            max_rows=max_rows or self.settings.max_rows,
            cache=self.results,
            defaults=self.settings.query_defaults(),
            index_of=self.index_of,
        )

    def run_whole(self, name: str, *, needed_for: str) -> QueryResult:
        """Saved query ``name`` where every row is needed (refused if the row cap cut it)."""
        return queries.whole(self.run(name), name, self.settings, needed_for=needed_for)

    def reconcile_index(self) -> reconcile.Index:
        """The reconciliation index, made again only after the store changes."""
        store = self.store
        version = store.version()
        with self._lock:
            if version is not None and self._index is not None and self._index[0] == version:
                return self._index[1]
        index = reconcile.index(store, self.settings)
        with self._lock:
            self._index = (version, index) if version is not None else None
        return index

    def index_of(self, name: str) -> period_index.PeriodIndex | None:
        """The index called ``name`` (``periods``: :mod:`kg.period_index`) of the store's current
        version, read by one bounded query after each write; None for a store that names no
        version (a remote one, or in memory), when KG_INDEX_ROWS is 0, or when that query was cut
        (at KG_INDEX_ROWS) or timed out (KG_INDEX_TIMEOUT): then the SPARQL answers.

        The read runs on a thread of its own, one per version; a request waits for it no longer
        than KG_QUERY_TIMEOUT (its own limit) and is answered by the SPARQL meanwhile."""
        if name != "periods":
            return None
        store = self.store
        version = store.version()
        if version is None or self.settings.index_rows < 1:
            return None
        with self._lock:
            if self._period_index is not None and self._period_index[0] == version:
                return self._period_index[1]
            reading = self._period_read if self._period_read and self._period_read[0] == version else None
            if reading is None:
                thread = threading.Thread(
                    target=self._read_periods, args=(store, version), daemon=True, name="kg-periods-index"
                )
                reading = self._period_read = (version, thread)
                thread.start()
        reading[1].join(self.settings.query_timeout)
        with self._lock:
            found = self._period_index
        return found[1] if found is not None and found[0] == version else None

    def _read_periods(self, store: Guarded, version: str) -> None:
        """Read the periods index of ``version`` (on its own thread: :meth:`index_of`)."""
        try:
            index = period_reader.load(store, timeout=self.settings.index_timeout, max_rows=self.settings.index_rows)
        except KgError:  # timed out, or the store went away: the SPARQL answers until the next write
            index = None
        with self._lock:
            if store.version() == version:
                self._period_index = (version, index)

    def ontology(self) -> Graph:
        """The ontology graph (read-only), parsed again only when the file changes."""
        return sources.load_ontology(self.settings)

    def shapes(self) -> Graph:
        """The SHACL shapes of KG_SHAPES (read-only), parsed again only when a file changes."""
        return shacl.load_shapes(self.settings.shapes)

    # ------------------------------------------------------------------ writes (each empties the caches)

    def invalidate(self) -> None:
        """Forget every cached answer: called after every write."""
        with self._lock:
            self.results.clear()
            self.rendered.clear()
            self._index = None
            self._period_index = None

    def validate(self, inputs: Sequence[submissions.Inputs]) -> ValidationReport:
        """Check new material as a submission would be checked; store nothing."""
        return submissions.validate(inputs, self.settings, self.store_or_empty())

    def submit(self, item: submissions.Inputs, submitter: str) -> submissions.Stored:
        """Validate and store one submission (its own graph): identical input sent at once by
        many is stored once, with one record; the others get the stored one (``created`` False)."""
        with self._one_at_a_time(item.id):
            return submissions.submit(item, self.settings, self.store, submitter)

    def retract(self, submission_id: str, who: str, why: str, *, anyone: bool = True) -> None:
        """Retract a submission; unless ``anyone``, only one that ``who`` made (a submitter's own)."""
        with self._one_at_a_time(submission_id):
            submissions.retract(self.store, submission_id, who, why, anyone=anyone)

    @contextmanager
    def _one_at_a_time(self, submission_id: str) -> Iterator[None]:
        """Hold the lock of one submission id while it is checked and written (others run on)."""
        with self._lock:
            lock, users = self._busy.setdefault(submission_id, (threading.Lock(), [0]))
            users[0] += 1
        try:
            with lock:
                yield
        finally:
            with self._lock:
                users[0] -= 1
                if not users[0]:
                    del self._busy[submission_id]

    def update(self, sparql_update: str, *, base: str | None = None) -> None:
        """An admin's SPARQL Update (with ``base``, that base IRI for its relative IRIs), refused if
        it would write a graph kg derives or records (:func:`kg.writes.check_update`)."""
        text = sparql_update if base is None else f"BASE <{base}> {sparql_update}"
        sparql_text.check_allowed(text, update=True)  # SERVICE and LOAD: refused first, as ever
        writes.check_update(text, present=self._graphs)
        self.store.update(text)

    def _graphs(self) -> list[str]:
        """The store's named graphs (for an admin's DROP ALL: whether kg's own are among them)."""
        result = self.store.query("SELECT ?g WHERE { GRAPH ?g { } }")
        return [row["g"].value for row in result.rows]

    def build(
        self, progress: pipeline.Progress | None = None, *, reason: bool = False, if_changed: bool = False
    ) -> pipeline.BuildReport:
        """Rebuild the store from KG_DATA (keeping the submissions); the next query sees the new data."""
        try:
            return pipeline.build(self.settings, progress, reason=reason, if_changed=if_changed)
        finally:
            self._reopen()

    def _reopen(self) -> None:
        with self._lock:
            opened, self._opened = self._opened, None
            self.invalidate()
        if opened is not None:
            opened.close()

    def export(self, fmt: str) -> bytes:
        """The whole dataset as TriG or N-Quads."""
        return self.store.export(fmt)

    def close(self) -> None:
        """Close the store this object opened (a store it was given stays open)."""
        with self._lock:
            opened, self._opened = self._opened, None
        if opened is not None:
            opened.close()

    def __enter__(self) -> Kg:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
