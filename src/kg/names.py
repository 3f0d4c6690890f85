"""Place names across transliterations: one folding of Arabic-to-Latin spellings, and a score.

The articles write al-Qaryatayn, Qaryatayn and Al-Qaryatain; GeoNames writes Al Qaryatayn.
``fold`` maps each spelling to a key where the usual differences disappear:

- diacritics and the marks for ʿayn and hamza (ḑ → d, ā → a; ‘ ’ ʿ ʾ ' dropped);
- the article al-/el- and its assimilated forms (ad-, ar-, as-, ash-, at-, az-, an-, …),
  wherever it stands ("Deir ez-Zor" and "Dayr az Zawr" both lose it);
- hyphens, spaces and punctuation;
- vowel spellings of one sound: ay/ai/ei/ey → e, aw/au/ou/oo/ow/o → u, ee/ie → i;
- q/k/g/c → k, kh/gh → k, dh/th → d/t, sh → s, ph → f, w after a vowel, doubled letters;
- the final -h or -e of a feminine ending (Raqqah / Raqqa, Ruhaibeh / Ruhaybah).

``skeleton`` keeps only the consonants of the folded key: Mheen and Mahin are both ``mhn``.
``similarity`` scores two spellings in [0, 1]; ``compare`` also says why.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz.distance import Levenshtein

# The Arabic definite article as Latin transliterations write it, assimilated or not.
ARTICLES = frozenset({"al", "el", "il", "ul", "ad", "ar", "as", "at", "az", "an", "ash", "ath", "adh"}) | frozenset(
    {"ed", "er", "es", "et", "ez", "en", "esh", "eth", "edh"}
)
_MARKS = "'’‘`´ʿʾʼʻ\u02bf\u02be"
_SEPARATORS = re.compile(r"[\s\-_.,/()]+")
# Ordered: longer spellings before the shorter ones they contain.
_SOUNDS = (
    ("kh", "k"),
    ("gh", "k"),
    ("dh", "d"),
    ("th", "t"),
    ("sh", "s"),
    ("ph", "f"),
    ("ch", "s"),
    ("q", "k"),
    ("g", "k"),
    ("c", "k"),
    ("ay", "e"),
    ("ai", "e"),
    ("ei", "e"),
    ("ey", "e"),
    ("aw", "u"),
    ("au", "u"),
    ("ou", "u"),
    ("oo", "u"),
    ("ow", "u"),
    ("ee", "i"),
    ("ie", "i"),
    ("o", "u"),
)
_SOUND = re.compile("|".join(re.escape(spelling) for spelling, _ in _SOUNDS))
_SOUND_OF = dict(_SOUNDS)
_DOUBLED = re.compile(r"(.)\1+")
_VOWELS = re.compile(r"[aeiou]")


def plain(name: str) -> str:
    """The name without diacritics or the marks for ʿayn and hamza, case kept: Aḑ Ḑumayr → Ad Dumayr."""
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(c for c in decomposed if not unicodedata.combining(c) and c not in _MARKS)


def words(name: str) -> list[str]:
    """The name's words, without diacritics, marks, case or the article."""
    tokens = [t for t in _SEPARATORS.split(plain(name).casefold()) if t]
    # "al" glued to a word without a hyphen (Alqaryatayn) is left alone: too many names begin with Al.
    kept = [t for t in tokens if t not in ARTICLES]
    return kept or tokens


def _fold_word(word: str) -> str:
    word = _SOUND.sub(lambda m: _SOUND_OF[m.group(0)], word)
    word = _DOUBLED.sub(r"\1", word)
    if len(word) > 3 and word[-1] == "h" and word[-2] in "aeiu":
        word = word[:-1]  # feminine ending: Raqqah → Raqqa
    if len(word) > 3 and word[-1] == "e" and word[-2] not in "aeiou":
        word = word[:-1] + "a"  # Ruhaibeh → Ruhaiba, like Ruhaybah → Ruhayba
    return word


@lru_cache(maxsize=65536)
def fold(name: str) -> str:
    """The comparison key of a spelling: ``fold("Aḑ Ḑumayr") == fold("al-Dumeir") == "dumer"``."""
    return " ".join(_fold_word(w) for w in words(name))


@lru_cache(maxsize=65536)
def skeleton(name: str) -> str:
    """The consonants of the folded key, without spaces: ``skeleton("Mheen") == "mhn"``."""
    return _VOWELS.sub("", fold(name)).replace(" ", "")


@dataclass(frozen=True)
class Match:
    """How two spellings compare, and why."""

    score: float  # 0 … 1
    folded: float  # normalised edit similarity of the folded keys
    same_key: bool  # the folded keys are equal
    same_skeleton: bool  # the consonant skeletons are equal (and long enough to mean something)

    def features(self) -> dict[str, float | bool]:
        return {
            "name": round(self.score, 3),
            "folded": round(self.folded, 3),
            "same_key": self.same_key,
            "same_skeleton": self.same_skeleton,
        }


def compare(a: str, b: str) -> Match:
    """Score spelling ``a`` against spelling ``b``.

    Equal folded keys score 1.0. Otherwise the score is the normalised Levenshtein
    similarity of the keys (spaces ignored, so "Deir ez-Zor" meets "Deirezzor"), raised to
    0.9 when the consonant skeletons agree and have at least three letters.
    """
    fa, fb = fold(a), fold(b)
    if not fa or not fb:
        return Match(0.0, 0.0, False, False)
    if fa == fb:
        return Match(1.0, 1.0, True, True)
    folded = Levenshtein.normalized_similarity(fa.replace(" ", ""), fb.replace(" ", ""))
    sa, sb = skeleton(a), skeleton(b)
    same_skeleton = sa == sb and len(sa) >= 3
    score = max(folded, 0.9) if same_skeleton else folded
    return Match(score, folded, False, same_skeleton)


def similarity(a: str, b: str) -> float:
    """``compare(a, b).score``."""
    return compare(a, b).score


def best(name: str, spellings: list[str] | tuple[str, ...]) -> tuple[float, str | None]:
    """The best score of ``name`` against several spellings, and the spelling that gave it."""
    top, which = 0.0, None
    for spelling in spellings:
        score = similarity(name, spelling)
        if score > top:
            top, which = score, spelling
            if score == 1.0:
                break
    return top, which


# The thresholds reconciliation and the parameter resolver both decide a match by.
MIN_SCORE = 0.5  # below this a name is not a candidate at all
MATCH_SCORE = 0.9  # a match needs at least this similarity …
MATCH_MARGIN = 0.1  # … and a lead of this much over the next candidate


def ranked(name: str, spellings: dict[str, tuple[str, ...]]) -> list[tuple[float, str]]:
    """Each key of ``spellings`` whose spellings score at least :data:`MIN_SCORE` against
    ``name``, as ``(score, key)``, best first (ties by key)."""
    scored = [(best(name, names)[0], key) for key, names in spellings.items()]
    return sorted(((s, k) for s, k in scored if s >= MIN_SCORE), key=lambda sk: (-sk[0], sk[1]))


def is_match(scores: list[float]) -> bool:
    """Whether the first of these scores (best first) is a match: high enough, and clear of the next."""
    return bool(scores) and scores[0] >= MATCH_SCORE and (len(scores) == 1 or scores[1] <= scores[0] - MATCH_MARGIN)
