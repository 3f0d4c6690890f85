"""Routes and supply lines cut, opened, secured or used: read from the annotation format, mapped to one
route event on its asset or route node, listed by the saved query ``routes`` and shown in a
place's history."""

from __future__ import annotations

from pathlib import Path

from rdflib import Literal, URIRef

from kg.config import Settings
from kg.store import Store
from kg.vocab import KG, RDF, RDFS

from .conftest import MINI, ask, mini_mapped

A000, A004 = "000_d0ca17a74fd2c527", "004_b4742f2bcf0bf4fe"
KGID = "https://w3id.org/kg/id/"
ROUTE = """
routes:
  - id: old-road-cut
    type: cut
    to: [southtown]
    supplyOf: [red-army]
    by: [blue-front]
    through: northtown-falls
    date: {on: 2020-03-01, basis: text-relative, derivation: "'on Sunday' in an article dated Sunday 1 March 2020"}
    certainty: reported
    evidence:
      - {quote: The Old Road links Northtown with Southtown, span: [238, 281]}
"""


def test_a_route_given_by_its_ends_is_one_event_on_a_route_node_of_its_own(tmp_path: Path) -> None:
    """A `routes` item with `to` maps to one kg:RouteCut whose kg:place is a kg:Route leading there."""
    graph = mini_mapped(ROUTE).graph
    event, route = URIRef(KGID + "event/mini/old-road-cut"), URIRef(KGID + "route/mini/old-road-cut")
    assert list(graph.subjects(RDF.type, KG.RouteCut)) == [event]
    assert set(graph.objects(event, KG.place)) == {route}
    assert (route, RDF.type, KG.Route) in graph
    assert (route, KG.routeTo, URIRef(KGID + "place/southtown")) in graph
    assert (route, RDFS.label, Literal("Red Army supply route to Southtown")) in graph
    assert (event, KG.routeActor, URIRef(KGID + "actor/blue-front")) in graph
    assert (event, KG.routeUser, URIRef(KGID + "actor/red-army")) in graph
    assert (event, KG.throughEvent, URIRef(KGID + "event/mini/northtown-falls")) in graph


def test_a_mini_route_event_validates_and_builds(mini_settings: Settings) -> None:
    """The mini fixture with a route event conforms (schema, references, spans, SHACL) and is stored."""
    from kg import pipeline

    path = mini_settings.data / "articles" / "mini.yaml"
    path.write_text(path.read_text("utf-8") + ROUTE, "utf-8")
    result = pipeline.build(mini_settings)
    assert result.stored, [str(p) for p in result.report.problems]


def test_the_routes_query_lists_the_cut_supply_route(seed: tuple[Settings, Store]) -> None:
    """`routes` gives 000's cut of IS supply routes into Qalamoun: type, ends, by, of, through where."""
    rows = {row["event"].value.rsplit("/", 1)[-1]: row for row in ask(seed, "routes").rows}
    cut = rows["is-supply-routes-into-qalamoun-cut"]
    assert cut["type"].value == "cut"
    assert cut["between"].value == "? → Qalamoun mountains"
    assert (cut["by"].value, cut["of"].value) == ("Syrian Arab Army", "Islamic State")
    assert (cut["earliest"].value, cut["latest"].value) == ("2016-04-03", "2016-04-03")
    assert cut["at"].value == KGID + "place/al-qaryatayn" and cut["atWkt"].value.startswith("POINT(")
    assert cut["source"].value.endswith(A000) and "saidBy" not in cut
    secured = rows["pipelines-secured-per-al-halaq"]
    assert secured["type"].value == "secured" and secured["route"].value == KGID + "asset/shaer-tishreen-pipelines"
    assert secured["between"].value == "Shaer gas fields – Tishreen power plant"
    assert secured["saidBy"].value == "Shadi al-Halaq"
    crossings = rows["border-supply-crossings-cut"]
    assert crossings["of"].value == "armed groups (unspecified)" and crossings["source"].value.endswith(A004)
    assert {row["type"].value for row in rows.values()} == {"cut", "opened", "secured", "used"}


