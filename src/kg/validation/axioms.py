"""A submission describes instances; it never says what classes and properties are.

Refused, each with the triple named: a statement whose predicate is a term of OWL, or of RDFS
other than ``rdfs:label``/``comment``/``seeAlso``/``isDefinedBy`` (``rdfs:subClassOf``,
``owl:equivalentClass``, ``rdfs:domain``, ``owl:inverseOf``, ``owl:sameAs``…); a type from
OWL, RDFS or RDF (``owl:Class``, ``owl:ObjectProperty``, ``rdf:Property``…); and any statement
about a term of a vocabulary (the ontology's own, RDF, RDFS, OWL, XSD, PROV, SKOS, GeoSPARQL,
Web Annotation, schema.org, Dublin Core) or about a term the ontology declares. So a reasoner
given a submission can infer only about the instances it introduces: it never gets an axiom from
one, and nothing a submission says changes what a stored thing is.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from rdflib import Graph, URIRef
from rdflib.namespace import GEO, OWL, PROV, RDF, RDFS, SDO, SKOS

from kg.errors import Location
from kg.report import Problem
from kg.vocab import KG

VOCABULARIES = (
    str(KG),
    str(RDF),
    str(RDFS),
    str(OWL),
    "http://www.w3.org/2001/XMLSchema#",
    "http://www.w3.org/ns/prov#",
    "http://www.w3.org/2004/02/skos/core#",
    "http://www.opengis.net/ont/geosparql#",
    "http://www.w3.org/ns/oa#",
    "https://schema.org/",
    "http://schema.org/",
    "http://purl.org/dc/terms/",
    "http://purl.org/dc/elements/1.1/",
    "http://purl.org/vocab/vann/",
    "http://www.w3.org/ns/shacl#",
)
"""Namespaces whose terms a submission may use but not describe."""
DESCRIPTIVE = {RDFS.label, RDFS.comment, RDFS.seeAlso, RDFS.isDefinedBy}
"""The RDFS predicates that describe an instance rather than a class or property."""
INSTANCE_TYPES = {OWL.NamedIndividual, OWL.Thing}
_WHAT = "a submission may describe instances, not add or change axioms about classes or properties"


def problems(graph: Graph, name: str, ontology: Graph | None = None) -> list[Problem]:
    """Every statement of ``graph`` that is an axiom or speaks about a vocabulary term."""
    return list(_axioms(graph, name, _declared(ontology) if ontology is not None else frozenset()))


@lru_cache(maxsize=4)
def _declared(ontology: Graph) -> frozenset[URIRef]:
    """The terms the ontology declares, worked out once per ontology (not once per submission)."""
    return frozenset(s for s in ontology.subjects() if isinstance(s, URIRef))


def _axioms(graph: Graph, name: str, declared: frozenset[URIRef]) -> Iterable[Problem]:
    refused = sorted((s, p, o, why) for s, p, o in graph for why in [_why(s, p, o, declared)] if why)
    if not refused:
        return  # the common case: no namespace manager to make, nothing to sort but the refused
    names = Graph().namespace_manager
    for prefix, namespace in {"kg": KG, "prov": PROV, "skos": SKOS, "geo": GEO, "schema": SDO}.items():
        names.bind(prefix, str(namespace))
    for s, p, o, why in refused:
        triple = " ".join(term.n3(names) for term in (s, p, o))
        yield Problem(f"{triple} is refused: {why}; {_WHAT}", Location(name, node=str(s)), source="rdf")


def _why(s: object, p: object, o: object, declared: frozenset[URIRef]) -> str | None:
    """Why a statement is an axiom (or about a vocabulary term), or None if it describes an instance."""
    if isinstance(p, URIRef) and (
        str(p).startswith(str(OWL)) or (str(p).startswith(str(RDFS)) and p not in DESCRIPTIVE)
    ):
        return f"{p} states an axiom"
    if (
        p == RDF.type
        and isinstance(o, URIRef)
        and o not in INSTANCE_TYPES
        and str(o).startswith((str(OWL), str(RDFS), str(RDF)))
    ):
        return f"typing a term as {o} makes it a class or property"
    if isinstance(s, URIRef) and (s in declared or str(s).startswith(VOCABULARIES)):
        return f"{s} is a term of a vocabulary"
    return None
