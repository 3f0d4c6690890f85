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

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from kg.drafting.dates import DateExpression
from kg.drafting.mentions import Found

# Trigger words, most specific first: (pattern, event type, role of an actor named before the
# trigger, role of one named after it). A trigger inside an earlier one's match is not used again.
_RULES = (
    (r"\bbr(?:oke|oken|eak|eaking)\b[^.]{0,40}?\bsiege\b", "SiegeBroken", "gaining", None),
    (r"\bunder the control of\b|\bremains? in the hands of\b|\bheld by\b", "ControlObservation", None, "controller"),
    (
        r"\bunder (?:the |their |its )?(?:\w+ )?control\b|\bareas? of (?:\w+ )?control\b",
        "ControlObservation",
        "controller",
        None,
    ),
    (
        r"\b(?:[\w’']+-held|controls?|controlled|controlling|hold(?:s)? (?:ground|a pocket)|stronghold"
        r"|last remaining base)\b",
        "ControlObservation",
        "controller",
        None,
    ),
    (
        r"\b(?:re)?captur(?:e|ed|es|ing)\b|\bseiz(?:e|ed|es|ing)\b|\boverr(?:an|un)\b|\bfall of\b|\bfell\b",
        "Capture",
        "gaining",
        "losing",
    ),
    (
        r"\b(?:retook|retake|retaken|retaking|took|taken|took control|wrested control|secured?)\b",
        "Capture",
        "gaining",
        "losing",
    ),
    (
        r"\bwithdr(?:aw|ew|awn|awing|awal)\b|\babandon(?:ed|s|ing)?\b|\bretreat(?:ed|s|ing)?\b|\bpulled out\b",
        "Withdrawal",
        "losing",
        None,
    ),
    (r"\bbesieg(?:e|ed|es|ing)\b|\bsiege\b|\bencircl(?:e|ed|es|ing)\b", "Siege", "attacker", None),
    (
        r"\bstorm(?:ed|s|ing)?\b|\battack(?:s|ed|ing)?\b|\bassaults?\b|\boffensives?\b|\bclash(?:es|ed)?\b"
        r"|\bcampaign\b|\bair raids?\b|\bstrikes\b|\btargeting\b|\bbombing\b|\badvancing\b|\boperation\b",
        "Assault",
        "attacker",
        "defender",
    ),
    (
        r"\bpresence\b|\bpresent\b|\bstationed\b|\bmassing\b|\bassembling\b|\bpositions in\b|\bscattered\b"
        r"|\baffiliated\b|\bgateway\b|\bbase\b|\bfortification\b",
        "PresenceObservation",
        "present",
        None,
    ),
)
TRIGGERS: tuple[tuple[re.Pattern[str], str, str | None, str | None], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), kind, before, after) for pattern, kind, before, after in _RULES
)
_LIST_GAP = re.compile(r"^(?:,\s*|\s+and\s+|,\s*and\s+|\s*/\s*)$")
# A sentence ends at . ! ? (and a closing quote) before a space, or at a line break — not after
# an abbreviation ("Nov. 14", "U.S. forces", "Mr. Assad").
_END = re.compile(r"[.!?]+[”\"’']?(?=\s)|\n")
_ABBREVIATION = re.compile(
    r"(?:\b[A-Z]|\b(?:Jan|Feb|Mar|Apr|Aug|Sept?|Oct|Nov|Dec|Mr|Mrs|Dr|Gen|Col|Lt|St|No|vs|approx))\.$"
)
_DISTANCE = re.compile(
    r"(?P<km>\d+(?:\.\d+)?)\s?(?P<unit>km|kilometers|kilometres|miles)\b"
    r"(?:\s+(?:to the\s+)?(?P<bearing>northeast|northwest|southeast|southwest|north-east|north-west|south-east|"
    r"south-west|north|south|east|west))?",
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
    spans, start = [], 0
    for match in _END.finditer(text):
        if match.group(0) != "\n" and _ABBREVIATION.search(text[max(0, match.end() - 6) : match.end()]):
            continue
        spans.append(_trimmed(text, start, match.end()))
        start = match.end()
    spans.append(_trimmed(text, start, len(text)))
    return [(a, b) for a, b in spans if b - a > 3]


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def evidence(text: str, start: int, end: int) -> dict[str, Any]:
    """An evidence entry for a span: the quote itself, or its first and last words."""
    quote = text[start:end]
    if len(quote) <= PHRASE:
        return {"quote": quote} | _occurrence(text, quote, start) | {"span": [start, end]}
    head = text[start : start + 40].rsplit(" ", 1)[0] or text[start : start + 40]
    tail = text[end - 40 : end].split(" ", 1)[-1] or text[end - 40 : end]
    return {"from": head} | _occurrence(text, head, start) | {"to": tail, "span": [start, end]}


def _occurrence(text: str, phrase: str, start: int) -> dict[str, int]:
    """``occurrence: N`` when the phrase is in the text more than once (as kg counts them)."""
    hits, at = [], text.find(phrase)
    while at >= 0:
        hits.append(at)
        at = text.find(phrase, at + len(phrase))
    return {"occurrence": hits.index(start) + 1} if len(hits) > 1 and start in hits else {}


def propose_events(
    text: str, found: Sequence[Found], dates: Sequence[DateExpression], fallback: dict[str, Any] | None
) -> list[Proposal]:
    """Candidate events: for each trigger of a sentence that names a place, the place it is about
    (and the places listed with it), one event each."""
    out = []
    for start, end in sentences(text):
        inside = [f for f in found if start <= f.start and f.end <= end]
        if not any(f.kind in {"place", "asset"} for f in inside):
            continue
        when = [d for d in dates if start <= d.start and d.end <= end]
        seen: set[tuple[str, str]] = set()
        for match, rule in _triggers(text, start, end):
            for place in _places_of(text, match, inside):
                if (rule[0], place.entity) not in seen:
                    seen.add((rule[0], place.entity))
                    out.append(_event(text, (start, end), match, rule, place, inside, when, fallback))
    return out


Rule = tuple[str, str | None, str | None]  # event type, role before the trigger, role after it


def _triggers(text: str, start: int, end: int) -> list[tuple[re.Match[str], Rule]]:
    """The sentence's triggers in text order, none inside a more specific one's match."""
    taken: list[tuple[int, int]] = []
    found = []
    for pattern, kind, before, after in TRIGGERS:
        for match in pattern.finditer(text, start, end):
            if any(a < match.end() and match.start() < b for a, b in taken):
                continue
            taken.append((match.start(), match.end()))
            found.append((match, (kind, before, after)))
    return sorted(found, key=lambda m: m[0].start())


def _places_of(text: str, match: re.Match[str], inside: Sequence[Found]) -> list[Found]:
    """The place a trigger is about: the first named after it (with the places listed after that
    one: "in Arsal, Brital and al-Jibba"), else the last named before it."""
    places = [f for f in inside if f.kind in {"place", "asset"}]
    later = [f for f in places if f.start >= match.end()]
    if not later:
        return places[-1:]
    listed = [later[0]]
    for prev, nxt in itertools.pairwise(later):
        if not _LIST_GAP.match(text[prev.end : nxt.start]):
            break
        listed.append(nxt)
    return listed


def _roles(text: str, match: re.Match[str], rule: Rule, inside: Sequence[Found]) -> dict[str, list[str]]:
    """The actors of the sentence in the roles word order gives them: the one just before the
    trigger, the one after it ("from" for the losing side), the one after "by" in the passive."""
    _, before, after = rule
    actors = [f for f in inside if f.kind == "actor"]
    roles: dict[str, list[str]] = {}
    ahead = [a for a in actors if a.end <= match.start()]
    behind = [a for a in actors if a.start >= match.end()]
    if before and ahead:
        roles[before] = [ahead[-1].entity]
    after_from = [a for a in behind if "from" in text[match.end() : a.start].split()]
    after_by = [a for a in behind if "by" in text[match.end() : a.start].split()[:3]]
    if after_by and before:  # the passive: "seized by ISIS", "encircled by regime forces"
        roles[before] = [after_by[0].entity]
    chosen = after_from if after == "losing" else behind
    if after and chosen and chosen[0].entity not in roles.get(before or "", []):
        roles[after] = [chosen[0].entity]
    return roles


def _event(
    text: str,
    sentence: tuple[int, int],
    match: re.Match[str],
    rule: Rule,
    place: Found,
    inside: Sequence[Found],
    when: Sequence[DateExpression],
    fallback: dict[str, Any] | None,
) -> Proposal:
    kind, before, after = rule
    roles = _roles(text, match, rule, inside)
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
