"""The web layer, through Flask's test client: the SPARQL 1.1 Protocol, saved queries as an
API and as pages, entity pages with content negotiation, and the one JSON error shape."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from urllib.parse import quote

import pytest
from flask.testing import FlaskClient
from openapi_spec_validator import validate as validate_openapi

from kg import pipeline, tokens
from kg.app import Kg
from kg.config import Settings
from kg.store.embedded import EmbeddedStore
from kg.store.oxigraph import timed_out
from kg.web import create_app

from .conftest import SEED_CORPUS

TOKEN, ENTRY = "s3cret-token-for-tests", f"tester:admin:{tokens.digest('s3cret-token-for-tests')}"
QARYATAYN = "https://w3id.org/kg/id/place/al-qaryatayn"
SELECT = f"SELECT ?label WHERE {{ <{QARYATAYN}> <http://www.w3.org/2000/01/rdf-schema#label> ?label }}"


@pytest.fixture(scope="module")
def seed_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    if not SEED_CORPUS.is_dir():
        pytest.skip(f"the seed corpus is not at {SEED_CORPUS}")
    settings = Settings.from_env(
        {}, store=str(tmp_path_factory.mktemp("web") / "store"), corpus=SEED_CORPUS, tokens=ENTRY, max_body=200_000
    )
    assert pipeline.build(settings).stored
    return settings


@pytest.fixture
def client(seed_settings: Settings) -> Iterator[FlaskClient]:
    store = EmbeddedStore.open(seed_settings.store)
    app = create_app(Kg(seed_settings, store))
    app.testing = True
    with app.test_client() as c:
        yield c
    store.close()


def assert_error_shape(response, status: int, words: str) -> dict:  # type: ignore[no-untyped-def]
    """The one JSON error shape, with the status in the body too."""
    assert response.status_code == status, response.data[:500]
    body = response.get_json()
    assert set(body) == {"ok", "error", "errors", "status"}
    assert body["ok"] is False and body["status"] == status
    assert words in body["error"], body
    return body


# --------------------------------------------------------------------------- SPARQL protocol


def test_query_by_get_answers_sparql_json(client: FlaskClient) -> None:
    """GET /sparql?query= gives SPARQL 1.1 JSON results by default."""
    response = client.get("/sparql", query_string={"query": SELECT})
    assert response.status_code == 200
    assert response.mimetype == "application/sparql-results+json"
    assert response.get_json()["results"]["bindings"] == [{"label": {"type": "literal", "value": "al-Qaryatayn"}}]
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_query_by_post_form_and_by_direct_body(client: FlaskClient) -> None:
    """POST form-encoded and POST application/sparql-query give the same answer."""
    form = client.post("/sparql", data={"query": SELECT})
    direct = client.post("/sparql", data=SELECT, content_type="application/sparql-query")
    assert form.get_json()["results"] == direct.get_json()["results"]


@pytest.mark.parametrize(
    ("accept", "mimetype", "marker"),
    [
        ("application/sparql-results+xml", "application/sparql-results+xml", "<literal>al-Qaryatayn</literal>"),
        ("text/csv", "text/csv", "label\r\nal-Qaryatayn\r\n"),
        ("text/tab-separated-values", "text/tab-separated-values", '?label\n"al-Qaryatayn"\n'),
        ("application/json", "application/sparql-results+json", '"value": "al-Qaryatayn"'),
    ],
)
def test_select_results_in_every_format_by_accept(client: FlaskClient, accept: str, mimetype: str, marker: str) -> None:
    """SELECT results come as JSON, XML, CSV or TSV as the Accept header asks."""
    response = client.get("/sparql", query_string={"query": SELECT}, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.mimetype == mimetype
    assert marker in response.get_data(as_text=True)


def test_ask_as_json_and_xml(client: FlaskClient) -> None:
    """ASK answers a boolean in JSON and XML."""
    ask = "ASK { ?s a <https://w3id.org/kg/ontology#Capture> }"
    assert client.get("/sparql", query_string={"query": ask}).get_json()["boolean"] is True
    xml = client.get("/sparql", query_string={"query": ask}, headers={"Accept": "application/sparql-results+xml"})
    assert "<boolean>true</boolean>" in xml.get_data(as_text=True)


@pytest.mark.parametrize(
    ("accept", "marker"),
    [
        ("text/turtle", "@prefix"),
        ("application/n-triples", f"<{QARYATAYN}>"),
        ("application/ld+json", '"@id"'),
        ("application/rdf+xml", "<rdf:RDF"),
    ],
)
def test_construct_in_every_rdf_format(client: FlaskClient, accept: str, marker: str) -> None:
    """CONSTRUCT and DESCRIBE come as Turtle, N-Triples, JSON-LD or RDF/XML."""
    construct = f"CONSTRUCT {{ <{QARYATAYN}> ?p ?o }} WHERE {{ <{QARYATAYN}> ?p ?o }}"
    response = client.get("/sparql", query_string={"query": construct}, headers={"Accept": accept})
    assert response.status_code == 200 and response.mimetype == accept
    assert marker in response.get_data(as_text=True)


def test_format_parameter_for_browsers(client: FlaskClient) -> None:
    """format=csv overrides a browser's Accept header."""
    response = client.get("/sparql", query_string={"query": SELECT, "format": "csv"}, headers={"Accept": "text/html"})
    assert response.mimetype == "text/csv"


