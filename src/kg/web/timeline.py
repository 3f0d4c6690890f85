"""A place's control timeline, drawn server-side from ``control-timeline``'s periods: one band
per controller, each period a bar — solid where certain, hatched where its start or end is not
(or the control is inferred), faded where stale (longer than KG_STALE_DAYS after its last
confirmation), marked where sources disagree — every bar a link to the article it comes from.

Positions are percentages of the time axis; the template only places them (no script).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from kg.store import QueryResult, RdfTerm
from kg.web.links import Cell, cell

DATES = ("since", "until", "certainFrom", "endEarliest", "endLatest", "disputedFrom", "disputedUntil", "lastConfirmed")

KINDS = {
    "certain": "certain",
    "uncertain": "not certain",
    "stale": "stale: not confirmed since",
    "disputed": "sources disagree",
}


STATUSES = {
    "held": "the actor holds the place (whole, or part of it where the scope is partial)",
    "contested": "its holder defends it against an assault by the actors named with it",
    "besieged": "its holder keeps it inside a siege by the actors named with it",
    "mixed": "the actor shares it with the actors of other sides named with it",
    "disputed": "sources disagree on who holds it or on when it changed hands: every reading is listed, none certain",
    "inferred": "the side a later capture or withdrawal took it from: a holder with an unknown start, never certain",
}
"""What each status of a control period means, as the place and actor pages explain it."""

BASES = {
    "reported": "a report by a source that is not the controller's side",
    "claimed": "a claim: the source says it is one, or the controller's own side says it",
}


@dataclass(frozen=True)
class Bar:
    """One stretch of one period: ``kind`` is certain, uncertain, stale or disputed."""

    left: float
    width: float
    kind: str
    title: str
    href: str | None


@dataclass(frozen=True)
class Band:
    controller: Cell
    colour: int
    bars: tuple[Bar, ...]


@dataclass(frozen=True)
class Tick:
    left: float
    text: str


@dataclass(frozen=True)
class Timeline:
    start: date
    end: date
    bands: tuple[Band, ...]
    ticks: tuple[Tick, ...]


@dataclass(frozen=True)
class _Axis:
    start: date
    end: date

    def text(self, day: date) -> str:
        """A day as a bar's title gives it: the axis ends stand for a date the graph lacks."""
        if day == self.start:
            return "start unknown"
        return "no end recorded" if day == self.end else day.isoformat()

    def at(self, day: date) -> float:
        return 100 * (day - self.start).days / max((self.end - self.start).days, 1)


def timeline(result: QueryResult, stale_days: int) -> Timeline | None:
    """The timeline of ``control-timeline``'s rows, or None when the place has no periods."""
    if not result.rows:
        return None
    days = [_day(row.get(v)) for row in result.rows for v in DATES]
    known = [d for d in days if d is not None]
    if not known:
        return None
    known += [r for r in (_reach({v: _day(row.get(v)) for v in DATES}, stale_days) for row in result.rows) if r]
    margin = timedelta(days=max(30, (max(known) - min(known)).days // 10))
    axis = _Axis(min(known) - margin, max(known) + margin)
    bands: dict[str, list[Bar]] = {}
    cells: dict[str, Cell] = {}
    for row in result.rows:
        controller = row["controller"]
        label = row.get("controllerLabel")
        base = cell(controller)
        cells[controller.value] = Cell(label.value if label else base.text, base.href, base.title)
        bands.setdefault(controller.value, []).extend(_bars(row, axis, stale_days, cells[controller.value].text))
    drawn = tuple(Band(cells[iri], i % 8, tuple(bars)) for i, (iri, bars) in enumerate(bands.items()))
    return Timeline(axis.start, axis.end, drawn, _ticks(axis))


def _bars(row: Mapping[str, RdfTerm], axis: _Axis, stale_days: int, who: str) -> list[Bar]:
    d = {v: _day(row.get(v)) for v in DATES}
    status = row["status"].value
    reach = _reach(d, stale_days)
    start = d["since"] or reach or axis.start
    end_early, end_late = d["endEarliest"] or axis.end, d["endLatest"] or axis.end
    certain_from = d["certainFrom"] or d["until"] or start
    stale_from = d["lastConfirmed"] + timedelta(days=stale_days) if d["lastConfirmed"] else None
    source = row.get("sourceTitle") or row.get("source")
    href = cell(row.get("source")).href
    stretches: list[tuple[date, date, str]] = []
    if status == "inferred":
        stretches.append((start, end_late, "uncertain"))
    else:
        certain_end = min(end_early, stale_from) if stale_from else end_early
        stretches += [(start, certain_from, "uncertain"), (certain_from, certain_end, "certain")]
        if stale_from and stale_from < end_early:
            stretches.append((max(stale_from, certain_from), end_early, "stale"))
        stretches.append((max(end_early, certain_from), end_late, "uncertain"))
    if d["disputedFrom"]:
        stretches.append((d["disputedFrom"], d["disputedUntil"] or end_late, "disputed"))
    bars = []
    for a, b, kind in stretches:
        if b <= a:
            continue
        begins = f"start unknown, listed from {a.isoformat()}" if reach is not None and a == reach else axis.text(a)
        title = f"{who}: {status}, {begins} – {axis.text(b)} ({KINDS[kind]})"
        if source is not None:
            title += f", according to {source.value}"
        bars.append(Bar(axis.at(a), max(axis.at(b) - axis.at(a), 0.0), kind, title, href))
    return bars


def _reach(d: Mapping[str, date | None], stale_days: int) -> date | None:
    """An unknown-start period's first listed day, as control-at has it (kg.periods.Period.reaches_back_to)."""
    anchor = d["until"] or d["endEarliest"] or d["endLatest"]
    return None if d["since"] is not None or anchor is None else anchor - timedelta(days=stale_days)


def _ticks(axis: _Axis) -> tuple[Tick, ...]:
    """Month starts on a short axis, years on a long one, never more than about a dozen."""
    months = (axis.end.year - axis.start.year) * 12 + axis.end.month - axis.start.month
    step = next(s for s in (1, 2, 3, 6, 12, 24, 60) if months / s <= 12)
    ticks = []
    year, month = axis.start.year, axis.start.month
    while True:
        month += 1
        if month > 12:
            year, month = year + 1, 1
        day = date(year, month, 1)
        if day >= axis.end:
            break
        if ((year * 12 + month - 1) % step) == 0:
            ticks.append(Tick(axis.at(day), str(year) if step >= 12 else day.strftime("%b %Y")))
    return tuple(ticks)


def _day(term: RdfTerm | None) -> date | None:
    if term is None:
        return None
    try:
        return date.fromisoformat(term.value[:10])
    except ValueError:
        return None
