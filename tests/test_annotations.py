"""kg.annotations: YAML text → located domain objects, and every way a file can be wrong.

Syntax errors are exceptions (InputError); everything else is a Problem with a file, a line
and a field path, because "the data does not conform" is a result.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from kg import annotations, references
from kg.annotations import AnnotationFile, DateSpec
from kg.errors import InputError
from kg.report import Problem

MINI = Path(__file__).resolve().parent / "data" / "mini"
SHA = "0" * 64


# --------------------------------------------------------------------------- factories


def event(**changes: Any) -> dict[str, Any]:
    """A valid Capture of the mini fixture's Northtown, with some fields changed or (None) removed."""
    base: dict[str, Any] = {
        "id": "northtown-falls",
        "type": "Capture",
        "place": "northtown",
        "gaining": ["blue-front"],
        "losing": ["red-army"],
        "date": {"on": "2020-03-01", "basis": "text-explicit"},
        "certainty": "reported",
        "evidence": [{"quote": "Northtown fell"}],
    }
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def article_text(*events: dict[str, Any], published: str = "{on: 2020-03-01, basis: text-explicit}") -> str:
    """An article file: a fixed header (lines 1-6), then ``events:`` on line 7, one event per line from 8."""
    text = (
        "article:\n"
        "  file: mini.txt\n"
        f'  sha256: "{SHA}"\n'
        "  title: Test fixture\n"
        "  language: en\n"
        f"  published: {published}\n"
    )
    if events:
        text += "events:\n" + "".join(f"  - {json.dumps(e)}\n" for e in events)
    return text


def parsed(text: str, path: str = "data/articles/a.yaml") -> AnnotationFile:
    """A file that must pass the schema."""
    doc, problems = annotations.parse(text, path)
    assert problems == [], [str(p) for p in problems]
    assert doc is not None
    return doc


def mini_entities() -> AnnotationFile:
    """The shared entities of the mini fixture (Northtown, Blue Front, Red Army, ...)."""
    return parsed((MINI / "entities.yaml").read_text("utf-8"), "entities.yaml")


def schema_problems(text: str) -> list[Problem]:
    doc, problems = annotations.parse(text, "a.yaml")
    assert doc is None
    return problems


def reference_problems(
    *events: dict[str, Any], published: str = "{on: 2020-03-01, basis: text-explicit}"
) -> list[Problem]:
    """The reference problems of an article with these events, checked with the mini entities."""
    doc = parsed(article_text(*events, published=published))
    return references.check_references([mini_entities(), doc])


def only(problems: list[Problem]) -> Problem:
    """The one problem expected."""
    assert len(problems) == 1, [str(p) for p in problems]
    return problems[0]


def at(problem: Problem) -> tuple[str | None, int | None, str | None]:
    return problem.where.file, problem.where.line, problem.where.field


# --------------------------------------------------------------------------- reading YAML


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("article:\n  file: a.txt\n  title: [unclosed\n  language: en\n", 4),
        ("places:\n  - id: a\n bad: indent\n", 3),
        ("article: 1\narticle: 2\n", 2),
    ],
    ids=["unclosed-list", "bad-indent", "duplicate-key"],
)
def test_malformed_yaml_is_an_input_error_at_its_line(text: str, line: int):
    """A YAML syntax error raises InputError naming the file and the line to fix."""
    with pytest.raises(InputError) as caught:
        annotations.parse(text, "a.yaml")
    assert caught.value.where is not None
    assert (caught.value.where.file, caught.value.where.line) == ("a.yaml", line)
    assert "not valid YAML" in caught.value.message


@pytest.mark.parametrize("text", ["", "  \n\n"], ids=["empty", "blank"])
def test_empty_text_is_an_input_error(text: str):
    """An empty file is an InputError that says it is empty."""
    with pytest.raises(InputError, match="empty"):
        annotations.read_tree(text, "a.yaml")


def test_top_level_list_is_an_input_error():
    """A file whose top level is not a mapping is an InputError at line 1."""
    with pytest.raises(InputError) as caught:
        annotations.read_tree("- a\n- b\n", "a.yaml")
    assert caught.value.where is not None and caught.value.where.line == 1


