"""Hostile input for submissions: every file in tests/data/hostile (one defect each) through
``kg validate`` and ``POST /validate``, which must agree, and through ``POST /submissions``,
which must leave the store exactly as it was; plus what cannot be a committed file — a 50 MB
body, nesting 10,000 deep, a remote JSON-LD context served on loopback, and bombs run in a
child process with a time and memory limit."""

from __future__ import annotations

import io
import json
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient

from kg import pipeline, tokens
from kg.cli import main
from kg.config import Settings
from kg.store.embedded import EmbeddedStore
from kg.web import create_app

from .conftest import MINI

HOSTILE = Path(__file__).parent / "data" / "hostile"
TEXT = MINI / "corpus" / "mini.txt"
TOKEN = "hostile-suite-token"
ENTRY = f"tester:admin:{tokens.digest(TOKEN)}"
ANNOTATION_ENDINGS = {".yaml", ".yml", ".json"}
MEDIA_TYPES = {
    ".ttl": "text/turtle",
    ".nt": "application/n-triples",
    ".jsonld": "application/ld+json",
    ".trig": "application/trig",
    ".nq": "application/n-quads",
    ".rdf": "application/rdf+xml",
    ".xml": "application/rdf+xml",
}
SCRIPT = "<script>alert(1)</script>"
PASSWD = "root:x:0:0"  # what an XXE that read /etc/passwd would leak
VERDICT = {0: "conforms", 1: "does not conform", 2: "cannot be read", 200: "conforms", 422: "does not conform"}
VERDICT |= {400: "cannot be read", 413: "cannot be read", 415: "cannot be read"}

