"""What a saved query answers, and where answers are kept: :class:`Answer`, the indexes a
running kg may hold for some saved queries (:class:`Indexed`), and the cache of results by
store version (:class:`ResultCache`) that :func:`kg.queries.answer` reads and fills.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from kg import resolver
from kg.store import QueryResult, RdfTerm

__all__ = ["Answer", "IndexOf", "Indexed", "ResultCache", "Versioned"]


@dataclass(frozen=True)
class Answer:
    """A saved query's result, and what each name given for a place or an actor was read as
    when only folded matching found it (``Qaryatain`` → al-Qaryatayn)."""

    result: QueryResult
    readings: tuple[resolver.Reading, ...] = ()


class Indexed(Protocol):
    """An index held by the running kg that answers some saved queries with exactly the rows
    their SPARQL gives (:class:`kg.period_index.PeriodIndex`), or None for one it cannot."""

    def answer(self, name: str, bindings: Mapping[str, RdfTerm], max_rows: int | None = None) -> QueryResult | None: ...


IndexOf = Callable[[str], Indexed | None]
"""The index of a name (a saved query's ``#+ index:``) for the store's current version, if any."""


@runtime_checkable
class Versioned(Protocol):
    """A store that can name the version of the data it holds, changed by every write (the
    embedded store's current database); a store that cannot is never answered from a cache."""

    def version(self) -> str | None: ...


class ResultCache:
    """Saved-query results by store version, query and parameters: least recently used first
    out, at most ``entries`` results and ``rows`` rows in all, emptied when the version changes.

    Saved queries are known in advance and the store changes only on writes, so a repeated
    request between two writes is answered without running the query again.
    """

    def __init__(self, entries: int = 256, rows: int = 200_000):
        self.entries, self.rows = entries, rows
        self._results: OrderedDict[tuple[Any, ...], Answer] = OrderedDict()
        self._version: str | None = None
        self._lock = threading.Lock()

    def get(self, version: str, key: tuple[Any, ...]) -> Answer | None:
        with self._lock:
            if version != self._version:
                self._results.clear()
                self._version = version
            found = self._results.get(key)
            if found is not None:
                self._results.move_to_end(key)
            return found

    def clear(self) -> None:
        """Forget every result (after a write)."""
        with self._lock:
            self._results.clear()
            self._version = None

    def put(self, version: str, key: tuple[Any, ...], answer: Answer) -> None:
        if len(answer.result.rows) > self.rows:
            return
        with self._lock:
            if version != self._version:
                return  # the store moved on while the query ran
            self._results[key] = answer
            while (
                len(self._results) > self.entries or sum(len(a.result.rows) for a in self._results.values()) > self.rows
            ):
                self._results.popitem(last=False)
