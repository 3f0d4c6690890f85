"""Date expressions in an article, resolved against its publication date.

Finding an expression is a matter of words (weekdays, months, "last week", "yesterday", "N days
ago", written-out dates), listed in :data:`_EXPRESSION`; reading what day it means is left to
``dateparser`` (a maintained parser) with the publication day as its base. kg then checks and
widens what it returns, and writes the derivation out:

- a weekday is the last such day up to the dateline, the dateline itself when it falls on that
  weekday ("told Syria Direct Monday" in a Monday article);
- "last week" is the seven days before the dateline's week, Sunday to Sunday inclusive, so that
  either week convention lies inside it; "this week" runs from the week's Monday to the dateline;
- a month without a year is the latest such month not after the dateline; a year is the year;
- an answer after the dateline, or more than :data:`FURTHEST` days before it, is refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
FURTHEST = 3660  # days: ten years before the dateline
_NUMBER = r"(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|a)"
_MONTH = "(?:" + "|".join(MONTHS) + r"|(?:Jan|Feb|Mar|Apr|Aug|Sept|Sep|Oct|Nov|Dec)\.)"
_NTH = r"\d{1,2}(?:st|nd|rd|th)?"
_EXPRESSION = re.compile(
    r"\b(?:"
    rf"(?P<full>\d{{1,2}} {_MONTH},? \d{{4}}|{_MONTH} {_NTH},? \d{{4}})"
    rf"|(?P<day>(?:on )?(?:{_NTH} {_MONTH}|{_MONTH} {_NTH})(?![\d,]* \d{{4}}))"
    rf"|(?P<monthyear>{_MONTH},? \d{{4}})"
    rf"|(?P<month>(?<=in ){_MONTH}|(?<=since ){_MONTH}|(?<=late ){_MONTH}|(?<=early ){_MONTH}|(?<=mid-){_MONTH})"
    r"|(?P<weekday>(?:last |this |on |this past )?(?:" + "|".join(WEEKDAYS) + r"))(?! \d)"
    r"|(?P<lastweek>last week|the past week|the previous week)"
    r"|(?P<thisweek>this week|earlier this week)"
    r"|(?P<lastmonth>last month)"
    r"|(?P<yesterday>yesterday)"
    r"|(?P<today>today)"
    rf"|(?P<ago>{_NUMBER} (?:days?|weeks?|months?) ago)"
    r"|(?P<since>(?<=since )\d{4})"
    r")\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class DateExpression:
    """One expression in the text, the window it means (a ``date`` of the format) and why."""

    start: int
    end: int
    quote: str
    date: dict[str, Any]  # {"on": …} | {"month": …} | {"from": …, "to": …}, with basis and derivation


def find(text: str, published: date | None) -> list[DateExpression]:
    """Every date expression the text holds that can be resolved, in text order."""
    found = []
    for match in _EXPRESSION.finditer(text):
        kind = match.lastgroup or ""
        quote = match.group(0)
        window = _window(kind, quote, published)
        if window is not None:
            found.append(DateExpression(match.start(), match.end(), quote, window))
    return found


def dateline(text: str) -> date | None:
    """The publication date the text gives: the first written-out full date."""
    for match in _EXPRESSION.finditer(text[:2000]):
        if match.lastgroup == "full":
            parsed = _parse(match.group(0), None)
            if parsed is not None:
                return parsed
    return None


def _parse(expression: str, base: date | None) -> date | None:
    import dateparser  # imported when a draft is made: it takes a moment to load its languages

    settings: dict[str, Any] = {"PREFER_DATES_FROM": "past", "RETURN_AS_TIMEZONE_AWARE": False}
    if base is not None:
        settings["RELATIVE_BASE"] = datetime(base.year, base.month, base.day)
    parsed = dateparser.parse(expression, languages=["en"], settings=settings)
    return parsed.date() if parsed is not None else None


def _said(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


def _window(kind: str, quote: str, published: date | None) -> dict[str, Any] | None:
    if kind == "full":
        day = _parse(quote, None)
        if day is None or (published is not None and not _plausible(day, published)):
            return None
        return {"on": day.isoformat(), "basis": "text-explicit", "derivation": f"'{quote}' ({day:%A})"}
    if published is None:
        return None
    said = f"in an article dated {_said(published)}"
    if kind == "weekday":
        return _weekday(quote, published, said)
    if kind in {"lastweek", "thisweek"}:
        return _week(kind, quote, published, said)
    if kind in {"day", "monthyear", "month", "lastmonth"}:
        return _month_or_day(kind, quote, published, said)
    if kind == "since":
        year = int(quote)
        if not 1900 <= year <= published.year:
            return None
        return {
            "from": f"{year}-01-01",
            "to": published.isoformat(),
            "basis": "text-relative",
            "derivation": f"'since {quote}' {said}: from the start of {quote} to the dateline",
        }
    day = _parse(quote, published)
    if day is None or not _plausible(day, published):
        return None
    return {"on": day.isoformat(), "basis": "text-relative", "derivation": f"'{quote}' {said}"}


def _weekday(quote: str, published: date, said: str) -> dict[str, Any] | None:
    name = quote.split()[-1].capitalize()
    day: date | None = published
    if name != f"{published:%A}" or quote.lower().startswith("last"):
        day = _parse(name, published)  # dateparser: the last such day before the base
    if day is None or not _plausible(day, published) or (published - day).days > 7:
        return None
    return {"on": day.isoformat(), "basis": "text-relative", "derivation": f"'{quote}' {said}"}


def _week(kind: str, quote: str, published: date, said: str) -> dict[str, Any]:
    monday = published - timedelta(days=published.weekday())
    if kind == "thisweek":
        start, end = monday - timedelta(days=1), published
        how = f"the dateline's week, from Sunday {start:%-d %B} (either week convention) to the dateline"
    else:
        start, end = monday - timedelta(days=8), monday - timedelta(days=1)
        how = f"the preceding week, Sunday {start:%-d %B} to Sunday {end:%-d %B} under either week convention"
    return {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "basis": "text-relative",
        "derivation": f"'{quote}' {said}: {how}",
    }


def _month_or_day(kind: str, quote: str, published: date, said: str) -> dict[str, Any] | None:
    day = _parse(re.sub(r"^on |(?<=\d)(?:st|nd|rd|th)\b", "", quote), published)
    if day is None:
        return None
    if day > published:  # a month or day without a year is the latest one up to the dateline
        day = day.replace(year=day.year - 1)
    if not _plausible(day, published):
        return None
    if kind == "day":
        return {"on": day.isoformat(), "basis": "text-relative", "derivation": f"'{quote}' {said}: the latest such day"}
    month = f"{day.year:04d}-{day.month:02d}"
    basis = "text-explicit" if kind == "monthyear" else "text-relative"
    return {"month": month, "basis": basis, "derivation": f"'{quote}' {said}"}


def _plausible(day: date, published: date) -> bool:
    return day <= published and (published - day).days <= FURTHEST
