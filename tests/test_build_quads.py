"""A build maps straight to store quads, checks articles in a pool and keeps each article's quads
in a cache beside the store: the stored data, the problems and the counts stay what the plain,
serial path gives, whatever the cache holds and however many workers there are."""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import replace
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg import parallel, pipeline, quadcache
from kg.config import PROJECT_ROOT, Settings
from kg.store import open_store
from tests.test_synth import GAZETTEER, _synth


def _export(settings: Settings) -> set[str]:
    """The stored quads, but the build's record of its inputs (which names the folders)."""
    store = open_store(settings)
    try:
        lines = store.export("nquads").decode("utf-8").splitlines()
    finally:
        store.close()
    return {line for line in lines if "inputsDigest" not in line}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Twelve synthetic articles, their texts and the N-Quads synth.py maps them to."""
    if not GAZETTEER.is_dir():
        pytest.skip(f"no gazetteer at {GAZETTEER}")
    synth = _synth()
    out = tmp_path_factory.mktemp("synth")
    synth.write_rdf(out, synth.generate(12, out, seed=5, gazetteer=GAZETTEER))
    return out


@pytest.fixture
def synth_settings(corpus: Path, tmp_path: Path) -> Settings:
    """A private copy of the corpus, with its own ontology and shapes (so a test may edit them)."""
    for name in ("data", "corpus"):
        shutil.copytree(corpus / name, tmp_path / name)
    shutil.copytree(PROJECT_ROOT / "shapes", tmp_path / "shapes")
    shutil.copy(PROJECT_ROOT / "ontology" / "kg.ttl", tmp_path / "kg.ttl")
    return Settings.from_env(
        {},
        data=tmp_path / "data",
        corpus=tmp_path / "corpus",
        store=str(tmp_path / "store"),
        shapes=tmp_path / "shapes",
        ontology=tmp_path / "kg.ttl",
        build_workers=1,
    )


def _build(settings: Settings) -> pipeline.BuildReport:
    result = pipeline.build(settings)
    assert result.stored, result.report.problems[:5]
    return result


def _hits(settings: Settings) -> int:
    files = pipeline.data_files(settings)
    prepared = parallel.prepare(settings, files, pipeline.conformance_cache(settings))
    assert prepared is not None
    return prepared.hits


def test_the_seed_build_stores_what_the_plain_path_stores(
    seed_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The seed data built through the pool and the quad cache stores the very quads the serial path does."""
    fast = _build(seed_settings)
    again = _build(seed_settings)  # every article from the cache
    cached = _export(seed_settings)
    monkeypatch.setattr(parallel, "prepare", lambda *_args: None)
    plain = _build(replace(seed_settings, store=seed_settings.store + "-plain"))
    assert cached == _export(replace(seed_settings, store=seed_settings.store + "-plain"))
    assert (fast.articles, fast.mentions, fast.events, fast.claims, fast.entities, fast.quads) == (
        plain.articles,
        plain.mentions,
        plain.events,
        plain.claims,
        plain.entities,
        plain.quads,
    )
    assert again.quads == plain.quads and again.events == plain.events


def test_a_synthetic_corpus_stores_its_nquads_cold_and_from_the_cache(corpus: Path, synth_settings: Settings) -> None:
    """Cold and from the cache, the stored articles and entities are exactly the N-Quads synth.py wrote."""
    loaded = ox.Store()  # as the store holds them (it keeps xsd:nonNegativeInteger as xsd:integer)
    loaded.bulk_load(path=str(corpus / "dataset.nq"), format=ox.RdfFormat.N_QUADS)
    lines = (loaded.dump(format=ox.RdfFormat.N_QUADS) or b"").decode("utf-8").splitlines()
    expected = {line for line in lines if not line.endswith("/graph/ontology> .")}  # kg.ttl, as it is
    _build(synth_settings)
    cold = _export(synth_settings)
    assert expected <= cold
    assert _hits(synth_settings) == 12
    _build(synth_settings)
    assert _export(synth_settings) == cold


def test_an_unchanged_article_is_a_hit_and_a_changed_file_a_miss(synth_settings: Settings) -> None:
    """After a build every article is a hit; editing one annotation file makes exactly that one a miss."""
    _build(synth_settings)
    assert _hits(synth_settings) == 12
    first = sorted((synth_settings.data / "articles").glob("*.yaml"))[0]
    first.write_text(first.read_text("utf-8") + "# edited\n", "utf-8")
    assert _hits(synth_settings) == 11


@pytest.mark.parametrize("edit", ["registry", "ontology", "shapes"])
def test_a_changed_registry_ontology_or_shapes_invalidates_every_entry(synth_settings: Settings, edit: str) -> None:
    """A new entity label, an ontology or a shapes file changed: no article is taken from the cache."""
    _build(synth_settings)
    if edit == "registry":
        path = synth_settings.data / "entities.yaml"
        text = path.read_text("utf-8")
        assert '"label": "Jordan"' in text
        path.write_text(text.replace('"label": "Jordan"', '"label": "Hashemite Kingdom of Jordan"', 1), "utf-8")
    else:
        path = synth_settings.ontology if edit == "ontology" else sorted(synth_settings.shapes.glob("*.ttl"))[0]
        path.write_text(path.read_text("utf-8") + "\n# edited\n", "utf-8")
    assert _hits(synth_settings) == 0


