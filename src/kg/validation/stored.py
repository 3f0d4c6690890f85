"""What a submission is checked against: the store, not files — the entities it holds, whether
an article is already there, and the types of the stored things a submission points at."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from rdflib import Graph, URIRef
from rdflib.namespace import RDF
from rdflib.term import Node

from kg import references, shacl, sources
from kg.annotations import AnnotationFile, Entity
from kg.config import Settings
from kg.errors import Location
from kg.report import Problem
from kg.store import RdfTerm, Store
from kg.vocab import KG, KGID

KG_NS, KGID_NS = str(KG), str(KGID)
KINDS = ("place", "actor", "asset")


def referenced_ids(doc: AnnotationFile) -> set[str]:
    """Every id a file refers to or introduces."""
    return {ref for ref, _kind, _where in references.iter_references(doc)} | {e.id for e in doc.entities}


def entities(store: Store, ids: Iterable[str]) -> dict[str, Entity]:
    """The stored entities among ``ids`` (already checked to be plain ids), as Entity stubs."""
    found: dict[str, Entity] = {}
    for entity_id in sorted(set(ids)):
        for kind in KINDS:
            iri = f"{KGID_NS}{kind}/{entity_id}"
            result = store.query("SELECT ?iri ?type WHERE { ?iri a ?type }", {"iri": RdfTerm("uri", iri)})
            types = [row["type"].value for row in result.rows if row["type"].value.startswith(KG_NS)]
            if types:
                found[entity_id] = Entity(
                    entity_id, kind, types[0][len(KG_NS) :], entity_id, (), {}, None, None, Location(node=iri)
                )
                break
    return found


GROUNDED = """
PREFIX kg: <https://w3id.org/kg/ontology#>
ASK { ?iri kg:locatedIn* ?c . { ?c a kg:Country } UNION { ?c kg:locatedInUnknown ?why } }
"""


def grounded(store: Store, found: Mapping[str, Entity]) -> set[str]:
    """The stored places and assets among ``found`` that lie, through kg:locatedIn, in a country
    (or in a place whose container is stated unknown): what a submission's new places may lie in."""
    out = set()
    for entity_id, entity in found.items():
        iri = entity.where.node
        if entity.kind in {"place", "asset"} and iri and store.query(GROUNDED, {"iri": RdfTerm("uri", iri)}).boolean:
            out.add(entity_id)
    return out


def article_is_new(store: Store, doc: AnnotationFile) -> list[Problem]:
    """A submission adds an article: one already in the graph is refused."""
    if doc.article is None:
        return []
    iri = f"{KGID_NS}article/{doc.article.stem}"
    if store.query("ASK { ?iri ?p ?o }", {"iri": RdfTerm("uri", iri)}).boolean:
        message = f"article {doc.article.file} is already in the graph; a submission adds a new article"
        return [Problem(message, Location(doc.path, doc.article.where.line, "article.file"))]
    return []


def check_shacl(graph: Graph, origins: Mapping[Node, Location], settings: Settings, store: Store) -> shacl.ShaclOutcome:
    """SHACL over the submission and the types of the stored nodes it points at (not the store),
    with the submission's subjects as focus nodes — so the cost does not grow with the store."""
    data = Graph()
    data += graph
    for node in {o for o in graph.objects() if isinstance(o, URIRef) and str(o).startswith(KGID_NS)}:
        if (node, None, None) in graph:
            continue
        result = store.query("SELECT ?iri ?type WHERE { ?iri a ?type }", {"iri": RdfTerm("uri", str(node))})
        for row in result.rows:
            data.add((node, RDF.type, URIRef(row["type"].value)))
    focus = list(set(graph.subjects()))
    shapes, ontology = shacl.load_shapes(settings.shapes), sources.load_ontology(settings)
    return shacl.validate(data, shapes, ontology, origins, focus)
