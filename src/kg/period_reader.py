"""Reading the periods index from a store: one bounded query for the periods graph and the few
facts control-at and control-map join to it, turned into a :class:`kg.period_index.PeriodIndex`
with each period's rows made once, in the saved queries' orders.

A stored period is read back into the rules' :class:`kg.periods.Period` (what
:func:`kg.period_graph.to_graph` wrote); a subject of the periods graph that is not a period
kg derives (two controllers, say) gives no index, and the SPARQL answers instead.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import date
from typing import Any

from kg.period_index import BASIS, SCOPE, Entry, PeriodIndex, Stored, text_term
from kg.periods import Period
from kg.store import RdfTerm, Row, Store
from kg.vocab import GRAPH, KG, PROV, XSD

EVENT_TYPES = ("Capture", "Withdrawal", "ControlObservation", "Siege", "Assault")

LOAD = """
PREFIX kg:     <https://w3id.org/kg/ontology#>
PREFIX rdfs:   <http://www.w3.org/2000/01/rdf-schema#>
PREFIX prov:   <http://www.w3.org/ns/prov#>
PREFIX schema: <https://schema.org/>
PREFIX geo:    <http://www.opengis.net/ont/geosparql#>
SELECT DISTINCT ?k ?s ?o WHERE {
  {
    # a period's statements as one text, "|" between them (no IRI holds one): ~10x fewer terms to ship
    { SELECT ?s (GROUP_CONCAT(CONCAT(STR(?p), " ", STR(?v)); separator="|") AS ?o) WHERE {
        GRAPH <%(periods)s> { ?s ?p ?v }
    } GROUP BY ?s }
    BIND ("period" AS ?k)
  }
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


def load(store: Store, *, timeout: float | None = None, max_rows: int) -> PeriodIndex | None:
    """The index of the store's periods, or None if its one query was cut at :data:`ROWS` rows
    (then the SPARQL answers) or a stored period is not one kg derives."""
    types = ", ".join(f"<{KG[t]}>" for t in EVENT_TYPES)
    result = store.query(LOAD % {"periods": GRAPH.PERIODS, "types": types}, timeout=timeout, max_rows=max_rows)
    if result.truncated:
        return None
    facts = _Facts()
    for row in result.rows:
        facts.add(row)
    return facts.index()


_NOT_LISTED: Any = object()
"""What :meth:`_Facts.stored` gives for a subject of the periods graph lacking a period's terms."""


_DATED = {str(p) for p, name in _SINGLE.items() if name in _DATES} | {str(KG.confirmedOn)}


def _term(prop: str, value: str) -> RdfTerm:
    """A stored period's value as the term :func:`kg.period_graph.to_graph` wrote: dates as
    xsd:date, flags as xsd:boolean, everything else an IRI."""
    if prop in _DATED:
        return RdfTerm("literal", value, str(XSD.date))
    if prop in (str(KG.ownClaim), str(KG.startUnknown)):
        return RdfTerm("literal", value, str(XSD.boolean))
    return RdfTerm("uri", value)


class _Facts:
    """What the load query gave, by kind of fact, while an index is made of it."""

    def __init__(self) -> None:
        self.periods: dict[str, dict[str, list[RdfTerm]]] = {}
        self.facts: dict[str, dict[str, list[RdfTerm]]] = {}

    def add(self, row: Row) -> None:
        kind, s, o = row["k"].value, row["s"].value, row["o"]
        if kind == "period":
            props = self.periods.setdefault(s, {})
            for line in o.value.split("|"):
                prop, _, value = line.partition(" ")
                props.setdefault(prop, []).append(_term(prop, value))
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
            terms["with"] = text_term(", ".join(others))
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
