"""Relative dates as the text writes them: what days an expression can mean, counted from a
reference day.

An annotation may write a date as the article does — ``expression: on Sunday`` with
``reference: published`` — beside the days it settles on. :func:`window` works out the days the
expression allows, so that :mod:`kg.date_rules` can check the annotation's ``on``/``from``/``to``
against them. Pure: no RDF, no I/O.

The words are read by ``dateparser`` (weekdays, ``yesterday``, ``March 27th``, ``Nov. 14``,
``three weeks ago``, month names) with the reference as its relative base and dates preferred
from the past; what it cannot express — a week under both conventions, a part of a month, a
stretch of time up to the reference — is the small table :data:`FORMS` below. An expression
that fits no form is a :class:`ValueError` whose message lists the forms.

A reference is an interval (the article's date may itself be a range): the expression is read
from each end and the readings are kept together.
"""

from __future__ import annotations

import calendar
import itertools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache

import dateparser.date


@dataclass(frozen=True)
class Reading:
    """One way to read an expression: the days from ``earliest`` to ``latest`` (None: open)."""

    earliest: date | None
    latest: date | None


@dataclass(frozen=True)
class Window:
    """The readings of an expression: a date fits when it lies within their hull and covers one
    of them whole (so "last week" admits either week convention, or both, but not one day of it)."""

    expression: str
    readings: tuple[Reading, ...]

    @property
    def earliest(self) -> date | None:
        starts = [r.earliest for r in self.readings]
        return None if None in starts else min(d for d in starts if d)

    @property
    def latest(self) -> date | None:
        ends = [r.latest for r in self.readings]
        return None if None in ends else max(d for d in ends if d)

    @property
    def latest_start(self) -> date | None:
        """The last day a date may start on and still cover a reading whole."""
        starts = [r.earliest for r in self.readings if r.earliest]
        return max(starts) if starts else None

    def admits(self, earliest: date | None, latest: date | None) -> bool:
        """Whether [earliest, latest] (None: open) lies within the hull and covers a reading."""
        inside = (self.earliest is None or (earliest is not None and earliest >= self.earliest)) and (
            self.latest is None or (latest is not None and latest <= self.latest)
        )
        return inside and any(_covers(earliest, latest, r) for r in self.readings)


def _covers(earliest: date | None, latest: date | None, reading: Reading) -> bool:
    starts = earliest is None or (reading.earliest is not None and earliest <= reading.earliest)
    ends = latest is None or (reading.latest is not None and latest >= reading.latest)
    return starts and ends


WEEKDAYS = "monday|tuesday|wednesday|thursday|friday|saturday|sunday"
MONTHS = "|".join(m.lower() for m in calendar.month_name[1:])
PARTS = {"early": (1, 10), "mid": (10, 20), "late": (20, 31)}
"""The days of a month that 'early', 'mid' and 'late' cover (the end is cut to the month)."""
SEASONS = {  # (first month, day), (last month, day), under each convention; winter runs into the next year
    "spring": (((3, 1), (5, 31)), ((3, 20), (6, 20))),
    "summer": (((6, 1), (8, 31)), ((6, 21), (9, 22))),
    "autumn": (((9, 1), (11, 30)), ((9, 23), (12, 20))),
    "fall": (((9, 1), (11, 30)), ((9, 23), (12, 20))),
    "winter": (((12, 1), (2, 31)), ((12, 21), (3, 19))),  # 31: to the end of February, 28 or 29
}
"""The northern seasons, meteorological (whole months) and astronomical (solstice to equinox):
a season the text names may mean either, so both are readings, as both week conventions are."""
_NAMES = "|".join(SEASONS)
SEASON = rf"(?:(?:in )?the )?(?:(?P<last>last) (?P<season>{_NAMES})|(?P<named>{_NAMES}) (?:of )?(?P<year>\d{{4}}))"


