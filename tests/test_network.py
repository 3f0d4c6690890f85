"""No query, update or document makes kg reach the network: a listener on loopback counts every
connection while every known spelling of SERVICE, LOAD, FROM, default-graph-uri, remote JSON-LD
contexts and XML entities is thrown at /sparql, `kg query --sparql`, /validate and /submissions.

The listener (tests/listener.py) answers like a SPARQL endpoint (results naming ``LEAKED``), so
a leak would show both in its count and in kg's answer. tests/test_sandbox.py checks the second
guarantee alone: with the structural check switched off, the engine is asked to fetch and cannot.
"""

from __future__ import annotations

import json
import shutil
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from click.testing import CliRunner

from kg import pipeline, tokens
from kg.cli import main
from kg.config import Settings
from kg.store.embedded import EmbeddedStore

from .conftest import MINI
from .listener import Listener
from .server import running_server

TOKEN = "network-suite-token"
ENTRY = f"tester:admin:{tokens.digest(TOKEN)}"


@pytest.fixture(scope="module")
def listener() -> Iterator[Listener]:
    """One listener for the whole module: every test here must leave it at 0 connections."""
    listening = Listener()
    yield listening
    listening.close()


@pytest.fixture(scope="module")
def net_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The mini fixture's entities built into a store, with one write token."""
    root = tmp_path_factory.mktemp("network")
    data = root / "data"
    data.mkdir()
    shutil.copy(MINI / "entities.yaml", data / "entities.yaml")
    settings = Settings.from_env({}, data=data, corpus=MINI / "corpus", store=str(root / "store"), tokens=ENTRY)
    assert pipeline.build(settings).stored
    return settings


def checksum(settings: Settings) -> str:
    store = EmbeddedStore.open(settings.store)
    try:
        return store.checksum()
    finally:
        store.close()


@pytest.fixture(scope="module")
def baseline(net_settings: Settings) -> str:
    return checksum(net_settings)


@pytest.fixture(scope="module")
def server(net_settings: Settings) -> Iterator[str]:
    """A real `kg serve` (with its pool of query workers) on loopback over the built store."""
    env = {"KG_DATA": str(net_settings.data), "KG_TOKENS": ENTRY, "KG_WORKERS": "2"}
    with running_server(net_settings.store, net_settings.corpus, **env) as url:
        yield url


# --------------------------------------------------------------------------- spellings


def service_spellings(url: str) -> dict[str, str]:
    """Every way found to write a federated query to ``url``."""
    iri = f"<{url}>"
    group = "{ ?s ?p ?o }"
    spell = {
        "upper": f"SELECT * WHERE {{ SERVICE {iri} {group} }}",
        "lower": f"select * where {{ service {iri} {group} }}",
        "title": f"SELECT * WHERE {{ Service {iri} {group} }}",
        "mixed": f"SELECT * WHERE {{ sErViCe {iri} {group} }}",
        "silent": f"SELECT * WHERE {{ SERVICE SILENT {iri} {group} }}",
        "variable": f"SELECT * WHERE {{ VALUES ?where {{ {iri} }} SERVICE ?where {group} }}",
        "no-space": f"SELECT * WHERE {{?a ?b ?c}}SERVICE{iri}{group}",
        "glued-prefixed": f"PREFIX l: <{url}#>\nSELECT * WHERE {{ SERVICEl:x {group} }}",
        "subquery": f"SELECT * WHERE {{ {{ SELECT * WHERE {{ SERVICE {iri} {group} }} }} }}",
        "optional": f"SELECT * WHERE {{ ?a ?b ?c OPTIONAL {{ SERVICE {iri} {group} }} }}",
        "minus": f"SELECT * WHERE {{ ?a ?b ?c MINUS {{ SERVICE {iri} {group} }} }}",
        "exists": f"SELECT * WHERE {{ ?a ?b ?c FILTER EXISTS {{ SERVICE {iri} {group} }} }}",
        "not-exists": f"ASK {{ FILTER NOT EXISTS {{ SERVICE SILENT {iri} {group} }} }}",
        "union": f"SELECT * WHERE {{ {{ ?a ?b ?c }} UNION {{ SERVICE {iri} {group} }} }}",
        "graph": f"SELECT * WHERE {{ GRAPH ?g {{ SERVICE {iri} {group} }} }}",
        "construct": f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SERVICE {iri} {group} }}",
        "describe": f"DESCRIBE ?s WHERE {{ SERVICE {iri} {group} }}",
        "escape-u": f"SELECT * WHERE {{ \\u0053ERVICE {iri} {group} }}",
        "escape-U": f"SELECT * WHERE {{ SERVIC\\U00000045 {iri} {group} }}",
        "escaped-iri": f"SELECT * WHERE {{ SERVICE <\\u0068{url[1:]}> {group} }}",
        "fullwidth": f"SELECT * WHERE {{ ＳＥＲＶＩＣＥ {iri} {group} }}",
        "zero-width-inside": f"SELECT * WHERE {{ SER\u200bVICE {iri} {group} }}",
    }
    for name, end in {"cr": "\r", "u2028": "\u2028", "u2029": "\u2029", "nel": "\x85", "ff": "\f", "vt": "\v"}.items():
        spell[f"comment-ended-by-{name}"] = f"SELECT * WHERE {{ # a comment{end}SERVICE {iri} {group} }}"
    spaces = {"nbsp": "\u00a0", "ideographic": "\u3000", "bom": "\ufeff", "ogham": "\u1680", "nnbsp": "\u202f"}
    spaces |= {f"u{code:04x}": chr(code) for code in range(0x2000, 0x200B)}
    for name, space in spaces.items():
        spell[f"{name}-around"] = f"SELECT * WHERE {{{space}SERVICE{space}{iri}{space}{group} }}"
    spell["nbsp-inside-iri"] = f"SELECT * WHERE {{ SERVICE <{url}\u00a0> {group} }}"
    return spell


