"""Control periods (kg.periods, kg.period_graph): each status rule on a small hand-made graph
(tests/data/periods/), read back through control-at as a user would; and a property test over
seeded random corpora showing that the stored periods give the rule evaluated from scratch, and
that refreshing only the places a write touched gives what deriving everything again gives."""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path

import pytest
from rdflib import Graph, URIRef

from kg import control_at as reading
from kg import period_graph, periods, queries
from kg.config import PROJECT_ROOT
from kg.periods import Actors, Event
from kg.store import QueryResult
from kg.store.embedded import EmbeddedStore
from kg.vocab import GRAPH, KG

DATA = Path(__file__).parent / "data" / "periods"
ID = "https://w3id.org/kg/id/"
TEST_GRAPH = URIRef("https://w3id.org/kg/graph/test")


def stored(name: str) -> EmbeddedStore:
    """An in-memory store holding tests/data/periods/<name>.ttl and its periods, as a build stores them."""
    graph = Graph().parse(DATA / f"{name}.ttl", format="turtle")
    store = EmbeddedStore.open(None)
    store.replace_all([(TEST_GRAPH, graph), (GRAPH.PERIODS, period_graph.from_graphs([graph]))])
    return store


def control_at(store: EmbeddedStore, day: str, place: str = "town", **params: str) -> QueryResult:
    values = {"place": f"{ID}place/{place}", "date": day, **params}
    return queries.run(store, PROJECT_ROOT / "queries", "control-at", values, cache=None)


def rows(result: QueryResult, *keys: str) -> set[tuple[str | None, ...]]:
    def short(row: dict, key: str) -> str | None:
        return row[key].value.rsplit("/", 1)[-1] if key in row else None

    return {tuple(short(r, k) for k in keys) for r in result.rows}


# --------------------------------------------------------------------------- the rules, one by one


def test_the_besieged_holder_keeps_the_place_through_the_siege() -> None:
    """Blue, besieged by Red from March, still holds Town in April (a besieged row beside its held
    row, both certain); after the siege is broken in June only the held row is left."""
    store = stored("siege")
    april = control_at(store, "2020-04-01", staleDays="1000")
    assert rows(april, "controller", "event", "status", "certain", "with") == {
        ("blue", "taken", "held", "true", None),
        ("blue", "siege", "besieged", "true", "Red"),
    }
    assert rows(control_at(store, "2020-07-01", staleDays="1000"), "controller", "status") == {("blue", "held")}


def test_the_losing_side_of_the_first_capture_is_inferred_before_it() -> None:
    """Red's capture from Blue is the first report about Town: Blue is inferred before it (no
    start, never certain), both are listed inside the capture's month, Red alone after it."""
    store = stored("inferred")
    assert rows(control_at(store, "2021-01-15"), "controller", "status", "certain", "since") == {
        ("blue", "inferred", "false", None)
    }
    assert rows(control_at(store, "2021-03-15"), "controller", "status", "certain") == {
        ("blue", "inferred", "false"),
        ("red", "held", "false"),
    }
    assert rows(control_at(store, "2021-04-01"), "controller", "status", "certain") == {("red", "held", "true")}


def test_an_inferred_period_reaches_back_only_the_horizon_before_its_evidence() -> None:
    """Blue, inferred from Red's capture (earliest day 1 March 2021), is listed from 90 days
    before it (1 December 2020); on 30 November, and in 2000, nothing speaks to Town: no rows
    (unknown), not a guess. A longer horizon (staleDays) reaches further back."""
    store = stored("inferred")
    assert rows(control_at(store, "2020-12-01"), "controller", "status") == {("blue", "inferred")}
    assert rows(control_at(store, "2020-11-30"), "controller") == set()
    assert rows(control_at(store, "2000-01-01"), "controller") == set()
    assert rows(control_at(store, "2000-01-01", staleDays="8000"), "controller", "status") == {("blue", "inferred")}
    found = periods.derive(period_graph.events_from(_statements(Graph().parse(DATA / "inferred.ttl"))), Actors())
    (blue,) = [p for p in found if p.status == "inferred"]
    assert blue.reaches_back_to(90) == date(2020, 12, 1)
    assert not blue.listed(date(2020, 11, 30)) and blue.listed(date(2020, 12, 1))


