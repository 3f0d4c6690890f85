"""kg.spans: quotes resolve to code-point offsets, and stored offsets are checked against the text.

Most tests use TEXT below; the nested-mention rule uses tests/data/annotation_overlapping_spans.yaml
over tests/data/overlapping.txt (both invented).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from kg import annotations, spans
from kg.annotations import AnnotationFile, DateSpec, Event, Evidence, Locator, Mention, Span
from kg.errors import Location
from kg.report import Problem

DATA = Path(__file__).resolve().parent / "data"

# "Hilltop" occurs four times as letters, three times as a whole word ("Hilltoppers" is the fourth).
TEXT = (
    "Rebels took Hilltop on Monday, a spokesman said.\n"
    "Later the army said Hilltop would be retaken; the Hilltoppers fled.\n"
    "By Friday the army was back in Hilltop.\n"
)
HILLTOPS = [12, 69, 99, 148]  # every exact match of "Hilltop"; 99 is inside "Hilltoppers"


# --------------------------------------------------------------------------- factories


def mention(quote: str, *, occurrence: int | str | None = None, prefix: str | None = None, stored=()) -> Mention:
    """A mention of the place hilltop, as the first mention of a.yaml (line 10)."""
    return Mention(
        "hilltop",
        Locator(quote, occurrence, prefix),
        tuple(Span(*s) for s in stored),
        Location("a.yaml", 10, "mentions[0]"),
    )


def evidence(quote: str, *, to: str | None = None, occurrence: int | None = None, stored=None) -> Evidence:
    """One evidence span of the first event of a.yaml (line 20)."""
    return Evidence(
        Locator(quote, occurrence, None, to),
        Span(*stored) if stored else None,
        Location("a.yaml", 20, "events[0].evidence[0]"),
    )


def doc(*mentions: Mention, evidence: tuple[Evidence, ...] = ()) -> AnnotationFile:
    """An article file with these mentions and, if given, one event carrying the evidence."""
    day = DateSpec("day", date(2020, 3, 2), date(2020, 3, 2), "text-relative", "'on Monday'")
    events = ()
    if evidence:
        event = Event(
            "hilltop-taken", "Capture", "hilltop", {"gaining": ("rebels",)}, day, None, None, "reported", (), None,
            evidence, Location("a.yaml", 15, "events[0]"),
        )  # fmt: skip
        events = (event,)
    return AnnotationFile("a.yaml", None, (), tuple(mentions), events)


def resolved_spans(m: Mention, text: str = TEXT) -> tuple[Span, ...]:
    """The spans a single mention resolves to, with no problems."""
    resolution = spans.resolve(doc(m), text)
    assert resolution.problems == (), [str(p) for p in resolution.problems]
    return resolution.doc.mentions[0].spans


def problem_of(d: AnnotationFile, text: str = TEXT) -> Problem:
    """The one problem resolving a file gives."""
    problems = spans.resolve(d, text).problems
    assert len(problems) == 1, [str(p) for p in problems]
    return problems[0]


def evidence_span(ev: Evidence, text: str = TEXT) -> Span | None:
    resolution = spans.resolve(doc(evidence=(ev,)), text)
    assert resolution.problems == (), [str(p) for p in resolution.problems]
    return resolution.doc.events[0].evidence[0].span


# --------------------------------------------------------------------------- mentions


def test_unique_quote():
    """A quote that occurs once resolves to its offsets, end exclusive."""
    assert resolved_spans(mention("spokesman")) == (Span(33, 42),)
    assert TEXT[33:42] == "spokesman"


def test_quote_not_found_says_copy_exactly():
    """A quote in the wrong case is not found, and the message says to copy it exactly."""
    problem = problem_of(doc(mention("rebels took")))
    assert "'rebels took' is not in the text" in problem.message
    assert "copy it exactly" in problem.message
    assert (problem.where.line, problem.where.field) == (10, "mentions[0].quote")


def test_ambiguous_quote_without_occurrence():
    """A repeated quote without occurrence or prefix gives the count and says what to add."""
    problem = problem_of(doc(mention("Hilltop")))
    assert "occurs 4 times" in problem.message
    assert "occurrence" in problem.message and "prefix" in problem.message


def test_occurrence_n():
    """occurrence: N picks the Nth exact match (1-based)."""
    assert resolved_spans(mention("Hilltop", occurrence=2)) == (Span(69, 76),)


def test_occurrence_beyond_the_count():
    """An occurrence past the last match says how many there are."""
    problem = problem_of(doc(mention("Hilltop", occurrence=5)))
    assert "occurs 4 times, not 5" in problem.message


def test_prefix():
    """A prefix picks the one match it precedes; the span covers the quote only."""
    assert resolved_spans(mention("Hilltop", prefix="back in ")) == (Span(148, 155),)


def test_prefix_that_is_not_unique():
    """A prefix that still leaves two matches asks for a longer prefix."""
    problem = problem_of(doc(mention("army", prefix="the ")))
    assert "occurs 2 times" in problem.message and "make the prefix longer" in problem.message


def test_occurrence_all_matches_whole_words():
    """occurrence: all finds every whole-word match, skipping "Hilltop" inside "Hilltoppers"."""
    found = resolved_spans(mention("Hilltop", occurrence="all"))
    assert [s.start for s in found] == [h for h in HILLTOPS if h != 99]
    assert all(TEXT[s.start : s.end] == "Hilltop" for s in found)


def test_occurrence_all_not_a_whole_word():
    """occurrence: all for letters that only occur inside words is a problem."""
    problem = problem_of(doc(mention("Hilltoppe", occurrence="all")))
    assert "not in the text as a whole word" in problem.message


def test_nested_mentions_are_dropped():
    """In the overlapping fixture, "Greenvale" inside "upper Greenvale" is not a second mention."""
    text = (DATA / "overlapping.txt").read_text("utf-8")
    fixture, problems = annotations.parse((DATA / "annotation_overlapping_spans.yaml").read_text("utf-8"), "o.yaml")
    assert problems == [] and fixture is not None
    resolution = spans.resolve(fixture, text)
    assert resolution.problems == ()
    upper, greenvale = resolution.doc.mentions
    assert [text[s.start : s.end] for s in upper.spans] == ["upper Greenvale", "upper Greenvale"]
    assert greenvale.spans == (Span(95, 104),)  # the one standing alone
    assert not resolution.changed  # the spans stored in the fixture are these
    assert spans.check_stored(fixture, text) == []


def test_every_match_nested_is_a_problem():
    """An `all` mention whose every match lies inside a longer mention is reported."""
    d = doc(mention("army", occurrence="all"), mention("the army", occurrence="all"))
    problem = problem_of(d)
    assert "every match of 'army' lies inside a longer mention" in problem.message


def test_unchanged_when_stored_spans_agree():
    """A file whose stored offsets are right resolves with changed=False; a stale one with True."""
    assert not spans.resolve(doc(mention("spokesman", stored=[(33, 42)])), TEXT).changed
    assert spans.resolve(doc(mention("spokesman", stored=[(30, 39)])), TEXT).changed


# --------------------------------------------------------------------------- evidence


def test_evidence_quote():
    """Evidence given by a quote spans the quote."""
    assert evidence_span(evidence("Rebels took Hilltop")) == Span(0, 19)


def test_evidence_from_to():
    """Evidence from … to spans from the start of `from` to the end of the first `to` after it."""
    span = evidence_span(evidence("the army said", to="retaken"))
    assert span is not None
    assert TEXT[span.start : span.end] == "the army said Hilltop would be retaken"


def test_evidence_from_with_occurrence():
    """occurrence picks which `from` the span starts at."""
    span = evidence_span(evidence("the army", to="Hilltop", occurrence=2))
    assert span is not None
    assert TEXT[span.start : span.end] == "the army was back in Hilltop"


def test_evidence_to_not_found():
    """A `to` that only occurs before `from` is reported."""
    problem = problem_of(doc(evidence=(evidence("By Friday", to="Monday"),)))
    assert "'to' 'Monday' does not occur after 'from' 'By Friday'" in problem.message
    assert problem.where.field == "events[0].evidence[0]"


def test_runaway_span():
    """A span longer than MAX_EVIDENCE_CHARS is refused with its length and a hint to check `to`."""
    long_text = TEXT + "filler " * (spans.MAX_EVIDENCE_CHARS // 7) + "THE END\n"
    problem = problem_of(doc(evidence=(evidence("Rebels took", to="THE END"),)), long_text)
    assert f"(at most {spans.MAX_EVIDENCE_CHARS})" in problem.message
    assert "check 'to'" in problem.message


# --------------------------------------------------------------------------- check_stored


def test_check_stored_accepts_right_offsets():
    """Offsets that hold the quote where it resolves give no problems."""
    d = doc(mention("Hilltop", occurrence=2, stored=[(69, 76)]), evidence=(evidence("spokesman", stored=(33, 42)),))
    assert spans.check_stored(d, TEXT) == []


def test_check_stored_offsets_beyond_the_text():
    """Offsets past the end of the text are an error that gives the text's length."""
    problems = spans.check_stored(doc(mention("spokesman", stored=[(500, 509)])), TEXT)
    assert [p.severity for p in problems] == ["error"]
    assert f"lie outside the text ({len(TEXT)} characters)" in problems[0].message
    assert problems[0].where.field == "mentions[0].spans"


