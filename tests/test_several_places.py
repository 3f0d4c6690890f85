"""One event at several places ("the villages of A, B and C"): one event with one kg:place per
place, found at each place, never copied; and what the control periods make of it."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from rdflib import Graph, URIRef

from kg import annotations, mapping, period_graph, pipeline, queries, sources
from kg.app import Kg
from kg.config import Settings
from kg.store import QueryResult, Row, Store
from kg.vocab import KG, PROV, RDF

from .conftest import MINI, ask
from .test_periods import ID, PLACES, _turtle, period_graph_input, random_event

KGID = "https://w3id.org/kg/id/"
A004 = "004_b4742f2bcf0bf4fe"
SCATTERED = ("arsal", "brital", "al-jibba", "hawsh-arab", "assal-al-ward")


def _mini(edit: tuple[str, str]) -> list[Graph]:
    text = (MINI / "articles" / "mini.yaml").read_text("utf-8").replace(*edit, 1)
    doc, problems = annotations.parse(text, "mini.yaml")
    assert doc is not None and not problems, problems
    shared, _ = annotations.parse((MINI / "entities.yaml").read_text("utf-8"), "entities.yaml")
    assert shared is not None
    registry = sources.registry([shared, doc])
    corpus = (MINI / "corpus" / "mini.txt").read_text("utf-8")
    return [mapping.map_entities([shared], registry).graph, mapping.map_article(doc, registry, corpus).graph]


def test_a_list_of_places_maps_to_one_event_with_a_place_statement_each() -> None:
    """`place: [northtown, southtown]` gives one event node with two kg:place triples, no copy."""
    graph = _mini(("type: Capture\n    place: northtown", "type: Capture\n    place: [northtown, southtown]"))[1]
    (event,) = graph.subjects(RDF.type, KG.Capture)
    assert set(graph.objects(event, KG.place)) == {URIRef(KGID + "place/northtown"), URIRef(KGID + "place/southtown")}


def test_the_seed_presence_at_five_places_is_one_event_found_at_each(seed: tuple[Settings, Store]) -> None:
    """004's armed groups "scattered between" five places: each place's history lists the one event."""
    event = f"{KGID}event/{A004}/armed-groups-scattered"
    for place in SCATTERED:
        rows = ask(seed, "place-history", place=place).rows
        assert [r["event"].value for r in rows if r["event"].value.endswith("-scattered")] == [event], place
    every = ask(seed, "article-items", article=f"{KGID}article/{A004}").rows
    assert sum(1 for r in every if r["item"].value == event) >= 1
    assert not [r for r in every if "/armed-groups-in-" in r["item"].value]


def _periods_of(graphs: list[Graph], event: str) -> set[tuple[str, str, str]]:
    """(place id, controller id, status) of the periods derived from one event of the mini article."""
    periods = period_graph.from_graphs(graphs)
    found = set()
    for period in periods.subjects(PROV.wasDerivedFrom, URIRef(f"{KGID}event/mini/{event}")):
        (place,), (controller,) = periods.objects(period, KG.periodOf), periods.objects(period, KG.controlledBy)
        (status,) = periods.objects(period, KG.controlStatus)
        found.add((_id(place), _id(controller), str(status).rsplit("#", 1)[-1]))
    return found


def _id(iri: object) -> str:
    return str(iri).rsplit("/", 1)[-1]


def test_control_periods_see_each_place_of_a_capture_at_two_places() -> None:
    """A capture at Northtown and Southtown gives the Blue Front a control period at each place."""
    graphs = _mini(("type: Capture\n    place: northtown", "type: Capture\n    place: [northtown, southtown]"))
    held = {(place, who) for place, who, status in _periods_of(graphs, "northtown-falls") if status == "Held"}
    assert held == {("northtown", "blue-front"), ("southtown", "blue-front")}


def test_a_withdrawal_at_two_places_gives_each_place_the_periods_its_own_events_give() -> None:
    """A withdrawal at both towns: the Blue Front holds each; the Red Army is inferred to have held
    Southtown before (nothing earlier is known there) but not Northtown, where a 2018 report is."""
    graphs = _mini(("type: Capture\n    place: northtown", "type: Withdrawal\n    place: [northtown, southtown]"))
    assert _periods_of(graphs, "northtown-falls") == {
        ("northtown", "blue-front", "Held"),
        ("southtown", "blue-front", "Held"),
        ("southtown", "red-army", "Inferred"),
    }


def test_a_control_observation_at_two_places_gives_a_period_at_each() -> None:
    """The Blue Front observed holding the Old Road and Southtown: a held period at each, from the one event."""
    graphs = _mini(("place: old-road\n", "place: [old-road, southtown]\n"))
    assert _periods_of(graphs, "old-road-held") == {
        ("old-road", "blue-front", "Held"),
        ("southtown", "blue-front", "Held"),
    }


# --------------------------------------------------------------------------- as if written once per place


def _at(periods: Graph, place: str) -> set[tuple[object, object, object]]:
    """Every statement of the periods of one place."""
    return {t for period in periods.subjects(KG.periodOf, URIRef(place)) for t in periods.triples((period, None, None))}


@pytest.mark.parametrize("seed_value", range(20))
def test_an_event_at_two_places_gives_each_the_periods_of_the_event_written_for_it_alone(seed_value: int) -> None:
    """On random corpora, the periods of an event at two places are, place by place, exactly
    those of the same event written for that place alone (status, basis, sources, dates), and
    the other places' periods are untouched."""
    rng = random.Random(7300 + seed_value)
    events = [random_event(rng, n, rng.choice("xyz")) for n in range(rng.randrange(2, 10))]
    shared, rest = events[0], _turtle(events[1:])
    second = rng.choice([p for p in PLACES if p != shared.place])
    if rng.random() < 0.4:  # a claim, so the basis is claimed
        rest.add((URIRef(f"{ID}event/t/{shared.iri}"), KG.certainty, KG.Claimed))
    both = period_graph_input(shared)
    both.add((URIRef(f"{ID}event/t/{shared.iri}"), KG.place, URIRef(f"{ID}place/{second}")))
    together = period_graph.from_graphs([rest, both])
    alone = {p: period_graph.from_graphs([rest, period_graph_input(replace(shared, place=p))]) for p in PLACES}
    expected = set().union(*(_at(alone[p], f"{ID}place/{p}") for p in (shared.place, second)))
    expected |= {
        t for p in PLACES if p not in (shared.place, second) for t in _at(alone[shared.place], f"{ID}place/{p}")
    }
    assert set(together) == expected


