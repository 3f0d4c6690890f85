"""No query, update or document makes kg reach the network: a listener on loopback counts every
connection while every known spelling of SERVICE, LOAD, FROM, default-graph-uri, remote JSON-LD
contexts and XML entities is thrown at /sparql, `kg query --sparql`, /validate and /submissions.

The listener answers like a SPARQL endpoint (results naming ``LEAKED``), so a leak would show both
in its count and in kg's answer. The second half checks the sandbox alone: with the structural
check switched off, the engine is asked to fetch and cannot.
"""

from __future__ import annotations

import json
import select
import shutil
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from kg import pipeline, tokens
from kg import sparql as sparql_text
from kg.cli import main
from kg.config import Settings
from kg.errors import KgError, QueryError
from kg.store import sandbox
from kg.store.embedded import EmbeddedStore
from kg.store.pool import QueryPool

from .conftest import MINI
from .server import running_server

TOKEN = "network-suite-token"
ENTRY = f"tester:{tokens.digest(TOKEN)}"
LIFETIME = 900  # seconds the listener lives at most, even if a test forgets to stop it
MAX_CONNECTIONS = 50
RESULTS = b'{"head":{"vars":["s"]},"results":{"bindings":[{"s":{"type":"literal","value":"LEAKED"}}]}}'
TURTLE = b'<http://leak.example/s> <http://leak.example/p> "LEAKED" .\n'


class Listener:
    """A TCP listener on 127.0.0.1 that accepts, counts and answers like a SPARQL endpoint."""

    def __init__(self) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.bind(("127.0.0.1", 0))
        self._socket.listen(64)
        self._socket.setblocking(False)
        self.port = self._socket.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/sparql"
        self.connections = 0
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._deadline = time.monotonic() + LIFETIME
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stopped.is_set() and time.monotonic() < self._deadline:
            if self.connections >= MAX_CONNECTIONS:
                break
            ready, _, _ = select.select([self._socket], [], [], 0.1)
            if ready:
                self._take()
        self._stopped.set()

    def _take(self) -> bool:
        """Accept one waiting connection, if any, and answer it."""
        with self._lock:
            try:
                conn, _ = self._socket.accept()
            except (BlockingIOError, OSError):
                return False
            self.connections += 1
        with conn:
            conn.settimeout(2)
            try:
                request = conn.recv(65536)
                body, kind = (
                    (TURTLE, "text/turtle")
                    if b"turtle" in request.lower()
                    else (RESULTS, "application/sparql-results+json")
                )
                head = f"HTTP/1.1 200 OK\r\nContent-Type: {kind}\r\nContent-Length: {len(body)}\r\n"
                head += "Connection: close\r\n\r\n"
                conn.sendall(head.encode() + body)
            except OSError:
                pass
        return True

    def seen(self) -> int:
        """Connections so far, counting any still waiting to be accepted."""
        while not self._stopped.is_set() and self._take():
            pass
        return self.connections

    def close(self) -> None:
        self._stopped.set()
        self._thread.join()
        self._socket.close()


@pytest.fixture(scope="module")
def listener() -> Iterator[Listener]:
    """One listener for the whole module: every test here must leave it at 0 connections."""
    listening = Listener()
    yield listening
    listening.close()


@pytest.fixture
def control() -> Iterator[Listener]:
    """A second listener, for the controls that show a connection is counted when one is made."""
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


# --------------------------------------------------------------------------- the sandbox itself

pytestmark_sandbox = pytest.mark.skipif(sandbox.available() is not None, reason=f"no sandbox: {sandbox.available()}")


def _connect(port: int) -> str:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
    except OSError as exc:
        return f"refused: {exc}"
    return "connected"


@pytestmark_sandbox
def test_sandboxed_thread_cannot_connect_but_others_can(control: Listener):
    """A sandboxed thread's create_connection fails with EACCES; the thread beside it still connects."""
    assert sandbox.run_sandboxed(_connect, control.port) == "refused: [Errno 13] Permission denied"
    assert control.seen() == 0
    assert _connect(control.port) == "connected" and control.seen() == 1
    pair = sandbox.run_sandboxed(socket.socketpair)  # AF_UNIX stays open: pipes to the parent work
    assert pair[0].family == socket.AF_UNIX
    for end in pair:
        end.close()


def _connect_in_sandboxed_process(port: int, conn: Any) -> None:
    conn.send((sandbox.install(whole_process=True), _connect(port)))


