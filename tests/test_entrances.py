"""One validation path: every file of tests/data/bad and tests/data/hostile through every entrance
— ``kg validate``, ``kg build``, ``kg submit``, ``POST /validate``, ``POST /submissions`` — gives
the same problems (message, field, line, severity, node) or the same refusal, and stores nothing."""

from __future__ import annotations

import io
import json
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient
from rdflib import Graph
from rdflib.namespace import RDF, SH

from kg import pipeline, tokens
from kg.cli import main
from kg.config import Settings
from kg.errors import Location
from kg.report import Problem
from kg.store.embedded import EmbeddedStore
from kg.web import create_app

from .conftest import MINI

DATA = Path(__file__).parent / "data"
TEXT = MINI / "corpus" / "mini.txt"
TOKEN = "entrances-token"
ANNOTATION = {".yaml", ".yml", ".json"}
SKIP = {"yaml_alias_bomb.yaml"}  # expands without end: tests/test_hostile.py runs it in a bounded child
FILES = sorted(p for folder in ("bad", "hostile") for p in (DATA / folder).iterdir() if p.name not in SKIP)
FEW = {"unknown_entity.yaml", "impossible_date.yaml", "ttl_unknown_class.ttl", "ttl_wrong_datatype.ttl"}


@dataclass(frozen=True)
class Answer:
    """What one entrance said: the problems as (severity, message, line, field, node), or a refusal."""

    problems: tuple[tuple[Any, ...], ...] = ()
    refused: str | None = None  # the message of a file that cannot be read


