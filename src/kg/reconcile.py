"""Reconciliation: which of the graph's places, assets and actors a name in someone's table means.

The actions behind ``/reconcile`` (the W3C Entity Reconciliation API, version 0.2, which
OpenRefine speaks): :func:`manifest` describes the service, :func:`reconcile` answers a batch of
queries and :func:`entity` gives what a preview shows (suggest is :mod:`kg.reconcile_suggest`).
The web layer only translates HTTP to these calls and back.

Names are scored with :mod:`kg.names` against every name an entity goes by (its label, its
alternate labels and the spellings the articles use: the saved query ``names``), so
*Qaryatain*, *Dumeir* and *Ruhaibeh* find al-Qaryatayn, al-Dumayr and ar-Ruhaybah. A query may
name a type (``Place``, ``Settlement``, ``Actor``…) and properties — ``locatedIn`` (also
``country`` and ``governorate``, which look only at containers of that type), ``partOf``, and
``coordinates`` as ``"lat,lon"``. A candidate's ``score`` is 0–100; ``match`` is true only for
a candidate whose name agrees, whose given properties agree, and that no other candidate comes
close to. A town's name (one without a word such as *governorate* or *province*) ranks the town
above the governorate it lies in when both carry the name, and such a tie is never a match:
*Hims* finds the city Homs first, for a person to confirm, not the Homs governorate.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from kg import names, queries
from kg.config import Settings
from kg.errors import InputError, NotFound, UsageError
from kg.geo import distance_km, wkt_point
from kg.store import QueryResult, Store
from kg.vocab import KG, KGID

ONTOLOGY = str(KG._NS)
IDS = str(KGID)
DEFAULT_TYPES = (("Place", "place"), ("Infrastructure", "infrastructure asset"), ("Actor", "actor"))
PROPERTIES = {  # pid → (name, the type a container must have, or None for any)
    "locatedIn": ("located in (a place it lies in, at any depth)", None),
    "country": ("country it lies in", "Country"),
    "governorate": ("governorate or other administrative unit it lies in", "AdministrativeUnit"),
    "partOf": ("part of (a larger actor)", None),
    "coordinates": ("coordinates as 'lat,lon' (within 25 km)", None),
}
DEFAULT_LIMIT, MAX_LIMIT, MAX_QUERIES = 5, 100, 500
MAX_NESTING = 8
"""How deep arrays and objects may nest in a batch (a property value in a query needs 6)."""
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")
MIN_NAME_SCORE = names.MIN_SCORE  # below this a name is not a candidate at all
MATCH_NAME_SCORE = names.MATCH_SCORE  # a match needs at least this similarity of its name and of each property …
MATCH_MARGIN = 100 * names.MATCH_MARGIN  # … and a lead of this many points over the next candidate
NEAR_KM = 25.0
# Words that make a name an administrative unit's rather than a town's ("Homs province").
ADMIN_WORDS = frozenset({"governorate", "province", "muhafazat", "muhafazah", "district", "subdistrict", "nahiyah"})


@dataclass(frozen=True)
class Entity:
    """One place, asset or actor, as reconciliation sees it."""

    id: str  # relative to the identifier space: "place/al-qaryatayn"
    iri: str
    kind: str  # place | asset | actor
    label: str
    names: tuple[str, ...]
    types: frozenset[str]  # kg class local names, with every superclass: {"Settlement", "Place"}
    type_label: str
    main_type: str
    within: tuple[str, ...]  # IRIs it lies in or is part of, at any depth
    description: str = ""  # "settlement in Homs governorate": what tells namesakes apart
    lat: float | None = None
    lon: float | None = None


@dataclass(frozen=True)
class Query:
    """One query of a batch, checked."""

    text: str
    types: tuple[str, ...] = ()
    limit: int = DEFAULT_LIMIT
    properties: tuple[tuple[str, tuple[str, ...]], ...] = ()


@dataclass(frozen=True)
class Candidate:
    entity: Entity
    score: float  # 0 … 100
    features: tuple[tuple[str, float | bool], ...]
    match: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.entity.id,
            "name": self.entity.label,
            "description": self.entity.description,
            "type": [{"id": self.entity.main_type, "name": self.entity.type_label}],
            "score": self.score,
            "match": self.match,
            "features": [{"id": k, "value": v} for k, v in self.features],
        }


@dataclass(frozen=True)
class Index:
    """Every entity of the graph with its names, read once per request."""

    entities: tuple[Entity, ...]

    @cached_property
    def _by_id(self) -> dict[str, Entity]:
        return {e.id: e for e in self.entities}

    def by_id(self, ref: str) -> Entity | None:
        """The entity of a relative id (``place/al-qaryatayn``) or a whole IRI."""
        return self._by_id.get(ref[len(IDS) :] if ref.startswith(IDS) else ref.strip("/"))

    @cached_property
    def labels(self) -> dict[str, str]:
        return {e.iri: e.label for e in self.entities}


def index(store: Store, settings: Settings) -> Index:
    """Every place, asset and actor with its names (saved queries ``entities`` and ``names``)."""
    described = _run(store, settings, "entities")
    spellings: dict[str, list[str]] = {}
    for row in _run(store, settings, "names").rows:
        spellings.setdefault(row["entity"].value, []).append(row["name"].value)
    labels = {row["entity"].value: row["label"].value for row in described.rows if "label" in row}
    entities = []
    for row in described.rows:
        iri = row["entity"].value
        label = labels.get(iri, _local(iri))
        lat, lon = _point(row["wkt"].value) if "wkt" in row else (None, None)
        main = row["mainClass"].value if "mainClass" in row else ONTOLOGY + "Place"
        entities.append(
            Entity(
                id=iri[len(IDS) :] if iri.startswith(IDS) else iri,
                iri=iri,
                kind=row["kind"].value,
                label=label,
                names=tuple(dict.fromkeys([label, *spellings.get(iri, [])])),
                types=frozenset(_local(t) for t in row["types"].value.split()) if "types" in row else frozenset(),
                type_label=row["classLabel"].value if "classLabel" in row else _local(main),
                main_type=_local(main),
                within=tuple(row["within"].value.split()) if "within" in row else (),
                description=_description(row, labels),
                lat=lat,
                lon=lon,
            )
        )
    return Index(tuple(entities))


def _run(store: Store, settings: Settings, name: str) -> QueryResult:
    return queries.run_whole(store, settings, name, needed_for="reconciliation cannot see every entity")


def _point(wkt: str) -> tuple[float | None, float | None]:
    """(latitude, longitude) of a WKT point, or (None, None)."""
    found = wkt_point(wkt)
    return (found[1], found[0]) if found else (None, None)


def _local(iri: str) -> str:
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def _description(row: Mapping[str, Any], labels: Mapping[str, str]) -> str:
    """Say what it is and where: settlement in Homs governorate; armed group unit, part of FSA."""
    kind = row["classLabel"].value if "classLabel" in row else row["kind"].value
    parents = [labels.get(iri, _local(iri)) for iri in row["parents"].value.split()] if "parents" in row else []
    if not parents:
        return str(kind)
    joiner = " in " if row["kind"].value != "actor" else ", part of "
    return f"{kind}{joiner}{', '.join(sorted(parents))}"


# --------------------------------------------------------------------------- parsing a batch


def parse_batch(text: str) -> dict[str, Query]:
    """The ``queries`` parameter — a JSON object of named queries — checked, or a clear error."""
    deepest = _nesting(text)
    if deepest > MAX_NESTING:
        raise InputError(
            f"queries nests arrays and objects {deepest} deep; a batch needs at most {MAX_NESTING}",
            hint='e.g. {"q0": {"query": "x", "properties": [{"pid": "p", "v": "v"}]}}',
        )
    try:
        batch = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"queries is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}",
            hint='send a JSON object such as {"q0": {"query": "Qaryatain", "type": "Place"}}',
        ) from None
    if not isinstance(batch, dict):
        raise UsageError("queries must be a JSON object of named queries", hint='e.g. {"q0": {"query": "Dumeir"}}')
    if len(batch) > MAX_QUERIES:
        raise UsageError(f"a batch may hold at most {MAX_QUERIES} queries, not {len(batch)}", hint="send several")
    return {str(key): _query(str(key), value) for key, value in batch.items()}


def _nesting(text: str) -> int:
    """How deep arrays and objects nest in a JSON text (brackets inside strings not counted),
    found without parsing it, so that no depth can exhaust the parser's recursion."""
    depth = deepest = 0
    for bracket in _BRACKET.findall(_STRING.sub("", text)):
        depth += 1 if bracket in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


