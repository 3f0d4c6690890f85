"""Control periods in and out of RDF: events read from graphs or a store, periods written as
the graph ``GRAPH.PERIODS`` (the rules are in :mod:`kg.periods`).

- :func:`from_graphs` derives the periods of rdflib graphs (``pipeline.build``, before storing);
- :func:`refresh` reads the events of some places (or all) from a store and returns their
  periods as a graph, and :func:`drop_places` the SPARQL Update that removes those places' old
  periods;
- :func:`keeping` is what every write passes its store (``derive=``, :class:`kg.store.Derive`)
  to keep events and periods in step in the same atomic write: it recomputes the places whose
  events the write's graphs touch, or every place (:func:`everything`) when the actor hierarchy
  may change.

Events are read as (event, property, value) statements by one query (or one walk of the
graphs) and turned into :class:`kg.periods.Event` by one function, so both readers agree: one
per place of the event (``kg:place`` may be given several times), so that each place gets the
periods it would get had the event been written once for it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from itertools import chain

from rdflib import BNode, Graph, Literal, URIRef

from kg import periods
from kg.errors import StoreError
from kg.periods import Actors, Event, Period
from kg.store import Derive, Derived, Quads, RdfTerm, Store, statements_of
from kg.vocab import GRAPH, KG, KGID, PROV, RDF, SDO, XSD

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
SELECT ?place ?event ?p ?o WHERE {
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
    """(event IRI, property IRI, value) statements → events (of the kinds periods read), one per
    place of each."""
    props: dict[str, dict[str, list[object]]] = {}
    for event, prop, value in statements:
        if prop == str(RDF.type):
            name = str(value).rsplit("#", 1)[-1]
            if name in periods.KINDS:
                props.setdefault(event, {}).setdefault("kind", []).append(name)
        elif URIRef(prop) in _PROPS:
            props.setdefault(event, {}).setdefault(_PROPS[URIRef(prop)], []).append(value)
    return [e for iri, p in sorted(props.items()) for e in _events(iri, p)]


def _events(iri: str, p: Mapping[str, list[object]]) -> list[Event]:
    """One periods event per place of the event ("the villages of A, B and C"): each place gets
    the periods it would get had the event been written once for it, with the same kind, dates,
    actors, basis and source; none if it has no kind the periods read or no place."""
    if "kind" not in p:
        return []
    return [_event(iri, p, place) for place in sorted({str(v) for v in p.get("place", ())})]


def _event(iri: str, p: Mapping[str, list[object]], place: str) -> Event:
    """The event, from its statements, at one of its places."""

    def one(key: str) -> str:
        return str(p[key][0]) if p.get(key) else ""

    def day(key: str) -> date | None:
        return date.fromisoformat(one(key)) if p.get(key) else None

    def many(key: str) -> tuple[str, ...]:
        return tuple(sorted({str(v) for v in p.get(key, ())}))

    return Event(
        iri,
        sorted(str(k) for k in p["kind"])[0],
        place,
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


def from_graphs(graphs: Iterable[Graph | Quads]) -> Graph:
    """The periods graph of everything in these graphs (events, articles, actors), each read once,
    as the union of them reads (an event's statements, or its article, may be in other graphs)."""
    return from_statements(chain.from_iterable(_statements(g) for g in graphs))


def _statements(graph: Graph | Quads) -> Iterable[tuple[str, str, str]]:
    if isinstance(graph, Quads):
        return statements_of(graph)
    return ((str(s), str(p), str(o)) for s, p, o in graph)


def from_statements(triples: Iterable[tuple[str, str, str]]) -> Graph:
    """The periods graph of (subject, predicate, object) values (IRIs, lexical forms), read in one
    pass that keeps only what periods read (an event's type may come after its other statements)."""
    rdf_type, props = str(RDF.type), {str(p) for p in _PROPS}
    hierarchy, publisher = {str(KG.partOf), str(KG.memberOf)}, str(SDO.publisher)
    typed: set[str] = set()
    candidates: list[tuple[str, str, object]] = []
    pairs: list[tuple[str, str]] = []
    articles: dict[str, set[str]] = {}
    for s, p, o in triples:
        if p == rdf_type:
            if o.rsplit("#", 1)[-1] in periods.KINDS:  # what events_from reads of a type
                candidates.append((s, p, o))
            if o in _KIND_IRIS:
                typed.add(s)
        elif p in props:
            candidates.append((s, p, o))
        elif p in hierarchy:
            pairs.append((s, o))
        if p == publisher:
            articles.setdefault(s, set()).add(o)
    statements = [c for c in candidates if c[0] in typed]
    statements += _publishers(statements, articles)
    return to_graph(periods.derive(events_from(statements), actors_from(pairs)))


_KIND_IRIS = frozenset(str(KG[kind]) for kind in periods.KINDS)


def _publishers(
    statements: list[tuple[str, str, object]], articles: Mapping[str, set[str]]
) -> list[tuple[str, str, object]]:
    return [
        (event, str(SDO.publisher), publisher)
        for event, prop, value in statements
        if prop == str(PROV.wasDerivedFrom)
        for publisher in sorted(articles.get(str(value), ()))
    ]


def read(store: Store, places: Iterable[str] | None = None) -> tuple[list[Event], Actors]:
    """The events of ``places`` (all if None) and the actor hierarchy, from a store."""
    scope = "" if places is None else _values("place", places)
    return read_events(store, scope)[0], read_actors(store)


def read_events(store: Store, scope: str) -> tuple[list[Event], set[str]]:
    """The events of the places that ``scope`` (a pattern binding ``?place``, or "" for every
    place) gives, and the places it gave that have events: one query.

    An event's places are those the scope gave (``?place``), not all its ``kg:place`` values: an
    event at A and B read for A alone must give periods at A only, since B's other events were
    not read (periods derived from part of B's events would be wrong)."""
    listed = ", ".join(f"<{p}>" for p in _PROPS if p not in (SDO.publisher, KG.place))
    rows = _rows(store, READ_EVENTS % (scope, listed))
    statements = [(r["event"].value, r["p"].value, r["o"].value) for r in rows]
    statements += sorted({(r["event"].value, str(KG.place), r["place"].value) for r in rows})
    return events_from(statements), {r["place"].value for r in rows}


def read_actors(store: Store) -> Actors:
    """Who is whose unit or member (``kg:partOf``/``kg:memberOf``), from a store."""
    return actors_from((r["actor"].value, r["larger"].value) for r in _rows(store, READ_ACTORS))


def refresh(store: Store, places: Iterable[str] | None = None) -> Graph:
    """The periods of ``places`` (every place if None), derived from the store's events."""
    places = None if places is None else sorted(set(places))
    if places == []:
        return Graph()
    events, actors = read(store, places)
    return to_graph(periods.derive(events, actors))


def drop_places(places: Iterable[str], graph: str) -> str:
    """A SPARQL Update deleting the stored periods of ``places`` from the periods graph."""
    return (
        f"DELETE {{ GRAPH <{graph}> {{ ?period ?p ?o }} }} WHERE {{ GRAPH <{graph}> {{ "
        f"{_values('place', places)} ?period <{KG.periodOf}> ?place ; ?p ?o }} }}"
    )


TOUCHED = "{ ?x kg:place ?place } UNION { ?touched prov:wasDerivedFrom ?x ; kg:place ?place }"
PLACES_OF = """
PREFIX kg:   <https://w3id.org/kg/ontology#>
PREFIX prov: <http://www.w3.org/ns/prov#>
SELECT DISTINCT ?place WHERE {
  %s
  %s
}
"""
GRAPH_CONTENTS = "SELECT DISTINCT ?s ?p WHERE { %s GRAPH ?g { ?s ?p ?o } }"
_HIERARCHY = (KG.partOf, KG.memberOf)


def everything(after: Store) -> Derived:
    """Every place's periods again (a change kg cannot tell the reach of, such as a SPARQL Update)."""
    return Derived(f"DROP SILENT GRAPH <{GRAPH.PERIODS}>", ((GRAPH.PERIODS, refresh(after)),))


def keeping(
    store: Store,
    add: Sequence[tuple[URIRef, Graph]],
    drop_graphs: Sequence[str],
    actors: Callable[[Store], Actors] = read_actors,
) -> Derive | None:
    """The derivation that keeps the periods in step with a write adding ``add`` and dropping
    ``drop_graphs``, or None if the write cannot change any (read ``store`` before the write,
    holding its write lock). It recomputes the places of every event (or of the events citing
    every article) that the graphs speak about, before and after the write; a graph that states
    or held ``kg:partOf``/``kg:memberOf`` changes who is whose unit, so then every place.
    ``actors`` gives the hierarchy (the write leaves it as it was): :class:`kg.app.Kg` keeps it
    between writes instead of reading it each time."""
    dropped = [str(g) for g in drop_graphs if str(g) != str(GRAPH.PERIODS)]
    subjects, hierarchy = _graph_subjects(store, dropped)
    for iri, graph in add:
        if str(iri) != str(GRAPH.PERIODS):
            subjects |= {str(s) for s in graph.subjects() if isinstance(s, URIRef)}
            hierarchy = hierarchy or any(p in _HIERARCHY for p in graph.predicates())
    if hierarchy:
        return everything
    if not subjects:
        return None
    # A write that only adds takes no statement away, so every place it touches is found after
    # it; one that drops graphs also touches the places their statements named before.
    before = places_of(store, subjects) if dropped else set()

    def derive(after: Store) -> Derived:
        # two queries, not one: joined inside one query, Oxigraph reads every event of the graph
        # before it meets the touched places (264 ms a write at 2.4x10^5 quads, not ~10)
        places = before | places_of(after, subjects)
        if not places:
            return Derived()
        events, _ = read_events(after, _values("place", places))
        graph = to_graph(periods.derive(events, actors(after)))
        return Derived(drop_places(places, str(GRAPH.PERIODS)), ((GRAPH.PERIODS, graph),))

    return derive


def _graph_subjects(store: Store, graphs: Sequence[str]) -> tuple[set[str], bool]:
    """The IRIs the named graphs hold statements about, and whether any is a hierarchy statement."""
    if not graphs:
        return set(), False
    rows = _rows(store, GRAPH_CONTENTS % _values("g", graphs))
    hierarchy = any(r["p"].value in {str(p) for p in _HIERARCHY} for r in rows)
    return {r["s"].value for r in rows if r["s"].kind == "uri"}, hierarchy


def places_of(store: Store, subjects: Iterable[str]) -> set[str]:
    """The places of the events among ``subjects`` and of the events citing an article among them."""
    return {r["place"].value for r in _rows(store, PLACES_OF % (_values("x", subjects), TOUCHED))}


def _values(name: str, iris: Iterable[str]) -> str:
    return f"VALUES ?{name} {{ " + " ".join(RdfTerm("uri", i).n3() for i in sorted(set(iris))) + " }"


def _rows(store: Store, sparql: str) -> tuple[Mapping[str, RdfTerm], ...]:
    """Every row of kg's own query, or a failure: periods derived from a cut answer would be wrong."""
    result = store.query(sparql)
    if result.truncated:
        raise StoreError(
            "the store cut the answer kg reads control periods from at its row cap",
            hint="raise KG_MAX_ROWS, or rebuild with 'kg build'",
        )
    return result.rows


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