def test_mini_fixture_parses():
    """The mini fixture's two files pass the schema and give the objects they describe."""
    entities = mini_entities()
    article = parsed((MINI / "articles" / "mini.yaml").read_text("utf-8"), "mini.yaml")
    assert [e.id for e in entities.entities][:3] == ["northtown", "southtown", "testland"]
    assert article.article is not None and article.article.stem == "mini"
    assert [e.id for e in article.events] == ["northtown-falls", "red-army-held", "old-road-held"]
    assert article.events[0].roles == {"gaining": ("blue-front",), "losing": ("red-army",)}
    assert article.mentions[0].spans[0] == annotations.Span(65, 74)
    assert references.check_references([entities, article]) == []


def test_objects_keep_their_location():
    """Each event remembers its file, line and field path."""
    doc = parsed(article_text(event(), event(id="second")))
    assert [str(e.where) for e in doc.events] == [
        "data/articles/a.yaml:8: events[0]",
        "data/articles/a.yaml:9: events[1]",
    ]


# --------------------------------------------------------------------------- the schema

WRONG_DATE_TYPE = """\
article:
  file: mini.txt
  sha256: "0000000000000000000000000000000000000000000000000000000000000000"
  title: Test fixture
  language: en
events:
  - id: northtown-falls
    type: Capture
    place: northtown
    gaining: [blue-front]
    date: 2020-03-01
    certainty: reported
    evidence: [{quote: Northtown fell}]
"""


def test_wrong_type_is_a_schema_problem_with_line_and_field():
    """A date written as a bare day instead of an object is reported at its line as events[0].date."""
    problems = schema_problems(WRONG_DATE_TYPE)
    first = problems[0]
    assert (first.where.file, first.where.line, first.where.field) == ("a.yaml", 11, "events[0].date")
    assert "is not of type 'object'" in first.message
    assert first.source == "schema" and first.severity == "error"


def test_missing_required_field():
    """An event without certainty is a problem at the event, naming the field."""
    problems = schema_problems(article_text(event(certainty=None)))
    assert [(p.where.line, p.where.field) for p in problems] == [(8, "events[0]")]
    assert "'certainty' is a required property" in problems[0].message


def test_unknown_field():
    """A field the format does not have is named, with a pointer to the docs."""
    problems = schema_problems(article_text(event(colour="red")))
    assert [(p.where.line, p.where.field) for p in problems] == [(8, "events[0]")]
    assert "'colour' was unexpected" in problems[0].message
    assert "docs/annotation-format.md" in problems[0].message


IMPOSSIBLE_DAY = """\
article:
  file: mini.txt
  sha256: "0000000000000000000000000000000000000000000000000000000000000000"
  title: Test fixture
  language: en
  published:
    on: 2016-02-30
    basis: text-explicit
"""


def test_impossible_date_is_named():
    """30 February is reported as not a real calendar date, at its own line."""
    problems = schema_problems(IMPOSSIBLE_DAY)
    assert [str(p) for p in problems] == [
        "a.yaml:7: article.published.on: error: '2016-02-30' is not a real calendar date (YYYY-MM-DD)"
    ]


def test_bad_id_pattern_is_explained():
    """An id with capitals is reported with the description of what an id is."""
    problems = schema_problems(article_text(event(id="Northtown_Falls")))
    assert problems[0].where.field == "events[0].id"
    assert "lower-case letters and digits" in problems[0].message


def test_capture_needs_a_gaining_actor():
    """A Capture without `gaining` breaks the schema's per-type rule."""
    problems = schema_problems(article_text(event(gaining=None)))
    assert any("'gaining' is a required property" in p.message for p in problems)


# --------------------------------------------------------------------------- references

DUPLICATE_PLACE = f"""\
article:
  file: x.txt
  sha256: "{SHA}"
  title: T
  language: en
entities:
  places:
    - id: northtown
      type: Settlement
      label: Northtown again
"""


