"""Spellings of one place fold to one key; spellings of different places do not."""

from __future__ import annotations

import pytest

from kg.names import compare, fold, similarity, skeleton

# Each row: spellings the seed articles use, then the GeoNames spelling of the same place.
SAME_PLACE = [
    ("al-Qaryatayn", "Qaryatayn", "Al-Qaryatain", "Al Qaryatayn"),
    ("al-Dumayr", "Dumeir", "Aḑ Ḑumayr"),
    ("ar-Ruhaybah", "Ruhaibeh", "Ar Ruḩaybah"),
    ("al-Nabak", "an-Nabk", "An Nabk"),
    ("Mheen", "Mahin", "Mahīn"),
    ("Deir ez-Zor", "Dayr az Zawr", "Deir ez Zor"),
    ("Raqqa", "ar-Raqqah", "Ar Raqqah"),
    ("Sheikh Miskin", "Shaykh Miskin", "Ash Shaykh Miskīn"),
]


@pytest.mark.parametrize("spellings", SAME_PLACE, ids=[row[0] for row in SAME_PLACE])
def test_spellings_of_one_place_score_at_least_0_9(spellings: tuple[str, ...]) -> None:
    first = spellings[0]
    for other in spellings[1:]:
        assert similarity(first, other) >= 0.9, (first, other, fold(first), fold(other))


def test_the_article_diacritics_and_marks_disappear_from_the_key() -> None:
    assert fold("Aḑ Ḑumayr") == fold("al-Dumeir") == "dumer"
    assert fold("Deir ez-Zor") == fold("Dayr az Zawr") == "der zur"
    assert fold("Ma‘arrat al-Nu‘man") == fold("Maarrat an Numan")


def test_the_skeleton_keeps_the_consonants() -> None:
    assert skeleton("Mheen") == skeleton("Mahīn") == "mhn"


def test_a_name_that_is_only_an_article_is_kept() -> None:
    assert fold("As") == "as"


@pytest.mark.parametrize(
    ("a", "b"),
    [("Homs", "Hama"), ("Palmyra", "Tadmur"), ("al-Qaryatayn", "al-Quneitra"), ("Damascus", "Daraa")],
)
def test_different_places_score_low(a: str, b: str) -> None:
    assert similarity(a, b) < 0.8


def test_compare_says_why() -> None:
    match = compare("Mheen", "Mahin")
    assert (match.same_key, match.same_skeleton, match.score) == (False, True, 0.9)
    assert match.features()["same_skeleton"] is True
    assert compare("", "Homs").score == 0.0
