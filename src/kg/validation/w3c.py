"""The W3C SHACL validation report of any validation, whatever stage found the problems.

pySHACL writes a report for what SHACL checked; a problem found before SHACL (the schema, the
text, a reference, an RDF check) becomes one more ``sh:ValidationResult`` of the same report,
with its message, its severity, its focus node where known and, as ``rdfs:comment``, the file,
line and field. So ``kg validate --format turtle`` and ``POST /validate`` with
``Accept: text/turtle`` always answer a report, and ``sh:conforms`` agrees with the problems.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SH

from kg.errors import KgError, Location
from kg.report import Problem

UNSAFE = re.compile(r"[\s<>\"{}|\\^`]")  # not an IRI Turtle can write: the node stays in the comment
SEVERITIES = {"error": SH.Violation, "warning": SH.Warning, "info": SH.Info}


def report_turtle(problems: Sequence[Problem], shacl_reports: Sequence[str | None] = ()) -> str:
    """One report: the results of the SHACL ``shacl_reports`` (Turtle) and one per other problem."""
    others = [p for p in problems if p.source != "shacl"]
    given = [t for t in shacl_reports if t]
    if not others and len(given) == 1:
        return given[0]  # SHACL saw everything: its report as it wrote it
    graph = Graph()
    graph.bind("sh", SH)
    report = BNode()
    graph.add((report, RDF.type, SH.ValidationReport))
    graph.add((report, SH.conforms, Literal(not any(p.severity == "error" for p in problems))))
    for text in given:
        _merge(graph, report, text)
    for problem in others:
        graph.add((report, SH.result, _result(graph, problem)))
    return graph.serialize(format="turtle")


def error_turtle(error: KgError) -> str:
    """The report of data that could not even be read (not YAML, JSON or RDF, not UTF-8): not
    conforming, with the one problem, where it is and what to do."""
    message = f"{error.message} ({error.hint})" if error.hint else error.message
    return report_turtle([Problem(message, error.where or Location(), "error", "input")])


def _merge(graph: Graph, report: BNode, text: str) -> None:
    found = Graph().parse(data=text, format="turtle")
    for other in set(found.subjects(RDF.type, SH.ValidationReport)):
        for result in found.objects(other, SH.result):
            graph.add((report, SH.result, result))
        found.remove((other, None, None))
    graph += found


def _result(graph: Graph, problem: Problem) -> BNode:
    result = BNode()
    graph.add((result, RDF.type, SH.ValidationResult))
    graph.add((result, SH.resultMessage, Literal(problem.message)))
    graph.add((result, SH.resultSeverity, SEVERITIES[problem.severity]))
    if problem.where.node and not UNSAFE.search(problem.where.node):
        graph.add((result, SH.focusNode, URIRef(problem.where.node)))
    if str(problem.where):
        graph.add((result, RDFS.comment, Literal(f"{problem.where} ({problem.source} check)")))
    return result
