"""The control periods held in memory: control-at and control-map answered without SPARQL.

:func:`load` reads the periods graph (``GRAPH.PERIODS``) and the few facts the two saved
queries join to it (labels, types, coordinates, the events' types, precisions and articles, the
``kg:partOf`` tree) with one bounded query, into a :class:`PeriodIndex` for one store version.
:meth:`PeriodIndex.answer` then gives, for a date, exactly the rows the SPARQL of
``queries/control-at.rq`` or ``control-map.rq`` gives — same variables, same terms, same order
(rows that the ORDER BY leaves tied may come in another order, as they may from the engine;
and ``with``, a GROUP_CONCAT whose order SPARQL leaves to the engine, lists the names sorted).

The rules are not restated here: a period is listed, in view, certain, disputed or stale by
:mod:`kg.periods` and :mod:`kg.control_at`; this module only turns stored terms into periods
and answers back into terms. The SPARQL stays what the remote store and ``/sparql`` run; a
saved query says in its ``#+ index:`` header which answer of this module it has.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from kg import control_at
from kg.periods import Period
from kg.store import QueryResult, RdfTerm, Row, Store
from kg.vocab import GRAPH, KG, PROV, XSD

ROWS = 5_000_000
"""The row cap of the one query an index is read with: past it (or past the time limit) there is
no index, and the saved queries' SPARQL answers instead."""
EVENT_TYPES = ("Capture", "Withdrawal", "ControlObservation", "Siege", "Assault")

LOAD = """
PREFIX kg:     <https://w3id.org/kg/ontology#>
PREFIX rdfs:   <http://www.w3.org/2000/01/rdf-schema#>
PREFIX prov:   <http://www.w3.org/ns/prov#>
PREFIX schema: <https://schema.org/>
PREFIX geo:    <http://www.opengis.net/ont/geosparql#>
SELECT DISTINCT ?k ?s ?p ?o WHERE {
  { GRAPH <%(periods)s> { ?s ?p ?o } BIND ("period" AS ?k) }
  UNION {
    { SELECT DISTINCT ?s WHERE { GRAPH <%(periods)s> { ?x prov:wasDerivedFrom ?s } } }
    { ?s prov:wasDerivedFrom ?o BIND ("source" AS ?k) }
    UNION { ?s a ?o FILTER (?o IN (%(types)s)) BIND ("eventType" AS ?k) }
    UNION { ?s kg:datePrecision ?o BIND ("precision" AS ?k) }
    UNION { ?s prov:wasAttributedTo/rdfs:label ?o BIND ("attributedTo" AS ?k) }
  }
  UNION {
    { SELECT DISTINCT ?s WHERE { GRAPH <%(periods)s> { ?x prov:wasDerivedFrom ?e } ?e prov:wasDerivedFrom ?s } }
    ?s schema:headline ?o BIND ("title" AS ?k)
  }
  UNION {
    { SELECT DISTINCT ?s WHERE { GRAPH <%(periods)s> { ?x kg:periodOf ?s } } }
    { ?s a ?o BIND ("type" AS ?k) } UNION { ?s geo:hasGeometry/geo:asWKT ?o BIND ("wkt" AS ?k) }
  }
  UNION {
    { SELECT DISTINCT ?s WHERE {
        { GRAPH <%(periods)s> { ?x kg:periodOf|kg:controlledBy ?s } }
        UNION { ?s kg:partOf ?y } UNION { ?y kg:partOf ?s }
    } }
    ?s rdfs:label ?o BIND ("label" AS ?k)
  }
  UNION { ?s kg:partOf ?o BIND ("partOf" AS ?k) }
  UNION { GRAPH <%(periods)s> { ?s kg:otherActor ?x } ?x rdfs:label ?o BIND ("otherLabel" AS ?k) }
}
"""

_SINGLE = {
    KG.periodOf: "place",
    KG.controlledBy: "controller",
    KG.controlStatus: "status",
    KG.basis: "basis",
    KG.ownClaim: "own",
    KG.periodScope: "scope",
    PROV.wasDerivedFrom: "event",
    KG.startEarliest: "since",
    KG.startLatest: "until",
    KG.certainFrom: "certain_from",
    KG.endEarliest: "end_earliest",
    KG.endLatest: "end_latest",
    KG.endReported: "end_reported",
    KG.disputedFrom: "disputed_from",
    KG.disputedUntil: "disputed_until",
}
_REQUIRED = ("place", "controller", "status", "basis", "own", "scope", "event")
_DATES: tuple[str, ...] = ("since", "until", "certain_from", "end_earliest", "end_latest", "end_reported")
_DATES += ("disputed_from", "disputed_until")


