"""Dates the tool works out and checks: relative expressions against their reference, both week
conventions, references, open starts, citations of external dates, and ``article.asOf``."""

from __future__ import annotations

import io
import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Graph, Literal, URIRef

from kg import annotations, pipeline, sources, tokens, validation
from kg.cli import main
from kg.config import PROJECT_ROOT, Settings
from kg.dating import Reading, window
from kg.mapping import map_article
from kg.report import ValidationReport
from kg.store.embedded import EmbeddedStore
from kg.vocab import KG, KGID
from kg.web import create_app

from .conftest import MINI, SEED_CORPUS
from .test_shacl import EVENT
from .test_shacl import validate as shacl_validate

BAD = Path(__file__).parent / "data" / "bad"
SEED = PROJECT_ROOT / "data" / "articles"
TOKEN = "dates-token"
D = date

# (expression, reference earliest, reference latest, the readings kg works out): every expression
# the seed files use, each against the reference it is used with there.
SEED_EXPRESSIONS = [
    ("on Sunday", D(2016, 4, 4), D(2016, 4, 4), [(D(2016, 4, 3), D(2016, 4, 3))]),
    ("on Tuesday", D(2016, 11, 10), D(2016, 11, 10), [(D(2016, 11, 8), D(2016, 11, 8))]),
    ("April 4th", D(2016, 4, 8), D(2016, 4, 8), [(D(2016, 4, 4), D(2016, 4, 4))]),
    ("on March 27th", D(2016, 4, 8), D(2016, 4, 8), [(D(2016, 3, 27), D(2016, 3, 27))]),
    ("on March 24th", D(2016, 4, 8), D(2016, 4, 8), [(D(2016, 3, 24), D(2016, 3, 24))]),
    ("April 5th", D(2016, 4, 8), D(2016, 4, 8), [(D(2016, 4, 5), D(2016, 4, 5))]),
    ("on Nov. 14", D(2014, 11, 14), D(2014, 12, 31), [(D(2014, 11, 14), D(2014, 11, 14))] * 2),
    ("by November 4", D(2016, 11, 10), D(2016, 11, 10), [(None, D(2016, 11, 4))]),
    # counted from another event's month: the caliphate proclaimed "the following month" after June 2014
    ("the following month", D(2014, 6, 1), D(2014, 6, 30), [(D(2014, 7, 1), D(2014, 7, 31))] * 2),
    ("the following month", D(2014, 12, 31), D(2014, 12, 31), [(D(2015, 1, 1), D(2015, 1, 31))]),
    ("on March 15th", D(2016, 4, 8), D(2016, 4, 8), [(D(2016, 3, 15), D(2016, 3, 15))]),
    # a weekday on the reference's own weekday: the week before, or the reference day itself
    ("Monday", D(2016, 4, 4), D(2016, 4, 4), [(D(2016, 3, 28), D(2016, 3, 28)), (D(2016, 4, 4), D(2016, 4, 4))]),
    ("November 4", D(2016, 11, 10), D(2016, 11, 10), [(D(2016, 11, 4), D(2016, 11, 4))]),
    ("In April", D(2016, 11, 10), D(2016, 11, 10), [(D(2016, 4, 1), D(2016, 4, 30))]),
    # "began last winter and ended in the spring of 2014", in an article of late 2014: both season
    # conventions (meteorological from 1 December, astronomical from the solstice), from both ends
    (
        "between last winter and the spring of 2014",
        D(2014, 11, 14),
        D(2014, 12, 31),
        [
            (D(2013, 12, 1), D(2014, 5, 31)),
            (D(2013, 12, 1), D(2014, 6, 20)),
            (D(2013, 12, 21), D(2014, 5, 31)),
            (D(2013, 12, 21), D(2014, 6, 20)),
        ]
        * 2,
    ),
    ("between March 27th and April 4th", D(2016, 4, 8), D(2016, 4, 8), [(D(2016, 3, 27), D(2016, 4, 4))]),
    ("since April 5th", D(2016, 4, 8), D(2016, 4, 8), [(D(2016, 4, 5), D(2016, 4, 8))]),
    (
        "last week",
        D(2016, 11, 10),
        D(2016, 11, 10),
        [(D(2016, 10, 30), D(2016, 11, 5)), (D(2016, 10, 31), D(2016, 11, 6))],
    ),
    (
        "this week",
        D(2016, 11, 10),
        D(2016, 11, 10),
        [(D(2016, 11, 6), D(2016, 11, 10)), (D(2016, 11, 7), D(2016, 11, 10))],
    ),
    (
        "over the last three weeks",
        D(2016, 4, 3),
        D(2016, 4, 3),
        [(D(2016, 3, 13), D(2016, 4, 3)), (D(2016, 3, 14), D(2016, 4, 3))],
    ),
    ("in late May", D(2015, 8, 1), D(2015, 8, 31), [(D(2015, 5, 20), D(2015, 5, 31))] * 2),
    ("in November 2014", D(2016, 4, 4), D(2016, 4, 4), [(D(2014, 11, 1), D(2014, 11, 30))]),
    ("on March 10", D(2016, 4, 4), D(2016, 4, 4), [(D(2016, 3, 10), D(2016, 3, 10))]),
    ("since 2012", D(2016, 11, 10), D(2016, 11, 10), [(D(2012, 1, 1), D(2016, 11, 10))]),
    (
        "since early May",
        D(2015, 8, 1),
        D(2015, 8, 31),
        [(D(2015, 5, 1), D(2015, 8, 1)), (D(2015, 5, 1), D(2015, 8, 31))],
    ),
    (
        "since Nov. 14",
        D(2014, 11, 14),
        D(2014, 12, 31),
        [(D(2014, 11, 14), D(2014, 11, 14)), (D(2014, 11, 14), D(2014, 12, 31))],
    ),
    ("now", D(2016, 4, 4), D(2016, 4, 4), [(D(2016, 4, 4), D(2016, 4, 4))]),
    ("before", D(2016, 4, 4), D(2016, 4, 4), [(None, D(2016, 4, 4))]),
]