# file in tests/data/hostile → (kg validate exit code, POST /validate status, words of the message).
# Annotation files go with --text mini.txt (CLI) or as multipart annotation= and text= (HTTP);
# RDF goes as the file (CLI) or as the body with its media type (HTTP). The store holds the mini
# fixture's entities (Northtown, Southtown, Testland, Blue Front, Red Army, ...), no article.
EXPECTED: dict[str, tuple[int, int, str]] = {
    # YAML that is not YAML, or not a mapping
    "yaml_unclosed_bracket.yaml": (2, 400, "not valid YAML"),
    "yaml_bad_indentation.yaml": (2, 400, "not valid YAML"),
    "yaml_tab_indentation.yaml": (2, 400, "not valid YAML"),
    "yaml_duplicate_key.yaml": (2, 400, 'duplicate key "title"'),
    "yaml_top_level_list.yaml": (2, 400, "top level must be a mapping"),
    "yaml_only_comment.yaml": (2, 400, "top level must be a mapping"),
    "yaml_alias_bomb.yaml": (2, 400, ""),  # run in a child process: must be refused fast, not expanded
    "yaml_python_tag.yaml": (1, 422, "is not of type 'string'"),  # a tag is data, never code
    "invalid_utf8.yaml": (2, 400, "byte 182 (0xff)"),
    # JSON that is not JSON
    "json_trailing_comma.json": (2, 400, "not valid JSON"),
    "json_single_quotes.json": (2, 400, "not valid JSON"),
    "json_comment.json": (2, 400, "not valid"),
    "json_truncated.json": (2, 400, "not valid"),
    "json_wrong_type.json": (1, 422, "'40' is not of type 'number'"),
    "json_unknown_entity.json": (1, 422, "unknown id 'green-army'"),
    # wrong types, missing fields
    "wrong_type_km_string.yaml": (1, 422, "'forty' is not of type 'number'"),
    "wrong_type_spans_string.yaml": (1, 422, "is not of type 'array'"),
    "wrong_type_title_list.yaml": (1, 422, "is not of type 'string'"),
    "wrong_type_gaining_string.yaml": (1, 422, "is not of type 'array'"),
    "missing_sha256.yaml": (1, 422, "'sha256' is a required property"),
    "missing_event_type.yaml": (1, 422, "'type' is a required property"),
    "missing_mention_entity.yaml": (1, 422, "'entity' is a required property"),
    "missing_certainty.yaml": (1, 422, "'certainty' is a required property"),
    # dates
    "impossible_date_feb30.yaml": (1, 422, "not a real calendar date"),
    "impossible_date_month13.yaml": (1, 422, "'2019-13' does not match"),
    "impossible_published_date.yaml": (1, 422, "not a real calendar date"),
    "date_range_reversed.yaml": (1, 422, "after it ends"),
    "date_two_precisions.yaml": (1, 422, "is valid under each of"),
    "date_after_publication.yaml": (1, 422, "after the article was published"),
    "date_missing_derivation.yaml": (1, 422, "'derivation' is a required property"),
    # offsets, quotes, the text
    "offset_beyond_text.yaml": (1, 422, "outside the text"),
    "offset_negative.yaml": (1, 422, "less than the minimum of 0"),
    "offset_reversed.yaml": (1, 422, "empty or reversed"),
    "offset_huge.yaml": (1, 422, "outside the text"),
    "quote_not_in_text.yaml": (1, 422, "is not in the text"),
    "quote_wrong_case.yaml": (1, 422, "is not in the text"),
    "quote_offsets_disagree.yaml": (1, 422, "hold 'Blue Fro', not 'Red Army'"),
    "evidence_from_not_found.yaml": (1, 422, "is not in the text"),
    "hash_mismatch.yaml": (1, 422, "SHA-256"),
    "hash_not_hex.yaml": (1, 422, "does not match '^[0-9a-f]{64}$'"),
    "article_file_traversal.yaml": (1, 422, "does not match"),
    # references, ids, vocabulary
    "unknown_entity.yaml": (1, 422, "unknown id 'green-army'"),
    "unknown_gaining_actor.yaml": (1, 422, "unknown id 'nobody'"),
    "unknown_place.yaml": (1, 422, "unknown id 'atlantis'"),
    "actor_as_place.yaml": (1, 422, "is an actor, but a place"),
    "mention_of_event.yaml": (1, 422, "unknown id 'northtown-falls'"),
    "gaining_is_losing.yaml": (1, 422, "both gains and loses"),
    "capture_without_gaining.yaml": (1, 422, "'gaining' is a required property"),
    "claim_place_is_reference.yaml": (1, 422, "relative to itself"),
    "duplicate_event_id.yaml": (1, 422, "duplicate event or claim id 'red-army-held'"),
    "duplicate_entity_id.yaml": (1, 422, "duplicate id 'red-army'"),
    "id_with_space.yaml": (1, 422, "is not a stable id"),
    "unknown_event_type.yaml": (1, 422, "'Captur' is not one of"),
    "unknown_field.yaml": (1, 422, "'colour' was unexpected"),
    "bad_bearing.yaml": (1, 422, "'NNE' is not one of"),
    "negative_km.yaml": (1, 422, "minimum of 0"),
    "occurrence_zero.yaml": (1, 422, "minimum of 1"),
    "mention_same_span_twice.yaml": (1, 422, "points at exactly one thing"),
    "script_label.yaml": (0, 200, ""),  # conforms: the label must then be escaped wherever it is shown
    # Turtle
    "ttl_missing_dot.ttl": (2, 400, "should be followed by a dot"),
    "ttl_undefined_prefix.ttl": (2, 400, "foo: has not been declared"),
    "ttl_iri_with_space.ttl": (2, 400, "Invalid IRI code point ' '"),
    "ttl_invalid_utf8.ttl": (2, 400, "UTF-8"),
    "ttl_no_statements.ttl": (2, 400, "holds no statements"),
    "ttl_deep_nesting.ttl": (2, 400, "nested 100 levels deep"),
    "ttl_javascript_iri.ttl": (1, 422, "<javascript:alert(1)> is not an http(s) or urn IRI"),
    "ttl_file_iri.ttl": (1, 422, "<file:///etc/passwd> is not an http(s) or urn IRI"),
    "ttl_unknown_class.ttl": (1, 422, "kg:Captur is not a term of the ontology"),
    "ttl_unknown_property.ttl": (1, 422, "kg:gainingActr is not a term of the ontology"),
    "ttl_unknown_actor.ttl": (1, 422, "actor/nobody> is neither in the graph nor introduced"),
    "ttl_gaining_is_losing.ttl": (1, 422, "none of them also losing"),
    "ttl_date_reversed.ttl": (1, 422, "starts after it ends"),
    "ttl_impossible_date.ttl": (1, 422, "xsd:date"),
    "ttl_wrong_datatype.ttl": (1, 422, "date"),
    "ttl_capture_without_gaining.ttl": (1, 422, "needs the actor who gained"),
    "ttl_missing_certainty.ttl": (1, 422, "certainty must be"),
    "ttl_literal_as_actor.ttl": (1, 422, "must be actors"),
    "ttl_offset_outside_text.ttl": (1, 422, "does not lie inside the article"),
    "ttl_quote_mismatch.ttl": (1, 422, "offsets and text disagree"),
    "ttl_mention_of_event.ttl": (1, 422, "a mention must point at a place, an actor or an infrastructure asset"),
    "ttl_duplicate_entity.ttl": (1, 422, "red-army"),  # a stored entity may not be redefined
    "ttl_redefines_ontology.ttl": (1, 422, "ontology"),  # nor the ontology rewritten
    "ttl_blank_node.ttl": (0, 200, ""),  # ordinary RDF: answered, never a crash
    "ttl_script_label.ttl": (0, 200, ""),  # conforms: escaped wherever shown
    # N-Triples, N-Quads, TriG: named graphs are not the submitter's to write
    "nt_missing_object.nt": (2, 400, "object of a triple"),
    "nt_relative_iri.nt": (2, 400, "No scheme found"),
    "nt_javascript_iri.nt": (1, 422, "<javascript:alert(1)> is not an http(s) or urn IRI"),
    "nt_unknown_place.nt": (1, 422, "place/atlantis> is neither in the graph"),
    "nq_article_graph.nq": (1, 422, "may not write into others"),
    "trig_ontology_graph.trig": (1, 422, "may not write into others"),
    "trig_entities_graph.trig": (1, 422, "may not write into others"),
    # JSON-LD
    "jsonld_invalid_json.jsonld": (2, 400, "one root element"),
    "jsonld_remote_context.jsonld": (2, 400, "remote context"),
    "jsonld_remote_import.jsonld": (2, 400, "remote context"),
    "jsonld_deep_nesting.jsonld": (2, 400, "nested"),
    "jsonld_iri_with_space.jsonld": (2, 400, "IRI"),  # not dropped in silence
    "jsonld_javascript_iri.jsonld": (1, 422, "<javascript:alert(1)> is not an http(s) or urn IRI"),
    "jsonld_unknown_term.jsonld": (1, 422, "kg:Settlment is not a term of the ontology"),
    "jsonld_unknown_place.jsonld": (1, 422, "place/atlantis> is neither in the graph"),
    # RDF/XML
    "rdfxml_unclosed.rdf": (2, 400, "ill-formed"),
    "rdfxml_xxe.rdf": (2, 400, "DTD"),
    "rdfxml_xxe_utf16.rdf": (2, 400, "UTF-8"),
    "rdfxml_billion_laughs.rdf": (2, 400, "DTD"),
    "rdfxml_javascript_iri.rdf": (1, 422, "<javascript:alert(1)> is not an http(s) or urn IRI"),
    "rdfxml_unknown_term.rdf": (1, 422, "kg:Settlment is not a term of the ontology"),
    "rdfxml_unknown_place.xml": (1, 422, "place/atlantis> is neither in the graph"),
}
NAMES = sorted(EXPECTED)
REJECTED = [name for name in NAMES if EXPECTED[name][0] != 0]
# Run only in a child process with a time and memory limit: an input that expands without end
# must not take the test run (or a server) down with it.
BOMBS = {"yaml_alias_bomb.yaml", "rdfxml_billion_laughs.rdf", "rdfxml_xxe.rdf"}
BOMB_SECONDS, BOMB_MEMORY = 2.0, 3 * 1024**3  # BOMB_SECONDS sets the children's shared deadline


