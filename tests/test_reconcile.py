"""Reconciliation (W3C Entity Reconciliation API 0.2) over the seed graph: the scoring of
:mod:`kg.reconcile`, the protocol over a real `kg serve` on loopback as OpenRefine speaks it, and
bad requests through Flask's test client. Every answer is checked against the spec's JSON Schemas
(cut down in ``tests/data/reconciliation/``)."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from jsonschema import Draft7Validator

from kg import reconcile, reconcile_suggest
from kg.config import Settings
from kg.errors import ConfigError, InputError, UsageError
from kg.store import Store
from kg.web import create_app

SCHEMAS = Path(__file__).parent / "data" / "reconciliation"

# What OpenRefine sends when a column of place names is reconciled against "Place", with a
# second column used as a property: several queries, types, properties and limits at once.
OPENREFINE_BATCH = {
    "q0": {"query": "Qaryatain", "type": "Place", "type_strict": "should", "limit": 3},
    "q1": {"query": "Dumeir", "type": "Place", "limit": 3},
    "q2": {"query": "Ruhaibeh", "type": "Settlement", "limit": 3},
    "q3": {"query": "Al Qaryatayn", "type": "Place", "properties": [{"pid": "country", "v": "Syria"}]},
    "q4": {"query": "Qaryatayn", "properties": [{"pid": "governorate", "v": "Homs province"}]},
    "q5": {"query": "Jaish al-Islam", "type": "Actor"},
    "q6": {"query": "Tadmur", "properties": [{"pid": "coordinates", "v": "34.56,38.28"}]},
    "q7": {"query": "Blorpington Heights", "type": "Place"},
    "q8": {"query": "Palmyra", "limit": 1},
}


def schema(name: str) -> Draft7Validator:
    return Draft7Validator(json.loads((SCHEMAS / f"{name}.json").read_text("utf-8")))


def assert_valid(name: str, body: Any) -> None:
    errors = sorted(schema(name).iter_errors(body), key=str)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)


def top(results: dict[str, Any], key: str) -> dict[str, Any]:
    return results[key]["result"][0]  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def index(seed: tuple[Settings, Store]) -> reconcile.Index:
    return reconcile.index(seed[1], seed[0])


# --------------------------------------------------------------------------- scoring


def test_the_openrefine_batch_is_valid_by_the_spec() -> None:
    """The test batch itself is a valid 0.2 query batch (so the tests speak the protocol)."""
    assert_valid("reconciliation-query-batch", OPENREFINE_BATCH)


def test_transliteration_variants_reconcile_to_the_right_places(index: reconcile.Index) -> None:
    """Qaryatain, Dumeir and Ruhaibeh are matched to al-Qaryatayn, al-Dumayr and ar-Ruhaybah."""
    results = reconcile.reconcile(index, reconcile.parse_batch(json.dumps(OPENREFINE_BATCH)))
    assert_valid("reconciliation-result-batch", results)
    expected = {"q0": "place/al-qaryatayn", "q1": "place/al-dumayr", "q2": "place/ar-ruhaybah"}
    for key, wanted in expected.items():
        assert top(results, key)["id"] == wanted
        assert top(results, key)["match"] is True, top(results, key)


def test_nonsense_gets_no_match(index: reconcile.Index) -> None:
    """A name nothing in the graph resembles gets no candidate that is a match."""
    results = reconcile.reconcile(index, {"q": reconcile.Query("Blorpington Heights", ("Place",))})
    assert not any(c["match"] for c in results["q"]["result"])


def test_a_candidate_says_why_it_scored(index: reconcile.Index) -> None:
    """Features give the name similarity, the type and each property's agreement."""
    query = reconcile.parse_batch(json.dumps({"q": OPENREFINE_BATCH["q3"]}))["q"]
    best = reconcile.candidates(index, query)[0]
    assert best.entity.id == "place/al-qaryatayn"
    assert dict(best.features) == {"name": 1.0, "type": True, "country": 1.0}
    assert best.to_json()["type"] == [{"id": "Settlement", "name": "settlement"}]
    assert best.to_json()["description"] == "settlement in Homs governorate, Syrian Desert"


def test_properties_check_where_a_place_lies(index: reconcile.Index) -> None:
    """A governorate given by one of its alternate names raises the right place; a wrong one lowers it."""
    right = reconcile.Query("Qaryatayn", properties=(("governorate", ("Homs province",)),))
    wrong = reconcile.Query("Qaryatayn", properties=(("governorate", ("Anbar province",)),))
    assert reconcile.candidates(index, right)[0].score > reconcile.candidates(index, wrong)[0].score
    assert reconcile.candidates(index, right)[0].match is True
    assert reconcile.candidates(index, wrong)[0].match is False


