"""Quotes → character offsets, and offsets checked against the article text.

Pure: it takes the text as a string. Offsets count code points, end exclusive, so that
``text[start:end] == quote`` (see docs/annotation-format.md, "How quotes resolve").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from kg.annotations import AnnotationFile, Evidence, Locator, Mention, Span
from kg.errors import Location
from kg.report import Problem

MAX_EVIDENCE_CHARS = 1500  # a `to` that ran away would otherwise swallow the article


@dataclass(frozen=True)
class Resolution:
    """A file with every offset worked out from the text, and what could not be."""

    doc: AnnotationFile
    problems: tuple[Problem, ...]
    changed: bool  # whether any offset differs from what the file stores


class _NotFound(Exception):
    pass


def _exact(text: str, needle: str, start: int = 0) -> list[int]:
    """Start offsets of the non-overlapping exact matches of ``needle``."""
    found, at = [], text.find(needle, start)
    while at >= 0:
        found.append(at)
        at = text.find(needle, at + len(needle))
    return found


def _whole_words(text: str, needle: str) -> list[int]:
    pattern = re.compile(r"(?<!\w)" + re.escape(needle) + r"(?!\w)")
    return [m.start() for m in pattern.finditer(text)]


def _find_one(text: str, loc: Locator, what: str) -> int:
    """The start of the single match a locator designates."""
    if loc.prefix is not None:
        hits = _exact(text, loc.prefix + loc.quote)
        if len(hits) != 1:
            raise _NotFound(
                f"{what} {loc.prefix!r} + {loc.quote!r} occurs {len(hits)} times; "
                + ("check the words" if not hits else "make the prefix longer")
            )
        return hits[0] + len(loc.prefix)
    hits = _exact(text, loc.quote)
    if not hits:
        raise _NotFound(f"{what} {loc.quote!r} is not in the text; copy it exactly, case and punctuation included")
    if isinstance(loc.occurrence, int):
        if loc.occurrence > len(hits):
            raise _NotFound(f"{what} {loc.quote!r} occurs {len(hits)} times, not {loc.occurrence}")
        return hits[loc.occurrence - 1]
    if len(hits) > 1:
        raise _NotFound(
            f"{what} {loc.quote!r} occurs {len(hits)} times; add 'occurrence: N' (1 to {len(hits)}) or a 'prefix'"
        )
    return hits[0]


def locate_mention(text: str, mention: Mention) -> list[Span]:
    """The spans a mention stands for (before nested matches are removed)."""
    loc = mention.locator
    if loc.occurrence == "all":
        starts = _whole_words(text, loc.quote)
        if not starts:
            raise _NotFound(f"quote {loc.quote!r} is not in the text as a whole word; copy it exactly")
        return [Span(s, s + len(loc.quote)) for s in starts]
    start = _find_one(text, loc, "quote")
    return [Span(start, start + len(loc.quote))]


def locate_evidence(text: str, evidence: Evidence) -> Span:
    loc = evidence.locator
    if loc.to is None:
        start = _find_one(text, loc, "quote")
        return Span(start, start + len(loc.quote))
    start = _find_one(text, loc, "from")
    at = text.find(loc.to, start)
    while at >= 0 and at + len(loc.to) < start + len(loc.quote):
        at = text.find(loc.to, at + 1)
    if at < 0:
        raise _NotFound(f"'to' {loc.to!r} does not occur after 'from' {loc.quote!r}")
    end = at + len(loc.to)
    if end - start > MAX_EVIDENCE_CHARS:
        raise _NotFound(
            f"the span from {loc.quote!r} to {loc.to!r} is {end - start} characters long "
            f"(at most {MAX_EVIDENCE_CHARS}); check 'to'"
        )
    return Span(start, end)


def _nested(span: Span, others: Sequence[Span]) -> bool:
    return any(
        o.start <= span.start and span.end <= o.end and (o.end - o.start) > (span.end - span.start) for o in others
    )


def resolve(doc: AnnotationFile, text: str) -> Resolution:
    """Work out every offset from the text; report quotes that cannot be found.

    ``occurrence: all`` matches that lie inside a longer mention of the same file are dropped,
    so that "Qalamoun" inside "eastern Qalamoun" is one mention, not two.
    """
    problems: list[Problem] = []
    located: dict[int, list[Span]] = {}
    for i, mention in enumerate(doc.mentions):
        try:
            located[i] = locate_mention(text, mention)
        except _NotFound as exc:
            problems.append(Problem(str(exc), _field(mention.where, "quote"), source="text"))
    every = [s for spans in located.values() for s in spans]
    mentions = []
    for i, mention in enumerate(doc.mentions):
        spans = located.get(i)
        if spans is None:
            mentions.append(mention)
            continue
        if mention.locator.occurrence == "all":
            spans = [s for s in spans if not _nested(s, every)]
        if not spans:
            problems.append(
                Problem(
                    f"every match of {mention.locator.quote!r} lies inside a longer mention",
                    mention.where,
                    source="text",
                )
            )
        mentions.append(replace(mention, spans=tuple(spans)))

    def resolve_evidence(items: tuple[Evidence, ...]) -> tuple[Evidence, ...]:
        out = []
        for ev in items:
            try:
                out.append(replace(ev, span=locate_evidence(text, ev)))
            except _NotFound as exc:
                problems.append(Problem(str(exc), ev.where, source="text"))
                out.append(ev)
        return tuple(out)

    events = tuple(replace(e, evidence=resolve_evidence(e.evidence)) for e in doc.events)
    claims = tuple(replace(c, evidence=resolve_evidence(c.evidence)) for c in doc.claims)
    routes = tuple(replace(r, evidence=resolve_evidence(r.evidence)) for r in doc.routes)
    resolved = replace(doc, mentions=tuple(mentions), events=events, claims=claims, routes=routes)
    return Resolution(resolved, tuple(problems), changed=_offsets(resolved) != _offsets(doc))


def _offsets(doc: AnnotationFile) -> list[object]:
    found: list[object] = [m.spans for m in doc.mentions]
    return found + [ev.span for item in doc.supported for ev in item.evidence]


def _field(where: Location, name: str) -> Location:
    return replace(where, field=f"{where.field}.{name}" if where.field else name)


def check_stored(doc: AnnotationFile, text: str | None, resolution: Resolution | None = None) -> list[Problem]:
    """Compare the offsets stored in a file with the text (or, without a text, require them).

    With the text: every stored span must hold its quote and be where the quote resolves to
    (``resolution``, if the caller already has ``resolve(doc, text)``, is not worked out again).
    Without it: every mention and evidence must have stored offsets.
    """
    if text is None:
        return [
            Problem(
                "no offsets stored and the article text is not available; run 'kg annotate --resolve' with the corpus",
                where,
                source="text",
            )
            for where in _unresolved(doc)
        ]
    problems: list[Problem] = []
    resolution = resolution or resolve(doc, text)
    problems += resolution.problems
    for stored, fresh in zip(doc.mentions, resolution.doc.mentions, strict=True):
        problems += _compare(text, stored.locator, stored.spans, fresh.spans, stored.where, "spans")
    for item, fresh_item in zip(doc.supported, resolution.doc.supported, strict=True):
        for ev, fresh_ev in zip(item.evidence, fresh_item.evidence, strict=True):
            stored_spans = (ev.span,) if ev.span else ()
            fresh_spans = (fresh_ev.span,) if fresh_ev.span else ()
            problems += _compare(text, ev.locator, stored_spans, fresh_spans, ev.where, "span")
    return problems


def _unresolved(doc: AnnotationFile) -> list[Location]:
    missing = [m.where for m in doc.mentions if not m.spans]
    missing += [ev.where for item in doc.supported for ev in item.evidence if ev.span is None]
    return missing


def preview(text: str, span: Span, most: int = 60) -> str:
    """What a span of the text holds, cut in the middle when it is long."""
    held = text[span.start : span.end]
    return held if len(held) <= most else f"{held[: most // 2]}…{held[-(most // 2) :]}"


def _holds(text: str, loc: Locator, span: Span) -> bool:
    """Whether a stored span holds what its locator quotes (``from`` … ``to`` for a long one)."""
    held = text[span.start : span.end]
    if loc.to is None:
        return held == loc.quote
    return held.startswith(loc.quote) and held.endswith(loc.to)


def _compare(
    text: str, loc: Locator, stored: Sequence[Span], fresh: Sequence[Span], where: Location, name: str
) -> list[Problem]:
    if not stored:
        return [
            Problem(
                "offsets not stored yet; run 'kg annotate --resolve' on this file",
                _field(where, name),
                severity="warning",
                source="text",
            )
        ]
    for span in stored:
        if span.start >= span.end:
            return [
                Problem(f"offsets [{span.start}, {span.end}] are empty or reversed", _field(where, name), source="text")
            ]
        if span.end > len(text):
            return [
                Problem(
                    f"offsets [{span.start}, {span.end}] lie outside the text ({len(text)} characters)",
                    _field(where, name),
                    source="text",
                )
            ]
        if not _holds(text, loc, span):
            quoted = repr(loc.quote) if loc.to is None else f"{loc.quote!r} … {loc.to!r}"
            return [
                Problem(
                    f"offsets [{span.start}, {span.end}] hold {preview(text, span)!r}, not {quoted}",
                    _field(where, name),
                    source="text",
                )
            ]
    if fresh and tuple(stored) != tuple(fresh):
        moved = ", ".join(f"[{f.start}, {f.end}]" for f in fresh)
        return [
            Problem(
                f"stored offsets differ from where the quote is found ({moved}); run 'kg annotate --resolve'",
                _field(where, name),
                source="text",
            )
        ]
    return []
