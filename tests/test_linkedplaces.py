"""The Linked Places export (`kg export --format lpf`, `GET /export/places.lpf.json`): the seed
graph's places and infrastructure, plus a few gazetteer links in the links graph, as an LPF
FeatureCollection — its structure, its control periods, and its reading as JSON-LD by rdflib
with a local copy of the context terms (no network)."""

from __future__ import annotations

import json
import urllib.request
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, SKOS

from kg import linkedplaces
from kg.cli import main
from kg.config import Settings
from kg.store import Store
from kg.store.embedded import EmbeddedStore
from kg.vocab import GRAPH
from kg.web import create_app

from .conftest import SEED_CORPUS

DATA = Path(__file__).parent / "data" / "lpf"
KGID = "https://w3id.org/kg/id/"
QARYATAYN, PALMYRA = KGID + "place/al-qaryatayn", KGID + "place/palmyra"
LPO = Namespace("http://linkedpasts.org/ontology/lpo_latest.ttl#")
DCT = Namespace("http://purl.org/dc/terms/")


@pytest.fixture(scope="module")
def linked(seed: tuple[Settings, Store]) -> Iterator[tuple[Settings, Store]]:
    """The seed graph in memory, with tests/data/lpf/links.ttl as its links graph."""
    database = ox.Store()
    database.load(seed[1].export("nquads"), format=ox.RdfFormat.N_QUADS)
    database.clear_graph(ox.NamedNode(str(GRAPH.LINKS)))
    database.load(
        (DATA / "links.ttl").read_bytes(), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(str(GRAPH.LINKS))
    )
    store = EmbeddedStore(None, database)
    yield seed[0], store
    store.close()


@pytest.fixture(scope="module")
def collection(linked: tuple[Settings, Store]) -> dict[str, Any]:
    settings, store = linked
    return json.loads(linkedplaces.export(store, settings))  # type: ignore[no-any-return]


def feature(collection: dict[str, Any], iri: str) -> dict[str, Any]:
    return next(f for f in collection["features"] if f["@id"] == iri)


def test_a_feature_collection_of_places_and_infrastructure(collection: dict[str, Any]) -> None:
    """Every place and asset is a Feature with an @id, a title and at least one name; no actors."""
    assert collection["type"] == "FeatureCollection"
    assert collection["@context"] == linkedplaces.CONTEXT
    ids = [f["@id"] for f in collection["features"]]
    assert len(ids) == len(set(ids)) > 50
    assert all(i.startswith((KGID + "place/", KGID + "asset/")) for i in ids)
    for f in collection["features"]:
        assert f["type"] == "Feature" and f["properties"]["title"] == f["names"][0]["toponym"]
        assert f["geometry"]["type"] == "GeometryCollection"


def test_names_are_every_spelling_with_the_articles_that_use_it(collection: dict[str, Any]) -> None:
    """al-Qaryatayn's toponyms are its label, alternate labels and the articles' spellings, each once;
    a spelling an article uses cites it, in the article's language."""
    names = {n["toponym"]: n for n in feature(collection, QARYATAYN)["names"]}
    assert set(names) == {"al-Qaryatayn", "Al Qaryatayn", "Al-Qaryatain", "Al-Qaryatayn", "Qaryatayn"}
    qaryatain = names["Al-Qaryatain"]
    assert qaryatain["lang"] == "en"
    assert [c["@id"] for c in qaryatain["citations"]] == [KGID + "article/001_e1aede16270a3f65"]
    assert "citations" not in names["Al Qaryatayn"]  # GeoNames' spelling: no article uses it


def test_geometry_is_a_point_with_its_source(collection: dict[str, Any]) -> None:
    """The point is [lon, lat] as GeoJSON wants it, citing the GeoNames row it was copied from."""
    (point,) = feature(collection, QARYATAYN)["geometry"]["geometries"]
    assert point["type"] == "Point" and point["coordinates"] == [37.24066, 34.22956]
    assert point["citations"] == [{"@id": "https://sws.geonames.org/173361/", "label": "GeoNames 173361"}]
    # none in the graph: no geometries, not null (WHG's upload schemas refuse null) and none invented
    assert feature(collection, KGID + "place/homs-governorate")["geometry"] == {
        "type": "GeometryCollection",
        "geometries": [],
    }


def test_links_come_from_the_links_graph(collection: dict[str, Any]) -> None:
    """exactMatch and closeMatch links appear as LPF links; a place without any has an empty list."""
    assert feature(collection, QARYATAYN)["links"] == [
        {"type": "exactMatch", "identifier": "https://sws.geonames.org/173361/"},
        {"type": "closeMatch", "identifier": "http://www.wikidata.org/entity/Q2583757"},
    ]
    assert feature(collection, PALMYRA)["links"] == [
        {"type": "exactMatch", "identifier": "https://sws.geonames.org/163808/"}
    ]
    assert feature(collection, KGID + "place/al-dumayr")["links"] == []


