"""A real server on loopback: unchanged SPARQL clients (SPARQLWrapper, rdflib's SPARQLStore),
and a runaway query that is stopped at its time limit while another client is answered."""

from __future__ import annotations

import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator

import pytest
from rdflib import Graph, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, TURTLE, SPARQLWrapper

from kg import pipeline
from kg.config import Settings

from .conftest import SEED_CORPUS
from .server import running_server

QARYATAYN = "https://w3id.org/kg/id/place/al-qaryatayn"
TIME_LIMIT = 2.0
# Four copies of every label, crossed: far too many rows to finish within the limit.
RUNAWAY = """SELECT (COUNT(*) AS ?n) WHERE {
  ?a <http://www.w3.org/2000/01/rdf-schema#label> ?x . ?b <http://www.w3.org/2000/01/rdf-schema#label> ?y .
  ?c <http://www.w3.org/2000/01/rdf-schema#label> ?z . ?d <http://www.w3.org/2000/01/rdf-schema#label> ?w .
  FILTER (CONCAT(?x, ?y, ?z, ?w) != "") }"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not SEED_CORPUS.is_dir():
        pytest.skip(f"the seed corpus is not at {SEED_CORPUS}")
    store = str(tmp_path_factory.mktemp("served") / "store")
    assert pipeline.build(Settings.from_env({}, store=store, corpus=SEED_CORPUS)).stored
    with running_server(store, SEED_CORPUS, KG_QUERY_TIMEOUT=str(TIME_LIMIT), KG_WORKERS="2") as url:
        yield url


def test_sparqlwrapper_reads_json_and_csv(server: str) -> None:
    """SPARQLWrapper, unchanged, queries the endpoint by GET and POST and reads JSON and CSV."""
    client = SPARQLWrapper(server + "/sparql")
    client.setQuery(f"SELECT ?alt WHERE {{ <{QARYATAYN}> <http://www.w3.org/2004/02/skos/core#altLabel> ?alt }}")
    client.setReturnFormat(JSON)
    names = {b["alt"]["value"] for b in client.queryAndConvert()["results"]["bindings"]}  # type: ignore[index]
    assert {"Qaryatayn", "Al-Qaryatain"} <= names
    client.setMethod("POST")
    client.setReturnFormat(CSV)
    assert b"Al-Qaryatain" in client.queryAndConvert()  # type: ignore[operator]


def test_sparqlwrapper_construct_as_turtle(server: str) -> None:
    """A CONSTRUCT through SPARQLWrapper comes back as a graph rdflib can read."""
    client = SPARQLWrapper(server + "/sparql")
    client.setQuery(f"CONSTRUCT {{ <{QARYATAYN}> ?p ?o }} WHERE {{ <{QARYATAYN}> ?p ?o }}")
    client.setReturnFormat(TURTLE)
    graph = Graph().parse(data=client.queryAndConvert(), format="turtle")  # type: ignore[arg-type]
    assert (URIRef(QARYATAYN), None, None) in graph


def test_rdflib_sparqlstore_reads_the_graph(server: str) -> None:
    """rdflib's SPARQLStore, pointed at the endpoint, answers triple patterns and queries."""
    graph = Graph(store=SPARQLStore(server + "/sparql"))
    labels = list(graph.objects(URIRef(QARYATAYN), URIRef("http://www.w3.org/2000/01/rdf-schema#label")))
    assert [str(label) for label in labels] == ["al-Qaryatayn"]
    rows = list(graph.query("SELECT (COUNT(*) AS ?n) WHERE { ?s a <https://w3id.org/kg/ontology#Article> }"))
    assert int(rows[0][0]) == 5  # type: ignore[index]


def test_a_runaway_query_is_stopped_while_others_are_answered(server: str) -> None:
    """An exponential query is stopped near the limit; meanwhile a simple query returns promptly."""
    outcome: dict[str, object] = {}

    def runaway() -> None:
        started = time.monotonic()
        request = urllib.request.Request(
            server + "/sparql", data=urllib.parse.urlencode({"query": RUNAWAY}).encode(), method="POST"
        )
        try:
            urllib.request.urlopen(request, timeout=30)
            outcome["status"] = 200
        except urllib.error.HTTPError as error:
            outcome["status"] = error.code
        outcome["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=runaway)
    thread.start()
    time.sleep(0.3)  # the runaway query is now running in a worker
    started = time.monotonic()
    query = urllib.parse.urlencode({"query": "ASK { ?s ?p ?o }"})
    with urllib.request.urlopen(f"{server}/sparql?{query}", timeout=10) as response:
        assert response.status == 200
    simple_seconds = time.monotonic() - started
    assert thread.is_alive(), "the runaway query finished too soon to show anything"
    thread.join(timeout=30)
    assert outcome["status"] == 503
    assert TIME_LIMIT - 0.5 <= outcome["seconds"] < TIME_LIMIT + 3  # type: ignore[operator]
    assert simple_seconds < 1.0
    with urllib.request.urlopen(f"{server}/sparql?{query}", timeout=10) as response:
        assert response.status == 200  # the worker that was killed has been replaced