def _day(text: str, base: date) -> date:
    """What ``dateparser`` reads ``text`` as, counted back from ``base``."""
    found = _parser(base).get_date_data(text).date_obj
    if found is None:
        raise ValueError(f"dateparser cannot read {text!r}")
    return found.date()  # type: ignore[no-any-return]


@cache
def _parser(base: date) -> dateparser.date.DateDataParser:
    settings = {"RELATIVE_BASE": datetime(base.year, base.month, base.day), "PREFER_DATES_FROM": "past"}
    return dateparser.date.DateDataParser(languages=["en"], settings=settings)


def _now(_: re.Match[str], base: date) -> Iterable[Reading]:
    yield Reading(base, base)


def _parsed_day(match: re.Match[str], base: date) -> Iterable[Reading]:
    day = _day(match.group("text"), base)
    yield Reading(day, day)


def _weekday(match: re.Match[str], base: date) -> Iterable[Reading]:
    """The last such weekday before the reference; the reference day too when it is one."""
    yield from _parsed_day(match, base)
    if calendar.day_name[base.weekday()].lower() == match.group("text"):
        yield Reading(base, base)


def _week(match: re.Match[str], base: date) -> Iterable[Reading]:
    for first_weekday in (6, 0):  # the week starting on Sunday, and on Monday
        start = base - timedelta(days=(base.weekday() - first_weekday) % 7)
        if match.group("which") == "last":
            yield Reading(start - timedelta(days=7), start - timedelta(days=1))
        else:
            yield Reading(start, base)


def _past_stretch(match: re.Match[str], base: date) -> Iterable[Reading]:
    start = _day(f"{match.group('count')} {match.group('unit')} ago", base)
    yield Reading(start, base)  # counting the first day, and not counting it
    yield Reading(start + timedelta(days=1), base)


def _part_of_month(match: re.Match[str], base: date) -> Iterable[Reading]:
    first = _day(match.group("month"), base).replace(day=1)
    low, high = PARTS[match.group("part")]
    last = min(high, calendar.monthrange(first.year, first.month)[1])
    yield Reading(first.replace(day=low), first.replace(day=last))


def _month(match: re.Match[str], base: date) -> Iterable[Reading]:
    """A whole month: of the year given, or else the last such month at or before the reference."""
    month = list(calendar.month_name).index(match.group("month").capitalize())
    year = int(match.group("year")) if match.group("year") else base.year - (month > base.month)
    yield Reading(date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1]))


def _season(match: re.Match[str], base: date) -> Iterable[Reading]:
    """'last winter' (the last one over before the reference) or 'the spring of 2014', under both
    conventions; 'the winter of 2015' may be the one that ends in 2015 or the one that starts in it."""
    name = match.group("season") or match.group("named")
    for convention in SEASONS[name]:
        if match.group("year"):
            year = int(match.group("year"))
            yield from (_season_of(y, convention) for y in ((year - 1, year) if name == "winter" else (year,)))
        else:
            year = base.year
            while (reading := _season_of(year, convention)).latest and reading.latest >= base:
                year -= 1
            yield reading


def _season_of(year: int, convention: tuple[tuple[int, int], tuple[int, int]]) -> Reading:
    """The season starting in ``year`` under one convention (a winter ends in the next year)."""
    (first_month, first_day), (last_month, last_day) = convention
    end_year = year + 1 if last_month < first_month else year
    end = min(last_day, calendar.monthrange(end_year, last_month)[1])
    return Reading(date(year, first_month, first_day), date(end_year, last_month, end))


def _since(match: re.Match[str], base: date) -> Iterable[Reading]:
    what = match.group("what")
    part = re.fullmatch(rf"(?P<part>early|mid|late) (?P<month>{MONTHS})", what)
    if part:
        yield Reading(next(iter(_part_of_month(part, base))).earliest, base)
    elif re.fullmatch(r"\d{4}", what):
        yield Reading(date(int(what), 1, 1), base)
    else:
        yield Reading(_day(what, base), base)