def _string(text: str) -> RdfTerm:
    return RdfTerm("literal", text, str(XSD.string))


def _boolean(flag: bool) -> RdfTerm:
    return RdfTerm("literal", "true" if flag else "false", str(XSD.boolean))


BASIS = {True: _string("claimed"), False: _string("reported")}
SCOPE = {"partial": _string("partial"), "whole": _string("whole")}


@dataclass(frozen=True)
class Stored:
    """One stored period: the rules' :class:`Period`, the terms the rows repeat, and its rows'
    parts that do not depend on the date (one per combination of the joined facts' values)."""

    period: Period
    terms: Mapping[str, RdfTerm]
    confirmed: Mapping[date, RdfTerm]
    claimants: frozenset[str]
    at_rows: tuple[tuple[str | None, Row], ...]  # (article or None, the static part of a control-at row)
    map_rows: tuple[tuple[str | None, Row], ...]


Entry = tuple[Stored, Period, Row]
"""A row's date-free part: its stored period, that period as read by one of the event's articles
(what the view tests), and the row's terms."""


@dataclass(frozen=True)
class PeriodIndex:
    """The periods of one store version (:meth:`kg.app.Kg.index_of` keeps one per version), and
    their rows in the saved queries' orders."""

    by_place: Mapping[str, tuple[Entry, ...]]  # control-at order
    everywhere: tuple[Entry, ...]  # control-map order

    def answer(self, name: str, bindings: Mapping[str, RdfTerm], max_rows: int | None = None) -> QueryResult | None:
        """Saved query ``name``'s rows for these bindings, or None for a query it has no answer to."""
        if name == "control-at":
            place = bindings.get("place")
            found = self.by_place.get(place.value, ()) if place is not None else ()
            return _result(AT_VARIABLES, _rows(found, bindings), max_rows)
        if name == "control-map":
            return _result(MAP_VARIABLES, _rows(self.everywhere, bindings), max_rows)
        return None


AT_VARIABLES = tuple(
    [
        "place",
        "date",
        "controller",
        "controllerLabel",
        "status",
        "certain",
        "disputed",
        "stale",
        "lastConfirmed",
        "age",
        "basis",
        "since",
        "until",
        "precision",
        "event",
        "eventType",
        "source",
        "sourceTitle",
        "attributedTo",
        "scope",
        "view",
        "by",
        "staleDays",
        "with",
    ]
)
MAP_VARIABLES = tuple(
    [
        "date",
        "place",
        "placeLabel",
        "type",
        "controller",
        "controllerLabel",
        "status",
        "certain",
        "disputed",
        "stale",
        "lastConfirmed",
        "age",
        "basis",
        "since",
        "until",
        "precision",
        "event",
        "eventType",
        "source",
        "scope",
        "side",
        "sideLabel",
        "wkt",
        "view",
        "by",
        "staleDays",
        "with",
    ]
)
ANSWERS = ("control-at", "control-map")
"""The saved queries an index answers (each says so with ``#+ index: periods``)."""


def _result(variables: tuple[str, ...], rows: list[Row], max_rows: int | None) -> QueryResult:
    cut = max_rows is not None and len(rows) > max_rows
    return QueryResult("SELECT", variables, tuple(rows[:max_rows] if cut else rows), truncated=cut)


def _rows(found: Iterable[Entry], bindings: Mapping[str, RdfTerm]) -> list[Row]:
    """The rows of these stored periods on the bound date, in the order given."""
    day_term = bindings.get("date")
    if day_term is None or day_term.datatype != str(XSD.date):
        return []
    day = date.fromisoformat(day_term.value)
    view = bindings["view"].value if "view" in bindings else "all"
    by = bindings["by"].value if "by" in bindings and bindings["by"].kind == "uri" else None
    stale_days = int(bindings["staleDays"].value) if "staleDays" in bindings else 90
    echoed = {k: _as_given(bindings[k]) for k in ("date", "view", "by", "staleDays") if k in bindings}
    dynamic: dict[int, Row | None] = {}
    out: list[Row] = []
    for stored, read, static in found:
        if not stored.period.listed(day) or not _in_view(read, view, by):
            continue
        key = id(stored)
        if key not in dynamic:
            dynamic[key] = _on(stored, day, stale_days)
        part = dynamic[key]
        if part is not None:
            out.append({**static, **part, **echoed})
    return out


def _as_given(term: RdfTerm) -> RdfTerm:
    """A bound parameter as the engine gives it back (a simple literal is an xsd:string)."""
    if term.kind == "literal" and term.datatype is None and term.lang is None:
        return replace(term, datatype=str(XSD.string))
    return term


