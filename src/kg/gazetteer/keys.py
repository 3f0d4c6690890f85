"""How gazetteer rows are found by name: lookup keys, candidate retrieval, and ranking.

Every name and alternate name of a row is indexed under two keys, its :func:`kg.names.fold`
key and (prefixed with ``~``) its consonant :func:`kg.names.skeleton`, so that *Qaryatain*,
*Al Qaryatayn* and *al-Qaryatayn* meet in one lookup. When no key of any spelling hits, a
fuzzy pass (rapidfuzz over the folded keys of the country) finds near misses such as typos.

:class:`KeyedSource` implements :meth:`~kg.gazetteer.Source.candidates` once over two lookups
a concrete source provides: rows by keys, and the folded keys of a country.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from rapidfuzz import fuzz, process

from kg.gazetteer import Candidate
from kg.names import best, fold, skeleton

_LATIN = re.compile(r"[a-z]")
FUZZY_CUTOFF = 80  # rapidfuzz ratio (0-100) a folded key must reach to be a fuzzy hit
SKELETON_MIN = 3  # shorter consonant skeletons ("ht" for Hit) match too much to be keys


def name_keys(name: str) -> set[str]:
    """The lookup keys of one name: its folded key and ``~`` + its skeleton (Latin script only)."""
    key = fold(name)
    if not _LATIN.search(key):
        return set()  # Arabic, Cyrillic … script names: the folding is for Latin transliterations
    keys = {key}
    bones = skeleton(name)
    if len(bones) >= SKELETON_MIN:
        keys.add(f"~{bones}")
    return keys


def spelling_keys(spellings: Iterable[str]) -> set[str]:
    return {key for spelling in spellings for key in name_keys(spelling)}


def ranked(found: Iterable[Candidate], spellings: Sequence[str], limit: int) -> list[Candidate]:
    """Candidates by how well their best name matches a spelling, then by population."""
    unique = {c.id: c for c in found}.values()

    def order(c: Candidate) -> tuple[float, int, str]:
        top = max((best(s, c.names)[0] for s in spellings), default=0.0)
        return (-top, -(c.population or 0), c.id)

    return sorted(unique, key=order)[:limit]


class KeyedSource:
    """A gazetteer searched by name keys, with a fuzzy fallback; subclasses give the lookups."""

    name: str = "geonames"
    version: str = ""

    def rows_for_keys(self, keys: set[str], country: str | None) -> list[Candidate]:
        raise NotImplementedError

    def fold_keys(self, country: str | None) -> Sequence[str]:
        raise NotImplementedError

    def candidates(self, spellings: Sequence[str], *, country: str | None = None, limit: int = 25) -> list[Candidate]:
        """Rows any spelling names by key; if none, rows whose folded key is close to one."""
        spellings = [s for s in spellings if s.strip()]
        found = self.rows_for_keys(spelling_keys(spellings), country)
        if not found:
            found = self.rows_for_keys(self.fuzzy_keys(spellings, country, limit), country)
        return ranked(found, spellings, limit)

    def fuzzy_keys(self, spellings: Sequence[str], country: str | None, limit: int) -> set[str]:
        choices = self.fold_keys(country)
        keys: set[str] = set()
        for spelling in spellings:
            key = fold(spelling)
            if len(key) < 4:
                continue  # three letters are too few to guess from
            hits = process.extract(key, choices, scorer=fuzz.ratio, limit=limit, score_cutoff=FUZZY_CUTOFF)
            keys.update(hit[0] for hit in hits)
        return keys