def _between(match: re.Match[str], base: date) -> Iterable[Reading]:
    """From the first day to the last; where both ends are seasons, from each reading of the first
    to each of the last (both conventions)."""
    first, last = (re.fullmatch(SEASON, match.group(end)) for end in ("first", "last"))
    if first and last:
        for start, end in itertools.product(_season(first, base), _season(last, base)):
            yield Reading(start.earliest, end.latest)
    else:
        yield Reading(_day(match.group("first"), base), _day(match.group("last"), base))


def _following(match: re.Match[str], base: date) -> Iterable[Reading]:
    """The day, month or year after the reference's ("the caliphate was proclaimed the following month")."""
    unit = match.group("unit")
    if unit == "day":
        day = base + timedelta(days=1)
        yield Reading(day, day)
    elif unit == "month":
        first = (base.replace(day=1) + timedelta(days=31)).replace(day=1)
        yield Reading(first, first.replace(day=calendar.monthrange(first.year, first.month)[1]))
    else:
        yield Reading(date(base.year + 1, 1, 1), date(base.year + 1, 12, 31))


def _before(_: re.Match[str], base: date) -> Iterable[Reading]:
    yield Reading(None, base)


def _by(match: re.Match[str], base: date) -> Iterable[Reading]:
    yield Reading(None, _day(match.group("text"), base))


FORMS: tuple[tuple[str, str, Callable[[re.Match[str], date], Iterable[Reading]]], ...] = (
    ("now", r"now|today", _now),
    ("yesterday", r"(?P<text>yesterday)", _parsed_day),
    ("on Sunday", rf"(?:on )?(?:last )?(?P<text>{WEEKDAYS})", _weekday),
    (
        "on March 27th, Nov. 14",
        rf"(?:on )?(?:the )?(?P<text>(?:{MONTHS}|[a-z]{{3}}\.?) \d{{1,2}}(?:st|nd|rd|th)?)",
        _parsed_day,
    ),
    ("last week, this week", r"(?P<which>last|this) week", _week),
    (
        "over the last three weeks",
        r"(?:over|in|during) the (?:last|past) (?P<count>\w+) (?P<unit>days|weeks|months)",
        _past_stretch,
    ),
    ("in late May", rf"(?:in )?(?P<part>early|mid|late) (?P<month>{MONTHS})", _part_of_month),
    ("in November 2014, in April", rf"(?:in )?(?P<month>{MONTHS})(?: (?P<year>\d{{4}}))?", _month),
    ("last winter, the spring of 2014", SEASON, _season),
    ("since 2012, since early May", r"since (?P<what>.+)", _since),
    (
        "between March 27th and April 4th, between last winter and the spring of 2014",
        r"between (?P<first>.+) and (?P<last>.+)",
        _between,
    ),
    ("by November 4", r"by (?P<text>.+)", _by),
    ("the following month (day, year)", r"(?:in |on )?the (?:following|next) (?P<unit>day|month|year)", _following),
    ("before", r"before", _before),
)
"""The expressions kg reads: (an example, the pattern of the whole expression, lower case, and
what it yields for one reference day)."""


@cache
def window(expression: str, earliest: date | None, latest: date | None) -> Window:
    """The days ``expression`` can mean, counted from a reference of [earliest, latest] (kept:
    dateparser takes about a millisecond an expression, and the answer never changes).

    Raises :class:`ValueError` (its message for the annotator) when no form fits or the words cannot be read.
    """
    words = " ".join(expression.lower().split())
    bases = tuple(dict.fromkeys(d for d in (earliest, latest) if d is not None))
    for _example, pattern, reading in FORMS:
        match = re.fullmatch(pattern, words)
        if match:
            return Window(expression, tuple(r for base in bases for r in reading(match, base)))
    examples = "; ".join(example for example, _, _ in FORMS)
    raise ValueError(f"kg does not read the expression {expression!r}; it reads: {examples}")


def spoken(day: date) -> str:
    """``Sunday 3 April 2016``: a day as a reader checks it against a calendar."""
    return f"{calendar.day_name[day.weekday()]} {day.day} {calendar.month_name[day.month]} {day.year}"
