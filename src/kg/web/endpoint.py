"""``/sparql``: the SPARQL 1.1 Protocol (query and update) over the store.

- query by GET ``?query=``, POST form (``query=``) or POST ``application/sparql-query``;
  ``default-graph-uri`` / ``named-graph-uri`` select the dataset;
- results chosen by ``Accept`` (or ``format=`` for browsers): SELECT/ASK as SPARQL JSON, XML,
  CSV or TSV; CONSTRUCT/DESCRIBE as Turtle, N-Triples, JSON-LD or RDF/XML; 406 when none fits;
- update by POST form (``update=``) or ``application/sparql-update``, only with an admin's bearer
  token (401 without one, 403 with a wrong one or another role), never into the graphs kg derives
  or records (:mod:`kg.writes`); 415 for any other body type; ``using-graph-uri`` /
  ``using-named-graph-uri`` become ``USING`` clauses (400 beside ``USING``/``WITH`` in the text);
- ``/sparql`` with neither gives the W3C service description.

How a request is read (one operation, UTF-8, no Graph Store Protocol) is :mod:`kg.web.protocol`.
"""

from __future__ import annotations

import json

from flask import Blueprint, Response, request
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF

from kg import sparql as sparql_text
from kg.errors import UsageError
from kg.store import Dataset, QueryResult
from kg.web import kg, protocol
from kg.web.responses import negotiate, rdf, results, writer

blueprint = Blueprint("endpoint", __name__)

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
FORMATS_NS = Namespace("http://www.w3.org/ns/formats/")
RESULTS = ("json", "xml", "csv", "tsv")
"""What a SELECT or ASK answers in; JSON unless the client asks for another."""
GRAPHS = ("turtle", "ntriples", "jsonld", "rdfxml")
"""What a CONSTRUCT, a DESCRIBE or the service description answers in; Turtle by default."""


@blueprint.route("/sparql", methods=["GET", "POST", "PUT", "DELETE", "PATCH"])
def sparql() -> Response:
    protocol.refuse_graph_store()
    fields = protocol.fields()
    query, update = protocol.operation(fields)
    if query is None and update is None:
        return _service_description()
    if update is not None:
        return _update(update, fields)
    assert query is not None
    result = kg().query(
        query,
        dataset=Dataset(protocol.values(fields, "default-graph-uri"), protocol.values(fields, "named-graph-uri")),
        base=protocol.base(query),
    )
    return advised(render_result(result), kg().warnings(query))


def advised(response: Response, warnings: tuple[str, ...], readings: tuple[dict[str, str], ...] = ()) -> Response:
    """The response with kg's advice on the request: ``X-KG-Warning`` (one per warning) and
    ``X-KG-Read-As`` headers, and ``warnings`` and ``readAs`` in the ``kg`` member of a JSON
    body (beside what it holds already; clients pass over members they do not know)."""
    if not warnings and not readings:
        return response
    for warning in warnings:
        response.headers.add("X-KG-Warning", _header_text(warning))
    for reading in readings:
        response.headers.add("X-KG-Read-As", _header_text(f"{reading['param']}={reading['given']} {reading['id']}"))
    if response.mimetype in {"application/json", "application/sparql-results+json"}:
        body = json.loads(response.get_data(as_text=True))
        if isinstance(body, dict):
            advice = {"warnings": list(warnings)} if warnings else {}
            given = body["kg"] if isinstance(body.get("kg"), dict) else {}
            body["kg"] = {**given, **advice, **({"readAs": list(readings)} if readings else {})}
            response.set_data(json.dumps(body, ensure_ascii=False))
    return response


def _header_text(text: str) -> str:
    """A header value: Latin-1 only (other characters escaped), on one line."""
    return " ".join(text.split()).encode("latin-1", "backslashreplace").decode("latin-1")


def _update(update: str, fields: protocol.Fields) -> Response:
    writer("updates need a write token", "update")
    default, named = protocol.values(fields, "using-graph-uri"), protocol.values(fields, "using-named-graph-uri")
    if default or named:
        clause = sparql_text.dataset_clause(update)
        if clause is not None:
            raise UsageError(
                f"the update has a {clause} clause and the request gives using-graph-uri/using-named-graph-uri",
                hint="name the graphs one way: in the update text or in the request's parameters, not both",
            )
        update = sparql_text.with_using(update, default, named)
    kg().update(update, base=protocol.base(update))
    return Response(status=204)


def render_result(result: QueryResult) -> Response:
    if result.triples is not None:
        return results(result, negotiate(GRAPHS, default="turtle"))
    return results(result, negotiate(RESULTS, default="json"))


def _service_description() -> Response:
    """What this endpoint is and does, in the W3C SPARQL Service Description vocabulary."""
    me = URIRef(request.base_url)
    graph = Graph()
    graph.bind("sd", SD)
    graph.add((me, RDF.type, SD.Service))
    graph.add((me, SD.endpoint, me))
    for language in (SD.SPARQL11Query, SD.SPARQL11Update):
        graph.add((me, SD.supportedLanguage, language))
    # not sd:UnionDefaultGraph: that says updates read the union too, and an update's WHERE reads
    # the store's own default graph (Oxigraph's union takes queries only); the comment says so
    for fmt in (
        "SPARQL_Results_JSON",
        "SPARQL_Results_XML",
        "SPARQL_Results_CSV",
        "SPARQL_Results_TSV",
        "Turtle",
        "N-Triples",
        "JSON-LD",
        "RDF_XML",
    ):
        graph.add((me, SD.resultFormat, FORMATS_NS[fmt]))
    dataset, default = BNode("dataset"), BNode("default")
    graph.add((me, SD.defaultDataset, dataset))
    graph.add((dataset, RDF.type, SD.Dataset))
    graph.add((dataset, SD.defaultGraph, default))
    graph.add((default, RDF.type, SD.Graph))
    for name in kg().store.info().graphs:
        named = BNode()
        graph.add((dataset, SD.namedGraph, named))
        graph.add((named, SD.name, URIRef(name)))
    graph.add(
        (
            me,
            URIRef("http://www.w3.org/2000/01/rdf-schema#comment"),
            Literal(
                "kg: territorial control in the Syrian conflict. A query's default graph is the union of all graphs; "
                "an update's is the store's own default graph, unless USING, WITH or using-graph-uri names graphs. "
                "SERVICE and LOAD are refused; updates need an admin's bearer token. "
                "The Graph Store Protocol is not served."
            ),
        )
    )
    return rdf(graph.serialize(format="nt"), negotiate(GRAPHS, default="turtle"))
