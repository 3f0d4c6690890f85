"""SHACL validation of mapped graphs, with results traced back to file, line and field.

The only module that imports pyshacl. Shapes live in ``shapes/*.ttl``; the ontology is given
to pyshacl as its ontology graph so that ``sh:class kg:Actor`` accepts a ``kg:ArmedGroupUnit``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import pyshacl_turbo
from pyshacl import validate as pyshacl_validate
from pyshacl.rdfutil.inoculate import inoculate
from pyshacl_turbo.term_input import _TermBatch  # its numbered terms: no graph copied
from rdflib import Graph, URIRef, plugin
from rdflib import Literal as RdfLiteral
from rdflib.collection import Collection
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
Engine = Literal["turbo", "pyshacl"]
ENGINE: Engine = "turbo"  # see tests/test_shacl_engines.py and bench/RESULTS.md, "Validation"
MOST_VALUES = 1_000  # values of one predicate at one node past which pySHACL runs (engine_for)
COMBINED = {  # a combination of shapes → how its members' messages are introduced, and its list
    SH.AndConstraintComponent: ("must meet every one of these:", SH["and"]),
    SH.OrConstraintComponent: ("must meet at least one of these:", SH["or"]),
    SH.XoneConstraintComponent: ("must meet exactly one of these:", SH.xone),
    SH.NotConstraintComponent: ("must not be what this says:", SH["not"]),
}
WORDS = {  # kg's words for a result whose shape has no sh:message of its own
    SH.MinCountConstraintComponent: "has fewer values than it needs",
    SH.MaxCountConstraintComponent: "has more values than it may",
    SH.DatatypeConstraintComponent: "has a value of the wrong datatype",
    SH.ClassConstraintComponent: "has a value of the wrong type",
    SH.NodeKindConstraintComponent: "has a value of the wrong kind (IRI, blank node or literal)",
    SH.InConstraintComponent: "has a value that is not one of those allowed",
    SH.HasValueConstraintComponent: "lacks the value it must have",
    SH.PatternConstraintComponent: "has a value that does not have the form it must",
    SH.MinLengthConstraintComponent: "has a value that is too short",
    SH.MaxLengthConstraintComponent: "has a value that is too long",
    SH.MinInclusiveConstraintComponent: "has a value below the least allowed",
    SH.MinExclusiveConstraintComponent: "has a value that is not above the least allowed",
    SH.MaxInclusiveConstraintComponent: "has a value above the most allowed",
    SH.MaxExclusiveConstraintComponent: "has a value that is not below the most allowed",
    SH.DisjointConstraintComponent: "has a value it may not share with another field",
    SH.AndConstraintComponent: "does not meet every condition of its shape",
    SH.OrConstraintComponent: "meets none of the forms its shape allows",
    SH.XoneConstraintComponent: "does not meet exactly one of the forms its shape allows",
    SH.NotConstraintComponent: "is what its shape says it must not be",
    SH.SPARQLConstraintComponent: "fails a check of its shape",
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
    """Run the shapes over ``data`` (with the ontology mixed in) and explain each result, with
    the compiled engine (:data:`ENGINE`) unless :func:`engine_for` says otherwise."""
    return validate_with(engine_for(data), data, shapes, ontology, origins, focus_nodes)


def engine_for(data: Graph) -> Engine:
    """The compiled engine, except for data where a node has more than :data:`MOST_VALUES`
    values of one predicate: pyshacl-turbo 0.6 takes time in the square of that number (4,000
    values of one path: 1.5 s; 10,000: 17 s, where pySHACL takes 1.8 s)."""
    counts = Counter((s, p) for s, p, _o in data)
    return "pyshacl" if counts and max(counts.values()) > MOST_VALUES else ENGINE


def validate_with(
    engine: Engine,
    data: Graph,
    shapes: Graph,
    ontology: Graph,
    origins: Mapping[Node, Location] | None = None,
    focus_nodes: Sequence[Node] | None = None,
) -> ShaclOutcome:
    """:func:`validate` with the engine named: ``"turbo"`` (pyshacl-turbo) or ``"pyshacl"``.

    The ontology's axioms are mixed in as pySHACL would (its ``inoculate``), but worked out once
    per ontology and added to a copy of ``data``: pySHACL redoes that work on every run, more
    than half of the time of validating one submission.
    """
    focus = list(focus_nodes) if focus_nodes is not None else None
    if engine == "turbo":
        given = _turbo_input(data, ontology)
        conforms, results, _ = _compiled(shapes).validate(given, allow_warnings=True, focus_nodes=focus)
    else:
        conforms, results, _ = pyshacl_validate(
            _mixed(data, ontology),
            shacl_graph=shapes,
            ont_graph=None,
            inference="none",
            advanced=True,
            allow_warnings=True,
            focus_nodes=focus,  # type: ignore[arg-type]
        )
    assert isinstance(results, Graph)
    own = _own_messages(shapes)
    worded = {r: _message(results, r, shapes, own) for r in set(results.subjects(predicate=SH.focusNode))}
    for result, message in worded.items():  # the report says what the problems say, whatever the engine
        results.set((result, SH.resultMessage, RdfLiteral(message)))
    problems = tuple(_problem(results, r, origins or {}, message) for r, message in worded.items())
    ordered = tuple(sorted(problems, key=lambda p: (p.where.file or "", p.where.line or 0, p.message)))
    return ShaclOutcome(bool(conforms), ordered, results.serialize(format="turtle"))


def _mixed(data: Graph, ontology: Graph) -> Graph:
    """A copy of ``data`` with the ontology's axioms and the prefixes of both."""
    mixed = Graph()
    for graph in (data, ontology):  # the prefixes pySHACL's own copy would have had
        known = {prefix for prefix, _ in mixed.namespaces()}
        for prefix, namespace in graph.namespaces():
            if prefix not in known:
                mixed.bind(prefix, namespace)
    mixed += data
    mixed += _inoculated(ontology)
    return mixed