# --------------------------------------------------------------------------- through the saved queries


def _built_with_capture_at(settings: Settings, places: str) -> Kg:
    """The mini fixture built with its capture at ``places`` (a YAML list), and a Kg over it."""
    path = settings.data / "articles" / "mini.yaml"
    text = path.read_text("utf-8")
    path.write_text(text.replace("type: Capture\n    place: northtown", f"type: Capture\n    place: {places}"))
    assert pipeline.build(settings).stored
    return Kg(settings)


@pytest.fixture
def two_towns(mini_settings: Settings) -> Iterator[Kg]:
    """The mini fixture built with its capture at Northtown and Southtown, and the Kg over it."""
    with _built_with_capture_at(mini_settings, "[northtown, southtown]") as kg:
        yield kg


CAPTURE = f"{KGID}event/mini/northtown-falls"
TOWNS = (f"{KGID}place/northtown", f"{KGID}place/southtown")


def _sparql(kg: Kg, name: str, **values: str) -> QueryResult:
    """The saved query's own SPARQL on the store (not the periods index, no cache)."""
    return queries.run(kg.store, kg.catalogue(), name, values, cache=None)


def test_control_at_answers_for_both_places_of_a_capture(two_towns: Kg) -> None:
    """control-at the day after: the Blue Front holds each town, by the one capture, one row each
    — from the periods index and from the SPARQL alike."""
    for town in TOWNS:
        for result in (
            two_towns.run("control-at", {"place": town, "date": "2020-03-02"}),
            _sparql(two_towns, "control-at", place=town, date="2020-03-02"),
        ):
            rows = [(r["controllerLabel"].value, r["status"].value) for r in result.rows if r["event"].value == CAPTURE]
            assert rows == [("Blue Front", "held")], (town, result.rows)


