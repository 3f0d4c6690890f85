"""Mentions of known entities found in a text: every spelling kg knows, folded as kg folds names.

Pure: it takes the spellings (:class:`Spelling`) and the text. The text is cut into words; at each
word the longest run of up to :data:`LONGEST` words whose :func:`kg.names.fold` is a known
spelling's is a mention, so "al-Qaryatayn", "Qaryatain" and "Al Qaryatayn" all meet. Three checks
keep folding from finding what is not there:

- a short or capital-letter spelling ("IS", "FSA") must match its case exactly;
- a proper name (capitalised wherever kg has seen it) must be capitalised in the text too;
- a word glued to another by a hyphen ("pro-regime") is not a mention of its second half.

A key several entities share is ambiguous: the mention names the likeliest and lists them all.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from kg import names

LONGEST = 6  # words in the longest spelling looked for
_WORD = re.compile(r"[^\W_]+(?:['’ʿʾ](?!s\b)[^\W_]+)*", re.UNICODE)  # "Syria’s" is "Syria" and a possessive
# Articles that are also English words: "Homs as", "as Assad’s army" are not names.
_ENGLISH = frozenset({"as", "at", "an", "ad", "ar", "ed", "en", "er", "es", "et", "il"})
_JOINERS = frozenset({" ", "-", "‑"})


@dataclass(frozen=True)
class Spelling:
    """One name an entity goes by, and where kg has it from."""

    entity: str  # the entity's id
    kind: str  # place | asset | actor
    name: str
    source: str  # label | altLabel | mention | gazetteer
    uses: int = 0  # how many mentions of the articles use it


@dataclass(frozen=True)
class Found:
    """One mention in the text: its span, the entity it names and the others it could."""

    start: int
    end: int
    quote: str
    entity: str
    kind: str
    candidates: tuple[str, ...]  # every entity the spelling could name, the chosen one first
    known_as: str  # the known spelling it matched


class NameIndex:
    """Known spellings by folded key, ready to scan texts with."""

    def __init__(self, spellings: Iterable[Spelling]):
        self._by_key: dict[str, list[Spelling]] = {}
        for spelling in spellings:
            key = names.fold(spelling.name)
            if key:
                self._by_key.setdefault(key, []).append(spelling)
        self.size = sum(len(v) for v in self._by_key.values())

    def scan(self, text: str) -> list[Found]:
        """Every mention in the text, left to right, longest first, none overlapping."""
        words = [(m.start(), m.end()) for m in _WORD.finditer(text)]
        found: list[Found] = []
        i = 0
        while i < len(words):
            hit = None if _glued_before(text, words[i][0]) else self._longest(text, words, i)
            if hit is None:
                i += 1
                continue
            found.append(hit[0])
            i = hit[1]
        return found

    def _longest(self, text: str, words: Sequence[tuple[int, int]], i: int) -> tuple[Found, int] | None:
        last = i
        while last + 1 < len(words) and last - i + 1 < LONGEST and _joined(text, words[last][1], words[last + 1][0]):
            last += 1
        if _free_article(text, words[i]):
            return None
        for j in range(last, i - 1, -1):
            start, end = words[i][0], words[j][1]
            if _glued_after(text, end) or (j > i and text[words[j][0] : end].casefold() in names.ARTICLES):
                continue
            found = self._match(text[start:end], start, end)
            if found is not None:
                return found, j + 1
        return None

    def _match(self, quote: str, start: int, end: int) -> Found | None:
        known = [s for s in self._by_key.get(names.fold(quote), ()) if _case_fits(quote, s.name)]
        if not known:
            return None
        entities = _ranked(quote, known)
        best = next(s for s in known if s.entity == entities[0])
        return Found(start, end, quote, best.entity, best.kind, tuple(entities), best.name)


def _ranked(quote: str, known: Sequence[Spelling]) -> list[str]:
    """The entities a spelling could name: the exact spelling first, then the one the articles
    used most often for it, then labels before alternate labels before gazetteer names."""
    weight = {"label": 0, "altLabel": 1, "mention": 2, "gazetteer": 3}
    uses: dict[str, int] = {}
    for s in known:
        uses[s.entity] = uses.get(s.entity, 0) + s.uses

    def rank(s: Spelling) -> tuple[int, int, int]:
        return (0 if s.name == quote else 1, -uses[s.entity], weight.get(s.source, 4))

    order: list[str] = []
    for spelling in sorted(known, key=rank):
        if spelling.entity not in order:
            order.append(spelling.entity)
    return order


def _case_fits(quote: str, name: str) -> bool:
    if len(names.plain(name)) <= 3 or (name.isupper() and len(name) <= 6):
        return names.plain(quote) == names.plain(name)
    head_q, head_n = _head(quote), _head(name)
    return not (head_n[:1].isupper() and head_q[:1].islower())


def _head(name: str) -> str:
    """The first word that is not the article: the one whose capital says "a proper name"."""
    for word in _WORD.findall(names.plain(name)):
        if word.casefold() not in names.ARTICLES:
            return word
    return name


def _free_article(text: str, word: tuple[int, int]) -> bool:
    """An English word that folding would take for the article ("as", "at") cannot begin a name
    unless a hyphen binds it to the next word, as in "as-Sukhna"."""
    start, end = word
    return text[start:end].casefold() in _ENGLISH and not (end < len(text) and text[end] in "-‑")


def _joined(text: str, end: int, start: int) -> bool:
    """Two words are one name's if only a space or a hyphen stands between them."""
    gap = text[end:start]
    return 0 < len(gap) <= 1 and gap in _JOINERS


def _glued_before(text: str, start: int) -> bool:
    """A word after a hyphen is the tail of a compound ("pro-regime"), unless the head is an article."""
    if start < 2 or text[start - 1] not in "-‑" or not text[start - 2].isalnum():
        return False
    head = _WORD.findall(text[max(0, start - 8) : start - 1])
    return not head or head[-1].casefold() not in names.ARTICLES


def _glued_after(text: str, end: int) -> bool:
    return end + 1 < len(text) and text[end] in "-‑" and text[end + 1].isalnum()
