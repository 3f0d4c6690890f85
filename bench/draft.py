"""Drafts against the hand annotations: leave one out over the seed articles (or a synthetic corpus).

For each article *k*: a store is built from the other articles (with the shared entities and the
gazetteer links), article *k* is drafted with `kg.drafting.draft_article`, and the draft is
compared with the hand annotation of *k*:

- mentions by span and entity: recall (hand pairs the draft has) and precision (draft pairs the
  hand annotation has);
- dates: each hand-dated event whose derivation quotes an expression of the text ('on Sunday')
  — the draft must have read that expression, in the event's evidence, to the same window;
- events: hand events for which the draft proposes one of the same place and type whose
  evidence overlaps the hand evidence; and whether every proposed event has an evidence span;
- time to draft the article: the first draft of the run (cold: the gazetteer and dateparser
  load) and the median of --runs more (warm, as in a running server).

    python bench/draft.py [--runs 3] [--data data --corpus ../shared/corpus] [--misses]
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from kg import annotations, drafting, pipeline
from kg.annotations import AnnotationFile
from kg.config import Settings
from kg.store.embedded import EmbeddedStore

ROOT = Path(__file__).resolve().parents[1]
QUOTED = re.compile(r"'([^']{3,60})'")
# A quoted derivation names a date expression (not a tense, "remain", or a compound, "ISIS-held").
DATE_WORDS = re.compile(
    r"\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|yesterday|today|week|weeks|month|months"
    r"|year|years|ago|winter|spring|summer|autumn|since|january|february|march|april|may|june|july|august"
    r"|september|october|november|december|jan|feb|mar|apr|aug|sept?|oct|nov|dec|\d{4}|\d+(?:st|nd|rd|th))\b",
    re.IGNORECASE,
)


@dataclass
class Score:
    """One article's figures and misses."""

    name: str
    hand_mentions: int = 0
    draft_mentions: int = 0
    mention_hits: int = 0
    dates: int = 0
    date_hits: int = 0
    events: int = 0
    event_hits: int = 0
    proposed: int = 0
    without_evidence: int = 0
    cold: float = 0.0
    warm: float = 0.0
    misses: list[str] = field(default_factory=list)


def leave_one_out(data: Path, corpus: Path, work: Path) -> Iterator[tuple[Path, Settings]]:
    """For each article: settings over a store built from every other article."""
    articles = sorted((data / "articles").glob("*.yaml"))
    for held in articles:
        folder = work / held.stem
        (folder / "data" / "articles").mkdir(parents=True)
        for shared in ("entities.yaml", "links.yaml", "decisions.yaml"):
            if (data / shared).is_file():
                shutil.copy(data / shared, folder / "data" / shared)
        for other in articles:
            if other != held:
                shutil.copy(other, folder / "data" / "articles" / other.name)
        settings = Settings.from_env({}, data=folder / "data", corpus=corpus, store=str(folder / "store"))
        result = pipeline.build(settings)
        if not result.stored:
            raise SystemExit(f"the build without {held.name} failed: {[str(p) for p in result.report.errors][:3]}")
        yield held, settings


def hand(path: Path) -> AnnotationFile:
    doc, problems = annotations.parse(path.read_text("utf-8"), str(path))
    assert doc is not None, problems
    return doc


def score_article(held: Path, settings: Settings, corpus: Path, runs: int) -> Score:
    doc = hand(held)
    assert doc.article is not None
    text = (corpus / doc.article.file).read_bytes().decode("utf-8")
    published = (
        doc.article.published.earliest if doc.article.published and doc.article.published.precision == "day" else None
    )
    store = EmbeddedStore.open(settings.store)
    try:
        started = time.perf_counter()
        made = drafting.draft_article(settings, store, text, file_name=doc.article.file, published=published)
        cold = time.perf_counter() - started
        warm = []
        for _ in range(runs):
            started = time.perf_counter()
            drafting.draft_article(settings, store, text, file_name=doc.article.file, published=published)
            warm.append(time.perf_counter() - started)
    finally:
        store.close()
    score = Score(held.stem, cold=cold, warm=statistics.median(warm) if warm else cold)
    _mentions(score, doc, made.document, text)
    _dates(score, doc, made.document, text)
    _events(score, doc, made.document)
    return score