def test_the_day_between_two_datings_of_one_change_is_disputed() -> None:
    """a dates Red's capture 3 April, b 4 April: on the 3rd, Red by a and Blue (still there by
    b's dating) are both listed, disputed, neither certain; on the 4th Red by both, certain."""
    store = stored("dated-twice")
    assert rows(control_at(store, "2021-04-03"), "controller", "event", "status", "certain") == {
        ("red", "a-retook", "disputed", "false"),
        ("blue", "held", "disputed", "false"),
    }
    assert rows(control_at(store, "2021-04-04"), "controller", "event", "status", "certain") == {
        ("red", "a-retook", "held", "true"),
        ("red", "b-retook", "held", "true"),
    }


def test_a_period_not_confirmed_within_the_horizon_is_stale() -> None:
    """Asked in April 2016, Blue's 2014 capture is stale, not certain, 640 days old; Green's
    control, confirmed again in March 2016, is fresh; a longer horizon makes Blue certain again."""
    store = stored("stale")
    keys = ("controller", "stale", "certain", "lastConfirmed", "age")
    assert rows(control_at(store, "2016-04-01"), *keys) == {("blue", "true", "false", "2014-06-30", "641")}
    assert rows(control_at(store, "2016-04-01", place="village"), *keys) == {
        ("green", "false", "true", "2016-03-15", "17")
    }
    assert rows(control_at(store, "2016-04-01", staleDays="1000"), "controller", "stale", "certain") == {
        ("blue", "false", "true")
    }


def test_the_horizon_is_the_kg_stale_days_setting() -> None:
    """KG_STALE_DAYS reaches the query as staleDays when the caller does not give it."""
    from kg.config import Settings

    store = stored("stale")
    defaults = Settings.from_env({"KG_STALE_DAYS": "1000"}).query_defaults()
    result = queries.run(
        store,
        PROJECT_ROOT / "queries",
        "control-at",
        {"place": f"{ID}place/town", "date": "2016-04-01"},
        cache=None,
        defaults=defaults,
    )
    assert rows(result, "stale", "staleDays") == {("false", "1000")}


def test_partial_reports_of_one_day_are_mixed_and_an_assault_contests() -> None:
    """Blue and Red each hold part of Town on 1 May: both mixed, each naming the other; Green's
    assault of 10–12 May makes Blue's Town contested for those days only, and ends nobody's control."""
    store = stored("mixed-contested")
    keys = ("controller", "event", "status", "with", "scope")
    assert rows(control_at(store, "2021-05-05"), *keys) == {
        ("blue", "p-blue", "mixed", "Red", "partial"),
        ("red", "p-red", "mixed", "Blue", "partial"),
    }
    assert ("blue", "attack", "contested", "Green", "partial") in rows(control_at(store, "2021-05-11"), *keys)
    assert rows(control_at(store, "2021-05-13"), "event") == {("p-blue",), ("p-red",)}


def test_claimed_and_reported_and_the_three_views() -> None:
    """Red's spokesman's claim for Red is `claimed` and left out of the consensus view; his
    admission that Blue took Village counts there; view=source keeps one article's reading."""
    store = stored("views")
    assert rows(control_at(store, "2021-05-03"), "controller", "basis") == {("red", "claimed"), ("green", "reported")}
    assert rows(control_at(store, "2021-05-03", view="consensus"), "controller") == {("green",)}
    village = control_at(store, "2021-05-03", place="village", view="consensus")
    assert rows(village, "controller", "basis") == {("blue", "claimed")}
    by_monitor = control_at(store, "2021-05-03", view="source", by=f"{ID}actor/monitor")
    assert rows(by_monitor, "controller", "source") == {("green", "c")}
    by_article = control_at(store, "2021-05-03", view="source", by=f"{ID}article/a")
    assert rows(by_article, "controller") == {("red",)}