def test_default_graph_uri_selects_the_dataset(client: FlaskClient) -> None:
    """default-graph-uri restricts the default graph to the named graphs given."""
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s a <https://w3id.org/kg/ontology#Mention> }"
    graph = "https://w3id.org/kg/graph/article/000_d0ca17a74fd2c527"
    everything = client.get("/sparql", query_string={"query": count}).get_json()
    one = client.get("/sparql", query_string={"query": count, "default-graph-uri": graph}).get_json()
    n_all = int(everything["results"]["bindings"][0]["n"]["value"])
    n_one = int(one["results"]["bindings"][0]["n"]["value"])
    assert 0 < n_one < n_all


def test_service_description_when_there_is_no_query(client: FlaskClient) -> None:
    """GET /sparql with no query describes the service (W3C SPARQL Service Description)."""
    response = client.get("/sparql", headers={"Accept": "text/turtle"})
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and response.mimetype == "text/turtle"
    assert "sd:Service" in text and "https://w3id.org/kg/graph/entities" in text


def test_syntax_error_is_400_with_the_position(client: FlaskClient) -> None:
    """A malformed query is a 400 whose message gives the parser's line and column."""
    body = assert_error_shape(client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p }"}), 400, "syntax")
    assert "line 1, column 25" in body["error"] and "a pattern is not complete" in body["error"]


def test_unacceptable_accept_is_406(client: FlaskClient) -> None:
    """Asking for a format the result cannot take is 406 Not Acceptable."""
    response = client.get("/sparql", query_string={"query": SELECT}, headers={"Accept": "image/png"})
    assert_error_shape(response, 406, "Accept")


def test_unsupported_body_type_is_415(client: FlaskClient) -> None:
    """A POST body that is neither a form nor SPARQL is 415 Unsupported Media Type."""
    assert_error_shape(client.post("/sparql", data="{}", content_type="application/json"), 415, "cannot take")


def test_service_is_refused(client: FlaskClient) -> None:
    """SERVICE is refused before the engine sees the query: no request leaves the server."""
    federated = "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"
    assert_error_shape(client.get("/sparql", query_string={"query": federated}), 403, "SERVICE")


def test_updates_need_a_token(client: FlaskClient, seed_settings: Settings) -> None:
    """Updates are refused without a token (401) and with a wrong one (403); the store is unchanged."""
    before = EmbeddedStore.open(seed_settings.store).checksum()
    update = 'INSERT DATA { <urn:x> <urn:y> "z" }'
    assert_error_shape(client.post("/sparql", data={"update": update}), 401, "write token")
    wrong = client.post(
        "/sparql",
        data=update,
        content_type="application/sparql-update",
        headers={"Authorization": "Bearer not-the-token"},
    )
    assert_error_shape(wrong, 403, "may not write")
    assert_error_shape(client.get("/sparql", query_string={"update": update}), 400, "POST")
    assert EmbeddedStore.open(seed_settings.store).checksum() == before


