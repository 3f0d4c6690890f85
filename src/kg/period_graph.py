"""Control periods in and out of RDF: events read from graphs or a store, periods written as
the graph ``GRAPH.PERIODS`` (the rules are in :mod:`kg.periods`).

- :func:`from_graphs` derives the periods of rdflib graphs (``pipeline.build``, before storing);
- :func:`refresh` reads the events of some places (or all) from a store and returns their
  periods as a graph, and :func:`drop_places` the SPARQL Update that removes those places' old
  periods — what a write path runs, with its own changes, to keep events and periods in step.

Events are read as (event, property, value) statements by one query (or one walk of the
graphs) and turned into :class:`kg.periods.Event` by one function, so both readers agree.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from datetime import date

from rdflib import BNode, Graph, Literal, URIRef

from kg import periods
from kg.periods import Actors, Event, Period
from kg.store import RdfTerm, Store
from kg.vocab import KG, KGID, PROV, RDF, SDO, XSD

_PROPS = {
    KG.place: "place",
    KG.dateEarliest: "earliest",
    KG.dateLatest: "latest",
    KG.datePrecision: "precision",
    KG.gainingActor: "controllers",
    KG.controllingActor: "controllers",
    KG.losingActor: "losing",
    KG.attackingActor: "attackers",
    KG.defendingActor: "defenders",
    KG.scope: "scope",
    KG.certainty: "certainty",
    PROV.wasAttributedTo: "claimants",
    PROV.wasDerivedFrom: "source",
    SDO.publisher: "claimants",
}
_STATUS = {
    "held": KG.Held,
    "contested": KG.Contested,
    "besieged": KG.Besieged,
    "mixed": KG.Mixed,
    "disputed": KG.InDispute,
    "inferred": KG.Inferred,
}

READ_EVENTS = """
PREFIX kg:     <https://w3id.org/kg/ontology#>
PREFIX prov:   <http://www.w3.org/ns/prov#>
PREFIX schema: <https://schema.org/>
PREFIX rdf:    <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
SELECT ?event ?p ?o WHERE {
  %s
  VALUES ?type { kg:Capture kg:Withdrawal kg:ControlObservation kg:Siege kg:SiegeBroken kg:Assault }
  ?event a ?type ; kg:place ?place .
  { ?event a ?o . BIND (rdf:type AS ?p) }
  UNION { ?event ?p ?o . FILTER (?p IN (%s)) }
  UNION { ?event prov:wasDerivedFrom/schema:publisher ?o . BIND (schema:publisher AS ?p) }
}
"""
READ_ACTORS = """
PREFIX kg: <https://w3id.org/kg/ontology#>
SELECT DISTINCT ?actor ?larger WHERE { ?actor kg:partOf|kg:memberOf ?larger }
"""


def events_from(statements: Iterable[tuple[str, str, object]]) -> list[Event]:
    """(event IRI, property IRI, value) statements → events (of the kinds periods read)."""
    props: dict[str, dict[str, list[object]]] = {}
    for event, prop, value in statements:
        if prop == str(RDF.type):
            name = str(value).rsplit("#", 1)[-1]
            if name in periods.KINDS:
                props.setdefault(event, {}).setdefault("kind", []).append(name)
        elif URIRef(prop) in _PROPS:
            props.setdefault(event, {}).setdefault(_PROPS[URIRef(prop)], []).append(value)
    return [e for iri, p in sorted(props.items()) if (e := _event(iri, p)) is not None]


def _event(iri: str, p: Mapping[str, list[object]]) -> Event | None:
    if "kind" not in p or "place" not in p:
        return None

    def one(key: str) -> str:
        return str(p[key][0]) if p.get(key) else ""

    def day(key: str) -> date | None:
        return date.fromisoformat(one(key)) if p.get(key) else None

    def many(key: str) -> tuple[str, ...]:
        return tuple(sorted({str(v) for v in p.get(key, ())}))

    return Event(
        iri,
        sorted(str(k) for k in p["kind"])[0],
        one("place"),
        one("source"),
        earliest=day("earliest"),
        latest=day("latest"),
        precision=one("precision"),
        controllers=many("controllers"),
        losing=many("losing"),
        attackers=many("attackers"),
        defenders=many("defenders"),
        partial=one("scope") == str(KG.PartialScope),
        claimed=one("certainty") == str(KG.Claimed),
        claimants=many("claimants"),
    )


def actors_from(pairs: Iterable[tuple[str, str]]) -> Actors:
    parents: dict[str, set[str]] = {}
    for actor, larger in pairs:
        parents.setdefault(actor, set()).add(larger)
    return Actors({a: tuple(sorted(b)) for a, b in parents.items()})


def from_graphs(graphs: Iterable[Graph]) -> Graph:
    """The periods graph of everything in these graphs (events, articles, actors), each read once."""
    statements: list[tuple[str, str, object]] = []
    pairs: list[tuple[str, str]] = []
    for g in graphs:
        for kind in periods.KINDS:
            for s in g.subjects(RDF.type, KG[kind]):
                statements.append((str(s), str(RDF.type), str(KG[kind])))
                statements += [(str(s), str(p), _value(o)) for p, o in g.predicate_objects(s) if p in _PROPS]
        pairs += [(str(a), str(b)) for a, b in g.subject_objects(KG.partOf | KG.memberOf)]  # type: ignore[operator]
        articles = {str(a): str(pub) for a, pub in g.subject_objects(SDO.publisher)}
        statements += _publishers(statements, articles)
    return to_graph(periods.derive(events_from(statements), actors_from(pairs)))


def _publishers(
    statements: list[tuple[str, str, object]], articles: Mapping[str, str]
) -> list[tuple[str, str, object]]:
    return [
        (event, str(SDO.publisher), articles[str(value)])
        for event, prop, value in statements
        if prop == str(PROV.wasDerivedFrom) and str(value) in articles
    ]


def _value(term: object) -> object:
    return term.toPython() if isinstance(term, Literal) else str(term)


def read(store: Store, places: Iterable[str] | None = None) -> tuple[list[Event], Actors]:
    """The events of ``places`` (all if None) and the actor hierarchy, from a store."""
    scope = ""
    if places is not None:
        scope = "VALUES ?place { " + " ".join(RdfTerm("uri", p).n3() for p in sorted(set(places))) + " }"
    listed = ", ".join(f"<{p}>" for p in _PROPS if p != SDO.publisher)
    rows = store.query(READ_EVENTS % (scope, listed)).rows
    statements = [(r["event"].value, r["p"].value, r["o"].value) for r in rows]
    pairs = [(r["actor"].value, r["larger"].value) for r in store.query(READ_ACTORS).rows]
    return events_from(statements), actors_from(pairs)


def refresh(store: Store, places: Iterable[str] | None = None) -> Graph:
    """The periods of ``places`` (every place if None), derived from the store's events."""
    places = None if places is None else sorted(set(places))
    if places == []:
        return Graph()
    events, actors = read(store, places)
    return to_graph(periods.derive(events, actors))