def test_control_map_lists_each_place_of_a_capture_once(two_towns: Kg) -> None:
    """control-map the day after: one Blue Front row per town from the capture, never two for one town."""
    day = "2020-03-02"
    for result in (two_towns.run("control-map", {"date": day}), _sparql(two_towns, "control-map", date=day)):
        places = sorted(r["place"].value for r in result.rows if r["event"].value == CAPTURE)
        assert places == sorted(TOWNS), result.rows
        assert {r["controllerLabel"].value for r in result.rows if r["event"].value == CAPTURE} == {"Blue Front"}


def test_place_history_lists_the_capture_at_each_place_and_once_per_place_in_the_country(two_towns: Kg) -> None:
    """Each town's history lists the capture once; Testland's lists it once per town it happened at."""
    for town in TOWNS:
        rows = two_towns.run("place-history", {"place": town}).rows
        assert [r["at"].value for r in rows if r["event"].value == CAPTURE] == [town]
    country = two_towns.run("place-history", {"place": "testland"}).rows
    assert sorted(r["at"].value for r in country if r["event"].value == CAPTURE) == sorted(TOWNS)


def test_the_index_and_the_sparql_agree_on_a_capture_at_two_places(two_towns: Kg) -> None:
    """Every day around the capture, control-at for each town and control-map give the same rows
    from the periods index as from the SPARQL."""
    for day in ("2019-06-01", "2020-02-29", "2020-03-01", "2020-03-02", "2020-06-30"):
        asked = [("control-map", {"date": day})] + [("control-at", {"place": t, "date": day}) for t in TOWNS]
        for name, values in asked:
            index, sparql = two_towns.run(name, values), _sparql(two_towns, name, **values)
            assert sorted(map(_row_key, index.rows)) == sorted(map(_row_key, sparql.rows)), (name, values)


def _row_key(row: Row) -> str:
    return repr(sorted((k, v.value) for k, v in row.items()))


def test_infrastructure_shows_who_took_an_asset_with_a_town(mini_settings: Settings) -> None:
    """A capture of Northtown and the Old Road: the infrastructure query lists the Blue Front on
    the road from the capture, beside the road's own observation."""
    with _built_with_capture_at(mini_settings, "[northtown, old-road]") as kg:
        rows = kg.run("infrastructure", {"date": "2020-03-02"}).rows
    road = [(r["controllerLabel"].value, _id(r["event"].value)) for r in rows if r["asset"].value.endswith("/old-road")]
    assert sorted(road) == [("Blue Front", "northtown-falls"), ("Blue Front", "old-road-held")]


# --------------------------------------------------------------------------- validation


def test_a_capture_at_two_places_validates(write_article: Callable[[str, str], Path], mini_settings: Settings) -> None:
    """A capture listing two places conforms: every kind of control event may be at several places."""
    text = (MINI / "articles" / "mini.yaml").read_text("utf-8")
    path = write_article("mini.yaml", text.replace("place: northtown", "place: [northtown, southtown]", 1))
    report = pipeline.validate([path], mini_settings)
    assert report.conforms, [str(p) for p in report.problems]


def test_an_unknown_place_in_the_list_is_named_at_the_field(
    write_article: Callable[[str, str], Path], mini_settings: Settings
) -> None:
    """A list of places with an id nobody defined is refused, naming that id at events[0].place."""
    text = (MINI / "articles" / "mini.yaml").read_text("utf-8")
    path = write_article("mini.yaml", text.replace("place: northtown", "place: [northtown, westtown]", 1))
    report = pipeline.validate([path], mini_settings)
    assert not report.conforms
    (problem,) = [p for p in report.problems if p.severity == "error"]
    assert "unknown id 'westtown'" in problem.message and problem.where.field == "events[0].place"
