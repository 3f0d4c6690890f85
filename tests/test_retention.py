"""A rebuild keeps every submission: checked again, set aside (never dropped) when it no longer
conforms, retractions kept, writes during a build not lost, an up-to-date store left alone."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient

from kg import pipeline, retention, submissions
from kg.cli import main
from kg.config import Settings
from kg.store.embedded import EmbeddedStore
from kg.web import create_app

from .test_submissions import AUTH, ENTRY, new_article, place

NEW_1 = "https://w3id.org/kg/id/place/new-1"
ONLY_OLD_NAMES = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<urn:test:shape> a sh:NodeShape ; sh:targetNode <https://w3id.org/kg/id/place/new-1> ;
  sh:property [ sh:path rdfs:label ; sh:pattern "^Old" ; sh:message "the label must start with Old" ] .
"""


@pytest.fixture
def settings(built_mini: Settings, tmp_path: Path) -> Settings:
    """The built mini store, with a write token and a private copy of the shapes."""
    shapes = tmp_path / "shapes"
    shutil.copytree(built_mini.shapes, shapes)
    return replace(built_mini, tokens=ENTRY, shapes=shapes)


def app_client(settings: Settings) -> Iterator[FlaskClient]:
    store = EmbeddedStore.open(settings.store)
    with create_app(settings, store).test_client() as client:
        yield client
    store.close()


def submit(settings: Settings, body: bytes) -> str:
    """Submit over a fresh web app; the new submission's id."""
    for client in app_client(settings):
        response = client.post("/submissions", data=body, content_type="text/turtle", headers=AUTH)
        assert response.status_code == 201, response.get_json()
        return str(response.get_json()["id"])
    raise AssertionError("no client")


def listed(settings: Settings) -> dict[str, dict[str, str]]:
    """GET /submissions over a new app on a newly opened store, by id."""
    for client in app_client(settings):
        rows = client.get("/submissions").get_json()["submissions"]
        return {row["submission"].rsplit("/", 1)[-1]: row for row in rows}
    raise AssertionError("no client")


def held(settings: Settings, iri: str) -> bool:
    """Whether queries over the data see statements about ``iri``."""
    store = EmbeddedStore.open(settings.store)
    try:
        return bool(store.query(f"ASK {{ <{iri}> ?p ?o }}").boolean)
    finally:
        store.close()


def test_a_submission_survives_rebuild_and_restart(settings: Settings) -> None:
    """Submit, kg build, new store and app: the submission is listed, served and queried."""
    sid = submit(settings, place(1))
    result = CliRunner().invoke(
        main,
        ["--store", settings.store, "--data", str(settings.data), "build"],
        env={"KG_CORPUS": str(settings.corpus), "KG_SHAPES": str(settings.shapes)},
    )
    assert result.exit_code == 0, result.output
    assert "submissions: 1 kept, 0 set aside" in result.output
    assert sid in listed(settings) and "setAside" not in listed(settings)[sid]
    assert held(settings, NEW_1)
    for client in app_client(settings):
        shown = client.get(f"/submissions/{sid}").get_json()
        assert any("New Town 1" in t for t in shown["triples"])


def test_an_annotated_article_submission_is_checked_again_from_its_input(settings: Settings, tmp_path: Path) -> None:
    """An article sent with its text is re-mapped from the stored input on rebuild and kept."""
    annotation, text = new_article(tmp_path)
    for client in app_client(settings):
        body = {"annotation": annotation.decode(), "text": text.decode(), "name": "other.yaml"}
        assert client.post("/submissions", json=body, headers=AUTH).status_code == 201
    result = pipeline.build(settings)
    assert result.submissions_kept == 1 and not result.set_aside
    assert held(settings, "https://w3id.org/kg/id/article/other")


def test_a_submission_that_no_longer_conforms_is_set_aside_and_restored(settings: Settings) -> None:
    """After a shapes change it is kept, listed with why, out of the queried data; back once it conforms."""
    sid = submit(settings, place(1))
    (settings.shapes / "only-old.ttl").write_text(ONLY_OLD_NAMES, "utf-8")
    result = pipeline.build(settings)
    assert result.stored and [s.id for s in result.set_aside] == [sid]
    assert "must start with Old" in str(result.set_aside[0].report.errors[0])
    assert not held(settings, NEW_1)
    assert "must start with Old" in listed(settings)[sid]["setAside"]
    again = pipeline.build(settings)  # still set aside: its statements are carried, not lost
    assert [s.id for s in again.set_aside] == [sid]
    (settings.shapes / "only-old.ttl").unlink()
    restored = pipeline.build(settings)
    assert restored.submissions_kept == 1 and not restored.set_aside
    assert held(settings, NEW_1) and "setAside" not in listed(settings)[sid]