@pytestmark_sandbox
def test_sandboxed_process_cannot_connect(control: Listener):
    """In a spawned process that installed the filter, create_connection fails on every thread."""
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    mine, theirs = context.Pipe()
    child = context.Process(target=_connect_in_sandboxed_process, args=(control.port, theirs))
    child.start()
    installed, outcome = mine.recv()
    child.join()
    assert installed is None and outcome.startswith("refused: [Errno 13]")
    assert control.seen() == 0


@pytestmark_sandbox
def test_pool_workers_run_under_the_filter(built_store: Path):
    """Each query worker of kg serve reports a seccomp filter in /proc (Seccomp: 2)."""
    with QueryPool(built_store, 1) as pool:
        pool.query("ASK { ?s ?p ?o }", timeout=30)
        (worker,) = pool._workers
        status = Path(f"/proc/{worker.process.pid}/status").read_text()
    assert "Seccomp:\t2" in status


@pytest.fixture
def built_store(net_settings: Settings, tmp_path: Path) -> Path:
    """A private copy of the built store, for the tests that bypass the structural check."""
    shutil.copytree(net_settings.store, tmp_path / "store", symlinks=True)
    return tmp_path / "store"


@pytest.fixture
def unchecked(monkeypatch: pytest.MonkeyPatch) -> None:
    """The structural check switched off (test only), so that only the sandbox stands."""
    monkeypatch.setattr(sparql_text, "check_allowed", lambda *args, **kwargs: None)


def _fetching_query(url: str) -> str:
    return f"SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}"


def test_control_unsandboxed_engine_does_reach_the_listener(control: Listener):
    """The control: Oxigraph in an ordinary thread does connect, so the zero counts above mean something."""
    rows = list(ox.Store().query(_fetching_query(control.url)))  # type: ignore[arg-type]
    assert control.seen() == 1
    assert [row["s"].value for row in rows] == ["LEAKED"]


@pytestmark_sandbox
@pytest.mark.parametrize("path", ["forked-child", "pool", "untimed", "in-memory"])
def test_engine_in_every_query_path_cannot_fetch(unchecked: None, built_store: Path, control: Listener, path: str):
    """With the check off, SERVICE fails in the forked child, the pool, untimed and in-memory queries."""
    store = EmbeddedStore.open(None if path == "in-memory" else built_store, pool_size=1 if path == "pool" else 0)
    try:
        with pytest.raises(QueryError, match=r"Permission denied|query failed|cannot run"):
            store.query(_fetching_query(control.url), timeout=None if path in {"untimed", "in-memory"} else 30)
        silent = store.query(_fetching_query(control.url).replace("SERVICE", "SERVICE SILENT"), timeout=30)
        assert all("LEAKED" not in str(row) for row in silent.rows)
    finally:
        store.close()
    assert control.seen() == 0


@pytestmark_sandbox
@pytest.mark.parametrize("location", ["disk", "memory"])
def test_engine_in_an_update_cannot_fetch(unchecked: None, built_store: Path, control: Listener, location: str):
    """With the check off, LOAD fails, LOAD SILENT loads nothing, and the data stays as it was."""
    store = EmbeddedStore.open(built_store if location == "disk" else None, read_only=False)
    before = store.checksum()
    try:
        with pytest.raises(KgError, match="Permission denied"):
            store.update(f"LOAD <{control.url}> INTO GRAPH <https://w3id.org/kg/graph/leak>")
        store.update(f"LOAD SILENT <{control.url}> INTO GRAPH <https://w3id.org/kg/graph/leak>")
        assert store.checksum() == before
    finally:
        store.close()
    assert control.seen() == 0


def test_unavailable_sandbox_is_said_once(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture):
    """Where the filter cannot be installed, opening the store logs one warning saying so."""
    monkeypatch.setattr(sandbox, "available", lambda: "plan9 on mips")
    store = EmbeddedStore.open(None)
    store.close()
    warnings = [r for r in caplog.records if "sandbox" in r.getMessage()]
    assert len(warnings) == 1 and "plan9 on mips" in warnings[0].getMessage()
    assert store.sandbox == "plan9 on mips"


def test_saved_queries_need_no_parse(net_settings: Settings) -> None:
    """kg's saved queries never spell SERVICE or LOAD, so the check passes them without parsing."""
    texts = [path.read_text("utf-8") for path in sorted(net_settings.queries.glob("*.rq"))]
    assert texts and not any(sparql_text.mentions(text) for text in texts)