@dataclass
class Outcome:
    """What one face answered: the exit code or status, its message, and the problems listed."""

    code: int
    message: str
    problems: list[dict[str, Any]] = field(default_factory=list)
    body: dict[str, Any] | None = None
    crash: str | None = None
    seconds: float = 0.0

    @property
    def verdict(self) -> str:
        return "crash" if self.crash else VERDICT.get(self.code, f"unexpected {self.code}")


# --------------------------------------------------------------------------- fixtures


def _build(root: Path) -> Settings:
    """Settings over the mini fixture's entities (no article), built into a store under root."""
    data = root / "data"
    data.mkdir(parents=True)
    shutil.copy(MINI / "entities.yaml", data / "entities.yaml")
    settings = Settings.from_env({}, data=data, corpus=MINI / "corpus", store=str(root / "store"), tokens=ENTRY)
    assert pipeline.build(settings).stored
    return settings


@pytest.fixture(scope="module")
def hostile_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A store with the mini entities: what the hostile files refer to, and nothing to collide with."""
    return _build(tmp_path_factory.mktemp("hostile"))


def _app(settings: Settings) -> tuple[Flask, EmbeddedStore]:
    store = EmbeddedStore.open(settings.store)
    app = create_app(settings, store)
    app.testing = False  # a crash is answered as the server would answer it (500), not raised here
    return app, store


@pytest.fixture(scope="module")
def client(hostile_settings: Settings) -> Iterator[FlaskClient]:
    app, store = _app(hostile_settings)
    with app.test_client() as c:
        yield c
    store.close()


@pytest.fixture
def writable(hostile_settings: Settings, tmp_path: Path) -> Iterator[tuple[Settings, FlaskClient]]:
    """A private copy of the built store and a client over it, for tests that may write."""
    shutil.copytree(hostile_settings.store, tmp_path / "store", symlinks=True)
    settings = replace(hostile_settings, store=str(tmp_path / "store"))
    app, store = _app(settings)
    with app.test_client() as c:
        yield settings, c
    store.close()


class Sandbox:
    """A private copy of the built store with a client over it, put back as built after any write."""

    def __init__(self, pristine: Settings, root: Path):
        self.pristine = pristine
        self.settings = replace(pristine, store=str(root / "store"))
        self.baseline = checksum(pristine)
        self._open()

    def _open(self) -> None:
        shutil.copytree(self.pristine.store, self.settings.store, symlinks=True)
        app, self.store = _app(self.settings)
        self.client = app.test_client()

    def reset(self) -> None:
        self.close()
        shutil.rmtree(self.settings.store)
        self._open()

    def close(self) -> None:
        self.store.close()


@pytest.fixture(scope="module")
def sandbox(hostile_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    box = Sandbox(hostile_settings, tmp_path_factory.mktemp("sandbox"))
    yield box
    box.close()


@pytest.fixture(scope="module")
def answers() -> dict[tuple[str, str], Outcome]:
    """Outcomes already computed in this module, so that the agreement test does not rerun them."""
    return {}


@pytest.fixture(scope="module")
def bombs(hostile_settings: Settings) -> dict[str, dict[str, Any]]:
    """The bombs, each run once in a child process (CLI, /validate, /submissions) with limits."""
    # the children run side by side, with one deadline: bounded, and generous enough for a loaded machine
    deadline = time.monotonic() + 3 * BOMB_SECONDS + 30
    children = {name: _start_isolated(hostile_settings, name) for name in sorted(BOMBS)}
    return {name: _finish_isolated(child, deadline) for name, child in children.items()}


# --------------------------------------------------------------------------- the two faces


def cli_env(settings: Settings) -> dict[str, str]:
    return {
        "KG_DATA": str(settings.data),
        "KG_CORPUS": str(settings.corpus),
        "KG_STORE": settings.store,
        "KG_MAX_BODY": str(settings.max_body),
    }


def run_cli(settings: Settings, path: Path, *, with_text: bool = True) -> Outcome:
    """kg validate FILE (with --text mini.txt for an annotation file)."""
    args = ["validate", str(path)]
    if with_text and path.suffix in ANNOTATION_ENDINGS:
        args = ["validate", "--text", str(TEXT), str(path)]
    started = time.perf_counter()
    result = CliRunner().invoke(main, args, env=cli_env(settings))
    seconds = time.perf_counter() - started
    crash = None
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        crash = f"{type(result.exception).__name__}: {result.exception}"
    return Outcome(result.exit_code, result.output, crash=crash, seconds=seconds)


def post(client: FlaskClient, path: Path, url: str = "/validate", token: str | None = None) -> Any:
    """POST a hostile file: multipart annotation= and text= for annotations, else the RDF body."""
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = path.read_bytes()
    if path.suffix in ANNOTATION_ENDINGS:
        form = {"annotation": (io.BytesIO(data), path.name), "text": (io.BytesIO(TEXT.read_bytes()), TEXT.name)}
        return client.post(url, data=form, content_type="multipart/form-data", headers=headers)
    return client.post(url, data=data, content_type=MEDIA_TYPES[path.suffix], headers=headers)


def multipart(**files: tuple[str, bytes]) -> tuple[bytes, str]:
    """A multipart/form-data body of files, and its Content-Type."""
    boundary = "kg-hostile-boundary"
    chunks = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n".encode()
        + data
        + b"\r\n"
        for field, (filename, data) in files.items()
    ]
    return b"".join(chunks) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def outcome_of(response: Any, seconds: float = 0.0) -> Outcome:
    body = response.get_json(silent=True)
    if not isinstance(body, dict):
        return Outcome(response.status_code, response.get_data(as_text=True)[:2000], seconds=seconds)
    problems = body.get("problems") or []
    message = " | ".join([str(body.get("error", ""))] + [str(p.get("message", "")) for p in problems])
    crash = message if response.status_code >= 500 else None
    return Outcome(response.status_code, message, problems, body, crash, seconds)


def run_http(client: FlaskClient, path: Path) -> Outcome:
    started = time.perf_counter()
    response = post(client, path)
    return outcome_of(response, time.perf_counter() - started)


def cli_answer(name: str, settings: Settings, answers: dict, bombs_: dict | None = None) -> Outcome:
    if name in BOMBS:
        assert bombs_ is not None
        return _from_child(bombs_[name], "cli")
    if ("cli", name) not in answers:
        answers["cli", name] = run_cli(settings, HOSTILE / name)
    return answers["cli", name]  # type: ignore[no-any-return]


def http_answer(name: str, client: FlaskClient, answers: dict, bombs_: dict | None = None) -> Outcome:
    if name in BOMBS:
        assert bombs_ is not None
        return _from_child(bombs_[name], "validate")
    if ("http", name) not in answers:
        answers["http", name] = run_http(client, HOSTILE / name)
    return answers["http", name]  # type: ignore[no-any-return]


def assert_error_shape(response: Any, status: int, words: str) -> dict[str, Any]:
    """The one JSON error shape, with the status in the body too."""
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    body = response.get_json()
    assert set(body) == {"ok", "error", "errors", "status"}, body
    assert body["ok"] is False and body["status"] == status
    assert words in body["error"], body
    return body  # type: ignore[no-any-return]


def checksum(settings: Settings) -> str:
    store = EmbeddedStore.open(settings.store)
    try:
        return store.checksum()
    finally:
        store.close()


# --------------------------------------------------------------------------- the child process for bombs

CHILD = r"""
import io, json, resource, sys, time
from pathlib import Path
args = json.loads(sys.argv[1])
resource.setrlimit(resource.RLIMIT_AS, (args["memory"], args["memory"]))
from click.testing import CliRunner
from kg.cli import main
from kg.config import Settings
from kg.store.embedded import EmbeddedStore
from kg.web import create_app