# Forms the seed does not use yet, read the same way.
MORE_EXPRESSIONS = [
    ("the next day", D(2016, 2, 28), D(2016, 2, 28), [(D(2016, 2, 29), D(2016, 2, 29))]),
    ("the following year", D(2014, 11, 14), D(2014, 11, 14), [(D(2015, 1, 1), D(2015, 12, 31))]),
    ("in December", D(2016, 11, 10), D(2016, 11, 10), [(D(2015, 12, 1), D(2015, 12, 31))]),  # the last one
    (
        "last winter",
        D(2016, 4, 8),
        D(2016, 4, 8),
        [(D(2015, 12, 1), D(2016, 2, 29)), (D(2015, 12, 21), D(2016, 3, 19))],
    ),
    (
        "in the summer of 2015",
        D(2016, 4, 8),
        D(2016, 4, 8),
        [(D(2015, 6, 1), D(2015, 8, 31)), (D(2015, 6, 21), D(2015, 9, 22))],
    ),
]


@pytest.mark.parametrize(
    ("expression", "earliest", "latest", "readings"), SEED_EXPRESSIONS + MORE_EXPRESSIONS, ids=lambda v: str(v)
)
def test_each_expression_of_the_seed_gives_its_days(
    expression: str, earliest: date, latest: date, readings: list[tuple[date | None, date | None]]
) -> None:
    """Every expression the seed files use is read into the days the text means, from its reference."""
    assert window(expression, earliest, latest).readings == tuple(Reading(a, b) for a, b in readings)


def test_every_expression_written_in_the_seed_is_one_kg_reads() -> None:
    """The table above covers each expression the five seed files write, on events, routes,
    figures, incidents, statements, announcements and cited reports alike (so each is checked)."""
    written = set()
    for path in sorted(SEED.glob("*.yaml")):
        doc, problems = annotations.parse(path.read_text("utf-8"), str(path))
        assert doc is not None and doc.article is not None, problems
        dates = [doc.article.published, doc.article.as_of, *(e.date for e in doc.events)]
        dates += [spec for _, _, spec in doc.dated_facts]
        written |= {d.expression for d in dates if d is not None and d.expression}
    assert written == {e for e, *_ in SEED_EXPRESSIONS}


