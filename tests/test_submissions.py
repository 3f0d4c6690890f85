"""Submissions: stored whole or not at all, each in its own graph with its provenance,
identical input stored once, retraction recorded — and the same under concurrency and a kill."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from kg import pipeline, tokens
from kg.config import Settings
from kg.store.embedded import EmbeddedStore
from kg.web import create_app

from .conftest import MINI
from .server import running_server

TOKEN = "token-for-submission-tests"
ENTRY = f"tester:{tokens.digest(TOKEN)}"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
KG = "https://w3id.org/kg/ontology#"


def place(n: int, label: str | None = None) -> bytes:
    """A small RDF submission introducing one new settlement in Testland."""
    return (
        f"<https://w3id.org/kg/id/place/new-{n}> a <{KG}Settlement> ;\n"
        f'  <http://www.w3.org/2000/01/rdf-schema#label> "{label or f"New Town {n}"}" ;\n'
        f"  <{KG}locatedIn> <https://w3id.org/kg/id/place/testland> .\n"
    ).encode()


@pytest.fixture
def settings(built_mini: Settings) -> Settings:
    from dataclasses import replace

    return replace(built_mini, tokens=ENTRY)


@pytest.fixture
def client(settings: Settings) -> Iterator[FlaskClient]:
    store = EmbeddedStore.open(settings.store)
    app = create_app(settings, store)
    with app.test_client() as c:
        yield c
    store.close()


def new_article(tmp_path: Path) -> tuple[bytes, bytes]:
    """The mini annotations as a new article (same invented text under another file name)."""
    text = (MINI / "corpus" / "mini.txt").read_bytes()
    annotation = (MINI / "articles" / "mini.yaml").read_text("utf-8").replace("file: mini.txt", "file: other.txt")
    return annotation.encode(), text


def test_an_annotated_article_is_stored_with_its_provenance(client: FlaskClient, tmp_path: Path) -> None:
    """A conforming article is stored as its own graph: 201, Location, record of who and what."""
    annotation, text = new_article(tmp_path)
    response = client.post(
        "/submissions",
        json={"annotation": annotation.decode(), "text": text.decode(), "name": "other.yaml"},
        headers=AUTH,
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert response.headers["Location"].endswith(f"/submissions/{body['id']}")
    shown = client.get(f"/submissions/{body['id']}").get_json()
    assert shown["record"]["wasAttributedTo"].endswith("/agent/tester")
    assert len(shown["record"]["inputSha256"]) == 2  # the annotation file and the text
    assert "sh:conforms true" in shown["report"]
    assert any("other/northtown-falls" in t for t in shown["triples"])
    listed = client.get("/submissions").get_json()["submissions"]
    assert [s["submitter"] for s in listed] == ["tester"]


def test_identical_input_is_stored_once(client: FlaskClient) -> None:
    """Sending the same document again answers 200 with the same graph, and adds nothing."""
    first = client.post("/submissions", data=place(1), content_type="text/turtle", headers=AUTH)
    again = client.post("/submissions", data=place(1), content_type="text/turtle", headers=AUTH)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.get_json()["graph"] == again.get_json()["graph"]
    assert len(client.get("/submissions").get_json()["submissions"]) == 1


def test_validate_never_stores(client: FlaskClient, settings: Settings) -> None:
    """POST /validate answers the report and changes nothing, even for a conforming document."""
    before = EmbeddedStore.open(settings.store).checksum()
    response = client.post("/validate", data=place(2), content_type="text/turtle")
    assert response.status_code == 200 and response.get_json()["conforms"] is True
    assert EmbeddedStore.open(settings.store).checksum() == before


def test_the_shacl_report_by_accept(client: FlaskClient) -> None:
    """A program that asks for Turtle gets the W3C SHACL validation report."""
    bad = place(3).replace(b"Settlement", b"Settlment")
    response = client.post("/validate", data=bad, content_type="text/turtle", headers={"Accept": "application/json"})
    assert response.status_code == 422
    assert "kg:Settlment is not a term of the ontology" in response.get_json()["problems"][0]["message"]


def test_writes_need_a_token(client: FlaskClient, settings: Settings) -> None:
    """No token, 401; a wrong token, 403; nothing stored either way."""
    before = EmbeddedStore.open(settings.store).checksum()
    assert client.post("/submissions", data=place(4), content_type="text/turtle").status_code == 401
    wrong = client.post(
        "/submissions", data=place(4), content_type="text/turtle", headers={"Authorization": "Bearer x"}
    )
    assert wrong.status_code == 403
    assert EmbeddedStore.open(settings.store).checksum() == before


def test_retraction_removes_the_graph_and_records_who_when_why(client: FlaskClient) -> None:
    """DELETE removes the statements; the record says who retracted it, when and why; again is 409."""
    stored = client.post("/submissions", data=place(5), content_type="text/turtle", headers=AUTH).get_json()
    ask = {"query": "ASK { <https://w3id.org/kg/id/place/new-5> ?p ?o }"}
    assert client.get("/sparql", query_string=ask).get_json()["boolean"] is True
    assert client.delete(f"/submissions/{stored['id']}?reason=wrong+town", headers=AUTH).status_code == 204
    assert client.get("/sparql", query_string=ask).get_json()["boolean"] is False
    (row,) = client.get("/submissions").get_json()["submissions"]
    assert (row["retractedBy"], row["why"]) == ("tester", "wrong town") and row["retracted"]
    assert client.delete(f"/submissions/{stored['id']}", headers=AUTH).status_code == 409
    again = client.post("/submissions", data=place(5), content_type="text/turtle", headers=AUTH)
    assert again.status_code == 409


def test_retraction_needs_a_token(client: FlaskClient) -> None:
    """Nobody retracts without a write token."""
    stored = client.post("/submissions", data=place(6), content_type="text/turtle", headers=AUTH).get_json()
    assert client.delete(f"/submissions/{stored['id']}").status_code == 401


def test_an_article_already_in_the_graph_is_refused(client: FlaskClient) -> None:
    """Submitting the built article again would write over its graph: refused with the field."""
    annotation = (MINI / "articles" / "mini.yaml").read_text("utf-8")
    text = (MINI / "corpus" / "mini.txt").read_text("utf-8")
    response = client.post("/submissions", json={"annotation": annotation, "text": text}, headers=AUTH)
    assert response.status_code == 422
    assert "already in the graph" in response.get_json()["problems"][0]["message"]


def test_kg_submit_stores_locally_and_reports(settings: Settings, tmp_path: Path) -> None:
    """kg submit stores a conforming file (exit 0) and refuses a bad one (exit 1)."""
    from click.testing import CliRunner

    from kg.cli import main

    good, bad = tmp_path / "good.ttl", tmp_path / "bad.ttl"
    good.write_bytes(place(7))
    bad.write_bytes(place(8).replace(b"testland", b"nowhere"))
    env = {"KG_STORE": settings.store, "KG_DATA": str(settings.data), "KG_CORPUS": str(settings.corpus)}
    ok = CliRunner().invoke(main, ["submit", str(good), "--as", "carol"], env=env)
    assert ok.exit_code == 0, ok.output
    assert "stored as https://w3id.org/kg/graph/submission/" in ok.output
    refused = CliRunner().invoke(main, ["submit", str(bad)], env=env)
    assert refused.exit_code == 1 and "neither in the graph nor introduced" in refused.output


# --------------------------------------------------------------------------- over a real server


def post(url: str, body: bytes, token: str = TOKEN) -> tuple[int, dict]:
    request = urllib.request.Request(
        url + "/submissions",
        data=body,
        method="POST",
        headers={"Content-Type": "text/turtle", "Authorization": f"Bearer {token}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_twenty_concurrent_submitters(settings: Settings) -> None:
    """20 clients at once: every accepted submission is there, every rejected one is absent."""
    with running_server(settings.store, settings.corpus, KG_TOKENS=ENTRY) as url:
        bodies = {
            n: place(100 + n) if n % 4 else place(100 + n).replace(b"Settlement", b"Setlement") for n in range(20)
        }
        answers: dict[int, int] = {}

        def send(n: int) -> None:
            answers[n] = post(url, bodies[n])[0]

        threads = [threading.Thread(target=send, args=(n,)) for n in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert sorted(answers) == list(range(20))
        assert {n for n, status in answers.items() if status == 201} == {n for n in range(20) if n % 4}
        assert {n for n, status in answers.items() if status == 422} == {n for n in range(20) if not n % 4}
    store = EmbeddedStore.open(settings.store)
    for n in range(20):
        present = store.query("ASK { ?s ?p ?o }", {"s": _uri(f"https://w3id.org/kg/id/place/new-{100 + n}")}).boolean
        assert present == bool(n % 4), n


def _uri(iri: str):  # type: ignore[no-untyped-def]
    from kg.store import RdfTerm

    return RdfTerm("uri", iri)


def big_submission(n: int) -> bytes:
    """One place with n alternate names: large to store, cheap to validate."""
    lines = [
        f"<https://w3id.org/kg/id/place/big> a <{KG}Settlement> ;",
        '  <http://www.w3.org/2000/01/rdf-schema#label> "Big" ;',
        f"  <{KG}locatedIn> <https://w3id.org/kg/id/place/testland> ;",
    ]
    lines += [f'  <http://www.w3.org/2004/02/skos/core#altLabel> "Big {i}" ;' for i in range(n)]
    lines.append('  <http://www.w3.org/2004/02/skos/core#altLabel> "Big last" .')
    return "\n".join(lines).encode()


def test_sigkill_while_storing_leaves_all_or_nothing(settings: Settings) -> None:
    """Kill the server with SIGKILL while it stores a large submission: after a restart the store
    opens, and holds the whole submission or none of it."""
    from dataclasses import replace

    root = Path(settings.store)
    before = {p.name for p in root.glob("db-*")}
    body = big_submission(30_000)
    environ = {
        **os.environ,
        "KG_STORE": settings.store,
        "KG_TOKENS": ENTRY,
        "KG_MAX_BODY": str(10 * len(body)),
        "KG_MAX_NAMES": "40000",
        "KG_HOST": "127.0.0.1",
        "KG_PORT": "0",
    }
    server = subprocess.Popen([sys.executable, "-m", "kg.cli", "serve"], env=environ, stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        url = server.stdout.readline().strip().rsplit(" ", 1)[-1].rstrip("/")
        sender = threading.Thread(target=lambda: _swallow(lambda: post(url, body)))
        sender.start()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and {p.name for p in root.glob("db-*")} == before:
            time.sleep(0.01)  # wait until storing has begun: a new database folder appears
        assert {p.name for p in root.glob("db-*")} != before, "storing never started"
        os.kill(server.pid, signal.SIGKILL)
        server.wait(timeout=10)
        sender.join(timeout=10)
    finally:
        if server.poll() is None:
            server.kill()
        server.wait(timeout=10)
        if server.stdout:
            server.stdout.close()
    store = EmbeddedStore.open(replace(settings, tokens=ENTRY).store)
    count = store.query("SELECT (COUNT(*) AS ?n) WHERE { <https://w3id.org/kg/id/place/big> ?p ?o }").rows[0]["n"].value
    assert int(count) in {0, 30_000 + 4}, count
    assert pipeline.build(settings).stored  # and the store can still be written


def _swallow(call) -> None:  # type: ignore[no-untyped-def]
    with contextlib.suppress(OSError):  # the server dies under the request, as intended
        call()
