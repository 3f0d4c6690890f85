"""Reports and statements an article cites, with their own dates (issue #15, "statement date"):
read from the `reports` section, mapped to a kg:CitedReport that its article cites, with its
publisher, author and date checked like an event's; bad input is refused at its file, line and
field with nothing stored; and the seed answers `cited-reports` with 000's two reports."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from rdflib import Literal, URIRef

from kg import annotations, pipeline
from kg.cli import main
from kg.config import Settings
from kg.store import Row, Store
from kg.store.embedded import EmbeddedStore
from kg.vocab import KG, RDF, SDO, XSD

from .conftest import MINI, ask, mini_mapped

BAD = Path(__file__).parent / "data" / "bad"
KGID = "https://w3id.org/kg/id/"
A000 = "000_d0ca17a74fd2c527"
REPORT = """
reports:
  - id: spokesman-statement
    publisher: [blue-front]
    author: [spokesman]
    published: {on: 2020-03-01, basis: text-relative, expression: on Sunday,
                derivation: "'on Sunday' in an article dated Sunday 1 March 2020"}
    about: the fall of Northtown
    evidence:
      - {from: on Sunday, to: a spokesman said, span: [98, 150]}
"""

# file in tests/data/bad → (line, field, the message)
BAD_REPORTS = {
    "reports_unknown_publisher": (72, "reports[0].publisher", "unknown id 'green-press'"),
    "reports_after_publication": (
        73,
        "reports[0].published",
        "dated 2020-03-08, after the article was published (2020-03-01)",
    ),
    "reports_wrong_weekday": (
        73,
        "reports[0].published",
        "'on Sunday' at or before Sunday 1 March 2020 (the article's date) is Sunday 23 February 2020 or "
        "Sunday 1 March 2020; the annotation says Saturday 29 February 2020",
    ),
}


def run(settings: Settings, *args: str) -> Result:
    env = {"KG_DATA": str(settings.data), "KG_CORPUS": str(settings.corpus), "KG_STORE": settings.store}
    return CliRunner().invoke(main, list(args), env=env)


def value(row: Row, column: str) -> str | None:
    term = row.get(column)
    return term.value if term is not None else None


# --------------------------------------------------------------------------- the format and the graph


def test_a_report_maps_to_a_cited_report_its_article_cites() -> None:
    """A `reports` item is a kg:CitedReport with schema:publisher/author, its article's schema:citation,
    the date of the report as an event's (window, precision, expression) and what it is about."""
    graph = mini_mapped(REPORT).graph
    report, article = URIRef(KGID + "report/mini/spokesman-statement"), URIRef(KGID + "article/mini")
    day = Literal("2020-03-01", datatype=XSD.date)
    assert list(graph.subjects(RDF.type, KG.CitedReport)) == [report]
    assert (article, SDO.citation, report) in graph
    assert (report, SDO.publisher, URIRef(KGID + "actor/blue-front")) in graph
    assert (report, SDO.author, URIRef(KGID + "actor/spokesman")) in graph
    assert (report, KG.dateEarliest, day) in graph and (report, KG.dateLatest, day) in graph
    assert (report, KG.datePrecision, KG.DayPrecision) in graph
    assert (report, KG.dateExpression, Literal("on Sunday")) in graph
    assert (report, KG.dateReference, article) in graph
    assert (report, KG.reportAbout, Literal("the fall of Northtown")) in graph
    assert (report, RDF.type, KG.ControlEvent) not in graph


def test_a_mini_report_validates_and_builds(mini_settings: Settings) -> None:
    """The mini fixture with a cited report conforms (schema, references, dates, spans, SHACL) and is stored."""
    path = mini_settings.data / "articles" / "mini.yaml"
    path.write_text(path.read_text("utf-8") + REPORT, "utf-8")
    result = pipeline.build(mini_settings)
    assert result.stored, [str(p) for p in result.report.problems]


def test_a_report_needs_its_publisher() -> None:
    """A report without `publisher` breaks the schema at that item, saying what is missing."""
    text = (MINI / "articles" / "mini.yaml").read_text("utf-8") + REPORT.replace("    publisher: [blue-front]\n", "")
    doc, problems = annotations.parse(text, "mini.yaml")
    assert doc is None
    assert [(p.where.field, p.message) for p in problems] == [("reports[0]", "'publisher' is a required property")]


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("name", sorted(BAD_REPORTS))
def test_bad_reports_are_reported_at_their_field(mini_settings: Settings, name: str) -> None:
    """kg validate exits 1 naming the file, line and field of an unknown publisher, a report dated
    after its article, or 'on Sunday' dated a Saturday."""
    line, field, words = BAD_REPORTS[name]
    path = BAD / f"{name}.yaml"
    result = run(mini_settings, "validate", str(path))
    assert result.exit_code == 1, result.output
    assert f"{path}:{line}: {field}: error: {words}" in result.output, result.output
    assert "does not conform: 1 error(s)" in result.output, result.output


