"""Control periods kept on every write: a submission (annotation file or RDF document), a
retraction, an admin SPARQL Update and a rebuild each leave the periods graph equal to the one
derived from scratch from everything stored, in the same atomic write, on both stores."""

from __future__ import annotations

import hashlib
import random
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, URIRef

from kg import period_graph, pipeline
from kg.app import Kg
from kg.config import Settings
from kg.errors import QueryRefused, StoreError
from kg.store import Derived, Store
from kg.submissions import Inputs
from kg.vocab import GRAPH

from .conftest import MINI
from .store_servers import oxigraph_server

ID = "https://w3id.org/kg/id/"
KG_NS = "https://w3id.org/kg/ontology#"
PLACES = ("place/northtown", "place/southtown", "asset/old-road")
ACTORS = ("red-army", "blue-front", "spokesman")
KINDS = ("Capture", "Capture", "Withdrawal", "ControlObservation")
PERIODS = ox.NamedNode(str(GRAPH.PERIODS))
EVIDENCE = f"{ID}evidence/mini/northtown-falls/1"  # an evidence span the mini build stores


def event_ttl(
    n: int, kind: str, place: str | tuple[str, ...], gaining: str, losing: str, day: str, claimant: str = ""
) -> str:
    """One control event as a Turtle submission gives it, citing the mini article's evidence;
    at several places when ``place`` is a tuple (one kg:place each)."""
    role = "controllingActor" if kind == "ControlObservation" else "gainingActor"
    lost = "" if kind == "ControlObservation" else f"kg:losingActor <{ID}actor/{losing}> ;"
    lost += f" prov:wasAttributedTo <{ID}actor/{claimant}> ;" if claimant else ""
    places = " , ".join(f"<{ID}{p}>" for p in ((place,) if isinstance(place, str) else place))
    return (
        f"<{ID}event/t/{n}> a kg:{kind} ; kg:place {places} ; kg:{role} <{ID}actor/{gaining}> ; {lost}\n"
        f'  kg:dateEarliest "{day}"^^xsd:date ; kg:dateLatest "{day}"^^xsd:date ; kg:datePrecision kg:DayPrecision ;\n'
        f"  kg:dateBasis kg:TextExplicit ; kg:certainty kg:Reported ; kg:scope kg:WholeScope ;\n"
        f"  kg:evidence <{EVIDENCE}> ; prov:wasDerivedFrom <{ID}article/mini> .\n"
    )


PREFIXES = (
    "@prefix kg: <https://w3id.org/kg/ontology#> .\n@prefix prov: <http://www.w3.org/ns/prov#> .\n"
    "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
)


def rdf_submission(body: str) -> Inputs:
    return Inputs(f"{hashlib.sha256(body.encode()).hexdigest()[:8]}.ttl", (PREFIXES + body).encode(), ".ttl")


def recapture(n: int = 1, day: str = "2020-03-09") -> Inputs:
    """An RDF document: the Red Army takes Northtown back from the Blue Front on ``day``."""
    return rdf_submission(event_ttl(n, "Capture", "place/northtown", "red-army", "blue-front", day))


def holder(kg: Kg, place: str = "northtown", day: str = "2020-03-15") -> set[str]:
    """Who control-at says held the place on the day, by actor id."""
    rows = kg.run("control-at", {"place": place, "date": day}).rows
    return {r["controller"].value.rsplit("/", 1)[-1] for r in rows if r["status"].value == "held"}


def stored_and_scratch(kg: Kg) -> tuple[Graph, Graph]:
    """From one export (one reading of the store): the stored periods graph, and the periods
    derived from scratch (period_graph.from_graphs) from every other graph it holds."""
    lines: dict[bool, list[str]] = {True: [], False: []}
    for q in ox.parse(kg.export("nquads"), format=ox.RdfFormat.N_QUADS):
        lines[q.graph_name == PERIODS].append(f"{ox.Triple(q.subject, q.predicate, q.object)} .\n")
    stored, others = (Graph().parse(data="".join(lines[k]), format="nt") for k in (True, False))
    return stored, period_graph.from_graphs([others])


def assert_in_step(kg: Kg, step: object = "") -> None:
    stored, scratch = stored_and_scratch(kg)
    assert set(stored) == set(scratch), (step, len(stored), len(scratch))


ARTICLE_TEXT = (
    "TEST FIXTURE - invented text, not a news article.\n\n10 March 2020\n\n"
    "The Red Army retook Northtown from the Blue Front on 9 March 2020.\n"
)