def test_an_update_with_the_token_is_applied(client: FlaskClient, seed_settings: Settings) -> None:
    """With a valid bearer token an update is applied atomically, then visible to queries."""
    update = 'INSERT DATA { GRAPH <urn:kg:test> { <urn:kg:x> <urn:kg:y> "written" } }'
    response = client.post(
        "/sparql", data=update, content_type="application/sparql-update", headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert response.status_code == 204, response.data
    ask = client.get("/sparql", query_string={"query": 'ASK { <urn:kg:x> <urn:kg:y> "written" }'})
    assert ask.get_json()["boolean"] is True
    delete = client.post(
        "/sparql", data={"update": "DROP GRAPH <urn:kg:test>"}, headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert delete.status_code == 204


def test_load_is_refused_even_with_a_token(client: FlaskClient) -> None:
    """LOAD would fetch from the network: refused whoever asks."""
    response = client.post(
        "/sparql", data={"update": "LOAD <http://127.0.0.1:9/data.ttl>"}, headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert_error_shape(response, 403, "LOAD")


def test_a_body_over_the_limit_is_413(client: FlaskClient) -> None:
    """A request body over KG_MAX_BODY is refused with 413 before it is read."""
    big = "SELECT * WHERE { ?s ?p ?o } #" + "x" * 300_000
    assert_error_shape(client.post("/sparql", data=big, content_type="application/sparql-query"), 413, "larger")


def test_the_row_cap_is_flagged(seed_settings: Settings) -> None:
    """A result cut at KG_MAX_ROWS says so in the JSON and in a header."""
    from dataclasses import replace

    store = EmbeddedStore.open(seed_settings.store)
    app = create_app(replace(seed_settings, max_rows=3), store)
    response = app.test_client().get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p ?o }"})
    body = response.get_json()
    assert len(body["results"]["bindings"]) == 3 and body["kg"]["truncated"] is True
    assert response.headers["X-KG-Truncated"] == "true"


# --------------------------------------------------------------------------- saved queries


def test_saved_query_as_json_csv_and_geojson(client: FlaskClient) -> None:
    """/queries/<name> answers as .json, .csv and, where rows carry coordinates, .geojson."""
    params = "place=al-Qaryatayn&date=2016-04-10"
    data = client.get(f"/queries/control-at.json?{params}").get_json()
    assert {b["controllerLabel"]["value"] for b in data["results"]["bindings"]} == {"Syrian Arab Army"}
    rows = list(csv.DictReader(io.StringIO(client.get(f"/queries/control-at.csv?{params}").get_data(as_text=True))))
    assert {r["controllerLabel"] for r in rows} == {"Syrian Arab Army"}
    geo = client.get("/queries/control-map.geojson?date=2016-04-10")
    assert geo.mimetype == "application/geo+json"
    features = geo.get_json()["features"]
    assert any(f["properties"].get("controllerLabel") == "Syrian Arab Army" for f in features)
    assert all(f["geometry"]["type"] == "Point" for f in features)


def test_saved_query_by_accept_header(client: FlaskClient) -> None:
    """Without a suffix, Accept chooses: CSV for text/csv, a page for a browser."""
    url = "/queries/control-at?place=Palmyra&date=2016-04-10"
    assert client.get(url, headers={"Accept": "text/csv"}).mimetype == "text/csv"
    page = client.get(url, headers={"Accept": "text/html,*/*;q=0.8"})
    assert page.mimetype == "text/html" and "Syrian Arab Army" in page.get_data(as_text=True)


def test_a_page_without_its_parameters_shows_the_form(client: FlaskClient) -> None:
    """A person who opens a query page without parameters gets the form, not an error page."""
    page = client.get("/queries/control-at", headers={"Accept": "text/html"})
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'name="place"' in text and 'type="date"' in text and "al-Qaryatayn" in text


def test_a_page_with_some_parameters_says_what_is_missing(client: FlaskClient) -> None:
    """Half-filled forms say which parameter to fill in."""
    page = client.get("/queries/control-at?place=Palmyra", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "fill in date" in page.get_data(as_text=True)


def test_missing_parameter_for_a_program_is_400_naming_it(client: FlaskClient) -> None:
    """A program that leaves out a required parameter gets a 400 naming it."""
    body = assert_error_shape(client.get("/queries/control-at.json?place=Palmyra"), 400, "'date'")
    assert body["errors"][0]["field"] == "date"


def test_wrong_parameter_type_is_400(client: FlaskClient) -> None:
    """A date that is not a date is a 400 with the parameter and what was expected."""
    body = assert_error_shape(client.get("/queries/control-at.json?place=Palmyra&date=yesterday"), 400, "YYYY-MM-DD")
    assert body["errors"][0]["field"] == "date"


@pytest.mark.parametrize(
    "url",
    [
        "/queries/control-at.json?place=Palmyra&date=2016-04-10&view=source",
        "/queries/control-at.json?place=Palmyra&date=2016-04-10&view=source&by=",
        "/queries/control-map.geojson?date=2016-04-10&view=source",
    ],
)
def test_view_source_without_by_is_400_naming_by(client: FlaskClient, url: str) -> None:
    """view=source without a source to read is a 400 naming `by`, not an empty answer."""
    body = assert_error_shape(client.get(url), 400, "with view=source needs the parameter 'by'")
    assert body["errors"][0]["field"] == "by"


@pytest.mark.parametrize(
    "value",
    ['Palmyra" } ?s ?p ?o { "', "Palmyra' . } DROP ALL ; SELECT * WHERE { ?s ?p ?o", "} UNION { ?s ?p ?o }"],
)
def test_injection_through_parameters_changes_nothing(client: FlaskClient, seed_settings: Settings, value: str) -> None:
    """Quotes and braces in a value are part of one literal: no match, no change, no extra rows."""
    before = EmbeddedStore.open(seed_settings.store).checksum()
    response = client.get(f"/queries/control-at.json?date=2016-04-10&place={quote(value)}")
    assert_error_shape(response, 400, "no place called")
    mentions = client.get(f"/queries/mentions.json?entity={quote(value)}")
    assert mentions.status_code == 400
    assert EmbeddedStore.open(seed_settings.store).checksum() == before


def test_queries_list_for_people_and_programs(client: FlaskClient) -> None:
    """/queries lists the saved queries as HTML for a browser and JSON for a program."""
    listing = client.get("/queries", headers={"Accept": "application/json"}).get_json()
    names = {q["name"] for q in listing["queries"]}
    assert {"control-at", "control-map", "place-history", "mentions", "nearby"} <= names
    page = client.get("/queries", headers={"Accept": "text/html"})
    assert "Who controlled a place on a date" in page.get_data(as_text=True)


def test_unknown_query_is_404(client: FlaskClient) -> None:
    """An unknown saved query is 404 in the one error shape."""
    assert_error_shape(client.get("/queries/nothing.json"), 404, "no saved query called 'nothing'")


def test_openapi_document_validates(client: FlaskClient) -> None:
    """/openapi.json is a valid OpenAPI document with a path per saved query and typed parameters."""
    doc = client.get("/openapi.json").get_json()
    validate_openapi(doc)
    control = doc["paths"]["/queries/control-at.json"]["get"]
    assert {p["name"]: p["schema"].get("format") for p in control["parameters"]} == {
        "place": None,
        "date": "date",
        "view": None,
        "by": None,
        "staleDays": None,
    }


# --------------------------------------------------------------------------- pages


def test_home_page_shows_counts_sources_queries_and_editor(client: FlaskClient) -> None:
    """/ shows what the graph holds, the articles, the saved queries and a SPARQL editor."""
    text = client.get("/").get_data(as_text=True)
    assert "87</strong> control events" in text  # 73 events and 14 route events (a kind of control event)
    assert "Anti-ISIS push advances in Syria" in text
    assert "/queries/control-at" in text
    assert 'id="sparql-form"' in text and "PREFIX kg:" in text


def test_entity_page_in_html(client: FlaskClient) -> None:
    """An entity IRI dereferences to a page with its names, coordinates' source, events and mentions."""
    text = client.get("/id/place/al-qaryatayn", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "Al-Qaryatain" in text and "Qaryatayn" in text
    assert 'id="history"' in text and 'id="mentions"' in text
    assert "/id/article/000_d0ca17a74fd2c527" in text


def test_event_page_quotes_its_evidence_and_names_the_source(client: FlaskClient) -> None:
    """An event's page quotes the words of the article that support it, and who said so."""
    text = client.get("/id/event/002_27cbe1813f689608/qaryatayn-taken-by-is").get_data(as_text=True)
    assert "<blockquote>" in text and "Syrian Observatory for Human Rights" in text


@pytest.mark.parametrize(("accept", "marker"), [("text/turtle", "skos:altLabel"), ("application/ld+json", '"@id"')])
def test_entity_iri_dereferences_to_rdf(client: FlaskClient, accept: str, marker: str) -> None:
    """An RDF client asking for Turtle or JSON-LD gets the entity's statements."""
    response = client.get("/id/place/al-qaryatayn", headers={"Accept": accept})
    assert response.status_code == 200 and response.mimetype == accept
    assert marker in response.get_data(as_text=True)


def test_unknown_entity_is_404(client: FlaskClient) -> None:
    """An IRI the graph does not know is 404, as a page for browsers."""
    response = client.get("/id/place/atlantis", headers={"Accept": "text/html"})
    assert response.status_code == 404 and "nothing in the graph" in response.get_data(as_text=True)
    assert_error_shape(client.get("/id/place/atlantis", headers={"Accept": "application/json"}), 404, "nothing")


BAD_REQUESTS: dict[tuple[str, str], tuple[str, str, dict[str, object], int]] = {
    # (endpoint, rule) → (method, url, request options, status): one bad request per route
    ("static", "/static/<path:filename>"): ("GET", "/static/no-such.css", {}, 404),
    ("pages.static", "/static/<path:filename>"): ("POST", "/static/style.css", {}, 405),
    ("endpoint.sparql", "/sparql"): ("GET", "/sparql?query=SELEC", {}, 400),
    ("saved.catalogue_json", "/queries.json"): ("POST", "/queries.json", {}, 405),
    ("saved.index", "/queries"): ("GET", "/queries?format=csv", {}, 200),
    ("saved.run", "/queries/<name>"): ("GET", "/queries/control-at.json?date=2016-01-01", {}, 400),
    ("pages.home", "/"): ("PUT", "/", {}, 405),
    ("pages.entity", "/id/<path:rest>"): ("GET", "/id/place/atlantis", {}, 404),
    ("pages.favicon", "/favicon.ico"): ("POST", "/favicon.ico", {}, 405),
    ("pages.doc", "/docs/<name>"): ("GET", "/docs/no-such-page", {}, 404),
    ("openapi.openapi", "/openapi.json"): ("DELETE", "/openapi.json", {}, 405),
    ("submit.validate", "/validate"): ("POST", "/validate", {"data": "x", "content_type": "text/plain"}, 415),
    ("submit.submit", "/submissions"): (
        "POST",
        "/submissions",
        {"data": "{}", "content_type": "application/json"},
        401,
    ),
    ("submit.index", "/submissions"): ("PUT", "/submissions", {}, 405),
    ("submit.show", "/submissions/<submission_id>"): ("GET", "/submissions/no-such-submission", {}, 404),
    ("submit.retract", "/submissions/<submission_id>"): ("DELETE", "/submissions/x", {}, 401),
    ("map.page", "/map"): ("POST", "/map", {}, 405),
    ("annotate.page", "/annotate"): ("POST", "/annotate", {}, 405),
    ("annotate.text", "/annotate/texts/<name>"): ("GET", "/annotate/texts/nothing.txt", {}, 404),
    ("drafts.draft", "/annotate/draft"): ("POST", "/annotate/draft", {"data": "x", "content_type": "text/plain"}, 400),
    ("map.asset", "/map/assets/<name>"): ("GET", "/map/assets/nothing.js", {}, 404),
    ("ontology.page", "/ontology"): ("GET", "/ontology?format=nope", {}, 406),
    ("reconcile.service", "/reconcile"): ("POST", "/reconcile", {"data": {}}, 400),
    ("reconcile.suggest_entity", "/reconcile/suggest/entity"): ("GET", "/reconcile/suggest/entity?cursor=x", {}, 400),
    ("reconcile.suggest_type", "/reconcile/suggest/type"): ("PUT", "/reconcile/suggest/type", {}, 405),
    ("reconcile.suggest_property", "/reconcile/suggest/property"): ("PUT", "/reconcile/suggest/property", {}, 405),
    ("reconcile.preview", "/reconcile/preview"): ("GET", "/reconcile/preview", {}, 400),
    ("exports.places_lpf", "/export/places.lpf.json"): ("POST", "/export/places.lpf.json", {}, 405),
}
"""/queries has no bad input (any Accept gets the list), so its entry shows it stays a 200."""


def test_every_route_has_a_bad_request_listed(client: FlaskClient) -> None:
    """The table below walks every route in the app's URL map (a new route must add its own)."""
    routes = {(rule.endpoint, rule.rule) for rule in client.application.url_map.iter_rules()}
    assert routes == set(BAD_REQUESTS)


@pytest.mark.parametrize("route", sorted(BAD_REQUESTS), ids=lambda r: f"{r[0]} {r[1]}")
def test_every_error_is_the_one_json_shape(client: FlaskClient, route: tuple[str, str]) -> None:
    """A bad request to each route is answered in the one JSON error shape with its status."""
    method, url, options, status = BAD_REQUESTS[route]
    response = client.open(url, method=method, headers={"Accept": "application/json"}, **options)  # type: ignore[arg-type]
    if status == 200:
        assert response.status_code == 200 and response.get_json()["ok"] is True
        return
    assert_error_shape(response, status, "")


@pytest.mark.parametrize("route", sorted(r for r, v in BAD_REQUESTS.items() if v[3] != 200), ids=lambda r: r[1])
def test_every_error_is_a_page_for_a_browser(client: FlaskClient, route: tuple[str, str]) -> None:
    """The same bad requests from a browser get an HTML page with the same status."""
    method, url, options, status = BAD_REQUESTS[route]
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    response = client.open(url, method=method, headers={"Accept": browser}, **options)  # type: ignore[arg-type]
    assert response.status_code == status and response.mimetype == "text/html"


def test_unknown_paths_and_wrong_methods_share_the_shape(client: FlaskClient) -> None:
    """404 for unknown paths and 405 for wrong methods use the same shape as kg's own errors."""
    assert_error_shape(client.get("/no/such/page"), 404, "")
    assert_error_shape(client.delete("/sparql"), 405, "")


# --------------------------------------------------------------------------- every query has a limit


GOOD_READS = (
    "/",
    "/queries/control-at.json?place=al-Qaryatayn&date=2016-04-10",
    "/queries/actor-events?actor=Islamic%20State",
    "/id/place/al-qaryatayn",
    "/ontology",
    "/map",
    '/reconcile?queries={"q0":{"query":"Qaryatayn"}}',
    "/reconcile/suggest/entity?prefix=al",
    "/export/places.lpf.json",
    "/submissions",
    "/sparql?query=ASK%20%7B%20%3Fs%20%3Fp%20%3Fo%20%7D",
    "/sparql",
)


def test_every_query_a_route_makes_has_the_limits(seed_settings: Settings) -> None:
    """Pages, saved queries (with name lookups), reconciliation, exports and /sparql: each store
    call carries KG_QUERY_TIMEOUT and KG_MAX_ROWS (the read of the periods index, KG_INDEX_TIMEOUT
    and KG_INDEX_ROWS)."""
    from .test_app import RecordingStore

    store = EmbeddedStore.open(seed_settings.store)
    recorder = RecordingStore(store)
    client = create_app(Kg(seed_settings, recorder)).test_client()  # type: ignore[arg-type]
    try:
        for url in GOOD_READS:
            assert client.get(url).status_code == 200, url
    finally:
        store.close()
    assert len(recorder.calls) > len(GOOD_READS)
    limits = {(seed_settings.query_timeout, seed_settings.max_rows)}
    index_read = (seed_settings.index_timeout, seed_settings.index_rows)  # the periods index's own limits
    assert {c[1:] for c in recorder.calls} - {index_read} == limits


class HangingStore:
    """A store whose every query hangs: until its time limit (then it stops, as the real stores
    do), or for a minute when it was given none."""

    def __init__(self, inner: EmbeddedStore):
        self.inner = inner
        self.limits: list[float | None] = []

    def query(self, sparql: str, bindings: object = None, *, timeout: float | None = None, **_: object) -> None:
        import threading

        self.limits.append(timeout)
        threading.Event().wait(timeout if timeout else 60)
        raise timed_out(timeout or 60)

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)


def test_a_place_lookup_on_a_hanging_store_stops_at_the_limit(seed_settings: Settings) -> None:
    """place=al-Qaryatayn is looked up under KG_QUERY_TIMEOUT: the request ends in 503 within it + 1 s."""
    import threading
    from dataclasses import replace

    store = EmbeddedStore.open(seed_settings.store)
    hanging = HangingStore(store)
    app = create_app(Kg(replace(seed_settings, query_timeout=0.5), hanging))  # type: ignore[arg-type]
    answers: list[object] = []
    url = "/queries/control-at.json?place=al-Qaryatayn&date=2016-04-10"
    worker = threading.Thread(target=lambda: answers.append(app.test_client().get(url)), daemon=True)
    worker.start()
    worker.join(0.5 + 1)
    store.close()
    assert answers, f"the request was still running after 1.5 s; limits given: {hanging.limits}"
    assert hanging.limits == [0.5]
    assert_error_shape(answers[0], 503, "longer than 0.5 s")


def test_pages_send_a_strict_content_security_policy(client: FlaskClient) -> None:
    """Pages load scripts and styles only from the server itself (no CDN, no inline script)."""
    csp = client.get("/").headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "default-src 'self'" in csp


def test_json_answers_are_valid_json(client: FlaskClient) -> None:
    """The JSON a program receives parses."""
    response = client.get("/queries/articles.json")
    assert json.loads(response.get_data(as_text=True))["head"]["vars"][0] == "article"
