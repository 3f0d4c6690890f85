"""The Oxigraph basics both backends share, and the one place above which no pyoxigraph is seen.

- terms: kg's :class:`~kg.store.base.RdfTerm` and rdflib's nodes ↔ pyoxigraph's;
- quads: a graph's triples as quads with canonical blank node labels (RDFC-1.0), so the same data
  always gives the same quads, whichever backend or server they came through;
- RDF syntaxes by kg's names (``turtle``, ``ntriples``, ``jsonld``, ``trig``, ``nquads``, ``rdfxml``):
  :func:`parse_rdf` (into :class:`~kg.store.base.Quad` values of kg terms) and :func:`translate_rdf`;
- a whole dataset: :func:`export` (with kg's prefixes in TriG) and :func:`checksum`;
- one query or update on an open pyoxigraph store (:func:`run_query`, :func:`run_update`), as the
  embedded store runs it in its own process and its pool's workers in theirs.

Nothing here applies policy (refusals, limits): :mod:`kg.store.policy` does, for every backend.
"""

from __future__ import annotations

import contextlib
import hashlib
import time
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Graph, URIRef
from rdflib import Literal as RLiteral
from rdflib.term import Node

from kg import sparql as sparql_text
from kg.errors import InputError, Location, QueryError, QueryTimeout, StoreError
from kg.sparql_binding import with_constants
from kg.store.base import Dataset, Quad, Quads, QueryResult, RdfTerm
from kg.store.functions import FUNCTIONS

CURRENT = "current"
"""The symlink, in an embedded store's folder, to the database readers open."""
EXPORT_PREFIXES = {"kg": "https://w3id.org/kg/ontology#", "kgid": "https://w3id.org/kg/id/"}
SYNTAXES: Mapping[str, tuple[ox.RdfFormat, str]] = {
    "turtle": (ox.RdfFormat.TURTLE, "Turtle"),
    "ntriples": (ox.RdfFormat.N_TRIPLES, "N-Triples"),
    "jsonld": (ox.RdfFormat.JSON_LD, "JSON-LD"),
    "trig": (ox.RdfFormat.TRIG, "TriG"),
    "nquads": (ox.RdfFormat.N_QUADS, "N-Quads"),
    "rdfxml": (ox.RdfFormat.RDF_XML, "RDF/XML"),
}
"""Every RDF syntax kg reads or writes, by kg's name: pyoxigraph's format and the name people use."""
MAX_ANSWER_BYTES = 16 * 2**20
"""What one answer may carry (its rows' values, or its triples as N-Triples) before it is cut, as at
the row cap: a query that makes a 64 MiB literal sends none of it out of its worker. A caller
given a larger row cap (kg's own bounded reads, such as the periods index at KG_INDEX_ROWS) may
carry BYTES_PER_ROW per row of it instead, when that is more."""
BYTES_PER_ROW = 1024


def answer_bytes(max_rows: int | None) -> int:
    """The bytes an answer with this row (or triple) cap may carry."""
    return max(MAX_ANSWER_BYTES, (max_rows or 0) * BYTES_PER_ROW)


# --------------------------------------------------------------------------- terms