@pytest.mark.parametrize("name", sorted(BAD_REPORTS))
def test_a_build_with_a_bad_report_stores_nothing(built_mini: Settings, name: str) -> None:
    """A build over data with one broken report fails (exit 1) and the store keeps every quad."""
    before = EmbeddedStore.open(built_mini.store).checksum()
    shutil.copy(BAD / f"{name}.yaml", built_mini.data / "articles" / "zz_bad.yaml")
    result = run(built_mini, "build")
    assert result.exit_code == 1, result.output
    assert EmbeddedStore.open(built_mini.store).checksum() == before


def test_a_submission_with_a_report_after_its_article_is_422_and_stores_nothing(built_mini: Settings) -> None:
    """POST /submissions answers 422 in the one JSON error shape for a report dated after its article."""
    from kg import tokens
    from kg.web import create_app

    text = (BAD / "reports_after_publication.yaml").read_text("utf-8").replace("file: mini.txt", "file: other.txt")
    corpus = (built_mini.corpus / "mini.txt").read_bytes()
    settings = Settings.from_env(
        {}, data=built_mini.data, corpus=built_mini.corpus, store=built_mini.store, tokens=f"t:{tokens.digest('tk')}"
    )
    store = EmbeddedStore.open(settings.store)
    before = store.checksum()
    with create_app(settings, store).test_client() as client:
        form = {"annotation": (io.BytesIO(text.encode()), "bad.yaml"), "text": (io.BytesIO(corpus), "other.txt")}
        response = client.post("/submissions", data=form, headers={"Authorization": "Bearer tk"})
    assert response.status_code == 422, response.get_data(as_text=True)
    body = response.get_json()
    assert body["ok"] is False and body["status"] == 422
    assert [(p["field"], p["message"]) for p in body["errors"]] == [
        ("reports[0].published", "dated 2020-03-08, after the article was published (2020-03-01)")
    ], body
    assert store.checksum() == before
    store.close()


# --------------------------------------------------------------------------- the seed


def test_the_seed_answers_cited_reports_with_their_windows(seed: tuple[Settings, Store]) -> None:
    """000 cites al-Hadath's report of November 2014 (a month) and the Electricity Ministry's report
    that Al-Khabar published on 10 March 2016 (a day), each with the words that cite it."""
    rows = {value(r, "report"): r for r in ask(seed, "cited-reports").rows}
    hadath = rows.pop(f"{KGID}report/{A000}/al-hadath-gas-report")
    ministry = rows.pop(f"{KGID}report/{A000}/electricity-ministry-report")
    assert rows == {}
    assert [value(hadath, c) for c in ("publishers", "authors", "earliest", "latest", "precision", "expression")] == [
        "al-Hadath News",
        None,
        "2014-11-01",
        "2014-11-30",
        "month",
        "in November 2014",
    ]
    assert [value(ministry, c) for c in ("publishers", "authors", "earliest", "latest", "precision")] == [
        "Al-Khabar",
        "Electricity Ministry",
        "2016-03-10",
        "2016-03-10",
        "day",
    ]
    assert value(hadath, "quote") == "reported pro-regime al-Hadath News in November 2014"
    assert (value(ministry, "quote") or "").endswith("published by pro-regime Al-Khabar on March 10")
    assert value(ministry, "article") == f"{KGID}article/{A000}"
    assert (value(ministry, "articleTitle") or "").startswith("With east Homs victory")


def test_cited_reports_keeps_those_an_actor_published_or_wrote(seed: tuple[Settings, Store]) -> None:
    """`actor` by label or id finds the report it wrote (the Ministry) or published (al-Hadath), and
    no report for an actor that published none."""

    def reports(actor: str) -> list[str | None]:
        return [value(r, "report") for r in ask(seed, "cited-reports", actor=actor).rows]

    assert reports("Electricity Ministry") == [f"{KGID}report/{A000}/electricity-ministry-report"]
    assert reports("al-hadath-news") == [f"{KGID}report/{A000}/al-hadath-gas-report"]
    assert reports("Syrian Arab Army") == []
