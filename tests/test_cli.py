"""The kg command: bad input gets a clear message with file, line and field, the right exit
code, and leaves the store exactly as it was."""

from __future__ import annotations

import importlib
import json
import pkgutil
import shutil
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from kg.cli import main
from kg.config import Settings
from kg.store.embedded import EmbeddedStore

BAD = Path(__file__).parent / "data" / "bad"

# file in tests/data/bad → (exit code, line, field, words the message must contain)
BAD_INPUTS = {
    "malformed_yaml": (2, 16, None, "not valid YAML"),
    "wrong_type": (1, 65, "claims[0].km", "not of type 'number'"),
    "unknown_entity": (1, 22, "mentions[3].entity", "unknown id 'green-army'"),
    "quote_not_found": (1, 23, "mentions[3].quote", "is not in the text"),
    "ambiguous_quote": (1, 23, "mentions[3].quote", "occurs 4 times"),
    "offset_beyond_text": (1, 24, "mentions[3].spans", "outside the text"),
    "impossible_date": (1, 47, "events[1].date.on", "not a real calendar date"),
    "hash_mismatch": (1, 4, "article.sha256", "the article text has changed"),
    "duplicate_id": (1, 51, "events[2].id", "duplicate event or claim id 'red-army-held'"),
    "gaining_is_losing": (1, 35, "events[0].losing", "both gains and loses"),
    "actor_as_place": (1, 53, "events[2].place", "is an actor, but a place or infrastructure asset is needed"),
    "missing_required": (1, 31, "events[0]", "'certainty' is a required property"),
    "stale_offsets": (1, 50, "events[1].evidence[0].span", "hold '.\\nThe Red Army had held Northtown since 2018'"),
    "route_asset_and_ends": (
        1,
        74,
        "routes[0].from",
        "gives both an asset ('old-road') and the ends of an unnamed route",
    ),
    "route_through_unknown": (1, 75, "routes[0].through", "'old-road-taken', which is not an event of this file"),
    "route_used_by": (1, 74, "routes[0].by", "is a route in use, which no one cuts, opens or secures"),
    "place_listed_twice": (1, 33, "events[0].place", "has non-unique elements"),
}


def run(settings: Settings, *args: str) -> Result:
    env = {"KG_DATA": str(settings.data), "KG_CORPUS": str(settings.corpus), "KG_STORE": settings.store}
    return CliRunner().invoke(main, list(args), env=env)


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_validate_reports_bad_input_with_file_line_and_field(mini_settings: Settings, name: str) -> None:
    """kg validate names the file, the line and the field of each defect, with the right exit code."""
    code, line, field, words = BAD_INPUTS[name]
    path = BAD / f"{name}.yaml"
    result = run(mini_settings, "validate", str(path))
    assert result.exit_code == code, result.output
    expected = f"{path}:{line}: {field}:" if field else f"{path}:{line}:"
    assert expected in result.output, result.output
    assert words in result.output


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_build_with_bad_input_leaves_the_store_unchanged(built_mini: Settings, name: str) -> None:
    """A build over data with one bad file fails and the store keeps every quad it had."""
    before = EmbeddedStore.open(built_mini.store).checksum()
    shutil.copy(BAD / f"{name}.yaml", built_mini.data / "articles" / "zz_bad.yaml")
    result = run(built_mini, "build")
    assert result.exit_code == BAD_INPUTS[name][0], result.output
    assert EmbeddedStore.open(built_mini.store).checksum() == before


def test_validate_json_lists_problems_for_programs(mini_settings: Settings) -> None:
    """--format json gives the problems as data, each with file, line, field and check."""
    result = run(mini_settings, "validate", "--format", "json", str(BAD / "unknown_entity.yaml"))
    assert result.exit_code == 1
    body = json.loads(result.stdout)
    assert body["conforms"] is False
    assert body["problems"][0] | {"file": None} == {
        "severity": "error",
        "message": "unknown id 'green-army'; did you mean 'red-army'?",
        "check": "reference",
        "file": None,
        "line": 22,
        "field": "mentions[3].entity",
    }


