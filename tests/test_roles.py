"""Who may write what: every write route tried with every role (and none), updates kept out of
kg's own graphs, no CORS on writes, a malformed Authorization header a 400 in the one shape."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient

from kg import tokens
from kg.cli import main
from kg.config import Settings
from kg.errors import ConfigError
from kg.store.embedded import EmbeddedStore
from kg.web import create_app

KG = "https://w3id.org/kg/ontology#"
GRAPHS = "https://w3id.org/kg/graph/"
SECRETS = {role: f"token-of-the-{role}" for role in ("submitter", "editor", "admin", "legacy")}
ENTRIES = ",".join(
    f"{role}:{tokens.digest(secret)}" if role == "legacy" else f"{role}:{role}:{tokens.digest(secret)}"
    for role, secret in SECRETS.items()
)
WHO = ("anonymous", "stranger", "submitter", "legacy", "editor", "admin")
READS_BY_POST = {
    "/validate",
    "/reconcile",
    "/sparql",
    "/annotate/draft",
}  # /sparql's query forms; its updates are below


def auth(who: str) -> dict[str, str]:
    if who == "anonymous":
        return {}
    return {"Authorization": f"Bearer {SECRETS.get(who, 'not-a-configured-token')}"}


def place(n: int) -> bytes:
    """A small RDF submission introducing one new settlement in Testland."""
    return (
        f"<https://w3id.org/kg/id/place/role-{n}> a <{KG}Settlement> ;\n"
        f'  <http://www.w3.org/2000/01/rdf-schema#label> "Role Town {n}" ;\n'
        f"  <{KG}locatedIn> <https://w3id.org/kg/id/place/testland> .\n"
    ).encode()


@pytest.fixture
def app(built_mini: Settings) -> Iterator[Flask]:
    store = EmbeddedStore.open(built_mini.store)
    yield create_app(replace(built_mini, tokens=ENTRIES), store)
    store.close()


@pytest.fixture
def client(app: Flask) -> Iterator[FlaskClient]:
    with app.test_client() as c:
        yield c


def submitted(client: FlaskClient, n: int, who: str = "submitter") -> str:
    response = client.post("/submissions", data=place(n), content_type="text/turtle", headers=auth(who))
    assert response.status_code == 201, response.get_json()
    return str(response.get_json()["id"])


def assert_error_shape(response: Any, status: int, words: str) -> dict[str, Any]:
    """The one JSON error shape, with the status in the body too."""
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    body = response.get_json()
    assert set(body) == {"ok", "error", "errors", "status"} and body["status"] == status, body
    assert words in body["error"], body
    return body  # type: ignore[no-any-return]


# --------------------------------------------------------------------------- tokens and kg token


def test_kg_token_writes_the_role_into_the_entry() -> None:
    """kg token NAME --role editor prints an entry that admits the token as an editor; the default is submitter."""
    editor = CliRunner().invoke(main, ["token", "erin", "--role", "editor"])
    assert editor.exit_code == 0, editor.output
    secret = editor.output.split("): ", 1)[1].split()[0]
    entry = editor.output.rsplit("add to KG_TOKENS: ", 1)[1].strip()
    assert entry.startswith("erin:editor:")
    assert tokens.holder(entry, secret) == tokens.Holder("erin", "editor")
    plain = CliRunner().invoke(main, ["token", "sam"])
    assert "add to KG_TOKENS: sam:submitter:" in plain.output
    wrong = CliRunner().invoke(main, ["token", "sam", "--role", "root"])
    assert wrong.exit_code == 2 and "root" in wrong.output


def test_an_entry_without_a_role_is_read_as_a_submitter() -> None:
    """A name:sha256 entry from before roles is a submitter (never more); an unknown role is refused."""
    assert tokens.holder(ENTRIES, SECRETS["legacy"]) == tokens.Holder("legacy", "submitter", stated=False)
    with pytest.raises(ConfigError, match="'owner'"):
        tokens.parse(f"x:owner:{tokens.digest('t')}")


# --------------------------------------------------------------------------- every write route, every role


def write_requests(client: FlaskClient) -> dict[str, Any]:
    """Each write route of the app, as a function of who sends it (fresh targets each time)."""
    update = f'INSERT DATA {{ GRAPH <{GRAPHS}admin> {{ <https://w3id.org/kg/id/x> <{KG}stance> "x" }} }}'
    numbers = iter(range(100, 1000))

    def retract_own(who: str) -> Any:
        own = submitted(client, next(numbers), who if who in SECRETS else "submitter")
        return client.delete(f"/submissions/{own}", headers=auth(who))

    return {
        "POST /submissions": lambda who: client.post(
            "/submissions", data=place(next(numbers)), content_type="text/turtle", headers=auth(who)
        ),
        "DELETE /submissions/<id> (own)": retract_own,
        "DELETE /submissions/<id> (another's)": lambda who: client.delete(
            f"/submissions/{submitted(client, next(numbers), 'editor')}", headers=auth(who)
        ),
        "POST /sparql update (form)": lambda who: client.post("/sparql", data={"update": update}, headers=auth(who)),
        "POST /sparql update (body)": lambda who: client.post(
            "/sparql", data=update, content_type="application/sparql-update", headers=auth(who)
        ),
        "POST /sparql update (multipart)": lambda who: client.post(
            "/sparql", data={"update": update}, content_type="multipart/form-data", headers=auth(who)
        ),
    }


ALLOWED = {
    "POST /submissions": {"submitter", "legacy", "editor", "admin"},
    "DELETE /submissions/<id> (own)": {"submitter", "legacy", "editor", "admin"},
    "DELETE /submissions/<id> (another's)": {"editor", "admin"},
    "POST /sparql update (form)": {"admin"},
    "POST /sparql update (body)": {"admin"},
    "POST /sparql update (multipart)": {"admin"},
}


@pytest.mark.parametrize("who", WHO)
def test_every_write_route_with_every_role(client: FlaskClient, who: str) -> None:
    """Each write route admits exactly the roles the README's table lists: 401 with no token, 403
    with an unknown one or a role that may not (saying which role it needs); writes carry no CORS."""
    for route, send in write_requests(client).items():
        response = send(who)
        if who in ALLOWED[route]:
            assert response.status_code in {201, 204}, (route, response.get_data(as_text=True))
        elif who == "anonymous":
            assert_error_shape(response, 401, "token")
        elif who == "stranger":
            assert_error_shape(response, 403, "may not write")
        elif "another's" in route:
            assert_error_shape(response, 403, "may retract only their own")
        else:
            body = assert_error_shape(response, 403, "needs the role admin")
            assert (who != "legacy") or "names no role, so it is read as a submitter" in body["error"], body
        assert "Access-Control-Allow-Origin" not in response.headers, route


def test_the_write_routes_listed_are_all_there_are(app: Flask) -> None:
    """Every route that takes a write method is tried above (a new one has to be added there)."""
    methods = {"POST", "PUT", "PATCH", "DELETE"}
    found = {
        f"{method} {rule.rule}" for rule in app.url_map.iter_rules() for method in (rule.methods or set()) & methods
    }
    tried = {
        route.split(" (")[0].replace("/sparql update", "/sparql").replace("<id>", "<submission_id>")
        for route in ALLOWED
    } | {f"{method} /sparql" for method in GRAPH_STORE}
    assert found - tried == {f"POST {r}" for r in READS_BY_POST} - tried


GRAPH_STORE = ("PUT", "DELETE", "PATCH")  # the Graph Store Protocol's writes: not served at all


@pytest.mark.parametrize("who", WHO)
def test_graph_store_writes_are_refused_for_every_role(client: FlaskClient, who: str) -> None:
    """PUT, DELETE and PATCH on /sparql write nothing for anyone: 405 in the one error shape, no CORS."""
    for method in GRAPH_STORE:
        response = client.open("/sparql", method=method, data=b"<a> <b> <c> .", headers=auth(who))
        assert_error_shape(response, 405, "Graph Store")
        assert "Access-Control-Allow-Origin" not in response.headers, method


def test_a_submitter_cannot_forge_records_or_write_kg_graphs(client: FlaskClient, built_mini: Settings) -> None:
    """With a submitter's token: a forged submission record, a javascript: IRI into the entities
    graph, an axiom into the ontology: all 403, the store unchanged."""
    before = EmbeddedStore.open(built_mini.store).checksum()
    for update in forgeries():
        assert_error_shape(client.post("/sparql", data={"update": update}, headers=auth("submitter")), 403, "admin")
    assert EmbeddedStore.open(built_mini.store).checksum() == before


def forgeries() -> list[str]:
    agent = "https://w3id.org/kg/id/agent/editor"
    record = (
        f"<https://w3id.org/kg/id/submission/000000000000000000000000> a <{KG}Submission> ; "
        f"<http://www.w3.org/ns/prov#wasAttributedTo> <{agent}> ."
    )
    return [
        f"INSERT DATA {{ GRAPH <{GRAPHS}submissions> {{ {record} }} }}",
        f"INSERT DATA {{ GRAPH <{GRAPHS}entities> {{ <https://w3id.org/kg/id/place/testland> "
        "<http://www.w3.org/2000/01/rdf-schema#seeAlso> <javascript:alert(1)> } }",
        f"INSERT DATA {{ GRAPH <{GRAPHS}ontology> {{ <http://www.w3.org/ns/prov#Agent> "
        f"<http://www.w3.org/2000/01/rdf-schema#subClassOf> <{KG}Settlement> }} }}",
    ]


@pytest.mark.parametrize(
    ("update", "words"),
    [
        *zip(forgeries(), ["submissions>", "entities>", "ontology>"], strict=True),
        (f"DELETE WHERE {{ GRAPH <{GRAPHS}periods> {{ ?s ?p ?o }} }}", "periods>"),
        (f"DROP GRAPH <{GRAPHS}submission/0123456789abcdef01234567>", "submission/0123"),
        (f"MOVE <{GRAPHS}build> TO <{GRAPHS}mine>", "build>"),
        (f"WITH <{GRAPHS}set-aside> DELETE {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o }}", "set-aside>"),
        ("DELETE { GRAPH ?g { ?s ?p ?o } } WHERE { GRAPH ?g { ?s ?p ?o } }", "GRAPH ?g"),
        ("DROP ALL", "ALL graphs"),
        ("CLEAR NAMED", "NAMED graphs"),
        (f"INSERT DATA {{ GRAPH <{GRAPHS}admin> {{ <urn:x:a> <urn:x:b> <javascript:alert(1)> }} }}", "javascript:"),
    ],
)
def test_an_admin_update_may_not_write_kg_own_graphs(
    client: FlaskClient, built_mini: Settings, update: str, words: str
) -> None:
    """Even an admin's update is refused (403, naming the graph) when it would write a graph kg
    derives or records, any graph at once, or an IRI a browser would run; nothing changes."""
    before = EmbeddedStore.open(built_mini.store).checksum()
    assert_error_shape(client.post("/sparql", data={"update": update}, headers=auth("admin")), 403, words)
    assert EmbeddedStore.open(built_mini.store).checksum() == before


def test_a_submitter_retracts_only_their_own(client: FlaskClient) -> None:
    """A submitter's DELETE of another's submission is 403 and leaves it; an editor's succeeds."""
    other = submitted(client, 1, "admin")
    assert_error_shape(client.delete(f"/submissions/{other}", headers=auth("submitter")), 403, "someone else")
    assert client.get(f"/submissions/{other}").status_code == 200
    assert client.delete(f"/submissions/{other}", headers=auth("editor")).status_code == 204
    (row,) = client.get("/submissions").get_json()["submissions"]
    assert row["retractedBy"] == "editor"


