"""OWL reasoning (kg.reasoning): HermiT finds the seed graph consistent, rejects a contradiction
in words, and the build stores what it infers in its own graph. Needs Java; skipped without it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Graph, URIRef

from kg import pipeline, reasoning, shacl
from kg.cli import main
from kg.config import Settings
from kg.errors import ReasonerUnavailable
from kg.store import Store
from kg.store.embedded import EmbeddedStore
from kg.vocab import GRAPH, KG, KGID, RDF
from kg.web import create_app

from .conftest import DATA, SEED_CORPUS, ask
from .programs import JAVA_HINT, requires

INCONSISTENT = DATA / "inconsistent" / "settlement_as_actor.ttl"

requires("java", JAVA_HINT)  # HermiT runs on it


@pytest.fixture(scope="module")
def reasoned(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Settings, Store]]:
    """The seed corpus built once with --reason."""
    if not SEED_CORPUS.is_dir():
        pytest.skip(f"the seed corpus is not at {SEED_CORPUS}")
    settings = Settings.from_env({}, store=str(tmp_path_factory.mktemp("reason") / "store"), corpus=SEED_CORPUS)
    result = pipeline.build(settings, reason=True)
    assert result.stored, [str(p) for p in result.report.problems]
    assert result.inferred > 0
    store = EmbeddedStore.open(settings.store)
    yield settings, store
    store.close()


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(Path(__file__).resolve().parents[1] / "ontology" / "kg.ttl")


def inferred(store: Store, subject: str, prop: str) -> set[str]:
    sparql = f"SELECT ?o WHERE {{ GRAPH <{GRAPH.INFERRED}> {{ <{subject}> <{prop}> ?o }} }}"
    return {row["o"].value for row in store.query(sparql).rows}


def test_seed_graph_is_consistent(reasoned: tuple[Settings, Store]) -> None:
    """`kg reason` finds the stored seed graph consistent and counts what it infers, by property."""
    settings, _ = reasoned
    result = CliRunner().invoke(main, ["--store", settings.store, "--corpus", str(SEED_CORPUS), "reason"])
    assert result.exit_code == 0, result.output
    assert "consistent" in result.output and "kg:side" in result.output


def test_inconsistent_fixture_is_explained(ontology: Graph) -> None:
    """A settlement used as a gaining actor is rejected, naming it and the disjoint classes."""
    outcome = reasoning.infer(Graph().parse(INCONSISTENT), ontology)
    assert not outcome.consistent
    text = " ".join(p.message for p in outcome.problems)
    assert "al-Qaryatayn (kgid:place/al-qaryatayn)" in text
    assert "kg:Place owl:disjointWith kg:Actor" in text
    assert "kg:gainingActor" in text


def test_functional_property_is_explained(ontology: Graph) -> None:
    """Two date precisions of one event are reported as a broken functional property."""
    data = Graph().parse(
        data="@prefix kg: <https://w3id.org/kg/ontology#> . @prefix kgid: <https://w3id.org/kg/id/> ."
        " <https://w3id.org/kg/id/event/x/y> a kg:Capture ; kg:datePrecision kg:DayPrecision , kg:YearPrecision .",
        format="turtle",
    )
    outcome = reasoning.infer(data, ontology)
    assert not outcome.consistent
    assert any("kg:datePrecision a owl:FunctionalProperty" in p.message for p in outcome.problems)


def test_build_fails_with_the_explanation(mini_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """An inconsistent graph fails `build(reason=True)` with the reasoner's words; nothing is stored."""
    problem = reasoning.explain(Graph().parse(INCONSISTENT), Graph().parse(mini_settings.ontology))
    monkeypatch.setattr(reasoning, "infer", lambda data, ontology: reasoning.Reasoning(False, problem))
    result = pipeline.build(mini_settings, reason=True)
    assert not result.stored
    assert any("disjoint" in p.message for p in result.report.errors)


def test_inferred_graph_holds_closures_and_sides(reasoned: tuple[Settings, Store]) -> None:
    """al-Qaryatayn lies in Syria (transitively) and the FSA brigade is on the FSA's side, in GRAPH.INFERRED."""
    _, store = reasoned
    assert str(KGID["place/syria"]) in inferred(store, KGID["place/al-qaryatayn"], KG.locatedIn)
    brigade = KGID["actor/martyr-ahmad-al-abdo-brigade"]
    assert str(KGID["actor/free-syrian-army"]) in inferred(store, brigade, KG.side)
    assert str(brigade) in inferred(store, KGID["actor/free-syrian-army"], KG.hasPart)
    assert str(KG.Actor) in inferred(store, brigade, RDF.type)


def test_reasoning_can_be_left_out(built_mini: Settings) -> None:
    """Without --reason the build stores no inferred graph."""
    store = EmbeddedStore.open(built_mini.store)
    try:
        assert GRAPH.INFERRED not in {URIRef(g) for g in store.info().graphs}
    finally:
        store.close()


def test_shacl_and_owl_agree_on_the_seed(reasoned: tuple[Settings, Store], ontology: Graph) -> None:
    """The seed data pass SHACL and HermiT alike (the build with --reason ran both)."""
    settings, store = reasoned
    assert GRAPH.INFERRED in {URIRef(g) for g in store.info().graphs}
    assert pipeline.reason(settings).consistent


def test_shacl_and_owl_agree_on_the_fixture(ontology: Graph) -> None:
    """The inconsistent fixture is rejected by the SHACL shapes as well as by the reasoner."""
    data = Graph().parse(INCONSISTENT)
    settings = Settings.from_env({})
    outcome = shacl.validate(data, shacl.load_shapes(settings.shapes), ontology, {})
    assert any(p.severity == "error" for p in outcome.problems)
    assert not reasoning.infer(data, ontology).consistent


def test_control_by_side_answers(reasoned: tuple[Settings, Store]) -> None:
    """control-by-side puts the FSA brigades holding the M2 on the Free Syrian Army's side."""
    rows = ask(reasoned, "control-by-side", place="M2 highway", date="2016-11-10").rows
    tops = {row["sideLabel"].value for row in rows if row["top"].value == "true"}
    assert tops == {"Free Syrian Army"}


def test_ontology_page_and_turtle(reasoned: tuple[Settings, Store]) -> None:
    """/ontology is an HTML page with the class tree and examples, or Turtle when asked for it."""
    settings, store = reasoned
    client = create_app(settings, store).test_client()
    page = client.get("/ontology", headers={"Accept": "text/html"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'id="hierarchy"' in html
    assert 'href="/id/place/' in html and "ContestedPlace" in html
    turtle = client.get("/ontology", headers={"Accept": "text/turtle"})
    assert turtle.mimetype == "text/turtle"
    assert len(Graph().parse(data=turtle.get_data(as_text=True), format="turtle")) > 100
    rdfxml = client.get("/ontology", headers={"Accept": "application/rdf+xml"})
    assert rdfxml.mimetype == "application/rdf+xml"


def test_missing_java_is_a_clear_failure(ontology: Graph, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without Java, reasoning stops with a message naming Debian's default-jre-headless."""
    monkeypatch.setattr(reasoning.shutil, "which", lambda _name: None)
    with pytest.raises(ReasonerUnavailable, match="default-jre-headless"):
        reasoning.infer(Graph(), ontology)
