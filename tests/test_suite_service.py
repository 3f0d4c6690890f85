"""Against a real `kg serve` on loopback: the W3C Service Description suite's three entries,
the Graph Store Protocol suite's requests (refused with a clear 400: kg does not serve it),
SPARQLWrapper with every return format for every query form, HEAD and ``Vary: Accept``."""

from __future__ import annotations

import json
import shutil
import urllib.error
import urllib.request
import warnings
from collections.abc import Iterator
from typing import Any
from xml.dom.minidom import Document

import pytest
from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import RDF
from SPARQLWrapper import CSV, JSON, JSONLD, N3, RDFXML, TSV, TURTLE, XML, SPARQLWrapper
from SPARQLWrapper import RDF as RDF_FORMAT

from kg import pipeline, tokens
from kg.config import Settings

from .conftest import MINI
from .server import running_server
from .suites.manifests import HERE, MF, Expected, Request, cases, send

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
SD_MANIFEST = Graph().parse(HERE / "sparql11-service-description" / "manifest.ttl")
GSP_CASES = cases(HERE / "graph-store-protocol" / "manifest-indirect.ttl")
TOKEN = "service-suite-token"
# The SPARQL 1.1 Service Description vocabulary (https://www.w3.org/TR/sparql11-service-description/ §3).
SD_CLASSES = {"Service", "Feature", "Language", "Function", "Aggregate", "EntailmentRegime", "EntailmentProfile"}
SD_CLASSES |= {"GraphCollection", "Dataset", "Graph", "NamedGraph"}
SD_PROPERTIES = {"endpoint", "feature", "defaultEntailmentRegime", "entailmentRegime", "supportedEntailmentProfile"}
SD_PROPERTIES |= {"defaultSupportedEntailmentProfile", "extensionFunction", "extensionAggregate", "languageExtension"}
SD_PROPERTIES |= {"supportedLanguage", "propertyFeature", "defaultDataset", "availableGraphs", "resultFormat"}
SD_PROPERTIES |= {"inputFormat", "defaultGraph", "namedGraph", "name", "graph"}
SD_LANGUAGES = {SD.SPARQL10Query, SD.SPARQL11Query, SD.SPARQL11Update}
_ANY = Expected(frozenset({2, 3, 4}))
SD_FEATURES = {SD.DereferencesURIs, SD.UnionDefaultGraph, SD.RequiresDataset, SD.EmptyGraphs, SD.BasicFederatedQuery}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`kg serve` over the built mini fixture, with a write token."""
    folder = tmp_path_factory.mktemp("service")
    shutil.copytree(MINI, folder / "data", ignore=shutil.ignore_patterns("corpus"))
    settings = Settings.from_env({}, data=folder / "data", corpus=MINI / "corpus", store=str(folder / "store"))
    assert pipeline.build(settings).stored
    with running_server(settings.store, settings.corpus, KG_TOKENS=f"suite:admin:{tokens.digest(TOKEN)}") as url:
        yield url


@pytest.fixture(scope="module")
def description(server: str) -> Graph:
    with urllib.request.urlopen(urllib.request.Request(server + "/sparql", headers={"Accept": "text/turtle"})) as r:
        assert r.headers.get_content_type() == "text/turtle"
        return Graph().parse(data=r.read(), format="turtle")


def test_the_service_description_manifest_has_its_three_entries() -> None:
    """The kept Service Description manifest lists the three entries tested below."""
    names = {str(s).rsplit("#", 1)[-1] for s in SD_MANIFEST.subjects(RDF.type, MF.ServiceDescriptionTest)}
    assert names == {"has-endpoint-triple", "returns-rdf", "conforms-to-schema"}


def test_sd_returns_rdf(description: Graph) -> None:
    """returns-rdf: GET on the endpoint gives RDF (here Turtle) describing an sd:Service."""
    assert len(description) > 0 and any(description.subjects(RDF.type, SD.Service))


def test_sd_has_endpoint_triple(server: str, description: Graph) -> None:
    """has-endpoint-triple: the description says ``?service sd:endpoint <the URL asked>``."""
    assert (None, SD.endpoint, URIRef(server + "/sparql")) in description


def test_sd_conforms_to_schema(description: Graph) -> None:
    """conforms-to-schema: only terms of the SD vocabulary, languages and features it defines."""
    used = {t for triple in description for t in triple if isinstance(t, URIRef) and t.startswith(SD)}
    unknown = {
        t for t in used if t[len(SD) :] not in SD_CLASSES | SD_PROPERTIES and t not in SD_LANGUAGES | SD_FEATURES
    }
    assert not unknown, unknown
    assert set(description.objects(None, SD.supportedLanguage)) <= SD_LANGUAGES
    assert set(description.objects(None, SD.feature)) <= SD_FEATURES
    assert all(isinstance(o, URIRef) for o in description.objects(None, SD.endpoint))
    assert all(isinstance(o, URIRef) for o in description.objects(None, SD.name))


@pytest.mark.parametrize("case", GSP_CASES, ids=[c.id for c in GSP_CASES])
def test_graph_store_requests_are_refused_clearly(server: str, case: Any) -> None:
    """Each request of the Graph Store Protocol suite gets a 4xx that says GSP is not served
    (405 for a method /sparql has not), never a 2xx the client would take for the graph."""
    for request in case.requests:
        answer = send(server, request, "/gsp", extra={"Authorization": f"Bearer {TOKEN}"})
        assert answer.status in {400, 405, 415}, (request.method, request.path, answer.status)
        body = json.loads(answer.body) if request.method != "HEAD" else None
        if body is not None:
            assert body["ok"] is False and body["status"] == answer.status
            assert answer.status == 405 or "Graph Store HTTP Protocol" in body["error"]


def test_head_answers_as_get(server: str) -> None:
    """HEAD /sparql answers like GET (the service description's headers), not 415."""
    answer = send(server, Request("HEAD", "/sparql", (("Accept", "text/turtle"),), None, _ANY), "/sparql/")
    assert answer.status == 200 and answer.headers.get_content_type() == "text/turtle"


def test_negotiated_answers_vary_on_accept(server: str) -> None:
    """A query's answer and the service description say ``Vary: Accept``."""
    for path in ("/sparql", "/sparql?query=ASK%20%7B%7D"):
        answer = send(server, Request("GET", path, (), None, _ANY), "/sparql/")
        assert "accept" in answer.headers.get("Vary", "").lower(), path


QUERIES = {
    "SELECT": "SELECT ?s WHERE { ?s ?p ?o } LIMIT 1",
    "ASK": "ASK { ?s ?p ?o }",
    "CONSTRUCT": "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 3",
    "DESCRIBE": "DESCRIBE ?s WHERE { ?s ?p ?o } LIMIT 1",
}
RESULT_FORMATS = {JSON, XML, CSV, TSV}
GRAPH_FORMATS = {TURTLE, N3, XML, RDFXML, JSONLD, JSON, RDF_FORMAT}
ALL_FORMATS = [JSON, XML, TURTLE, N3, RDF_FORMAT, RDFXML, CSV, TSV, JSONLD]


@pytest.mark.parametrize("form", list(QUERIES))
@pytest.mark.parametrize("fmt", ALL_FORMATS)
def test_sparqlwrapper_every_format_every_form(server: str, form: str, fmt: str) -> None:
    """SPARQLWrapper, unchanged, gets each return format it offers for each query form: the
    answer in that format, or (a graph format for rows, rows for a graph) a 406 naming the offer."""
    client = SPARQLWrapper(server + "/sparql", returnFormat=fmt)
    client.setQuery(QUERIES[form])
    fits = fmt in (RESULT_FORMATS if form in {"SELECT", "ASK"} else GRAPH_FORMATS)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Sending Accept header", RuntimeWarning)  # SPARQLWrapper's own advice
        warnings.filterwarnings("ignore", "ConjunctiveGraph is deprecated", DeprecationWarning)  # its JSON-LD reader
        if not fits:
            with pytest.raises(urllib.error.HTTPError) as refused:
                client.query()
            assert refused.value.code == 406 and "not offered" in json.loads(refused.value.read())["error"]
            return
        converted = client.query().convert()
    _check_converted(form, fmt, converted)


def _check_converted(form: str, fmt: str, converted: Any) -> None:
    if form in {"CONSTRUCT", "DESCRIBE"}:
        graph = converted if isinstance(converted, Graph) else Graph().parse(data=converted, format="turtle")
        assert len(graph) > 0
    elif fmt == JSON:
        assert converted.get("boolean") is True or len(converted["results"]["bindings"]) == 1
    elif fmt == XML:
        assert isinstance(converted, Document) and converted.documentElement.tagName == "sparql"
    else:
        assert converted.decode("utf-8").strip(), (form, fmt)