path = args["path"]
data = open(path, "rb").read()
out = {}
def report(key, code, message, started):
    out[key] = {"code": code, "message": message, "seconds": time.perf_counter() - started}
    print(json.dumps({key: out[key]}), flush=True)

started = time.perf_counter()
cli_args = ["validate", "--text", args["text"], path] if args["annotation"] else ["validate", path]
result = CliRunner().invoke(main, cli_args, env=args["env"])
crash = result.exception is not None and not isinstance(result.exception, SystemExit)
report("cli", result.exit_code if not crash else -1, result.output + (repr(result.exception) if crash else ""), started)

settings = Settings.from_env({}, data=Path(args["env"]["KG_DATA"]), corpus=Path(args["env"]["KG_CORPUS"]),
                             store=args["env"]["KG_STORE"], tokens=args["entry"])
store = EmbeddedStore.open(settings.store)
app = create_app(settings, store)
client = app.test_client()
before = store.checksum()
for key, url, headers in [("validate", "/validate", {}),
                          ("submissions", "/submissions", {"Authorization": "Bearer " + args["token"]})]:
    started = time.perf_counter()
    headers["Accept"] = "application/json"
    if args["annotation"]:
        text = open(args["text"], "rb").read()
        form = {"annotation": (io.BytesIO(data), "bomb.yaml"), "text": (io.BytesIO(text), "mini.txt")}
        response = client.post(url, data=form, content_type="multipart/form-data", headers=headers)
    else:
        response = client.post(url, data=data, content_type=args["media"], headers=headers)
    report(key, response.status_code, response.get_data(as_text=True)[:2000], started)
