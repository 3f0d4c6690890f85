"""control-at and control-map follow the rules of docs/control-semantics.md on tiny hand-made
graphs: same-day events, month precision, a place with no events, two sources in conflict, a
joint capture, partial-scope reports, an event with no earliest day, units vs rivals (mixed),
allies, an inferred period's missing age, and what control-periods lists. The graphs are stored
with their periods, derived as ``kg build`` derives them (kg.period_graph); the horizon of
staleness is set far off here, so that these rules are seen apart from it (tests/test_periods.py
pins staleness)."""

from __future__ import annotations

import pytest
from rdflib import Graph, URIRef

from kg import period_graph, queries
from kg.config import PROJECT_ROOT
from kg.store import QueryResult
from kg.store.embedded import EmbeddedStore
from kg.vocab import GRAPH

KGID = "https://w3id.org/kg/id/"
PREFIXES = """
@prefix kg:      <https://w3id.org/kg/ontology#> .
@prefix place:   <https://w3id.org/kg/id/place/> .
@prefix actor:   <https://w3id.org/kg/id/actor/> .
@prefix article: <https://w3id.org/kg/id/article/> .
@prefix ev:      <https://w3id.org/kg/id/event/t/> .
@prefix prov:    <http://www.w3.org/ns/prov#> .
@prefix rdfs:    <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd:     <http://www.w3.org/2001/XMLSchema#> .
place:town a kg:Settlement ; rdfs:label "Town" .
place:quiet a kg:Settlement ; rdfs:label "Quiet" .
actor:blue rdfs:label "Blue" .
actor:red rdfs:label "Red" ; kg:partOf actor:red-side .
actor:red-side rdfs:label "Red Side" .
actor:green rdfs:label "Green" ; kg:partOf actor:red-side .
"""


def event(name: str, kind: str, actors: str, earliest: str, latest: str, *, source: str = "a", scope: str = "") -> str:
    """One control event in Turtle; ``actors`` is a comma-separated list of actor ids."""
    role = "kg:controllingActor" if kind == "ControlObservation" else "kg:gainingActor"
    names = ", ".join(f"actor:{a}" for a in actors.split(","))
    precision = "kg:DayPrecision" if earliest == latest else "kg:MonthPrecision"
    extra = f" ; kg:scope kg:{scope}Scope" if scope else ""
    return (
        f"ev:{name} a kg:{kind} ; kg:place place:town ; {role} {names} ; "
        f'kg:dateEarliest "{earliest}"^^xsd:date ; kg:dateLatest "{latest}"^^xsd:date ; '
        f"kg:datePrecision {precision} ; prov:wasDerivedFrom article:{source}{extra} .\n"
    )


def run(turtle: str, name: str, **params: str) -> QueryResult:
    store = EmbeddedStore.open(None)
    graph = Graph().parse(data=PREFIXES + turtle, format="turtle")
    periods = period_graph.from_graphs([graph])
    store.replace_all([(URIRef("https://w3id.org/kg/graph/test"), graph), (GRAPH.PERIODS, periods)])
    return queries.run(store, PROJECT_ROOT / "queries", name, params)


def answer(turtle: str, date: str, place: str = "town") -> set[tuple[str, ...]]:
    """control-at's rows as (controller, event, certain, scope, disputed), checked against control-map."""
    at = run(turtle, "control-at", place=KGID + "place/" + place, date=date, staleDays="100000")
    rows = {
        tuple(r[k].value.rsplit("/", 1)[-1] for k in ("controller", "event", "certain", "scope", "disputed"))
        for r in at.rows
    }
    mapped = run(turtle, "control-map", date=date, staleDays="100000")
    assert rows == {
        tuple(r[k].value.rsplit("/", 1)[-1] for k in ("controller", "event", "certain", "scope", "disputed"))
        for r in mapped.rows
        if r["place"].value == KGID + "place/" + place
    }
    return rows


def test_the_latest_change_on_or_before_the_date_decides() -> None:
    """Blue took Town in 2020, Red in 2021: Blue's before, Red's after, nothing before either."""
    graph = event("blue", "Capture", "blue", "2020-01-05", "2020-01-05") + event(
        "red", "Capture", "red", "2021-01-05", "2021-01-05"
    )
    assert answer(graph, "2019-12-31") == set()
    assert answer(graph, "2020-06-01") == {("blue", "blue", "true", "whole", "false")}
    assert answer(graph, "2021-06-01") == {("red", "red", "true", "whole", "false")}


