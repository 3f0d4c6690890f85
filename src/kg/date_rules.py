r"""The dates of one annotation file, checked against what the text says and where they come from.

- A date that writes its ``expression`` ("on Sunday", "last week") must give days the expression
  can mean, counted from its ``reference`` (``published``, the default, or an event, route, figure,
  incident, statement or announcement of the file):
  :func:`kg.dating.window` works them out. A date says Saturday where the text says Sunday, an
  unknown reference, words kg does not read: each is an error on the date's line.
- Where the expression gives a start ("over the last three weeks"), the date must not be open
  (``to:`` only): the control queries would not see the event. Where the start is really
  unknown (no expression, or ``before``), the SHACL warning naming those queries still applies.
- A date whose basis is ``external`` or ``cross-article`` must say where it comes from: its own
  ``citation``, or a reference to a date that has one.

The dates checked are every date of the file: the article's, its events', its route events' and
reported facts' (``AnnotationFile.dated_facts``) and its cited reports' (``reports[].published``);
a report's date counts from the article or an event but is no reference for others.

Pure, like :mod:`kg.references`: it reads the parsed objects and reports :class:`Problem`\ s.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date

from kg.annotations import AnnotationFile, DateSpec, Report
from kg.dating import Window, spoken, window
from kg.errors import Location
from kg.report import Problem

PUBLISHED = "published"
CITED_BASES = frozenset({"external", "cross-article"})


@dataclass(frozen=True)
class Dated:
    """One date of a file, under the name a reference uses for it, with where it is written."""

    name: str
    spec: DateSpec
    where: Location
    referable: bool = True  # whether another date may count from it (``reference: <name>``)


def check_dates(doc: AnnotationFile) -> list[Problem]:
    """Every problem of the file's dates: expressions, references, open starts, citations."""
    dated = list(_dates(doc))
    names = {d.name: d for d in dated if d.referable and d.name != "asOf"}
    problems: list[Problem] = []
    for item in dated:
        problems += _citation(item, names)
        if item.spec.expression:
            problems += _expression(item, names)
    return problems


def _dates(doc: AnnotationFile) -> Iterator[Dated]:
    article = doc.article
    if article is None:
        return
    if article.published:
        yield Dated(PUBLISHED, article.published, Location(doc.path, article.where.line, "article.published"))
    if article.as_of:
        yield Dated("asOf", article.as_of, Location(doc.path, article.where.line, "article.asOf"))
    for event in doc.events:
        if event.date is not article.as_of:  # the file's default, checked once as article.asOf
            yield Dated(event.id, event.date, Location(event.where.file, event.where.line, f"{event.where.field}.date"))
    for item, key, spec in doc.dated_facts:  # route events, figures, incidents, statements, announcements, reports
        where = Location(item.where.file, item.where.line, f"{item.where.field}.{key}")
        yield Dated(item.id, spec, where, referable=not isinstance(item, Report))


def _at(item: Dated, key: str) -> Location:
    return Location(item.where.file, item.where.line, f"{item.where.field}.{key}")


def _citation(item: Dated, names: Mapping[str, Dated]) -> list[Problem]:
    spec = item.spec
    if spec.basis not in CITED_BASES or spec.citation:
        return []
    if _cited(item, names):
        return []
    message = (
        f"a date whose basis is {spec.basis} must say where it comes from: add 'citation:' (a URL, a "
        "publication, a dataset record), or a 'reference' to a date that has one"
    )
    return [Problem(message, _at(item, "basis"), source="reference")]


def _cited(item: Dated, names: Mapping[str, Dated]) -> bool:
    """Whether the date it counts from, or the one that counts from, and so on, has a citation."""
    seen = {item.name}
    spec = item.spec
    while True:
        target = names.get(spec.reference or (PUBLISHED if spec.expression else ""))
        if target is None or target.name in seen:
            return False
        if target.spec.citation:
            return True
        seen.add(target.name)
        spec = target.spec


def _expression(item: Dated, names: Mapping[str, Dated]) -> list[Problem]:
    spec = item.spec
    assert spec.expression is not None
    name = spec.reference or PUBLISHED
    target = names.get(name)
    if target is None or target is item:
        return [Problem(_unknown(name, item, names), _at(item, "reference"), source="reference")]
    base = target.spec
    if base.earliest is None and base.latest is None:
        message = f"{_from(name, base)} has no day to count {spec.expression!r} from: give it 'on' or 'from'/'to'"
        return [Problem(message, _at(item, "reference"), source="reference")]
    try:
        found = window(spec.expression, base.earliest, base.latest)
    except ValueError as exc:
        return [Problem(str(exc), _at(item, "expression"), source="reference")]
    said = f"{spec.expression!r} {_relation(found, base)} {_from(name, base)}"
    if spec.earliest is None and found.earliest is not None:
        start = _span(found.earliest, found.latest_start).replace(" to ", " and ")
        message = (
            f"{said} starts {'on' if found.earliest == found.latest_start else 'between'} {start}: the article gives "
            f"the start, so the date must not be open (the control queries would not see it); "
            f"give 'from: {found.latest_start}'"
        )
        return [Problem(message, item.where, source="reference")]
    if not found.admits(spec.earliest, spec.latest):
        message = f"{said} is {_days(found)}; the annotation says {_span(spec.earliest, spec.latest)}"
        return [Problem(message, item.where, source="reference")]
    return []


def _unknown(name: str, item: Dated, names: Mapping[str, Dated]) -> str:
    if name == item.name:
        return f"a date cannot count from itself ({name!r}): give 'published' or another event's id"
    if name == PUBLISHED:
        return "the article has no 'published' date to count from: give article.published, or a reference event"
    close = difflib.get_close_matches(name, sorted(names), n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"unknown reference {name!r}: a date counts from 'published' or from the id of an event of this file{hint}"


def _from(name: str, base: DateSpec) -> str:
    what = "the article's date" if name == PUBLISHED else f"event {name!r}"
    return f"{_span(base.earliest, base.latest)} ({what})"


def _relation(found: Window, base: DateSpec) -> str:
    end = base.latest or base.earliest
    if found.latest is None or end is None or found.latest > end:
        return "counted from"
    return "before" if found.latest < end else "at or before"


def _days(found: Window) -> str:
    hull = _span(found.earliest, found.latest)
    readings = list(dict.fromkeys(found.readings))
    if len(readings) < 2:
        return hull
    if all(r.earliest is not None and r.earliest == r.latest for r in readings):
        return " or ".join(_span(r.earliest, r.latest) for r in readings)
    return f"{hull} (one of: {'; '.join(_span(r.earliest, r.latest) for r in readings)})"


def _span(earliest: date | None, latest: date | None) -> str:
    if earliest is not None and earliest == latest:
        return spoken(earliest)
    start = spoken(earliest) if earliest else "an open start"
    return f"{start} to {spoken(latest) if latest else 'an open end'}"
