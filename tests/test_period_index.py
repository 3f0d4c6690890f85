"""The periods index (kg.period_index) gives exactly the rows control-at's and control-map's SPARQL
give, on random corpora, dates, views, sources and horizons; and Kg uses it per store version."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Sequence
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from rdflib import Graph, Literal, URIRef

from kg import period_graph, period_index, period_reader, queries
from kg.app import Kg
from kg.config import PROJECT_ROOT, Settings
from kg.periods import Event
from kg.store import QueryResult, Row
from kg.store.embedded import EmbeddedStore
from kg.vocab import GRAPH, KG, PROV, RDF, RDFS, SDO, XSD

from .test_periods import DAY0, ID, PLACES, TEST_GRAPH, period_graph_input, random_event

GEO = "http://www.opengis.net/ont/geosparql#"
ORDER = {
    "control-at": ("since", "source", "event", "controller"),
    "control-map": ("placeLabel", "place", "since", "source", "event", "controller"),
}
CATALOGUE = queries.catalogue(PROJECT_ROOT / "queries")


def rich_event(rng: random.Random, n: int) -> Event:
    """An event of any kind the periods read, with claims and attributions now and then."""
    e = random_event(rng, n, rng.choice("xyz"))
    if rng.random() < 0.2:
        kind = rng.choice(("Siege", "Assault"))
        e = replace(e, kind=kind, controllers=(), attackers=(rng.choice("abcd"),), defenders=(rng.choice("abcd"),))
    return replace(e, claimed=rng.random() < 0.2, claimants=(rng.choice("abcd"),) if rng.random() < 0.3 else ())


def corpus(rng: random.Random) -> Graph:
    """A random corpus as the build maps it: events (some at two places: one event, two
    kg:place), articles with titles and publishers, actors in a partOf tree with labels (some
    without), places with types, labels and coordinates."""
    g = Graph()
    for n in range(rng.randrange(1, 12)):
        e = rich_event(rng, n)
        g += period_graph_input(e)
        s = URIRef(f"{ID}event/t/{e.iri}")
        if rng.random() < 0.3:
            g.add((s, KG.place, URIRef(f"{ID}place/{rng.choice([p for p in PLACES if p != e.place])}")))
        if e.kind in ("Siege", "Assault"):
            for prop, actors in ((KG.attackingActor, e.attackers), (KG.defendingActor, e.defenders)):
                g.add((s, prop, URIRef(f"{ID}actor/{actors[0]}")))
        g.add((s, KG.datePrecision, rng.choice((KG.DayPrecision, KG.MonthPrecision))))
        if e.claimed:
            g.add((s, KG.certainty, KG.Claimed))
        for who in e.claimants:
            g.add((s, PROV.wasAttributedTo, URIRef(f"{ID}actor/{who}")))
        if e.kind == "Siege":  # broken later (kg.periods cannot yet derive a siege nothing ends)
            broken = URIRef(f"{ID}event/t/{e.iri}-broken")
            g.add((broken, RDF.type, KG.SiegeBroken))
            g.add((broken, KG.place, URIRef(f"{ID}place/{e.place}")))
            g.add((broken, PROV.wasDerivedFrom, URIRef(f"{ID}article/{e.source}")))
            day = (e.earliest or DAY0) + timedelta(days=rng.randrange(1, 20))
            g.add((broken, KG.dateEarliest, Literal(day.isoformat(), datatype=XSD.date)))
        if rng.random() < 0.15:  # a second article for the same report
            g.add((s, PROV.wasDerivedFrom, URIRef(f"{ID}article/{rng.choice('xyz')}")))
    for a in "xyz":
        g.add((URIRef(f"{ID}article/{a}"), SDO.headline, Literal(f"Article {a}")))
        g.add((URIRef(f"{ID}article/{a}"), SDO.publisher, URIRef(f"{ID}actor/{rng.choice('abcd')}")))
    for a in "abcd":
        if rng.random() < 0.8:
            g.add((URIRef(f"{ID}actor/{a}"), RDFS.label, Literal(a.upper())))
    g.add((URIRef(f"{ID}actor/b"), KG.partOf, URIRef(f"{ID}actor/a")))
    if rng.random() < 0.5:
        g.add((URIRef(f"{ID}actor/d"), KG.partOf, URIRef(f"{ID}actor/c")))
    for p in PLACES:
        place = URIRef(f"{ID}place/{p}")
        g.add((place, RDF.type, KG.Settlement))
        g.add((place, RDFS.label, Literal(p.upper())))
        if rng.random() < 0.6:
            geometry = URIRef(f"{ID}place/{p}/geometry")
            g.add((place, URIRef(GEO + "hasGeometry"), geometry))
            wkt = Literal("POINT(37 34)", datatype=URIRef(GEO + "wktLiteral"))
            g.add((geometry, URIRef(GEO + "asWKT"), wkt))
    return g


def stored_corpus(rng: random.Random) -> EmbeddedStore:
    graph = corpus(rng)
    store = EmbeddedStore.open(None)
    store.replace_all([(TEST_GRAPH, graph), (GRAPH.PERIODS, period_graph.from_graphs([graph]))])
    return store


def same_rows(name: str, sparql: QueryResult, indexed: QueryResult) -> None:
    """The same variables and rows in the same order (rows the ORDER BY leaves tied in any order)."""
    assert indexed.variables == sparql.variables
    assert len(indexed.rows) == len(sparql.rows)
    assert [_key(name, r) for r in indexed.rows] == [_key(name, r) for r in sparql.rows]
    assert _tied(name, indexed.rows) == _tied(name, sparql.rows)


def _key(name: str, row: Row) -> tuple[object, ...]:
    return tuple(row.get(v) for v in ORDER[name])


def _with_as_set(row: Row) -> dict[str, object]:
    """The row with ``with`` as the set of names (GROUP_CONCAT's order is the engine's)."""
    out: dict[str, object] = dict(row)
    if "with" in row:
        out["with"] = sorted(row["with"].value.split(", ")), row["with"].datatype
    return out


def _tied(name: str, rows: Sequence[Row]) -> list[list[str]]:
    groups: list[list[str]] = []
    last: object = object()
    for row in rows:
        key = _key(name, row)
        if key != last:
            groups.append([])
            last = key
        groups[-1].append(repr(sorted(_with_as_set(row).items())))
    return [sorted(g) for g in groups]


@pytest.mark.parametrize("seed_value", range(25))
def test_index_rows_are_the_sparql_rows(seed_value: int) -> None:
    """On random corpora, dates, views, `by` and staleDays, control-at and control-map from the
    index give the SPARQL's variables, terms and order."""
    rng = random.Random(9100 + seed_value)
    store = stored_corpus(rng)
    index = period_reader.load(store, max_rows=10**6)
    assert index is not None
    for _ in range(12):
        values = {"date": (DAY0 + timedelta(days=rng.randrange(-3, 50))).isoformat()}
        values["view"] = rng.choice(("all", "all", "source", "consensus"))
        if values["view"] == "source" or rng.random() < 0.2:
            values["by"] = rng.choice((f"{ID}article/{rng.choice('xyz')}", f"{ID}actor/{rng.choice('abcd')}"))
        if rng.random() < 0.7:
            values["staleDays"] = str(rng.choice((0, 2, 5, 90)))
        for name in ("control-at", "control-map"):
            asked = {**values, "place": f"{ID}place/{rng.choice(PLACES)}"} if name == "control-at" else values
            sparql = queries.run(store, CATALOGUE, name, asked, cache=None)
            bindings = queries.bind(CATALOGUE[name], asked, store)
            indexed = index.answer(name, bindings)
            assert indexed is not None
            same_rows(name, sparql, indexed)


