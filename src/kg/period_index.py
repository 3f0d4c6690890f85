"""The control periods held in memory: control-at and control-map answered without SPARQL.

:func:`kg.period_reader.load` reads the periods graph (``GRAPH.PERIODS``) and the few facts the two saved
queries join to it (labels, types, coordinates, the events' types, precisions and articles, the
``kg:partOf`` tree) with one bounded query, into a :class:`PeriodIndex` for one store version.
:meth:`PeriodIndex.answer` then gives, for a date, exactly the rows the SPARQL of
``queries/control-at.rq`` or ``control-map.rq`` gives — same variables, same terms, same order
(rows that the ORDER BY leaves tied may come in another order, as they may from the engine;
and ``with``, a GROUP_CONCAT whose order SPARQL leaves to the engine, lists the names sorted).

The rules are not restated here: a period is listed, in view, certain, disputed or stale by
:mod:`kg.periods` and :mod:`kg.control_at`; this module only turns stored terms into periods
and answers back into terms. The SPARQL stays what the remote store and ``/sparql`` run; a
saved query says in its ``#+ index:`` header which answer of this module it has.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta

from kg import control_at
from kg.periods import STATUSES, Period
from kg.store import QueryResult, RdfTerm, Row
from kg.vocab import XSD


def _names(text: str) -> tuple[str, ...]:
    return tuple(text.split())


def text_term(text: str) -> RdfTerm:
    return RdfTerm("literal", text, str(XSD.string))


def _boolean(flag: bool) -> RdfTerm:
    return RdfTerm("literal", "true" if flag else "false", str(XSD.boolean))


BOOLEAN = {True: _boolean(True), False: _boolean(False)}
INTEGER = str(XSD.integer)


BASIS = {True: text_term("claimed"), False: text_term("reported")}
SCOPE = {"partial": text_term("partial"), "whole": text_term("whole")}
STATUS = {status: text_term(status) for status in STATUSES}


@dataclass(frozen=True)
class Stored:
    """One stored period: the rules' :class:`Period`, the terms the rows repeat, and its rows'
    parts that do not depend on the date (one per combination of the joined facts' values)."""

    period: Period
    terms: Mapping[str, RdfTerm]
    confirmed: Mapping[date, RdfTerm]
    claimants: frozenset[str]
    at_rows: tuple[tuple[str | None, Row], ...]  # (article or None, the static part of a control-at row)
    map_rows: tuple[tuple[str | None, Row], ...]


Entry = tuple[Stored, Period, Row]
"""A row's date-free part: its stored period, that period as read by one of the event's articles
(what the view tests), and the row's terms."""


@dataclass(frozen=True)
class PeriodIndex:
    """The periods of one store version (:meth:`kg.app.Kg.index_of` keeps one per version), and
    their rows in the saved queries' orders."""

    by_place: Mapping[str, tuple[Entry, ...]]  # control-at order
    everywhere: tuple[Entry, ...]  # control-map order

    def answer(self, name: str, bindings: Mapping[str, RdfTerm], max_rows: int | None = None) -> QueryResult | None:
        """Saved query ``name``'s rows for these bindings, or None for a query it has no answer to."""
        if name == "control-at":
            place = bindings.get("place")
            found = self.by_place.get(place.value, ()) if place is not None else ()
            return _result(AT_VARIABLES, _rows(found, bindings), max_rows)
        if name == "control-map":
            return _result(MAP_VARIABLES, _rows(self.everywhere, bindings), max_rows)
        return None


AT_VARIABLES = _names(
    "place date controller controllerLabel status certain disputed stale lastConfirmed age basis since until "
    "precision event eventType source sourceTitle attributedTo scope view by staleDays with"
)
MAP_VARIABLES = _names(
    "date place placeLabel type controller controllerLabel status certain disputed stale lastConfirmed age basis "
    "since until precision event eventType source scope side sideLabel wkt view by staleDays with"
)
ANSWERS = ("control-at", "control-map")
"""The saved queries an index answers (each says so with ``#+ index: periods``)."""


def _result(variables: tuple[str, ...], rows: list[Row], max_rows: int | None) -> QueryResult:
    cut = max_rows is not None and len(rows) > max_rows
    return QueryResult("SELECT", variables, tuple(rows[:max_rows] if cut else rows), truncated=cut)


def _rows(found: Iterable[Entry], bindings: Mapping[str, RdfTerm]) -> list[Row]:
    """The rows of these stored periods on the bound date, in the order given."""
    day_term = bindings.get("date")
    if day_term is None or day_term.datatype != str(XSD.date):
        return []
    day = date.fromisoformat(day_term.value)
    view = bindings["view"].value if "view" in bindings else "all"
    by = bindings["by"].value if "by" in bindings and bindings["by"].kind == "uri" else None
    stale_days = int(bindings["staleDays"].value) if "staleDays" in bindings else 90
    echoed = {k: _as_given(bindings[k]) for k in ("date", "view", "by", "staleDays") if k in bindings}
    parts: dict[int, Row | None] = {}  # by period as one article reads it: its date's terms, or None if not listed
    out: list[Row] = []
    for stored, read, static in found:
        part = parts.get(id(read), _UNSEEN)
        if part is _UNSEEN:
            shown = stored.period.listed(day, stale_days) and _in_view(read, view, by)
            part = parts[id(read)] = {**_on(stored, day, stale_days), **echoed} if shown else None
        if part is not None:
            out.append({**static, **part})
    return out


_UNSEEN: Row = {}


def _as_given(term: RdfTerm) -> RdfTerm:
    """A bound parameter as the engine gives it back (a simple literal is an xsd:string)."""
    if term.kind == "literal" and term.datatype is None and term.lang is None:
        return replace(term, datatype=str(XSD.string))
    return term


def _in_view(read: Period, view: str, by: str | None) -> bool:
    """The view's test (:func:`kg.control_at.in_view`) for the row of one of the event's articles."""
    if view == "source" and by is None:
        return False
    return control_at.in_view(read, view, by or "")


def _on(stored: Stored, day: date, stale_days: int) -> Row:
    """The date's part of a period's rows, from :func:`kg.control_at.answer`."""
    a = control_at.answer(stored.period, day, stale_days)
    row: dict[str, RdfTerm] = {
        "status": STATUS.get(a.status) or text_term(a.status),
        "certain": BOOLEAN[a.certain],
        "disputed": BOOLEAN[a.disputed],
        "stale": BOOLEAN[a.stale],
    }
    if a.age is not None:  # the age is counted from the last confirmation
        row["lastConfirmed"] = stored.confirmed[day - timedelta(days=a.age)]
        row["age"] = RdfTerm("literal", str(a.age), INTEGER)
    return row