def test_duplicate_entity_id_across_files_points_at_the_second():
    """A second definition is reported where it is; of a shared entity, in the words a submission
    gets too (the store knows no file), of another article's, with that definition's place."""
    second = parsed(DUPLICATE_PLACE, "data/articles/x.yaml")
    problem = only(references.check_references([mini_entities(), second]))
    assert at(problem)[:2] == ("data/articles/x.yaml", 8)
    assert (problem.where.field or "").startswith("entities.places[0]")
    assert "duplicate id 'northtown': a place of the shared entities already has this id" in problem.message
    third = parsed(DUPLICATE_PLACE, "data/articles/y.yaml")
    again = [p for p in references.check_references([second, third]) if p.where.file == "data/articles/y.yaml"]
    assert "already defined at data/articles/x.yaml:8" in only(again).message


def test_unknown_id():
    """An id defined nowhere is reported at the field that uses it."""
    problem = only(reference_problems(event(losing=["green-league"])))
    assert at(problem) == ("data/articles/a.yaml", 8, "events[0].losing")
    assert problem.message == "unknown id 'green-league'"


def test_actor_used_as_place():
    """An actor id where a place is needed is reported, saying what it is and what is needed."""
    problem = only(reference_problems(event(place="blue-front")))
    assert at(problem) == ("data/articles/a.yaml", 8, "events[0].place")
    assert "'blue-front' is an actor" in problem.message and "place" in problem.message.split("but")[1]


def test_place_used_as_actor():
    """A place id where an actor is needed is reported, saying what it is and what is needed."""
    problem = only(reference_problems(event(gaining=["northtown"])))
    assert at(problem) == ("data/articles/a.yaml", 8, "events[0].gaining")
    assert "'northtown' is a place" in problem.message and "actor" in problem.message.split("but")[1]


def test_gaining_and_losing_the_same_actor():
    """One actor both gaining and losing control in one event is a contradiction at that event."""
    problem = only(reference_problems(event(gaining=["red-army"], losing=["red-army"])))
    assert at(problem)[:2] == ("data/articles/a.yaml", 8)
    assert (problem.where.field or "").startswith("events[0]")
    assert "red-army both gains and loses control" in problem.message


def test_reversed_date_range():
    """A range whose start is after its end is reported at the event's date with both days."""
    reversed_range = {"from": "2020-02-10", "to": "2020-02-01", "basis": "text-explicit"}
    problem = only(reference_problems(event(date=reversed_range)))
    assert at(problem) == ("data/articles/a.yaml", 8, "events[0].date")
    assert "the range starts (2020-02-10) after it ends (2020-02-01)" in problem.message


def test_event_after_publication():
    """An event dated after the article was published is reported with both dates."""
    problem = only(reference_problems(event(date={"on": "2020-03-05", "basis": "text-explicit"})))
    assert at(problem) == ("data/articles/a.yaml", 8, "events[0].date")
    assert "dated 2020-03-05, after the article was published (2020-03-01)" in problem.message


def test_event_in_the_publication_month_is_fine():
    """An event in the month the article was published (earliest day before it) is not reported."""
    assert reference_problems(event(date={"month": "2020-03", "basis": "text-explicit"})) == []


def test_duplicate_event_id_in_one_file():
    """Two events with one id in the same file are reported at the second."""
    problem = only(reference_problems(event(), event()))
    assert at(problem)[:2] == ("data/articles/a.yaml", 9)
    assert (problem.where.field or "").startswith("events[1]")
    assert "duplicate event or claim id 'northtown-falls'" in problem.message


