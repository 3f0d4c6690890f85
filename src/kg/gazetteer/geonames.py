"""GeoNames dumps (``SY.txt``, ``cities1000.txt``, zipped or not) imported into a local index.

The dump format is GeoNames' ``geoname`` table: 19 tab-separated columns, no header, UTF-8.
:func:`import_dumps` checks every line (column count, identifier, coordinates, population)
and writes a new SQLite file beside the old one, renaming it into place only when the whole
input was read: bad input changes nothing. :class:`GeonamesIndex` is the
:class:`~kg.gazetteer.Source` over that file.

Index layout: ``place`` (one row per geonameid), ``key`` (the fold and skeleton keys of every
name and alternate name, with the country, indexed) and ``meta`` (what was imported, when).
"""

from __future__ import annotations

import hashlib
import io
import os
import sqlite3
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path

from kg.errors import ConfigError, InputError, Location
from kg.gazetteer import GEONAMES_URI, Candidate
from kg.gazetteer.keys import KeyedSource, name_keys

COLUMNS = 19  # geonameid … modification date
_SCHEMA = """
CREATE TABLE place (geonameid TEXT PRIMARY KEY, name TEXT, asciiname TEXT, alternatenames TEXT,
                    lat REAL, lon REAL, fclass TEXT, fcode TEXT, country TEXT, admin1 TEXT, population INTEGER);
CREATE TABLE key (key TEXT, country TEXT, geonameid TEXT);
CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT);
"""
_INDEXES = "CREATE INDEX key_key ON key (key, country); CREATE INDEX key_country ON key (country);"


@dataclass(frozen=True)
class ImportReport:
    """What ``kg gazetteer import`` did."""

    path: str
    files: tuple[str, ...]
    places: int
    keys: int
    version: str


def _fail(message: str, file: str, line: int | None = None) -> InputError:
    return InputError(
        message,
        where=Location(file, line),
        hint="give a GeoNames dump (SY.txt, cities1000.txt or its .zip): 19 tab-separated columns; "
        "the index was not changed",
    )