def _in_view(read: Period, view: str, by: str | None) -> bool:
    """The view's test (:func:`kg.control_at.in_view`) for the row of one of the event's articles."""
    if view == "source" and by is None:
        return False
    return control_at.in_view(read, view, by or "")


def _on(stored: Stored, day: date, stale_days: int) -> Row:
    """The date's part of a period's rows, from :func:`kg.control_at.answer`."""
    a = control_at.answer(stored.period, day, stale_days)
    row: dict[str, RdfTerm] = {
        "status": _string(a.status),
        "certain": _boolean(a.certain),
        "disputed": _boolean(a.disputed),
        "stale": _boolean(a.stale),
    }
    confirmed = stored.period.last_confirmed(day)
    if confirmed is not None:
        row["lastConfirmed"] = stored.confirmed[confirmed]
        row["age"] = RdfTerm("literal", str(a.age), str(XSD.integer))
    return row


# --------------------------------------------------------------------------- loading


def load(store: Store, *, timeout: float | None = None) -> PeriodIndex | None:
    """The index of the store's periods, or None if its one query was cut at :data:`ROWS` rows
    (then the SPARQL answers) or a stored period is not one kg derives."""
    types = ", ".join(f"<{KG[t]}>" for t in EVENT_TYPES)
    result = store.query(LOAD % {"periods": GRAPH.PERIODS, "types": types}, timeout=timeout, max_rows=ROWS)
    if result.truncated:
        return None
    facts = _Facts()
    for row in result.rows:
        facts.add(row)
    return facts.index()


_NOT_LISTED: Any = object()
"""What :meth:`_Facts.stored` gives for a subject of the periods graph lacking a period's terms."""


class _Facts:
    """What the load query gave, by kind of fact, while an index is made of it."""

    def __init__(self) -> None:
        self.periods: dict[str, dict[str, list[RdfTerm]]] = {}
        self.facts: dict[str, dict[str, list[RdfTerm]]] = {}

    def add(self, row: Row) -> None:
        kind, s, o = row["k"].value, row["s"].value, row["o"]
        if kind == "period":
            self.periods.setdefault(s, {}).setdefault(row["p"].value, []).append(o)
        else:
            values = self.facts.setdefault(kind, {}).setdefault(s, [])
            if o not in values:
                values.append(o)

    def of(self, kind: str, subject: str | None) -> list[RdfTerm]:
        return self.facts.get(kind, {}).get(subject, []) if subject is not None else []

    def index(self) -> PeriodIndex | None:
        stored = []
        for iri in sorted(self.periods):
            one = self.stored(iri)
            if one is None:
                return None
            if one is not _NOT_LISTED:
                stored.append(one)
        read = {(id(s), a): replace(s.period, source=a or "") for s in stored for a, _ in (*s.at_rows, *s.map_rows)}
        at = [(s, read[id(s), a], r) for s in stored for a, r in s.at_rows]
        everywhere = [(s, read[id(s), a], r) for s in stored for a, r in s.map_rows]
        by_place: dict[str, list[Entry]] = {}
        for entry in _ordered(at, ("since",), ("source", "event", "controller")):
            by_place.setdefault(entry[0].period.place, []).append(entry)
        ordered = _ordered(everywhere, ("since",), ("source", "event", "controller"), ("placeLabel", "place"))
        return PeriodIndex({k: tuple(v) for k, v in by_place.items()}, tuple(ordered))

    def stored(self, iri: str) -> Stored | None:
        props = self.periods[iri]
        single: dict[str, RdfTerm] = {}
        for prop, name in _SINGLE.items():
            values = props.get(str(prop), [])
            if len(values) > 1:
                return None  # not a period kg derives: the SPARQL answers
            if values:
                single[name] = values[0]
        if any(name not in single for name in _REQUIRED):
            return _NOT_LISTED  # the SPARQL lists no row for it either
        confirmed = {date.fromisoformat(t.value): t for t in props.get(str(KG.confirmedOn), [])}
        claimants = frozenset(t.value for t in props.get(str(KG.claimant), []))
        period = _period(single, tuple(sorted(confirmed)), tuple(sorted(claimants)))
        terms = self._terms(iri, single, period)
        return Stored(
            period, terms, confirmed, claimants, self._expand(terms, AT_PARTS), self._expand(terms, MAP_PARTS)
        )

    def _terms(self, iri: str, single: Mapping[str, RdfTerm], period: Period) -> dict[str, RdfTerm]:
        terms = {"place": single["place"], "controller": single["controller"], "event": single["event"]}
        terms |= {"basis": BASIS[period.claimed], "scope": SCOPE[period.scope]}
        terms |= {k: single[d] for k, d in (("since", "since"), ("until", "until")) if d in single}
        others = sorted(t.value for t in self.of("otherLabel", iri))
        if others:  # GROUP_CONCAT leaves the order to the engine: the index gives them sorted
            terms["with"] = _string(", ".join(others))
        return terms

    def _expand(self, terms: Mapping[str, RdfTerm], parts: Sequence[Part]) -> tuple[tuple[str | None, Row], ...]:
        """Every combination of the joined facts' values (an OPTIONAL with no value leaves its
        variables out), each with the article it is for (the view reads it)."""
        combos: list[dict[str, RdfTerm]] = [dict(terms)]
        for part in parts:
            combos = [{**c, **extra} for c in combos for extra in (part(self, c) or [{}])]
        return tuple((c["source"].value if "source" in c else None, c) for c in combos)