def _mentions(score: Score, doc: AnnotationFile, draft: dict[str, Any], text: str) -> None:
    want = {(s.start, s.end, m.entity) for m in doc.mentions for s in m.spans}
    got = {(s[0], s[1], m["entity"]) for m in draft.get("mentions", []) for s in m["spans"]}
    score.hand_mentions, score.draft_mentions, score.mention_hits = len(want), len(got), len(want & got)
    for start, end, entity in sorted(want - got):
        score.misses.append(f"mention missed: {text[start:end]!r} [{start}, {end}] {entity}")
    for start, end, entity in sorted(got - want):
        score.misses.append(f"mention extra: {text[start:end]!r} [{start}, {end}] {entity}")


def _dates(score: Score, doc: AnnotationFile, draft: dict[str, Any], text: str) -> None:
    found = draft.get("dates", [])
    for event in doc.events:
        quoted = [
            q.lower()
            for q in QUOTED.findall(event.date.derivation or "")
            if q.lower() in text.lower() and DATE_WORDS.search(q)
        ]
        spans = [e.span for e in event.evidence if e.span is not None]
        if event.date.basis not in {"text-relative", "text-explicit"} or not quoted:
            continue
        inside = [
            d
            for d in found
            if any(s.start <= d["span"][0] and d["span"][1] <= s.end for s in spans)
            and any(d["quote"].lower() in q for q in quoted)
        ]
        score.dates += 1
        window = (event.date.earliest, event.date.latest)
        if any(_window(d["date"]) == window for d in inside):
            score.date_hits += 1
        else:
            read = [f"{d['quote']!r} → {_window(d['date'])}" for d in inside] or ["not found in the evidence"]
            score.misses.append(f"date missed: {event.id} {quoted[0]!r} hand {window}, draft {'; '.join(read)}")


def _window(raw: dict[str, Any]) -> tuple[date | None, date | None]:
    spec = annotations.parse_date(raw)
    return spec.earliest, spec.latest


def _events(score: Score, doc: AnnotationFile, draft: dict[str, Any]) -> None:
    proposed = draft.get("events", [])
    score.proposed = len(proposed)
    score.without_evidence = sum(1 for e in proposed if not all(ev.get("span") for ev in e.get("evidence", [])))
    score.events = len(doc.events)
    for event in doc.events:
        spans = [(e.span.start, e.span.end) for e in event.evidence if e.span is not None]
        if any(
            p["place"] == event.place
            and p["type"] == event.type
            and any(_overlap(tuple(ev["span"]), s) for ev in p["evidence"] for s in spans)
            for p in proposed
        ):
            score.event_hits += 1
        else:
            score.misses.append(f"event missed: {event.id} ({event.type} of {event.place})")


def _overlap(a: tuple[int, ...], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _pct(hits: int, total: int) -> str:
    return f"{100 * hits / total:.1f}%" if total else "–"


HEADER = (
    "| article | mentions hand / draft | recall | precision | dates same window | events hand / proposed "
    "| events right | no evidence | cold s | warm s |"
)


def _row(s: Score, cold: str, warm: str) -> str:
    return (
        f"| {s.name} | {s.hand_mentions} / {s.draft_mentions} | {_pct(s.mention_hits, s.hand_mentions)} "
        f"| {_pct(s.mention_hits, s.draft_mentions)} | {_pct(s.date_hits, s.dates)} ({s.date_hits}/{s.dates}) "
        f"| {s.events} / {s.proposed} | {_pct(s.event_hits, s.events)} | {s.without_evidence} | {cold} | {warm} |"
    )


def table(scores: list[Score]) -> str:
    rows = [HEADER, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    total = Score("**all**")
    for s in scores:
        rows.append(_row(s, f"{s.cold:.2f}", f"{s.warm:.2f}"))
        for name in ("hand_mentions", "draft_mentions", "mention_hits", "dates", "date_hits", "events", "event_hits"):
            setattr(total, name, getattr(total, name) + getattr(s, name))
        total.proposed += s.proposed
        total.without_evidence += s.without_evidence
    cold, warm = max(s.cold for s in scores), statistics.median(s.warm for s in scores)
    rows.append(_row(total, f"{cold:.2f} max", f"{warm:.2f} median"))
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT / "data")
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--misses", action="store_true", help="list every miss and extra")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kg-draft-bench-") as work:
        scores = [
            score_article(held, s, args.corpus, args.runs)
            for held, s in leave_one_out(args.data, args.corpus, Path(work))
        ]
    print(table(scores))
    if args.misses:
        for s in scores:
            print(f"\n{s.name}:")
            for miss in s.misses:
                print(f"  {miss}")


if __name__ == "__main__":
    main()
