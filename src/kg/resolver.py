"""One way to read the name of a place or an actor, for every entrance (``kg query``, web
forms, the JSON API): what a ``place``, ``actor`` or ``entity`` parameter of a saved query means.

1. an IRI is taken as it is; an id (``al-qaryatayn``) is the entity of that id;
2. a label or alternate label, case-insensitively, is the entity that has it;
3. otherwise every name the entities go by (labels, alternate labels and the spellings the
   articles use) is scored with :mod:`kg.names` — the folding and the thresholds
   reconciliation decides by — so *Qaryatain* reads as al-Qaryatayn. A clear best candidate is
   used, and the answer says what the name was read as (a :class:`Reading`); several close
   ones are an :class:`~kg.errors.AmbiguousName` listing them; none an
   :class:`~kg.errors.UnknownName` with the nearest names ("did you mean …").

Every lookup is a query on the store it is given (in a running kg, with its limits).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from kg import names
from kg.errors import AmbiguousName, Location, ParameterError, UnknownName
from kg.store import RdfTerm, Store
from kg.vocab import KG, KGID

ENTITY_CLASSES = {
    "place": (KG.Place, KG.Infrastructure),
    "actor": (KG.Actor,),
    "entity": (KG.Place, KG.Infrastructure, KG.Actor),
}
KINDS = {"place": ("place", "asset"), "actor": ("actor",), "entity": ("place", "asset", "actor")}
ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
IRI = re.compile(r"^https?://[^\s<>\"{}|\\^`]+$")
SUGGESTIONS = 3

FIND_ENTITY = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT DISTINCT ?entity ?label ?needle WHERE {
  ?entity rdfs:label|skos:prefLabel|skos:altLabel ?name ;
          rdfs:label ?label ;
          a/rdfs:subClassOf* ?class .
  FILTER (LCASE(STR(?name)) = LCASE(STR(?needle)))
  VALUES ?class { %s }
} ORDER BY ?entity
"""

ALL_NAMES = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX oa:   <http://www.w3.org/ns/oa#>
SELECT DISTINCT ?entity ?label ?name WHERE {
  VALUES ?class { %s }
  ?entity a/rdfs:subClassOf* ?class ; rdfs:label ?label .
  { ?entity rdfs:label|skos:prefLabel|skos:altLabel ?name }
  UNION
  { ?mention oa:hasBody ?entity ; oa:hasTarget/oa:hasSelector/oa:exact ?name }
} ORDER BY ?entity ?name
"""


@dataclass(frozen=True)
class Reading:
    """What a name given for a parameter was read as, when it was not an IRI, id or exact name."""

    param: str
    given: str
    iri: str
    label: str
    score: float  # 0 … 1, from kg.names

    @property
    def id(self) -> str:
        return self.iri[len(KGID) :] if self.iri.startswith(str(KGID)) else self.iri

    def __str__(self) -> str:
        return f"{self.param}={self.given!r} read as {self.label} ({self.id})"

    def to_json(self) -> dict[str, Any]:
        return {"param": self.param, "given": self.given, "id": self.id, "iri": self.iri, "label": self.label}


def read(param: str, ptype: str, raw: str, store: Store) -> tuple[RdfTerm, Reading | None]:
    """The entity ``raw`` names for parameter ``param`` of type ``ptype`` (place, actor,
    entity), and how it was read when only folded matching found it."""
    where = Location(field=param)
    if raw.startswith(("http://", "https://")):
        if not IRI.match(raw):
            raise ParameterError(f"{param} must be an http(s) IRI, not {raw!r}", where=where)
        return RdfTerm("uri", raw), None
    if ID.match(raw):
        for kind in KINDS[ptype]:
            iri = f"{KGID}{kind}/{raw}"
            if store.query("ASK { ?s ?p ?o }", {"s": RdfTerm("uri", iri)}).boolean:
                return RdfTerm("uri", iri), None
    classes = " ".join(f"<{c}>" for c in ENTITY_CLASSES[ptype])
    found = store.query(FIND_ENTITY % classes, {"needle": RdfTerm("literal", raw)})
    exact = {row["entity"].value: row["label"].value for row in found.rows}
    if len(exact) == 1:
        return RdfTerm("uri", next(iter(exact))), None
    if exact:
        raise _ambiguous(param, ptype, raw, [(1.0, iri, label) for iri, label in exact.items()])
    return _folded(param, ptype, raw, store, classes)


def _folded(param: str, ptype: str, raw: str, store: Store, classes: str) -> tuple[RdfTerm, Reading]:
    """The entity whose names score best against ``raw``, as reconciliation scores them (names
    beyond the row cap are not compared, which the refusal says)."""
    spellings: dict[str, list[str]] = {}
    labels: dict[str, str] = {}
    every = store.query(ALL_NAMES % classes)
    for row in every.rows:
        iri = row["entity"].value
        labels[iri] = row["label"].value
        spellings.setdefault(iri, []).append(row["name"].value)
    ranked = names.ranked(raw, {iri: tuple(found) for iri, found in spellings.items()})
    if names.is_match([score for score, _ in ranked]):
        score, iri = ranked[0]
        return RdfTerm("uri", iri), Reading(param, raw, iri, labels[iri], round(score, 3))
    close = [(s, iri, labels[iri]) for s, iri in ranked if s >= names.MATCH_SCORE]
    if len(close) > 1:
        raise _ambiguous(param, ptype, raw, close)
    nearest = [(s, iri, labels[iri]) for s, iri in ranked[:SUGGESTIONS]]
    guess = "; did you mean " + " or ".join(_listed(c) for c in nearest) + "?" if nearest else ""
    raise UnknownName(
        f"no {ptype} called {raw!r} in the graph{guess}",
        where=Location(field=param),
        hint="give an IRI, an id (place/al-qaryatayn) or a name the graph knows"
        + ("; only the first names were compared, raise KG_MAX_ROWS to compare them all" if every.truncated else ""),
        suggestions=tuple(iri for _, iri, _ in nearest),
    )


def _listed(candidate: tuple[float, str, str]) -> str:
    _, iri, label = candidate
    ref = iri[len(KGID) :] if iri.startswith(str(KGID)) else iri
    return f"{label} ({ref})"


def _ambiguous(param: str, ptype: str, raw: str, found: list[tuple[float, str, str]]) -> AmbiguousName:
    listing = "; ".join(f"{label} <{iri}> ({_kind(iri)})" for _, iri, label in sorted(found, key=lambda c: c[1]))
    return AmbiguousName(
        f"{raw!r} names {len(found)} {ptype}s: {listing}",
        where=Location(field=param),
        hint="give the id or the IRI of the one you mean",
        candidates=tuple(sorted(iri for _, iri, _ in found)),
    )


def _kind(iri: str) -> str:
    """place, asset or actor: the first step of an id."""
    return iri[len(KGID) :].split("/", 1)[0] if iri.startswith(str(KGID)) else "entity"