def test_the_routes_query_lists_routes_in_use_with_their_ends_or_what_they_run_through(
    seed: tuple[Settings, Store],
) -> None:
    """A route in use names its user and no one who cut it; one known only by what it runs through
    reads "? → ? via" that place; a quoted source's route is theirs ("rebels say")."""
    rows = {row["event"].value.rsplit("/", 1)[-1]: row for row in ask(seed, "routes").rows}
    access = rows["is-access-routes-from-east-qalamoun"]
    assert (access["type"].value, access["of"].value) == ("used", "Islamic State") and "by" not in access
    assert access["between"].value in ("East Qalamoun → Bir al-Qasab, Lajat", "East Qalamoun → Lajat, Bir al-Qasab")
    assert access["routeLabel"].value.startswith("Islamic State route from East Qalamoun to ")
    crossing = rows["east-qalamoun-crossing-point"]
    assert crossing["between"].value == "? → ? via East Qalamoun"
    assert crossing["latest"].value == "2014-12-31" and "earliest" not in crossing
    smuggling = rows["is-smuggling-lajat-to-daraa"]
    assert smuggling["saidBy"].value == "rebels (to Syria Direct, 10 November 2016)"
    assert smuggling["certainty"].value == "https://w3id.org/kg/ontology#Claimed"


def test_a_place_history_shows_the_routes_leading_to_it(seed: tuple[Settings, Store]) -> None:
    """Qalamoun's history (its page's data) lists the cut route into it, at the route, with who cut it."""
    rows = ask(seed, "place-history", place="qalamoun-mountains").rows
    (cut,) = [r for r in rows if r["event"].value.endswith("/is-supply-routes-into-qalamoun-cut")]
    assert cut["eventType"].value == str(KG.RouteCut)
    assert cut["at"].value == KGID + f"route/{A000}/is-supply-routes-into-qalamoun-cut"
    assert "Syrian Arab Army" in cut["others"].value


def test_a_place_history_shows_a_route_that_runs_through_it(seed: tuple[Settings, Store]) -> None:
    """East Qalamoun's history lists the supply route that ran through it (`via`), not only routes ending there."""
    rows = ask(seed, "place-history", place="east-qalamoun").rows
    via = [r for r in rows if r["event"].value.endswith("/east-qalamoun-once-on-supply-route")]
    assert [r["eventType"].value for r in via] == [str(KG.RouteUsed)]


def test_a_bad_route_submission_is_a_422_naming_the_field_and_stores_nothing(built_mini: Settings) -> None:
    """POST /submissions with a route through an unknown event: 422, the field and what to give, store unchanged."""
    from dataclasses import replace

    from kg import tokens
    from kg.store.embedded import EmbeddedStore
    from kg.web import create_app

    bad = (Path(__file__).parent / "data" / "bad" / "route_through_unknown.yaml").read_text("utf-8")
    annotation = bad.replace("file: mini.txt", "file: other.txt")
    text = (MINI / "corpus" / "mini.txt").read_text("utf-8")
    settings = replace(built_mini, tokens=f"tester:{tokens.digest('route-token')}")
    store = EmbeddedStore.open(settings.store)
    before = store.checksum()
    try:
        with create_app(settings, store).test_client() as client:
            response = client.post(
                "/submissions",
                json={"annotation": annotation, "text": text, "name": "other.yaml"},
                headers={"Authorization": "Bearer route-token"},
            )
        assert response.status_code == 422, response.get_json()
        (problem,) = response.get_json()["problems"]
        assert (problem["field"], problem["line"]) == ("routes[0].through", 75)
        assert (
            "'old-road-taken', which is not an event of this file; give the id of one of its events"
            in (problem["message"])
        )
        assert store.checksum() == before
    finally:
        store.close()