def test_a_bad_view_is_refused_with_the_choices() -> None:
    """view must be all, source or consensus: anything else is a parameter error naming them."""
    from kg.errors import ParameterError

    with pytest.raises(ParameterError, match="all, source, consensus"):
        control_at(stored("views"), "2021-05-03", view="mine")


def test_view_source_without_by_is_refused_naming_by() -> None:
    """view=source with no `by` would choose no reading: a parameter error on `by`, not no rows."""
    from kg.errors import ParameterError

    with pytest.raises(ParameterError, match="with view=source needs the parameter 'by'") as refused:
        control_at(stored("views"), "2021-05-03", view="source")
    assert refused.value.where is not None and refused.value.where.field == "by"


# --------------------------------------------------------------------------- the five seed articles


def test_seed_al_qaryatayn_on_3_april_2016_is_disputed(seed) -> None:  # type: ignore[no-untyped-def]
    """000 dates the army's return 3 April, 001 4 April: on the 3rd neither reading is certain."""
    result = queries.run(seed[1], seed[0].queries, "control-at", {"place": "al-Qaryatayn", "date": "2016-04-03"})
    assert {r["controllerLabel"].value for r in result.rows if r["status"].value == "disputed"} == {
        "Syrian Arab Army",
        "Islamic State",
    }
    assert {r["certain"].value for r in result.rows} == {"false"}


def test_seed_a_2014_report_is_stale_in_2016(seed) -> None:  # type: ignore[no-untyped-def]
    """004's capture of the Qalamoun border crossings (spring 2014) is stale in April 2016."""
    result = queries.run(
        seed[1], seed[0].queries, "control-at", {"place": "qalamoun-border-crossings", "date": "2016-04-10"}
    )
    (row,) = [r for r in result.rows if r["status"].value == "held"]
    assert (row["stale"].value, row["certain"].value, row["lastConfirmed"].value) == ("true", "false", "2014-06-20")


def test_seed_besieged_al_dumayr_is_held_by_the_opposition_during_the_siege(seed) -> None:  # type: ignore[no-untyped-def]
    """003's al-Dumayr, besieged by IS and the army with its start not given: the opposition holds
    it (besieged, not certain) before the siege is broken by 10 November 2016."""
    result = queries.run(seed[1], seed[0].queries, "control-at", {"place": "al-dumayr", "date": "2016-11-01"})
    assert {(r["controllerLabel"].value, r["status"].value, r["certain"].value) for r in result.rows} == {
        ("Syrian opposition forces", "besieged", "false")
    }


def test_seed_the_army_is_inferred_to_have_held_al_qaryatayn_before_the_islamic_state_took_it(seed) -> None:  # type: ignore[no-untyped-def]
    """002's capture (August 2015) names the army as the side that lost al-Qaryatayn: in June 2015
    the answer is the army, inferred, not certain, with no start; in 2014, beyond the horizon
    before that capture, nothing speaks to it (no rows)."""
    june = queries.run(seed[1], seed[0].queries, "control-at", {"place": "al-Qaryatayn", "date": "2015-06-01"})
    assert [(r["controllerLabel"].value, r["status"].value, r["certain"].value, "since" in r) for r in june.rows] == [
        ("Syrian Arab Army", "inferred", "false", False)
    ]
    assert june.rows[0]["event"].value.endswith("/qaryatayn-taken-by-is")
    early = queries.run(seed[1], seed[0].queries, "control-at", {"place": "al-Qaryatayn", "date": "2014-06-01"})
    assert not early.rows


