"""SHACL validation of mapped graphs, with results traced back to file, line and field.

The only module that imports pyshacl. Shapes live in ``shapes/*.ttl``; the ontology is given
to pyshacl as its ontology graph so that ``sh:class kg:Actor`` accepts a ``kg:ArmedGroupUnit``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from pyshacl import validate as pyshacl_validate
from pyshacl.rdfutil.inoculate import inoculate
from rdflib import Graph, URIRef, plugin
from rdflib.namespace import SH
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.plugins.sparql.processor import SPARQLProcessor, translateQuery
from rdflib.plugins.sparql.sparql import Query
from rdflib.query import Processor
from rdflib.term import Node

from kg.errors import ConfigError, InputError, Location
from kg.report import Problem, Severity

FIELDS = {  # predicate local name → the annotation-file key it comes from
    "gainingActor": "gaining",
    "losingActor": "losing",
    "controllingActor": "controller",
    "attackingActor": "attacker",
    "defendingActor": "defender",
    "presentActor": "present",
    "supportingActor": "supporting",
    "wasAttributedTo": "source",
    "dateEarliest": "date",
    "dateLatest": "date",
    "datePrecision": "date",
    "dateBasis": "date",
    "dateDerivation": "date",
    "scopeNote": "scopeNote",
    "prefLabel": "label",
    "altLabel": "altLabels",
    "headline": "title",
    "citation": "cites",
    "referencePlace": "reference",
    "distanceKm": "km",
    "hasGeometry": "coordinates",
    "evidence": "evidence",
}
SEVERITY: dict[URIRef, Severity] = {SH.Violation: "error", SH.Warning: "warning", SH.Info: "info"}


CONFORMS_TURTLE = """@prefix sh: <http://www.w3.org/ns/shacl#> .

[] a sh:ValidationReport ;
    sh:conforms true .
"""  # the report pySHACL writes when nothing fails, for a run that had nothing left to check


class PreparedSparql(SPARQLProcessor):
    """rdflib's SPARQL processor, except that a query text is parsed and translated once.

    pySHACL runs each SPARQL-based constraint once per focus node, with the same text and the
    focus node bound; rdflib would parse that text with pyparsing every time (~50 ms each, a
    fifth of a build). The translated algebra is not changed by evaluation, so it is shared.
    Registered as rdflib's ``sparql`` processor when this module is imported.
    """

    def query(  # type: ignore[override]
        self,
        strOrQuery: str | Query,
        initBindings: Mapping[str, Any] | None = None,
        initNs: Mapping[str, Any] | None = None,
        base: str | None = None,
        DEBUG: bool = False,
    ) -> Mapping[str, Any]:
        if isinstance(strOrQuery, str):
            strOrQuery = _translated(strOrQuery, base, tuple(sorted((initNs or {}).items())))
        return super().query(strOrQuery, initBindings, initNs, base, DEBUG)


@lru_cache(maxsize=256)
def _translated(text: str, base: str | None, namespaces: tuple[tuple[str, Any], ...]) -> Query:
    return translateQuery(parseQuery(text), base, dict(namespaces))


plugin.register("sparql", Processor, __name__, "PreparedSparql")


@dataclass(frozen=True)
class ShaclOutcome:
    conforms: bool
    problems: tuple[Problem, ...]
    report_turtle: str  # the W3C SHACL validation report


def load_shapes(folder: Path) -> Graph:
    """Every ``*.ttl`` file of the shapes folder, as one graph (parsed again only when a file
    changes; treat it as read-only)."""
    files = sorted(folder.glob("*.ttl"))
    if not files:
        raise ConfigError(f"no SHACL shapes (*.ttl) in {folder}", hint="set KG_SHAPES to the shapes folder")
    return _parsed_shapes(tuple((path, path.stat().st_mtime_ns) for path in files))


@lru_cache(maxsize=4)
def _parsed_shapes(files: tuple[tuple[Path, int], ...]) -> Graph:
    shapes = Graph()
    for path, _mtime in files:
        try:
            shapes.parse(path, format="turtle")
        except Exception as exc:  # rdflib raises several unrelated types for bad Turtle
            raise InputError(f"cannot parse SHACL shapes: {exc}", where=Location(str(path))) from None
    return shapes


def validate(
    data: Graph,
    shapes: Graph,
    ontology: Graph,
    origins: Mapping[Node, Location] | None = None,
    focus_nodes: Sequence[Node] | None = None,
) -> ShaclOutcome:
    """Run the shapes over ``data`` (with the ontology mixed in) and explain each result.

    The ontology's axioms are mixed in as pySHACL would (its ``inoculate``), but worked out once
    per ontology and added to a copy of ``data``: pySHACL redoes that work on every run, more
    than half of the time of validating one submission.
    """
    mixed = Graph()
    for graph in (data, ontology):  # the prefixes pySHACL's own copy would have had
        known = {prefix for prefix, _ in mixed.namespaces()}
        for prefix, namespace in graph.namespaces():
            if prefix not in known:
                mixed.bind(prefix, namespace)
    mixed += data
    mixed += _inoculated(ontology)
    conforms, results, _ = pyshacl_validate(
        mixed,
        shacl_graph=shapes,
        ont_graph=None,
        inference="none",
        advanced=True,
        allow_warnings=True,
        focus_nodes=list(focus_nodes) if focus_nodes is not None else None,  # type: ignore[arg-type]
    )
    assert isinstance(results, Graph)
    problems = tuple(_problem(results, r, origins or {}) for r in results.subjects(predicate=SH.focusNode, unique=True))
    ordered = tuple(sorted(problems, key=lambda p: (p.where.file or "", p.where.line or 0, p.message)))
    return ShaclOutcome(bool(conforms), ordered, results.serialize(format="turtle"))


@lru_cache(maxsize=4)
def _inoculated(ontology: Graph) -> Graph:
    """What pySHACL adds to a data graph from the ontology (RDFS/OWL axioms); read-only."""
    return inoculate(Graph(), ontology)  # type: ignore[arg-type,no-any-return]


def _short(node: Node | None) -> str:
    text = str(node) if node is not None else ""
    for sep in ("#", "/"):
        if sep in text:
            text = text.rsplit(sep, 1)[1]
    return text


def _problem(results: Graph, result: Node, origins: Mapping[Node, Location]) -> Problem:
    focus = results.value(result, SH.focusNode)
    path = results.value(result, SH.resultPath)
    value = results.value(result, SH.value)
    message = str(results.value(result, SH.resultMessage) or "does not conform to its shape")
    if value is not None and str(value) not in message:
        message += f" (value: {_short(value) if isinstance(value, URIRef) else value})"
    origin = origins.get(focus) if focus is not None else None
    if value is not None and value in origins and (origin is None or origin.field == "article"):
        origin = origins[value]  # a check run once per article names the annotation at fault as its value
    field = _short(path) if path is not None and isinstance(path, URIRef) else None
    field = FIELDS.get(field, field) if field else None
    if origin is not None and origin.field and field:
        field = f"{origin.field}.{field}"
    elif origin is not None:
        field = origin.field or field
    where = Location(
        origin.file if origin else None,
        origin.line if origin else None,
        field,
        str(focus) if focus is not None else None,
    )
    level = results.value(result, SH.resultSeverity)
    severity: Severity = SEVERITY[level] if isinstance(level, URIRef) and level in SEVERITY else "error"
    return Problem(message, where, severity=severity, source="shacl")
