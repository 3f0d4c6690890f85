"""Scoring a gazetteer candidate against a place of the graph: the name, then the context.

The score starts from the best :func:`kg.names.compare` of any spelling of the place (its
label, alternate labels and the words of its mentions, each also without a generic word such
as *province* or *refugee camp*) against any name of the candidate, and is then moved by
what else is known:

==========  ===========================================================  ===================
feature     what it compares                                             effect
==========  ===========================================================  ===================
kind        the place's class against the GeoNames feature class/code    fit 0, partial −0.05,
            (a Settlement is P, Terrain T/H/V, a camp or base S, …)      unknown −0.05, else −0.5
country     the countries its ``locatedIn`` chain reaches                 match 0, unknown −0.05,
                                                                         mismatch −0.5
admin1      the governorate its chain reaches (GeoNames admin1 code)     match +0.05, mismatch −0.3
near_km     distance to the places it is said to be ``near``              ≤ 30 km +0.05, > 75 km −0.2
context_km  distance to places mentioned in the same articles           ≤ 100 km +0.03
==========  ===========================================================  ===================

Each :class:`Scored` keeps these features in a dict, so a reviewer sees why a link was made.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from kg.gazetteer import Candidate
from kg.geo import distance_km
from kg.names import compare

# Which GeoNames feature classes fit each kind of place: (fit, partial fit); anything else is a mismatch.
KIND_FIT: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "Settlement": (frozenset("P"), frozenset()),
    "AdministrativeUnit": (frozenset("A"), frozenset()),
    "Country": (frozenset("A"), frozenset()),
    "Region": (frozenset("LT"), frozenset()),
    "Terrain": (frozenset("THV"), frozenset()),
    "Highway": (frozenset("R"), frozenset()),
    "Road": (frozenset("R"), frozenset()),
    "Pipeline": (frozenset("R"), frozenset("S")),
    "GasField": (frozenset("L"), frozenset("S")),
    "OilField": (frozenset("L"), frozenset("S")),
    "PowerPlant": (frozenset("S"), frozenset()),
    "MilitaryBase": (frozenset("S"), frozenset("L")),
    "Depot": (frozenset("S"), frozenset()),
    "RefugeeCamp": (frozenset("S"), frozenset("P")),  # a camp can be a populated place (Rukban)
    "IndustrialZone": (frozenset("LS"), frozenset()),
    "BorderCrossing": (frozenset("S"), frozenset()),
    "Checkpoint": (frozenset("S"), frozenset()),
}
# Administrative feature codes that fit: divisions for units, independent states for countries.
CODE_PREFIX = {"AdministrativeUnit": "ADM", "Country": "PCL"}

KIND_EFFECT = {"fit": 0.0, "partial": -0.05, "unknown": -0.05, "mismatch": -0.5}
COUNTRY_EFFECT = {"match": 0.0, "unknown": -0.05, "mismatch": -0.5}
ADMIN1_EFFECT = {"match": 0.05, "unknown": 0.0, "mismatch": -0.3}
NEAR_KM, FAR_KM, CONTEXT_KM = 30.0, 75.0, 100.0

# Words that say what kind of place a name is rather than which: "Homs province" names Homs.
GENERIC = re.compile(
    r"\b(governorate|province|city|town|village|refugee camp|camp|region|mountains?|hill(side)?|district|"
    r"territory|territories)\b",
    re.IGNORECASE,
)
# A country named by its adjective alone, once the generic words are gone: "Lebanese territory".
DEMONYMS = {
    "syrian": "Syria",
    "lebanese": "Lebanon",
    "iraqi": "Iraq",
    "jordanian": "Jordan",
    "turkish": "Turkey",
    "israeli": "Israel",
    "iranian": "Iran",
    "swiss": "Switzerland",
}

Point = tuple[float, float]


def strip_generic(name: str) -> str:
    """The name without words that only say what kind of place it is: *Homs province* → *Homs*,
    *Lebanese territory* → *Lebanon*."""
    stripped = re.sub(r"\s+", " ", GENERIC.sub(" ", name)).strip(" -,")
    return DEMONYMS.get(stripped.casefold(), stripped)


@dataclass(frozen=True)
class Context:
    """What the graph knows about one place, for scoring candidates against it."""

    entity: str
    type: str  # the ontology class: Settlement, Terrain, RefugeeCamp, …
    spellings: tuple[str, ...]
    countries: frozenset[str] = frozenset()  # ISO codes its locatedIn chain reaches
    countries_known: bool = True  # False: countries are the graph's, not the place's own
    admin1: frozenset[str] = frozenset()  # GeoNames admin1 codes ("SY.11") its chain reaches
    near: tuple[Point, ...] = ()  # coordinates of the places it is said to be near
    nearby: tuple[Point, ...] = ()  # coordinates of the places mentioned with it

    @property
    def variants(self) -> tuple[str, ...]:
        """The spellings, and each without its generic words."""
        stripped = (strip_generic(s) for s in self.spellings)
        return tuple(dict.fromkeys([*self.spellings, *(s for s in stripped if s)]))


@dataclass(frozen=True)
class Scored:
    """A candidate with its score and the features behind it."""

    candidate: Candidate
    score: float
    features: dict[str, Any] = field(default_factory=dict)


def km(a: Point, b: Point) -> float:
    """Great-circle distance in kilometres between two (latitude, longitude) points."""
    return distance_km(a[1], a[0], b[1], b[0])


# A Wikidata item has no feature class: its instance-of labels suggest one.
KIND_WORDS = (
    ("P", ("city", "town", "village", "settlement", "human settlement", "capital")),
    ("A", ("governorate", "province", "administrative", "district", "country", "sovereign state")),
    ("S", ("camp", "base", "airbase", "power station", "power plant", "depot", "checkpoint", "border crossing")),
    ("L", ("gas field", "oil field", "region", "industrial")),
    ("T", ("mountain", "hill", "valley", "wadi", "desert", "plateau")),
    ("H", ("river", "lake", "spring")),
    ("R", ("highway", "road", "pipeline")),
)


def feature_class(candidate: Candidate) -> str | None:
    """The candidate's GeoNames feature class, or one its kinds (Wikidata instance-of labels) suggest."""
    if candidate.feature_class or not candidate.kinds:
        return candidate.feature_class
    kinds = " ".join(candidate.kinds).casefold()
    return next((cls for cls, words in KIND_WORDS if any(w in kinds for w in words)), None)


