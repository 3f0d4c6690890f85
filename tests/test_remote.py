"""kg.store.remote and kg.store.transport on their own: which endpoints a setting names, which
queries kg must evaluate itself, and what reaches the server (headers, retries) and comes back
(errors), against a tiny scripted HTTP server on loopback."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from kg.config import Settings
from kg.errors import QueryError, QueryTimeout, StoreError
from kg.store.functions import called_functions
from kg.store.remote import RemoteStore, endpoints

GEOF_DISTANCE = "http://www.opengis.net/def/function/geosparql/distance"


def remote(url: str, **variables: str) -> Settings:
    return Settings.from_env({"KG_STORE": url, **variables})


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ({"KG_STORE": "http://h:7878"}, ("http://h:7878/query", "http://h:7878/update", "http://h:7878/store")),
        (
            {"KG_STORE": "http://h:3030/kg/query", "KG_STORE_GSP": "http://h:3030/kg/data"},
            ("http://h:3030/kg/query", "http://h:3030/kg/update", "http://h:3030/kg/data"),
        ),
        ({"KG_STORE": "http://h:8890/sparql"}, ("http://h:8890/sparql", "http://h:8890/sparql", None)),
        (
            {"KG_STORE": "http://h/query", "KG_STORE_UPDATE": "http://h/u", "KG_STORE_GSP": "none"},
            ("http://h/query", "http://h/u", None),
        ),
    ],
    ids=["oxigraph-base", "fuseki", "virtuoso-one-endpoint", "overridden"],
)
def test_endpoints(variables: dict[str, str], expected: tuple[str, str, str | None]):
    """Oxigraph's /query, /update, /store layout is the default; anything else is one endpoint unless told."""
    assert endpoints(Settings.from_env(variables)) == expected


@pytest.mark.parametrize(
    ("text", "calls"),
    [
        (f"SELECT (<{GEOF_DISTANCE}>(?a, ?b, ?u) AS ?d) {{}}", True),
        ("PREFIX g: <http://www.opengis.net/def/function/geosparql/>\nSELECT (g:distance(?a, ?b, ?u) AS ?d) {}", True),
        ("PREFIX g: <http://www.opengis.net/def/function/geosparql/>\nSELECT * { ?s ?p 'g:distance(' }", False),
        ("SELECT * { ?s ?p ?o } # geof:distance(", False),
    ],
    ids=["full-iri", "prefixed", "in-a-literal", "in-a-comment"],
)
def test_extension_functions_are_found_where_they_are_called(text: str, calls: bool):
    """A call of geof:distance is found in full or prefixed form, not in literals or comments."""
    assert bool(called_functions(text)) is calls


# --------------------------------------------------------------------------- a scripted server


@dataclass
class Script:
    """What the fake server answers (status, body) in turn, and what it saw."""

    replies: list[tuple[int, bytes]]
    seen: list[dict[str, str]] = field(default_factory=list)


@pytest.fixture
def scripted() -> Iterator[tuple[str, Script]]:
    script = Script([])

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            self.rfile.read(length)
            script.seen.append(dict(self.headers))
            status, body = script.replies.pop(0) if script.replies else (200, b'{"boolean": true}')
            self.send_response(status)
            self.send_header("Content-Type", "application/sparql-results+json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", script
    server.shutdown()
    server.server_close()


def test_the_authorization_header_is_sent_and_never_shown(scripted: tuple[str, Script]):
    """KG_STORE_AUTH goes out as the Authorization header; a 401 names KG_STORE_AUTH, not its value."""
    url, script = scripted
    store = RemoteStore(remote(url, KG_STORE_AUTH="Bearer s3cret"))
    assert store.query("ASK {}").boolean is True
    assert script.seen[0]["Authorization"] == "Bearer s3cret"
    script.replies.append((401, b"who are you?"))
    with pytest.raises(StoreError) as caught:
        store.query("ASK {}")
    assert "KG_STORE_AUTH" in str(caught.value) and "s3cret" not in str(caught.value)


@pytest.mark.parametrize(
    ("status", "error", "words"),
    [
        (400, QueryError, "rejected the query (400): Parser error at line 1"),
        (404, StoreError, "no SPARQL service answers the query"),
        (503, QueryTimeout, "gave up on the query (503)"),
        (502, StoreError, "failed the query (502"),
    ],
    ids=["400", "404", "503", "502"],
)
def test_statuses_become_kg_errors(scripted: tuple[str, Script], status: int, error: type[Exception], words: str):
    """Each failure status maps to the error kg's faces know, with the server's own words."""
    url, script = scripted
    script.replies.append((status, b"Parser error at line 1"))
    with pytest.raises(error, match=words.replace("(", r"\(").replace(")", r"\)")):
        RemoteStore(remote(url)).query("ASK {}")


def test_an_answer_that_is_not_sparql_json_is_a_store_error(scripted: tuple[str, Script]):
    """An endpoint that answers with something else (an HTML page) is named as the wrong endpoint."""
    url, script = scripted
    script.replies.append((200, b"<html>welcome</html>"))
    with pytest.raises(StoreError, match="did not answer with SPARQL JSON results"):
        RemoteStore(remote(url)).query("SELECT * {}")


def test_rows_and_terms_as_the_embedded_store_gives_them(scripted: tuple[str, Script]):
    """Plain literals get xsd:string, tagged ones rdf:langString; Virtuoso's typed-literal is read too."""
    url, script = scripted
    bindings = [
        {"a": {"type": "literal", "value": "x"}, "b": {"type": "literal", "value": "y", "xml:lang": "en"}},
        {"a": {"type": "typed-literal", "value": "1", "datatype": "http://www.w3.org/2001/XMLSchema#integer"}},
    ]
    script.replies.append((200, json.dumps({"head": {"vars": ["a", "b"]}, "results": {"bindings": bindings}}).encode()))
    rows = RemoteStore(remote(url)).query("SELECT ?a ?b {}", max_rows=1)
    assert rows.truncated and len(rows.rows) == 1
    assert rows.rows[0]["a"].datatype == "http://www.w3.org/2001/XMLSchema#string"
    assert rows.rows[0]["b"].datatype == "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