def test_kg_build_reports_what_it_set_aside(settings: Settings) -> None:
    """kg build names the submission, the problem and what to do, and still exits 0."""
    sid = submit(settings, place(1))
    (settings.shapes / "only-old.ttl").write_text(ONLY_OLD_NAMES, "utf-8")
    env = {"KG_CORPUS": str(settings.corpus), "KG_SHAPES": str(settings.shapes), "KG_DATA": str(settings.data)}
    result = CliRunner().invoke(main, ["--store", settings.store, "build"], env=env)
    assert result.exit_code == 0, result.output
    assert f"set aside: submission {sid}" in result.output
    assert "must start with Old" in result.output and f"DELETE /submissions/{sid}" in result.output


def test_a_retraction_record_survives_a_rebuild(settings: Settings) -> None:
    """A retracted submission stays retracted, its record listed, after a rebuild."""
    sid = submit(settings, place(5))
    for client in app_client(settings):
        assert client.delete(f"/submissions/{sid}?reason=wrong", headers=AUTH).status_code == 204
    result = pipeline.build(settings)
    assert result.submissions_retracted == 1 and result.submissions_kept == 0
    row = listed(settings)[sid]
    assert row["why"] == "wrong" and "retracted" in row
    assert not held(settings, "https://w3id.org/kg/id/place/new-5")


def test_build_if_changed_skips_an_up_to_date_store(settings: Settings) -> None:
    """--if-changed leaves a store built from the same inputs alone, and rebuilds after an edit."""
    pipeline.build(settings)
    sid = submit(settings, place(2))
    before = EmbeddedStore.open(settings.store).checksum()
    skipped = pipeline.build(settings, if_changed=True)
    assert skipped.up_to_date and not skipped.stored
    assert EmbeddedStore.open(settings.store).checksum() == before
    entities = settings.data / "entities.yaml"
    entities.write_text(entities.read_text("utf-8") + "\n# edited\n", "utf-8")
    rebuilt = pipeline.build(settings, if_changed=True)
    assert rebuilt.stored and not rebuilt.up_to_date and sid in listed(settings)


def test_kg_build_if_changed_says_so(settings: Settings) -> None:
    """The CLI prints that the store is up to date."""
    env = {"KG_CORPUS": str(settings.corpus), "KG_SHAPES": str(settings.shapes), "KG_DATA": str(settings.data)}
    assert CliRunner().invoke(main, ["--store", settings.store, "build"], env=env).exit_code == 0
    result = CliRunner().invoke(main, ["--store", settings.store, "build", "--if-changed"], env=env)
    assert result.exit_code == 0 and "is up to date" in result.output


def test_a_submission_accepted_during_a_build_survives_it(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """A write that arrives while the build swaps waits for the lock, then is stored: nothing lost."""
    in_swap, sent = threading.Event(), threading.Event()
    original = retention.recheck

    def slow_recheck(*args: object, **kwargs: object) -> retention.Retention:
        in_swap.set()
        assert sent.wait(30)
        return original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(retention, "recheck", slow_recheck)
    earlier = submit(settings, place(1))
    builder = threading.Thread(target=pipeline.build, args=(settings,))
    builder.start()
    assert in_swap.wait(60)
    ids: list[str] = []
    writer = threading.Thread(target=lambda: ids.append(submit(settings, place(3))))
    writer.start()
    sent.set()
    builder.join(120)
    writer.join(120)
    assert ids and set(listed(settings)) >= {earlier, ids[0]}
    assert held(settings, NEW_1) and held(settings, "https://w3id.org/kg/id/place/new-3")


def test_collect_reads_records_made_before_inputs_were_kept(settings: Settings) -> None:
    """A record without its input is checked again as the RDF its graph holds."""
    store = EmbeddedStore.open(settings.store)
    inputs = submissions.Inputs("old.ttl", place(7), "text/turtle")
    submissions.submit(inputs, settings, store, "tester")
    store.update(
        "DELETE WHERE { GRAPH <https://w3id.org/kg/graph/submissions> "
        "{ ?s <https://w3id.org/kg/ontology#inputData> ?d } }"
    )
    found, _ = retention.collect(store)
    store.close()
    assert [f.inputs for f in found] == [None]
    assert pipeline.build(settings).submissions_kept == 1
    assert held(settings, "https://w3id.org/kg/id/place/new-7")