def test_seed_al_dumayr_before_the_siege_is_known_is_unknown(seed) -> None:  # type: ignore[no-untyped-def]
    """The siege's start is not given (only that it was broken by 10 November 2016): the
    besieged holder reaches back 90 days before that, so June 2016 has no rows."""
    assert queries.run(seed[1], seed[0].queries, "control-at", {"place": "al-dumayr", "date": "2016-08-12"}).rows
    assert queries.run(seed[1], seed[0].queries, "control-at", {"place": "al-dumayr", "date": "2016-06-01"}).rows == ()


# --------------------------------------------------------------------------- the property test

DAY0 = date(2021, 1, 1)
PLACES = ("p1", "p2", "p3")
ACTORS = ("a", "b", "c", "d")
ACTOR_TREE = Actors({"b": ("a",)})  # b is a unit of a


def random_event(rng: random.Random, n: int, source: str) -> Event:
    kind = rng.choice(("Capture", "Capture", "Withdrawal", "ControlObservation"))
    earliest = None if rng.random() < 0.1 else DAY0 + timedelta(days=rng.randrange(30))
    latest = None
    if earliest is not None and rng.random() < 0.9:
        latest = earliest + timedelta(days=rng.choice((0, 0, 0, 1, 3, 10)))
    return Event(
        f"e{n}",
        kind,
        rng.choice(PLACES),
        source,
        earliest=earliest,
        latest=latest,
        controllers=tuple(sorted(set(rng.sample(ACTORS, rng.choice((1, 1, 1, 2)))))),
        losing=(rng.choice(ACTORS),) if kind != "ControlObservation" and rng.random() < 0.5 else (),
        partial=rng.random() < 0.2,
    )


def rule_at(events: Sequence[Event], place: str, day: date) -> set[tuple[str, str, bool, bool]]:
    """control-at's rule evaluated from scratch on one day, straight from the events (no periods):
    (controller, event, certain, disputed) for each report naming a controller."""
    here = [e for e in events if e.place == place]

    def whole(e: Event) -> bool:
        return e.kind in periods.ESTABLISHING and not e.partial and e.earliest is not None

    def twins(e: Event) -> list[Event]:
        return [
            f
            for f in here
            if whole(e)
            and whole(f)
            and e.kind in periods.CHANGES
            and f.kind in periods.CHANGES
            and f.source != e.source
            and f.earliest > e.earliest  # type: ignore[operator]
            and set(f.controllers) & set(e.controllers)
            and not any(
                whole(r) and e.earliest < r.earliest < f.earliest and not set(r.controllers) & set(e.controllers)  # type: ignore[operator]
                for r in here
            )
        ]

    def by_all(r: Event) -> bool:  # every source's reading of the change has passed by the day
        return r.latest is not None and all(t.latest <= day for t in [r, *twins(r)] if t.latest is not None)

    out = set()
    for e in here:
        if e.kind not in periods.ESTABLISHING or e.earliest is None or e.earliest > day:
            continue
        for c in e.controllers:
            rivals = [r for r in here if whole(r) and r.earliest > e.earliest and c not in r.controllers]  # type: ignore[operator]
            if any(by_all(r) for r in rivals):
                continue
            same_day = not e.partial and any(
                whole(f)
                and f.earliest == e.earliest
                and c not in f.controllers
                and any(not ACTOR_TREE.related(o, c) for o in f.controllers)
                for f in here
            )
            between = any(t.earliest > day for t in twins(e))  # type: ignore[operator]
            end_said = any(r.latest is not None and r.latest <= day for r in rivals)
            disputed = same_day or between or end_said
            started = e.latest is not None and all(t.latest <= day for t in [e, *twins(e)] if t.latest is not None)
            certain = started and not any(r.earliest <= day for r in rivals) and not disputed  # type: ignore[operator]
            out.add((c, e.iri, certain, disputed))
    return out


