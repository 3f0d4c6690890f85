"""Annotation objects → RDF, one named graph per article and one for shared entities.

The shape written here is described in ``docs/rdf-model.md``; the ontology declares every
``kg:`` term used (the closed namespace in :mod:`kg.vocab` makes a typo fail at import).
Each subject keeps the :class:`~kg.errors.Location` it came from, so that a SHACL result on
a node can be reported as a file, line and field.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from kg.annotations import AnnotationFile, Article, Claim, DateSpec, Entity, Event, Evidence, Mention, RouteEvent, Span
from kg.errors import Location
from kg.facts_mapping import fact_iri, map_facts
from kg.vocab import GEO, GRAPH, KG, KGID, OA, PROV, RDF, RDFS, SDO, SKOS, XSD, article_graph

PATHS = {"place": "place", "actor": "actor", "asset": "asset"}
PRECISION = {
    "day": KG.DayPrecision,
    "week": KG.WeekPrecision,
    "month": KG.MonthPrecision,
    "year": KG.YearPrecision,
    "range": KG.RangePrecision,
}
BASIS = {
    "text-explicit": KG.TextExplicit,
    "text-relative": KG.TextRelative,
    "cross-article": KG.CrossArticle,
    "external": KG.External,
}
SCOPE = {"whole": KG.WholeScope, "partial": KG.PartialScope}
CERTAINTY = {"reported": KG.Reported, "claimed": KG.Claimed, "disputed": KG.Disputed}
BEARING = {
    "N": KG.North,
    "NE": KG.NorthEast,
    "E": KG.East,
    "SE": KG.SouthEast,
    "S": KG.South,
    "SW": KG.SouthWest,
    "W": KG.West,
    "NW": KG.NorthWest,
}
ROLES = {
    "gaining": KG.gainingActor,
    "losing": KG.losingActor,
    "controller": KG.controllingActor,
    "attacker": KG.attackingActor,
    "defender": KG.defendingActor,
    "present": KG.presentActor,
    "supporting": KG.supportingActor,
}
RELATIONS = {
    "locatedIn": KG.locatedIn,
    "near": KG.near,
    "connects": KG.connects,
    "supplies": KG.supplies,
    "partOf": KG.partOf,
    "alliedWith": KG.alliedWith,
    "supportedBy": KG.supportedBy,
    "memberOf": KG.memberOf,
    "quotedBy": KG.quotedBy,
}
SOURCE_IRIS = {"geonames": "https://sws.geonames.org/{}/", "wikidata": "http://www.wikidata.org/entity/{}"}


Triple = tuple[Node, Node, Node]


@dataclass(frozen=True)
class MappedGraph:
    """One named graph, as the statements the mapping wrote (in order, each once), and where each
    of its subjects came from.

    The statements are the carrier: the store loads them as they are (:func:`kg.store.nquads_of`),
    and :attr:`graph`, an rdflib graph of them, is made only when asked for (SHACL, the reasoner,
    a submission's checks).
    """

    iri: URIRef
    triples: tuple[Triple, ...]
    origins: Mapping[Node, Location] = field(default_factory=dict)

    @cached_property
    def graph(self) -> Graph:
        graph = Graph(identifier=self.iri)
        for triple in self.triples:
            graph.add(triple)
        return graph


def entity_iri(entity: Entity) -> URIRef:
    return KGID[f"{PATHS[entity.kind]}/{entity.id}"]


def article_iri(stem: str) -> URIRef:
    return KGID[f"article/{stem}"]


def _day(value: date) -> Literal:
    return Literal(value.isoformat(), datatype=XSD.date)


class _Writer:
    """Collects the statements of one graph (each once, in the order first written) and
    remembers where each subject came from."""

    def __init__(self, iri: URIRef, registry: Mapping[str, Entity]):
        self.iri = iri
        self.triples: dict[Triple, None] = {}  # a set that keeps its order
        self.origins: dict[Node, Location] = {}
        self.registry = registry

    def add(self, s: Node, p: Node, o: Node | None) -> None:
        if o is not None:
            self.triples[(s, p, o)] = None

    def ref(self, entity_id: str) -> URIRef:
        return entity_iri(self.registry[entity_id])

    def result(self) -> MappedGraph:
        return MappedGraph(self.iri, tuple(self.triples), self.origins)

    def entity(self, entity: Entity) -> None:
        s = entity_iri(entity)
        self.origins[s] = entity.where
        self.add(s, RDF.type, KG[entity.type])
        self.add(s, RDFS.label, Literal(entity.label))
        self.add(s, SKOS.prefLabel, Literal(entity.label))
        for alt in entity.alt_labels:
            self.add(s, SKOS.altLabel, Literal(alt))
        for relation, ids in entity.relations.items():
            for ref in ids:
                self.add(s, RELATIONS[relation], self.ref(ref))
        if entity.stance:
            self.add(s, KG.stance, Literal(entity.stance))
        if entity.ownership:
            self.add(s, KG.ownership, Literal(entity.ownership))
        if entity.located_in_unknown:
            self.add(s, KG.locatedInUnknown, Literal(entity.located_in_unknown))
        if entity.coordinates:
            c = entity.coordinates
            geometry = URIRef(f"{s}/geometry")
            scheme, _, local = c.source.partition(":")
            self.add(s, GEO.hasGeometry, geometry)
            self.add(geometry, RDF.type, GEO.Geometry)
            self.add(geometry, GEO.asWKT, Literal(f"POINT({c.lon} {c.lat})", datatype=GEO.wktLiteral))
            self.add(geometry, PROV.wasDerivedFrom, URIRef(SOURCE_IRIS[scheme].format(local)))
            self.add(
                geometry, KG.coordinateSource, Literal(f"{'GeoNames' if scheme == 'geonames' else 'Wikidata'} {local}")
            )
            self.origins[geometry] = entity.where

    def date(self, s: URIRef, spec: DateSpec) -> None:
        self.add(s, KG.dateEarliest, _day(spec.earliest) if spec.earliest else None)
        self.add(s, KG.dateLatest, _day(spec.latest) if spec.latest else None)
        self.add(s, KG.datePrecision, PRECISION[spec.precision])
        self.add(s, KG.dateBasis, BASIS[spec.basis])
        self.add(s, KG.dateDerivation, Literal(spec.derivation) if spec.derivation else None)

    def target(self, annotation: URIRef, article: URIRef, span: Span, text: str | None, where: Location) -> None:
        target, position = URIRef(f"{annotation}/target"), URIRef(f"{annotation}/position")
        self.add(annotation, OA.hasTarget, target)
        self.add(target, RDF.type, OA.SpecificResource)
        self.add(target, OA.hasSource, article)
        self.add(target, OA.hasSelector, position)
        self.add(position, RDF.type, OA.TextPositionSelector)
        self.add(position, OA.start, Literal(span.start, datatype=XSD.nonNegativeInteger))
        self.add(position, OA.end, Literal(span.end, datatype=XSD.nonNegativeInteger))
        for node in (target, position):
            self.origins[node] = where
        if text is not None:
            quote = URIRef(f"{annotation}/quote")
            self.add(target, OA.hasSelector, quote)
            self.add(quote, RDF.type, OA.TextQuoteSelector)
            self.add(quote, OA.exact, Literal(text[span.start : span.end]))
            self.origins[quote] = where


def map_entities(docs: Iterable[AnnotationFile], registry: Mapping[str, Entity]) -> MappedGraph:
    """The shared entities graph, from files without an article (data/entities.yaml)."""
    writer = _Writer(GRAPH.ENTITIES, registry)
    for doc in docs:
        if doc.article is None:
            for entity in doc.entities:
                writer.entity(entity)
    return writer.result()


def map_article(doc: AnnotationFile, registry: Mapping[str, Entity], text: str | None) -> MappedGraph:
    """One article's named graph: metadata, introduced entities, mentions, events, claims."""
    assert doc.article is not None, "map_article takes an article's annotation file"
    article = doc.article
    writer = _Writer(article_graph(article.stem), registry)
    a = article_iri(article.stem)
    _article(writer, a, article, text)
    for entity in doc.entities:
        writer.entity(entity)
    for mention in doc.mentions:
        _mention(writer, a, article.stem, mention, text)
    for event in doc.events:
        _event(writer, a, article.stem, event, text)
    for claim in doc.claims:
        _claim(writer, a, article.stem, claim, text)
    map_facts(writer, a, article.stem, doc, text)
    for route in doc.routes:
        _route(writer, a, article.stem, route, text)
    _reported_date_words(writer, article.stem, doc)
    return writer.result()


def _article(w: _Writer, a: URIRef, article: Article, text: str | None) -> None:
    w.origins[a] = article.where
    w.add(a, RDF.type, KG.Article)
    w.add(a, SDO.headline, Literal(article.title))
    w.add(a, RDFS.label, Literal(article.title))
    w.add(a, KG.fileName, Literal(article.file))
    w.add(a, KG.sha256, Literal(article.sha256))
    w.add(a, SDO.inLanguage, Literal(article.language))
    if text is not None:
        w.add(a, KG.charCount, Literal(len(text), datatype=XSD.nonNegativeInteger))
    if article.publisher:
        w.add(a, SDO.publisher, w.ref(article.publisher))
        w.add(a, KG.publisherDerivation, Literal(article.publisher_derivation))
    for cited in article.cites:
        w.add(a, SDO.citation, w.ref(cited))
    if article.published:
        w.date(a, article.published)
        _date_words(w, a, article.stem, article.published)
        if article.published.precision == "day" and article.published.earliest:
            w.add(a, SDO.datePublished, _day(article.published.earliest))


def _mention(w: _Writer, a: URIRef, stem: str, mention: Mention, text: str | None) -> None:
    for span in mention.spans:
        m = KGID[f"mention/{stem}/{span.start}-{span.end}"]
        w.origins[m] = mention.where
        w.add(m, RDF.type, KG.Mention)
        w.add(m, OA.motivatedBy, OA.identifying)
        w.add(m, OA.hasBody, w.ref(mention.entity))
        w.target(m, a, span, text, mention.where)


def _evidence(w: _Writer, a: URIRef, subject: URIRef, items: Iterable[Evidence], text: str | None) -> None:
    for n, evidence in enumerate(items, start=1):
        if evidence.span is None:
            continue
        e = URIRef(f"{str(subject).replace('/event/', '/evidence/').replace('/claim/', '/evidence/')}/{n}")
        w.origins[e] = evidence.where
        w.add(subject, KG.evidence, e)
        w.add(e, RDF.type, KG.Evidence)
        w.add(e, OA.motivatedBy, OA.describing)
        w.add(e, OA.hasBody, subject)
        w.target(e, a, evidence.span, text, evidence.where)


def _event(w: _Writer, a: URIRef, stem: str, event: Event, text: str | None) -> None:
    s = KGID[f"event/{stem}/{event.id}"]
    w.origins[s] = event.where
    w.add(s, RDF.type, KG[event.type])
    for place in event.places:  # one event at several places: one kg:place each, not copies
        w.add(s, KG.place, w.ref(place))
    for role, ids in event.roles.items():
        for ref in ids:
            w.add(s, ROLES[role], w.ref(ref))
    w.date(s, event.date)
    _date_words(w, s, stem, event.date)
    w.add(s, KG.scope, SCOPE[event.scope] if event.scope else None)
    w.add(s, KG.scopeNote, Literal(event.scope_note) if event.scope_note else None)
    w.add(s, KG.certainty, CERTAINTY[event.certainty])
    w.add(s, KG.trigger, Literal(event.trigger) if event.trigger else None)
    w.add(s, PROV.wasDerivedFrom, a)
    for source in event.sources:
        w.add(s, PROV.wasAttributedTo, w.ref(source))
    _evidence(w, a, s, event.evidence, text)


def _reported_date_words(w: _Writer, stem: str, doc: AnnotationFile) -> None:
    """The date words of route events and reported facts, as for events (what they count from,
    where an outside date comes from)."""
    for item, _, spec in doc.dated_facts:
        s = KGID[f"event/{stem}/{item.id}"] if isinstance(item, RouteEvent) else fact_iri(stem, item)
        _date_words(w, s, stem, spec)


def _date_words(w: _Writer, s: URIRef, stem: str, spec: DateSpec) -> None:
    """What the text says of a date, what it counts from (the article, or an event of it) and
    where a date from outside the text comes from (kg.date_rules has checked all three)."""
    w.add(s, KG.dateExpression, Literal(spec.expression) if spec.expression else None)
    if spec.expression or spec.reference:
        name = spec.reference or "published"
        w.add(s, KG.dateReference, article_iri(stem) if name == "published" else KGID[f"event/{stem}/{name}"])
    w.add(s, KG.dateCitation, Literal(spec.citation) if spec.citation else None)


def _claim(w: _Writer, a: URIRef, stem: str, claim: Claim, text: str | None) -> None:
    s = KGID[f"claim/{stem}/{claim.id}"]
    w.origins[s] = claim.where
    w.add(s, RDF.type, KG.DistanceClaim)
    w.add(s, KG.place, w.ref(claim.place))
    w.add(s, KG.referencePlace, w.ref(claim.reference))
    if claim.km is not None:
        w.add(s, KG.distanceKm, Literal(str(claim.km), datatype=XSD.decimal))
    w.add(s, KG.bearing, BEARING[claim.bearing] if claim.bearing else None)
    w.add(s, PROV.wasDerivedFrom, a)
    for source in claim.sources:
        w.add(s, PROV.wasAttributedTo, w.ref(source))
    _evidence(w, a, s, claim.evidence, text)


ROUTE_CLASSES = {"cut": KG.RouteCut, "opened": KG.RouteOpened, "secured": KG.RouteSecured, "used": KG.RouteUsed}


def _route(w: _Writer, a: URIRef, stem: str, route: RouteEvent, text: str | None) -> None:
    """A route event: on its asset, or on a route node of its own known by its ends."""
    s = KGID[f"event/{stem}/{route.id}"]
    w.origins[s] = route.where
    w.add(s, RDF.type, ROUTE_CLASSES[route.type])
    w.add(s, KG.place, w.ref(route.asset) if route.asset else _route_node(w, stem, route))
    for prop, ids in (
        (KG.routeActor, route.by),
        (KG.routeUser, route.supply_of),
        (PROV.wasAttributedTo, route.sources),
    ):
        for ref in ids:
            w.add(s, prop, w.ref(ref))
    if route.through:
        w.add(s, KG.throughEvent, KGID[f"event/{stem}/{route.through}"])
    w.date(s, route.date)
    w.add(s, KG.certainty, CERTAINTY[route.certainty])
    w.add(s, KG.trigger, Literal(route.trigger) if route.trigger else None)
    w.add(s, PROV.wasDerivedFrom, a)
    _evidence(w, a, s, route.evidence, text)


def _route_node(w: _Writer, stem: str, route: RouteEvent) -> URIRef:
    """``kgid:route/<stem>/<id>``: the unnamed route, labelled by whose it is and its ends."""
    r = KGID[f"route/{stem}/{route.id}"]
    w.origins[r] = route.where

    def names(ids: tuple[str, ...]) -> str:
        return ", ".join(w.registry[i].label for i in ids)

    kind = "route" if route.type == "used" else "supply route"  # a route in use may be for smuggling
    label = f"{names(route.supply_of)} {kind}" if route.supply_of else "route"
    label += f" from {names(route.ends_from)}" if route.ends_from else ""
    label += f" to {names(route.ends_to)}" if route.ends_to else ""
    label += f" via {names(route.via)}" if route.via else ""
    w.add(r, RDF.type, KG.Route)
    w.add(r, RDFS.label, Literal(label))
    for prop, ids in ((KG.routeFrom, route.ends_from), (KG.routeTo, route.ends_to), (KG.routeVia, route.via)):
        for ref in ids:
            w.add(r, prop, w.ref(ref))
    return r
