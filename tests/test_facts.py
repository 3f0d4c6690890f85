"""What the articles say beyond control (issue #15): casualty figures, claims and their denials,
unnamed sources and announced operations are read, checked, stored and answered by their saved
queries on the seed; bad input of each kind is refused with its file, line and field and leaves
the store as it was; and the control queries never see an announced operation."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from kg.cli import main
from kg.config import Settings
from kg.store import QueryResult, Row, Store
from kg.store.embedded import EmbeddedStore

from .conftest import ask

BAD = Path(__file__).parent / "data" / "bad"
KGID = "https://w3id.org/kg/id/"

# file in tests/data/bad → (exit code, line, field, words the message must contain)
BAD_FACTS = {
    "facts_estimates_unordered": (
        1,
        75,
        "casualties[0].best",
        "must be ordered low ≤ best ≤ high, but low is 50 and best is 10",
    ),
    "facts_figure_of_no_event": (1, 72, "casualties[0].event", "'northtown-burns' is not an event or incident"),
    "facts_figure_without_number": (1, 71, "casualties[0]", "'best' is a required property"),
    "facts_stance_unknown": (
        1,
        74,
        "statements[0].stance",
        "'refutes' is not one of ['claims', 'confirms', 'denies', 'doubts']",
    ),
    "facts_announcement_without_actor": (1, 71, "announcements[0]", "'actor' is a required property"),
    "facts_anonymous_without_outlet": (1, 72, "entities.actors[0]", "'quotedBy' is a required property"),
    "facts_unknown_source": (1, 74, "statements[0].source", "unknown id 'green-army'"),
    "facts_announcement_place_unknown": (1, 74, "announcements[0].place", "unknown id 'eastville'"),
    "facts_incident_date_against_expression": (
        1,
        75,
        "incidents[0].date",
        "'yesterday' before Sunday 1 March 2020 (the article's date) is Saturday 29 February 2020",
    ),
    "facts_ownership_not_text": (1, 75, "entities.actors[0].ownership", "is not of type 'string'"),
}


def run(settings: Settings, *args: str) -> Result:
    env = {"KG_DATA": str(settings.data), "KG_CORPUS": str(settings.corpus), "KG_STORE": settings.store}
    return CliRunner().invoke(main, list(args), env=env)


def by_local_name(result: QueryResult, column: str) -> dict[str, Row]:
    return {row[column].value.rsplit("/", 1)[-1]: row for row in result.rows}


def value(row: Row, column: str) -> str | None:
    term = row.get(column)
    return term.value if term is not None else None


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("name", sorted(BAD_FACTS))
def test_bad_facts_are_reported_at_their_field(mini_settings: Settings, name: str) -> None:
    """kg validate names the file, line and field of a broken figure, statement, announcement or source."""
    code, line, field, words = BAD_FACTS[name]
    path = BAD / f"{name}.yaml"
    result = run(mini_settings, "validate", str(path))
    assert result.exit_code == code, result.output
    assert f"{path}:{line}: {field}:" in result.output, result.output
    assert words in result.output, result.output


@pytest.mark.parametrize("name", sorted(BAD_FACTS))
def test_a_build_with_bad_facts_stores_nothing(built_mini: Settings, name: str) -> None:
    """A build over data with one broken file of the new kinds fails and the store keeps every quad."""
    before = EmbeddedStore.open(built_mini.store).checksum()
    shutil.copy(BAD / f"{name}.yaml", built_mini.data / "articles" / "zz_bad.yaml")
    result = run(built_mini, "build")
    assert result.exit_code == BAD_FACTS[name][0], result.output
    assert EmbeddedStore.open(built_mini.store).checksum() == before


def test_a_submission_with_a_bad_figure_is_422_and_stores_nothing(built_mini: Settings) -> None:
    """POST /validate answers 422 in the one JSON error shape for an unordered estimate; nothing changes."""
    from kg.web import create_app

    text = (BAD / "facts_estimates_unordered.yaml").read_text("utf-8").replace("file: mini.txt", "file: other.txt")
    corpus = (built_mini.corpus / "mini.txt").read_bytes()
    store = EmbeddedStore.open(built_mini.store)
    before = store.checksum()
    with create_app(built_mini, store).test_client() as client:
        form = {"annotation": (io.BytesIO(text.encode()), "bad.yaml"), "text": (io.BytesIO(corpus), "other.txt")}
        response = client.post("/validate", data=form)
    assert response.status_code == 422, response.get_data(as_text=True)
    body = response.get_json()
    assert body["ok"] is False and body["status"] == 422
    assert [p["message"] for p in body["errors"]] == [
        "estimates must be ordered low ≤ best ≤ high, but low is 50 and best is 10"
    ], body
    assert store.checksum() == before
    store.close()


# --------------------------------------------------------------------------- casualties


def test_casualty_figures_belong_to_their_events(seed: tuple[Settings, Store]) -> None:
    """SOHR's 28 pro-regime fighters killed belong to the IS capture of al-Qaryatayn, dated by it."""
    rows = by_local_name(ask(seed, "casualties"), "figure")
    killed = rows["pro-regime-fighters-killed"]
    assert value(killed, "event") == KGID + "event/002_27cbe1813f689608/qaryatayn-taken-by-is"
    assert (value(killed, "counted"), value(killed, "best"), value(killed, "sideLabel")) == (
        "killed",
        "28",
        "Syrian Arab Army",
    )
    assert value(killed, "reportedBy") == "Syrian Observatory for Human Rights"
    assert (value(killed, "earliest"), value(killed, "latest")) == ("2015-08-01", "2015-08-31")