def from_periods(found: Sequence[periods.Period], place: str, day: date) -> set[tuple[str, str, bool, bool]]:
    return {
        (a.controller, a.event, a.certain, a.disputed)
        for p, a in ((p, reading.answer(p, day, 10**6)) for p in found)
        if p.place == place and p.listed(day) and p.kind in periods.ESTABLISHING and p.status != "inferred"
    }


@pytest.mark.parametrize("seed_value", range(60))
def test_derived_periods_give_the_rule_evaluated_from_scratch(seed_value: int) -> None:
    """On every day of a random corpus, the periods give exactly the reports the rule gives."""
    rng = random.Random(seed_value)
    events = [random_event(rng, n, rng.choice("xyz")) for n in range(rng.randrange(1, 10))]
    found = periods.derive(events, ACTOR_TREE)
    for place in PLACES:
        for offset in range(-2, 45):
            day = DAY0 + timedelta(days=offset)
            assert from_periods(found, place, day) == rule_at(events, place, day), (place, day)


@pytest.mark.parametrize("seed_value", range(30))
def test_refreshing_touched_places_equals_deriving_from_scratch(seed_value: int) -> None:
    """Random submissions (a batch of events from a new source) and retractions (a batch
    removed): after each, refreshing only the places it touched gives the periods of a full
    derivation."""
    rng = random.Random(1000 + seed_value)
    batches: dict[str, list[Event]] = {}
    current: tuple[periods.Period, ...] = ()
    n = 0
    for step in range(8):
        if batches and rng.random() < 0.35:
            touched_events = batches.pop(rng.choice(sorted(batches)))
        else:
            source = f"s{step}"
            touched_events = [random_event(rng, n + i, source) for i in range(rng.randrange(1, 4))]
            n += len(touched_events)
            batches[source] = touched_events
        events = [e for batch in batches.values() for e in batch]
        current = periods.refreshed(current, events, {e.place for e in touched_events}, ACTOR_TREE)
        assert sorted(current, key=repr) == sorted(periods.derive(events, ACTOR_TREE), key=repr), step


def _turtle(events: Sequence[Event]) -> Graph:
    g = Graph()
    for e in events:
        g += period_graph_input(e)
    return g


def _spread(rng: random.Random, events: Sequence[Event]) -> Graph:
    """The events as the build maps them, some at a second place too (one event, two kg:place):
    a refresh of one of its places must leave the other's periods as they were."""
    g = _turtle(events)
    for e in events:
        if rng.random() < 0.4:
            g.add((URIRef(f"{ID}event/t/{e.iri}"), KG.place, URIRef(f"{ID}place/{rng.choice(PLACES)}")))
    return g


def period_graph_input(e: Event) -> Graph:
    """One synthetic event as the build maps it (the triples the periods are read from)."""
    from rdflib import Literal

    from kg.vocab import KG, PROV, RDF, XSD

    g, s = Graph(), URIRef(f"{ID}event/t/{e.iri}")
    g.add((s, RDF.type, KG[e.kind]))
    g.add((s, KG.place, URIRef(f"{ID}place/{e.place}")))
    g.add((s, PROV.wasDerivedFrom, URIRef(f"{ID}article/{e.source}")))
    g.add((s, KG.scope, KG.PartialScope if e.partial else KG.WholeScope))
    role = KG.controllingActor if e.kind == "ControlObservation" else KG.gainingActor
    for a in e.controllers:
        g.add((s, role, URIRef(f"{ID}actor/{a}")))
    for a in e.losing:
        g.add((s, KG.losingActor, URIRef(f"{ID}actor/{a}")))
    for prop, day in ((KG.dateEarliest, e.earliest), (KG.dateLatest, e.latest)):
        if day is not None:
            g.add((s, prop, Literal(day.isoformat(), datatype=XSD.date)))
    return g


