"""The one validation sequence: every problem of a file in one run and in line order, "did you
mean" for unknown ids and terms, what a stale span holds, and a W3C report whatever found them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.namespace import RDF, SH

from kg import validation
from kg.config import Settings

from .conftest import MINI

BAD = Path(__file__).parent / "data" / "bad"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """KG_DATA holding only the mini fixture's shared entities."""
    (tmp_path / "data").mkdir()
    shutil.copy(MINI / "entities.yaml", tmp_path / "data" / "entities.yaml")
    return Settings.from_env({}, data=tmp_path / "data", corpus=MINI / "corpus", store=str(tmp_path / "store"))


def _with(tmp_path: Path, name: str, *edits: tuple[str, str]) -> Path:
    """The mini article with each ``(old, new)`` edit made once (on top of earlier edits to ``name``)."""
    path = tmp_path / name
    text = path.read_text("utf-8") if path.exists() else (MINI / "articles" / "mini.yaml").read_text("utf-8")
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new, 1)
    path.write_text(text, "utf-8")
    return path


def test_a_bad_date_does_not_hide_the_quote_errors(settings: Settings, tmp_path: Path) -> None:
    """A schema error in one event and a wrong quote in a mention are both reported, in line order."""
    path = _with(tmp_path, "two.yaml", ("{on: 2020-03-01, basis: text-rel", "{on: 2020-02-30, basis: text-rel"))
    path = _with(tmp_path, "two.yaml", ("quote: Red Army", "quote: Red Armee"))
    report = validation.validate_paths([path], settings)
    messages = [p.message for p in report.errors]
    assert any("not a real calendar date" in m for m in messages), messages
    assert any("'Red Armee' is not in the text" in m for m in messages), messages
    lines = [p.where.line or 0 for p in report.problems]
    assert lines == sorted(lines)


def test_problems_after_a_left_out_item_keep_their_own_index_and_line(settings: Settings, tmp_path: Path) -> None:
    """With events[0] refused by the schema, a fault in events[1] is still named events[1] at its line."""
    held = "type: ControlObservation\n    place: northtown"
    path = _with(
        tmp_path, "later.yaml", ("type: Capture", "type: Captur"), (held, held.replace("northtown", "atlantis"))
    )
    report = validation.validate_paths([path], settings)
    unknown = [p for p in report.errors if "unknown id 'atlantis'" in p.message]
    assert unknown, report.problems
    (problem,) = unknown
    assert problem.where.field is not None and problem.where.field.startswith("events[")
    assert problem.where.field != "events[0].place"
    lines = path.read_text("utf-8").splitlines()
    assert lines[(problem.where.line or 0) - 1].strip().endswith("atlantis")


def test_unknown_ids_say_what_was_meant(settings: Settings) -> None:
    """An unknown id names the closest known id of the kind needed."""
    report = validation.validate_paths([BAD / "unknown_entity.yaml"], settings)
    assert [p.message for p in report.errors] == ["unknown id 'green-army'; did you mean 'red-army'?"]


def test_a_stale_evidence_span_shows_what_it_holds(settings: Settings) -> None:
    """An evidence span whose quote does not match shows the text it holds instead."""
    report = validation.validate_paths([BAD / "stale_offsets.yaml"], settings)
    (problem,) = report.errors
    assert "offsets [150, 194] hold '.\\nThe Red Army had held Northtown since 2018'" in problem.message
    assert "not 'The Red Army had held' … 'since 2018'" in problem.message


def test_the_report_is_a_shacl_report_when_shacl_never_ran(settings: Settings) -> None:
    """Problems found before SHACL each become a sh:ValidationResult of a non-conforming report."""
    report = validation.validate_paths([BAD / "duplicate_id.yaml"], settings)
    assert report.shacl_turtle is not None
    graph = Graph().parse(data=report.shacl_turtle, format="turtle")
    (node,) = graph.subjects(RDF.type, SH.ValidationReport)
    assert graph.value(node, SH.conforms).toPython() is False
    results = list(graph.objects(node, SH.result))
    assert [str(graph.value(r, SH.resultMessage)) for r in results] == [p.message for p in report.problems]
    assert all(str(graph.value(r, SH.resultSeverity)) == str(SH.Violation) for r in results)


def test_a_shared_entity_defined_again_says_the_same_from_files_or_store(settings: Settings, tmp_path: Path) -> None:
    """Redefining a shared entity gives words that do not depend on where the shared ones came from."""
    actor = "entities:\n  actors:\n    - {id: red-army, type: StateForce, label: X}\n\nmentions:"
    path = _with(tmp_path, "again.yaml", ("mentions:", actor))
    report = validation.validate_paths([path], settings)
    duplicate = [p.message for p in report.errors if p.message.startswith("duplicate id")]
    assert duplicate == [
        "duplicate id 'red-army': an actor of the shared entities already has this id; "
        "refer to it instead of defining it again"
    ]
