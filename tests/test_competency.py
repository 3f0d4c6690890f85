"""End to end: build the five seed articles and answer the questions users bring, through the
saved queries, exactly as `kg query` and the web layer do (``queries.run``)."""

from __future__ import annotations

from kg.config import Settings
from kg.store import QueryResult, Store

from .conftest import ask

A000, A001, A002, A003, A004 = (
    "000_d0ca17a74fd2c527",
    "001_e1aede16270a3f65",
    "002_27cbe1813f689608",
    "003_a09ebbb68c357bd2",
    "004_b4742f2bcf0bf4fe",
)
KG = "https://w3id.org/kg/ontology#"


def article(row: dict) -> str:
    return row["source"].value.rsplit("/", 1)[-1]


def controllers(result: QueryResult) -> set[str]:
    return {row["controllerLabel"].value for row in result.rows}


def test_the_build_is_complete_and_conforms(seed: tuple[Settings, Store]) -> None:
    """All five articles are stored, each in its own graph, beside the entities and the ontology."""
    info = seed[1].info()
    assert {g.rsplit("/", 1)[-1] for g in info.graphs if "/graph/article/" in g} == {A000, A001, A002, A003, A004}
    assert "https://w3id.org/kg/graph/entities" in info.graphs
    assert "https://w3id.org/kg/graph/ontology" in info.graphs


def test_who_held_al_qaryatayn_on_1_december_2015(seed: tuple[Settings, Store]) -> None:
    """Islamic State, since its capture in August 2015 (month precision), according to 002."""
    result = ask(seed, "control-at", place="al-Qaryatayn", date="2015-12-01")
    assert controllers(result) == {"Islamic State"}
    (row,) = result.rows
    assert article(row) == A002
    assert row["precision"].value == KG + "MonthPrecision"
    assert (row["since"].value, row["until"].value) == ("2015-08-01", "2015-08-31")


def test_who_held_al_qaryatayn_on_10_april_2016(seed: tuple[Settings, Store]) -> None:
    """The Syrian Arab Army, by two articles that date the recapture differently (3 and 4 April)."""
    result = ask(seed, "control-at", place="Al-Qaryatain", date="2016-04-10")
    assert controllers(result) == {"Syrian Arab Army"}
    assert {(article(row), row["since"].value) for row in result.rows} == {(A000, "2016-04-03"), (A001, "2016-04-04")}


def test_on_3_april_2016_the_two_datings_of_the_recapture_are_both_listed(seed: tuple[Settings, Store]) -> None:
    """Between the two reported dates (000: 3 April, 001: 4 April) the army by 000 and the Islamic
    State still there by 001's dating are both listed, disputed, neither certain."""
    result = ask(seed, "control-at", place="qaryatayn", date="2016-04-03")
    held = {(r["controllerLabel"].value, article(r), r["status"].value, r["certain"].value) for r in result.rows}
    assert ("Syrian Arab Army", A000, "disputed", "false") in held
    assert ("Islamic State", A002, "disputed", "false") in held
    assert all(r["certain"].value == "false" for r in result.rows)


def test_which_articles_report_the_recapture_of_al_qaryatayn_and_when(seed: tuple[Settings, Store]) -> None:
    """place-history lists each source's capture with its own date and precision."""
    result = ask(seed, "place-history", place="al-qaryatayn")
    captures = {
        (article(row), row["earliest"].value, row["gaining"].value)
        for row in result.rows
        if row["eventType"].value == KG + "Capture"
    }
    assert captures == {
        (A002, "2015-08-01", "Islamic State"),
        (A000, "2016-04-03", "Syrian Arab Army"),
        (A001, "2016-04-04", "Syrian Arab Army"),
    }


def test_palmyra_changes_hands_between_the_two_dates(seed: tuple[Settings, Store]) -> None:
    """IS took Palmyra in late May 2015; the army retook it in late March 2016 (000 and 001)."""
    before = ask(seed, "control-at", place="Palmyra", date="2015-12-01")
    assert controllers(before) == {"Islamic State"}
    assert {article(r) for r in before.rows} == {A002}
    after = ask(seed, "control-at", place="Palmyra", date="2016-04-10")
    assert controllers(after) == {"Syrian Arab Army"}
    assert {article(r) for r in after.rows} == {A000, A001}
    assert "2016-03-27" in {r["since"].value for r in after.rows}


def test_al_sukhna_fell_to_is_in_may_2015(seed: tuple[Settings, Store]) -> None:
    """001 says al-Sukhna was overrun by ISIS in May 2015; 000 calls it IS's last base in Homs."""
    result = ask(seed, "control-at", place="al-Sukhna", date="2016-04-05")
    assert controllers(result) == {"Islamic State"}
    assert {article(r) for r in result.rows} == {A000, A001}


def test_the_gas_fields_remain_under_regime_control(seed: tuple[Settings, Store]) -> None:
    """On 4 April 2016 the Shaer gas fields are held by the regime's army (000)."""
    result = ask(seed, "control-at", place="Shaer fields", date="2016-04-04")
    assert controllers(result) == {"Syrian Arab Army"}


def test_the_siege_of_al_dumayr_is_broken_by_fsa_units(seed: tuple[Settings, Store]) -> None:
    """003: two FSA units break the siege imposed by IS and the regime; the city is opposition-held."""
    history = ask(seed, "place-history", place="Dumeir")
    broken = [r for r in history.rows if r["eventType"].value == KG + "SiegeBroken"]
    assert len(broken) == 1 and article(broken[0]) == A003
    assert set(broken[0]["gaining"].value.split(", ")) == {"Martyr Ahmad al-Abdo Brigade", "Jaish Usud al-Sharqia"}
    assert set(broken[0]["losing"].value.split(", ")) == {"Islamic State", "Syrian Arab Army"}
    held = ask(seed, "control-at", place="al-Dumayr", date="2016-11-10")
    assert controllers(held) == {"Syrian opposition forces"}