def load_spellings(url: str) -> dict[str, str]:
    """Every way found to write an update that fetches ``url``."""
    iri, graph = f"<{url}>", "<https://w3id.org/kg/graph/leak>"
    spell = {
        "upper": f"LOAD {iri}",
        "lower": f"load {iri}",
        "mixed": f"LoAd {iri}",
        "silent": f"LOAD SILENT {iri}",
        "silent-into-graph": f"LOAD SILENT {iri} INTO GRAPH {graph}",
        "no-space": f"LOAD{iri}",
        "second-operation": f"INSERT DATA {{ GRAPH {graph} {{ {graph} {graph} 1 }} }} ;\nLOAD {iri} INTO GRAPH {graph}",
        "escape": f"\\u004cOAD {iri}",
        "comment-ended-by-cr": f"# a comment\rLOAD {iri}",
        "comment-ended-by-u2028": f"# a comment\u2028LOAD {iri}",
        "nbsp": f"LOAD\u00a0{iri}",
        "ideographic": f"LOAD\u3000{iri}\u3000INTO GRAPH {graph}",
        "service-in-where": f"INSERT {{ GRAPH {graph} {{ ?s ?p ?o }} }} WHERE {{ SERVICE {iri} {{ ?s ?p ?o }} }}",
        "service-silent-delete": (
            f"DELETE {{ GRAPH ?g {{ ?s ?p ?o }} }} WHERE {{ SERVICE SILENT {iri} {{ ?s ?p ?o }} }}"
        ),
        "with-service": f"WITH {graph} INSERT {{ ?s ?p ?o }} WHERE {{ SERVICE {iri} {{ ?s ?p ?o }} }}",
    }
    return spell


def dataset_spellings(url: str) -> dict[str, str]:
    """Queries that name a remote graph without asking for a fetch: allowed, and never fetched."""
    return {
        "from": f"SELECT * FROM <{url}> WHERE {{ ?s ?p ?o }}",
        "from-named": f"SELECT * FROM NAMED <{url}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
        "graph-iri": f"SELECT * WHERE {{ GRAPH <{url}> {{ ?s ?p ?o }} }}",
        "describe-iri": f"DESCRIBE <{url}>",
    }


# --------------------------------------------------------------------------- HTTP