def _turbo_input(data: Graph, ontology: Graph) -> pyshacl_turbo.Input:
    """What :func:`_mixed` makes, as pyshacl-turbo's own input (its terms, numbered), without
    copying any graph: the ontology's part is numbered once (:func:`_ontology_terms`), then
    the data's triples are added to a copy of its lists."""
    known = _ontology_terms(ontology)
    batch = _TermBatch(dict(known.nodes))
    batch.records, batch.quads, batch.indices = list(known.records), list(known.quads), dict(known.indices)
    for s, p, o in data:
        batch.append(s, p, o)
    namespaces = {prefix: namespace for prefix, namespace in data.namespaces()}
    for prefix, namespace in _ontology_namespaces(ontology):
        namespaces.setdefault(prefix, namespace)
    return pyshacl_turbo.Input((batch.records, batch.quads), "terms", None, batch.nodes, namespaces)


@lru_cache(maxsize=4)
def _ontology_terms(ontology: Graph) -> _TermBatch:
    """The ontology's axioms (:func:`_inoculated`) numbered for pyshacl-turbo; read-only."""
    batch = _TermBatch({})
    for s, p, o in _inoculated(ontology):
        batch.append(s, p, o)
    return batch


@lru_cache(maxsize=4)
def _ontology_namespaces(ontology: Graph) -> tuple[tuple[str, URIRef], ...]:
    return tuple(ontology.namespaces())


@lru_cache(maxsize=4)
def _compiled(shapes: Graph) -> Any:
    """The shapes compiled by pyshacl-turbo, once per shapes graph (one per process)."""
    return pyshacl_turbo.compile_shapes(shapes, advanced=True)


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


@lru_cache(maxsize=4)
def _own_messages(shapes: Graph) -> re.Pattern[str]:
    """Every ``sh:message`` of the shapes, ``{?var}`` and ``{$this}`` standing for any text."""
    templates = sorted({str(m) for m in shapes.objects(None, SH.message)})
    alternatives = [".*?".join(map(re.escape, re.split(r"\{[?$]\w+\}", t))) for t in templates]
    return re.compile("|".join(f"(?:{a})" for a in alternatives) or "(?!)", re.DOTALL)


def _message(results: Graph, result: Node, shapes: Graph, own: re.Pattern[str]) -> str:
    """The shape's own message when it has one; otherwise kg's words for what the result's
    constraint component says (never the engine's own wording, which differs between engines)."""
    given = str(results.value(result, SH.resultMessage) or "")
    if given and own.fullmatch(given):
        return given
    component = results.value(result, SH.sourceConstraintComponent)
    shape = results.value(result, SH.sourceShape)
    if component == SH.NodeConstraintComponent:
        inner = results.value(results.value(result, SH.detail), SH.sourceShape) if shape is not None else None
        named = inner if isinstance(inner, URIRef) else shapes.value(shape, SH.node)
        return f"does not conform to {_name(shapes, named)}, which it must (see the other problems here)"
    if isinstance(component, URIRef) and component in COMBINED and shape is not None:
        words = [
            str(m)
            for member in _members(shapes, shape, COMBINED[component][1])
            for m in shapes.objects(member, SH.message)
        ]
        if words:
            return f"{COMBINED[component][0]} " + "; ".join(sorted(words))
    return (
        WORDS.get(component, "does not conform to its shape")
        if isinstance(component, URIRef)
        else "does not conform to its shape"
    )


def _members(shapes: Graph, shape: Node, predicate: URIRef) -> list[Node]:
    found = []
    for listed in shapes.objects(shape, predicate):
        found += list(Collection(shapes, listed)) if predicate != SH["not"] else [listed]
    return found


def _name(shapes: Graph, node: Node | None) -> str:
    if isinstance(node, URIRef):
        return node.n3(shapes.namespace_manager)
    return "a shape it is given"


def _problem(results: Graph, result: Node, origins: Mapping[Node, Location], message: str) -> Problem:
    focus = results.value(result, SH.focusNode)
    path = results.value(result, SH.resultPath)
    value = results.value(result, SH.value)
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