def test_validate_turtle_is_the_w3c_shacl_report(mini_settings: Settings) -> None:
    """--format turtle prints the SHACL validation report of a conforming file."""
    result = run(mini_settings, "validate", "--format", "turtle", str(mini_settings.data / "articles" / "mini.yaml"))
    assert result.exit_code == 0, result.output
    assert "sh:ValidationReport" in result.stdout and "sh:conforms true" in result.stdout


def test_build_prints_a_summary(mini_settings: Settings) -> None:
    """kg build stores the mini fixture and counts what it stored."""
    result = run(mini_settings, "build")
    assert result.exit_code == 0, result.output
    assert "1 articles, 7 entities, 3 events, 1 claims, 11 mentions" in result.output


def test_query_without_a_store_says_to_build_first(mini_settings: Settings) -> None:
    """Querying before any build is a usage failure that says what to do."""
    result = run(mini_settings, "query", "control-at", "place=northtown", "date=2020-03-02")
    assert result.exit_code == 2
    assert "kg build" in result.output


def test_query_answers_in_every_format(built_mini: Settings) -> None:
    """kg query renders the same answer as a table, JSON and CSV."""
    args = ("query", "control-at", "place=Northtown", "date=2020-03-02")
    table = run(built_mini, *args)
    assert table.exit_code == 0, table.output
    assert "held" in table.output and "1 row" in table.output
    as_json = json.loads(run(built_mini, *args, "--format", "json").stdout)
    assert [b["controllerLabel"]["value"] for b in as_json["results"]["bindings"]] == ["Blue Front"]
    as_csv = run(built_mini, *args, "--format", "csv").stdout.splitlines()
    assert as_csv[0].startswith("place,date,controller,controllerLabel,status,certain")
    assert len(as_csv) == 2


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("query", "control-at", "place=Northtown", "date=1 March"), "date must be a date as YYYY-MM-DD"),
        (("query", "control-at", "place=Atlantis", "date=2020-03-02"), "no place called 'Atlantis'"),
        (("query", "control-at", "date=2020-03-02"), "needs the parameter 'place'"),
        (("query", "control-at", "place"), "is not name=value"),
        (("query", "no-such-query"), "no saved query called 'no-such-query'"),
        (("query", "--sparql", "SELECT * WHERE { ?s ?p }"), "SPARQL syntax error"),
        (("query", "--sparql", "SELECT * WHERE { SERVICE <http://example.org/> { ?s ?p ?o } }"), "SERVICE"),
        (("query",), "give a saved query NAME or --sparql"),
        (("query", "control-at", "place=Northtown", "date=2020-03-02", "view=source"), "needs the parameter 'by'"),
        (("query", "control-map", "date=2020-03-02", "view=source"), "with view=source needs the parameter 'by'"),
    ],
)
def test_query_usage_errors_exit_2_with_a_message(built_mini: Settings, args: tuple[str, ...], words: str) -> None:
    """Wrong parameters, unknown queries and bad SPARQL exit 2 and say what is wrong."""
    result = run(built_mini, *args)
    assert result.exit_code == 2, result.output
    assert words in result.output


def test_queries_lists_every_saved_query_with_an_example(built_mini: Settings) -> None:
    """kg queries shows each saved query and a command line to run it."""
    result = run(built_mini, "queries")
    assert result.exit_code == 0
    for name in ("control-at", "place-history", "mentions", "actor-events", "actors-at"):
        assert f"kg query {name} " in result.output


def test_annotate_resolve_writes_offsets_and_keeps_comments(mini_settings: Settings, tmp_path: Path) -> None:
    """kg annotate --resolve fills in offsets, keeps comments, and a second run changes nothing."""
    path = mini_settings.data / "articles" / "mini.yaml"
    text = path.read_text("utf-8")
    stripped = "# a comment kept\n" + "\n".join(line for line in text.splitlines() if "spans:" not in line).replace(
        ", span: [65, 150]", ""
    )
    path.write_text(stripped + "\n", "utf-8")
    first = run(mini_settings, "annotate", "--resolve", str(path))
    assert first.exit_code == 0, first.output
    assert "offsets written" in first.output
    written = path.read_text("utf-8")
    assert written.startswith("# a comment kept\n")
    assert "spans: [[65, 74], [174, 183], [257, 266], [283, 292]]" in written
    assert "span: [65, 150]" in written
    second = run(mini_settings, "annotate", "--resolve", "--check", str(path))
    assert second.exit_code == 0 and "unchanged" in second.output