def annotation_file(place: str = "northtown") -> Inputs:
    """A new annotated article: the Red Army retakes Northtown on 9 March 2020 (``place``: the
    event's place, or a YAML list of places)."""
    text = ARTICLE_TEXT

    def span(quote: str) -> str:
        start = text.index(quote)
        return f"[{start}, {start + len(quote)}]"

    sentence = "The Red Army retook Northtown from the Blue Front on 9 March 2020."
    annotation = f"""article:
  file: retaken.txt
  sha256: {hashlib.sha256(text.encode()).hexdigest()}
  title: Northtown retaken
  language: en
  published: {{on: 2020-03-10, basis: text-explicit}}
mentions:
  - {{entity: northtown, quote: Northtown, spans: [{span("Northtown")}]}}
  - {{entity: red-army, quote: Red Army, spans: [{span("Red Army")}]}}
  - {{entity: blue-front, quote: Blue Front, spans: [{span("Blue Front")}]}}
events:
  - id: northtown-retaken
    type: Capture
    place: {place}
    gaining: [red-army]
    losing: [blue-front]
    date: {{on: 2020-03-09, basis: text-explicit}}
    scope: whole
    certainty: reported
    trigger: retook
    evidence:
      - {{from: The Red Army, to: 9 March 2020., span: {span(sentence)}}}
"""
    return Inputs("retaken.yaml", annotation.encode(), None, text.encode())


# --------------------------------------------------------------------------- each write path


def test_an_annotation_file_changes_control_at_at_once_and_its_retraction_restores_it(mini_kg: Kg) -> None:
    """Submitting an article whose capture moves Northtown to the Red Army changes control-at's
    answer right after the submit; retracting it gives the Blue Front back; periods stay in step."""
    assert holder(mini_kg) == {"blue-front"}
    stored = mini_kg.submit(annotation_file(), "tester")
    assert stored.created, [str(p) for p in stored.report.problems]
    assert holder(mini_kg) == {"red-army"}
    assert_in_step(mini_kg)
    mini_kg.retract(stored.id, "tester", "test")
    assert holder(mini_kg) == {"blue-front"}
    assert_in_step(mini_kg)


def test_an_rdf_document_changes_control_at_and_its_retraction_restores_it(mini_kg: Kg) -> None:
    """The same through an RDF (Turtle) submission of one event, and back on retraction."""
    stored = mini_kg.submit(recapture(), "tester")
    assert stored.created, [str(p) for p in stored.report.problems]
    assert holder(mini_kg) == {"red-army"}
    assert holder(mini_kg, "northtown", "2020-03-05") == {"blue-front"}  # before the recapture
    mini_kg.retract(stored.id, "tester", "test")
    assert holder(mini_kg) == {"blue-front"}
    assert_in_step(mini_kg)


def test_an_annotated_capture_at_two_places_moves_both_and_its_retraction_restores_them(mini_kg: Kg) -> None:
    """A submitted article whose capture is at Northtown and Southtown gives the Red Army both
    right after the submit; retracting it takes both back; periods stay in step."""
    assert holder(mini_kg, "southtown") == set()
    stored = mini_kg.submit(annotation_file("[northtown, southtown]"), "tester")
    assert stored.created, [str(p) for p in stored.report.problems]
    assert holder(mini_kg) == holder(mini_kg, "southtown") == {"red-army"}
    assert_in_step(mini_kg)
    mini_kg.retract(stored.id, "tester", "test")
    assert (holder(mini_kg), holder(mini_kg, "southtown")) == ({"blue-front"}, set())
    assert_in_step(mini_kg)


def test_a_write_at_one_place_of_an_event_at_two_leaves_the_other_place_as_derived(mini_kg: Kg) -> None:
    """After a capture at both towns and an earlier Red Army report at Southtown, a write that
    touches only Northtown derives Northtown again and leaves Southtown's periods as they were
    (not derived again from the two-place capture alone, which would infer a Red Army period)."""
    both = event_ttl(1, "Capture", ("place/northtown", "place/southtown"), "blue-front", "red-army", "2020-03-05")
    earlier = event_ttl(2, "ControlObservation", "place/southtown", "red-army", "", "2020-02-01")
    assert mini_kg.submit(rdf_submission(both + earlier), "tester").created
    assert_in_step(mini_kg, "both towns")
    assert mini_kg.submit(recapture(3, day="2020-03-12"), "tester").created  # Northtown only
    assert holder(mini_kg) == {"red-army"} and holder(mini_kg, "southtown") == {"blue-front"}
    assert_in_step(mini_kg, "one town")