store.close()
print(json.dumps({"unchanged": EmbeddedStore.open(settings.store).checksum() == before}), flush=True)
"""


def _start_isolated(settings: Settings, name: str) -> subprocess.Popen[str]:
    path = HOSTILE / name
    args = {
        "path": str(path),
        "text": str(TEXT),
        "annotation": path.suffix in ANNOTATION_ENDINGS,
        "media": MEDIA_TYPES.get(path.suffix, ""),
        "env": cli_env(settings),
        "entry": ENTRY,
        "token": TOKEN,
        "memory": BOMB_MEMORY,
    }
    command = [sys.executable, "-c", CHILD, json.dumps(args)]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _finish_isolated(child: subprocess.Popen[str], deadline: float) -> dict[str, Any]:
    found: dict[str, Any] = {}
    try:
        stdout, stderr = child.communicate(timeout=max(0.1, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        child.kill()
        stdout, stderr = child.communicate()
        found["timeout"] = True
    for line in stdout.splitlines():
        if line.startswith("{"):
            found.update(json.loads(line))
    found["stderr"] = stderr[-2000:]
    found["returncode"] = child.returncode
    return found


def _from_child(found: dict[str, Any], key: str) -> Outcome:
    if key not in found:
        why = "timed out" if found.get("timeout") else f"died (exit {found.get('returncode')})"
        return Outcome(-1, "", crash=f"the child process {why} before answering: {found.get('stderr', '')[-500:]}")
    item = found[key]
    body: dict[str, Any] | None = None
    message = item["message"]
    if key != "cli":
        try:
            body = json.loads(message)
            message = " | ".join(
                [str(body.get("error", ""))] + [str(p.get("message", "")) for p in body.get("problems") or []]
            )
        except ValueError:
            body = None
    crash = "crashed" if item["code"] == -1 or item["code"] >= 500 else None
    return Outcome(item["code"], message, body=body, crash=crash, seconds=item["seconds"])


# --------------------------------------------------------------------------- the table


def test_every_hostile_file_is_in_the_table() -> None:
    """Each file under tests/data/hostile has an expected outcome, and each text file says what is wrong."""
    on_disk = {p.name for p in HOSTILE.iterdir()}
    assert on_disk == set(EXPECTED)
    assert len(on_disk) >= 45
    for name in on_disk:
        head = (HOSTILE / name).read_bytes()[:300]
        if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16
            head = head.decode("utf-16").encode()
        if not name.endswith((".json", ".jsonld")):  # JSON has no comments
            assert b"Hostile input:" in head, name


@pytest.mark.parametrize("name", NAMES)
def test_kg_validate_answers_each_hostile_file(
    hostile_settings: Settings, answers: dict, bombs: dict, name: str
) -> None:
    """kg validate exits 0, 1 or 2 as the table says, with the words expected, and never crashes."""
    code, _status, words = EXPECTED[name]
    got = cli_answer(name, hostile_settings, answers, bombs)
    assert got.crash is None, f"{name}: crashed: {got.crash}\n{got.message[-1500:]}"
    assert got.code == code, f"{name}: exit {got.code}, expected {code}\n{got.message[-1500:]}"
    assert words in got.message, got.message[-1500:]
    assert PASSWD not in got.message


@pytest.mark.parametrize("name", NAMES)
def test_post_validate_answers_each_hostile_file(client: FlaskClient, answers: dict, bombs: dict, name: str) -> None:
    """POST /validate answers 200, 422 with located problems, or 400 in the one error shape."""
    _code, status, words = EXPECTED[name]
    got = http_answer(name, client, answers, bombs)
    assert got.crash is None, f"{name}: crashed: {got.crash}"
    assert got.code == status, f"{name}: HTTP {got.code}, expected {status}: {got.message[:1500]}"
    assert words in got.message, got.message[:1500]
    assert PASSWD not in got.message
    assert got.body is not None
    if status == 200:
        assert got.body["ok"] is True and got.body["conforms"] is True
    elif status == 422:
        assert got.body["conforms"] is False and got.body["problems"]
        for problem in got.body["problems"]:
            assert problem["message"] and ({"line", "field", "node"} & set(problem)), problem
    else:
        assert set(got.body) == {"ok", "error", "errors", "status"}, got.body
        assert got.body["ok"] is False and got.body["status"] == status


@pytest.mark.parametrize("name", NAMES)
def test_cli_and_http_agree(
    hostile_settings: Settings, client: FlaskClient, answers: dict, bombs: dict, name: str
) -> None:
    """kg validate and POST /validate reach the same verdict: conforms, does not, or cannot be read."""
    cli = cli_answer(name, hostile_settings, answers, bombs)
    http = http_answer(name, client, answers, bombs)
    assert cli.crash is None and http.crash is None, f"{name}: a crash is no verdict: {cli.crash or http.crash}"
    assert cli.verdict == http.verdict, (
        f"{name}: kg validate {cli.verdict} (exit {cli.code}), HTTP {http.verdict} ({http.code})"
    )


@pytest.mark.parametrize("name", sorted(n for n in EXPECTED if Path(n).suffix in ANNOTATION_ENDINGS))
def test_kg_validate_without_text_agrees_with_text(
    hostile_settings: Settings, answers: dict, bombs: dict, name: str
) -> None:
    """Without --text (the text read from KG_CORPUS) kg validate reaches the same verdict as with it."""
    if name in BOMBS:
        pytest.skip("run only in a child process (test_bombs_are_refused_in_bounded_memory)")
    with_text = cli_answer(name, hostile_settings, answers, bombs)
    without = run_cli(hostile_settings, HOSTILE / name, with_text=False)
    assert without.crash is None, f"{name}: crashed without --text: {without.crash}"
    assert without.verdict == with_text.verdict, f"{name}: {without.message[-800:]}"


@pytest.mark.parametrize("name", ["script_label.yaml", "unknown_entity.yaml", "hash_mismatch.yaml"])
def test_without_a_text_both_faces_read_the_corpus(hostile_settings: Settings, client: FlaskClient, name: str) -> None:
    """An annotation sent without its text is checked against KG_CORPUS by kg validate and POST /validate alike."""
    cli = run_cli(hostile_settings, HOSTILE / name, with_text=False)
    form = {"annotation": (io.BytesIO((HOSTILE / name).read_bytes()), name)}
    http = outcome_of(client.post("/validate", data=form, content_type="multipart/form-data"))
    assert cli.crash is None and http.crash is None
    assert cli.verdict == http.verdict, f"kg validate: {cli.message[-400:]}\nPOST /validate: {http.message[:400]}"


JSON_BODY_SAMPLE = [
    "yaml_unclosed_bracket.yaml",
    "yaml_top_level_list.yaml",
    "json_trailing_comma.json",
    "json_truncated.json",
    "unknown_entity.yaml",
    "hash_mismatch.yaml",
    "offset_beyond_text.yaml",
    "duplicate_entity_id.yaml",
    "script_label.yaml",
]


@pytest.mark.parametrize("name", JSON_BODY_SAMPLE)
def test_json_body_agrees_with_multipart(client: FlaskClient, answers: dict, bombs: dict, name: str) -> None:
    """{"annotation": …, "text": …} as a JSON body gets the same answer as the multipart form."""
    body = {"annotation": (HOSTILE / name).read_text("utf-8"), "text": TEXT.read_text("utf-8"), "name": name}
    got = outcome_of(client.post("/validate", json=body, headers={"Accept": "application/json"}))
    assert got.crash is None, got.crash
    assert got.code == http_answer(name, client, answers, bombs).code, got.message[:800]


@pytest.mark.parametrize("name", REJECTED)
def test_rejected_submission_leaves_the_store_unchanged(sandbox: Sandbox, bombs: dict, name: str) -> None:
    """POST /submissions with a valid token answers as /validate does and stores nothing."""
    _code, status, _words = EXPECTED[name]
    if name in BOMBS:
        got = _from_child(bombs[name], "submissions")
        assert bombs[name].get("unchanged") is True, bombs[name]
    else:
        got = outcome_of(post(sandbox.client, HOSTILE / name, "/submissions", TOKEN))
        changed = checksum(sandbox.settings) != sandbox.baseline
        if changed:
            sandbox.reset()  # so that the next file meets the store as built
        assert not changed, f"{name}: answered {got.code} and changed the store"
    assert got.crash is None, got.crash
    assert got.code == status, f"{name}: HTTP {got.code}: {got.message[:800]}"


# --------------------------------------------------------------------------- what cannot be a file


def test_bombs_are_refused_in_bounded_memory(bombs: dict) -> None:
    """A YAML alias bomb, billion laughs and XXE are refused (exit 2 / 400) by every face, in a child
    capped at 3 GB: none is expanded, which would exhaust the cap or outlast the child's deadline
    (both are crashes here). How many seconds each face took is recorded, not asserted."""
    not_refused = {}
    for name, found in bombs.items():
        for key in ("cli", "validate", "submissions"):
            got = _from_child(found, key)
            if got.crash or got.code not in {2, 400}:
                not_refused[f"{name} {key}"] = got.crash or f"{got.code}: {got.message[:200]}"
    assert not not_refused, not_refused


class CountingServer:
    """A loopback TCP server that only counts the connections made to it."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.running = True
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while self.running:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self.running = False
        self.thread.join()
        self.sock.close()