def test_check_stored_offsets_holding_other_words():
    """Offsets that hold other words say what they hold and what the quote is."""
    problems = spans.check_stored(doc(mention("spokesman", stored=[(0, 9)])), TEXT)
    assert [p.message for p in problems] == ["offsets [0, 9] hold 'Rebels to', not 'spokesman'"]


def test_check_stored_stale_offsets():
    """Offsets that hold the quote but not where the locator points are reported as stale."""
    problems = spans.check_stored(doc(mention("Hilltop", occurrence=2, stored=[(148, 155)])), TEXT)
    assert len(problems) == 1 and "differ from where the quote is found" in problems[0].message


def test_check_stored_missing_with_text_is_a_warning():
    """With the text at hand, offsets not yet stored are only a warning (they can be worked out)."""
    problems = spans.check_stored(doc(mention("spokesman"), evidence=(evidence("Rebels took"),)), TEXT)
    assert [(p.severity, p.where.field) for p in problems] == [
        ("warning", "mentions[0].spans"),
        ("warning", "events[0].evidence[0].span"),
    ]
    assert all("kg annotate --resolve" in p.message for p in problems)


def test_check_stored_missing_without_text_is_an_error():
    """Without the text, missing offsets are errors: nothing could be built from them."""
    d = doc(mention("spokesman"), mention("army", occurrence=1, stored=[(59, 63)]), evidence=(evidence("Rebels took"),))
    problems = spans.check_stored(d, None)
    assert [(p.severity, p.where.field) for p in problems] == [
        ("error", "mentions[0]"),
        ("error", "events[0].evidence[0]"),
    ]
    assert "article text is not available" in problems[0].message


def test_check_stored_without_text_accepts_stored_offsets():
    """Without the text, a file with every offset stored passes (they are checked when the text is there)."""
    assert spans.check_stored(doc(mention("spokesman", stored=[(33, 42)])), None) == []
