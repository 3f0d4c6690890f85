"""Submissions kept across a rebuild: collected, checked again, and never silently dropped.

``kg build`` replaces what it builds from ``KG_DATA``; accepted submissions are user data and
stay. Under the store's write lock (so no submission accepted meanwhile falls in between) the
build :func:`collect`\\ s every submission record and graph, :func:`recheck`\\ s each stored one
with :func:`kg.submissions.check` — the check ``POST /submissions`` runs — against the new build
plus the submissions kept before it (in the order they were accepted), and swaps:

- a submission that still conforms keeps its graph, mapped again from its input as received
  (kept in its record as ``kg:inputData``/``kg:inputText``; records from before kg kept inputs
  are checked as the RDF their graph holds);
- one that no longer conforms is *set aside*: its graph leaves the queried data, and its
  statements (N-Triples) and the new report go to the graph ``GRAPH.SET_ASIDE``; it is still
  listed by ``GET /submissions`` and reported by ``kg build``, and the next rebuild checks it
  again and restores it once it conforms;
- records (``GRAPH.SUBMISSIONS``), retractions included, are never rewritten;
- the control periods (``GRAPH.PERIODS``) are derived from everything the rebuilt store holds,
  the kept submissions included (:func:`with_periods`).
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import XSD

from kg import period_graph, submissions
from kg.config import Settings
from kg.errors import KgError, Location
from kg.report import Problem, ValidationReport
from kg.store import Quads, RdfTerm, Store
from kg.store.embedded import EmbeddedStore
from kg.vocab import GRAPH, KG

KEEP = (GRAPH.SUBMISSION_BASE, str(GRAPH.SUBMISSIONS))
"""The graphs a rebuild leaves to the submissions: their own graphs and their records."""

RECORDS = f"""
PREFIX kg: <{KG}>
PREFIX prov: <http://www.w3.org/ns/prov#>
SELECT ?s ?graph ?at ?retracted ?name ?format ?data ?text ?statements WHERE {{
  GRAPH <{GRAPH.SUBMISSIONS}> {{
    ?s a kg:Submission ; kg:submissionGraph ?graph ; prov:generatedAtTime ?at .
    OPTIONAL {{ ?s kg:retractedBy ?retracted }}
    OPTIONAL {{ ?s kg:inputName ?name ; kg:inputFormat ?format ; kg:inputData ?data }}
    OPTIONAL {{ ?s kg:inputText ?text }}
  }}
  OPTIONAL {{ GRAPH <{GRAPH.SET_ASIDE}> {{ ?s kg:setAsideStatements ?statements }} }}
}} ORDER BY ?at ?s
"""
STATEMENTS = "SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }"


@dataclass(frozen=True)
class Found:
    """One stored (not retracted) submission as the rebuild found it."""

    id: str
    graph: URIRef
    inputs: submissions.Inputs | None  # None for a record made before kg kept inputs
    statements: Graph  # what its graph holds (or held, when it was set aside)


@dataclass(frozen=True)
class SetAside:
    """A submission that no longer conforms: kept, out of the queried data, with its report."""

    id: str
    name: str
    report: ValidationReport


@dataclass(frozen=True)
class Retention:
    """What a rebuild does with the submissions."""

    kept: int = 0
    retracted: int = 0
    set_aside: tuple[SetAside, ...] = ()
    graphs: tuple[tuple[URIRef, Graph], ...] = ()  # kept submission graphs and GRAPH.SET_ASIDE
    replaced: tuple[str, ...] = ()  # the collected submission graphs, which the swap replaces


def collect(store: Store) -> tuple[list[Found], int]:
    """Every stored submission (with its input and statements) and how many are retracted."""
    found, retracted = [], 0
    for row in store.query(RECORDS).rows:
        if "retracted" in row:
            retracted += 1
            continue
        graph = URIRef(row["graph"].value)
        inputs = None
        if "data" in row:
            kind = row["format"].value
            text = base64.b64decode(row["text"].value) if "text" in row else None
            inputs = submissions.Inputs(
                row["name"].value, base64.b64decode(row["data"].value), None if kind == "annotation" else kind, text
            )
        if "statements" in row:
            statements = Graph().parse(data=row["statements"].value, format="nt")
        else:
            statements = _graph_of(store, graph)
        found.append(Found(row["s"].value.rsplit("/", 1)[-1], graph, inputs, statements))
    return found, retracted


def _graph_of(store: Store, graph: URIRef) -> Graph:
    result = store.query(STATEMENTS, {"g": RdfTerm("uri", str(graph))})
    data = Graph()
    for row in result.rows:
        data.add((_term(row["s"]), URIRef(row["p"].value), _term(row["o"])))
    return data


def _term(term: RdfTerm) -> URIRef | BNode | Literal:
    if term.kind == "uri":
        return URIRef(term.value)
    if term.kind == "bnode":
        return BNode(term.value)
    return Literal(term.value, lang=term.lang, datatype=None if term.lang else URIRef(term.datatype or XSD.string))


def recheck(
    found: Sequence[Found], built: Sequence[tuple[URIRef, Graph | Quads]], settings: Settings, retracted: int = 0
) -> Retention:
    """Check each submission again, in the order accepted, against the new build and the ones kept
    before it (an in-memory copy, so the store is not touched until the swap)."""
    if not found:
        return Retention(retracted=retracted)
    scratch = EmbeddedStore.open(None)
    scratch.replace_all(built)
    kept: list[tuple[URIRef, Graph]] = []
    aside: list[SetAside] = []
    set_aside = Graph()
    for item in found:
        inputs = item.inputs or _as_rdf(item)
        report, graph = _check(inputs, settings, scratch)
        if graph is not None:
            kept.append((item.graph, graph))
            scratch.apply(add=[(item.graph, graph)])
            continue
        aside.append(SetAside(item.id, inputs.name, report))
        subject = submissions.submission_iri(item.id)
        set_aside.add((subject, KG.setAsideReport, Literal("\n".join(str(p) for p in report.errors))))
        set_aside.add((subject, KG.setAsideStatements, Literal(item.statements.serialize(format="nt"))))
    graphs = (*kept, *([(GRAPH.SET_ASIDE, set_aside)] if len(set_aside) else []))
    replaced = tuple(str(item.graph) for item in found)
    return Retention(len(kept), retracted, tuple(aside), graphs, replaced)


def with_periods(graphs: Sequence[tuple[URIRef, Graph | Quads]]) -> list[tuple[URIRef, Graph | Quads]]:
    """The graphs a rebuild stores, with the periods graph derived from all of them (the new
    build and the kept submissions), in place of any given."""
    data = [(iri, g) for iri, g in graphs if iri != GRAPH.PERIODS]
    return [*data, (GRAPH.PERIODS, period_graph.from_graphs(g for _, g in data))]


def _as_rdf(item: Found) -> submissions.Inputs:
    """A record without its input: its stored statements, checked as an RDF submission."""
    return submissions.Inputs(f"submission {item.id}.nt", item.statements.serialize(format="nt").encode(), ".nt")


def _check(inputs: submissions.Inputs, settings: Settings, store: Store) -> tuple[ValidationReport, Graph | None]:
    try:
        checked = submissions.check(inputs, settings, store)
    except KgError as exc:  # an input kg can no longer read at all: set aside, with why
        problem = Problem(str(exc), Location(inputs.name))
        return ValidationReport((problem,), (inputs.name,)), None
    return checked.report, checked.graph
