"""How /sparql reads the SPARQL 1.1 Protocol (kg.web.protocol) and how the protocol's update
dataset becomes USING clauses (kg.sparql.with_using), beyond what the W3C suite covers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask.testing import FlaskClient

from kg import sparql, tokens
from kg.app import Kg
from kg.config import Settings
from kg.web import create_app

TOKEN = "protocol-unit-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def client(built_mini: Settings) -> Iterator[FlaskClient]:
    settings = Settings.from_env(
        {},
        data=built_mini.data,
        corpus=built_mini.corpus,
        store=built_mini.store,
        tokens=f"unit:admin:{tokens.digest(TOKEN)}",
    )
    with Kg(settings) as running:
        app = create_app(running)
        app.testing = True
        with app.test_client() as c:
            yield c


def test_using_goes_before_every_where_and_not_into_strings() -> None:
    """USING clauses go before each operation's WHERE; a WHERE or brace in a string is left alone."""
    text = 'INSERT { <a> <b> "WHERE {" } WHERE { ?s ?p ?o } ; INSERT { <c> <d> 1 } WHERE { { ?x ?y ?z } }'
    out = sparql.with_using(text, ("urn:g1",), ("urn:g2",))
    assert out.count("USING <urn:g1> USING NAMED <urn:g2> WHERE") == 2 and '"WHERE {"' in out


def test_delete_where_is_written_out_to_take_using() -> None:
    """DELETE WHERE { P } becomes DELETE { P } USING … WHERE { P }, which is what it stands for."""
    out = sparql.with_using("DELETE WHERE { ?s <p> ?o }", ("urn:g",), ())
    assert out == "DELETE { ?s <p> ?o } USING <urn:g> WHERE { ?s <p> ?o }"


def test_a_dataset_clause_is_found_only_as_a_keyword() -> None:
    """WITH/USING count as keywords, not inside IRIs, strings or prefixed names."""
    assert sparql.dataset_clause("WITH <urn:g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }") == "WITH"
    assert sparql.dataset_clause('INSERT { <urn:with> ex:using "USING" } WHERE {}') is None


def test_using_graph_uri_limits_what_the_update_reads(client: FlaskClient) -> None:
    """With using-graph-uri the WHERE reads that graph only: a triple in another graph is not copied."""
    client.post(
        "/sparql",
        data="INSERT DATA { GRAPH <urn:a> { <urn:x> <urn:p> 1 } GRAPH <urn:b> { <urn:y> <urn:p> 2 } }",
        content_type="application/sparql-update",
        headers=AUTH,
    )
    response = client.post(
        "/sparql?using-graph-uri=urn:a",
        data="INSERT { GRAPH <urn:out> { ?s <urn:p> ?o } } WHERE { ?s <urn:p> ?o }",
        content_type="application/sparql-update",
        headers=AUTH,
    )
    assert response.status_code == 204, response.data
    rows = client.get(
        "/sparql", query_string={"query": "SELECT ?s WHERE { ?s <urn:p> ?o }", "default-graph-uri": "urn:out"}
    )
    assert [row["s"]["value"] for row in rows.get_json()["results"]["bindings"]] == ["urn:x"]


def test_repeated_updates_are_refused_and_change_nothing(client: FlaskClient) -> None:
    """update=…&update=… is a 400 in the one error shape, and neither update runs."""
    client.post(
        "/sparql",
        data="INSERT DATA { GRAPH <urn:keep> { <urn:k> <urn:p> 1 } }",
        content_type="application/sparql-update",
        headers=AUTH,
    )
    response = client.post(
        "/sparql",
        data="update=CLEAR+NAMED&update=CLEAR+DEFAULT",
        content_type="application/x-www-form-urlencoded",
        headers=AUTH,
    )
    assert response.status_code == 400 and "2 'update' parameters" in response.get_json()["error"]
    assert client.get("/sparql", query_string={"query": "ASK { <urn:k> <urn:p> 1 }"}).get_json()["boolean"] is True


def test_other_charsets_and_bad_utf8_are_refused(client: FlaskClient) -> None:
    """A body declared ISO-8859-1 is a 415; bytes or percent-escapes that are not UTF-8 are a 400."""
    update = 'INSERT DATA { GRAPH <urn:c> { <urn:c> <urn:p> "caf\xe9" } }'.encode("latin-1")
    declared = client.post(
        "/sparql", data=update, content_type="application/sparql-update; charset=ISO-8859-1", headers=AUTH
    )
    assert declared.status_code == 415 and "UTF-8" in declared.get_json()["error"]
    undeclared = client.post("/sparql", data=update, content_type="application/sparql-update", headers=AUTH)
    assert undeclared.status_code == 400 and "not UTF-8" in undeclared.get_json()["error"]
    escaped = client.post(
        "/sparql", data=b"update=INSERT+DATA+%7B%7D%FF", content_type="application/x-www-form-urlencoded", headers=AUTH
    )
    assert escaped.status_code == 400 and "UTF-8" in escaped.get_json()["error"]
    assert (
        client.get("/sparql", query_string={"query": "ASK { GRAPH <urn:c> { ?s ?p ?o } }"}).get_json()["boolean"]
        is False
    )


def test_relative_iris_resolve_against_the_endpoint(client: FlaskClient) -> None:
    """A relative IRI in a query is read against the endpoint's own URL."""
    response = client.get("/sparql", query_string={"query": "SELECT ?x WHERE { BIND(<thing> AS ?x) }"})
    assert response.get_json()["results"]["bindings"][0]["x"]["value"] == "http://localhost/thing"