@pytest.mark.parametrize("seed_value", range(8))
def test_a_store_refreshed_by_place_holds_the_periods_of_a_full_build(seed_value: int) -> None:
    """Through a real store: after a submission's events are added and the touched places' periods
    dropped (period_graph.drop_places) and refreshed (period_graph.refresh), the periods graph
    equals the one a build derives from all the events, also when events of either side are at
    two places; control-at reads the same answers."""
    rng = random.Random(5000 + seed_value)
    first = [random_event(rng, n, "x") for n in range(6)]
    second = [random_event(rng, 100 + n, "y") for n in range(3)]
    store = EmbeddedStore.open(None)
    base, added = _spread(rng, first), _spread(rng, second)
    store.replace_all([(TEST_GRAPH, base), (GRAPH.PERIODS, period_graph.from_graphs([base]))])
    touched = sorted({str(place) for place in added.objects(None, KG.place)})
    store.apply(add=[(URIRef("https://w3id.org/kg/graph/test2"), added)])
    store.update(period_graph.drop_places(touched, str(GRAPH.PERIODS)))
    store.apply(add=[(GRAPH.PERIODS, period_graph.refresh(store, touched))])
    expected = period_graph.from_graphs([base + added])
    got = store.query(f"SELECT ?s ?p ?o WHERE {{ GRAPH <{GRAPH.PERIODS}> {{ ?s ?p ?o }} }}").rows
    assert {(r["s"].value, r["p"].value, r["o"].value) for r in got} == {
        (str(s), str(p), str(o)) for s, p, o in expected
    }


# --------------------------------------------------------------------------- shapes and validation


def test_the_seed_periods_conform_to_their_shape(seed) -> None:  # type: ignore[no-untyped-def]
    """Every period the build stored for the five articles passes shapes/periods.ttl."""
    from rdflib import Literal

    from kg import shacl
    from kg.pipeline import load_ontology

    settings, store = seed
    found = store.query(f"SELECT ?s ?p ?o WHERE {{ GRAPH <{GRAPH.PERIODS}> {{ ?s ?p ?o }} }}").rows
    data = Graph()
    for r in found:
        o = r["o"]
        value = (
            URIRef(o.value)
            if o.kind == "uri"
            else Literal(o.value, datatype=URIRef(o.datatype) if o.datatype else None)
        )
        data.add((URIRef(r["s"].value), URIRef(r["p"].value), value))
    outcome = shacl.validate(data, shacl.load_shapes(settings.shapes), load_ontology(settings))
    assert len(data) > 500 and outcome.conforms, outcome.problems


def test_a_period_without_start_or_unknown_start_does_not_conform() -> None:
    """The shape refuses a period that neither has a start nor says its start is unknown."""
    from kg import shacl
    from kg.config import Settings
    from kg.pipeline import load_ontology

    settings = Settings.from_env({})
    good = period_graph.to_graph([periods.Period(f"{ID}place/t", f"{ID}actor/a", f"{ID}event/e", "Capture", "s")])
    bad = Graph()
    bad += good
    bad.remove((None, URIRef("https://w3id.org/kg/ontology#startUnknown"), None))
    ontology = load_ontology(settings)
    assert shacl.validate(good, shacl.load_shapes(settings.shapes), ontology).conforms
    assert not shacl.validate(bad, shacl.load_shapes(settings.shapes), ontology).conforms


def test_validation_warns_about_a_control_event_with_no_earliest_day(seed_settings) -> None:  # type: ignore[no-untyped-def]
    """000's withdrawal "by 4 April" gets a warning that names the queries that will not see it;
    the file still conforms."""
    from kg import pipeline

    path = next((seed_settings.data / "articles").glob("000_*.yaml"))
    report = pipeline.validate([path], seed_settings)
    warnings = [p for p in report.problems if p.severity == "warning" and "no earliest day" in p.message]
    assert report.conforms and warnings
    assert "control-at" in warnings[0].message and warnings[0].where.line is not None