def test_last_week_admits_either_week_convention_or_both() -> None:
    """'last week' before Monday 4 April 2016: the Sunday-start week, the Monday-start week and the
    range covering both fit; one day of it, or a week a day off, does not."""
    found = window("last week", D(2016, 4, 4), D(2016, 4, 4))
    assert found.admits(D(2016, 3, 27), D(2016, 4, 2))  # Sunday 27 March to Saturday 2 April
    assert found.admits(D(2016, 3, 28), D(2016, 4, 3))  # Monday 28 March to Sunday 3 April
    assert found.admits(D(2016, 3, 27), D(2016, 4, 3))  # both
    assert not found.admits(D(2016, 3, 30), D(2016, 3, 30))
    assert not found.admits(D(2016, 3, 26), D(2016, 4, 1))
    assert not found.admits(D(2016, 3, 29), D(2016, 4, 4))


def test_a_month_without_its_year_is_the_last_such_month_up_to_the_reference() -> None:
    """'in April' in an article of 10 November 2016 is April 2016; 'in December' is December 2015;
    a month of the reference is that month."""
    assert window("in April", D(2016, 11, 10), D(2016, 11, 10)).readings == (Reading(D(2016, 4, 1), D(2016, 4, 30)),)
    assert window("in December", D(2016, 11, 10), D(2016, 11, 10)).readings == (
        Reading(D(2015, 12, 1), D(2015, 12, 31)),
    )
    assert window("November", D(2016, 11, 10), D(2016, 11, 10)).readings == (Reading(D(2016, 11, 1), D(2016, 11, 30)),)


def test_words_kg_does_not_read_are_refused_with_the_forms_it_reads() -> None:
    """An expression that fits no form says so and lists the forms."""
    with pytest.raises(ValueError, match=r"kg does not read the expression 'whenever'; it reads: now; yesterday"):
        window("whenever", D(2016, 4, 4), D(2016, 4, 4))


def _seed_settings(tmp_path: Path) -> Settings:
    if not SEED_CORPUS.is_dir():
        pytest.skip(f"the seed corpus is not at {SEED_CORPUS}")
    return Settings.from_env({}, corpus=SEED_CORPUS, store=str(tmp_path / "store"))


def _seed_with(tmp_path: Path, name: str, old: str, new: str) -> Path:
    text = (SEED / name).read_text("utf-8")
    assert text.count(old) == 1, old
    path = tmp_path / name
    path.write_text(text.replace(old, new), "utf-8")
    return path


def _errors(report: ValidationReport) -> list[str]:
    return [f"{p.where.line}: {p.where.field}: {p.message}" for p in report.errors]


def test_a_sunday_annotated_as_a_saturday_fails_naming_the_weekdays(tmp_path: Path) -> None:
    """'on Sunday' in the article of Monday 4 April 2016, annotated as Saturday 2 April: refused on
    the date's line, with both weekdays named (and the date that counts from it no longer fits)."""
    path = _seed_with(
        tmp_path,
        "000_d0ca17a74fd2c527.yaml",
        '{"on": "2016-04-03", basis: text-relative, expression: "on Sunday", derivation: "\'on Sunday\' in an',
        '{"on": "2016-04-02", basis: text-relative, expression: "on Sunday", derivation: "\'on Sunday\' in an',
    )
    weekday, counted = _errors(validation.validate_paths([path], _seed_settings(tmp_path)))
    assert weekday == (
        "77: events[0].date: 'on Sunday' before Monday 4 April 2016 (the article's date) is Sunday 3 April 2016; "
        "the annotation says Saturday 2 April 2016"
    )
    assert counted.startswith("110: events[2].date: 'over the last three weeks' at or before Saturday 2 April 2016")


