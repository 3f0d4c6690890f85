"""kg's /reconcile against the W3C Entity Reconciliation Community Group's published suite:
the 0.2 JSON Schemas and examples of `reconciliation-api/specs` and the checks the
`reconciliation-api/testbench` makes (tests/suites/reconciliation/, kept unchanged), plus the
ranking rules an OpenRefine user relies on: a town's name finds the town, not its governorate."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from kg import reconcile, reconcile_suggest
from kg.config import Settings
from kg.errors import UsageError
from kg.store import Store
from kg.web import create_app

SUITE = Path(__file__).parent / "suites" / "reconciliation"
SPECS = SUITE / "specs"
EXAMPLES = SPECS / "0.2" / "examples"
TOWNS = json.loads((Path(__file__).parent / "data" / "reconciliation" / "openrefine-towns.json").read_text("utf-8"))


def _registry(version: str) -> tuple[Registry, str]:
    """Every schema of one spec version, by its $id and by its file name (as the testbench's one
    Ajv instance per version holds them), and the base its relative $refs resolve against."""
    files = sorted((SPECS / version / "schemas").glob("*.json"))
    contents = {f.name: json.loads(f.read_text("utf-8")) for f in files}
    base = contents["manifest.json"]["$id"].rsplit("/", 1)[0] + "/"
    pairs = []
    for name, schema in contents.items():
        resource = Resource.from_contents(schema, default_specification=DRAFT7)
        pairs += [(base + name, resource), (schema.get("$id", base + name).rstrip("#"), resource)]
    return Registry().with_resources(pairs), base


def validator(version: str, name: str) -> Draft7Validator:
    registry, base = _registry(version)
    schema = registry.contents(base + f"{name}.json")
    return Draft7Validator(schema, registry=registry, format_checker=Draft7Validator.FORMAT_CHECKER)


def errors(version: str, name: str, body: Any) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator(version, name).iter_errors(body)]


@pytest.fixture(scope="module")
def client(seed: tuple[Settings, Store]) -> Iterator[FlaskClient]:
    app = create_app(seed[0], seed[1])
    app.testing = True
    with app.test_client() as c:
        yield c


@pytest.fixture(scope="module")
def index(seed: tuple[Settings, Store]) -> reconcile.Index:
    return reconcile.index(seed[1], seed[0])


def _examples(kind: str, validity: str) -> list[Path]:
    return sorted((EXAMPLES / kind / validity).glob("*.json"))


SCHEMA_OF = {  # example folder → schema file
    "manifest": "manifest",
    "reconciliation-query-batch": "reconciliation-query-batch",
    "reconciliation-result-batch": "reconciliation-result-batch",
    "suggest-entities-response": "suggest-entities-response",
    "suggest-types-response": "suggest-types-response",
    "suggest-properties-response": "suggest-properties-response",
}
EXAMPLE_CASES = [(k, v, p) for k in SCHEMA_OF for v in ("valid", "invalid") for p in _examples(k, v)]


@pytest.mark.parametrize("kind,validity,path", EXAMPLE_CASES, ids=[f"{k}/{v}/{p.stem}" for k, v, p in EXAMPLE_CASES])
def test_the_spec_examples_drive_the_validators(kind: str, validity: str, path: Path) -> None:
    """The suite's own examples pass or fail its schemas as the suite says: the validators bite."""
    found = errors("0.2", SCHEMA_OF[kind], json.loads(path.read_text("utf-8")))
    assert bool(found) == (validity == "invalid"), found
    assert len(EXAMPLE_CASES) > 20


def test_the_testbench_takes_kg_for_a_0_2_service(client: FlaskClient) -> None:
    """As testbench's ReconciliationService does: the manifest is checked against the manifest
    schema of each version it knows (utils/versions), the latest that passes is the one it
    speaks — 0.2, whose schema the manifest passes without an error."""
    manifest = client.get("/reconcile").get_json()
    versions = (SUITE / "testbench" / "utils" / "versions").read_text("utf-8").split()
    compatible = [v for v in versions if not errors(v, "manifest", manifest)]
    assert versions == ["0.1", "0.2", "1.0-draft"] and compatible[-1] == "0.2"
    assert not errors("0.2", "manifest", manifest)
    assert set(manifest["suggest"]) == {"entity", "type", "property"}


@pytest.mark.parametrize("path", _examples("reconciliation-query-batch", "invalid"), ids=lambda p: p.stem)
def test_the_spec_invalid_batches_are_refused(client: FlaskClient, path: Path) -> None:
    """Each batch the spec calls invalid is a 400 in the one error shape, naming the query."""
    response = client.post("/reconcile", data={"queries": path.read_text("utf-8")})
    body = response.get_json()
    assert response.status_code == 400 and body["ok"] is False and "query 'q" in body["error"]


@pytest.mark.parametrize("path", _examples("reconciliation-query-batch", "valid"), ids=lambda p: p.stem)
def test_the_spec_valid_batches_are_read(path: Path) -> None:
    """Each batch the spec calls valid is read; kg refuses only what it does not offer (the GND
    examples' types and properties), by name."""
    try:
        batch = reconcile.parse_batch(path.read_text("utf-8"))
    except UsageError as exc:
        assert re.search(r"unknown (type|property) '(DifferentiatedPerson|professionOrOccupation|uid)'", str(exc))
    else:
        assert set(batch) == set(json.loads(path.read_text("utf-8")))


