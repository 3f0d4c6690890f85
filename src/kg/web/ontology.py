"""``/ontology``: the ontology IRI (https://w3id.org/kg/ontology) dereferenced.

A browser gets an HTML page generated from ``ontology/kg.ttl`` — the class hierarchy as a
tree, every class and property with its label, comment, domain and range, and for each class a
few examples from the store (saved query ``class-examples``); an RDF client gets the ontology
as Turtle or RDF/XML, by content negotiation or ``?format=turtle|rdfxml``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import Blueprint, Response, render_template
from rdflib import Graph, URIRef
from rdflib.term import Node

from kg import formats
from kg.errors import KgError
from kg.store import RdfTerm
from kg.vocab import KG, OWL, RDF, RDFS
from kg.web import kg
from kg.web.links import local_path
from kg.web.responses import negotiate

blueprint = Blueprint("ontology", __name__, template_folder="templates")

KG_NS = str(KG)
EXAMPLES = 3


@dataclass
class Term:
    """One class or property of the ontology, as the page shows it."""

    iri: str
    name: str
    label: str
    comment: str
    kind: str = ""
    domain: str = ""
    range: str = ""
    children: list[Term] = field(default_factory=list)
    examples: list[tuple[str, str]] = field(default_factory=list)


@blueprint.route("/ontology")
def page() -> Response | str:
    ontology = kg().ontology()
    fmt = negotiate(["html", "turtle", "rdfxml"], default="html")
    if fmt == "turtle":  # the file itself, with its comments and layout
        return Response(kg().settings.ontology.read_bytes(), mimetype=formats.REGISTRY[fmt].media_type)
    if fmt == "rdfxml":
        return Response(ontology.serialize(format="xml"), mimetype=formats.REGISTRY[fmt].media_type)
    classes = _classes(ontology)
    _add_examples(classes)
    roots = [c for iri, c in classes.items() if not _parents(ontology, URIRef(iri), classes)]
    for iri, term in classes.items():
        for parent in _parents(ontology, URIRef(iri), classes):
            classes[parent].children.append(term)
    return render_template(
        "ontology.html",
        roots=sorted(roots, key=lambda t: t.name),
        classes=sorted(classes.values(), key=lambda t: t.name),
        properties=_properties(ontology),
        title=str(ontology.value(URIRef("https://w3id.org/kg/ontology"), URIRef("http://purl.org/dc/terms/title"))),
    )


def _term(ontology: Graph, iri: Node, kind: str = "") -> Term:
    label = ontology.value(iri, RDFS.label)
    comment = ontology.value(iri, RDFS.comment)
    name = _short(iri)
    return Term(str(iri), name, str(label or name), str(comment or ""), kind)


def _classes(ontology: Graph) -> dict[str, Term]:
    return {
        str(c): _term(ontology, c)
        for c in ontology.subjects(RDF.type, OWL.Class)
        if isinstance(c, URIRef) and c.startswith(KG_NS)
    }


def _parents(ontology: Graph, iri: URIRef, classes: dict[str, Term]) -> list[str]:
    return [str(p) for p in ontology.objects(iri, RDFS.subClassOf) if str(p) in classes]


def _properties(ontology: Graph) -> list[Term]:
    found = []
    for kind, cls in (("object", OWL.ObjectProperty), ("datatype", OWL.DatatypeProperty)):
        for prop in ontology.subjects(RDF.type, cls):
            if not (isinstance(prop, URIRef) and prop.startswith(KG_NS)):
                continue
            term = _term(ontology, prop, kind)
            term.domain = ", ".join(_describe(ontology, d) for d in ontology.objects(prop, RDFS.domain))
            term.range = ", ".join(_describe(ontology, r) for r in ontology.objects(prop, RDFS.range))
            traits = [_short(t) for t in ontology.objects(prop, RDF.type) if t not in (cls,)]
            term.kind = " ".join([kind, *sorted(traits)])
            found.append(term)
    return sorted(found, key=lambda t: t.name)


def _describe(ontology: Graph, node: Node) -> str:
    """A class as words: a name, or ``A or B`` for an owl:unionOf."""
    if isinstance(node, URIRef):
        return _short(node)
    members = [m for head in ontology.objects(node, OWL.unionOf) for m in ontology.items(head)]
    return " or ".join(_short(m) for m in members) or "(a class expression)"


def _short(node: Node) -> str:
    return formats.short(RdfTerm("uri", str(node))) if isinstance(node, URIRef) else str(node)


def _add_examples(classes: dict[str, Term]) -> None:
    """Up to three instances of each class from the store; none if nothing is built yet."""
    try:
        result = kg().run("class-examples")
    except KgError:
        return
    for row in result.rows:
        term = classes.get(row["class"].value)
        if term is None or len(term.examples) >= EXAMPLES:
            continue
        iri = row["example"].value
        label = row["exampleLabel"].value if "exampleLabel" in row else _short(URIRef(iri))
        term.examples.append((local_path(iri) or iri, label))