def to_ox(term: Node) -> Any:
    """An rdflib term as a pyoxigraph term."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, RLiteral):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"cannot store {term!r}")


def term_from_ox(term: Any) -> RdfTerm:
    if isinstance(term, ox.NamedNode):
        return RdfTerm("uri", term.value)
    if isinstance(term, ox.BlankNode):
        return RdfTerm("bnode", term.value)
    if isinstance(term, ox.Literal):
        return RdfTerm("literal", term.value, term.datatype.value, term.language)
    return RdfTerm("triple", str(term))


def term_to_ox(term: RdfTerm) -> Any:
    if term.kind == "uri":
        return ox.NamedNode(term.value)
    if term.kind == "bnode":
        return ox.BlankNode(term.value)
    if term.lang:
        return ox.Literal(term.value, language=term.lang)
    return ox.Literal(term.value, datatype=ox.NamedNode(term.datatype) if term.datatype else None)


# --------------------------------------------------------------------------- quads


def canonical(quads: list[Any]) -> list[Any]:
    """The quads with blank nodes relabelled canonically (RDFC-1.0); as they are if there are none."""
    if not any(isinstance(q.subject, ox.BlankNode) or isinstance(q.object, ox.BlankNode) for q in quads):
        return quads
    dataset = ox.Dataset(quads)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return list(dataset)


def parsed_quads(quads: Quads) -> list[Any]:
    return list(ox.parse(quads.nquads, format=ox.RdfFormat.N_QUADS))


def statements_of(quads: Quads) -> Iterator[tuple[str, str, str]]:
    """Each statement as (subject, predicate, object) values: IRIs, blank node ids, lexical forms."""
    return ((q.subject.value, q.predicate.value, q.object.value) for q in parsed_quads(quads))


def graph_of(quads: Quads) -> Graph:
    """N-Quads of one graph as an rdflib graph of their triples (which :func:`to_ox` gives back)."""
    graph = Graph()
    for q in parsed_quads(quads):
        graph.add((_from_ox(q.subject), _from_ox(q.predicate), _from_ox(q.object)))
    return graph


def _from_ox(term: Any) -> Node:
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if term.language:
        return RLiteral(term.value, lang=term.language)
    datatype = term.datatype.value
    return RLiteral(term.value, datatype=None if datatype == XSD_STRING else URIRef(datatype))


XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def nquads_of(graph_iri: URIRef, triples: Iterable[tuple[Node, Node, Node]]) -> Quads:
    """Statements of rdflib terms as the N-Quads of the graph ``graph_iri`` (blank nodes canonical)."""
    g = ox.NamedNode(str(graph_iri))
    quads = canonical([ox.Quad(to_ox(s), to_ox(p), to_ox(o), g) for s, p, o in triples])
    return Quads(ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b"")


def quads_of(graph_iri: URIRef, graph: Graph | Quads) -> list[Any]:
    """A graph's triples as quads; blank nodes get canonical labels (RDFC-1.0), so the same
    graph always gives the same quads and a rebuild is byte-for-byte idempotent. :class:`Quads`
    are taken as they are (their blank nodes were made canonical when they were written)."""
    if isinstance(graph, Quads):
        return parsed_quads(graph)
    g = ox.NamedNode(str(graph_iri))
    return canonical([ox.Quad(to_ox(s), to_ox(p), to_ox(o), g) for s, p, o in graph])


def quads_of_rows(rows: Iterable[Mapping[str, RdfTerm]]) -> list[Any]:
    """Rows of ``?s ?p ?o ?g`` (as a SPARQL server answers) as quads, blank nodes canonical."""
    return canonical([ox.Quad(*(term_to_ox(row[k]) for k in ("s", "p", "o", "g"))) for row in rows])


def export(source: ox.Store | Iterable[Any], fmt: str) -> bytes:
    """Every quad of an open store (in its order) or of some quads (sorted), as ``trig`` or ``nquads``."""
    rdf_format = {"trig": ox.RdfFormat.TRIG, "nquads": ox.RdfFormat.N_QUADS}[fmt]
    prefixes = EXPORT_PREFIXES if fmt == "trig" else None
    if isinstance(source, ox.Store):
        return source.dump(format=rdf_format, prefixes=prefixes) or b""
    return ox.serialize(sorted(source, key=str), format=rdf_format, prefixes=prefixes) or b""


def ntriples_lines(quads: Iterable[Any]) -> list[str]:
    """The quads' triples (their graphs left out) as N-Triples lines, each ending in a newline."""
    triples = [ox.Triple(q.subject, q.predicate, q.object) for q in quads]
    return (ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"").decode("utf-8").splitlines(keepends=True)


def checksum(quads: Iterable[Any]) -> str:
    """A digest of the quads, whatever their order: equal for equal data on either backend."""
    digest = hashlib.sha256()
    for line in sorted(str(q) for q in quads):
        digest.update(line.encode("utf-8"))
    return digest.hexdigest()


# --------------------------------------------------------------------------- RDF syntaxes


def _format(syntax: str) -> tuple[ox.RdfFormat, str]:
    if syntax not in SYNTAXES:
        raise ValueError(f"unknown RDF syntax {syntax!r}; one of {', '.join(SYNTAXES)}")
    return SYNTAXES[syntax]


def parse_rdf(data: bytes, syntax: str, *, where: str) -> list[Quad]:
    """The statements of an RDF document, as kg terms; ``where`` names it in errors.

    Relative IRIs are not resolved against any base. Raises InputError saying what is wrong
    with the document (``where`` is its file or upload name).
    """
    rdf_format, label = _format(syntax)
    try:
        parsed = list(ox.parse(data, format=rdf_format, base_iri=None))
    except SyntaxError as exc:
        raise InputError(f"not valid {label}: {exc}", where=Location(where)) from None
    except (ValueError, OSError) as exc:
        raise InputError(f"cannot read it: {exc}", where=Location(where)) from None
    return [
        Quad(
            term_from_ox(q.subject),
            term_from_ox(q.predicate),
            term_from_ox(q.object),
            None if isinstance(q.graph_name, ox.DefaultGraph) else term_from_ox(q.graph_name),
        )
        for q in parsed
    ]


def translate_rdf(data: bytes, source: str, target: str, prefixes: dict[str, str] | None = None) -> bytes:
    """RDF in one syntax rewritten in another (``prefixes`` for Turtle and RDF/XML output)."""
    triples = ox.parse(data, format=_format(source)[0])
    target_format = _format(target)[0]
    shortened = prefixes if target_format in (ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML) else None
    return ox.serialize(triples, format=target_format, prefixes=shortened) or b""


# --------------------------------------------------------------------------- running SPARQL