def _query(key: str, spec: Any) -> Query:
    def fail(message: str, hint: str | None = None) -> UsageError:
        return UsageError(f"query {key!r}: {message}", hint=hint)

    if not isinstance(spec, dict):
        raise fail("must be an object with 'query' and optionally 'type', 'limit', 'properties'")
    unknown = set(spec) - {"query", "type", "limit", "properties", "type_strict"}
    if unknown:
        raise fail(f"unknown member {', '.join(sorted(unknown))}", "known: query, type, limit, properties, type_strict")
    text = spec.get("query", "")
    if not isinstance(text, str):
        raise fail("'query' must be a string")
    raw_types = spec.get("type") or []
    types = [raw_types] if isinstance(raw_types, str) else raw_types
    if not isinstance(types, list) or not all(isinstance(t, str) for t in types):
        raise fail("'type' must be a type id or a list of them", 'e.g. "Place"')
    limit = spec.get("limit", DEFAULT_LIMIT)
    if isinstance(limit, bool) or not isinstance(limit, int | float) or limit < 1 or limit != int(limit):
        raise fail(f"'limit' must be a whole number from 1 to {MAX_LIMIT}, not {limit!r}")
    properties = tuple(_property(key, p) for p in _as_list(spec.get("properties") or [], fail))
    if not text.strip() and not properties:
        raise fail("needs a non-empty 'query' or at least one property")
    return Query(
        text.strip(), tuple(type_id(t, f"query {key!r}") for t in types), min(int(limit), MAX_LIMIT), properties
    )