def test_the_seed_conforms_with_every_date_checked(tmp_path: Path) -> None:
    """The five seed files, their relative dates converted, conform (warnings only)."""
    report = validation.validate_paths(sorted(SEED.glob("*.yaml")), _seed_settings(tmp_path))
    assert report.conforms, _errors(report)


def test_an_event_reference_counts_from_that_events_day(tmp_path: Path) -> None:
    """'over the last three weeks' before the capture of 3 April: moved a week later, it no longer fits."""
    path = _seed_with(
        tmp_path,
        "000_d0ca17a74fd2c527.yaml",
        '{from: "2016-03-14", to: "2016-04-03"',
        '{from: "2016-03-21", to: "2016-04-10"',
    )
    (error,) = _errors(validation.validate_paths([path], _seed_settings(tmp_path)))
    assert error.startswith(
        "110: events[2].date: 'over the last three weeks' at or before Sunday 3 April 2016 "
        "(event 'qaryatayn-captured-by-army') is Sunday 13 March 2016 to Sunday 3 April 2016"
    ), error


@pytest.fixture
def mini_data(tmp_path: Path) -> Settings:
    """The mini fixture's shared entities (no article) in KG_DATA, built into a store, with a token."""
    (tmp_path / "data").mkdir()
    shutil.copy(MINI / "entities.yaml", tmp_path / "data" / "entities.yaml")
    found = Settings.from_env(
        {},
        data=tmp_path / "data",
        corpus=MINI / "corpus",
        store=str(tmp_path / "store"),
        tokens=f"t:{tokens.digest(TOKEN)}",
    )
    assert pipeline.build(found).stored
    return found


def test_dates_against_their_expressions_are_refused_with_where_and_what(mini_data: Settings) -> None:
    """A Saturday for 'on Sunday', an unknown reference (with the id meant) and an open start that
    'last week' gives: each an error on its own line and field."""
    report = validation.validate_paths([BAD / "date_against_its_expression.yaml"], mini_data)
    assert _errors(report) == [
        "37: events[0].date: 'on Sunday' at or before Sunday 1 March 2020 (the article's date) is Sunday 23 February "
        "2020 or Sunday 1 March 2020; the annotation says Saturday 29 February 2020",
        "56: events[2].date.reference: unknown reference 'northtown-fall': a date counts from 'published' or from the "
        "id of an event of this file; did you mean 'northtown-falls'?",
        "64: events[3].date: 'last week' before Sunday 1 March 2020 (the article's date) starts between Monday 17 "
        "February 2020 and Sunday 23 February 2020: the article gives the start, so the date must not be open (the "
        "control queries would not see it); give 'from: 2020-02-23'",
    ]


def test_an_open_date_whose_start_is_unknown_only_warns(mini_data: Settings, tmp_path: Path) -> None:
    """'before' gives no start: a 'to'-only date conforms, with the warning naming the unseeing queries."""
    text = (BAD / "control_event_without_start.yaml").read_text("utf-8")
    old = "date: {to: 2020-03-01, basis: text-relative,"
    path = tmp_path / "before.yaml"
    path.write_text(text.replace(old, old + " expression: before,"), "utf-8")
    report = validation.validate_paths([path], mini_data)
    assert report.conforms, _errors(report)
    assert any("control-at, control-map" in p.message for p in report.problems if p.severity == "warning")


def test_an_external_date_must_cite_its_source(mini_data: Settings, tmp_path: Path) -> None:
    """Basis external without a citation is refused; with one, or counting from a cited date, it conforms."""
    bad = BAD / "date_external_uncited.yaml"
    assert _errors(validation.validate_paths([bad], mini_data)) == [
        "47: events[1].date.basis: a date whose basis is external must say where it comes from: add 'citation:' (a "
        "URL, a publication, a dataset record), or a 'reference' to a date that has one"
    ]
    old = 'derivation: "from outside the text, with no citation"'
    cited = tmp_path / "cited.yaml"
    cited.write_text(bad.read_text("utf-8").replace(old, old + ', citation: "https://example.org/record/1"'), "utf-8")
    assert validation.validate_paths([cited], mini_data).conforms