def test_a_submission_may_not_forge_a_record(client: FlaskClient) -> None:
    """An RDF submission describing a submission record (someone else's name on it) is refused, naming it."""
    forged = (
        f"<https://w3id.org/kg/id/submission/aaaaaaaaaaaaaaaaaaaaaaaa> a <{KG}Submission> ;\n"
        f"  <http://www.w3.org/ns/prov#wasAttributedTo> <https://w3id.org/kg/id/agent/editor> .\n"
    ).encode()
    response = client.post("/submissions", data=forged, content_type="text/turtle", headers=auth("submitter"))
    assert response.status_code == 422
    assert "record: kg writes those itself" in response.get_json()["error"]
    assert client.get("/submissions").get_json()["submissions"] == []


# --------------------------------------------------------------------------- CORS and the Authorization header


def test_reads_keep_cors_and_writes_never_have_it(client: FlaskClient) -> None:
    """GET and POST queries allow any origin; a stored submission, a retraction, an update (done or
    refused, any body type) do not."""
    query = "ASK { ?s ?p ?o }"
    assert client.get("/sparql", query_string={"query": query}).headers["Access-Control-Allow-Origin"] == "*"
    assert client.post("/sparql", data={"query": query}).headers["Access-Control-Allow-Origin"] == "*"
    sid = submitted(client, 2)
    responses = [
        client.delete(f"/submissions/{sid}", headers=auth("submitter")),
        client.post("/sparql", data={"update": "DROP ALL"}, content_type="multipart/form-data"),
        client.post("/sparql", data={"update": "DROP ALL"}, headers=auth("admin")),
        client.post("/submissions", data=place(3), content_type="text/turtle"),
    ]
    assert [r.status_code for r in responses] == [204, 401, 403, 401]
    assert all("Access-Control-Allow-Origin" not in r.headers for r in responses)


@pytest.mark.parametrize("value", ["Bearer abc\x00def", "Bearer \x7f", "Bearer tök", "\x00"])
@pytest.mark.parametrize("path", ["/sparql?query=ASK%7B%7D", "/submissions"])
def test_a_malformed_authorization_header_is_a_json_400(client: FlaskClient, path: str, value: str) -> None:
    """A NUL, a control or a non-ASCII character in Authorization: 400 in the one error shape, saying which."""
    response = client.open(path, method="GET" if "?" in path else "POST", headers={"Authorization": value})
    body = assert_error_shape(response, 400, "Authorization header holds the character U+")
    assert body["errors"][0]["hint"].startswith("send 'Authorization: Bearer")
