"""The one place where kg's query policy is applied, whichever backend answers.

:class:`Guarded` wraps any :class:`~kg.store.base.Store` and, before the backend sees anything:

- refuses ``SERVICE`` and ``LOAD`` by the structure of the parsed text (:func:`kg.sparql.check_allowed`)
  in queries and updates, so that no backend — the embedded engine, a remote server — is ever
  asked to fetch from the network;
- gives a query without a time limit or a row cap the default ones (:class:`Limits`:
  ``KG_QUERY_TIMEOUT``, ``KG_MAX_ROWS`` when :class:`kg.app.Kg` opens the store);
- calls ``on_write`` after every write (to empty caches), whether it went through or not.

:func:`kg.store.open_store` returns a Guarded store with the refusals only (the build and kg's own
whole-dataset reads are not cut at a row cap); :class:`kg.app.Kg` wraps it again with its limits
(wrapping a Guarded store replaces its limits rather than stacking a second check). The sandbox
in which the embedded engine evaluates is not policy but how that engine is run: it stays there.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Protocol

from rdflib import Graph, URIRef

from kg import sparql as sparql_text
from kg.errors import QueryTimeout
from kg.store.base import Dataset, Derive, Quads, QueryResult, RdfTerm, Store, StoreInfo
from kg.store.oxigraph import timed_out


@dataclass(frozen=True)
class Limits:
    """The defaults for a query that names none: seconds it may run, rows it may give (None: no limit)."""

    timeout: float | None = None
    max_rows: int | None = None


class Derivations(Protocol):
    """What a write derives besides its own change, in the same atomic write (for kg: the control
    periods, :mod:`kg.period_graph`); given to :class:`Guarded` by :class:`kg.app.Kg`."""

    def on_update(self, store: Store) -> Derive:
        """For a SPARQL Update (whose reach cannot be told from its text)."""
        ...

    def on_apply(self, store: Store, add: Sequence[tuple[URIRef, Graph]], drop_graphs: Sequence[str]) -> Derive | None:
        """For graphs added and dropped (read ``store`` as it is before the write); None: nothing."""
        ...

    def written(self, store: Store) -> None:
        """After an update or apply went through, with the write lock still held."""
        ...


class Guarded:
    """A store with kg's policy in front of it (see the module docstring); a Store itself."""

    def __init__(
        self,
        inner: Store,
        limits: Limits | None = None,
        on_write: Callable[[], None] | None = None,
        derivations: Derivations | None = None,
    ):
        self.inner: Store = inner.inner if isinstance(inner, Guarded) else inner
        self.limits = limits or Limits()
        self._on_write = on_write
        self.derivations = derivations
        self._checks = threading.BoundedSemaphore(2)  # parses of SERVICE/LOAD texts running (_check_within)

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
        limit = timeout or self.limits.timeout
        started = time.monotonic()
        self._check_within(sparql, limit)
        checking = time.monotonic() - started
        left = limit if limit is None or checking < 0.01 else limit - checking  # the check counts if it took time
        if left is not None and left <= 0:
            raise timed_out(limit or 0)
        try:
            return self.inner.query(
                sparql, bindings, timeout=left, max_rows=max_rows or self.limits.max_rows, dataset=dataset
            )
        except QueryTimeout:
            if left != limit:
                raise timed_out(limit or 0) from None  # name the limit, not what the check left of it
            raise

    def _check_within(self, sparql: str, limit: float | None) -> None:
        """:func:`kg.sparql.check_allowed` within the query's time limit: a text that must be parsed
        (it spells SERVICE or LOAD somewhere) is parsed in a thread, and the query fails with
        QueryTimeout if that takes longer than the limit (rdflib reads ~10 KB/s; the parse then
        finishes in the background, at most two at a time, the others waiting their turn)."""
        if limit is None or not sparql_text.mentions(sparql):
            sparql_text.check_allowed(sparql)
            return
        started = time.monotonic()
        if not self._checks.acquire(timeout=limit):
            raise timed_out(limit)
        outcome: list[BaseException | None] = []

        def check() -> None:
            try:
                sparql_text.check_allowed(sparql)
                outcome.append(None)
            except BaseException as exc:
                outcome.append(exc)
            finally:
                self._checks.release()

        thread = threading.Thread(target=check, daemon=True, name="kg-query-check")
        thread.start()
        thread.join(max(0.0, limit - (time.monotonic() - started)))
        if not outcome:
            raise timed_out(limit)
        if outcome[0] is not None:
            raise outcome[0]

    def version(self) -> str | None:
        """The backend's data version, or None if it cannot name one (then nothing is cached)."""
        version = getattr(self.inner, "version", None)
        return version() if callable(version) else None

    def info(self) -> StoreInfo:
        return self.inner.info()

    def export(self, fmt: str) -> bytes:
        return self.inner.export(fmt)

    def checksum(self) -> str:
        return self.inner.checksum()

    # ----------------------------------------------------------------- writing

    def update(self, sparql_update: str, *, derive: Derive | None = None) -> None:
        with self._writing(), self.inner.exclusive():
            sparql_text.check_allowed(sparql_update, update=True)
            if derive is None and self.derivations is not None:
                derive = self.derivations.on_update(self.inner)
            self.inner.update(sparql_update, derive=derive)
            if self.derivations is not None:
                self.derivations.written(self.inner)

    def replace_all(
        self, graphs: Iterable[tuple[URIRef, Graph | Quads]], *, keep: Sequence[str] = (), drop: Collection[str] = ()
    ) -> None:
        with self._writing():
            self.inner.replace_all(graphs, keep=keep, drop=drop)

    def apply(
        self, add: Iterable[tuple[URIRef, Graph]] = (), drop_graphs: Iterable[str] = (), *, derive: Derive | None = None
    ) -> None:
        added, dropped = list(add), [str(g) for g in drop_graphs]
        with self._writing(), self.inner.exclusive():  # what a derivation reads before the write stays so
            if derive is None and self.derivations is not None:
                derive = self.derivations.on_apply(self.inner, added, dropped)
            self.inner.apply(added, dropped, derive=derive)
            if self.derivations is not None:
                self.derivations.written(self.inner)

    def exclusive(self) -> AbstractContextManager[None]:
        return self.inner.exclusive()

    @contextmanager
    def _writing(self) -> Iterator[None]:
        try:
            yield
        finally:
            if self._on_write is not None:
                self._on_write()

    def close(self) -> None:
        self.inner.close()