def _as_list(value: Any, fail: Any) -> list[Any]:
    if not isinstance(value, list):
        raise fail("'properties' must be a list of {pid, v} objects")
    return value


def type_id(ref: str, where: str) -> str:
    """The kg class a type id names (``Place``, ``kg:Settlement`` or the class IRI), or a
    UsageError saying ``where`` it was given."""
    local = _local(ref.removeprefix("kg:"))
    if not hasattr(KG, local) or not local[:1].isupper():
        raise UsageError(
            f"{where}: unknown type {ref!r}",
            hint="a kg class such as Place, Settlement, AdministrativeUnit, Infrastructure, Actor",
        )
    return local


def _property(key: str, item: Any) -> tuple[str, tuple[str, ...]]:
    if not isinstance(item, dict) or "pid" not in item or "v" not in item:
        raise UsageError(f"query {key!r}: each property must be an object with 'pid' and 'v'")
    pid = _local(str(item["pid"]).removeprefix("kg:"))
    if pid not in PROPERTIES:
        raise UsageError(f"query {key!r}: unknown property {item['pid']!r}", hint="one of " + ", ".join(PROPERTIES))
    values = item["v"] if isinstance(item["v"], list) else [item["v"]]
    texts = []
    for v in values:
        if isinstance(v, dict) and isinstance(v.get("id"), str):
            texts.append(v["id"])
        elif isinstance(v, str | int | float) and not isinstance(v, bool):
            texts.append(str(v))
        else:
            raise UsageError(f"query {key!r}: property {pid} has a value kg cannot read: {v!r}")
    return pid, tuple(t.strip() for t in texts if t.strip())


# --------------------------------------------------------------------------- answering


def reconcile(index: Index, batch: Mapping[str, Query]) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """Candidates for every query of a batch, best first, as the API's result batch."""
    return {key: {"result": [c.to_json() for c in candidates(index, q)]} for key, q in batch.items()}


def candidates(index: Index, query: Query) -> list[Candidate]:
    """The candidates for one query, scored, cut to its limit, with ``match`` set on the top one
    only when it is unambiguous."""
    found = []
    for entity in index.entities:
        if query.types and not entity.types & set(query.types):
            continue
        scored = _score(index, entity, query)
        if scored is not None:
            found.append(scored)
    found.sort(key=lambda c: (-c.score, c.entity.label, c.entity.id))
    found, tied = _settlements_first(found, query)
    if found and not tied and _is_match(found, query):
        found[0] = Candidate(found[0].entity, found[0].score, found[0].features, True)
    return found[: query.limit]