@pytest.mark.parametrize("field", ["text", "version", "file"])
def test_an_entry_whose_text_version_or_file_digest_differs_is_a_miss(synth_settings: Settings, field: str) -> None:
    """An entry recorded for another article text, another kg version or other file bytes is not used."""
    _build(synth_settings)
    entry = sorted((Path(synth_settings.store) / quadcache.FOLDER).glob("*.nq"))[0]
    header, _, body = entry.read_bytes().partition(b"\n")
    fields = json.loads(header)
    fields["key"][field] = "0" * 64
    entry.write_bytes(json.dumps(fields).encode() + b"\n" + body)
    assert _hits(synth_settings) == 11


@pytest.mark.parametrize("damage", ["truncated", "not json", "empty"])
def test_a_corrupt_entry_is_a_miss_not_a_crash(synth_settings: Settings, damage: str) -> None:
    """A torn, garbled or empty entry is checked again and written anew; the build stores the same."""
    _build(synth_settings)
    stored = _export(synth_settings)
    entry = sorted((Path(synth_settings.store) / quadcache.FOLDER).glob("*.nq"))[0]
    data = entry.read_bytes()
    entry.write_bytes({"truncated": data[: len(data) // 2], "not json": b"{" + data, "empty": b""}[damage])
    assert _hits(synth_settings) == 11
    _build(synth_settings)
    assert _export(synth_settings) == stored
    assert _hits(synth_settings) == 12


def test_an_entry_is_written_whole_or_not_at_all(tmp_path: Path) -> None:
    """Writing goes through a temporary file and a rename: no temporary file is left, the entry reads back."""
    key = quadcache.Key("a" * 64, "b" * 64, "c", "d", "e", "f")
    body = b"<urn:s> <urn:p> <urn:o> <urn:g> .\n"
    entry = quadcache.Entry(key, "urn:g", "t.txt", quadcache.Counts(1, 2, 3), quadcache.Quads(body))
    quadcache.write(tmp_path, entry)
    assert quadcache.read(tmp_path, "a" * 64) == entry
    assert [p.name for p in (tmp_path / quadcache.FOLDER).iterdir()] == [f"{'a' * 64}.nq"]


def test_one_or_two_workers_store_the_same(synth_settings: Settings) -> None:
    """The pool's workers change nothing: the stored quads and the counts are the same with 1 and 2."""
    one = _build(synth_settings)
    stored = _export(synth_settings)
    two_settings = replace(synth_settings, store=synth_settings.store + "-2", build_workers=2)
    two = _build(two_settings)
    assert _export(two_settings) == stored
    assert (one.articles, one.events, one.quads) == (two.articles, two.events, two.quads)


def test_one_or_two_workers_report_the_same_problems(synth_settings: Settings) -> None:
    """A broken article (an unknown place) gives the same report, cache or not, with 1 or 2 workers."""
    _build(synth_settings)  # fills the cache
    first = sorted((synth_settings.data / "articles").glob("*.yaml"))[3]
    text = first.read_text("utf-8")
    place = re.findall(r'"place": "[^"]+"', text)[0]
    first.write_text(text.replace(place, '"place": "no-such-place"', 1), "utf-8")
    reports = [pipeline.build(replace(synth_settings, build_workers=n)).report for n in (1, 2)]
    shutil.rmtree(synth_settings.store)
    cold = pipeline.build(replace(synth_settings, build_workers=2)).report
    assert not reports[0].conforms
    assert any("no-such-place" in p.message for p in reports[0].errors)
    assert reports[0].problems == reports[1].problems == cold.problems


def test_one_changed_article_is_written_alone_and_stores_what_a_cold_build_stores(synth_settings: Settings) -> None:
    """After one article's event changes place, the store (periods included) equals a cold build's."""
    _build(synth_settings)
    before = open_store(synth_settings)
    version = before.version()
    before.close()
    path = sorted((synth_settings.data / "articles").glob("*.yaml"))[2]
    text = path.read_text("utf-8")
    places = re.findall(r'"place": "[^"]+"', text)
    other = next(p for p in places if p != places[0])
    path.write_text(text.replace(places[0], other, 1), "utf-8")
    previous = quadcache.read_manifest(Path(synth_settings.store))
    assert previous is not None and previous.version == version
    _build(synth_settings)
    incremental = _export(synth_settings)
    shutil.rmtree(synth_settings.store)
    _build(synth_settings)
    assert incremental == _export(synth_settings)


def test_a_write_since_the_last_build_makes_the_next_one_replace_everything(synth_settings: Settings) -> None:
    """A change the manifest does not know of (here, a graph added by hand) is gone after the rebuild."""
    _build(synth_settings)
    store = open_store(synth_settings)
    store.update("INSERT DATA { GRAPH <https://example.org/stray> { <urn:a> <urn:b> <urn:c> } }")
    store.close()
    _build(synth_settings)
    assert not any("example.org/stray" in line for line in _export(synth_settings))