@pytest.mark.parametrize("name", ["jsonld_remote_context.jsonld", "jsonld_remote_import.jsonld"])
def test_a_remote_json_ld_context_is_never_fetched(
    writable: tuple[Settings, FlaskClient], tmp_path: Path, name: str
) -> None:
    """A JSON-LD @context or @import on a live loopback port is refused, and nothing connects to it."""
    settings, c = writable
    server = CountingServer()
    try:
        url = f"http://127.0.0.1:{server.port}/context.jsonld"
        document = (HOSTILE / name).read_text("utf-8").replace("http://127.0.0.1:9/context.jsonld", url)
        assert url in document
        path = tmp_path / name
        path.write_text(document, "utf-8")
        cli = run_cli(settings, path)
        assert cli.code == 2 and cli.crash is None, cli.message
        for endpoint, headers in [("/validate", {}), ("/submissions", {"Authorization": f"Bearer {TOKEN}"})]:
            response = c.post(endpoint, data=document, content_type="application/ld+json", headers=headers)
            assert_error_shape(response, 400, "remote context")
        time.sleep(0.2)
        assert server.connections == 0
    finally:
        server.close()


@pytest.fixture(scope="module")
def fifty_megabytes() -> bytes:
    return b"# padding\n" * 5_000_000


@pytest.mark.parametrize("kind", ["turtle", "multipart", "json", "no-content-length"])
def test_a_50_mb_body_is_413(writable: tuple[Settings, FlaskClient], fifty_megabytes: bytes, kind: str) -> None:
    """A 50 MB body is refused with 413 in the one error shape, whatever its kind, and stores nothing."""
    settings, c = writable
    before = checksum(settings)
    big = fifty_megabytes
    for url, headers in [("/validate", {}), ("/submissions", {"Authorization": f"Bearer {TOKEN}"})]:
        headers = {**headers, "Accept": "application/json"}
        if kind == "turtle":
            response = c.post(url, data=big, content_type="text/turtle", headers=headers)
        elif kind == "multipart":  # encoded here: the test client would spool 50 MB to a file it never closes
            body, content_type = multipart(annotation=("big.yaml", big), text=("mini.txt", TEXT.read_bytes()))
            response = c.post(url, data=body, content_type=content_type, headers=headers)
        elif kind == "json":
            body = json.dumps({"annotation": big.decode(), "text": ""}).encode()
            response = c.post(url, data=body, content_type="application/json", headers=headers)
        else:  # chunked, as waitress hands it on: no Content-Length, the stream ends where the body ends
            response = c.post(
                url,
                input_stream=io.BytesIO(big),
                content_type="text/turtle",
                headers=headers,
                environ_overrides={"wsgi.input_terminated": True},
            )
        assert_error_shape(response, 413, "")
    assert checksum(settings) == before


