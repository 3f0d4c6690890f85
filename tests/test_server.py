"""A real server on loopback: unchanged SPARQL clients (SPARQLWrapper, rdflib's SPARQLStore),
and a runaway query that is stopped at its time limit while another client is answered."""

from __future__ import annotations

import contextlib
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


def settled(workers: set[int], guard: float = 60) -> dict[int, int]:
    """The CPU ticks of each worker once none is working: a worker still starting (importing kg)
    would otherwise look like the one running a query. (Polled; ``guard`` only bounds a hang.)"""
    deadline = time.monotonic() + guard
    last = {pid: cpu_ticks(pid) for pid in workers}
    while time.monotonic() < deadline:
        time.sleep(0.3)
        now = {pid: cpu_ticks(pid) for pid in workers}
        if all(now[pid] - last[pid] <= 1 for pid in workers):
            return now
        last = now
    raise AssertionError(f"the query workers {sorted(workers)} never went idle")


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


def replaced(pid: int, killed: int, guard: float = 60) -> int:
    """How many query workers the server has once ``killed`` is gone and its replacement is up
    (the pool answers first, then reaps and replaces in the background; ``guard`` bounds a hang)."""
    deadline = time.monotonic() + guard
    while (killed in (workers := query_workers(pid)) or len(workers) < 3) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert killed not in workers
    return len(workers)


def test_a_runaway_query_is_stopped_while_others_are_answered(serving: tuple[str, int]) -> None:
    """A runaway query keeps one worker busy; a simple query sent meanwhile is answered while it
    still runs; then it ends in 503 naming the limit, and its worker is replaced by a new one."""
    server, pid = serving
    assert ask(server) == 200  # the workers are up and warm
    workers = query_workers(pid)
    assert len(workers) == 3  # KG_WORKERS=2 and the one reserved for short queries
    before = settled(workers)
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
    assert replaced(pid, busy) == 3  # killed, and a fresh worker in its place (KG_WORKERS=2 and the reserve)
    assert ask(server) == 200


LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"
PROMISE = 1.0  # seconds past its time limit by which a runaway's answer arrives (the README's promise)
RUNAWAYS = {
    "counting a cross product": RUNAWAY,
    "sorting a cross product (a worker holding much memory)": (
        f"SELECT ?x ?y ?z ?w WHERE {{ ?a {LABEL} ?x . ?b {LABEL} ?y . ?c {LABEL} ?z . ?d {LABEL} ?w }} ORDER BY ?w ?z"
    ),
    "a long text that spells 'service' (slow to check)": RUNAWAY.replace(
        'FILTER (CONCAT(?x, ?y, ?z, ?w) != "")',
        'FILTER (CONCAT(?x, ?y, ?z, ?w) != "service") '
        + " ".join(f"{{ ?s{i} {LABEL} ?t{i} }} UNION" for i in range(300))
        + " {}",
    ),
}


@pytest.fixture(scope="module")
def one_second(seed: tuple[Settings, object]) -> Iterator[str]:
    """`kg serve` over the seed graph with a 1 s query time limit and two workers."""
    with served(seed[0].store, SEED_CORPUS, KG_QUERY_TIMEOUT="1", KG_WORKERS="2") as (url, _pid):
        for _ in range(30):  # the workers are still starting: a first query may overrun 1 s
            with contextlib.suppress(urllib.error.HTTPError):
                if ask(url) == 200:
                    break
        yield url


@pytest.mark.parametrize("kind", RUNAWAYS, ids=list(RUNAWAYS))
def test_a_runaway_is_answered_by_its_limit_plus_one_second(one_second: str, kind: str) -> None:
    """The promise, not a speed: a runaway's 503 naming the limit arrives within the limit plus
    one second of sending it, wherever the time goes (checking the text, the engine, the kill)."""
    request = urllib.request.Request(
        one_second + "/sparql", data=urllib.parse.urlencode({"query": RUNAWAYS[kind]}).encode(), method="POST"
    )
    sent = time.monotonic()
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=60)
    took = time.monotonic() - sent
    assert caught.value.code == 503 and "longer than 1 s" in json.loads(caught.value.read())["error"]
    assert took <= 1 + PROMISE, f"answered {took:.2f} s after it was sent, against a limit of 1 s"