def test_coordinates_find_a_place_by_position(index: reconcile.Index) -> None:
    """Palmyra's other name and a point near it reconcile to Palmyra."""
    query = reconcile.Query("Tadmur", properties=(("coordinates", ("34.56,38.28",)),))
    best = reconcile.candidates(index, query)[0]
    assert best.entity.id == "place/palmyra"
    assert dict(best.features)["coordinates"] > 0.9


def test_an_ambiguous_name_is_not_a_match(index: reconcile.Index) -> None:
    """Two candidates scoring alike leave the choice to the person: no ``match``."""
    entities = (index.by_id("place/al-dumayr"), index.by_id("place/ar-ruhaybah"))
    twins = reconcile.Index(tuple(e for e in entities if e is not None) * 2)
    found = reconcile.candidates(twins, reconcile.Query("Dumeir"))
    assert len(found) == 2 and found[0].score == found[1].score
    assert not any(c.match for c in found)


def test_the_type_restricts_the_candidates(index: reconcile.Index) -> None:
    """Asking for an Actor never returns a place, whatever its name."""
    found = reconcile.candidates(index, reconcile.Query("Qaryatayn", ("Actor",)))
    assert all("Actor" in c.entity.types for c in found)


def test_suggest_completes_a_prefix_across_spellings(index: reconcile.Index) -> None:
    """Qary, and the folded dumei, complete to their places."""
    assert reconcile_suggest.suggest(index, "Qary")[0].id == "place/al-qaryatayn"
    assert reconcile_suggest.suggest(index, "dumei")[0].id == "place/al-dumayr"
    assert reconcile_suggest.suggest(index, "   ") == []


def test_an_index_cut_by_the_row_cap_is_refused(seed: tuple[Settings, Store]) -> None:
    """Reconciling against part of the graph would be wrong, not just incomplete: it fails instead."""
    with pytest.raises(ConfigError, match="KG_MAX_ROWS=5"):
        reconcile.index(seed[1], replace(seed[0], max_rows=5))


@pytest.mark.parametrize(
    ("text", "error", "words"),
    [
        ("{not json", InputError, "not valid JSON"),
        ("[1, 2]", UsageError, "JSON object"),
        ('{"q0": "Palmyra"}', UsageError, "must be an object"),
        ('{"q0": {"query": ""}}', UsageError, "non-empty"),
        ('{"q0": {"query": "x", "type": "Planet"}}', UsageError, "unknown type"),
        ('{"q0": {"query": "x", "limit": 0}}', UsageError, "limit"),
        ('{"q0": {"query": "x", "properties": [{"pid": "population", "v": 3}]}}', UsageError, "unknown property"),
        ('{"q0": {"query": "x", "colour": "red"}}', UsageError, "unknown member"),
    ],
)
def test_a_bad_batch_is_refused_with_a_reason(text: str, error: type[Exception], words: str) -> None:
    """Each malformed batch raises the right error, naming the query and the problem."""
    with pytest.raises(error, match=words):
        reconcile.parse_batch(text)


# --------------------------------------------------------------------------- the real server


def get(url: str) -> tuple[int, dict[str, str], bytes]:
    with urllib.request.urlopen(url, timeout=20) as response:
        return response.status, dict(response.headers), response.read()


def test_the_manifest_over_http(seed_server: str) -> None:
    """GET /reconcile is a valid 0.2 manifest whose view URL opens the entity pages."""
    status, headers, body = get(seed_server + "/reconcile")
    manifest = json.loads(body)
    assert status == 200 and headers["Access-Control-Allow-Origin"] == "*"
    assert_valid("manifest", manifest)
    assert manifest["versions"] == ["0.2"]
    assert {t["id"] for t in manifest["defaultTypes"]} == {"Place", "Infrastructure", "Actor"}
    view = manifest["view"]["url"].replace("{{id}}", "place/al-qaryatayn")
    assert get(view)[0] == 200


def test_an_openrefine_batch_over_http(seed_server: str) -> None:
    """A POSTed form batch is answered per query, valid by the spec, readable from any origin."""
    data = urllib.parse.urlencode({"queries": json.dumps(OPENREFINE_BATCH)}).encode()
    request = urllib.request.Request(seed_server + "/reconcile", data=data, headers={"Origin": "http://refine.test"})
    with urllib.request.urlopen(request, timeout=20) as response:
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        results = json.loads(response.read())
    assert_valid("reconciliation-result-batch", results)
    assert set(results) == set(OPENREFINE_BATCH)
    assert top(results, "q0")["id"] == "place/al-qaryatayn" and top(results, "q0")["match"]
    assert top(results, "q5")["id"] == "actor/jaysh-al-islam"
    assert top(results, "q6")["id"] == "place/palmyra"
    assert not any(c["match"] for c in results["q7"]["result"])
    assert len(results["q8"]["result"]) == 1