def run_query(
    store: ox.Store,
    sparql: str,
    bindings: Mapping[str, RdfTerm] | None,
    max_rows: int | None,
    dataset: Dataset | None = None,
) -> QueryResult:
    """Run one query on an open pyoxigraph store and copy the answer out of it.

    Bound variables are written into the text as constants (:func:`kg.sparql_binding.with_constants`),
    which Oxigraph plans with; where that could change the meaning, or the engine does not take
    the rewritten text, they go as ``substitutions=`` instead.
    """
    started = time.perf_counter()
    graphs: dict[str, Any] = {"use_default_graph_as_union": True, "custom_functions": FUNCTIONS}
    if dataset is not None and dataset.default_graphs:
        graphs = {"default_graph": [ox.NamedNode(g) for g in dataset.default_graphs], "custom_functions": FUNCTIONS}
    if dataset is not None and dataset.named_graphs:
        graphs["named_graphs"] = [ox.NamedNode(g) for g in dataset.named_graphs]
    answer = None
    constant = with_constants(sparql, bindings) if bindings else None
    if constant is not None:
        with contextlib.suppress(SyntaxError):  # a term where the grammar wants a variable
            answer = store.query(constant, **graphs)
    if answer is None:
        answer = _evaluate(store, sparql, bindings, graphs)
    return _copied(answer, sparql, max_rows, started)


def _evaluate(store: ox.Store, sparql: str, bindings: Mapping[str, RdfTerm] | None, graphs: dict[str, Any]) -> Any:
    substitutions = {ox.Variable(k): term_to_ox(v) for k, v in (bindings or {}).items()}
    try:
        return store.query(sparql, substitutions=substitutions or None, **graphs)
    except SyntaxError as exc:
        raise QueryError(f"SPARQL syntax error: {exc}", hint="check the query near the position given") from None
    except (RuntimeError, ValueError, OSError) as exc:
        raise QueryError(f"the query cannot run: {exc}") from None


def _copied(answer: Any, sparql: str, max_rows: int | None, started: float) -> QueryResult:
    if isinstance(answer, ox.QueryBoolean):
        return QueryResult("ASK", boolean=bool(answer), seconds=time.perf_counter() - started)
    try:  # solutions and triples are computed as they are read
        if isinstance(answer, ox.QueryTriples):
            data, truncated = _triples(answer, max_rows)
            form = sparql_text.form(sparql)
            return QueryResult(form, triples=data, truncated=truncated, seconds=time.perf_counter() - started)
        variables = tuple(v.value for v in answer.variables)
        rows, truncated = _rows(answer, variables, max_rows)
    except (RuntimeError, ValueError, OSError) as exc:
        raise QueryError(f"the query cannot run: {exc}") from None
    return QueryResult("SELECT", variables, rows, truncated=truncated, seconds=time.perf_counter() - started)


def _rows(answer: Any, variables: tuple[str, ...], max_rows: int | None) -> tuple[tuple[dict[str, RdfTerm], ...], bool]:
    """At most ``max_rows`` rows, and at most :func:`answer_bytes` of values; whether either cut them.
    A value met again (a date, a label, a status in every row) is converted once."""
    rows: list[dict[str, RdfTerm]] = []
    seen: dict[Any, RdfTerm] = {}
    size, budget = 0, answer_bytes(max_rows)
    for solution in answer:
        if max_rows is not None and len(rows) >= max_rows:
            return tuple(rows), True
        row = {}
        for name in variables:
            value = solution[name]
            if value is not None:
                term = seen.get(value)
                if term is None:
                    term = seen[value] = term_from_ox(value)
                row[name] = term
                size += len(term.value) + len(term.datatype or "")
        if size > budget:
            return tuple(rows), True
        rows.append(row)
    return tuple(rows), False


def _triples(answer: Any, max_triples: int | None) -> tuple[str, bool]:
    """At most ``max_triples`` triples as N-Triples, at most :func:`answer_bytes` of it; whether either cut them."""
    lines: list[str] = []
    size, budget = 0, answer_bytes(max_triples)
    for triple in answer:
        if max_triples is not None and len(lines) >= max_triples:
            return "".join(lines), True
        line = f"{triple} .\n"  # a triple's str is its N-Triples form
        size += len(line.encode("utf-8"))
        if size > budget:
            return "".join(lines), True
        lines.append(line)
    return "".join(lines), False


def run_update(store: ox.Store, sparql_update: str) -> None:
    """Run a SPARQL Update (all or nothing, as pyoxigraph runs it) on an open store."""
    try:
        store.update(sparql_update)
    except SyntaxError as exc:
        raise QueryError(
            f"SPARQL Update syntax error: {exc}", hint="check the update near the position given"
        ) from None
    except (RuntimeError, ValueError) as exc:
        raise QueryError(f"the update cannot run: {exc}") from None
    except OSError as exc:
        raise StoreError(f"the update could not be written: {exc}") from None


def open_read_only(path: Path) -> ox.Store:
    try:
        return ox.Store.read_only(str(path))
    except OSError as exc:
        raise StoreError(f"cannot open the store at {path}: {exc}", hint="rebuild it with 'kg build'") from None


def timed_out(timeout: float) -> QueryTimeout:
    return QueryTimeout(
        f"the query ran longer than {timeout:g} s and was stopped",
        hint="narrow it (LIMIT, more specific patterns) or raise KG_QUERY_TIMEOUT",
    )
