"""``/sparql``: the SPARQL 1.1 Protocol (query and update) over the store.

- query by GET ``?query=``, POST form (``query=``) or POST ``application/sparql-query``;
  ``default-graph-uri`` / ``named-graph-uri`` select the dataset;
- results chosen by ``Accept`` (or ``format=`` for browsers): SELECT/ASK as SPARQL JSON, XML,
  CSV or TSV; CONSTRUCT/DESCRIBE as Turtle, N-Triples, JSON-LD or RDF/XML; 406 when none fits;
- update by POST form (``update=``) or ``application/sparql-update``, only with an admin's bearer
  token (401 without one, 403 with a wrong one or another role), never into the graphs kg derives
  or records (:mod:`kg.writes`); 415 for any other body type;
- ``/sparql`` with neither gives the W3C service description.
"""

from __future__ import annotations

import json

from flask import Blueprint, Response, request
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF

from kg.errors import UnsupportedMediaType, UsageError
from kg.store import Dataset, QueryResult
from kg.web import kg
from kg.web.responses import negotiate, rdf, results, writer

blueprint = Blueprint("endpoint", __name__)

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
FORMATS_NS = Namespace("http://www.w3.org/ns/formats/")
RESULTS = ("json", "xml", "csv", "tsv")
"""What a SELECT or ASK answers in; JSON unless the client asks for another."""
GRAPHS = ("turtle", "ntriples", "jsonld", "rdfxml")
"""What a CONSTRUCT, a DESCRIBE or the service description answers in; Turtle by default."""


@blueprint.route("/sparql", methods=["GET", "POST"])
def sparql() -> Response:
    query, update = _operation()
    if query is None and update is None:
        return _service_description()
    if update is not None:
        return _update(update)
    assert query is not None
    result = kg().query(
        query,
        dataset=Dataset(
            tuple(request.values.getlist("default-graph-uri")), tuple(request.values.getlist("named-graph-uri"))
        ),
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


def _operation() -> tuple[str | None, str | None]:
    """(query, update) from the request, as the protocol's three ways of sending them allow."""
    if request.method == "GET":
        if "update" in request.args:
            raise UsageError("updates must be sent by POST", hint="POST update=… or an application/sparql-update body")
        return request.args.get("query"), None
    mimetype = request.mimetype
    if mimetype == "application/sparql-query":
        return request.get_data(as_text=True), None
    if mimetype == "application/sparql-update":
        return None, request.get_data(as_text=True)
    if mimetype in {"application/x-www-form-urlencoded", "multipart/form-data"}:
        query, update = request.form.get("query"), request.form.get("update")
        if query is not None and update is not None:
            raise UsageError("send a query or an update, not both")
        if query is None and update is None:
            raise UsageError("the form has neither 'query' nor 'update'")
        return query, update
    raise UnsupportedMediaType(
        f"cannot take a {mimetype or 'body without a Content-Type'}",
        hint="send application/x-www-form-urlencoded, application/sparql-query or application/sparql-update",
    )


def _update(update: str) -> Response:
    writer("updates need a write token", "update")
    kg().update(update)
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
    graph.add((me, SD.feature, SD.UnionDefaultGraph))
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
                "kg: territorial control in the Syrian conflict. The default graph is the union of all named graphs. "
                "SERVICE is refused; updates need an admin's bearer token."
            ),
        )
    )
    return rdf(graph.serialize(format="nt"), negotiate(GRAPHS, default="turtle"))