def test_a_place_with_no_events_is_unknown() -> None:
    """Nothing speaks to Quiet: no rows, on any date."""
    graph = event("blue", "Capture", "blue", "2020-01-05", "2020-01-05")
    assert answer(graph, "2020-06-01", place="quiet") == set()


def test_a_change_known_to_the_month_is_uncertain_inside_it() -> None:
    """Red took Town some day in March 2021: inside March both Blue and Red are listed, neither
    certain; from April on, Red alone, certain."""
    graph = event("blue", "Capture", "blue", "2020-01-05", "2020-01-05") + event(
        "red", "Capture", "red", "2021-03-01", "2021-03-31"
    )
    assert answer(graph, "2021-03-15") == {
        ("blue", "blue", "false", "whole", "false"),
        ("red", "red", "false", "whole", "false"),
    }
    assert answer(graph, "2021-04-01") == {("red", "red", "true", "whole", "false")}


def test_two_sources_in_conflict_on_the_same_day_are_both_listed_as_disputed() -> None:
    """Source a says Blue took Town on 5 March, source b says Red did: both rows, both disputed,
    neither certain."""
    graph = event("a-blue", "Capture", "blue", "2021-03-05", "2021-03-05", source="a") + event(
        "b-red", "Capture", "red", "2021-03-05", "2021-03-05", source="b"
    )
    assert answer(graph, "2021-03-10") == {
        ("blue", "a-blue", "false", "whole", "true"),
        ("red", "b-red", "false", "whole", "true"),
    }


def test_sources_that_agree_on_different_days_are_both_listed() -> None:
    """a dates Red's capture 3 March, b 4 March: from the 4th both rows, certain, not disputed;
    on the 3rd a's reading alone, disputed, not certain (b still has Blue there: see
    tests/test_periods.py)."""
    graph = event("a-red", "Capture", "red", "2021-03-03", "2021-03-03", source="a") + event(
        "b-red", "Capture", "red", "2021-03-04", "2021-03-04", source="b"
    )
    assert answer(graph, "2021-03-10") == {
        ("red", "a-red", "true", "whole", "false"),
        ("red", "b-red", "true", "whole", "false"),
    }
    assert answer(graph, "2021-03-03") == {("red", "a-red", "false", "whole", "true")}


def test_a_joint_capture_lists_both_units() -> None:
    """Red and Green took Town together after Blue: one event, two rows, no cancelling, no dispute."""
    graph = event("blue", "Capture", "blue", "2020-01-05", "2020-01-05") + event(
        "joint", "Capture", "red,green", "2021-01-05", "2021-01-05"
    )
    assert answer(graph, "2021-06-01") == {
        ("red", "joint", "true", "whole", "false"),
        ("green", "joint", "true", "whole", "false"),
    }


def test_a_unit_and_its_force_on_the_same_day_do_not_dispute() -> None:
    """Red and the Red Side it is part of, named by two sources for one day: no dispute."""
    graph = event("a", "ControlObservation", "red", "2021-01-05", "2021-01-05", source="a") + event(
        "b", "ControlObservation", "red-side", "2021-01-05", "2021-01-05", source="b"
    )
    assert {row[4] for row in answer(graph, "2021-06-01")} == {"false"}


def test_same_day_partial_reports_each_give_partial_control() -> None:
    """Three partial observations of one day (the Qalamoun mountains) give three partial rows,
    beside the whole-scope controller they do not end."""
    graph = (
        event("blue", "Capture", "blue", "2020-01-05", "2020-01-05")
        + event("p-blue", "ControlObservation", "blue", "2021-04-04", "2021-04-04", scope="Partial")
        + event("p-red", "ControlObservation", "red", "2021-04-04", "2021-04-04", scope="Partial")
        + event("p-green", "ControlObservation", "green", "2021-04-04", "2021-04-04", scope="Partial")
    )
    assert answer(graph, "2021-04-10") == {
        ("blue", "blue", "true", "whole", "false"),
        ("blue", "p-blue", "true", "partial", "false"),
        ("red", "p-red", "true", "partial", "false"),
        ("green", "p-green", "true", "partial", "false"),
    }


def test_a_whole_scope_change_ends_partial_control() -> None:
    """Red held part of Town; Blue then took all of it: Blue alone."""
    graph = event("p-red", "ControlObservation", "red", "2021-04-04", "2021-04-04", scope="Partial") + event(
        "blue", "Capture", "blue", "2021-05-01", "2021-05-01"
    )
    assert answer(graph, "2021-04-10") == {("red", "p-red", "true", "partial", "false")}
    assert answer(graph, "2021-06-01") == {("blue", "blue", "true", "whole", "false")}