Part = Callable[[_Facts, Mapping[str, RdfTerm]], list[dict[str, RdfTerm]]]


def _values(kind: str, subject: str, name: str) -> Part:
    def part(facts: _Facts, row: Mapping[str, RdfTerm]) -> list[dict[str, RdfTerm]]:
        term = row.get(subject)
        return [{name: v} for v in facts.of(kind, term.value if term is not None else None)]

    return part


def _sides(facts: _Facts, row: Mapping[str, RdfTerm]) -> list[dict[str, RdfTerm]]:
    """``?controller kg:partOf* ?side`` with nothing above ``?side``, and its labels."""
    start = row["controller"]
    seen, todo = {start.value: start}, [start]
    while todo:
        for up in facts.of("partOf", todo.pop().value):
            if up.value not in seen:
                seen[up.value] = up
                todo.append(up)
    tops = [t for iri, t in seen.items() if not facts.of("partOf", iri)]
    out: list[dict[str, RdfTerm]] = []
    for side in tops:
        labels = facts.of("label", side.value)
        out.extend({"side": side, "sideLabel": label} for label in labels) if labels else out.append({"side": side})
    return out


AT_PARTS: tuple[Part, ...] = (
    _values("source", "event", "source"),
    _values("eventType", "event", "eventType"),
    _values("precision", "event", "precision"),
    _values("label", "controller", "controllerLabel"),
    _values("title", "source", "sourceTitle"),
    _values("attributedTo", "event", "attributedTo"),
)
MAP_PARTS: tuple[Part, ...] = (
    _values("source", "event", "source"),
    _values("eventType", "event", "eventType"),
    _values("precision", "event", "precision"),
    _values("type", "place", "type"),
    _sides,
    _values("label", "place", "placeLabel"),
    _values("wkt", "place", "wkt"),
    _values("label", "controller", "controllerLabel"),
)


def _period(single: Mapping[str, RdfTerm], confirmed: tuple[date, ...], claimants: tuple[str, ...]) -> Period:
    """The rules' period from its stored terms (:func:`kg.period_graph.to_graph` read back)."""
    days = {name: date.fromisoformat(single[name].value) for name in _DATES if name in single}
    status_term = single["status"].value.rsplit("#", 1)[-1]
    return Period(
        single["place"].value,
        single["controller"].value,
        single["event"].value,
        "",
        "",
        status="disputed" if status_term == "InDispute" else status_term.lower(),
        scope="partial" if single["scope"].value == str(KG.PartialScope) else "whole",
        claimed=single["basis"].value == str(KG.Claimed),
        own_claim=single["own"].value == "true",
        confirmed=confirmed,
        claimants=claimants,
        **days,  # type: ignore[arg-type]
    )


# --------------------------------------------------------------------------- SPARQL's order


def _key(term: RdfTerm | None) -> tuple[int, str]:
    """A term's place in ORDER BY: unbound, blank nodes, IRIs, then literals (dates in ISO order)."""
    if term is None:
        return (0, "")
    return ({"bnode": 1, "uri": 2}.get(term.kind, 3), term.value)


def _ordered(entries: list[Any], descending: Sequence[str], *ascending: Sequence[str]) -> list[Any]:
    """``entries`` (stored, article, row) in ORDER BY ``ascending[-1]…`` DESC(``descending``)
    ``ascending[0]…``: stable sorts from the last key to the first."""
    out = list(entries)
    out.sort(key=lambda e: tuple(_key(e[2].get(v)) for v in ascending[0]))
    out.sort(key=lambda e: tuple(_key(e[2].get(v)) for v in descending), reverse=True)
    for keys in ascending[1:]:
        out.sort(key=lambda e: tuple(_key(e[2].get(v)) for v in keys))
    return out