def _key(problem: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(problem.get(k) for k in ("severity", "message", "line", "field", "node"))


def _rendered(key: tuple[Any, ...], file: str) -> str:
    severity, message, line, field, node = key
    return str(Problem(message, Location(file, line, field, node), severity=severity))


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The mini fixture's entities (no article) in KG_DATA and built into a store."""
    root = tmp_path_factory.mktemp("entrances")
    (root / "data").mkdir()
    shutil.copy(MINI / "entities.yaml", root / "data" / "entities.yaml")
    found = Settings.from_env(
        {}, data=root / "data", corpus=MINI / "corpus", store=str(root / "store"), tokens=f"t:{tokens.digest(TOKEN)}"
    )
    assert pipeline.build(found).stored
    return found


@pytest.fixture(scope="module")
def client(settings: Settings) -> Iterator[FlaskClient]:
    store = EmbeddedStore.open(settings.store)
    app = create_app(settings, store)
    with app.test_client() as c:
        yield c
    store.close()


def _env(settings: Settings, data: Path | None = None, store: str | None = None) -> dict[str, str]:
    return {
        "KG_DATA": str(data or settings.data),
        "KG_CORPUS": str(settings.corpus),
        "KG_STORE": store or settings.store,
    }


def _http(client: FlaskClient, path: Path, url: str) -> Answer:
    headers = {"Accept": "application/json", "Authorization": f"Bearer {TOKEN}"}
    field = "annotation" if path.suffix in ANNOTATION else "rdf"
    form: dict[str, Any] = {field: (io.BytesIO(path.read_bytes()), path.name)}
    if field == "annotation":
        form["text"] = (io.BytesIO(TEXT.read_bytes()), TEXT.name)
    response = client.post(url, data=form, content_type="multipart/form-data", headers=headers)
    body = response.get_json()
    if response.status_code not in (200, 201, 422):
        assert response.status_code in (400, 413, 415), (path.name, response.status_code, body)
        return Answer(refused=body["errors"][0]["message"])
    return Answer(tuple(_key(p) for p in body["problems"]))


def _validate_cli(settings: Settings, path: Path) -> Answer:
    result = CliRunner().invoke(main, ["validate", "--format", "json", str(path)], env=_env(settings))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    if result.exit_code == 2:
        return Answer(refused=result.stderr)
    return Answer(tuple(_key(p) for p in json.loads(result.stdout)["problems"]))


def _agrees(text_answer: str, code: int, expected: Answer, file: str) -> None:
    """A face that prints problems as text printed exactly the expected ones, in order."""
    if expected.refused is not None:
        assert code == 2 and expected.refused in text_answer, text_answer
        return
    lines = [line for line in text_answer.splitlines() if re.search(r": (error|warning|info): ", line)]
    assert lines == [_rendered(k, file) for k in expected.problems], text_answer
    assert code == (1 if any(k[0] == "error" for k in expected.problems) else 0), text_answer


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_entrance_gives_the_same_problems(
    settings: Settings, client: FlaskClient, tmp_path: Path, path: Path
) -> None:
    """kg validate, kg build, kg submit, POST /validate and POST /submissions agree, store nothing."""
    before = EmbeddedStore.open(settings.store)
    checksum = before.checksum()
    before.close()
    expected = _http(client, path, "/validate")
    conforms = expected.refused is None and not any(k[0] == "error" for k in expected.problems)
    if not conforms:  # a conforming file would be stored, which is the point of POST /submissions
        assert _http(client, path, "/submissions") == expected
    if path.suffix in ANNOTATION:
        got = _validate_cli(settings, path)
        assert (got.refused is None) == (expected.refused is None), got
        if expected.refused is not None:
            assert expected.refused in (got.refused or "")
        else:
            assert got == expected
        data = tmp_path / "data"
        (data / "articles").mkdir(parents=True)
        shutil.copy(MINI / "entities.yaml", data / "entities.yaml")
        shutil.copy(path, data / "articles" / path.name)
        build = CliRunner().invoke(main, ["build"], env=_env(settings, data, str(tmp_path / "store")))
        _agrees(build.stderr, build.exit_code, expected, str(data / "articles" / path.name))
    if not conforms:
        store = tmp_path / "submit-store"
        shutil.copytree(settings.store, store, symlinks=True)
        args = ["submit", *(["--text", str(TEXT)] if path.suffix in ANNOTATION else []), str(path)]
        submit = CliRunner().invoke(main, args, env=_env(settings, store=str(store)))
        _agrees(submit.stderr, submit.exit_code, expected, str(path))
        copy = EmbeddedStore.open(str(store))
        assert copy.checksum() == checksum, "kg submit stored something that does not conform"
        copy.close()
    after = EmbeddedStore.open(settings.store)
    assert after.checksum() == checksum, "POST /submissions stored something that does not conform"
    after.close()


@pytest.mark.parametrize("name", sorted(FEW | {p.name for p in (DATA / "bad").iterdir()}))
def test_turtle_is_always_a_shacl_report(settings: Settings, client: FlaskClient, name: str) -> None:
    """kg validate --format turtle and POST /validate (Accept: text/turtle) answer a W3C report with
    sh:conforms false (true when there are only warnings) and one sh:ValidationResult per problem,
    whatever stage found it — a file
    that cannot even be read too (then with its one problem, exit 2 and HTTP 400)."""
    path = next(p for p in FILES if p.name == name)
    expected = _http(client, path, "/validate")
    messages_expected = [expected.refused] if expected.refused is not None else [k[1] for k in expected.problems]
    assert messages_expected
    field = "annotation" if path.suffix in ANNOTATION else "rdf"
    form: dict[str, Any] = {field: (io.BytesIO(path.read_bytes()), path.name)}
    if field == "annotation":
        form["text"] = (io.BytesIO(TEXT.read_bytes()), TEXT.name)
    response = client.post(
        "/validate", data=form, content_type="multipart/form-data", headers={"Accept": "text/turtle"}
    )
    refused = expected.refused is not None
    conforms = not refused and not any(k[0] == "error" for k in expected.problems)  # warnings only
    status, code = (400, 2) if refused else (200, 0) if conforms else (422, 1)
    assert response.status_code == status and response.mimetype == "text/turtle"
    cli = CliRunner().invoke(main, ["validate", "--format", "turtle", str(path)], env=_env(settings))
    assert cli.exit_code == code
    for text in (response.get_data(as_text=True), cli.stdout):
        graph = Graph().parse(data=text, format="turtle")
        (report,) = graph.subjects(RDF.type, SH.ValidationReport)
        assert graph.value(report, SH.conforms).toPython() is conforms
        results = set(graph.subjects(RDF.type, SH.ValidationResult))  # nested details included
        assert len(results) == len(messages_expected)
        messages = {str(graph.value(r, SH.resultMessage)) for r in results}
        # the same words (a SHACL problem adds the value it names to its sh:resultMessage)
        assert all(any(m.startswith(k) or k.startswith(m) for m in messages) for k in messages_expected), messages
        severities = sorted(str(graph.value(r, SH.resultSeverity)).rsplit("#", 1)[-1] for r in results)
        names = {"error": "Violation", "warning": "Warning", "info": "Info"}
        assert severities == sorted(["Violation"] if refused else [names[k[0]] for k in expected.problems])


def test_a_bad_datatype_on_date_earliest_says_so(client: FlaskClient) -> None:
    """kg:dateEarliest as a plain string is reported as not an xsd:date, not as a reversed range."""
    messages = [k[1] for k in _http(client, DATA / "hostile" / "ttl_wrong_datatype.ttl", "/validate").problems]
    assert any(m.startswith("the earliest date must be one xsd:date") for m in messages), messages
    assert not any("starts after it ends" in m for m in messages), messages


WITHOUT_START = DATA / "bad" / "control_event_without_start.yaml"
UNSEEN = "control-at, control-map (and /map), control-by-side, control-periods, control-timeline, infrastructure"


def _unseen_warnings(problems: tuple[tuple[Any, ...], ...]) -> list[tuple[Any, ...]]:
    return [k for k in problems if k[0] == "warning" and "no earliest day" in k[1] and UNSEEN in k[1]]


def test_every_entrance_warns_about_a_control_event_with_no_earliest_day(
    settings: Settings, client: FlaskClient, tmp_path: Path
) -> None:
    """A capture dated only 'by' a day conforms at every entrance (validate, build, submit, POST
    /validate, POST /submissions), each warning on its line that the control queries will not see it."""
    expected = _http(client, WITHOUT_START, "/validate")
    (warning,) = _unseen_warnings(expected.problems)
    assert warning[2] == 36 and warning[3] == "events[0].date"
    assert not any(k[0] == "error" for k in expected.problems)
    assert _validate_cli(settings, WITHOUT_START) == expected
    data = tmp_path / "data"
    (data / "articles").mkdir(parents=True)
    shutil.copy(MINI / "entities.yaml", data / "entities.yaml")
    shutil.copy(WITHOUT_START, data / "articles" / WITHOUT_START.name)
    build = CliRunner().invoke(main, ["build"], env=_env(settings, data, str(tmp_path / "store")))
    assert build.exit_code == 0 and _rendered(warning, str(data / "articles" / WITHOUT_START.name)) in build.stderr
    store = tmp_path / "submit-store"
    shutil.copytree(settings.store, store, symlinks=True)
    submit = CliRunner().invoke(
        main, ["submit", "--text", str(TEXT), str(WITHOUT_START)], env=_env(settings, store=str(store))
    )
    assert submit.exit_code == 0 and _rendered(warning, str(WITHOUT_START)) in submit.stderr, submit.stderr
    shutil.copytree(settings.store, tmp_path / "http-store", symlinks=True)
    http_store = EmbeddedStore.open(str(tmp_path / "http-store"))
    with create_app(settings, http_store).test_client() as own:
        headers = {"Accept": "application/json", "Authorization": f"Bearer {TOKEN}"}
        form = {
            "annotation": (io.BytesIO(WITHOUT_START.read_bytes()), WITHOUT_START.name),
            "text": (io.BytesIO(TEXT.read_bytes()), TEXT.name),
        }
        response = own.post("/submissions", data=form, content_type="multipart/form-data", headers=headers)
    http_store.close()
    assert response.status_code == 201, response.get_json()
    assert _unseen_warnings(tuple(_key(p) for p in response.get_json()["problems"])) == [warning]
