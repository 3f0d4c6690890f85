"""kg's Linked Places export against World Historical Gazetteer's own upload schemas
(tests/suites/whg/, kept unchanged from WHG's repository) and the rules of the LPF v1.3
README that no schema encodes: every exported feature must be a valid WHG upload."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from kg import linkedplaces
from kg.config import Settings
from kg.store import Store

SUITE = Path(__file__).parent / "suites" / "whg"
SCHEMAS = sorted(SUITE.glob("schema_lpf_v*.json"))
KGID = "https://w3id.org/kg/id/"
GEONAMES_CLASSES = set("AHLPRST")  # LPF README, "fclasses[] (required)"


@pytest.fixture(scope="module")
def features(seed: tuple[Settings, Store]) -> list[dict[str, Any]]:
    settings, store = seed
    return json.loads(linkedplaces.export(store, settings))["features"]  # type: ignore[no-any-return]


def _validator(schema: Path) -> jsonschema.Draft7Validator:
    """The schema as WHG applies it: draft-07 with format checking."""
    return jsonschema.Draft7Validator(
        json.loads(schema.read_text("utf-8")), format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER
    )


def test_the_suite_holds_every_schema_version() -> None:
    """The four WHG schema versions are present, so a lost file cannot pass as an empty suite."""
    assert {s.name for s in SCHEMAS} == {f"schema_lpf_v{v}.json" for v in ("1.1", "1.2", "1.2.2", "1.3")}


@pytest.mark.parametrize("schema", SCHEMAS, ids=[s.stem for s in SCHEMAS])
def test_every_feature_is_a_valid_whg_upload(features: list[dict[str, Any]], schema: Path) -> None:
    """Each of the export's features (places and assets) passes WHG's upload schema."""
    validator = _validator(schema)
    failures = {f["@id"]: [e.message for e in validator.iter_errors(f)] for f in features}
    assert len(features) > 50
    assert not {k: v for k, v in failures.items() if v}


@pytest.mark.parametrize("schema", SCHEMAS, ids=[s.stem for s in SCHEMAS])
def test_the_schemas_refuse_what_kg_used_to_send(features: list[dict[str, Any]], schema: Path) -> None:
    """The schemas bite: a feature with `geometry: null` (kg's old way of saying "unknown") fails."""
    unknown = dict(features[0], geometry=None)
    assert any("geometry" in e.json_path for e in _validator(schema).iter_errors(unknown))


def test_every_feature_has_its_feature_classes(features: list[dict[str, Any]]) -> None:
    """fclasses (required since LPF v1.3) is a non-empty list of GeoNames classes: a town is P,
    a governorate A, an oil field L, a road R."""
    assert all(f["properties"]["fclasses"] and set(f["properties"]["fclasses"]) <= GEONAMES_CLASSES for f in features)
    by_id = {f["@id"].rsplit("/", 1)[-1]: f["properties"]["fclasses"] for f in features}
    assert by_id["al-qaryatayn"] == ["P"] and by_id["homs-governorate"] == ["A"] and by_id["syria"] == ["A"]
    assert {"L", "R", "S"} <= {c for f in features if "/asset/" in f["@id"] for c in f["properties"]["fclasses"]}


def test_the_first_name_has_a_citation(features: list[dict[str, Any]]) -> None:
    """LPF README, names[]: at least one name has a citation, the first one always (kg's title
    cites the entity register it comes from)."""
    assert all(f["names"][0].get("citations") for f in features)


def _dated(value: Any) -> bool:
    if isinstance(value, dict):
        return "when" in value or "year" in value or any(_dated(v) for v in value.values())
    if isinstance(value, list):
        return any(_dated(v) for v in value)
    return False


def test_a_when_or_a_citation_year_wherever_kg_knows_a_date(features: list[dict[str, Any]]) -> None:
    """LPF README, names[]: a record has a `when` or a citation year on a name. Every feature
    has one except those no dated article names and no control period scopes, where kg knows no
    date and invents none."""
    undated = sorted(f["@id"].removeprefix(KGID) for f in features if not _dated(f))
    assert undated == ["place/baghdad", "place/switzerland"]  # the rest are named by a dated fact or article
    qaryatayn = next(f for f in features if f["@id"] == KGID + "place/al-qaryatayn")
    years = {c.get("year") for n in qaryatayn["names"] for c in n.get("citations", [])}
    assert 2016 in years
    control = [r for r in qaryatayn["relations"] if "when" in r]  # README, when{}: each timespan has a start
    assert control and all(t["start"] for r in control for t in r["when"]["timespans"])
