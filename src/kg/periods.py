"""Control periods derived from control events: the rules of ``docs/control-semantics.md``.

Pure: plain frozen dataclasses in, plain frozen dataclasses out, no RDF and no I/O (the store
side is :mod:`kg.period_graph`). :func:`derive` turns the events of any set of places into
their periods; the periods of one place depend only on that place's events (and on the actor
hierarchy), so a write recomputes just the places it touched (:func:`refreshed`).

One period per report (event, controller) at each of its places: sources are never merged, so
each one's dating stays visible; an event at several places is one :class:`Event` per place
(:func:`kg.period_graph.events_from`), each read with the events of its own place only.

A period is listed on a day ``d`` when its start may have happened by ``d`` and its end has not
certainly happened (:meth:`Period.listed`); what depends on the asked day (``certain``,
``disputed``, ``stale``, ``age``) is worked out then (:mod:`kg.control_at`, what the saved
queries compute from the stored periods).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

CHANGES = frozenset({"Capture", "Withdrawal"})
ESTABLISHING = CHANGES | {"ControlObservation"}
KINDS = ESTABLISHING | {"Siege", "SiegeBroken", "Assault"}
STATUSES = ("held", "contested", "besieged", "mixed", "disputed", "inferred")


@dataclass(frozen=True)
class Event:
    """One control event as one source reports it, at one of its places."""

    iri: str
    kind: str  # a local name of KINDS
    place: str
    source: str  # the article
    earliest: date | None = None
    latest: date | None = None
    precision: str = ""
    controllers: tuple[str, ...] = ()  # gaining actors (changes) or controlling actors (observations)
    losing: tuple[str, ...] = ()
    attackers: tuple[str, ...] = ()
    defenders: tuple[str, ...] = ()
    partial: bool = False
    claimed: bool = False  # the source presents it as a claim (kg:certainty kg:Claimed)
    claimants: tuple[str, ...] = ()  # whom it is attributed to, and the article's publisher

    @property
    def whole(self) -> bool:
        return self.kind in ESTABLISHING and not self.partial

    @property
    def confirmed(self) -> date | None:
        """The day by which the source says it was so: its latest day, else its earliest."""
        return self.latest or self.earliest


@dataclass(frozen=True)
class Actors:
    """Who is part of whom (``kg:partOf`` / ``kg:memberOf``), to tell units from rivals."""

    parents: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def above(self, actor: str) -> frozenset[str]:
        seen: set[str] = set()
        todo = list(self.parents.get(actor, ()))
        while todo:
            up = todo.pop()
            if up not in seen:
                seen.add(up)
                todo.extend(self.parents.get(up, ()))
        return frozenset(seen)

    def related(self, a: str, b: str) -> bool:
        """The same actor, or one a unit (or member) of the other."""
        return a == b or b in self.above(a) or a in self.above(b)

    def same_side(self, a: str, b: str) -> bool:
        """Related, or both part of one larger force."""
        return self.related(a, b) or bool((self.above(a) | {a}) & (self.above(b) | {b}))


@dataclass(frozen=True)
class Period:
    """A stretch of time in which one report has one actor controlling one place."""

    place: str
    controller: str
    event: str  # the report behind it
    kind: str  # that report's type
    source: str
    status: str = "held"  # one of STATUSES (``disputed`` is also worked out per day)
    scope: str = "whole"
    claimed: bool = False  # basis: a claim (or a party's own word) rather than a report
    own_claim: bool = False  # the controller's own side says so (left out of the consensus view)
    since: date | None = None  # first possible day; None: unknown start
    until: date | None = None  # last day of the start window
    certain_from: date | None = None  # first day it may be certain; None: never
    end_earliest: date | None = None  # the end may have happened from this day
    end_latest: date | None = None  # from this day it certainly has: no longer listed
    end_reported: date | None = None  # before end_latest: a source already says it ended (disputed)
    disputed_from: date | None = None
    disputed_until: date | None = None  # with disputed_from: disputed on days in [from, until)
    precision: str = ""
    others: tuple[str, ...] = ()  # besiegers, contenders, co-holders or rivals
    confirmed: tuple[date, ...] = ()  # days reports confirm this control
    claimants: tuple[str, ...] = ()

    def listed(self, day: date, stale_days: int = 90) -> bool:
        """Its start may have happened by ``day`` (an unknown start: :meth:`reaches_back_to`) and its end has not."""
        first = self.since or self.reaches_back_to(stale_days)
        return (first is None or first <= day) and (self.end_latest is None or day < self.end_latest)

    def reaches_back_to(self, stale_days: int) -> date | None:
        """An unknown-start period's first listed day: ``stale_days`` before the first day the
        graph has evidence of it (its own event's last day, else the earliest day of the change
        that ends it); before that nothing speaks to it, so the answer is unknown."""
        anchor = self.until or self.end_earliest or self.end_latest
        return None if self.since is not None or anchor is None else anchor - timedelta(days=stale_days)

    def disputed(self, day: date) -> bool:
        if self.end_reported is not None and self.end_reported <= day:
            return True
        if self.disputed_from is None or day < self.disputed_from:
            return False
        return self.disputed_until is None or day < self.disputed_until

    def last_confirmed(self, day: date) -> date | None:
        known = [c for c in self.confirmed if c <= day]
        return max(known) if known else None


# --------------------------------------------------------------------------- deriving


def derive(events: Iterable[Event], actors: Actors | None = None) -> tuple[Period, ...]:
    """Every period of every place the events are about, in a stable order."""
    actors = actors or Actors()
    by_place: dict[str, list[Event]] = {}
    for e in events:
        by_place.setdefault(e.place, []).append(e)
    out: list[Period] = []
    for place in sorted(by_place):
        out.extend(place_periods(by_place[place], actors))
    return tuple(out)


def refreshed(
    old: Sequence[Period], events: Iterable[Event], places: Iterable[str], actors: Actors | None = None
) -> tuple[Period, ...]:
    """``old`` with the periods of ``places`` derived again from ``events`` (all of them, or
    just those places'): what a write that touched those places stores."""
    touched = set(places)
    fresh = derive((e for e in events if e.place in touched), actors)
    kept = [p for p in old if p.place not in touched]
    return tuple(sorted([*kept, *fresh], key=_order))


def _order(p: Period) -> tuple[str, str, str, str]:
    return (p.place, p.event, p.controller, p.status)


def place_periods(events: Sequence[Event], actors: Actors) -> list[Period]:
    """The periods of one place."""
    events = sorted(events, key=lambda e: (e.earliest or date.min, e.iri))
    out: list[Period] = []
    for e in events:
        if e.kind in ESTABLISHING and e.earliest is not None:
            out.extend(_held(e, c, events, actors) for c in e.controllers)
        elif e.kind == "Siege":
            out.extend(_siege(e, d, events, actors) for d in e.defenders)
        elif e.kind == "Assault" and e.earliest is not None and e.latest is not None:
            out.extend(_assault(e, d, events, actors) for d in e.defenders)
        if e.kind in CHANGES and e.whole and e.earliest is not None and _first(e, events):
            out.extend(_inferred(e, loser, events, actors) for loser in e.losing)
    return sorted(out, key=_order)


def _rivals(events: Sequence[Event], controller: str, after: date | None, *, strictly: bool = True) -> list[Event]:
    """Whole-scope reports after ``after`` that do not name ``controller``: what ends its control."""
    return [
        r
        for r in events
        if r.whole
        and r.earliest is not None
        and controller not in r.controllers
        and (after is None or r.earliest > after or (not strictly and r.earliest == after))
    ]


def twins(e: Event, events: Sequence[Event]) -> list[Event]:
    """Later-dated reports by other sources of the same change (same gaining actor, nobody else
    in between): the window between the readings is disputed."""
    if e.kind not in CHANGES or e.partial or e.earliest is None:
        return []
    found = []
    for f in events:
        if f.kind not in CHANGES or f.partial or f.source == e.source or f.earliest is None:
            continue
        if f.earliest <= e.earliest or not set(f.controllers) & set(e.controllers):
            continue
        between = [
            r
            for r in events
            if r.whole
            and r.earliest is not None
            and e.earliest < r.earliest < f.earliest
            and not set(r.controllers) & set(e.controllers)
        ]
        if not between:
            found.append(f)
    return found


def _effective_latest(r: Event, events: Sequence[Event]) -> date | None:
    """The day a change certainly happened by every source's reading of it."""
    days = [d for d in [r.latest, *(t.latest for t in twins(r, events))] if d is not None]
    return max(days) if days and r.latest is not None else r.latest


def _end(rivals: Sequence[Event], events: Sequence[Event]) -> tuple[date | None, date | None, date | None]:
    """(end earliest, end latest, end reported): when a change may have ended the period, when
    it certainly had by every source's dating, and — when that is later — when a source first
    says it had (between the two, sources disagree)."""
    if not rivals:
        return None, None, None
    earliest = min(r.earliest for r in rivals if r.earliest is not None)
    raw = [r.latest for r in rivals if r.latest is not None]
    effective = [d for d in (_effective_latest(r, events) for r in rivals) if d is not None]
    latest = min(effective) if effective else None
    reported = min(raw) if raw and latest is not None and latest > min(raw) else None
    return earliest, latest, reported


def _basis(e: Event, controller: str, actors: Actors) -> tuple[bool, bool]:
    """(claimed, own claim): a claim by the source, or by the controller's own side."""
    own = any(actors.same_side(c, controller) for c in e.claimants)
    return e.claimed or own, own


def _confirmations(e: Event, controller: str, events: Sequence[Event], end: date | None) -> tuple[date, ...]:
    """The days reports at the place confirm ``controller`` from ``e`` on, before its end."""
    days = {e.confirmed} if e.confirmed else set()
    start = e.earliest
    for f in events:
        if f.kind not in ESTABLISHING or controller not in f.controllers or f.earliest is None or start is None:
            continue
        if f.confirmed and f.earliest >= start and (end is None or f.earliest < end):
            days.add(f.confirmed)
    return tuple(sorted(days))


def _period(e: Event, actor: str, actors: Actors, status: str, others: Iterable[str], **dates: object) -> Period:
    """A period of ``actor`` from report ``e``: what every kind shares, and its dates."""
    claimed, own = _basis(e, actor, actors)
    return Period(
        e.place,
        actor,
        e.iri,
        e.kind,
        e.source,
        status=status,
        scope="partial" if e.partial else "whole",
        claimed=claimed,
        own_claim=own,
        precision=e.precision,
        others=tuple(sorted(set(others))),
        claimants=e.claimants,
        **dates,  # type: ignore[arg-type]
    )


def _held(e: Event, controller: str, events: Sequence[Event], actors: Actors) -> Period:
    end_earliest, end_latest, end_reported = _end(_rivals(events, controller, e.earliest), events)
    later = twins(e, events)
    certain_from = max([e.latest, *(t.latest for t in later if t.latest)]) if e.latest else None
    disputed_from, disputed_until, rivals = _disputes(e, controller, events, actors, later)
    status, others = _mixed(e, controller, events, actors)
    return _period(
        e,
        controller,
        actors,
        status,
        [*others, *rivals],
        since=e.earliest,
        until=e.latest,
        certain_from=certain_from,
        end_earliest=end_earliest,
        end_latest=end_latest,
        end_reported=end_reported,
        disputed_from=disputed_from,
        disputed_until=disputed_until,
        confirmed=_confirmations(e, controller, events, end_earliest),
    )


def _disputes(
    e: Event, controller: str, events: Sequence[Event], actors: Actors, later: Sequence[Event]
) -> tuple[date | None, date | None, list[str]]:
    """The disputed window of a report: a rival named for the same day (while listed), or the
    days between its dating of a change and another source's later dating of it."""
    if e.partial:
        return None, None, []
    rivals = sorted(
        {
            o
            for f in events
            if f.whole and f.earliest == e.earliest and controller not in f.controllers
            for o in f.controllers
            if o != controller and not actors.related(o, controller)
        }
    )
    if rivals:
        return e.earliest, None, rivals
    if later:
        return e.earliest, max(t.earliest for t in later if t.earliest), []
    return None, None, []


def _mixed(e: Event, controller: str, events: Sequence[Event], actors: Actors) -> tuple[str, list[str]]:
    """Mixed control: a joint report naming unrelated actors, or partial reports of the same day
    naming unrelated actors."""
    joint = [c for c in e.controllers if not actors.same_side(c, controller)]
    if e.partial:
        joint += [
            c
            for f in events
            if f.kind in ESTABLISHING and f.partial and f.earliest == e.earliest and f.iri != e.iri
            for c in f.controllers
            if not actors.same_side(c, controller)
        ]
    return ("mixed", sorted(set(joint))) if joint else ("held", [])


def _first(e: Event, events: Sequence[Event]) -> bool:
    """No whole-scope report at the place is dated before this change."""
    return not any(
        f.whole and f.earliest is not None and e.earliest is not None and f.earliest < e.earliest for f in events
    )


def _inferred(e: Event, loser: str, events: Sequence[Event], actors: Actors) -> Period:
    """The losing side of the first change known at a place held it before: start unknown."""
    end_earliest, end_latest, end_reported = _end(_rivals(events, loser, e.earliest, strictly=False), events)
    return _period(
        e,
        loser,
        actors,
        "inferred",
        e.controllers,
        end_earliest=end_earliest,
        end_latest=end_latest,
        end_reported=end_reported,
    )


def _siege(e: Event, defender: str, events: Sequence[Event], actors: Actors) -> Period:
    """The besieged keep the place through a siege; its breaking, or a capture, ends that."""
    start = e.earliest
    broken = [b for b in events if b.kind == "SiegeBroken" and (start is None or (b.confirmed or date.max) >= start)]
    ends = [*_rivals(events, defender, start), *broken]
    latest = [d for d in (_effective_latest(x, events) for x in ends) if d is not None]
    earliest = [x.earliest or start for x in ends]
    end_earliest = None if None in earliest else min((d for d in earliest if d is not None), default=None)
    return _shaped(e, defender, actors, "besieged", end_earliest, min(latest, default=None), e.attackers)


def _assault(e: Event, defender: str, events: Sequence[Event], actors: Actors) -> Period:
    """Fighting for a place the defender holds: contested while the assault lasts."""
    end_earliest, end_latest, _ = _end(_rivals(events, defender, e.earliest), events)
    over = (e.latest or date.max) + timedelta(days=1)
    return _shaped(
        e, defender, actors, "contested", min(end_earliest or over, over), min(end_latest or over, over), e.attackers
    )


def _shaped(
    e: Event,
    actor: str,
    actors: Actors,
    status: str,
    end_earliest: date | None,
    end_latest: date | None,
    others: Sequence[str],
) -> Period:
    """A siege's or an assault's period: from the event's window, never extended by other reports."""
    return _period(
        e,
        actor,
        actors,
        status,
        others,
        since=e.earliest,
        until=e.latest,
        certain_from=e.latest if e.earliest else None,
        end_earliest=end_earliest,
        end_latest=end_latest,
        confirmed=(e.confirmed,) if e.confirmed and e.earliest else (),
    )
