"""Reading an annotation file: text → tree → schema check → the domain objects.

:func:`parse` is the way in; :func:`from_tree` builds the objects of a tree that passed the
schema, and :func:`parse_date` the interval a date object stands for.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from kg.annotations.drafts import unreviewed
from kg.annotations.locations import locate
from kg.annotations.model import (
    ENTITY_SECTIONS,
    RELATION_KEYS,
    ROLE_KEYS,
    AnnotationFile,
    Announcement,
    Article,
    Casualty,
    Claim,
    Coordinates,
    DateSpec,
    Entity,
    Event,
    Evidence,
    Incident,
    Locator,
    Mention,
    Report,
    RouteEvent,
    Span,
    Statement,
)
from kg.annotations.schema import check_schema
from kg.annotations.tree import read_tree
from kg.report import Problem


def from_tree(tree: Any, path: str) -> AnnotationFile:
    """Build the domain objects of a tree that passed :func:`check_schema`."""
    entities = [
        _entity(tree, path, [section, i], item, kind)
        for section, kind in ENTITY_SECTIONS.items()
        for i, item in enumerate(tree.get(section) or ())
    ]
    introduced = tree.get("entities") or {}
    entities += [
        _entity(tree, path, ["entities", section, i], item, kind)
        for section, kind in ENTITY_SECTIONS.items()
        for i, item in enumerate(introduced.get(section) or ())
    ]
    raw_article = tree.get("article")
    article = _article(tree, path, raw_article) if raw_article else None
    as_of = article.as_of if article else None
    return AnnotationFile(
        path=path,
        article=article,
        entities=tuple(entities),
        mentions=tuple(_mention(tree, path, i, m) for i, m in enumerate(tree.get("mentions") or ())),
        events=tuple(_event(tree, path, i, e, as_of) for i, e in enumerate(tree.get("events") or ())),
        claims=tuple(_claim(tree, path, i, c) for i, c in enumerate(tree.get("claims") or ())),
        routes=tuple(_route(tree, path, i, r) for i, r in enumerate(tree.get("routes") or ())),
        tree=tree,
        casualties=tuple(_casualty(tree, path, i, c) for i, c in enumerate(tree.get("casualties") or ())),
        incidents=tuple(_incident(tree, path, i, c) for i, c in enumerate(tree.get("incidents") or ())),
        statements=tuple(_statement(tree, path, i, c) for i, c in enumerate(tree.get("statements") or ())),
        announcements=tuple(_announcement(tree, path, i, c) for i, c in enumerate(tree.get("announcements") or ())),
        reports=tuple(_report(tree, path, i, r) for i, r in enumerate(tree.get("reports") or ())),
    )


def _ids(raw: Mapping[str, Any], key: str) -> tuple[str, ...]:
    return tuple(str(v) for v in raw.get(key) or ())


def _one_or_more(raw: Mapping[str, Any], key: str) -> tuple[str, ...]:
    """A key the format lets hold one id or a list of them, as a tuple (empty when absent)."""
    value = raw.get(key)
    return (str(value),) if isinstance(value, str) else _ids(raw, key)


def _entity(tree: Any, path: str, at: list[str | int], raw: Mapping[str, Any], kind: str) -> Entity:
    coords = raw.get("coordinates")
    return Entity(
        id=str(raw["id"]),
        kind=kind,
        type=str(raw["type"]),
        label=str(raw["label"]),
        alt_labels=tuple(str(a) for a in raw.get("altLabels") or ()),
        relations={k: _ids(raw, k) for k in RELATION_KEYS if raw.get(k)},
        coordinates=Coordinates(float(coords["lat"]), float(coords["lon"]), str(coords["source"])) if coords else None,
        stance=raw.get("stance"),
        ownership=raw.get("ownership"),
        where=locate(tree, path, at),
        source_kind=raw.get("sourceKind"),
        located_in_unknown=raw.get("locatedInUnknown"),
    )


def _article(tree: Any, path: str, raw: Mapping[str, Any]) -> Article:
    published, as_of = raw.get("published"), raw.get("asOf")
    return Article(
        file=str(raw["file"]),
        sha256=str(raw["sha256"]),
        title=str(raw["title"]),
        language=str(raw["language"]),
        published=parse_date(published) if published else None,
        publisher=raw.get("publisher"),
        publisher_derivation=raw.get("publisherDerivation"),
        cites=_ids(raw, "cites"),
        where=locate(tree, path, ["article"]),
        as_of=parse_date(as_of) if as_of else None,
    )


def _mention(tree: Any, path: str, i: int, raw: Mapping[str, Any]) -> Mention:
    return Mention(
        entity=str(raw["entity"]),
        locator=Locator(str(raw["quote"]), raw.get("occurrence"), raw.get("prefix")),
        spans=tuple(Span(int(s), int(e)) for s, e in raw.get("spans") or ()),
        where=locate(tree, path, ["mentions", i]),
    )


def _evidence(tree: Any, path: str, at: list[str | int], raw: Mapping[str, Any]) -> Evidence:
    span = raw.get("span")
    return Evidence(
        locator=Locator(str(raw.get("quote") or raw["from"]), raw.get("occurrence"), raw.get("prefix"), raw.get("to")),
        span=Span(int(span[0]), int(span[1])) if span else None,
        where=locate(tree, path, at),
    )


UNDATED = DateSpec("range", None, None, "text-relative", "not dated yet: a draft")  # only a draft may lack a date


def _event(tree: Any, path: str, i: int, raw: Mapping[str, Any], as_of: DateSpec | None) -> Event:
    """An event; an observation without a date of its own takes the file's ``article.asOf``
    (the schema lets only those omit it), the very same object, so a check can tell."""
    at: list[str | int] = ["events", i]
    places = _one_or_more(raw, "place")
    own = raw.get("date")
    return Event(
        id=str(raw["id"]),
        type=str(raw["type"]),
        place=places[0],
        more_places=tuple(places[1:]),
        roles={k: _ids(raw, k) for k in ROLE_KEYS if raw.get(k)},
        date=parse_date(own) if own else _default(as_of, raw),
        scope=raw.get("scope"),
        scope_note=raw.get("scopeNote"),
        certainty=str(raw["certainty"]),
        sources=_ids(raw, "source"),
        trigger=raw.get("trigger"),
        evidence=tuple(_evidence(tree, path, [*at, "evidence", j], e) for j, e in enumerate(raw["evidence"])),
        where=locate(tree, path, at),
    )


def _default(as_of: DateSpec | None, raw: Mapping[str, Any]) -> DateSpec:
    """The file's ``article.asOf`` for an undated observation; an undated draft proposal waits
    for its reviewer (validation refuses to store it)."""
    if as_of is not None:
        return as_of
    assert raw.get("draft"), "the schema requires a date where the file has no article.asOf"
    return UNDATED


def _claim(tree: Any, path: str, i: int, raw: Mapping[str, Any]) -> Claim:
    at: list[str | int] = ["claims", i]
    km = raw.get("km")
    return Claim(
        id=str(raw["id"]),
        place=str(raw["place"]),
        reference=str(raw["reference"]),
        km=float(km) if km is not None else None,
        bearing=raw.get("bearing"),
        sources=_ids(raw, "source"),
        evidence=tuple(_evidence(tree, path, [*at, "evidence", j], e) for j, e in enumerate(raw["evidence"])),
        where=locate(tree, path, at),
    )


def _evidence_of(tree: Any, path: str, at: list[str | int], raw: Mapping[str, Any]) -> tuple[Evidence, ...]:
    return tuple(_evidence(tree, path, [*at, "evidence", j], e) for j, e in enumerate(raw["evidence"]))


def _optional_int(raw: Mapping[str, Any], key: str) -> int | None:
    value = raw.get(key)
    return int(value) if value is not None else None


def _casualty(tree: Any, path: str, i: int, raw: Mapping[str, Any]) -> Casualty:
    at: list[str | int] = ["casualties", i]
    return Casualty(
        id=str(raw["id"]),
        event=raw.get("event"),
        place=raw.get("place"),
        date=parse_date(raw["date"]) if raw.get("date") else None,
        counted=str(raw["counted"]),
        unit=str(raw.get("unit") or "people"),
        best=_optional_int(raw, "best"),
        low=_optional_int(raw, "low"),
        high=_optional_int(raw, "high"),
        words=raw.get("words"),
        who=raw.get("who"),
        side=raw.get("side"),
        civilian=bool(raw.get("civilian", False)),
        by=_ids(raw, "by"),
        sources=_ids(raw, "source"),
        evidence=_evidence_of(tree, path, at, raw),
        where=locate(tree, path, at),
    )


def _incident(tree: Any, path: str, i: int, raw: Mapping[str, Any]) -> Incident:
    at: list[str | int] = ["incidents", i]
    return Incident(
        id=str(raw["id"]),
        type=str(raw["type"]),
        place=str(raw["place"]),
        by=_ids(raw, "by"),
        target=_ids(raw, "target"),
        date=parse_date(raw["date"]),
        evidence=_evidence_of(tree, path, at, raw),
        where=locate(tree, path, at),
        name=raw.get("name"),
    )


def _statement(tree: Any, path: str, i: int, raw: Mapping[str, Any]) -> Statement:
    at: list[str | int] = ["statements", i]
    return Statement(
        id=str(raw["id"]),
        about=str(raw["about"]),
        stance=str(raw["stance"]),
        sources=_ids(raw, "source"),
        stated=parse_date(raw["stated"]),
        evidence=_evidence_of(tree, path, at, raw),
        where=locate(tree, path, at),
    )


def _announcement(tree: Any, path: str, i: int, raw: Mapping[str, Any]) -> Announcement:
    at: list[str | int] = ["announcements", i]
    return Announcement(
        id=str(raw["id"]),
        status=str(raw["status"]),
        name=raw.get("name"),
        actors=_ids(raw, "actor"),
        against=_ids(raw, "against"),
        places=_one_or_more(raw, "place"),
        aim=raw.get("aim"),
        stated=parse_date(raw["stated"]),
        sources=_ids(raw, "source"),
        evidence=_evidence_of(tree, path, at, raw),
        where=locate(tree, path, at),
    )


def _report(tree: Any, path: str, i: int, raw: Mapping[str, Any]) -> Report:
    at: list[str | int] = ["reports", i]
    return Report(
        id=str(raw["id"]),
        publishers=_ids(raw, "publisher"),
        authors=_ids(raw, "author"),
        published=parse_date(raw["published"]),
        about=raw.get("about"),
        evidence=_evidence_of(tree, path, at, raw),
        where=locate(tree, path, at),
    )


def _route(tree: Any, path: str, i: int, raw: Mapping[str, Any]) -> RouteEvent:
    at: list[str | int] = ["routes", i]
    return RouteEvent(
        id=str(raw["id"]),
        type=str(raw["type"]),
        asset=raw.get("asset"),
        ends_from=_ids(raw, "from"),
        ends_to=_ids(raw, "to"),
        via=_ids(raw, "via"),
        supply_of=_ids(raw, "supplyOf"),
        by=_ids(raw, "by"),
        through=raw.get("through"),
        date=parse_date(raw["date"]),
        certainty=str(raw["certainty"]),
        sources=_ids(raw, "source"),
        trigger=raw.get("trigger"),
        evidence=tuple(_evidence(tree, path, [*at, "evidence", j], e) for j, e in enumerate(raw["evidence"])),
        where=locate(tree, path, at),
    )


def parse_date(raw: Mapping[str, Any]) -> DateSpec:
    """A schema-valid date object → the interval it stands for."""
    spec = _interval(raw)
    if not any(raw.get(k) for k in ("expression", "reference", "citation")):
        return spec
    expression, reference, citation = (
        str(raw[k]) if raw.get(k) else None for k in ("expression", "reference", "citation")
    )
    return replace(spec, expression=expression, reference=reference, citation=citation)


def _interval(raw: Mapping[str, Any]) -> DateSpec:
    basis, derivation = str(raw["basis"]), raw.get("derivation")
    if "on" in raw:
        day = date.fromisoformat(str(raw["on"]))
        return DateSpec("day", day, day, basis, derivation)
    if "week" in raw:
        first = date.fromisoformat(str(raw["week"]))
        return DateSpec("week", first, first + timedelta(days=6), basis, derivation)
    if "month" in raw:
        year, month = (int(p) for p in str(raw["month"]).split("-"))
        last = calendar.monthrange(year, month)[1]
        return DateSpec("month", date(year, month, 1), date(year, month, last), basis, derivation)
    if "year" in raw:
        year = int(raw["year"])
        return DateSpec("year", date(year, 1, 1), date(year, 12, 31), basis, derivation)
    start, end = raw.get("from"), raw.get("to")
    return DateSpec(
        "range",
        date.fromisoformat(str(start)) if start else None,
        date.fromisoformat(str(end)) if end else None,
        basis,
        derivation,
    )


def parse(text: str, path: str, *, schema_valid: bool = False) -> tuple[AnnotationFile | None, list[Problem]]:
    """Text → the file's objects and any schema problems (objects only when there are none).

    ``schema_valid`` says these exact characters are known to satisfy the schema (a build saw
    them pass), so the check is not run again. Raises :class:`InputError` when the text is not
    YAML at all.
    """
    tree = read_tree(text, path, fast=True)
    problems = [] if schema_valid else check_schema(tree, path)
    if problems:  # reported from ruamel.yaml's own reading, exactly as it has always been
        tree = read_tree(text, path)
        problems = check_schema(tree, path)
    drafts = unreviewed(tree, path)  # a draft's proposals: refused for storing, the rest still checked
    return (None if problems else from_tree(tree, path)), problems + drafts
