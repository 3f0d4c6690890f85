"""Writes that are accepted cannot hurt: no axioms from a submission, at every entrance; bounded
size and shape, and no stored entity that takes a public route down; identical concurrent
submissions stored once."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient

from kg import tokens
from kg.cli import main
from kg.config import Settings
from kg.store.embedded import EmbeddedStore
from kg.web import create_app

from .server import running_server

KG = "https://w3id.org/kg/ontology#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
PROV = "http://www.w3.org/ns/prov#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
TOKEN = "token-for-limit-tests"
ENTRY = f"tester:submitter:{tokens.digest(TOKEN)}"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
AXIOM = f"<{PROV}Agent> <{RDFS}subClassOf> <{KG}Settlement> .\n".encode()


def place(n: int, *, names: int = 0, extra: str = "") -> bytes:
    """A new settlement in Testland with ``names`` alternate names and ``extra`` statements."""
    lines = [
        f"<https://w3id.org/kg/id/place/limit-{n}> a <{KG}Settlement> ;",
        f'  <{RDFS}label> "Limit Town {n}" ;',
        *(f'  <{SKOS}altLabel> "Limit Town {n} alias {i}" ;' for i in range(names)),
        f"  <{KG}locatedIn> <https://w3id.org/kg/id/place/testland> .",
        extra,
    ]
    return "\n".join(lines).encode()


@pytest.fixture
def settings(built_mini: Settings) -> Settings:
    return replace(built_mini, tokens=ENTRY)


@pytest.fixture
def client(settings: Settings) -> Iterator[FlaskClient]:
    store = EmbeddedStore.open(settings.store)
    with create_app(settings, store).test_client() as c:
        yield c
    store.close()


# --------------------------------------------------------------------------- no axioms


def test_an_axiom_is_refused_at_every_entrance(client: FlaskClient, settings: Settings, tmp_path: Path) -> None:
    """prov:Agent rdfs:subClassOf kg:Settlement: kg submit exits 1, POST /submissions is 422, POST
    /validate reports it — each naming the triple; nothing is stored."""
    before = EmbeddedStore.open(settings.store).checksum()
    named = "prov:Agent rdfs:subClassOf kg:Settlement is refused"
    for response in (
        client.post("/submissions", data=AXIOM, content_type="text/turtle", headers=AUTH),
        client.post("/validate", data=AXIOM, content_type="text/turtle"),
    ):
        assert response.status_code == 422, response.get_json()
        messages = [p["message"] for p in response.get_json()["problems"]]
        assert any(named in m and "not add or change axioms" in m for m in messages), messages
    document = tmp_path / "axiom.ttl"
    document.write_bytes(AXIOM)
    env = {"KG_STORE": settings.store, "KG_DATA": str(settings.data), "KG_CORPUS": str(settings.corpus)}
    refused = CliRunner().invoke(main, ["submit", str(document), "--as", "carol"], env=env)
    assert refused.exit_code == 1 and named in refused.output, refused.output
    assert EmbeddedStore.open(settings.store).checksum() == before


@pytest.mark.parametrize(
    ("statement", "words"),
    [
        (f"<{KG}Actor> <{OWL}equivalentClass> <{KG}Place> .", "owl#equivalentClass states an axiom"),
        (f"<https://e.org/p> <{RDFS}domain> <{KG}Place> .", "rdf-schema#domain states an axiom"),
        (f"<https://e.org/p> <{RDFS}subPropertyOf> <{KG}locatedIn> .", "subPropertyOf states an axiom"),
        (f"<https://e.org/p> <{OWL}inverseOf> <{KG}locatedIn> .", "inverseOf states an axiom"),
        (f"<https://e.org/p> a <{OWL}TransitiveProperty> .", "makes it a class or property"),
        (f"<https://e.org/C> a <{OWL}Class> .", "makes it a class or property"),
        (f'<{PROV}Agent> <{RDFS}label> "a place" .', "is a term of a vocabulary"),
        (f"<https://w3id.org/kg/id/place/limit-1> <{OWL}sameAs> <https://w3id.org/kg/id/place/testland> .", "sameAs"),
    ],
)
def test_other_axioms_are_refused_naming_the_triple(client: FlaskClient, statement: str, words: str) -> None:
    """Types, subproperties, domains, inverses, equivalences, sameAs and statements about vocabulary
    terms are refused beside an otherwise valid place, with the triple in the message."""
    response = client.post("/validate", data=place(1, extra=statement), content_type="text/turtle")
    assert response.status_code == 422
    messages = [p["message"] for p in response.get_json()["problems"]]
    assert any(words in m and " is refused: " in m for m in messages), messages


def test_a_place_with_a_few_names_still_conforms(client: FlaskClient) -> None:
    """Instances with labels, alternate names and a comment are what a submission is for: 200."""
    body = place(2, names=5, extra=f'<https://w3id.org/kg/id/place/limit-2> <{RDFS}comment> "a town" .')
    response = client.post("/validate", data=body, content_type="text/turtle")
    assert response.status_code == 200, response.get_json()


# --------------------------------------------------------------------------- bounded size and shape


def test_a_place_with_10001_names_is_refused(client: FlaskClient, settings: Settings) -> None:
    """10,001 alternate names on one place: 422 naming the place and KG_MAX_NAMES; nothing stored."""
    before = EmbeddedStore.open(settings.store).checksum()
    response = client.post("/submissions", data=place(3, names=10_001), content_type="text/turtle", headers=AUTH)
    assert response.status_code == 422
    (problem,) = response.get_json()["problems"]
    assert "place/limit-3> has 10,002 names" in problem["message"] and "KG_MAX_NAMES" in problem["message"]
    assert EmbeddedStore.open(settings.store).checksum() == before


def test_long_values_and_too_many_statements_are_refused(settings: Settings) -> None:
    """A value over KG_MAX_LITERAL and a graph over KG_MAX_STATEMENTS are refused, saying which setting."""
    store = EmbeddedStore.open(settings.store)
    strict = replace(settings, max_literal=100, max_statements=20)
    with create_app(strict, store).test_client() as c:
        long = place(4, extra=f'<https://w3id.org/kg/id/place/limit-4> <{RDFS}comment> "{"x" * 101}" .')
        first = c.post("/validate", data=long, content_type="text/turtle").get_json()["problems"][0]["message"]
        assert "101 characters long" in first and "KG_MAX_LITERAL" in first
        many = c.post("/validate", data=place(5, names=20), content_type="text/turtle").get_json()["problems"]
        assert "23 statements" in many[0]["message"] and "KG_MAX_STATEMENTS" in many[0]["message"]
    store.close()


def test_a_stored_entity_with_10001_names_takes_no_public_route_down(settings: Settings) -> None:
    """However an entity with 10,001 names got into the store (here written to it directly),
    reconciliation, its suggest and preview, and the Linked Places export answer 200 for everyone."""
    store = EmbeddedStore.open(settings.store)
    big = "https://w3id.org/kg/id/place/huge"
    triples = [f"<{big}> a <{KG}Settlement>", f'<{big}> <{RDFS}label> "Huge"']
    triples += [f'<{big}> <{SKOS}altLabel> "Huge {i}"' for i in range(10_001)]
    store.update("INSERT DATA { GRAPH <https://w3id.org/kg/graph/admin> { " + " . ".join(triples) + " } }")
    with create_app(settings, store).test_client() as c:
        answers = [
            c.get("/reconcile", query_string={"queries": json.dumps({"q0": {"query": "Northtown"}})}),
            c.get("/reconcile", query_string={"queries": json.dumps({"q0": {"query": "Huge"}})}),
            c.get("/reconcile/suggest/entity", query_string={"prefix": "Hu"}),
            c.get("/reconcile/preview", query_string={"id": "place/huge"}),
            c.get("/export/places.lpf.json"),
        ]
        assert [a.status_code for a in answers] == [200] * 5, [a.get_data(as_text=True)[:300] for a in answers]
        assert answers[1].get_json()["q0"]["result"][0]["id"] == "place/huge"
    store.close()


# --------------------------------------------------------------------------- identical and concurrent


def post(url: str, body: bytes) -> tuple[int, dict]:
    request = urllib.request.Request(
        url + "/submissions", data=body, method="POST", headers={"Content-Type": "text/turtle", **AUTH}
    )
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_five_concurrent_identical_submissions_are_stored_once(settings: Settings) -> None:
    """Five clients send the same document at once over HTTP: one 201, four 200 with the same
    submission; one graph, one record with one timestamp, one row in GET /submissions."""
    body = place(6, names=50)
    with running_server(settings.store, settings.corpus, KG_TOKENS=ENTRY) as url:
        answers: list[tuple[int, dict]] = []
        start = threading.Barrier(5)

        def send() -> None:
            start.wait()
            answers.append(post(url, body))

        threads = [threading.Thread(target=send) for _ in range(5)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert sorted(status for status, _ in answers) == [200, 200, 200, 200, 201], answers
        assert len({answer["id"] for _, answer in answers}) == 1
        (sid,) = {answer["id"] for _, answer in answers}
        with urllib.request.urlopen(f"{url}/submissions", timeout=60) as response:
            rows = json.loads(response.read())["submissions"]
        with urllib.request.urlopen(f"{url}/submissions/{sid}", timeout=60) as response:
            record = json.loads(response.read())["record"]
    assert [row["submission"].rsplit("/", 1)[-1] for row in rows] == [sid]
    assert isinstance(record["generatedAtTime"], str)  # one timestamp, not a list of them
    store = EmbeddedStore.open(settings.store)
    graphs = store.query(
        "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } "
        'FILTER STRSTARTS(STR(?g), "https://w3id.org/kg/graph/submission/") }'
    )
    store.close()
    assert len(graphs.rows) == 1