def test_kg_validate_refuses_a_50_mb_file(hostile_settings: Settings, tmp_path: Path, fifty_megabytes: bytes) -> None:
    """kg validate says a file over KG_MAX_BODY is too large (exit 2) rather than reading it."""
    for name in ("big.ttl", "big.yaml"):
        path = tmp_path / name
        path.write_bytes(fifty_megabytes)
        got = run_cli(hostile_settings, path)
        assert got.crash is None and got.code == 2, got.message[-800:]
        assert "over the limit" in got.message


DEEP = 10_000


def _deep_json() -> str:
    return "[" * DEEP + "]" * DEEP


@pytest.mark.parametrize(
    ("kind", "body", "content_type"),
    [
        ("json body", '{"annotation": ' + _deep_json() + ', "text": ""}', "application/json"),
        ("json string", json.dumps({"annotation": '{"a": ' + _deep_json() + "}", "text": ""}), "application/json"),
        ("json-ld", '{"@context": {}, "@list": ' + _deep_json() + "}", "application/ld+json"),
        ("yaml after a quote", "x: '\"'\ny: " + "[" * 600 + "]" * 600 + "\n", "multipart"),
        ("yaml block", "- " * 600 + "x\n", "multipart"),
        (
            "turtle after a quote",
            "<https://w3id.org/kg/id/place/a> <http://www.w3.org/2000/01/rdf-schema#label> '\"' .\n"
            "<https://w3id.org/kg/id/place/a> <https://w3id.org/kg/ontology#near> "
            + "[ <https://w3id.org/kg/ontology#near> " * 3000
            + "<https://w3id.org/kg/id/place/testland>"
            + " ]" * 3000
            + " .\n",
            "text/turtle",
        ),
        (
            "rdf/xml",
            '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
            'xmlns:kg="https://w3id.org/kg/ontology#">'
            '<rdf:Description rdf:about="https://w3id.org/kg/id/place/a">'
            + "<kg:near><rdf:Description>" * 3000
            + "</rdf:Description></kg:near>" * 3000
            + "</rdf:Description></rdf:RDF>",
            "application/rdf+xml",
        ),
    ],
)
def test_deep_nesting_is_400_not_a_crash(client: FlaskClient, kind: str, body: str, content_type: str) -> None:
    """Nesting thousands deep, in any syntax, is a 400 in the one error shape, not a crash or a 500."""
    if content_type == "multipart":
        form = {"annotation": (io.BytesIO(body.encode()), "deep.yaml"), "text": (io.BytesIO(TEXT.read_bytes()), "t")}
        response = client.post("/validate", data=form, content_type="multipart/form-data")
    else:
        response = client.post("/validate", data=body, content_type=content_type)
    assert_error_shape(response, 400, "")


