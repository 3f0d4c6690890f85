"""/openapi.json describes every route the app serves, validates as OpenAPI 3.1
(openapi-spec-validator), and its result schemas fit what the routes really answer — and
refuse what they must not."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate as validate_openapi
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from kg.config import Settings
from kg.store import Store
from kg.web import create_app

IGNORED = {"HEAD", "OPTIONS"}


@pytest.fixture(scope="module")
def client(seed: tuple[Settings, Store]) -> Iterator[FlaskClient]:
    app = create_app(seed[0], seed[1])
    app.testing = True
    with app.test_client() as c:
        yield c


@pytest.fixture(scope="module")
def doc(client: FlaskClient) -> dict[str, Any]:
    return client.get("/openapi.json").get_json()  # type: ignore[no-any-return]


def test_the_document_validates(doc: dict[str, Any]) -> None:
    """openapi-spec-validator accepts the document (3.1, unique operation ids, resolvable $refs)."""
    validate_openapi(doc)
    assert doc["openapi"] == "3.1.0"


def test_every_route_and_method_is_in_the_document(client: FlaskClient, doc: dict[str, Any]) -> None:
    """Each path of the document, its placeholders filled, is served by a route of Flask's URL map
    with each method it lists, and every route and method of the map is reached so: nothing
    left out, nothing described that is not served."""
    served = {(r.rule, m) for r in client.application.url_map.iter_rules() for m in r.methods or () if m not in IGNORED}
    adapter = client.application.url_map.bind("localhost")
    described = set()
    for template, operations in doc["paths"].items():
        concrete = re.sub(r"\{[^}]+\}", "x", template)
        for method in operations:
            rule, _ = adapter.match(concrete, method=method.upper(), return_rule=True)
            described.add((rule.rule, method.upper()))
    assert served - described == set(), "served but not described"
    assert described <= served


def test_the_saved_queries_come_in_every_form(doc: dict[str, Any]) -> None:
    """A saved query has its negotiated path and its .json, .csv and .geojson forms, typed."""
    forms = {p for p in doc["paths"] if p.startswith("/queries/control-at")}
    assert forms == {"/queries/control-at", *(f"/queries/control-at.{s}" for s in ("json", "csv", "geojson"))}
    csv = doc["paths"]["/queries/control-at.csv"]["get"]["responses"]["200"]["content"]
    assert list(csv) == ["text/csv"]
    post = doc["paths"]["/sparql"]["post"]
    assert set(post["requestBody"]["content"]) >= {"application/sparql-query", "application/sparql-update"}
    assert {"bearerAuth": []} in post["security"] and doc["paths"]["/submissions"]["post"]["security"]


def _validator(doc: dict[str, Any], path: str, method: str, status: int, media_type: str) -> Draft202012Validator:
    """The schema the document gives for this answer, its $refs resolved within the document."""
    schema = doc["paths"][path][method]["responses"][str(status)]["content"][media_type]["schema"]
    registry = Registry().with_resource(
        "urn:kg:openapi", Resource.from_contents(doc, default_specification=DRAFT202012)
    )
    rebased = json.loads(json.dumps(schema).replace('"#/components', '"urn:kg:openapi#/components'))
    return Draft202012Validator(rebased, registry=registry)


ANSWERS = [  # (document path, method, url, request options, status, media type)
    (
        "/queries/control-at.json",
        "get",
        "/queries/control-at.json?place=al-Qaryatayn&date=2016-04-10",
        {},
        200,
        "application/sparql-results+json",
    ),
    ("/queries/control-at.json", "get", "/queries/control-at.json?date=2016-04-10", {}, 400, "application/json"),
    ("/queries.json", "get", "/queries.json", {}, 200, "application/json"),
    (
        "/sparql",
        "get",
        "/sparql?query=ASK%20%7B%7D",
        {"headers": {"Accept": "application/sparql-results+json"}},
        200,
        "application/sparql-results+json",
    ),
    ("/sparql", "get", "/sparql?query=SELEC", {}, 400, "application/json"),
    ("/reconcile", "get", "/reconcile", {}, 200, "application/json"),
    ("/reconcile", "post", "/reconcile", {"data": {"queries": '{"q0": {"query": "Hims"}}'}}, 200, "application/json"),
    ("/reconcile/suggest/entity", "get", "/reconcile/suggest/entity?prefix=place/homs", {}, 200, "application/json"),
    ("/reconcile/suggest/type", "get", "/reconcile/suggest/type?prefix=", {}, 200, "application/json"),
    ("/reconcile/suggest/property", "get", "/reconcile/suggest/property?prefix=", {}, 200, "application/json"),
    ("/export/places.lpf.json", "get", "/export/places.lpf.json", {}, 200, "application/geo+json"),
    ("/submissions", "get", "/submissions", {}, 200, "application/json"),
    ("/submissions", "post", "/submissions", {"json": {}}, 401, "application/json"),
    ("/submissions/{submission_id}", "get", "/submissions/no-such", {}, 404, "application/json"),
    ("/validate", "post", "/validate", {"json": {"annotation": "article: 1\n", "text": "x"}}, 422, "application/json"),
    ("/validate", "post", "/validate", {"json": {"annotation": "article: [", "text": "x"}}, 400, "application/json"),
]


@pytest.mark.parametrize("case", ANSWERS, ids=[f"{a[1]} {a[2][:50]} {a[4]}" for a in ANSWERS])
def test_each_answer_fits_its_schema(client: FlaskClient, doc: dict[str, Any], case: tuple[Any, ...]) -> None:
    """A real answer of the route has the status, type and shape the document says."""
    path, method, url, options, status, media_type = case
    response = client.open(url, method=method.upper(), **options)
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert response.mimetype == media_type
    errors = [
        f"{list(e.absolute_path)}: {e.message}"
        for e in _validator(doc, path, method, status, media_type).iter_errors(json.loads(response.get_data()))
    ]
    assert not errors, errors[:5]


def test_the_result_schemas_are_strict(client: FlaskClient, doc: dict[str, Any]) -> None:
    """What a client must be able to rely on is required: a feature with `geometry: null` or no
    fclasses, a candidate scoring 120 and an error without its status all fail their schemas."""
    places = client.get("/export/places.lpf.json").get_json()
    lpf = _validator(doc, "/export/places.lpf.json", "get", 200, "application/geo+json")
    for broken in ({"geometry": None}, {"properties": {"title": "x"}}):
        assert not lpf.is_valid({**places, "features": [{**places["features"][0], **broken}]})
    batch = client.post("/reconcile", data={"queries": '{"q0": {"query": "Homs"}}'}).get_json()
    batch["q0"]["result"][0]["score"] = 120
    assert not _validator(doc, "/reconcile", "post", 200, "application/json").is_valid(batch)
    assert not _validator(doc, "/sparql", "get", 400, "application/json").is_valid(
        {"ok": False, "error": "x", "errors": []}
    )