def drop_places(places: Iterable[str], graph: str) -> str:
    """A SPARQL Update deleting the stored periods of ``places`` from the periods graph."""
    values = " ".join(RdfTerm("uri", p).n3() for p in sorted(set(places)))
    return (
        f"DELETE {{ GRAPH <{graph}> {{ ?period ?p ?o }} }} WHERE {{ GRAPH <{graph}> {{ "
        f"VALUES ?place {{ {values} }} ?period <{KG.periodOf}> ?place ; ?p ?o }} }}"
    )


# --------------------------------------------------------------------------- writing


def period_iri(p: Period) -> URIRef:
    digest = hashlib.sha256("|".join((p.place, p.event, p.controller, p.status)).encode()).hexdigest()[:20]
    return KGID[f"period/{digest}"]


def to_graph(found: Iterable[Period]) -> Graph:
    """Periods as RDF (docs/rdf-model.md, shapes/periods.ttl)."""
    g = Graph()
    for p in found:
        s = period_iri(p)
        g.add((s, RDF.type, KG.ControlPeriod))
        g.add((s, KG.periodOf, URIRef(p.place)))
        g.add((s, KG.controlledBy, URIRef(p.controller)))
        g.add((s, KG.controlStatus, _STATUS[p.status]))
        g.add((s, KG.basis, KG.Claimed if p.claimed else KG.Reported))
        g.add((s, KG.ownClaim, Literal(p.own_claim)))
        g.add((s, KG.periodScope, KG.PartialScope if p.scope == "partial" else KG.WholeScope))
        g.add((s, PROV.wasDerivedFrom, URIRef(p.event)))
        if p.since is None:
            g.add((s, KG.startUnknown, Literal(True)))
        _dates(g, s, p)
        for other in p.others:
            g.add((s, KG.otherActor, URIRef(other)))
        for claimant in p.claimants:
            g.add((s, KG.claimant, URIRef(claimant)))
    return g


def _dates(g: Graph, s: URIRef | BNode, p: Period) -> None:
    for prop, day in (
        (KG.startEarliest, p.since),
        (KG.startLatest, p.until),
        (KG.certainFrom, p.certain_from),
        (KG.endEarliest, p.end_earliest),
        (KG.endLatest, p.end_latest),
        (KG.endReported, p.end_reported),
        (KG.disputedFrom, p.disputed_from),
        (KG.disputedUntil, p.disputed_until),
    ):
        if day is not None:
            g.add((s, prop, Literal(day.isoformat(), datatype=XSD.date)))
    for day in p.confirmed:
        g.add((s, KG.confirmedOn, Literal(day.isoformat(), datatype=XSD.date)))
