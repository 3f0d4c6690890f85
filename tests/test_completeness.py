"""Completeness of the places: a place or asset in no country is warned about by name (build and
submission), an explicit unknown container with a note is enough, the seed has no floating place,
and coordinates that the entities and the links files give for one GeoNames row must agree."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from kg import annotations, completeness, sources, validation
from kg.cli import main
from kg.config import Settings
from kg.store import Store
from kg.store.embedded import EmbeddedStore

from .conftest import MINI

SEED_DATA = Path(__file__).parent.parent / "data"
LINK = """links:
  - entity: southtown
    source: geonames
    id: '173361'
    uri: https://sws.geonames.org/173361/
    name: Southtown
    status: accepted
    method: by hand
    gazetteer: GeoNames cities1000
    coordinates: {lat: %s, lon: 37.24066}
    who: a reviewer
    when: 2026-11-22
"""


def _entities(extra: str = "", *edits: tuple[str, str]) -> annotations.AnnotationFile:
    text = (MINI / "entities.yaml").read_text("utf-8")
    for old, new in edits:
        assert old in text
        text = text.replace(old, new)
    doc, problems = annotations.parse(text.replace("actors:\n", extra + "actors:\n", 1), "entities.yaml")
    assert doc is not None and not problems, problems
    return doc


def _floating(doc: annotations.AnnotationFile) -> list[str]:
    found = completeness.floating(doc.entities, sources.registry([doc]))
    assert all(p.severity == "warning" and p.source == "completeness" for p in found)
    return [str(p) for p in found]


def test_a_place_in_no_country_is_warned_about_with_what_to_add() -> None:
    """A settlement with no locatedIn gets a warning naming it, its field and the two ways out."""
    doc = _entities("  - {id: eastville, type: Settlement, label: Eastville}\n")
    (message,) = _floating(doc)
    assert "entities.yaml:16: places[3].locatedIn: warning: place 'eastville' (Eastville)" in message
    assert "add locatedIn: [<a place in a country>] to 'eastville', or locatedInUnknown: <why>" in message


def test_a_chain_that_stops_short_of_a_country_names_where_it_stops() -> None:
    """A town in a region that lies in nothing is warned about, naming the region to complete."""
    doc = _entities(
        "  - {id: hills, type: Region, label: The Hills}\n"
        "  - {id: hilltown, type: Settlement, label: Hilltown, locatedIn: [hills]}\n"
    )
    town, hills = sorted(_floating(doc), key=lambda m: "hilltown" not in m)
    assert "'hilltown' (Hilltown) is not located in any country: its locatedIn chain stops at 'hills'" in town
    assert "add locatedIn to 'hills'" in town and "'hills' (The Hills)" in hills


def test_an_unknown_container_with_a_note_is_enough() -> None:
    """locatedInUnknown with a note stands for the container, for the place and what lies in it."""
    doc = _entities(
        "  - {id: camp, type: Terrain, label: Camp, locatedInUnknown: the text never says where it is}\n"
        "  - {id: camp-gate, type: Terrain, label: Camp gate, locatedIn: [camp]}\n"
    )
    assert _floating(doc) == []
    assert next(e for e in doc.entities if e.id == "camp").located_in_unknown == "the text never says where it is"


def test_the_schema_refuses_an_unknown_container_beside_a_known_one_or_without_a_note() -> None:
    """locatedInUnknown excludes locatedIn, and needs a note of at least three characters."""
    base = (MINI / "entities.yaml").read_text("utf-8")
    both = base.replace("    locatedIn: [testland]\n", "    locatedIn: [testland]\n    locatedInUnknown: not said\n", 1)
    empty = base.replace("    locatedIn: [testland]\n", "    locatedInUnknown: ''\n", 1)
    for text in (both, empty):
        doc, problems = annotations.parse(text, "entities.yaml")
        assert doc is None and problems, problems
    assert [str(p) for p in annotations.parse(both, "entities.yaml")[1]] == [
        "entities.yaml:3: places[0]: error: give only one of locatedIn and locatedInUnknown, not both"
    ]
    assert [str(p) for p in annotations.parse(empty, "entities.yaml")[1]] == [
        "entities.yaml:7: places[0].locatedInUnknown: error: '' is too short"
    ]


def test_no_place_or_asset_of_the_seed_floats(seed: tuple[Settings, Store]) -> None:
    """In the built seed graph every place and asset reaches a country through kg:locatedIn, or says why not."""
    _, store = seed
    floating = store.query(
        """PREFIX kg: <https://w3id.org/kg/ontology#>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT ?x WHERE {
          { ?x a/rdfs:subClassOf* kg:Place } UNION { ?x a/rdfs:subClassOf* kg:Infrastructure }
          FILTER NOT EXISTS { ?x kg:locatedIn* ?c . ?c a kg:Country }
          FILTER NOT EXISTS { ?x kg:locatedIn* ?u . ?u kg:locatedInUnknown ?why }
        }"""
    )
    assert [r["x"].value for r in floating.rows] == []
    unknown = store.query("PREFIX kg: <https://w3id.org/kg/ontology#> SELECT ?x WHERE { ?x kg:locatedInUnknown ?w }")
    assert [r["x"].value.rsplit("/", 1)[-1] for r in unknown.rows] == ["al-hamrat-base"]


def test_coordinates_of_one_geonames_row_must_agree_between_the_two_files(built_mini: Settings) -> None:
    """A link whose coordinates differ from entities.yaml's for the same row fails the build, naming both lines."""
    before = EmbeddedStore.open(built_mini.store).checksum()
    (built_mini.data / "links.yaml").write_text(LINK % "34.22957", "utf-8")
    env = {"KG_DATA": str(built_mini.data), "KG_CORPUS": str(built_mini.corpus), "KG_STORE": built_mini.store}
    result = CliRunner().invoke(main, ["build"], env=env)
    assert result.exit_code == 1, result.output
    entities, links = built_mini.data / "entities.yaml", built_mini.data / "links.yaml"
    assert f"{links}:10: links[0].coordinates: error: 'southtown' has two sets of coordinates for GeoNames 173361" in (
        result.output
    )
    assert f"{entities}:12 gives 34.22956, 37.24066 and {links}:10 gives 34.22957, 37.24066" in result.output
    assert EmbeddedStore.open(built_mini.store).checksum() == before
    (built_mini.data / "links.yaml").write_text(LINK % "34.22956", "utf-8")
    assert CliRunner().invoke(main, ["build"], env=env).exit_code == 0


def test_a_submission_warns_about_a_new_place_in_no_country(built_mini: Settings) -> None:
    """A submitted article's new place in a stored town is fine; one in nothing is warned about."""
    text = (MINI / "articles" / "mini.yaml").read_text("utf-8").replace("file: mini.txt", "file: mini2.txt")
    text += (
        "\nentities:\n  places:\n"
        "    - {id: westville, type: Settlement, label: Westville, locatedIn: [northtown]}\n"
        "    - {id: eastville, type: Settlement, label: Eastville}\n"
    )
    sent = (MINI / "corpus" / "mini.txt").read_bytes()
    store = EmbeddedStore.open(built_mini.store)
    try:
        submitted = validation.check_annotation("mini2.yaml", text, sent, built_mini, store)
    finally:
        store.close()
    warned = [str(p) for p in submitted.report.problems if p.source == "completeness"]
    assert len(warned) == 1 and "place 'eastville' (Eastville) is not located in any country" in warned[0], warned
    assert submitted.report.conforms