@pytest.mark.parametrize("with_text", [True, False], ids=["with --text", "without --text"])
@pytest.mark.parametrize("name", ["deep.json", "deep.yaml"])
def test_kg_validate_refuses_deep_nesting(
    hostile_settings: Settings, tmp_path: Path, name: str, with_text: bool
) -> None:
    """kg validate on a file nested 10,000 deep exits 2 with a message, with or without --text."""
    path = tmp_path / name
    depth = DEEP if with_text else 600  # without --text a deep file is slow to fail: keep the suite short
    path.write_text("[" * depth + "]" * depth if name.endswith(".json") else "- " * 600 + "x\n", "utf-8")
    got = run_cli(hostile_settings, path, with_text=with_text)
    assert got.crash is None, f"crashed: {got.crash}"
    assert got.code == 2, got.message[-800:]


def test_a_yaml_tag_runs_nothing(hostile_settings: Settings, client: FlaskClient, answers: dict) -> None:
    """A !!python/object/apply tag is refused as data; the command in it never runs."""
    marker = Path("/tmp/kg-hostile-pwned")
    marker.unlink(missing_ok=True)
    cli_answer("yaml_python_tag.yaml", hostile_settings, answers)
    http_answer("yaml_python_tag.yaml", client, answers)
    assert not marker.exists()


# --------------------------------------------------------------------------- bodies and tokens


@pytest.mark.parametrize(
    ("content_type", "data"),
    [("text/turtle", b""), ("application/json", b""), ("application/ld+json", b"  \n"), ("multipart/form-data", None)],
)
def test_an_empty_body_is_400(client: FlaskClient, content_type: str, data: bytes | None) -> None:
    """An empty body, of any kind, is a 400 that says so."""
    if data is None:
        form = {"annotation": (io.BytesIO(b""), "empty.yaml"), "text": (io.BytesIO(TEXT.read_bytes()), "mini.txt")}
        response = client.post("/validate", data=form, content_type=content_type)
    else:
        response = client.post("/validate", data=data, content_type=content_type)
    assert_error_shape(response, 400, "empty")


@pytest.mark.parametrize("content_type", ["text/plain", "application/xml", "application/x-www-form-urlencoded", ""])
def test_an_unsupported_content_type_is_415(writable: tuple[Settings, FlaskClient], content_type: str) -> None:
    """A body kg cannot take is 415 on /validate and /submissions, and nothing is stored."""
    settings, c = writable
    before = checksum(settings)
    document = (HOSTILE / "ttl_script_label.ttl").read_bytes()
    for url in ("/validate", "/submissions"):
        response = c.post(url, data=document, content_type=content_type, headers={"Authorization": f"Bearer {TOKEN}"})
        assert_error_shape(response, 415, "")
    assert checksum(settings) == before


def test_submissions_need_a_valid_token(writable: tuple[Settings, FlaskClient]) -> None:
    """A conforming submission without a token is 401, with a wrong one 403; nothing is stored."""
    settings, c = writable
    before = checksum(settings)
    document = (HOSTILE / "ttl_script_label.ttl").read_bytes()
    assert_error_shape(c.post("/submissions", data=document, content_type="text/turtle"), 401, "token")
    wrong = c.post(
        "/submissions", data=document, content_type="text/turtle", headers={"Authorization": "Bearer not-the-token"}
    )
    assert_error_shape(wrong, 403, "")
    assert checksum(settings) == before


# --------------------------------------------------------------------------- markup in labels


def test_a_script_label_is_escaped_in_every_page(writable: tuple[Settings, FlaskClient]) -> None:
    """A label holding <script> is stored as text and shown escaped on /id pages and the mentions page."""
    _settings, c = writable
    auth = {"Authorization": f"Bearer {TOKEN}", "Accept": "application/json"}
    first = post(c, HOSTILE / "script_label.yaml", "/submissions", TOKEN)
    assert first.status_code == 201, first.get_data(as_text=True)[:800]
    assert first.headers["Location"]
    again = post(c, HOSTILE / "script_label.yaml", "/submissions", TOKEN)
    assert again.status_code == 200, again.get_data(as_text=True)[:800]
    place = c.post(
        "/submissions", data=(HOSTILE / "ttl_script_label.ttl").read_bytes(), content_type="text/turtle", headers=auth
    )
    assert place.status_code == 201, place.get_data(as_text=True)[:800]
    html = {"Accept": "text/html"}
    pages = {
        "/id/actor/script-actor": c.get("/id/actor/script-actor", headers=html),
        "/id/place/scriptville": c.get("/id/place/scriptville", headers=html),
        "/queries/mentions?entity=script-actor": c.get("/queries/mentions?entity=script-actor", headers=html),
        "/queries/mentions?entity=<label>": c.get("/queries/mentions", query_string={"entity": SCRIPT}, headers=html),
        "/id/article/mini": c.get("/id/article/mini", headers=html),
    }
    for url, page in pages.items():
        text = page.get_data(as_text=True)
        assert page.status_code == 200, (url, text[:500])
        assert page.mimetype == "text/html", url
        assert SCRIPT not in text, f"{url} shows the label unescaped"
        assert "alert(1)" not in text or "&lt;script&gt;" in text, url
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in pages["/id/actor/script-actor"].get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in pages["/id/place/scriptville"].get_data(as_text=True)
    assert "fighting" in pages["/queries/mentions?entity=script-actor"].get_data(as_text=True)
