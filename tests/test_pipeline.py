"""The pipeline: builds are idempotent and atomic, work without the corpus, and a failure at
any point leaves the store as it was."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kg import pipeline
from kg.config import Settings
from kg.store.embedded import EmbeddedStore


def quads(settings: Settings) -> set[str]:
    """The stored quads, but for the build's record of its inputs (which differ with the corpus)."""
    store = EmbeddedStore.open(settings.store)
    lines = store.export("nquads").decode("utf-8").splitlines()
    return {line for line in lines if line and not line.endswith("<https://w3id.org/kg/graph/build> .")}


def test_a_rebuild_of_the_same_data_gives_the_same_quads(built_mini: Settings) -> None:
    """Building twice stores exactly the same quads: IRIs are derived, never random."""
    first = EmbeddedStore.open(built_mini.store).checksum()
    assert pipeline.build(built_mini).stored
    assert EmbeddedStore.open(built_mini.store).checksum() == first


def test_the_build_works_without_the_corpus_from_stored_offsets(built_mini: Settings, tmp_path: Path) -> None:
    """Without the texts the build uses the stored offsets, warns, and leaves out only the quoted words."""
    with_text = quads(built_mini)
    no_corpus = Settings.from_env({}, data=built_mini.data, corpus=tmp_path / "nowhere", store=str(tmp_path / "other"))
    result = pipeline.build(no_corpus)
    assert result.stored, result.report.errors
    assert any("not found" in p.message and p.severity == "warning" for p in result.report.problems)
    without = quads(no_corpus)
    assert without < with_text
    only_with_text = with_text - without  # the TextQuoteSelectors and the articles' lengths
    assert only_with_text and all("/quote>" in q or "#charCount>" in q for q in only_with_text)


def test_a_failure_while_writing_keeps_the_old_store(built_mini: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """If loading the new database fails half-way, the current one is untouched and no debris is left."""
    before = EmbeddedStore.open(built_mini.store).checksum()
    root = Path(built_mini.store)
    databases = sorted(p.name for p in root.glob("db-*"))

    def explode(_self: object, quads: object) -> None:
        raise OSError("disk full (simulated)")

    article = built_mini.data / "articles" / "mini.yaml"
    original = article.read_text("utf-8")
    article.write_text(
        original.replace("title: Test fixture", "title: Test fixture, changed", 1), "utf-8"
    )  # so it writes
    for loader in ("bulk_extend", "extend"):  # a full load, and the write of the changed graphs only
        monkeypatch.setattr(f"pyoxigraph.Store.{loader}", explode, raising=False)
    with pytest.raises(OSError, match="simulated"):
        pipeline.build(built_mini)
    monkeypatch.undo()
    article.write_text(original, "utf-8")
    assert sorted(p.name for p in root.glob("db-*")) == databases
    assert EmbeddedStore.open(built_mini.store).checksum() == before


def test_validate_checks_a_file_against_the_shared_entities(mini_settings: Settings) -> None:
    """kg validate on one article also reads entities.yaml, so references resolve."""
    report = pipeline.validate([mini_settings.data / "articles" / "mini.yaml"], mini_settings)
    assert report.conforms, [str(p) for p in report.problems]
    assert report.files == (str(mini_settings.data / "articles" / "mini.yaml"),)


def test_schema_errors_stop_before_reference_checks(mini_settings: Settings) -> None:
    """A file that breaks the schema is reported for that alone, without a cascade of unknown ids."""
    entities = mini_settings.data / "entities.yaml"
    entities.write_text(entities.read_text("utf-8").replace("type: Road", "type: Motorway"), "utf-8")
    report = pipeline.validate([mini_settings.data / "articles" / "mini.yaml"], mini_settings)
    assert not report.conforms
    assert {p.source for p in report.errors} == {"schema"}
    assert report.errors[0].where.field == "infrastructure[0].type"


def test_resolve_reports_and_writes_nothing_when_a_quote_is_missing(mini_settings: Settings, tmp_path: Path) -> None:
    """kg annotate --resolve leaves a file alone when one of its quotes cannot be found."""
    path = mini_settings.data / "articles" / "mini.yaml"
    broken = path.read_text("utf-8").replace("quote: Red Army", "quote: Red Armee")
    path.write_text(broken, "utf-8")
    (outcome,) = pipeline.resolve_files([path], mini_settings)
    assert outcome.problems and "Red Armee" in outcome.problems[0].message
    assert path.read_text("utf-8") == broken


def test_an_empty_data_folder_is_a_clear_error(tmp_path: Path) -> None:
    """Pointing KG_DATA at a folder that does not exist says which setting to fix."""
    settings = Settings.from_env({}, data=tmp_path / "missing", store=str(tmp_path / "store"))
    with pytest.raises(Exception, match="KG_DATA"):
        pipeline.build(settings)
    assert not (tmp_path / "store").exists()


def test_copying_the_fixture_does_not_share_state(mini_settings: Settings, tmp_path: Path) -> None:
    """Each test gets its own copy of the fixture data (factories, not shared files)."""
    assert mini_settings.data.is_relative_to(tmp_path)
    shutil.rmtree(mini_settings.data / "articles")
    assert (Path(__file__).parent / "data" / "mini" / "articles" / "mini.yaml").is_file()