def test_a_sparql_update_inserting_an_event_moves_the_periods(mini_kg: Kg) -> None:
    """An admin SPARQL Update adding a capture (in a graph of its own) moves control-at; one
    deleting it moves it back: every place's periods are derived again in the same update."""
    body = event_ttl(7, "Capture", "place/northtown", "red-army", "blue-front", "2020-03-09")
    triples = Graph().parse(data=PREFIXES + body, format="turtle").serialize(format="nt")
    graph = "https://w3id.org/kg/graph/admin"
    mini_kg.update(f"INSERT DATA {{ GRAPH <{graph}> {{ {triples} }} }}")
    assert holder(mini_kg) == {"red-army"}
    assert_in_step(mini_kg)
    mini_kg.update(f"DROP GRAPH <{graph}>")
    assert holder(mini_kg) == {"blue-front"}
    assert_in_step(mini_kg)


def test_an_update_that_writes_the_periods_graph_is_refused(mini_kg: Kg) -> None:
    """Periods are derived data: an update that would delete them is refused, and they stay as derived."""
    with pytest.raises(QueryRefused, match="periods"):
        mini_kg.update(f"DROP GRAPH <{GRAPH.PERIODS}>")
    assert holder(mini_kg) == {"blue-front"}
    assert_in_step(mini_kg)


def unit(name: str, larger: str) -> str:
    """A new actor stated as a unit of ``larger`` (kg:partOf)."""
    return (
        f'<{ID}actor/{name}> a kg:StateForce ; <http://www.w3.org/2000/01/rdf-schema#label> "{name}" ;\n'
        f"  kg:partOf <{ID}actor/{larger}> .\n"
    )


def test_a_hierarchy_change_derives_every_place_again(mini_kg: Kg) -> None:
    """Retracting the submission that made a unit part of the Red Army changes the periods of a
    place whose events are in another submission (the unit's claim is no longer the Red Army's
    own): every place is derived again."""
    made = mini_kg.submit(rdf_submission(unit("unit-1", "red-army")), "tester")
    assert made.created, [str(p) for p in made.report.problems]
    events = event_ttl(1, "Capture", "place/southtown", "red-army", "blue-front", "2020-03-01", claimant="unit-1")
    assert mini_kg.submit(rdf_submission(events), "tester").created
    before, _ = stored_and_scratch(mini_kg)
    mini_kg.retract(made.id, "tester", "test")
    after, _ = stored_and_scratch(mini_kg)
    assert set(before) != set(after)
    assert_in_step(mini_kg)


def test_a_hierarchy_written_by_another_kg_is_read_again(mini_kg: Kg) -> None:
    """The hierarchy a Kg keeps between its writes is not trusted after another's write: once
    another Kg makes the claimant a unit of the Red Army, this one's next one-place write there
    derives with that, as a derivation from scratch does."""
    assert mini_kg.submit(rdf_submission(unit("unit-2", "blue-front")), "tester").created
    claim = event_ttl(1, "Capture", "place/northtown", "red-army", "blue-front", "2020-03-01", claimant="unit-2")
    assert mini_kg.submit(rdf_submission(claim), "tester").created  # reads the hierarchy and keeps it
    before, _ = stored_and_scratch(mini_kg)
    with Kg(mini_kg.settings) as other:
        moved = f"<{ID}actor/unit-2> <{KG_NS}partOf> <{ID}actor/red-army>"
        other.update(f"INSERT DATA {{ GRAPH <{ID}graph/test> {{ {moved} }} }}")
    assert mini_kg.submit(recapture(2, day="2020-03-12"), "tester").created  # northtown again, one place
    assert_in_step(mini_kg)
    after, _ = stored_and_scratch(mini_kg)
    assert set(before) != set(after)


def test_a_rebuild_derives_the_periods_from_the_kept_submissions_too(mini_kg: Kg) -> None:
    """kg build keeps the submissions and derives the periods from them as well."""
    assert mini_kg.submit(recapture(), "tester").created
    report = mini_kg.build()
    assert report.stored and report.submissions_kept == 1
    assert holder(mini_kg) == {"red-army"}
    assert_in_step(mini_kg)


def test_a_failing_derivation_changes_nothing(mini_kg: Kg) -> None:
    """A write whose derivation fails is not made at all: the data and periods stay as they were."""
    before = mini_kg.store.checksum()

    def failing(_after: Store) -> Derived:
        raise StoreError("derivation failed")

    with pytest.raises(StoreError):
        mini_kg.store.apply(add=[(URIRef("https://w3id.org/kg/graph/x"), Graph())], derive=failing)
    with pytest.raises(StoreError):
        mini_kg.store.update(f"DROP GRAPH <{GRAPH.PERIODS}>", derive=failing)
    assert mini_kg.store.checksum() == before