def _batch() -> dict[str, Any]:
    """The 30 towns as OpenRefine sends a column reconciled against Place."""
    return {
        f"q{i}": {"query": row["query"], "type": "Place", "type_strict": "should", "limit": 3}
        for i, row in enumerate(TOWNS["rows"])
    }


def test_every_answer_is_valid_by_the_0_2_schemas(client: FlaskClient) -> None:
    """A batch's results and each suggest service's answers (by name, by id, by type) pass the
    spec's result-batch and suggest schemas."""
    results = client.post("/reconcile", data={"queries": json.dumps(_batch())}).get_json()
    assert not errors("0.2", "reconciliation-result-batch", results) and len(results) == 30
    for url, schema in [
        ("/reconcile/suggest/entity?prefix=Hom", "suggest-entities-response"),
        ("/reconcile/suggest/entity?prefix=place/homs", "suggest-entities-response"),
        ("/reconcile/suggest/entity?prefix=Hom&type=Actor", "suggest-entities-response"),
        ("/reconcile/suggest/type?prefix=se", "suggest-types-response"),
        ("/reconcile/suggest/type?prefix=", "suggest-types-response"),
        ("/reconcile/suggest/property?prefix=co", "suggest-properties-response"),
    ]:
        body = client.get(url).get_json()
        assert body["result"] and not errors("0.2", schema, body), url


def test_hims_is_the_city_of_homs_for_a_person_to_confirm(index: reconcile.Index) -> None:
    """Hims (which spells the governorate's GeoNames name too) puts the city first, and since the
    governorate's name agrees as well, the tie is not a match."""
    found = reconcile.candidates(index, reconcile.Query("Hims", ("Place",)))
    assert [c.entity.id for c in found[:2]] == ["place/homs", "place/homs-governorate"]
    assert not any(c.match for c in found)
    assert found[0].score > found[1].score


def test_a_city_and_its_governorate_tied_are_never_a_match(index: reconcile.Index) -> None:
    """Deir ez-Zor names the city and (as an alternate) its governorate equally: the city first,
    no match; Homs, which only the city is called outright, is still matched."""
    tied = reconcile.candidates(index, reconcile.Query("Dayr az Zawr"))
    assert tied[0].entity.id == "place/deir-ez-zor" and tied[1].entity.id == "place/deir-ez-zor-governorate"
    assert not any(c.match for c in tied)
    homs = reconcile.candidates(index, reconcile.Query("Homs"))
    assert homs[0].entity.id == "place/homs" and homs[0].match


def test_a_governorate_named_as_one_is_the_governorate(index: reconcile.Index) -> None:
    """With the word province or governorate, the administrative unit is wanted and matched."""
    for text, wanted in [
        ("Homs province", "place/homs-governorate"),
        ("Deir ez-Zor province", "place/deir-ez-zor-governorate"),
    ]:
        top = reconcile.candidates(index, reconcile.Query(text))[0]
        assert top.entity.id == wanted and top.match, text


def test_the_openrefine_town_batch(client: FlaskClient) -> None:
    """The 30 towns: the right town is the top candidate of every row (29 before the town rule),
    and no row is matched to a wrong entity."""
    results = client.post("/reconcile", data={"queries": json.dumps(_batch())}).get_json()
    tops = [(row["expected"], results[f"q{i}"]["result"][:1]) for i, row in enumerate(TOWNS["rows"])]
    right = [expected for expected, top in tops if top and top[0]["id"] == expected]
    wrong_matches = [top[0]["id"] for expected, top in tops if top and top[0]["match"] and top[0]["id"] != expected]
    assert len(right) == 30 and wrong_matches == []
    assert sum(1 for _, top in tops if top and top[0]["match"]) >= 27


def test_suggest_finds_an_entity_by_its_id(index: reconcile.Index) -> None:
    """An id, its start or the whole IRI finds the entity first."""
    assert reconcile_suggest.suggest(index, "place/homs")[0].id == "place/homs"
    assert reconcile_suggest.suggest(index, "https://w3id.org/kg/id/place/al-qary")[0].id == "place/al-qaryatayn"
    assert reconcile_suggest.suggest(index, "actor/islamic")[0].id == "actor/islamic-state"


def test_suggest_keeps_to_the_type(client: FlaskClient) -> None:
    """type= restricts suggestions (Homs as an Actor is the Homs Media Center, not the city);
    an unknown type is a 400 naming it."""
    actors = client.get("/reconcile/suggest/entity?prefix=Homs&type=Actor").get_json()["result"]
    assert [a["id"] for a in actors] == ["actor/homs-media-center"]
    places = client.get("/reconcile/suggest/entity?prefix=Homs&type=Settlement").get_json()["result"]
    assert [p["id"] for p in places] == ["place/homs"]
    response = client.get("/reconcile/suggest/entity?prefix=Homs&type=Unicorn")
    assert response.status_code == 400 and "unknown type 'Unicorn'" in response.get_json()["error"]