def test_the_row_cap_cuts_index_rows_as_it_cuts_sparql_rows() -> None:
    """An index answer past max_rows is cut and says so, as the store's answer is."""
    rng = random.Random(4)
    store = stored_corpus(rng)
    index = period_reader.load(store, max_rows=10**6)
    assert index is not None
    bindings = queries.bind(CATALOGUE["control-map"], {"date": (DAY0 + timedelta(days=40)).isoformat()}, store)
    whole = index.answer("control-map", bindings)
    assert whole is not None and len(whole.rows) > 1 and not whole.truncated
    cut = index.answer("control-map", bindings, max_rows=1)
    assert cut is not None and cut.truncated and cut.rows == whole.rows[:1]


def test_only_queries_that_name_the_index_are_answered_by_it() -> None:
    """control-at and control-map declare `#+ index: periods`; the index answers nothing else."""
    assert {n for n, q in CATALOGUE.items() if q.index == "periods"} == set(period_index.ANSWERS)
    index = period_reader.load(stored_corpus(random.Random(1)), max_rows=10**6)
    assert index is not None and index.answer("place-history", {}) is None


def test_a_stored_period_kg_would_not_derive_leaves_the_answer_to_sparql() -> None:
    """A period with two controllers (not one kg derives) gives no index: the SPARQL answers."""
    store = stored_corpus(random.Random(2))
    period = store.query(f"SELECT ?p WHERE {{ GRAPH <{GRAPH.PERIODS}> {{ ?p a <{KG.ControlPeriod}> }} }} LIMIT 1")
    iri = period.rows[0]["p"].value
    store.update(f"INSERT DATA {{ GRAPH <{GRAPH.PERIODS}> {{ <{iri}> <{KG.controlledBy}> <{ID}actor/zz> }} }}")
    assert period_reader.load(store, max_rows=10**6) is None