def _text_of(path: Path) -> tuple[str, str, bytes]:
    """(name shown in messages, text, raw bytes) of a dump file or the dump inside a zip."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise _fail(f"cannot read the file: {exc.strerror}", str(path)) from None
    shown = str(path)
    if raw[:2] == b"PK":
        try:
            with zipfile.ZipFile(io.BytesIO(raw)) as archive:
                names = [n for n in archive.namelist() if n.endswith((".txt", ".tsv")) and "readme" not in n.lower()]
                if len(names) != 1:
                    listed = ", ".join(names) or "none"
                    raise _fail(f"the zip holds {len(names)} dump files ({listed}); expected one", shown)
                shown = f"{path}!{names[0]}"
                data = archive.read(names[0])
        except zipfile.BadZipFile:
            raise _fail("not a readable zip file", shown) from None
    else:
        data = raw
    if b"\x00" in data[:4096]:
        raise _fail("a binary file, not a tab-separated GeoNames dump", shown)
    try:
        return shown, data.decode("utf-8"), raw
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise _fail(f"not UTF-8 text (byte {exc.start})", shown, line) from None


def _number(value: str, kind: type, what: str, shown: str, line: int) -> float:
    try:
        return kind(value)  # type: ignore[no-any-return]
    except ValueError:
        raise _fail(f"column {what} is {value!r}, not a number", shown, line) from None


def parse_dump(shown: str, text: str) -> Iterator[tuple[str, ...]]:
    """The ``place`` rows of a dump, checked line by line (an :class:`InputError` names the line)."""
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        cols = line.split("\t")
        if len(cols) != COLUMNS:
            raise _fail(f"{len(cols)} tab-separated columns, expected {COLUMNS}", shown, number)
        gid, name, ascii_, alternates, lat, lon, fclass, fcode, country, _cc2, admin1 = cols[:11]
        if not gid.isdigit():
            raise _fail(f"geonameid {gid!r} is not a number", shown, number)
        la = _number(lat, float, "latitude", shown, number)
        lo = _number(lon, float, "longitude", shown, number)
        if not (-90 <= la <= 90 and -180 <= lo <= 180):
            raise _fail(f"coordinates {lat}, {lon} are outside -90…90, -180…180", shown, number)
        population = int(_number(cols[14], int, "population", shown, number)) if cols[14] else 0
        if not name.strip():
            raise _fail("the name column is empty", shown, number)
        yield (gid, name, ascii_, alternates, la, lo, fclass, fcode, country, admin1, population)  # type: ignore[misc]


def import_dumps(paths: Sequence[Path], target: Path, *, add: bool = False) -> ImportReport:
    """Read GeoNames dumps into a new index at ``target``, replacing it atomically.

    With ``add``, the rows of the index already there are kept (a later row of the same
    geonameid wins). Nothing is changed unless every file reads cleanly.
    """
    if not paths:
        raise InputError("no dump file given", hint="e.g. kg gazetteer import SY.txt")
    target.parent.mkdir(parents=True, exist_ok=True)
    fresh = target.with_name(f".{target.name}.{os.getpid()}.new")
    fresh.unlink(missing_ok=True)
    try:
        report = _write_index(paths, target, fresh, add)
        os.replace(fresh, target)
    finally:
        fresh.unlink(missing_ok=True)
    return report


def _write_index(paths: Sequence[Path], target: Path, fresh: Path, add: bool) -> ImportReport:
    db = sqlite3.connect(fresh)
    try:
        db.executescript(_SCHEMA)
        sources: list[str] = []
        if add and target.exists():
            db.execute("ATTACH DATABASE ? AS old", (f"file:{target}?mode=ro",))
            db.execute("INSERT INTO place SELECT * FROM old.place")
            sources += [r[0] for r in db.execute("SELECT value FROM old.meta WHERE name = 'files'")]
            db.commit()
            db.execute("DETACH DATABASE old")
        for path in paths:
            shown, text, raw = _text_of(path)
            rows = list(parse_dump(shown, text))
            if not rows:
                raise _fail("no GeoNames rows in the file", shown)
            db.executemany("INSERT OR REPLACE INTO place VALUES (?,?,?,?,?,?,?,?,?,?,?)", rows)
            sources.append(f"{path.name} sha256:{hashlib.sha256(raw).hexdigest()[:12]}")
        keys = [
            (key, country, gid)
            for gid, name, ascii_, alternates, country in db.execute(
                "SELECT geonameid, name, asciiname, alternatenames, country FROM place"
            )
            for key in {k for n in {name, ascii_, *alternates.split(",")} if n for k in name_keys(n)}
        ]
        db.executemany("INSERT INTO key VALUES (?,?,?)", keys)
        db.executescript(_INDEXES)
        places = db.execute("SELECT count(*) FROM place").fetchone()[0]
        day = datetime.now(UTC).date().isoformat()
        version = f"GeoNames {'; '.join(sources)} (imported {day}, {places} places)"
        db.executemany("INSERT INTO meta VALUES (?,?)", [("version", version), ("files", "; ".join(sources))])
        db.commit()
    finally:
        db.close()
    return ImportReport(str(target), tuple(str(p) for p in paths), places, len(keys), version)


class GeonamesIndex(KeyedSource):
    """The imported GeoNames index (``KG_GAZETTEER``), opened read-only."""

    name = "geonames"

    def __init__(self, path: Path):
        if not path.is_file():
            raise ConfigError(
                f"no imported gazetteer at {path}",
                hint="run 'kg gazetteer import SY.txt' (a GeoNames dump) or set KG_GAZETTEER; "
                "'kg link --source bundled' needs no import",
            )
        self.path = path
        try:
            self.db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
            meta = dict(self.db.execute("SELECT name, value FROM meta").fetchall())
        except sqlite3.DatabaseError as exc:
            raise ConfigError(
                f"{path} is not a kg gazetteer index ({exc})", hint="import it again with 'kg gazetteer import'"
            ) from None
        self.version = meta.get("version", "")
        self._fold_keys: dict[str | None, list[str]] = {}

    def close(self) -> None:
        self.db.close()

    def _rows(self, where: str, args: Sequence[object]) -> list[Candidate]:
        query = (
            "SELECT geonameid, name, asciiname, alternatenames, lat, lon, fclass, fcode, country, admin1, population "
            f"FROM place WHERE {where}"
        )
        return [self._candidate(row) for row in self.db.execute(query, args)]

    def _candidate(self, row: tuple) -> Candidate:  # type: ignore[type-arg]
        gid, name, ascii_, alternates, lat, lon, fclass, fcode, country, admin1, population = row
        others = [n for n in (ascii_, *alternates.split(",")) if n and n != name]
        return Candidate(
            source="geonames",
            id=gid,
            uri=GEONAMES_URI.format(gid),
            name=name,
            alternate_names=tuple(dict.fromkeys(others)),
            lat=lat,
            lon=lon,
            country=country or None,
            admin1=f"{country}.{admin1}" if admin1 else None,
            feature_class=fclass or None,
            feature_code=fcode or None,
            population=population,
            version=self.version,
        )

    def rows_for_keys(self, keys: set[str], country: str | None) -> list[Candidate]:
        if not keys:
            return []
        marks = ",".join("?" * len(keys))
        ids = f"SELECT geonameid FROM key WHERE key IN ({marks})" + (" AND country = ?" if country else "")
        return self._rows(f"geonameid IN ({ids})", [*keys, *([country] if country else [])])

    def fold_keys(self, country: str | None) -> Sequence[str]:
        if country not in self._fold_keys:
            query = "SELECT DISTINCT key FROM key WHERE key NOT LIKE '~%'" + (" AND country = ?" if country else "")
            self._fold_keys[country] = [r[0] for r in self.db.execute(query, [country] if country else [])]
        return self._fold_keys[country]

    def get(self, id: str) -> Candidate | None:
        rows = self._rows("geonameid = ?", [id])
        return rows[0] if rows else None

    @cached_property
    def countries(self) -> frozenset[str]:
        return frozenset(r[0] for r in self.db.execute("SELECT DISTINCT country FROM place"))