def test_control_periods_are_time_scoped_relations(collection: dict[str, Any]) -> None:
    """al-Qaryatayn: the Islamic State from August 2015 until the army's return, which the sources
    date 3 or 4 April 2016, then the army by two reports, each open-ended; and it lies in Homs
    governorate and in the Syrian Desert."""
    everything = feature(collection, QARYATAYN)["relations"]
    containers = [r for r in everything if r["relationType"] == "gvp:broaderPartitive"]
    assert sorted((r["relationTo"], r["label"]) for r in containers) == [
        (KGID + "place/homs-governorate", "in Homs governorate"),
        (KGID + "place/syrian-desert", "in Syrian Desert"),
    ]
    assert everything[: len(containers)] == containers, "the containers come before the control relations"
    relations = everything[len(containers) :]
    control = [(r["relationTo"].rsplit("/", 1)[-1], r["when"]["timespans"]) for r in relations]
    assert control == [
        (
            "islamic-state",
            [
                {
                    "start": {"earliest": "2015-08-01", "latest": "2015-08-31"},
                    "end": {"earliest": "2016-04-03", "latest": "2016-04-04"},
                }
            ],
        ),
        ("syrian-arab-army", [{"start": {"in": "2016-04-03"}, "end": {"earliest": "2016-04-03"}}]),
        ("syrian-arab-army", [{"start": {"in": "2016-04-04"}, "end": {"earliest": "2016-04-04"}}]),
    ]
    assert {r["relationType"] for r in relations} == {"https://w3id.org/kg/ontology#controllingActor"}
    assert all(r["certainty"] == "certain" and r["citations"][0]["@id"].startswith(KGID) for r in relations)
    assert relations[0]["label"].startswith("controlled by Islamic State, held: Capture reported in ")


def test_a_relation_says_the_status_of_its_period(collection: dict[str, Any]) -> None:
    """The Qalamoun mountains on 4 April 2016: three relations, each partial and mixed, say so."""
    relations = feature(collection, KGID + "place/qalamoun-mountains")["relations"]
    labels = [r["label"] for r in relations if r["relationType"].endswith("#controllingActor")]
    assert len(labels) == 3 and all("(part of it), mixed: ControlObservation" in label for label in labels), labels


def test_it_reads_as_json_ld_without_the_network(collection: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """With the LPF context terms given locally, rdflib reads the export as RDF: features, names,
    links and relations become triples in the LPF vocabulary, and nothing is fetched."""

    def no_network(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the JSON-LD parser tried to fetch something")

    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    document = dict(collection)
    document["@context"] = json.loads((DATA / "linkedplaces-context-subset.jsonld").read_text("utf-8"))["@context"]
    with warnings.catch_warnings():  # rdflib's JSON-LD parser uses its own deprecated ConjunctiveGraph
        warnings.simplefilter("ignore", DeprecationWarning)
        graph = Graph().parse(data=json.dumps(document), format="json-ld")
    place = URIRef(QARYATAYN)
    assert (place, RDF.type, URIRef("https://purl.org/geojson/vocab#Feature")) in graph
    toponyms = {graph.value(n, LPO.toponym) for n in graph.objects(place, LPO.name_attestation)}
    assert Literal("Al-Qaryatain") in toponyms
    links = {
        (graph.value(link, RDF.type), graph.value(link, DCT.identifier))
        for link in graph.objects(place, LPO.link_attestation)
    }
    assert (SKOS.exactMatch, Literal("https://sws.geonames.org/173361/")) in links
    assert len(list(graph.objects(place, LPO.rel_attestation))) == 5  # two containers, three periods
    # LPF v1.3's fclasses and the citation year are newer than the v1.1 context: JSON-LD drops them
    unmapped = _keys(collection) - set(document["@context"]) - {"@id", "@context", "fclasses", "year"}
    assert not unmapped, f"keys without a term in the context: {unmapped}"


def _keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


def test_the_cli_and_the_web_give_the_same_bytes(seed: tuple[Settings, Store]) -> None:
    """`kg export --format lpf` and GET /export/places.lpf.json are one function."""
    settings, store = seed
    env = {"KG_STORE": settings.store, "KG_CORPUS": str(SEED_CORPUS)}
    result = CliRunner().invoke(main, ["export", "--format", "lpf"], env=env)
    assert result.exit_code == 0, result.output
    app = create_app(settings, store)
    response = app.test_client().get("/export/places.lpf.json")
    assert response.status_code == 200 and response.mimetype == "application/geo+json"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert json.loads(result.output) == response.get_json()


def test_an_export_cut_by_the_row_cap_is_refused(seed: tuple[Settings, Store]) -> None:
    """With KG_MAX_ROWS below the number of places the export fails (exit 2) instead of leaving
    places out without saying so."""
    env = {"KG_STORE": seed[0].store, "KG_CORPUS": str(SEED_CORPUS), "KG_MAX_ROWS": "5"}
    result = CliRunner().invoke(main, ["export", "--format", "lpf"], env=env)
    assert result.exit_code == 2
    assert "KG_MAX_ROWS=5" in result.output and "incomplete" in result.output
