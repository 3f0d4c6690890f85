"""The domain objects of an annotation file: articles, entities, mentions, events, claims, routes,
and the reported facts (figures, incidents, statements, announcements, cited reports).

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
RELATION_KEYS = (
    "locatedIn",
    "near",
    "connects",
    "supplies",
    "partOf",
    "alliedWith",
    "supportedBy",
    "memberOf",
    "quotedBy",
)


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
    ownership: str | None = None  # who owns an outlet, in the text's words ("Russian-owned")
    source_kind: str | None = None  # an AnonymousSource's kind: commander | official | military | ...
    located_in_unknown: str | None = None  # no container known: the note saying why


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
    more_places: tuple[str, ...] = ()  # "the villages of A, B and C": one event, places after the first

    @property
    def places(self) -> tuple[str, ...]:
        """Every place of the event, the first (``place``) first."""
        return (self.place, *self.more_places)


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


ROUTE_TYPES = ("cut", "opened", "secured", "used")


@dataclass(frozen=True)
class RouteEvent:
    """A route or supply line cut, opened, secured or reported in use: on an infrastructure asset (``asset``), or
    on a route known only by where it runs (``ends_from`` → ``ends_to``, through ``via``; any of
    them possibly empty, not all)."""

    id: str
    type: str  # one of ROUTE_TYPES
    asset: str | None
    ends_from: tuple[str, ...]
    ends_to: tuple[str, ...]
    via: tuple[str, ...]  # places it runs through, where the text gives neither end
    supply_of: tuple[str, ...]  # whose route or supply line it is
    by: tuple[str, ...]  # who cut, opened or secured it
    through: str | None  # the event of the same file that did it (a capture, say)
    date: DateSpec
    certainty: str
    sources: tuple[str, ...]
    trigger: str | None
    evidence: tuple[Evidence, ...]
    where: Location


@dataclass(frozen=True)
class Casualty:
    """A casualty or damage figure of one event (or of a place and date), as one source gives it:
    a best/low/high estimate in the ACLED/UCDP manner, with the text's own words."""

    id: str
    event: str | None
    place: str | None
    date: DateSpec | None
    counted: str  # killed | wounded | casualties | captured | destroyed | damaged | displaced | trapped
    unit: str  # people | percent | positions | buildings | aircraft | vehicles
    best: int | None
    low: int | None
    high: int | None
    words: str | None
    who: str | None
    side: str | None
    civilian: bool
    by: tuple[str, ...]
    sources: tuple[str, ...]
    evidence: tuple[Evidence, ...]
    where: Location


@dataclass(frozen=True)
class Incident:
    """A reported event that is not about control (a shoot-down, a caliphate proclaimed, a war's
    new year), which statements can claim, confirm or deny."""

    id: str
    type: str  # Shootdown | Bombing | Airstrike | Proclamation | Milestone
    place: str
    by: tuple[str, ...]
    target: tuple[str, ...]
    date: DateSpec
    evidence: tuple[Evidence, ...]
    where: Location
    name: str | None = None  # what it is, in the text's words


@dataclass(frozen=True)
class Statement:
    """One party's stance toward one reported event or incident of the file: it claims,
    confirms, denies or doubts it, on a date of statement."""

    id: str
    about: str
    stance: str  # claims | confirms | denies | doubts
    sources: tuple[str, ...]
    stated: DateSpec
    evidence: tuple[Evidence, ...]
    where: Location


@dataclass(frozen=True)
class Announcement:
    """An announced, planned or anticipated operation: a statement with a date and a claimed
    actor, never an event that happened."""

    id: str
    status: str  # announced | planned | anticipated
    name: str | None
    actors: tuple[str, ...]
    against: tuple[str, ...]
    places: tuple[str, ...]  # where, if the text says: one place, or several ("links between A and B")
    aim: str | None  # what the operation is to achieve, in the text's words ("to cut links between ...")
    stated: DateSpec
    sources: tuple[str, ...]
    evidence: tuple[Evidence, ...]
    where: Location


@dataclass(frozen=True)
class Report:
    """A report or statement the article cites (a ministry's report, an outlet's story): who
    published it, who wrote it where that is someone else, and when it came out — the date of
    the report, not of anything it tells."""

    id: str
    publishers: tuple[str, ...]
    authors: tuple[str, ...]
    published: DateSpec
    about: str | None  # what it reports, in the annotator's words (not a quote)
    evidence: tuple[Evidence, ...]
    where: Location


Fact = Event | Claim | RouteEvent | Casualty | Incident | Statement | Announcement | Report
FACT_SECTIONS = ("events", "claims", "routes", "casualties", "incidents", "statements", "announcements", "reports")


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
    routes: tuple[RouteEvent, ...] = ()
    tree: Any = field(default=None, compare=False, repr=False)  # the YAML tree, for rewriting
    casualties: tuple[Casualty, ...] = ()
    incidents: tuple[Incident, ...] = ()
    statements: tuple[Statement, ...] = ()
    announcements: tuple[Announcement, ...] = ()
    reports: tuple[Report, ...] = ()

    @property
    def supported(self) -> tuple[Fact, ...]:
        """Everything that carries evidence spans, section by section in FACT_SECTIONS order."""
        return (
            *self.events,
            *self.claims,
            *self.routes,
            *self.casualties,
            *self.incidents,
            *self.statements,
            *self.announcements,
            *self.reports,
        )

    @property
    def dated_facts(self) -> tuple[tuple[Fact, str, DateSpec], ...]:
        """The dates of the route events, reported facts and cited reports, each with its item and its
        key (``date``, ``stated``, ``published``); a figure dated by its event has none here."""
        found: list[tuple[Fact, str, DateSpec | None]] = [(r, "date", r.date) for r in self.routes]
        found += [(c, "date", c.date) for c in self.casualties]
        found += [(i, "date", i.date) for i in self.incidents]
        found += [(s, "stated", s.stated) for s in self.statements]
        found += [(a, "stated", a.stated) for a in self.announcements]
        found += [(r, "published", r.published) for r in self.reports]
        return tuple((item, key, spec) for item, key, spec in found if spec is not None)


SUPPORTED_SECTIONS = FACT_SECTIONS
"""The sections whose items carry evidence, in the order of :attr:`AnnotationFile.supported`."""