@pytest.mark.parametrize("date", ["2021-04-10"])
def test_side_is_the_outermost_force(date: str) -> None:
    """Red's side is the Red Side it is part of; Blue, part of nothing, is its own side."""
    graph = event("joint", "Capture", "red,blue", "2021-01-05", "2021-01-05")
    result = run(graph, "control-map", date=date)
    assert {(r["controllerLabel"].value, r["sideLabel"].value) for r in result.rows} == {
        ("Red", "Red Side"),
        ("Blue", "Blue"),
    }


def _statuses(turtle: str, date: str) -> set[tuple[str, str]]:
    result = run(turtle, "control-at", place=KGID + "place/town", date=date, staleDays="100000")
    return {(r["controller"].value.rsplit("/", 1)[-1], r["status"].value) for r in result.rows}


def test_an_event_with_no_earliest_day_starts_no_period_but_stays_in_the_history() -> None:
    """A withdrawal dated only 'by' a day (000's "by 4 April") cannot be placed: control-at does
    not see it (Blue stays the holder), place-history still lists it."""
    graph = event("blue", "Capture", "blue", "2020-01-05", "2020-01-05") + (
        "ev:by a kg:Withdrawal ; kg:place place:town ; kg:gainingActor actor:red ; "
        'kg:dateLatest "2021-04-04"^^xsd:date ; kg:datePrecision kg:RangePrecision ; kg:certainty kg:Reported ; '
        "prov:wasDerivedFrom article:a .\n"
    )
    assert _statuses(graph, "2021-06-01") == {("blue", "held")}
    history = run(graph, "place-history", place=KGID + "place/town")
    assert KGID + "event/t/by" in {r["event"].value for r in history.rows}


def test_units_of_one_force_are_held_together_and_rivals_in_one_report_are_mixed() -> None:
    """Red and Green, both part of the Red Side, taking Town together are held, not mixed (003's
    two FSA units on the M2); Red and Blue named together by one report are mixed (000's Qalamoun)."""
    units = event("joint", "Capture", "red,green", "2021-01-05", "2021-01-05")
    assert _statuses(units, "2021-02-01") == {("red", "held"), ("green", "held")}
    rivals = event("both", "ControlObservation", "red,blue", "2021-01-05", "2021-01-05")
    assert _statuses(rivals, "2021-02-01") == {("red", "mixed"), ("blue", "mixed")}


def test_allies_are_listed_as_themselves_not_merged_into_one_side() -> None:
    """Blue allied with Red (the army and Hezbollah) keeps its own side on the map."""
    graph = "actor:blue kg:alliedWith actor:red .\n" + event("joint", "Capture", "red,blue", "2021-01-05", "2021-01-05")
    result = run(graph, "control-map", date="2021-02-01", staleDays="100000")
    assert {(r["controllerLabel"].value, r["sideLabel"].value) for r in result.rows} == {
        ("Red", "Red Side"),
        ("Blue", "Blue"),
    }


def test_an_inferred_period_has_no_confirmation_and_no_age() -> None:
    """Blue, the side Red's capture took Town from, is inferred with no lastConfirmed and no age."""
    graph = (
        "ev:taken a kg:Capture ; kg:place place:town ; kg:gainingActor actor:red ; kg:losingActor actor:blue ; "
        'kg:dateEarliest "2021-03-01"^^xsd:date ; kg:dateLatest "2021-03-31"^^xsd:date ; '
        "kg:datePrecision kg:MonthPrecision ; prov:wasDerivedFrom article:a .\n"
    )
    result = run(graph, "control-at", place=KGID + "place/town", date="2021-02-15")
    (row,) = result.rows
    assert row["status"].value == "inferred" and "lastConfirmed" not in row and "age" not in row
    assert row["stale"].value == "false" and row["certain"].value == "false"


def test_control_periods_lists_held_and_mixed_periods_with_a_known_start() -> None:
    """control-periods (and so the Linked Places export) gives Red's capture, not the inferred Blue before it."""
    graph = (
        "ev:taken a kg:Capture ; kg:place place:town ; kg:gainingActor actor:red ; kg:losingActor actor:blue ; "
        'kg:dateEarliest "2021-03-01"^^xsd:date ; kg:dateLatest "2021-03-31"^^xsd:date ; '
        "kg:datePrecision kg:MonthPrecision ; prov:wasDerivedFrom article:a .\n"
    )
    result = run(graph, "control-periods")
    assert {r["controller"].value.rsplit("/", 1)[-1] for r in result.rows} == {"red"}