def test_a_batch_by_get(seed_server: str) -> None:
    """The same queries may come in the query string."""
    query = urllib.parse.urlencode({"queries": json.dumps({"q0": {"query": "Ruhaibeh"}})})
    results = json.loads(get(f"{seed_server}/reconcile?{query}")[2])
    assert top(results, "q0")["id"] == "place/ar-ruhaybah"


def test_suggest_and_preview_over_http(seed_server: str) -> None:
    """Suggest answers by the spec's schema; the preview is a small page that may be framed."""
    suggestions = json.loads(get(seed_server + "/reconcile/suggest/entity?prefix=Dume")[2])
    assert_valid("suggest-entities-response", suggestions)
    assert suggestions["result"][0]["id"] == "place/al-dumayr"
    status, headers, body = get(seed_server + "/reconcile/preview?id=place/al-dumayr")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert "frame-ancestors *" in headers["Content-Security-Policy"]
    assert "script" not in headers["Content-Security-Policy"] and b"<script" not in body
    assert b"al-Dumayr" in body and b"Dumeir" in body


# --------------------------------------------------------------------------- errors (test client)


@pytest.fixture(scope="module")
def client(seed: tuple[Settings, Store]) -> Iterator[FlaskClient]:
    app = create_app(seed[0], seed[1])
    app.testing = True
    with app.test_client() as c:
        yield c


def assert_error(response: Any, status: int, words: str) -> None:
    assert response.status_code == status, response.data[:300]
    body = response.get_json()
    assert set(body) == {"ok", "error", "errors", "status"} and body["status"] == status
    assert words in body["error"], body


def test_bad_json_is_a_400_in_the_one_error_shape(client: FlaskClient) -> None:
    """A batch that is not JSON is refused with where the parser stopped."""
    assert_error(client.post("/reconcile", data={"queries": "{q0: nope"}), 400, "line 1, column 2")


def test_unknown_types_and_properties_are_400(client: FlaskClient) -> None:
    """An unknown type or property names itself and lists what is known."""
    bad_type = json.dumps({"q0": {"query": "Palmyra", "type": "Planet"}})
    assert_error(client.post("/reconcile", data={"queries": bad_type}), 400, "unknown type 'Planet'")
    bad_pid = json.dumps({"q0": {"query": "Palmyra", "properties": [{"pid": "P17", "v": "SY"}]}})
    assert_error(client.get("/reconcile", query_string={"queries": bad_pid}), 400, "unknown property 'P17'")


def test_a_post_without_queries_is_400(client: FlaskClient) -> None:
    """POST /reconcile must carry queries; data extension is not offered."""
    assert_error(client.post("/reconcile", data={"extend": "{}"}), 400, "queries")


def test_preview_of_an_unknown_id_is_404(client: FlaskClient) -> None:
    """A preview for an id the graph does not have is a 404 naming the id."""
    response = client.get("/reconcile/preview?id=place/atlantis", headers={"Accept": "application/json"})
    assert_error(response, 404, "place/atlantis")


def test_suggest_property_lists_the_properties(client: FlaskClient) -> None:
    """Property suggestions offer the pids queries may use."""
    result = client.get("/reconcile/suggest/property?prefix=co").get_json()["result"]
    assert {p["id"] for p in result} == {"country", "coordinates"}


def test_the_routes_are_in_the_openapi_document(client: FlaskClient) -> None:
    """/openapi.json describes the reconciliation routes and still validates."""
    from openapi_spec_validator import validate as validate_openapi

    doc = client.get("/openapi.json").get_json()
    validate_openapi(doc)
    assert {"/reconcile", "/reconcile/suggest/entity", "/reconcile/preview"} <= set(doc["paths"])


@pytest.mark.parametrize(
    "batch",
    [
        pytest.param("[" * 50_000 + "]" * 50_000, id="queries-50000-deep"),
        pytest.param('{"q0": {"query": "x", "properties": ' + "[" * 5_000 + "]" * 5_000 + "}}", id="properties-5000"),
        pytest.param(
            '{"q0": {"query": "x", "properties": [{"pid": "within", "v": ' + "[" * 10 + "]" * 10 + "}]}}", id="v-10"
        ),
    ],
)
def test_deeply_nested_json_is_a_400_in_the_one_error_shape(client: FlaskClient, batch: str) -> None:
    """Arrays or objects nested too deep in `queries` or its `properties` are a 400 saying how deep, not a 500."""
    assert_error(client.post("/reconcile", data={"queries": batch}), 400, "nests arrays and objects")


def test_brackets_inside_strings_do_not_count_as_nesting(client: FlaskClient) -> None:
    """A query text full of brackets (and escaped quotes) is read, not refused as nested."""
    batch = json.dumps({"q0": {"query": 'Palmyra [[[[[[[[[[{{{{{{{{ \\" ' + "[" * 50}})
    assert client.post("/reconcile", data={"queries": batch}).status_code == 200