@pytest.mark.parametrize("seed_value", range(6))
def test_control_at_reads_the_stored_periods_as_the_rules_do(seed_value: int) -> None:
    """On random corpora, the SPARQL of control-at over the stored periods gives, on every other
    day, exactly what kg.periods.answer_at computes from the same periods (status, certain,
    disputed, stale with a short horizon, age)."""
    rng = random.Random(7000 + seed_value)
    events = [random_event(rng, n, rng.choice("xyz")) for n in range(8)]
    graph = _turtle(events)
    found = periods.derive(period_graph.events_from(_statements(graph)), Actors())
    store = EmbeddedStore.open(None)
    store.replace_all([(TEST_GRAPH, graph), (GRAPH.PERIODS, period_graph.to_graph(found))])
    for place in PLACES:
        iri = f"{ID}place/{place}"
        for offset in range(-1, 44, 3):
            day = DAY0 + timedelta(days=offset)
            result = control_at(store, day.isoformat(), place=place, staleDays="5")
            got = rows(result, "controller", "event", "status", "certain", "disputed", "stale", "age")
            want = {_row(a) for a in reading.answer_at(found, iri, day, stale_days=5)}
            assert got == want, (place, day)


def _row(a: reading.Answer) -> tuple[str | None, ...]:
    flags = (str(a.certain).lower(), str(a.disputed).lower(), str(a.stale).lower())
    age = None if a.age is None else str(a.age)
    return (a.controller.rsplit("/", 1)[-1], a.event.rsplit("/", 1)[-1], a.status, *flags, age)


def _statements(graph: Graph) -> list[tuple[str, str, object]]:
    return [
        (str(s), str(p), o.toPython() if hasattr(o, "toPython") and not isinstance(o, URIRef) else str(o))
        for s, p, o in graph
    ]


def test_one_status_vocabulary_in_the_ontology_the_shapes_the_rules_and_the_pages() -> None:
    """kg:ControlStatus's members (their skos:notation), the shape's sh:in, kg.periods.STATUSES,
    the words the place and actor pages explain and those the map's legend explains are one list."""
    from rdflib import Namespace
    from rdflib.collection import Collection
    from rdflib.namespace import SH, SKOS

    from kg.web.timeline import BASES, STATUSES

    kg = Namespace("https://w3id.org/kg/ontology#")
    ontology = Graph().parse(PROJECT_ROOT / "ontology" / "kg.ttl")
    members = {
        str(ontology.value(term, SKOS.notation)) for term in ontology.subjects(SKOS.inScheme, kg.ControlStatusScheme)
    }
    shapes = Graph().parse(PROJECT_ROOT / "shapes" / "periods.ttl")
    (allowed,) = [o for s in shapes.subjects(SH.path, kg.controlStatus) for o in shapes.objects(s, SH["in"])]
    in_shape = {str(ontology.value(term, SKOS.notation)) for term in Collection(shapes, allowed)}
    legend = (PROJECT_ROOT / "src" / "kg" / "web" / "static" / "map.js").read_text("utf-8")
    in_legend = set(re.findall(r'^    \["(\w+)", "', legend, re.MULTILINE))
    assert members == in_shape == set(periods.STATUSES) == set(STATUSES), (members, in_shape)
    assert in_legend == set(STATUSES) | {"claimed", "stale"}
    assert set(BASES) == {"claimed", "reported"}


def test_a_siege_that_nothing_ends_stays_besieged() -> None:
    """A siege with no breaking, no capture and no rival report is one open besieged period of
    the defender (deriving it once raised on an empty list of ends)."""
    siege = Event(
        "e:siege", "Siege", "p:town", "a:one", earliest=date(2016, 1, 1), latest=date(2016, 1, 1),
        defenders=("x:opposition",), attackers=("x:is",),
    )  # fmt: skip
    (period,) = periods.derive([siege])
    assert (period.controller, period.status, period.others) == ("x:opposition", "besieged", ("x:is",))
    assert period.end_earliest is None and period.end_latest is None