def test_fsa_units_take_portions_of_the_m2_highway(seed: tuple[Settings, Store]) -> None:
    """003: a partial capture of the M2 from IS by the FSA's units, in the week of 10 November 2016."""
    result = ask(seed, "actor-events", actor="Free Syrian Army")
    m2 = {(r["role"].value, r["eventType"].value) for r in result.rows if r["place"].value.endswith("/m2-highway")}
    assert ("gaining", KG + "Capture") in m2


def test_which_actors_are_reported_in_eastern_qalamoun(seed: tuple[Settings, Store]) -> None:
    """004 reports the FSA, Jabhat al-Nusra and the Islamic State there (and 003 the FSA units)."""
    result = ask(seed, "actors-at", place="eastern Qalamoun")
    names = {row["actorLabel"].value for row in result.rows}
    assert {"Free Syrian Army", "Jabhat al-Nusra", "Islamic State"} <= names


def test_the_syrian_army_took_umm_ruman_on_14_november_2014(seed: tuple[Settings, Store]) -> None:
    """004: the Umm Ruman hillside, taken on Nov. 14 (the year worked out from the text)."""
    result = ask(seed, "control-at", place="Umm Ruman", date="2014-12-01")
    assert controllers(result) == {"Syrian Arab Army"}
    assert {(article(r), r["since"].value) for r in result.rows} == {(A004, "2014-11-14")}


def test_the_iraqi_advance_was_halted_outside_hit(seed: tuple[Settings, Store]) -> None:
    """001: the Iraqi army's assault on ISIS-held Hit was halted on 5 April 2016; Hit stays with IS."""
    events = ask(seed, "actor-events", actor="iraqi-army")
    at_hit = {(r["eventType"].value, r["earliest"].value) for r in events.rows if r["place"].value.endswith("/hit")}
    assert (KG + "Assault", "2016-04-05") in at_hit
    assert controllers(ask(seed, "control-at", place="Hit", date="2016-04-08")) == {"Islamic State"}


def test_every_spelling_of_al_qaryatayn_is_one_place(seed: tuple[Settings, Store]) -> None:
    """Mentions in three articles, spelled three ways, all point at one entity."""
    result = ask(seed, "mentions", entity="Al Qaryatayn")
    spellings = {row["exact"].value for row in result.rows}
    assert {"al-Qaryatayn", "Al-Qaryatain", "Qaryatayn"} <= spellings
    assert {article({"source": row["article"]}) for row in result.rows} == {A000, A001, A002}


def test_the_two_reports_of_palmyras_bearing_are_both_kept(seed: tuple[Settings, Store]) -> None:
    """000 puts Palmyra 100 km northeast of al-Qaryatayn, 001 100 km to the west: both claims stand."""
    result = ask(seed, "reported-distances", place="Palmyra")
    claims = {
        (article(r), r["km"].value, r["bearingCode"].value)
        for r in result.rows
        if r["referenceLabel"].value == "al-Qaryatayn" and r["locatedLabel"].value == "Palmyra"
    }
    assert claims == {(A000, "100", "NE"), (A001, "100", "W")}


def test_before_the_first_event_only_the_losing_side_is_inferred(seed: tuple[Settings, Store]) -> None:
    """Before 002's capture of al-Qaryatayn (August 2015) the army, its losing side, is inferred to
    have held it, start unknown, never certain — within the horizon before that evidence: in 2010
    nothing speaks to it; a place whose first event names no loser is unknown before it (Palmyra,
    taken by IS in May 2015)."""
    (row,) = ask(seed, "control-at", place="al-Qaryatayn", date="2015-06-01").rows
    assert (row["controllerLabel"].value, row["status"].value, row["certain"].value) == (
        "Syrian Arab Army",
        "inferred",
        "false",
    )
    assert "since" not in row and article(row) == A002
    assert ask(seed, "control-at", place="al-Qaryatayn", date="2010-01-01").rows == ()
    assert ask(seed, "control-at", place="Palmyra", date="2010-01-01").rows == ()


def test_the_capture_of_al_qaryatayn_in_2015_says_how_it_was_dated(seed: tuple[Settings, Store]) -> None:
    """The month of IS's capture is not in the text; the graph says so (basis external, derivation)."""
    result = seed[1].query(
        """PREFIX kg: <https://w3id.org/kg/ontology#>
        SELECT ?basis ?derivation WHERE {
          ?e a kg:Capture ; kg:place <https://w3id.org/kg/id/place/al-qaryatayn> ;
             kg:gainingActor <https://w3id.org/kg/id/actor/islamic-state> ;
             kg:dateBasis ?basis ; kg:dateDerivation ?derivation }"""
    )
    (row,) = result.rows
    assert row["basis"].value == KG + "External"
    assert "Wednesday" in row["derivation"].value


def test_coordinates_come_with_their_geonames_source(seed: tuple[Settings, Store]) -> None:
    """Every geometry in the graph names the GeoNames row it was copied from."""
    result = seed[1].query(
        """PREFIX geo: <http://www.opengis.net/ont/geosparql#>
        PREFIX prov: <http://www.w3.org/ns/prov#>
        SELECT ?g ?source WHERE { ?f geo:hasGeometry ?g . OPTIONAL { ?g prov:wasDerivedFrom ?source } }"""
    )
    assert len(result.rows) >= 15
    assert all(row["source"].value.startswith("https://sws.geonames.org/") for row in result.rows)