def test_casualty_ranges_keep_the_words(seed: tuple[Settings, Store]) -> None:
    """'Hundreds' is a low and a high with the words kept; a figure without an event has its own place."""
    rows = by_local_name(ask(seed, "casualties"), "figure")
    hit = rows["hit-civilians-evacuated"]
    assert (value(hit, "low"), value(hit, "high"), value(hit, "best"), value(hit, "words")) == (
        "200",
        "999",
        None,
        "Hundreds",
    )
    assert value(hit, "event") is None and value(hit, "placeLabel") == "Hit"
    assert value(hit, "civilian") == "true" and value(hit, "reportedBy") == "the article"


# --------------------------------------------------------------------------- claims and denials


def test_a_claim_and_its_denial_both_stay(seed: tuple[Settings, Store]) -> None:
    """The Islamic State's shoot-down claim is listed with Sputnik's denial, each with its date."""
    rows = by_local_name(ask(seed, "claims-and-denials"), "about")
    plane = rows["plane-shot-down-bir-al-qasab"]
    assert value(plane, "claimedBy") == "Islamic State (2016-04-01 to 2016-04-30)"
    assert value(plane, "deniedBy") == "Sputnik International (2016-04-01 to 2016-11-10)"
    assert value(plane, "placeLabel") == "Bir al-Qasab"
    taken = rows["qaryatayn-taken-by-is"]
    assert "Islamic State" in (value(taken, "claimedBy") or "")
    assert "Syrian Observatory for Human Rights" in (value(taken, "confirmedBy") or "")


def test_a_doubt_is_kept_beside_the_event_it_doubts(seed: tuple[Settings, Store]) -> None:
    """Said Saif will not say the siege of al-Dumayr is broken for good: a doubt, not a denial."""
    rows = by_local_name(ask(seed, "claims-and-denials"), "about")
    siege = rows["dumayr-siege-broken"]
    assert value(siege, "doubtedBy") == "Said Saif (? to 2016-11-10)"
    assert value(siege, "deniedBy") is None and value(siege, "placeLabel") == "al-Dumayr"


def test_incidents_list_a_proclamation_dated_from_another_event(seed: tuple[Settings, Store]) -> None:
    """`incidents` gives the caliphate proclaimed in Mosul "the following month" after June 2014,
    the war's sixth year from 15 March 2016, and the shoot-down with its two statements."""
    rows = by_local_name(ask(seed, "incidents"), "incident")
    caliphate = rows["caliphate-proclaimed-in-mosul"]
    assert (value(caliphate, "kind"), value(caliphate, "placeLabel")) == ("proclamation", "Mosul")
    assert (value(caliphate, "earliest"), value(caliphate, "latest"), value(caliphate, "precision")) == (
        "2014-07-01",
        "2014-07-31",
        "month",
    )
    war = rows["war-enters-sixth-year"]
    assert (value(war, "name"), value(war, "earliest")) == ("the war entered its sixth year", "2016-03-15")
    assert value(rows["plane-shot-down-bir-al-qasab"], "statements") == "2"
    only_mosul = by_local_name(ask(seed, "incidents", place="Mosul"), "incident")
    assert set(only_mosul) == {"caliphate-proclaimed-in-mosul"}


def test_an_incident_is_no_control_event(seed: tuple[Settings, Store]) -> None:
    """The shoot-down is a kg:Incident, so no control period is derived from it."""
    plane = KGID + "incident/003_a09ebbb68c357bd2/plane-shot-down-bir-al-qasab"
    found = seed[1].query(
        "PREFIX kg: <https://w3id.org/kg/ontology#> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
        f"SELECT ?type WHERE {{ <{plane}> a ?type }}"
    )
    types = {row["type"].value.rsplit("#", 1)[-1] for row in found.rows}
    assert "Shootdown" in types and "ControlEvent" not in types and "Capture" not in types