def http(url: str, *, data: bytes | None = None, headers: dict[str, str] | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace")


def send_query(base: str, how: str, text: str, **params: str) -> tuple[int, str]:
    accept = {"Accept": "application/sparql-results+json, text/turtle;q=0.5"}
    fields = {"query": text, **params}
    if how == "get":
        return http(f"{base}/sparql?{urllib.parse.urlencode(fields)}", headers=accept)
    if how == "form":
        form = {**accept, "Content-Type": "application/x-www-form-urlencoded"}
        return http(f"{base}/sparql", data=urllib.parse.urlencode(fields).encode(), headers=form)
    body = {**accept, "Content-Type": "application/sparql-query"}
    return http(f"{base}/sparql?{urllib.parse.urlencode(params)}", data=text.encode("utf-8"), headers=body)


def send_update(base: str, how: str, text: str, token: str | None) -> tuple[int, str]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if how == "form":
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        return http(f"{base}/sparql", data=urllib.parse.urlencode({"update": text}).encode(), headers=headers)
    headers["Content-Type"] = "application/sparql-update"
    return http(f"{base}/sparql", data=text.encode("utf-8"), headers=headers)


def error_of(body: str) -> dict[str, Any]:
    answer = json.loads(body)
    assert answer["ok"] is False and set(answer) == {"ok", "error", "errors", "status"}, answer
    return answer  # type: ignore[no-any-return]


SERVICE_NAMES = list(service_spellings("http://127.0.0.1:1/sparql"))
LOAD_NAMES = list(load_spellings("http://127.0.0.1:1/sparql"))
DATASET_NAMES = list(dataset_spellings("http://127.0.0.1:1/sparql"))


@pytest.mark.parametrize("how", ["get", "form", "body"])
@pytest.mark.parametrize("name", SERVICE_NAMES)
def test_sparql_endpoint_refuses_every_service_spelling(server: str, listener: Listener, name: str, how: str):
    """/sparql answers 403 in the one error shape, and the listener sees no connection."""
    status, body = send_query(server, how, service_spellings(listener.url)[name])
    assert status == 403, body
    assert "SERVICE is refused" in error_of(body)["error"]
    assert "LEAKED" not in body
    assert listener.seen() == 0


@pytest.mark.parametrize("token", [TOKEN, None], ids=["token", "no-token"])
@pytest.mark.parametrize("how", ["form", "body"])
@pytest.mark.parametrize("name", LOAD_NAMES)
def test_sparql_endpoint_refuses_every_fetching_update(
    server: str, listener: Listener, net_settings: Settings, baseline: str, name: str, how: str, token: str | None
):
    """An update that would LOAD or SERVICE is refused (403; 401 without a token), the store unchanged."""
    status, body = send_update(server, how, load_spellings(listener.url)[name], token)
    assert status == (403 if token else 401), body
    error_of(body)
    assert listener.seen() == 0
    assert checksum(net_settings) == baseline


@pytest.mark.parametrize("how", ["get", "form", "body"])
@pytest.mark.parametrize("name", DATASET_NAMES)
def test_remote_graph_names_are_never_fetched(server: str, listener: Listener, name: str, how: str):
    """FROM, FROM NAMED, GRAPH <iri> and DESCRIBE <iri> on a remote IRI run on the store only."""
    status, body = send_query(server, how, dataset_spellings(listener.url)[name])
    assert status == 200, body
    assert "LEAKED" not in body
    assert listener.seen() == 0


@pytest.mark.parametrize("how", ["get", "form", "body"])
@pytest.mark.parametrize("param", ["default-graph-uri", "named-graph-uri"])
def test_protocol_dataset_parameters_are_never_fetched(server: str, listener: Listener, param: str, how: str):
    """default-graph-uri / named-graph-uri naming the listener select an (empty) graph, no fetch."""
    text = "SELECT * WHERE { ?s ?p ?o }" if param == "default-graph-uri" else "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }"
    status, body = send_query(server, how, text, **{param: listener.url})
    assert status == 200, body
    assert "LEAKED" not in body
    assert json.loads(body)["results"]["bindings"] == []
    assert listener.seen() == 0


def test_legitimate_queries_still_run(server: str, listener: Listener):
    """A query that only mentions the words (literal, prefixed name, CRLF comment) runs as before."""
    text = 'PREFIX ex: <http://e/>\r\nSELECT * # no SERVICE here\r\nWHERE { ?s ex:service "LOAD" }'
    status, body = send_query(server, "body", text)
    assert status == 200, body
    assert listener.seen() == 0


# --------------------------------------------------------------------------- the CLI


@pytest.mark.parametrize("name", [*SERVICE_NAMES[::3], "comment-ended-by-cr", "nbsp-inside-iri"])
def test_kg_query_refuses_service(net_settings: Settings, listener: Listener, name: str):
    """`kg query --sparql` exits 2 with the refusal, and the listener sees no connection."""
    env = {"KG_STORE": net_settings.store, "KG_DATA": str(net_settings.data), "KG_CORPUS": str(net_settings.corpus)}
    result = CliRunner().invoke(main, ["query", "--sparql", service_spellings(listener.url)[name]], env=env)
    assert result.exit_code == 2, result.output
    assert "SERVICE is refused" in result.output
    assert listener.seen() == 0


@pytest.mark.parametrize("name", DATASET_NAMES)
def test_kg_query_never_fetches_remote_graphs(net_settings: Settings, listener: Listener, name: str):
    """`kg query --sparql` with FROM / GRAPH / DESCRIBE on the listener's IRI runs and fetches nothing."""
    env = {"KG_STORE": net_settings.store, "KG_DATA": str(net_settings.data), "KG_CORPUS": str(net_settings.corpus)}
    result = CliRunner().invoke(main, ["query", "--sparql", dataset_spellings(listener.url)[name]], env=env)
    assert result.exit_code == 0, result.output
    assert "LEAKED" not in result.output
    assert listener.seen() == 0


# --------------------------------------------------------------------------- documents


def documents(url: str) -> dict[str, tuple[str, bytes]]:
    """RDF documents that point at ``url`` in every way a parser might follow: (media type, body)."""
    node = {"@id": "https://w3id.org/kg/id/place/leak", "http://www.w3.org/2000/01/rdf-schema#label": "x"}
    xml_head = '<?xml version="1.0"?>\n'
    rdf = (
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="&e;"/></rdf:RDF>'
    )
    return {
        "jsonld-remote-context": ("application/ld+json", json.dumps({"@context": url, **node}).encode()),
        "jsonld-context-list": (
            "application/ld+json",
            json.dumps({"@context": [{"@vocab": "http://e/"}, url], **node}).encode(),
        ),
        "jsonld-nested-context": (
            "application/ld+json",
            json.dumps({**node, "http://e/p": {"@context": url, "@id": "http://e/o"}}).encode(),
        ),
        "jsonld-import": (
            "application/ld+json",
            json.dumps({"@context": {"@version": 1.1, "@import": url}, **node}).encode(),
        ),
        "jsonld-graph-remote": ("application/ld+json", json.dumps({"@context": url, "@graph": [node]}).encode()),
        "rdfxml-external-entity": (
            "application/rdf+xml",
            f'{xml_head}<!DOCTYPE rdf:RDF [<!ENTITY e SYSTEM "{url}">]>\n{rdf}'.encode(),
        ),
        "rdfxml-external-dtd": ("application/rdf+xml", f'{xml_head}<!DOCTYPE rdf:RDF SYSTEM "{url}">\n{rdf}'.encode()),
        "rdfxml-parameter-entity": (
            "application/rdf+xml",
            f'{xml_head}<!DOCTYPE rdf:RDF [<!ENTITY % p SYSTEM "{url}"> %p;]>\n{rdf}'.encode(),
        ),
        "rdfxml-utf16-entity": (
            "application/rdf+xml",
            f'<?xml version="1.0" encoding="UTF-16"?>\n<!DOCTYPE rdf:RDF [<!ENTITY e SYSTEM "{url}">]>\n{rdf}'.encode(
                "utf-16"
            ),
        ),
        "rdfxml-xml-base": (
            "application/rdf+xml",
            f'{xml_head}<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xml:base="{url}">'
            '<rdf:Description rdf:about="x"/></rdf:RDF>'.encode(),
        ),
        "turtle-base": ("text/turtle", f"@base <{url}> .\n<x> <y> <z> .\n".encode()),
        "turtle-prefix": ("text/turtle", f"@prefix l: <{url}#> .\nl:x l:y l:z .\n".encode()),
        "turtle-owl-imports": (
            "text/turtle",
            f"<https://w3id.org/kg/id/place/leak> <http://www.w3.org/2002/07/owl#imports> <{url}> .\n".encode(),
        ),
        "turtle-shapes-graph": (
            "text/turtle",
            f"<https://w3id.org/kg/id/place/leak> <http://www.w3.org/ns/shacl#shapesGraph> <{url}> .\n".encode(),
        ),
    }


DOCUMENT_NAMES = list(documents("http://127.0.0.1:1/"))


@pytest.mark.parametrize("name", DOCUMENT_NAMES)
def test_validate_never_fetches_what_a_document_points_at(server: str, listener: Listener, name: str):
    """POST /validate reads each document without following its contexts, entities or imports."""
    media, body = documents(listener.url)[name]
    status, answer = http(
        f"{server}/validate", data=body, headers={"Content-Type": media, "Accept": "application/json"}
    )
    assert status in {200, 400, 413, 415, 422}, answer
    assert "LEAKED" not in answer
    assert listener.seen() == 0


@pytest.mark.parametrize(
    "name", [n for n in DOCUMENT_NAMES if n.startswith(("jsonld", "rdfxml-ext", "rdfxml-p", "rdfxml-u"))]
)
def test_submissions_refuse_documents_that_point_away(
    server: str, listener: Listener, net_settings: Settings, baseline: str, name: str
):
    """POST /submissions refuses remote contexts and entities, stores nothing, fetches nothing."""
    media, body = documents(listener.url)[name]
    headers = {"Content-Type": media, "Accept": "application/json", "Authorization": f"Bearer {TOKEN}"}
    status, answer = http(f"{server}/submissions", data=body, headers=headers)
    assert status in {400, 422}, answer
    assert listener.seen() == 0
    assert checksum(net_settings) == baseline
