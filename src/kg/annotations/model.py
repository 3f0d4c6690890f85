"""The domain objects of an annotation file: articles, entities, mentions, events, claims.

Each keeps the :class:`~kg.errors.Location` (file, line, field) it came from, so that any later
check can say exactly where to look.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from kg.errors import Location

ENTITY_SECTIONS = {"places": "place", "actors": "actor", "infrastructure": "asset"}
ROLE_KEYS = ("gaining", "losing", "controller", "attacker", "defender", "present", "supporting")
RELATION_KEYS = ("locatedIn", "near", "connects", "supplies", "partOf", "alliedWith", "supportedBy", "memberOf")


@dataclass(frozen=True)
class DateSpec:
    """A date as precise as the source allows: an interval with its precision and basis."""

    precision: str  # day | week | month | year | range
    earliest: date | None
    latest: date | None
    basis: str  # text-explicit | text-relative | cross-article | external
    derivation: str | None = None
    expression: str | None = None  # what the text says ("on Sunday"), checked by kg.date_rules
    reference: str | None = None  # what the expression counts from: "published" or an event id
    citation: str | None = None  # where a date from outside the text comes from


@dataclass(frozen=True)
class Coordinates:
    lat: float
    lon: float
    source: str  # "geonames:173361"


@dataclass(frozen=True)
class Entity:
    """A place, actor or infrastructure asset, introduced once and reused by id."""

    id: str
    kind: str  # place | actor | asset
    type: str
    label: str
    alt_labels: tuple[str, ...]
    relations: Mapping[str, tuple[str, ...]]
    coordinates: Coordinates | None
    stance: str | None
    where: Location


@dataclass(frozen=True)
class Span:
    start: int
    end: int


@dataclass(frozen=True)
class Locator:
    """How a quote is found in the text: the words, which occurrence, or the words before."""

    quote: str
    occurrence: int | str | None = None  # 1-based, or "all" (mentions only)
    prefix: str | None = None
    to: str | None = None  # evidence given as `from` … `to`


@dataclass(frozen=True)
class Mention:
    entity: str
    locator: Locator
    spans: tuple[Span, ...]  # as stored in the file (may be empty before resolving)
    where: Location


@dataclass(frozen=True)
class Evidence:
    locator: Locator
    span: Span | None
    where: Location


@dataclass(frozen=True)
class Event:
    id: str
    type: str
    place: str
    roles: Mapping[str, tuple[str, ...]]
    date: DateSpec
    scope: str | None
    scope_note: str | None
    certainty: str
    sources: tuple[str, ...]
    trigger: str | None
    evidence: tuple[Evidence, ...]
    where: Location


@dataclass(frozen=True)
class Claim:
    id: str
    place: str
    reference: str
    km: float | None
    bearing: str | None
    sources: tuple[str, ...]
    evidence: tuple[Evidence, ...]
    where: Location


@dataclass(frozen=True)
class Article:
    file: str
    sha256: str
    title: str
    language: str
    published: DateSpec | None
    publisher: str | None
    publisher_derivation: str | None
    cites: tuple[str, ...]
    where: Location
    as_of: DateSpec | None = None  # the date of observations that give none ("as of the article")

    @property
    def stem(self) -> str:
        return self.file.rsplit(".", 1)[0]


@dataclass(frozen=True)
class AnnotationFile:
    """One parsed file: an article's annotations, or the shared entities file."""

    path: str
    article: Article | None
    entities: tuple[Entity, ...]
    mentions: tuple[Mention, ...] = ()
    events: tuple[Event, ...] = ()
    claims: tuple[Claim, ...] = ()
    tree: Any = field(default=None, compare=False, repr=False)  # the YAML tree, for rewriting

    @property
    def supported(self) -> tuple[Event | Claim, ...]:
        """Events and claims: everything that carries evidence spans."""
        return (*self.events, *self.claims)
