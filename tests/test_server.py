"""A real server on loopback: unchanged SPARQL clients (SPARQLWrapper, rdflib's SPARQLStore),
and a runaway query that is stopped at its time limit while another client is answered."""

from __future__ import annotations

import json
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
from .server import cpu_ticks, query_workers, served

QARYATAYN = "https://w3id.org/kg/id/place/al-qaryatayn"
TIME_LIMIT = 5.0  # long enough for a simple query to be answered meanwhile, on a loaded machine
# Four copies of every label, crossed: far too many rows to finish within the limit.
RUNAWAY = """SELECT (COUNT(*) AS ?n) WHERE {
  ?a <http://www.w3.org/2000/01/rdf-schema#label> ?x . ?b <http://www.w3.org/2000/01/rdf-schema#label> ?y .
  ?c <http://www.w3.org/2000/01/rdf-schema#label> ?z . ?d <http://www.w3.org/2000/01/rdf-schema#label> ?w .
  FILTER (CONCAT(?x, ?y, ?z, ?w) != "") }"""


@pytest.fixture(scope="module")
def serving(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    """`kg serve` with two query workers (and one reserved) over the seed corpus: its base URL and its pid."""
    if not SEED_CORPUS.is_dir():
        pytest.skip(f"the seed corpus is not at {SEED_CORPUS}")
    store = str(tmp_path_factory.mktemp("served") / "store")
    assert pipeline.build(Settings.from_env({}, store=store, corpus=SEED_CORPUS)).stored
    with served(store, SEED_CORPUS, KG_QUERY_TIMEOUT=f"{TIME_LIMIT:g}", KG_WORKERS="2") as url_and_pid:
        yield url_and_pid


@pytest.fixture(scope="module")
def server(serving: tuple[str, int]) -> str:
    return serving[0]


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


def ask(server: str) -> int:
    query = urllib.parse.urlencode({"query": "ASK { ?s ?p ?o }"})
    with urllib.request.urlopen(f"{server}/sparql?{query}", timeout=60) as response:
        return int(response.status)


def busy_worker(workers: set[int], before: dict[int, int], guard: float = 60) -> int:
    """The worker whose CPU time has grown by a few ticks since ``before``: the one running a query.
    (Polled; ``guard`` only bounds a hang.)"""
    deadline = time.monotonic() + guard
    while time.monotonic() < deadline:
        for pid in workers:
            if cpu_ticks(pid) - before[pid] >= 5:
                return pid
        time.sleep(0.05)
    raise AssertionError(f"no query worker of {sorted(workers)} started working")


def test_a_runaway_query_is_stopped_while_others_are_answered(serving: tuple[str, int]) -> None:
    """A runaway query keeps one worker busy; a simple query sent meanwhile is answered while it
    still runs; then it ends in 503 naming the limit, and its worker is replaced by a new one."""
    server, pid = serving
    assert ask(server) == 200  # both workers are up and warm
    workers = query_workers(pid)
    assert len(workers) == 3  # KG_WORKERS=2 and the one reserved for short queries
    before = {worker: cpu_ticks(worker) for worker in workers}
    outcome: dict[str, object] = {}

    def runaway() -> None:
        request = urllib.request.Request(
            server + "/sparql", data=urllib.parse.urlencode({"query": RUNAWAY}).encode(), method="POST"
        )
        try:
            urllib.request.urlopen(request, timeout=60)
            outcome["status"] = 200
        except urllib.error.HTTPError as error:
            outcome["status"], outcome["body"] = error.code, json.loads(error.read())

    thread = threading.Thread(target=runaway)
    thread.start()
    busy = busy_worker(workers, before)
    assert ask(server) == 200
    assert thread.is_alive(), "the runaway query finished before the simple one was answered"
    thread.join(60)
    assert outcome["status"] == 503
    assert f"longer than {TIME_LIMIT:g} s" in outcome["body"]["error"]  # type: ignore[index]
    replaced = query_workers(pid)
    assert busy not in replaced and len(replaced) == 3  # killed, and a fresh worker in its place
    assert ask(server) == 200
