"""Candidate control events and distance claims, read from the sentences that report them.

Pure: it takes the text, the mentions found in it and the date expressions. A sentence is a
candidate when it holds one of the trigger words of :data:`TRIGGERS` (capture, recapture, seize,
storm, withdraw, besiege, "under the control of", "remain in the hands of", …); the event gets
the place the sentence names (the first after the trigger, else the last before it), the
actors the sentence names in the roles its word order gives them, the sentence's own date
expression, and the sentence as evidence. What the sentence does not give is left out, never
guessed: the draft says so in its notes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from kg.drafting.dates import DateExpression
from kg.drafting.mentions import Found

# trigger pattern → (event type, role of an actor before the trigger, role of an actor after it)
TRIGGERS: tuple[tuple[re.Pattern[str], str, str | None, str | None], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), kind, before, after)
    for pattern, kind, before, after in (
        (r"\bunder the control of\b|\bunder (?:the )?\w+ control\b", "ControlObservation", None, "controller"),
        (r"\bremains? in the hands of\b", "ControlObservation", None, "controller"),
        (r"\b(?:re)?captur(?:e|ed|es|ing)\b", "Capture", "gaining", "losing"),
        (r"\bseiz(?:e|ed|es|ing)\b", "Capture", "gaining", "losing"),
        (
            r"\b(?:retook|retake|retaken|retaking|took control|taken control|wrested control)\b",
            "Capture",
            "gaining",
            "losing",
        ),
        (r"\bstorm(?:ed|s|ing)?\b", "Assault", "attacker", "defender"),
        (r"\bwithdr(?:aw|ew|awn|awing|awal)\b", "Withdrawal", "losing", None),
        (r"\bbesieg(?:e|ed|es|ing)\b|\bunder siege\b", "Siege", "attacker", None),
    )
)
_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+[”\"’']?|$)")
_DISTANCE = re.compile(
    r"(?P<km>\d+(?:\.\d+)?)\s?(?P<unit>km|kilometers|kilometres|miles)\b"
    r"(?:\s+(?:to the\s+)?(?P<bearing>north|south|east|west|northeast|northwest|southeast|southwest|north-east|"
    r"north-west|south-east|south-west))?",
    re.IGNORECASE,
)
BEARINGS = {"north": "N", "south": "S", "east": "E", "west": "W", "northeast": "NE", "northwest": "NW"} | {
    "southeast": "SE",
    "southwest": "SW",
}
PHRASE = 120  # the longest quote or locator the format takes


@dataclass(frozen=True)
class Proposal:
    """A candidate event or claim: the document's entry, and what the sentence did not give."""

    entry: dict[str, Any]
    missing: tuple[str, ...] = field(default=())


def sentences(text: str) -> list[tuple[int, int]]:
    """The spans of the text's sentences (and headlines: a line is a sentence too)."""
    spans = []
    for match in _SENTENCE.finditer(text):
        start, end = match.start(), match.end()
        while start < end and text[start].isspace():
            start += 1
        if end - start > 3:
            spans.append((start, end))
    return spans


def evidence(text: str, start: int, end: int) -> dict[str, Any]:
    """An evidence entry for a span: the quote itself, or its first and last words."""
    quote = text[start:end]
    if len(quote) <= PHRASE:
        return {"quote": quote, "span": [start, end]}
    head = text[start : start + 40].rsplit(" ", 1)[0] or text[start : start + 40]
    tail = text[end - 40 : end].split(" ", 1)[-1] or text[end - 40 : end]
    return {"from": head, "to": tail, "span": [start, end]}


def propose_events(
    text: str, found: Sequence[Found], dates: Sequence[DateExpression], fallback: dict[str, Any] | None
) -> list[Proposal]:
    """One candidate event per trigger in a sentence that names a place."""
    out = []
    for start, end in sentences(text):
        inside = [f for f in found if start <= f.start and f.end <= end]
        places = [f for f in inside if f.kind in {"place", "asset"}]
        if not places:
            continue
        for pattern, kind, before, after in TRIGGERS:
            match = pattern.search(text, start, end)
            if match is not None:
                when = [d for d in dates if start <= d.start and d.end <= end]
                out.append(_event(text, (start, end), match, (kind, before, after), inside, when, fallback))
                break
    return out


def _event(
    text: str,
    sentence: tuple[int, int],
    match: re.Match[str],
    rule: tuple[str, str | None, str | None],
    inside: Sequence[Found],
    when: Sequence[DateExpression],
    fallback: dict[str, Any] | None,
) -> Proposal:
    kind, before, after = rule
    places = [f for f in inside if f.kind in {"place", "asset"}]
    later = [f for f in places if f.start >= match.end()]
    place = later[0] if later else places[-1]
    actors = [f for f in inside if f.kind == "actor"]
    roles: dict[str, list[str]] = {}
    first_before = [a for a in actors if a.end <= match.start()]
    if before and first_before:
        roles[before] = [first_before[-1].entity]
    after_from = [a for a in actors if a.start >= match.end() and "from" in text[match.end() : a.start].split()]
    after_any = [a for a in actors if a.start >= match.end()]
    chosen = after_from if after == "losing" else after_any
    if after and chosen and chosen[0].entity not in roles.get(before or "", []):
        roles[after] = [chosen[0].entity]
    entry: dict[str, Any] = {"id": "", "type": kind, "place": place.entity, **roles}
    missing = [r for r in (before, after) if r and r not in roles]
    if when:
        entry["date"] = dict(when[0].date)
    elif fallback is not None:
        entry["date"] = dict(fallback)
        missing.append("date (the sentence gives none: the dateline is used as the latest day)")
    else:
        missing.append("date")
    entry |= {"certainty": "reported", "trigger": match.group(0), "evidence": [evidence(text, *sentence)]}
    return Proposal(entry, tuple(missing))


def propose_claims(text: str, found: Sequence[Found]) -> list[Proposal]:
    """Distance and bearing claims: "<place>, 100km northeast of <place>"."""
    out = []
    for start, end in sentences(text):
        places = [f for f in found if start <= f.start and f.end <= end and f.kind in {"place", "asset"}]
        for match in _DISTANCE.finditer(text, start, end):
            subject = [p for p in places if p.end <= match.start()]
            reference = [p for p in places if p.start >= match.end() and match.end() + 12 >= p.start]
            if not subject or not reference or subject[-1].entity == reference[0].entity:
                continue
            km = float(match.group("km")) * (1.609 if match.group("unit").lower() == "miles" else 1.0)
            entry: dict[str, Any] = {"id": "", "type": "Distance", "place": subject[-1].entity}
            entry["reference"] = reference[0].entity
            entry["km"] = round(km) if km.is_integer() or km > 10 else round(km, 1)
            if match.group("bearing"):
                entry["bearing"] = BEARINGS[match.group("bearing").lower().replace("-", "")]
            entry["evidence"] = [evidence(text, subject[-1].start, reference[0].end)]
            out.append(Proposal(entry))
    return out
