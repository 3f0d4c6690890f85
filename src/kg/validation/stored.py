"""What a submission is checked against: the store, not files — the entities it holds, whether
an article is already there, and the types of the stored things a submission points at."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from rdflib import Graph, URIRef
from rdflib.graph import ReadOnlyGraphAggregate
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
SAFE_IRI = re.compile(r"^[^\s<>\"{}|\\^`]+$")  # an IRI that can be written between < > in a query


def referenced_ids(doc: AnnotationFile) -> set[str]:
    """Every id a file refers to or introduces."""
    return {ref for ref, _kind, _where in references.iter_references(doc)} | {e.id for e in doc.entities}


def entities(store: Store, ids: Iterable[str]) -> dict[str, Entity]:
    """The stored entities among ``ids`` (already checked to be plain ids), as Entity stubs."""
    wanted = sorted(set(ids))
    types = typed(store, [f"{KGID_NS}{kind}/{entity_id}" for entity_id in wanted for kind in KINDS])
    found: dict[str, Entity] = {}
    for entity_id in wanted:
        for kind in KINDS:
            iri = f"{KGID_NS}{kind}/{entity_id}"
            own = [t for t in types.get(iri, []) if t.startswith(KG_NS)]
            if own:
                found[entity_id] = Entity(
                    entity_id, kind, own[0][len(KG_NS) :], entity_id, (), {}, None, None, Location(node=iri)
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


def typed(store: Store, iris: Iterable[str]) -> dict[str, list[str]]:
    """The stored types of each of ``iris`` that has one, in one query (one query per IRI cost a
    thread hand-off each: most of the time of a submission's store look-ups)."""
    found: dict[str, list[str]] = {}
    for row in _rows(store, "SELECT ?iri ?type WHERE { %s ?iri a ?type }", iris):
        found.setdefault(row["iri"].value, []).append(row["type"].value)
    return found


def described(store: Store, iris: Iterable[str]) -> set[str]:
    """Those of ``iris`` the store has any statement about, in one query."""
    return {r["iri"].value for r in _rows(store, "SELECT DISTINCT ?iri WHERE { %s ?iri ?p ?o }", iris)}


def _rows(store: Store, template: str, iris: Iterable[str]) -> list[Any]:
    """The rows of ``template`` with the IRIs as its VALUES; an IRI that could not be written
    there safely is asked about on its own, bound."""
    plain = sorted({i for i in iris if SAFE_IRI.match(i)})
    values = "VALUES ?iri { " + " ".join(f"<{i}>" for i in plain) + " }"
    rows = list(store.query(template % values).rows) if plain else []
    for odd in sorted({i for i in iris if not SAFE_IRI.match(i)}):
        rows += store.query(template % "", {"iri": RdfTerm("uri", odd)}).rows
    return rows


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
    types = Graph()
    pointed = {str(o) for o in graph.objects() if isinstance(o, URIRef) and str(o).startswith(KGID_NS)}
    for iri, found in typed(store, [i for i in pointed if (URIRef(i), None, None) not in graph]).items():
        for kind in found:
            types.add((URIRef(iri), RDF.type, URIRef(kind)))
    data = ReadOnlyGraphAggregate([graph, types])  # no copy of the submission
    data.namespace_manager = graph.namespace_manager  # its prefixes, for the report
    focus = list(set(graph.subjects()))
    shapes, ontology = shacl.load_shapes(settings.shapes), sources.load_ontology(settings)
    return shacl.validate(data, shapes, ontology, origins, focus)
