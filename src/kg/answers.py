"""What a saved query answers, and where answers are kept: :class:`Answer`, the indexes a
running kg may hold for some saved queries (:class:`Indexed`), and the cache of results by
store version (:class:`ResultCache`) that :func:`kg.queries.answer` reads and fills.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar, runtime_checkable

from kg import resolver
from kg.store import QueryResult, RdfTerm

__all__ = ["Answer", "IndexOf", "Indexed", "ResultCache", "Versioned", "VersionedCache"]

T = TypeVar("T")


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


class VersionedCache(Generic[T]):
    """Values by store version and key: least recently used first out, at most ``entries`` of
    them and ``budget`` in all (as ``size`` measures a value), emptied when the version changes.

    The store changes only on writes, so a repeated request between two writes is answered
    without doing its work again. Used for results (:class:`ResultCache`) and for answers as the
    bytes sent (:class:`kg.rendered.RenderedCache`).
    """

    def __init__(self, size: Callable[[T], int], budget: int, entries: int | None = None):
        self.size, self.budget, self.entries = size, budget, entries
        self._values: OrderedDict[tuple[Any, ...], tuple[T, int]] = OrderedDict()
        self._total = 0
        self._version: str | None = None
        self._lock = threading.Lock()

    def get(self, version: str, key: tuple[Any, ...]) -> T | None:
        with self._lock:
            if version != self._version:
                self._forget(version)
            found = self._values.get(key)
            if found is None:
                return None
            self._values.move_to_end(key)
            return found[0]

    def put(self, version: str, key: tuple[Any, ...], value: T) -> None:
        size = self.size(value)
        with self._lock:
            if version != self._version or size > self.budget:
                return  # the store moved on while the work ran, or it would not fit at all
            if key in self._values:
                self._total -= self._values.pop(key)[1]
            self._values[key] = (value, size)
            self._total += size
            while self._total > self.budget or (self.entries is not None and len(self._values) > self.entries):
                self._total -= self._values.popitem(last=False)[1][1]

    def clear(self) -> None:
        """Forget everything (after a write)."""
        with self._lock:
            self._forget(None)

    def _forget(self, version: str | None) -> None:
        self._values.clear()
        self._total = 0
        self._version = version


class ResultCache(VersionedCache[Answer]):
    """Saved-query results by store version, query and parameters: at most ``entries`` results
    and ``rows`` rows in all."""

    def __init__(self, entries: int = 256, rows: int = 200_000):
        super().__init__(lambda answer: len(answer.result.rows), rows, entries)
