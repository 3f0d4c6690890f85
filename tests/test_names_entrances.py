"""Every entrance reads a name the same way and helps with SPARQL: ``kg query`` (CliRunner),
the JSON API and the saved-query pages (Flask test client), on the seed data."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from click.testing import CliRunner, Result
from flask.testing import FlaskClient

from kg import pipeline
from kg.app import Kg
from kg.cli import main
from kg.config import Settings
from kg.store.embedded import EmbeddedStore
from kg.web import create_app

from .conftest import SEED_CORPUS

QARYATAYN = "https://w3id.org/kg/id/place/al-qaryatayn"


@pytest.fixture(scope="module")
def seed(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    if not SEED_CORPUS.is_dir():
        pytest.skip(f"the seed corpus is not at {SEED_CORPUS}")
    settings = Settings.from_env({}, store=str(tmp_path_factory.mktemp("names") / "store"), corpus=SEED_CORPUS)
    assert pipeline.build(settings).stored
    return settings


@pytest.fixture
def client(seed: Settings) -> Iterator[FlaskClient]:
    store = EmbeddedStore.open(seed.store)
    app = create_app(Kg(seed, store))
    app.testing = True
    with app.test_client() as c:
        yield c
    store.close()


def cli(settings: Settings, *args: str) -> Result:
    env = {"KG_DATA": str(settings.data), "KG_CORPUS": str(settings.corpus), "KG_STORE": settings.store}
    return CliRunner().invoke(main, list(args), env=env)


def error_of(response) -> dict:  # type: ignore[no-untyped-def]
    """The one JSON error shape of a 400."""
    assert response.status_code == 400, response.data[:300]
    body = response.get_json()
    assert set(body) == {"ok", "error", "errors", "status"} and body["status"] == 400
    return body


# --------------------------------------------------------------------------- names


@pytest.mark.parametrize(
    ("given", "label", "iri"),
    [
        ("Qaryatain", "al-Qaryatayn", QARYATAYN),
        ("Tadmor", "Palmyra", "https://w3id.org/kg/id/place/palmyra"),
        ("Sukhneh", "al-Sukhna", "https://w3id.org/kg/id/place/al-sukhna"),
    ],
)
def test_cli_reads_a_transliteration_and_says_as_what(seed: Settings, given: str, label: str, iri: str) -> None:
    """kg query takes the spellings reconciliation folds, with a note on stderr naming the entity."""
    result = cli(seed, "query", "place-history", f"place={given}", "--format", "json")
    assert result.exit_code == 0, result.output
    assert f"place='{given}' read as {label}" in result.stderr
    assert {b["place"]["value"] for b in json.loads(result.stdout)["results"]["bindings"]} <= {iri}


def test_json_api_reads_a_transliteration_with_a_header_and_a_kg_field(client: FlaskClient) -> None:
    """GET /queries/…json?place=Qaryatain answers for al-Qaryatayn, saying so in X-KG-Read-As and "kg"."""
    response = client.get("/queries/place-history.json", query_string={"place": "Qaryatain"})
    assert response.status_code == 200, response.data[:300]
    assert response.headers["X-KG-Read-As"] == "place=Qaryatain place/al-qaryatayn"
    body = response.get_json()
    assert body["kg"]["readAs"][0] == {
        "param": "place",
        "given": "Qaryatain",
        "id": "place/al-qaryatayn",
        "iri": QARYATAYN,
        "label": "al-Qaryatayn",
    }
    assert body["results"]["bindings"] and "X-KG-Read-As" in response.headers["Access-Control-Expose-Headers"]


def test_an_exact_name_has_no_read_as(client: FlaskClient) -> None:
    """A label as the graph has it needs no note."""
    response = client.get("/queries/place-history.json", query_string={"place": "al-Qaryatayn"})
    assert response.status_code == 200 and "X-KG-Read-As" not in response.headers
    assert "readAs" not in response.get_json()["kg"]


def test_the_page_notes_what_the_name_was_read_as(client: FlaskClient) -> None:
    """The saved-query page for people says 'Qaryatain' was read as al-Qaryatayn."""
    page = client.get("/queries/place-history?place=Qaryatain", headers={"Accept": "text/html"})
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "was read as" in text and "al-Qaryatayn" in text


def test_an_unknown_name_over_http_gets_did_you_mean_and_a_web_hint(client: FlaskClient) -> None:
    """A 400 with the nearest names, and a hint that points to the web, not to a kg command."""
    body = error_of(client.get("/queries/place-history.json", query_string={"place": "Qaryatyn"}))
    assert "did you mean al-Qaryatayn (place/al-qaryatayn)" in body["error"]
    hint = body["errors"][0]["hint"]
    assert "/reconcile/suggest/entity?prefix=" in hint and "kg " not in hint
    assert body["errors"][0]["type"] == "UnknownName" and body["errors"][0]["field"] == "place"


def test_an_unknown_name_on_the_cli_gets_a_cli_hint(seed: Settings) -> None:
    """On the command line the hint names the command that lists names; exit 2."""
    result = cli(seed, "query", "place-history", "place=Qaryatyn")
    assert result.exit_code == 2
    assert "did you mean al-Qaryatayn" in result.stderr and "'kg query names'" in result.stderr


def test_an_actor_is_read_from_its_alternate_label(seed: Settings, client: FlaskClient) -> None:
    """ISIS is an alternate label of Islamic State in the data; Daesh is in no article or gazetteer."""
    assert cli(seed, "query", "actor-events", "actor=ISIS").exit_code == 0
    body = error_of(client.get("/queries/actor-events.json", query_string={"actor": "Daesh"}))
    assert "no actor called 'Daesh'" in body["error"]


# --------------------------------------------------------------------------- SPARQL


def test_cli_sparql_has_the_editors_default_prefixes(seed: Settings) -> None:
    """kg query --sparql may use kg: and rdfs: without declaring them, as the web editor's text does."""
    text = f"SELECT ?label WHERE {{ <{QARYATAYN}> rdfs:label ?label ; a/rdfs:subClassOf* kg:Place }}"
    result = cli(seed, "query", "--sparql", text, "--format", "csv")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1:] == ["al-Qaryatayn"]