def test_annotate_resolve_takes_the_article_text_with_text(mini_settings: Settings, tmp_path: Path) -> None:
    """kg annotate --resolve FILE --text ARTICLE resolves against that text, not the corpus."""
    source = mini_settings.data / "articles" / "mini.yaml"
    text = tmp_path / "new-article.txt"
    text.write_bytes((mini_settings.corpus / "mini.txt").read_bytes())
    path = tmp_path / "new.yaml"
    stripped = "\n".join(line for line in source.read_text("utf-8").splitlines() if "spans:" not in line)
    path.write_text(stripped.replace("file: mini.txt", "file: not-in-the-corpus.txt") + "\n", "utf-8")
    without = run(mini_settings, "annotate", "--resolve", str(path))
    assert without.exit_code == 1, without.output
    result = run(mini_settings, "annotate", "--resolve", str(path), "--text", str(text))
    assert result.exit_code == 0, result.output
    assert "offsets written" in result.output
    assert "spans: [[65, 74], [174, 183], [257, 266], [283, 292]]" in path.read_text("utf-8")


def test_annotate_with_text_that_differs_from_the_recorded_sha256_writes_nothing(
    mini_settings: Settings, tmp_path: Path
) -> None:
    """A --text whose SHA-256 is not the one the file records is refused and the file is kept."""
    path = mini_settings.data / "articles" / "mini.yaml"
    before = path.read_text("utf-8")
    other = tmp_path / "other.txt"
    other.write_text("Another article altogether about Northtown.\n", "utf-8")
    result = run(mini_settings, "annotate", "--resolve", str(path), "--text", str(other))
    assert result.exit_code == 1
    assert "the article text has changed" in result.output
    assert path.read_text("utf-8") == before


def test_control_at_table_keeps_the_answer_whole_at_100_columns(seed_settings: Settings) -> None:
    """At 100 columns the control-at table shows controllers, statuses and dates whole, no '…'."""
    from kg import pipeline

    assert pipeline.build(seed_settings).stored
    env = {"KG_STORE": seed_settings.store, "KG_CORPUS": str(seed_settings.corpus), "COLUMNS": "100"}
    args = ["query", "control-at", "place=al-Qaryatayn", "date=2016-04-10"]
    result = CliRunner().invoke(main, args, env=env)
    assert result.exit_code == 0, result.output
    assert "…" not in result.output
    assert "Syrian Arab Army" in result.output and "2016-04-04" in result.output
    assert all(len(line) <= 100 for line in result.output.splitlines() if not line.startswith("not shown"))
    assert "not shown, too wide for 100 columns:" in result.output


def test_export_writes_every_named_graph(built_mini: Settings, tmp_path: Path) -> None:
    """kg export writes TriG with the entities and article graphs."""
    out = tmp_path / "all.trig"
    result = run(built_mini, "export", "--output", str(out))
    assert result.exit_code == 0, result.output
    text = out.read_text("utf-8")
    assert "<https://w3id.org/kg/graph/entities>" in text
    assert "<https://w3id.org/kg/graph/article/mini>" in text


def test_help_lists_every_setting() -> None:
    """kg --help lists each KG_* setting with its default."""
    result = CliRunner().invoke(main, ["--help"])
    for env, _default, _help in Settings.describe():
        assert env in result.output


def _reachable(command: click.Command) -> Iterator[click.Command]:
    yield command
    for sub in getattr(command, "commands", {}).values():
        yield from _reachable(sub)


def test_every_command_module_is_wired_into_kg():
    """Each command defined in a kg.cli module is reachable from `kg` (none is left unregistered)."""
    import kg.cli

    reachable = {id(c) for c in _reachable(main)}
    defined = {
        f"{info.name}.{name}": value
        for info in pkgutil.iter_modules(kg.cli.__path__, "kg.cli.")
        if info.name != "kg.cli.__main__"
        for name, value in vars(importlib.import_module(info.name)).items()
        if isinstance(value, click.Command)
    }
    assert len(defined) >= 13, sorted(defined)  # the walk really finds the commands
    assert [name for name, c in defined.items() if id(c) not in reachable] == []
