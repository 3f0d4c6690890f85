"""Control of a place on a date, read from its periods (:mod:`kg.periods`): what the saved
queries control-at and control-map compute from the stored periods graph, in Python — so the
rules have one statement a test can hold the SPARQL to.

Pure: no RDF, no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from kg.periods import Period


@dataclass(frozen=True)
class Answer:
    """One row of control at a date, as control-at gives it."""

    controller: str
    event: str
    status: str
    certain: bool
    disputed: bool
    stale: bool
    scope: str
    claimed: bool
    age: int | None


def answer_at(
    periods: Iterable[Period], place: str, day: date, *, stale_days: int = 90, view: str = "all", source: str = ""
) -> set[Answer]:
    """Control of ``place`` on ``day``: what control-at computes from the stored periods."""
    return {
        answer(p, day, stale_days)
        for p in periods
        if p.place == place and p.listed(day, stale_days) and in_view(p, view, source)
    }


def in_view(p: Period, view: str, source: str = "") -> bool:
    """all: every reading; source: one article's or one claimant's; consensus: not a party's own word."""
    if view == "source":
        return source in (p.source, *p.claimants)
    if view == "consensus":
        return not p.own_claim
    return True


def answer(p: Period, day: date, stale_days: int) -> Answer:
    confirmed = p.last_confirmed(day)
    age = (day - confirmed).days if confirmed else None
    stale = age is not None and age > stale_days
    disputed = p.disputed(day)
    certain = (
        p.certain_from is not None
        and p.certain_from <= day
        and (p.end_earliest is None or day < p.end_earliest)
        and p.status != "inferred"
        and not disputed
        and not stale
    )
    status = "disputed" if disputed else p.status
    return Answer(p.controller, p.event, status, certain, disputed, stale, p.scope, p.claimed, age)
