"""``/sparql``: the SPARQL 1.1 Protocol (query and update) over the store.

- query by GET ``?query=``, POST form (``query=``) or POST ``application/sparql-query``;
  ``default-graph-uri`` / ``named-graph-uri`` select the dataset;
- results chosen by ``Accept`` (or ``format=`` for browsers): SELECT/ASK as SPARQL JSON, XML,
  CSV or TSV; CONSTRUCT/DESCRIBE as Turtle, N-Triples, JSON-LD or RDF/XML; 406 when none fits;
- update by POST form (``update=``) or ``application/sparql-update``, only with a bearer token
  (401 without one, 403 with a wrong one); 415 for any other body type;
- ``/sparql`` with neither gives the W3C service description.
"""

from __future__ import annotations

from flask import Blueprint, Response, request
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF

from kg import formats, tokens
from kg.errors import Forbidden, NotAcceptable, Unauthorized, UnsupportedMediaType, UsageError
from kg.store import Dataset, QueryResult
from kg.web import settings, store

blueprint = Blueprint("endpoint", __name__)

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
FORMATS_NS = Namespace("http://www.w3.org/ns/formats/")
RESULT_TYPES = {  # media type → (format name, content type sent back)
    "application/sparql-results+json": ("json", "application/sparql-results+json"),
    "application/json": ("json", "application/sparql-results+json"),
    "application/sparql-results+xml": ("xml", "application/sparql-results+xml"),
    "application/xml": ("xml", "application/sparql-results+xml"),
    "text/csv": ("csv", "text/csv"),
    "text/tab-separated-values": ("tsv", "text/tab-separated-values"),
}
GRAPH_TYPES = {
    "text/turtle": "turtle",
    "application/n-triples": "ntriples",
    "application/ld+json": "jsonld",
    "application/rdf+xml": "rdfxml",
}
FORMAT_PARAM = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "turtle": "text/turtle",
    "ntriples": "application/n-triples",
    "jsonld": "application/ld+json",
    "rdfxml": "application/rdf+xml",
}


GRAPH_ALIASES = {"xml": "rdfxml", "json": "jsonld", "rdf": "rdfxml", "n3": "turtle", "nt": "ntriples"}


@blueprint.route("/sparql", methods=["GET", "POST"])
def sparql() -> Response:
    query, update = _operation()
    if query is None and update is None:
        return _service_description()
    if update is not None:
        return _update(update)
    assert query is not None
    config = settings()
    result = store().query(
        query,
        timeout=config.query_timeout,
        max_rows=config.max_rows,
        dataset=Dataset(
            tuple(request.values.getlist("default-graph-uri")), tuple(request.values.getlist("named-graph-uri"))
        ),
    )
    return render_result(result)


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
    config = settings()
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        raise Unauthorized("updates need a write token", hint="send 'Authorization: Bearer <token>'")
    if tokens.holder(config.tokens, header[len("Bearer ") :].strip()) is None:
        raise Forbidden("this token may not write", hint="ask for a token listed in KG_TOKENS")
    store().update(update)
    return Response(status=204)


def _chosen(offered: dict[str, object], default: str) -> str:
    """The media type to answer with: ``format=`` first, then Accept; 406 if nothing fits."""
    named = request.values.get("format")
    if named:
        # a name (csv), a media type (text/csv), or the generic xml/json that clients such as
        # SPARQLWrapper send for every query, which for a graph means RDF/XML or JSON-LD
        graph = "text/turtle" in offered
        media = named if named in offered else FORMAT_PARAM.get(GRAPH_ALIASES.get(named, named) if graph else named)
        if media in offered:
            return media
        raise NotAcceptable(
            f"format={named!r} is not offered for this result",
            hint="one of " + ", ".join(k for k, v in FORMAT_PARAM.items() if v in offered),
        )
    if not request.headers.get("Accept"):
        return default
    best = request.accept_mimetypes.best_match(list(offered))
    if best is None:
        if request.accept_mimetypes.best_match(["text/html"]) and request.accept_mimetypes["*/*"]:
            return default
        raise NotAcceptable(
            f"none of the types in Accept ({request.headers['Accept']}) can be given for this result",
            hint="accept one of " + ", ".join(offered),
        )
    return best


def render_result(result: QueryResult) -> Response:
    headers = {"X-KG-Truncated": "true" if result.truncated else "false"}
    if result.triples is not None:
        media = _chosen(GRAPH_TYPES, "text/turtle")  # type: ignore[arg-type]
        body = formats.convert_rdf(result.triples, GRAPH_TYPES[media])
        return Response(body, mimetype=media, headers=headers)
    media = _chosen(RESULT_TYPES, "application/sparql-results+json")  # type: ignore[arg-type]
    name, content_type = RESULT_TYPES[media]
    render = {"json": formats.to_json, "xml": formats.to_xml, "csv": formats.to_csv, "tsv": formats.to_tsv}[name]
    return Response(render(result), content_type=f"{content_type}; charset=utf-8", headers=headers)


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
    for name in store().info().graphs:
        named = BNode()
        graph.add((dataset, SD.namedGraph, named))
        graph.add((named, SD.name, URIRef(name)))
    graph.add(
        (
            me,
            URIRef("http://www.w3.org/2000/01/rdf-schema#comment"),
            Literal(
                "kg: territorial control in the Syrian conflict. The default graph is the union of all named graphs. "
                "SERVICE is refused; updates need a bearer token."
            ),
        )
    )
    media = _chosen(GRAPH_TYPES, "text/turtle")  # type: ignore[arg-type]
    body = formats.convert_rdf(graph.serialize(format="nt"), GRAPH_TYPES[media])
    return Response(body, mimetype=media)
