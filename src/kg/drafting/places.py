"""New places: capitalised names in the text that the graph does not know and the gazetteer does.

Each run of capitalised words (with a leading article, "al-Jibba", "Tal Kalakh") that no known
mention covers is looked up in the gazetteer kg links with (the imported GeoNames index, else the
bundled data), in Syria and its neighbours only (:data:`COUNTRIES`). A name is proposed when a
row's name folds to exactly its key, and when it stands inside a sentence at least once (any
word has a capital at the start of one: "During", "Also"); the
proposal lists the rows with their scores, best first, for the annotator to pick.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from kg import names
from kg.drafting.mentions import Found
from kg.gazetteer import Candidate, Source

COUNTRIES = ("SY", "LB", "IQ", "JO", "TR")
MOST = 60  # names looked up in one article
_NAME = re.compile(r"\b(?:(?:al|el|an|ar|as|ash|at|ad|az)[-‑ ])?[A-Z][\w’']+(?:[-‑ ](?:al[-‑])?[A-Z][\w’']+){0,3}")
_KINDS = {"P": "Settlement", "T": "Terrain", "A": "AdministrativeUnit", "L": "Region", "H": "Terrain"}


@dataclass(frozen=True)
class NewPlace:
    """A name the gazetteer knows and the graph does not, where it stands and the rows it could be."""

    id: str
    label: str
    type: str
    spans: tuple[tuple[int, int], ...]
    candidates: tuple[dict[str, Any], ...]

    def found(self) -> list[Found]:
        """Its mentions, as the known entities' are found."""
        return [Found(a, b, self.label, self.id, "place", (self.id,), self.label) for a, b in self.spans]


def propose(text: str, found: Sequence[Found], source: Source | None, known_ids: set[str]) -> list[NewPlace]:
    """The new places of a text, in order of first mention."""
    if source is None:
        return []
    taken = [(f.start, f.end) for f in found]
    spans: dict[str, list[tuple[int, int]]] = {}
    for match in _NAME.finditer(text):
        start, end = match.span()
        if any(a < end and start < b for a, b in taken) or len(match.group(0)) < 4:
            continue
        spans.setdefault(match.group(0), []).append((start, end))
    inside = {name: where for name, where in spans.items() if any(not _opens_sentence(text, a) for a, _ in where)}
    out: list[NewPlace] = []
    for name, where in list(inside.items())[:MOST]:
        rows = _rows(source, name)
        slug = _slug(name)
        if rows and slug not in known_ids and all(p.id != slug for p in out):
            kind = _KINDS.get(rows[0][1].feature_class or "", "Settlement")
            out.append(NewPlace(slug, name, kind, tuple(where), tuple(_row(c, s) for s, c in rows)))
    return out


def _rows(source: Source, name: str) -> list[tuple[float, Candidate]]:
    rows = []
    for country in COUNTRIES:
        for candidate in source.candidates([name], country=country, limit=5):
            score = names.best(name, list(candidate.names))[0]
            if score == 1.0:  # the same folded name: a near spelling of a word is not a place
                rows.append((score, candidate))
    return sorted(rows, key=lambda sc: (-sc[0], sc[1].country != "SY", -(sc[1].population or 0)))[:5]


def _opens_sentence(text: str, start: int) -> bool:
    """Whether a word begins a sentence or a line, where any word has a capital ("During", "Also")."""
    before = text[max(0, start - 3) : start].rstrip(" \t\u00a0“\"'")
    return not before or before[-1] in ".!?:\n"


def _row(candidate: Candidate, score: float) -> dict[str, Any]:
    row: dict[str, Any] = {"source": candidate.source, "id": candidate.id, "name": candidate.name}
    row["score"] = round(score, 3)
    if candidate.lat is not None and candidate.lon is not None:
        row |= {"lat": candidate.lat, "lon": candidate.lon}
    if candidate.country:
        row["country"] = candidate.country
    if candidate.feature_code:
        row["featureCode"] = candidate.feature_code
    return row


def _slug(name: str) -> str:
    return "-".join(re.findall(r"[a-z0-9]+", names.plain(name).casefold()))[:80] or "place"