# --------------------------------------------------------------------------- unnamed sources


def test_unnamed_sources_sit_inside_their_outlet(seed: tuple[Settings, Store]) -> None:
    """'A rebel commander' who told Syria Direct is an unnamed commander of the opposition, inside Syria Direct."""
    rows = by_local_name(ask(seed, "sources"), "source")
    commander = rows["syria-direct-rebel-commander-2016-11-10"]
    assert value(commander, "anonymous") == "true" and value(commander, "kind") == "commander"
    assert value(commander, "quotedByLabel") == "Syria Direct"
    assert value(commander, "sideLabel") == "Syrian opposition forces"
    assert value(commander, "items") == "2"  # the M2 capture, and the campaign "to limit IS influence"
    assert value(rows["as-safir-military-sources-2014"], "kind") == "military"
    assert value(rows["sohr"], "anonymous") == "false"


def test_an_event_is_attributed_to_its_unnamed_source(seed: tuple[Settings, Store]) -> None:
    """The M2 capture is attributed to the rebel commander, not folded into the outlet."""
    rows = ask(seed, "evidence", item=KGID + "event/003_a09ebbb68c357bd2/m2-portions-captured").rows
    assert {value(row, "saidByLabel") for row in rows} == {"a rebel commander (to Syria Direct, 10 November 2016)"}


# --------------------------------------------------------------------------- announced operations


def test_announced_operations_are_statements(seed: tuple[Settings, Store]) -> None:
    """The anticipated 'Spring Battle' has its claimed actors, its source and a date of statement."""
    rows = by_local_name(ask(seed, "announced-operations"), "operation")
    spring = rows["spring-battle-qalamoun"]
    assert (value(spring, "status"), value(spring, "name")) == ("anticipated", "Spring Battle")
    assert value(spring, "actors") in {"Syrian Arab Army, Hezbollah", "Hezbollah, Syrian Arab Army"}
    assert (value(spring, "statedLatest"), value(spring, "statedBy")) == ("2016-04-04", "Lebanon2Day")


def test_an_aim_names_every_place_it_speaks_of(seed: tuple[Settings, Store]) -> None:
    """The Iraqi aim "to cut links between Mosul and Raqaa" is one operation at both places."""
    rows = by_local_name(ask(seed, "announced-operations"), "operation")
    aim = rows["iraqi-aim-cut-mosul-raqqa-links"]
    assert value(aim, "aim") == "to cut links between Mosul and Raqaa"
    assert value(aim, "placeLabel") in {"Mosul, Raqqa", "Raqqa, Mosul"} and value(aim, "place") is None
    assert value(rows["spring-battle-qalamoun"], "place") == KGID + "place/qalamoun-mountains"


def test_an_outlet_carries_who_owns_it_as_the_text_says(seed: tuple[Settings, Store]) -> None:
    """Sputnik is "Russian-owned" in `sources`, beside the stances the texts give other outlets."""
    rows = by_local_name(ask(seed, "sources"), "source")
    assert value(rows["sputnik"], "ownership") == "Russian-owned"


def test_control_queries_never_see_an_announced_operation(seed: tuple[Settings, Store]) -> None:
    """No period and no control answer mentions an announcement, though one names al-Sukhna for 8 April."""
    store = seed[1]
    announcements = {row["op"].value for row in store.query(_ANNOUNCEMENTS).rows}
    assert KGID + "announcement/001_e1aede16270a3f65/attack-on-sukhna-prepared" in announcements
    assert store.query(_IN_PERIODS.replace("kg:AnnouncedOperation", "kg:Capture")).rows, "periods cite events"
    assert not store.query(_IN_PERIODS).rows
    for name, params in (
        ("control-at", {"place": "al-Sukhna", "date": "2016-04-08"}),
        ("control-timeline", {"place": "al-Sukhna"}),
        ("place-history", {"place": "al-Sukhna"}),
        ("control-map", {"date": "2016-04-08"}),
    ):
        cells = {term.value for row in ask(seed, name, **params).rows for term in row.values()}
        assert not cells & announcements, name
        assert not any("/announcement/" in cell for cell in cells), name


_ANNOUNCEMENTS = "PREFIX kg: <https://w3id.org/kg/ontology#> SELECT ?op WHERE { ?op a kg:AnnouncedOperation }"
_IN_PERIODS = """
PREFIX kg: <https://w3id.org/kg/ontology#>
SELECT ?s ?p ?op WHERE {
  GRAPH <https://w3id.org/kg/graph/periods> { { ?s ?p ?op } UNION { ?op ?p ?s } }
  ?op a kg:AnnouncedOperation .
}"""