def test_kg_submit_and_post_submissions_refuse_a_wrong_weekday_and_store_nothing(mini_data: Settings) -> None:
    """kg submit exits 1 and POST /submissions answers 422 with the weekday message; the store is unchanged."""
    path, text = BAD / "date_against_its_expression.yaml", MINI / "corpus" / "mini.txt"
    store = EmbeddedStore.open(mini_data.store)
    before = store.checksum()
    store.close()
    env = {"KG_DATA": str(mini_data.data), "KG_CORPUS": str(mini_data.corpus), "KG_STORE": mini_data.store}
    submit = CliRunner().invoke(main, ["submit", "--text", str(text), str(path)], env=env)
    assert submit.exit_code == 1 and "the annotation says Saturday 29 February 2020" in submit.stderr, submit.output
    store = EmbeddedStore.open(mini_data.store)
    with create_app(mini_data, store).test_client() as client:
        form = {
            "annotation": (io.BytesIO(path.read_bytes()), path.name),
            "text": (io.BytesIO(text.read_bytes()), "mini.txt"),
        }
        headers = {"Accept": "application/json", "Authorization": f"Bearer {TOKEN}"}
        response = client.post("/submissions", data=form, content_type="multipart/form-data", headers=headers)
    assert response.status_code == 422
    assert any("Saturday 29 February 2020" in p["message"] for p in response.get_json()["problems"])
    assert store.checksum() == before
    store.close()


# --------------------------------------------------------------------------- article.asOf

OBSERVATION_DATE = (
    """    date: {on: 2020-03-01, basis: text-relative, derivation: "'now' in an article dated 1 March 2020"}\n"""
    """    certainty: reported
    evidence:
      - {from: The Blue Front now"""
)
AS_OF = """  asOf: {on: 2020-03-01, basis: text-relative, derivation: "'now' in an article dated 1 March 2020"}\n"""


def _mapped(text: str) -> Graph:
    shared, _ = annotations.parse((MINI / "entities.yaml").read_text("utf-8"), "entities.yaml")
    doc, problems = annotations.parse(text, "mini.yaml")
    assert shared is not None and doc is not None, problems
    known = sources.registry([shared, doc])
    return map_article(doc, known, (MINI / "corpus" / "mini.txt").read_text("utf-8")).graph


def test_an_observation_dated_by_article_as_of_maps_to_the_same_quads() -> None:
    """An observation that takes article.asOf gives exactly the statements of one that repeats the date."""
    own = (MINI / "articles" / "mini.yaml").read_text("utf-8")
    assert OBSERVATION_DATE in own
    defaulted = own.replace(OBSERVATION_DATE, OBSERVATION_DATE.split("\n", 1)[1]).replace(
        "  published:", AS_OF + "  published:"
    )
    assert set(_mapped(defaulted)) == set(_mapped(own))


def test_without_article_as_of_an_observation_needs_its_date() -> None:
    """Left without a date and with no article.asOf, an observation is a schema error at its item."""
    own = (MINI / "articles" / "mini.yaml").read_text("utf-8")
    doc, problems = annotations.parse(own.replace(OBSERVATION_DATE, OBSERVATION_DATE.split("\n", 1)[1]), "mini.yaml")
    assert doc is None
    assert [(p.where.field, p.message) for p in problems] == [("events[2]", "'date' is a required property")]


def test_a_capture_needs_its_own_date_even_with_article_as_of() -> None:
    """article.asOf dates observations only: a capture without a date is still a schema error."""
    own = (MINI / "articles" / "mini.yaml").read_text("utf-8").replace("  published:", AS_OF + "  published:")
    capture = (
        "    date: {on: 2020-03-01, basis: text-relative, "
        """derivation: "'on Sunday' in an article dated Sunday 1 March 2020"}\n"""
    )
    assert capture in own
    doc, problems = annotations.parse(own.replace(capture, ""), "mini.yaml")
    assert doc is None
    assert [(p.where.field, p.message) for p in problems] == [("events[0]", "'date' is a required property")]


