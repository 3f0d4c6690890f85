"""Link decisions → RDF: the shared links graph of accepted and proposed gazetteer matches,
with each match's coordinates and their source (``docs/rdf-model.md``, "Links").

Split from :mod:`kg.mapping`, whose writer it uses, so that each module keeps to one concern.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping

from rdflib import Literal, URIRef

from kg.annotations import Entity
from kg.decisions import Decision
from kg.mapping import MappedGraph, _Writer, entity_iri
from kg.vocab import GEO, GRAPH, KG, KGID, PROV, RDF, RDFS, SKOS, XSD

LINK_STATUS = {"auto": KG.AutoLink, "accepted": KG.AcceptedLink, "pending": KG.PendingLink}
GAZETTEER_NAMES = {"geonames": "GeoNames", "wikidata": "Wikidata"}


def link_iri(decision: Decision) -> URIRef:
    return KGID[f"link/{decision.entity}/{decision.source}-{decision.id}"]


def map_links(decisions: Iterable[Decision], registry: Mapping[str, Entity]) -> MappedGraph:
    """The links graph, from the review file: ``skos:exactMatch`` for auto and accepted links,
    ``skos:closeMatch`` for pending ones, nothing for rejected ones; each with its
    :data:`KG.GazetteerLink` record. A place without coordinates of its own takes those of
    its first exact link that has some, as a geometry of this graph saying where they came from.
    """
    writer = _Writer(GRAPH.LINKS, registry)
    located = {e.id for e in registry.values() if e.coordinates}
    for decision in decisions:
        entity = registry.get(decision.entity)
        if entity is None or decision.status not in LINK_STATUS:
            continue
        s, target, link = entity_iri(entity), URIRef(decision.uri), link_iri(decision)
        writer.add(s, SKOS.exactMatch if decision.exact else SKOS.closeMatch, target)
        writer.origins[link] = decision.where
        writer.add(link, RDF.type, KG.GazetteerLink)
        writer.add(link, RDFS.label, Literal(f"{entity.label} → {decision.name or decision.uri}"))
        writer.add(link, KG.linkSubject, s)
        writer.add(link, KG.linkTarget, target)
        writer.add(link, KG.linkStatus, LINK_STATUS[decision.status])
        if decision.score is not None:
            writer.add(link, KG.linkScore, Literal(f"{decision.score:.3f}", datatype=XSD.decimal))
        if decision.features:
            features = json.dumps(dict(decision.features), sort_keys=True, ensure_ascii=False)
            writer.add(link, KG.linkFeatures, Literal(features))
        writer.add(link, KG.linkMethod, Literal(decision.method or "by hand"))
        writer.add(link, KG.gazetteerVersion, Literal(decision.gazetteer or "not recorded"))
        writer.add(link, KG.decidedBy, Literal(decision.who or "not recorded"))
        if decision.when:
            writer.add(link, KG.decidedOn, Literal(decision.when, datatype=XSD.date))
        if decision.exact and entity.id not in located and decision.lat is not None and decision.lon is not None:
            located.add(entity.id)
            _linked_geometry(writer, s, link, decision)
    return writer.result()


def _linked_geometry(writer: _Writer, s: URIRef, link: URIRef, decision: Decision) -> None:
    geometry = URIRef(f"{s}/geometry")
    writer.origins[geometry] = decision.where
    writer.add(s, GEO.hasGeometry, geometry)
    writer.add(geometry, RDF.type, GEO.Geometry)
    writer.add(geometry, GEO.asWKT, Literal(f"POINT({decision.lon} {decision.lat})", datatype=GEO.wktLiteral))
    writer.add(geometry, PROV.wasDerivedFrom, URIRef(decision.uri))
    name = GAZETTEER_NAMES.get(decision.source, decision.source)
    writer.add(geometry, KG.coordinateSource, Literal(f"from {name} {decision.id}"))
    writer.add(geometry, KG.fromLink, link)
