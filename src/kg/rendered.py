"""Answers as they are sent, kept as bytes: :class:`RenderedCache`, which :class:`kg.app.Kg` holds
and the web layer fills (``/queries/control-map.geojson?date=…`` serialised once per store
version and request, and answered ``304`` to its ``ETag``)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Rendered:
    """A saved query's answer as it is sent: the body, its media type, its headers and its tag."""

    body: bytes
    content_type: str
    headers: tuple[tuple[str, str], ...]
    etag: str


class RenderedCache:
    """Answers as bytes by store version and request (``/queries/control-map.geojson?date=``):
    serialised once, sent again as they are until the next write; least recently used first
    out, at most ``budget`` bytes in all."""

    def __init__(self, budget: int = 64 * 2**20):
        self.budget = budget
        self._bodies: OrderedDict[tuple[Any, ...], Rendered] = OrderedDict()
        self._version: str | None = None
        self._lock = threading.Lock()

    def get(self, version: str, key: tuple[Any, ...]) -> Rendered | None:
        with self._lock:
            if version != self._version:
                self._bodies.clear()
                self._version = version
            found = self._bodies.get(key)
            if found is not None:
                self._bodies.move_to_end(key)
            return found

    def put(self, version: str, key: tuple[Any, ...], rendered: Rendered) -> None:
        with self._lock:
            if version != self._version or len(rendered.body) > self.budget:
                return
            self._bodies[key] = rendered
            while sum(len(r.body) for r in self._bodies.values()) > self.budget:
                self._bodies.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._bodies.clear()
            self._version = None