def test_kg_keeps_one_index_per_store_version_and_answers_from_it(mini_kg: Kg) -> None:
    """Kg reads the index once per version, answers control-at from it as the SPARQL does, and
    after a write (a new version) from a new index that sees the write."""
    ask = {"place": f"{ID}place/northtown", "date": "2020-06-01"}
    first = mini_kg.index_of("periods")
    assert first is not None and mini_kg.index_of("periods") is first
    before = mini_kg.answer("control-at", ask).result
    assert [r["controller"].value for r in before.rows] == [f"{ID}actor/blue-front"]
    mini_kg.update(
        "PREFIX kg: <https://w3id.org/kg/ontology#> PREFIX prov: <http://www.w3.org/ns/prov#> "
        "PREFIX xsd: <http://www.w3.org/2001/XMLSchema#> INSERT DATA { GRAPH <https://w3id.org/kg/graph/t> { "
        f"<{ID}event/t/retaken> a kg:Capture ; kg:place <{ID}place/northtown> ; "
        f"kg:gainingActor <{ID}actor/red> ; kg:scope kg:WholeScope ; prov:wasDerivedFrom <{ID}article/t> ; "
        'kg:dateEarliest "2020-05-01"^^xsd:date ; kg:dateLatest "2020-05-01"^^xsd:date } }'
    )
    second = mini_kg.index_of("periods")
    assert second is not None and second is not first
    after = mini_kg.answer("control-at", ask).result
    assert f"{ID}actor/red" in {r["controller"].value for r in after.rows}
    store, catalogue = mini_kg.store, mini_kg.catalogue()
    sparql = queries.answer(store, catalogue, "control-at", {**ask, "staleDays": "90"}, cache=None).result
    same_rows("control-at", sparql, after)
    assert mini_kg.index_of("no-such-index") is None


@pytest.mark.parametrize("cap", [0, 5])
def test_without_the_index_the_sparql_answers(built_mini: Settings, cap: int) -> None:
    """KG_INDEX_ROWS=0 turns the index off, and a read cut at KG_INDEX_ROWS gives none: control-map
    is then answered by its SPARQL, with the same rows."""
    with Kg(built_mini) as full, Kg(replace(built_mini, index_rows=cap)) as capped:
        assert full.index_of("periods") is not None and capped.index_of("periods") is None
        ask = {"date": "2100-01-01"}
        same_rows("control-map", full.run("control-map", ask), capped.run("control-map", ask))


def test_a_slow_index_read_never_holds_a_request_past_its_limit(
    built_mini: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While the index of a version is still being read, a request waits for it no longer than
    KG_QUERY_TIMEOUT and is answered by the SPARQL, with the same rows; once read, the index answers."""
    done = threading.Event()
    real = period_reader.load

    def slow(*args: Any, **kwargs: Any) -> Any:
        done.wait(30)  # held until the request below has been answered
        return real(*args, **kwargs)

    monkeypatch.setattr(period_reader, "load", slow)
    with Kg(replace(built_mini, query_timeout=0.5)) as running:
        assert running.index_of("periods") is None  # not read yet: the SPARQL answers
        ask = {"date": "2100-01-01"}
        by_sparql = running.run("control-map", ask)
        done.set()
        deadline = time.monotonic() + 30
        while running.index_of("periods") is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert running.index_of("periods") is not None
        running.results.clear()
        same_rows("control-map", by_sparql, running.run("control-map", ask))