def test_no_reader_sees_events_and_periods_that_disagree(mini_kg: Kg) -> None:
    """While one thread submits and retracts, another reads the whole store again and again:
    every reading holds the periods of exactly the events it holds."""
    done, seen, wrong = threading.Event(), [0], []

    def read() -> None:
        while not done.is_set():
            stored, scratch = stored_and_scratch(mini_kg)
            seen[0] += 1
            if set(stored) != set(scratch):
                wrong.append(seen[0])

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for n in range(4):
            stored = mini_kg.submit(recapture(n, f"2020-03-{10 + n}"), "tester")
            if n % 2:
                mini_kg.retract(stored.id, "tester", "test")
    finally:
        done.set()
        reader.join()
    assert seen[0] > 0 and not wrong


# --------------------------------------------------------------------------- the property


def random_steps(kg: Kg, rng: random.Random, steps: int) -> None:
    """Random submissions (events at random places, some at two, sometimes a membership), retractions and
    admin updates through Kg's real write entrances; after each, the periods are checked."""
    live: dict[str, str] = {}  # stored submission id -> the unit it introduced, if any
    for step in range(steps):
        choice, actors = rng.random(), [*ACTORS, *filter(None, live.values())]
        if live and choice < 0.3:
            gone = rng.choice(sorted(live))
            live.pop(gone)
            kg.retract(gone, "tester", "random")
        elif choice < 0.4:
            n = rng.randrange(10_000)
            body = event_ttl(n, rng.choice(KINDS), random_place(rng), *rng.sample(actors, 2), random_day(rng))
            triples = Graph().parse(data=PREFIXES + body, format="turtle").serialize(format="nt")
            kg.update(f"INSERT DATA {{ GRAPH <https://w3id.org/kg/graph/admin/{n}> {{ {triples} }} }}")
        else:
            new = f"unit-{step}" if rng.random() < 0.2 else ""
            body = unit(new, rng.choice(actors)) if new else ""
            for _ in range(rng.randrange(1, 4)):
                kind, place, claimant = rng.choice(KINDS), random_place(rng), rng.choice(["", *actors])
                body += event_ttl(rng.randrange(10_000), kind, place, *rng.sample(actors, 2), random_day(rng), claimant)
            stored = kg.submit(rdf_submission(body), "tester")
            assert stored.created or not stored.report.conforms, [str(p) for p in stored.report.problems]
            if stored.created:
                live[stored.id] = new
        assert_in_step(kg, step)


def random_place(rng: random.Random) -> str | tuple[str, ...]:
    """A place, or now and then two: one event at several places."""
    return tuple(rng.sample(PLACES, 2)) if rng.random() < 0.3 else rng.choice(PLACES)


def random_day(rng: random.Random) -> str:
    return f"2020-03-{rng.randrange(1, 29):02d}"


@pytest.mark.parametrize("seed_value", range(3))
def test_random_writes_keep_the_periods_equal_to_a_derivation_from_scratch(mini_kg: Kg, seed_value: int) -> None:
    """Property (embedded store): after every random submission, retraction and SPARQL Update,
    the stored periods graph equals from_graphs of everything stored."""
    random_steps(mini_kg, random.Random(9000 + seed_value), 10)


@pytest.fixture
def remote_kg(tmp_path: Path) -> Iterator[Kg]:
    """A kg over a real `oxigraph serve` on loopback, built from the mini fixture."""
    with oxigraph_server(tmp_path / "oxigraph") as url:
        settings = Settings.from_env({}, data=MINI, corpus=MINI / "corpus", store=url)
        settings = replace(settings, data=_mini_copy(tmp_path))
        assert pipeline.build(settings).stored
        with Kg(settings) as kg:
            yield kg


def _mini_copy(tmp_path: Path) -> Path:
    import shutil

    data = tmp_path / "data"
    shutil.copytree(MINI, data, ignore=shutil.ignore_patterns("corpus"))
    return data


def test_random_writes_keep_the_periods_in_step_on_the_remote_store(remote_kg: Kg) -> None:
    """Property (remote store, a small run): the same holds when the periods go to the server
    in the same request as the data they derive from; control-at follows a submission."""
    assert_in_step(remote_kg, "built")
    stored = remote_kg.submit(recapture(), "tester")
    assert holder(remote_kg) == {"red-army"}
    remote_kg.retract(stored.id, "tester", "test")
    assert holder(remote_kg) == {"blue-front"}
    random_steps(remote_kg, random.Random(77), 5)