def kind_fit(kind: str, candidate: Candidate) -> str:
    """fit / partial / mismatch / unknown: does the candidate's feature class suit the place's class?"""
    cls = feature_class(candidate)
    if cls is None or kind not in KIND_FIT:
        return "unknown"
    fit, partial = KIND_FIT[kind]
    prefix = CODE_PREFIX.get(kind)
    if cls in fit:
        if prefix and candidate.feature_code and not candidate.feature_code.startswith(prefix):
            return "mismatch"
        return "fit"
    return "partial" if cls in partial else "mismatch"


def _nearest(points: Sequence[Point], candidate: Candidate) -> float | None:
    if candidate.lat is None or candidate.lon is None or not points:
        return None
    return round(min(km((candidate.lat, candidate.lon), p) for p in points), 1)


def score(context: Context, candidate: Candidate) -> Scored:
    """The candidate's score for this place, in [0, 1], with the features that made it."""
    name, spelling, matched = 0.0, "", ""
    for variant in context.variants:
        for other in candidate.names:
            s = compare(variant, other).score
            if s > name:
                name, spelling, matched = s, variant, other
    kind = kind_fit(context.type, candidate)
    if not context.countries or not candidate.country:
        country = "unknown"
    elif candidate.country not in context.countries:
        country = "mismatch"
    else:
        country = "match" if context.countries_known else "unknown"
    admin1 = "unknown"
    if context.admin1 and candidate.admin1 and "." in candidate.admin1:  # GeoNames codes only, not Wikidata items
        admin1 = "match" if candidate.admin1 in context.admin1 else "mismatch"
    near_km, context_km = _nearest(context.near, candidate), _nearest(context.nearby, candidate)
    total = name + KIND_EFFECT[kind] + COUNTRY_EFFECT[country] + ADMIN1_EFFECT[admin1]
    if near_km is not None:
        total += 0.05 if near_km <= NEAR_KM else (-0.2 if near_km > FAR_KM else 0.0)
    if context_km is not None and context_km <= CONTEXT_KM:
        total += 0.03
    features: dict[str, Any] = {
        "name": round(name, 3),
        "spelling": spelling,
        "matched": matched,
        "kind": f"{kind} ({context.type} ~ {feature_class(candidate) or '?'}.{candidate.feature_code or '?'})",
        "country": f"{country} ({candidate.country or '?'})",
        "admin1": f"{admin1} ({candidate.admin1 or '?'})",
    }
    if near_km is not None:
        features["near_km"] = near_km
    if context_km is not None:
        features["context_km"] = context_km
    return Scored(candidate, round(max(0.0, min(1.0, total)), 3), features)


def rank(context: Context, candidates: Sequence[Candidate]) -> list[Scored]:
    """Candidates scored and sorted best first (ties: larger population, then identifier)."""
    scored = {c.id: score(context, c) for c in candidates}.values()
    return sorted(scored, key=lambda s: (-s.score, -(s.candidate.population or 0), s.candidate.id))
