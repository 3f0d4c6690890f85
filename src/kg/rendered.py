"""Answers as they are sent, kept as bytes: :class:`RenderedCache`, which :class:`kg.app.Kg` holds
and the web layer fills (``/queries/control-map.geojson?date=…`` serialised once per store
version and request, and answered ``304`` to its ``ETag``)."""

from __future__ import annotations

from dataclasses import dataclass

from kg.answers import VersionedCache


@dataclass(frozen=True)
class Rendered:
    """A saved query's answer as it is sent: the body, its media type, its headers and its tag."""

    body: bytes
    content_type: str
    headers: tuple[tuple[str, str], ...]
    etag: str


class RenderedCache(VersionedCache[Rendered]):
    """Answers as bytes by store version and request (``/queries/control-map.geojson?date=``):
    serialised once, sent again as they are until the next write; at most ``budget`` bytes in all."""

    def __init__(self, budget: int = 64 * 2**20):
        super().__init__(lambda rendered: len(rendered.body), budget)