# --------------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({"on": "2016-04-03"}, ("day", date(2016, 4, 3), date(2016, 4, 3))),
        ({"week": "2016-11-07"}, ("week", date(2016, 11, 7), date(2016, 11, 13))),
        ({"month": "2016-02"}, ("month", date(2016, 2, 1), date(2016, 2, 29))),
        ({"month": "2015-02"}, ("month", date(2015, 2, 1), date(2015, 2, 28))),
        ({"month": "2015-12"}, ("month", date(2015, 12, 1), date(2015, 12, 31))),
        ({"year": 2014}, ("year", date(2014, 1, 1), date(2014, 12, 31))),
        ({"from": "2016-03-01", "to": "2016-03-20"}, ("range", date(2016, 3, 1), date(2016, 3, 20))),
        ({"from": "2016-03-01"}, ("range", date(2016, 3, 1), None)),
        ({"to": "2016-03-20"}, ("range", None, date(2016, 3, 20))),
    ],
    ids=["on", "week", "leap-february", "february", "december", "year", "range", "open-end", "open-start"],
)
def test_parse_date(raw: dict[str, Any], expected: tuple[str, date | None, date | None]):
    """Each date form becomes the interval of days it stands for."""
    spec = annotations.parse_date({**raw, "basis": "text-relative", "derivation": "worked out"})
    assert (spec.precision, spec.earliest, spec.latest) == expected
    assert (spec.basis, spec.derivation) == ("text-relative", "worked out")


def test_parse_date_reads_yaml_days():
    """A day read from YAML (kept as its text) parses like a string."""
    tree = annotations.read_tree("date: {on: 2016-04-03, basis: text-explicit}\n", "a.yaml")
    assert annotations.parse_date(tree["date"]) == DateSpec("day", date(2016, 4, 3), date(2016, 4, 3), "text-explicit")


# --------------------------------------------------------------------------- locations


def test_line_of_and_field_name():
    """line_of finds a nested value's line; field_name writes the path as the messages do."""
    tree = annotations.read_tree((MINI / "articles" / "mini.yaml").read_text("utf-8"), "mini.yaml")
    assert annotations.line_of(tree, ["events", 1, "date"]) == 46
    assert annotations.line_of(tree, ["events", 1, "no-such-key"]) == 42
    assert annotations.line_of(tree, []) is None
    assert annotations.field_name(["events", 3, "gaining"]) == "events[3].gaining"


# --------------------------------------------------------------------------- writing back

COMMENTED = """\
# Shared entities (a comment at the top)
places:
  - id: northtown   # where it starts
    type: Settlement
    label: Northtown

  - id: southtown
    type: Settlement
    label: Southtown
    altLabels: ["South Town", 'S. Town']

# a comment at the end
"""


def test_dump_tree_round_trip_keeps_comments():
    """Reading and writing a file without changes gives back the same text, comments and quotes included."""
    assert annotations.dump_tree(annotations.read_tree(COMMENTED, "e.yaml")) == COMMENTED


def test_dump_tree_keeps_dates_as_written():
    """A day is written back as the bare day it was, not quoted or reformatted."""
    text = "published: {on: 2016-04-03, basis: text-explicit}\n"
    assert annotations.dump_tree(annotations.read_tree(text, "a.yaml")) == text


MENTIONS = """\
mentions:
  - entity: northtown
    quote: Northtown

  - entity: southtown
    quote: Southtown
"""


def test_set_key_keeps_blank_line_layout():
    """A key added to the first mention goes last and the blank line still separates the mentions."""
    tree = annotations.read_tree(MENTIONS, "a.yaml")
    annotations.set_key(tree["mentions"][0], "spans", annotations.flow_list([annotations.flow_list([65, 74])]))
    assert annotations.dump_tree(tree) == MENTIONS.replace(
        "    quote: Northtown\n", "    quote: Northtown\n    spans: [[65, 74]]\n"
    )


def test_set_key_replaces_in_place():
    """Setting a key that exists changes its value where it stands."""
    tree = annotations.read_tree(MENTIONS, "a.yaml")
    annotations.set_key(tree["mentions"][1], "entity", "southtown-2")
    assert annotations.dump_tree(tree) == MENTIONS.replace("entity: southtown", "entity: southtown-2")


def test_path_of_inverts_field_name():
    """path_of reads a field path back into the keys line_of needs."""
    path = ["events", 3, "evidence", 0, "span"]
    assert annotations.path_of(annotations.field_name(path)) == path