def _score(index: Index, entity: Entity, query: Query) -> Candidate | None:
    features: list[tuple[str, float | bool]] = []
    name_score = 0.0
    if query.text:
        name_score, _ = names.best(query.text, entity.names)
        if name_score < MIN_NAME_SCORE:
            return None
        features.append(("name", round(name_score, 3)))
    if query.types:
        features.append(("type", True))
    property_scores = [_property_score(index, entity, pid, values) for pid, values in query.properties]
    features += [(pid, round(s, 3)) for (pid, _), s in zip(query.properties, property_scores, strict=True)]
    if not query.text and not any(property_scores):
        return None
    if property_scores:
        mean = sum(property_scores) / len(property_scores)
        combined = 0.6 * name_score + 0.4 * mean if query.text else mean
    else:
        combined = name_score
    return Candidate(entity, round(100 * combined, 1), tuple(features))


def _property_score(index: Index, entity: Entity, pid: str, values: Sequence[str]) -> float:
    if pid == "coordinates":
        return max((_nearness(entity, v) for v in values), default=0.0)
    container_type = PROPERTIES[pid][1]
    found = (index.by_id(iri) for iri in entity.within)
    containers = [c for c in found if c is not None and (container_type is None or container_type in c.types)]
    best = 0.0
    for value in values:
        for container in containers:
            if value in (container.iri, container.id):
                return 1.0
            best = max(best, names.best(value, container.names)[0])
    return best


def _nearness(entity: Entity, value: str) -> float:
    """1 at the same point, falling to 0 at twice NEAR_KM; 0 without coordinates."""
    parts = value.replace(" ", ",").split(",")
    numbers = [p for p in parts if p]
    if entity.lat is None or entity.lon is None or len(numbers) != 2:
        return 0.0
    try:
        lat, lon = float(numbers[0]), float(numbers[1])
    except ValueError:
        return 0.0
    km = distance_km(entity.lon, entity.lat, lon, lat)
    return max(0.0, 1.0 - km / (2 * NEAR_KM))


def _settlements_first(found: list[Candidate], query: Query) -> tuple[list[Candidate], bool]:
    """A city-like name (no word such as governorate or province) ranks a settlement above the
    administrative unit it lies in when both carry the name (Hims: Homs, then Homs governorate);
    when the unit's name agrees at least as well, the two tie, and a tie is never a match."""
    if not query.text or ADMIN_WORDS & set(names.words(query.text)):
        return found, False
    settlements = [c for c in found if "Settlement" in c.entity.types and _name(c) >= MATCH_NAME_SCORE]
    ranked, tied = [], False
    for c in found:
        city = next(
            (s for s in settlements if "AdministrativeUnit" in c.entity.types and c.entity.iri in s.entity.within), None
        )
        if city is not None and c.score >= city.score:
            tied = tied or ((city is found[0] or c is found[0]) and _name(c) >= _name(city))
            c = Candidate(c.entity, round(city.score - 0.1, 1), (*c.features, ("namesake_settlement", True)))
        ranked.append(c)
    ranked.sort(key=lambda c: (-c.score, c.entity.label, c.entity.id))
    return ranked, tied


def _name(candidate: Candidate) -> float:
    return float(dict(candidate.features).get("name", 0.0))


def _is_match(found: list[Candidate], query: Query) -> bool:
    top = dict(found[0].features)
    if query.text and float(top.get("name", 0.0)) < MATCH_NAME_SCORE:
        return False
    if any(float(top[pid]) < MATCH_NAME_SCORE for pid, _ in query.properties):
        return False
    return len(found) == 1 or found[1].score <= found[0].score - MATCH_MARGIN


# --------------------------------------------------------------------------- preview


def entity(index: Index, ref: str) -> Entity:
    """The entity an identifier names (relative, ``place/al-qaryatayn``, or the whole IRI)."""
    found = index.by_id(ref)
    if found is None:
        raise NotFound(f"no place, asset or actor has the id {ref!r}", hint="ids look like place/al-qaryatayn")
    return found