# --------------------------------------------------------------------------- the same rules in SHACL (RDF submissions)

ARTICLE = KGID["article/mini"]


def _external(*extra: tuple[URIRef, URIRef, object]) -> Callable[[Graph], None]:
    def mutate(graph: Graph) -> None:
        graph.set((EVENT, KG.dateBasis, KG.External))
        for triple in extra:
            graph.add(triple)  # type: ignore[arg-type]

    return mutate


def test_shapes_ask_an_external_date_for_its_citation(mini_settings: Settings) -> None:
    """In RDF too: an external date without kg:dateCitation is refused at its event; cited, or
    counting (directly or through another event) from a cited article, it conforms; a reference
    to a place is refused."""
    words = "must cite where it comes from"
    refused = shacl_validate(mini_settings, _external())
    assert [p.where.field for p in refused.problems if words in p.message] == ["events[0]"]
    cited = shacl_validate(mini_settings, _external((EVENT, KG.dateCitation, Literal("ACLED SYR1234"))))
    assert cited.conforms, cited.problems
    via = shacl_validate(
        mini_settings,
        _external((EVENT, KG.dateReference, ARTICLE), (ARTICLE, KG.dateCitation, Literal("https://example.org/a"))),
    )
    assert via.conforms, via.problems
    held = KGID["event/mini/old-road-held"]
    chain = shacl_validate(
        mini_settings,
        _external(
            (EVENT, KG.dateReference, held),
            (held, KG.dateReference, ARTICLE),
            (ARTICLE, KG.dateCitation, Literal("https://example.org/a")),
        ),
    )
    assert chain.conforms, chain.problems
    place = shacl_validate(mini_settings, lambda g: g.add((EVENT, KG.dateReference, KGID["place/northtown"])))
    assert any("counts from one article or one event" in p.message for p in place.problems), place.problems


def test_a_checked_date_maps_its_expression_reference_and_citation() -> None:
    """The words of a date become kg:dateExpression, kg:dateReference (the article, or an event)
    and kg:dateCitation."""
    own = (MINI / "articles" / "mini.yaml").read_text("utf-8")
    old = "date: {on: 2020-03-01, basis: text-relative, derivation: \"'now' in an article dated 1 March 2020\"}"
    new = (
        "date: {on: 2020-03-01, basis: external, expression: now, reference: northtown-falls, "
        'citation: "ACLED SYR1234", derivation: "\'now\' in an article dated 1 March 2020"}'
    )
    graph = _mapped(own.replace(old, new))
    held = KGID["event/mini/old-road-held"]
    assert (held, KG.dateExpression, Literal("now")) in graph
    assert (held, KG.dateReference, EVENT) in graph
    assert (held, KG.dateCitation, Literal("ACLED SYR1234")) in graph


def test_a_citation_is_found_through_a_chain_of_references(mini_data: Settings, tmp_path: Path) -> None:
    """An external date counting from an event that counts from the cited article needs no citation
    of its own; when nothing along the chain is cited, it is refused."""
    text = (BAD / "date_external_uncited.yaml").read_text("utf-8")
    old = 'derivation: "from outside the text, with no citation"'
    chained = (
        text.replace(old, "reference: northtown-falls, " + old)
        .replace(
            "  published: {on: 2020-03-01, basis: text-explicit}",
            '  published: {on: 2020-03-01, basis: text-explicit, citation: "https://example.org/a"}',
        )
        .replace(
            "basis: text-relative, derivation: \"'on Sunday'",
            "basis: text-relative, reference: published, derivation: \"'on Sunday'",
        )
    )
    path = tmp_path / "chained.yaml"
    path.write_text(chained, "utf-8")
    assert validation.validate_paths([path], mini_data).conforms
    path.write_text(chained.replace(', citation: "https://example.org/a"', ""), "utf-8")
    assert [p.where.field for p in validation.validate_paths([path], mini_data).errors] == ["events[1].date.basis"]