def test_cli_syntax_error_gives_line_column_token_and_hint(seed: Settings) -> None:
    """An undeclared prefix on the CLI: exit 2, its place, the name and the PREFIX line to add."""
    result = cli(seed, "query", "--sparql", "SELECT * WHERE {\n  ?s a foo:Bar }")
    assert result.exit_code == 2
    assert "line 2, column 15, at 'foo:Bar': the prefix foo: is not declared" in result.stderr
    assert "declare it with PREFIX foo: <…>" in result.stderr and "\\u{" not in result.stderr


def test_protocol_syntax_error_is_400_with_line_column_token_and_hint(client: FlaskClient) -> None:
    """A missing brace over HTTP: the one error shape, the place, and where the brace goes."""
    body = error_of(client.get("/sparql", query_string={"query": "SELECT * WHERE\n ?s ?p ?o }"}))
    assert "line 2, column 2, at '?s': a '{' is missing" in body["error"]
    assert body["errors"][0]["hint"] == "a '{' is missing before '?s'" and "LATERAL" not in body["error"]


def test_protocol_undeclared_kg_prefix_is_told_its_declaration(client: FlaskClient) -> None:
    """The protocol adds no prefixes; kg: undeclared is answered with the line to add."""
    body = error_of(client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s a kg:Place }"}))
    assert "declare it with PREFIX kg: <https://w3id.org/kg/ontology#>" in body["error"]


def test_cli_warns_about_undeclared_terms_and_still_answers(seed: Settings) -> None:
    """kg:Plac and rdfs:labl match nothing: a warning each on stderr, with the term meant; exit 0."""
    result = cli(seed, "query", "--sparql", "SELECT * WHERE { ?s a kg:Plac ; rdfs:labl ?l }")
    assert result.exit_code == 0
    assert "warning: kg:Plac is not declared in kg's ontology" in result.stderr and "kg:Place?" in result.stderr
    assert "did you mean rdfs:label?" in result.stderr


def test_protocol_warns_in_a_header_and_a_kg_field(client: FlaskClient) -> None:
    """Over HTTP the warnings come as X-KG-Warning headers and in the JSON results' kg member."""
    query = (
        "PREFIX kg: <https://w3id.org/kg/ontology#> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
        "SELECT * WHERE { ?s a kg:Plac ; rdfs:labl ?l }"
    )
    response = client.get("/sparql", query_string={"query": query})
    assert response.status_code == 200
    headers = response.headers.getlist("X-KG-Warning")
    assert len(headers) == 2 and "did you mean kg:Place?" in headers[0]
    body = response.get_json()
    assert body["results"]["bindings"] == [] and len(body["kg"]["warnings"]) == 2


def test_a_clean_query_has_no_warning(client: FlaskClient) -> None:
    """A query using only declared terms gets no header and no warnings in the kg member."""
    query = "PREFIX kg: <https://w3id.org/kg/ontology#> ASK { ?s a kg:Place }"
    response = client.get("/sparql", query_string={"query": query})
    assert "X-KG-Warning" not in response.headers and "warnings" not in response.get_json()["kg"]
