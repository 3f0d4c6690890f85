"""What a person sees on the pages, in a real browser (Debian's chromium, driven by Playwright,
against a real server on loopback, at 1400 px): every table with its header row, nothing wider
than the window, no cell cut off; saved-query pages with headings and names instead of IRIs; a
place page with its control timeline and locator map; the navigation. Each test writes what it
saw to ``build/screenshots/<test name>/``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from .browser import SCREENSHOTS, assert_readable, open_page, require_browser, shot

require_browser()

QUERY_PAGES = [
    "/queries/control-at?place=al-Qaryatayn&date=2016-04-10",
    "/queries/control-periods?place=al-Qaryatayn",
    "/queries/place-history?place=al-Qaryatayn",
    "/queries/actor-events?actor=Islamic+State",
    "/queries/entities?kind=place",
    "/queries/articles",
    # what the articles say beyond control (#15)
    "/queries/routes",
    "/queries/incidents",
    "/queries/cited-reports",
    "/queries/claims-and-denials",
    "/queries/announced-operations",
    "/queries/casualties",
    "/queries/sources",
]


@pytest.fixture(scope="module")
def page() -> Iterator[Any]:
    with open_page(1400, 1000) as page:
        yield page


@pytest.mark.parametrize("path", QUERY_PAGES)
def test_a_saved_query_page_reads_as_a_table(seed_server: str, page, path: str) -> None:  # type: ignore[no-untyped-def]
    """A saved query's rows come under column headings, fit the window without splitting a word,
    and name what they link."""
    page.goto(seed_server + path)
    page.wait_for_selector("#results tbody tr")
    shot(page, "test_a_saved_query_page_reads_as_a_table", path.split("?")[0].rsplit("/", 1)[-1])
    assert_readable(page)
    headings = page.eval_on_selector_all("#results thead th", "ths => ths.map(th => th.innerText.trim())")
    cells = page.eval_on_selector("#results tbody tr", "tr => tr.cells.length")
    assert headings and len(headings) == cells, (headings, cells)
    assert not [h for h in headings if h.endswith(("Label", "Title"))], headings
    links = page.eval_on_selector_all("#results a[href^='/id/']", "as => as.map(a => a.innerText)")
    assert links and not [t for t in links if t.startswith("http")], links
    broken = page.eval_on_selector_all(  # words are never split: only ids and numbers may break anywhere
        "#results tbody td",
        """tds => tds.filter(td => getComputedStyle(td).overflowWrap === 'anywhere'
                                && !td.innerText.split(/\\s+/).some(w => w.length >= 16)).map(td => td.innerText)""",
    )
    assert not broken, broken


def test_control_at_names_the_controller_under_its_heading(seed_server: str, page) -> None:  # type: ignore[no-untyped-def]
    """control-at's 'controller' column shows 'Syrian Arab Army', linked to its page, not an IRI."""
    page.goto(seed_server + QUERY_PAGES[0])
    headings = page.eval_on_selector_all("#results thead th", "ths => ths.map(th => th.innerText.trim())")
    assert "controller" in headings and "last confirmed" in headings, headings
    column = headings.index("controller") + 1
    first = page.locator(f"#results tbody tr:first-child td:nth-child({column}) a")
    assert first.get_attribute("href", timeout=5000).startswith("/id/actor/")
    assert first.inner_text() in {"Syrian Arab Army", "Syrian government"}
    page.screenshot(path=str(SCREENSHOTS / "query-page.png"), full_page=True)


def test_a_place_page_draws_its_control_timeline(seed_server: str, page) -> None:  # type: ignore[no-untyped-def]
    """al-Qaryatayn's page shows one band per controller, hatched where not certain, with each bar
    linked to its source; its coordinates with their source and a locator map; tables that fit."""
    page.goto(seed_server + "/id/place/al-qaryatayn")
    page.wait_for_selector("#locator[data-ready=true]")
    bands = page.eval_on_selector_all("#timeline g.band text.who", "ws => ws.map(w => w.textContent)")
    assert bands == ["Islamic State", "Syrian Arab Army"], bands
    kinds = set(page.eval_on_selector_all("#timeline .bar", "bs => bs.map(b => b.classList[1])"))
    assert {"certain", "uncertain", "stale", "disputed"} <= kinds, kinds
    hrefs = set(page.eval_on_selector_all("#timeline .bar", "bs => bs.map(b => b.getAttribute('href'))"))
    assert "/id/article/000_d0ca17a74fd2c527" in hrefs and "/id/article/001_e1aede16270a3f65" in hrefs
    assert page.locator("#timeline text.tick").count() >= 3
    # drawn where they belong: Islamic State's certain stretch ends left of the government's
    boxes = page.eval_on_selector_all(
        "#timeline .bar.certain rect",
        "rs => rs.map(r => [r.closest('g.band').dataset.controller, r.getBBox().x, r.getBBox().width])",
    )
    held = {who.rsplit("/", 1)[-1]: x for who, x, width in boxes if width > 10}
    assert held["islamic-state"] < held["syrian-arab-army"], boxes
    assert "GeoNames 173361" in page.inner_text("#coordinates")
    assert page.locator("#locator circle.here").count() == 1
    headings = page.eval_on_selector_all("#history thead th", "ths => ths.map(th => th.innerText.trim())")
    assert "place" not in headings and "source" in headings, headings
    assert_readable(page)
    shot(page, "test_a_place_page_draws_its_control_timeline", "al-qaryatayn")
    page.screenshot(path=str(SCREENSHOTS / "place-page.png"), full_page=False)
    page.click("#timeline .bar[href='/id/article/001_e1aede16270a3f65']")
    page.wait_for_url("**/id/article/001_e1aede16270a3f65")


def test_saved_queries_opens_the_catalogue_page_grouped(seed_server: str, page) -> None:  # type: ignore[no-untyped-def]
    """The header's "Saved queries" opens the page (not JSON): sections by what queries answer,
    control-at first, descriptions with <code> for backticks and working links to docs."""
    page.goto(seed_server + "/")
    page.click("header nav >> text=Saved queries")
    page.wait_for_url("**/queries")
    assert page.locator("h1").inner_text() == "Saved queries"
    sections = page.eval_on_selector_all(".query-group h2", "hs => hs.map(h => h.innerText)")
    assert sections[0] == "Who held what, when", sections
    first = page.eval_on_selector_all(".query-group:first-of-type dt code", "cs => cs.map(c => c.innerText)")
    assert first[:4] == ["control-at", "control-map", "place-history", "conflicting-reports"], first
    text = page.inner_text(".catalogue")
    assert "`" not in text
    assert page.locator("#q-control-at + dd code", has_text="status").count() == 1
    shot(page, "test_saved_queries_opens_the_catalogue_page_grouped", "queries")
    assert_readable(page)
    page.click("#q-control-at + dd a[href='/docs/control-semantics']")
    page.wait_for_url("**/docs/control-semantics")
    assert "control" in page.inner_text("body").lower()


def test_a_query_without_parameters_runs_on_open(seed_server: str, page) -> None:  # type: ignore[no-untyped-def]
    """Opening summary (no parameters) shows its rows at once, without pressing Run."""
    page.goto(seed_server + "/queries/summary")
    assert "place" in page.inner_text("#results tbody")


def test_the_search_box_finds_any_spelling(seed_server: str, page) -> None:  # type: ignore[no-untyped-def]
    """Typing 'Al Qaryatain' (an alternate spelling) and pressing Enter opens al-Qaryatayn's page;
    a name nothing has says so and stays on the page."""
    page.goto(seed_server + "/map")
    page.fill("#search-box", "Al Qaryatain")
    page.wait_for_function("() => document.getElementById('search').dataset.hits > 0")
    page.press("#search-box", "Enter")
    page.wait_for_url("**/id/place/al-qaryatayn")
    page.fill("#search-box", "Atlantis")
    page.press("#search-box", "Enter")
    page.wait_for_function("() => document.getElementById('search-box').validationMessage !== ''")
    assert "nothing in the graph" in page.eval_on_selector("#search-box", "b => b.validationMessage")
    assert page.url.endswith("/id/place/al-qaryatayn")


def test_the_counts_on_the_home_page_link_to_lists(seed_server: str, page) -> None:  # type: ignore[no-untyped-def]
    """'60 places' on / opens the list of places; 'articles' the list of articles."""
    page.goto(seed_server + "/")
    assert_readable(page)
    page.screenshot(path=str(SCREENSHOTS / "home.png"))
    page.click(".counts a:has-text('place')")
    page.wait_for_selector("#results tbody tr")
    assert "kind=place" in page.url and "al-Qaryatayn" in page.inner_text("#results")


def test_an_article_page_lists_its_events_and_claims_with_evidence(seed_server: str, page) -> None:  # type: ignore[no-untyped-def]
    """Article 002's page lists the capture of al-Qaryatayn with its date, actors, source and the
    article's words, and the Palmyra distance claim; the raw statements are folded away."""
    page.goto(seed_server + "/id/article/002_27cbe1813f689608")
    rows = [r.inner_text() for r in page.query_selector_all("#items tbody tr")]
    capture = next(r for r in rows if r.startswith("capture") and "al-Qaryatayn" in r)
    assert "2015-08-01 – 2015-08-31" in capture and "gaining: Islamic State" in capture
    assert "Syrian Observatory for Human Rights" in capture and "stormed" in capture.lower()
    assert any(r.startswith("distance claim") and "from Palmyra" in r for r in rows), rows
    assert not page.locator("#statements").is_visible()
    assert_readable(page)
    shot(page, "test_an_article_page_lists_its_events_and_claims_with_evidence", "002")


def test_an_actor_page_lists_events_in_date_order_and_places_held(seed_server: str, page) -> None:  # type: ignore[no-untyped-def]
    """Islamic State's page lists its events earliest first and the places it held over time,
    al-Qaryatayn among them, named, not as IRIs."""
    page.goto(seed_server + "/id/actor/islamic-state")
    headings = page.eval_on_selector_all("#events thead th", "ths => ths.map(th => th.innerText.trim())")
    column = headings.index("earliest") + 1
    days = [
        d
        for d in page.eval_on_selector_all(
            f"#events tbody td:nth-child({column})", "tds => tds.map(td => td.innerText)"
        )
        if d
    ]
    assert days and days == sorted(days), days
    held = page.inner_text("#held")
    assert "al-Qaryatayn" in held and "https://" not in held
    assert "held" in held and "contested" in held
    assert_readable(page)
    shot(page, "test_an_actor_page_lists_events_in_date_order_and_places_held", "islamic-state")


BROKEN_WORDS = """sel => {
  // a word of a cell that the browser split over two lines (letters only: "report|ed", not "2015-|08")
  const broken = [];
  for (const td of document.querySelectorAll(sel)) {
    const walker = document.createTreeWalker(td, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const m of node.textContent.matchAll(/[A-Za-z]{4,}/g)) {
        const range = document.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        const tops = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
        if (tops.size > 1) broken.push(m[0]);
      }
    }
  }
  return broken;
}"""


def test_a_place_page_names_things_once_and_keeps_words_whole(seed_server: str, page) -> None:  # type: ignore[no-untyped-def]
    """al-Qaryatayn's History has no "at" column repeating the place and its events under their
    type, linked; statements and mentions show names (no IRIs, no id column beside a name column);
    no word in a table is split over two lines."""
    page.goto(seed_server + "/id/place/al-qaryatayn")
    heads = page.eval_on_selector_all("#history thead th", "ths => ths.map(th => th.innerText.trim())")
    assert "at" not in heads and "event type" not in heads and "event" in heads, heads
    column = heads.index("event") + 1
    events = page.eval_on_selector_all(
        f"#history tbody td:nth-child({column}) a", "as => as.map(a => [a.innerText, a.getAttribute('href')])"
    )
    assert events and {text for text, _ in events} <= {"capture", "assault", "siege", "withdrawal"}, events
    assert all(href.startswith("/id/event/") for _, href in events), events
    assert "al-qaryatayn" not in page.inner_text("#history")
    statements = page.inner_text("#statements")
    assert "http://www.w3.org" not in statements and "Homs governorate" in statements
    assert "homs-governorate" not in statements and "settlement" in statements.lower()
    mention_heads = page.eval_on_selector_all("#mentions thead th", "ths => ths.map(th => th.innerText.trim())")
    assert mention_heads[0] == "article" and "title" not in mention_heads, mention_heads
    assert "ISIS storms into strategic town outside Qalamoun" in page.inner_text("#mentions")
    assert "000_d0ca17a74fd2c527" not in page.inner_text("#mentions")
    broken = page.evaluate(BROKEN_WORDS, "main td")
    assert not broken, broken
    assert_readable(page)


def _glossary(page) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The status words of #statuses, each with its class (here: the page shows it; absent: greyed)."""
    return dict(
        page.eval_on_selector_all(
            "#statuses > div", "ds => ds.map(d => [d.querySelector('dt').innerText, d.className])"
        )
    )


def test_a_place_page_lists_its_control_periods_with_their_status(seed_server: str, page) -> None:  # type: ignore[no-untyped-def]
    """al-Qaryatayn's page lists every control period under the timeline with its status in words
    (held, contested, besieged, inferred), basis, scope and the actors `with` it, sources named by
    their headline; the glossary under it says what each word means, the ones shown in full."""
    page.goto(seed_server + "/id/place/al-qaryatayn")
    heads = page.eval_on_selector_all("#periods thead th", "ths => ths.map(th => th.innerText.trim())")
    for word in ("controller", "status", "basis", "scope", "with", "since", "end latest", "last confirmed", "source"):
        assert word in heads, heads
    column = heads.index("status") + 1
    statuses = set(
        page.eval_on_selector_all(f"#periods tbody td:nth-child({column})", "ts => ts.map(t => t.innerText)")
    )
    assert {"held", "contested", "besieged", "inferred"} <= statuses, statuses
    text = page.inner_text("#periods")
    assert "https://" not in text and "ISIS storms into strategic town outside Qalamoun" in text
    glossary = _glossary(page)
    assert set(glossary) == {
        "held",
        "contested",
        "besieged",
        "mixed",
        "disputed",
        "inferred",
        "reported",
        "claimed",
        "stale",
    }
    assert [glossary[w] for w in ("inferred", "besieged", "disputed", "claimed")] == ["here", "here", "here", "absent"]
    assert "never certain" in page.inner_text("#statuses div[data-status=inferred]")
    inferred = page.get_attribute("#timeline .bar.uncertain[aria-label^='Syrian Arab Army: inferred']", "aria-label")
    assert inferred and "start unknown, listed from 2015-05-03" in inferred, inferred
    assert not page.evaluate(BROKEN_WORDS, "#periods td")
    assert_readable(page)
    shot(page, "test_a_place_page_lists_its_control_periods_with_their_status", "al-qaryatayn")


def test_besieged_al_dumayr_names_its_holder_and_the_besiegers(seed_server: str, page) -> None:  # type: ignore[no-untyped-def]
    """al-Dumayr's page: the opposition, besieged by the Islamic State and the army (start not
    given, drawn from 90 days before the siege's last day), then held from 10 November 2016."""
    page.goto(seed_server + "/id/place/al-dumayr")
    rows = page.eval_on_selector_all(
        "#periods tbody tr", "trs => trs.map(tr => [...tr.cells].map(td => td.innerText.trim()))"
    )
    heads = page.eval_on_selector_all("#periods thead th", "ths => ths.map(th => th.innerText.trim())")
    found = {(r[heads.index("controller")], r[heads.index("status")], r[heads.index("with")]) for r in rows}
    assert found == {
        ("Syrian opposition forces", "besieged", "Islamic State, Syrian Arab Army"),
        ("Syrian opposition forces", "held", ""),
    }, found
    title = page.get_attribute("#timeline .bar[aria-label*='besieged']", "aria-label") or ""
    assert "start unknown, listed from 2016-08-12" in title, title
    assert _glossary(page)["besieged"] == "here"
    assert_readable(page)
    shot(page, "test_besieged_al_dumayr_names_its_holder_and_the_besiegers", "al-dumayr")


def test_a_place_page_shows_mixed_control(seed_server: str, page) -> None:  # type: ignore[no-untyped-def]
    """The Qalamoun mountains on 4 April 2016: the army, the Islamic State and Jabhat al-Nusra,
    each mixed and partial, each with the two others."""
    page.goto(seed_server + "/id/place/qalamoun-mountains")
    text = page.inner_text("#periods")
    assert text.count("mixed") == 3 and "partial" in text and "Jabhat al-Nusra" in text
    assert _glossary(page)["mixed"] == "here"
    assert_readable(page)
    shot(page, "test_a_place_page_shows_mixed_control", "qalamoun-mountains")


def test_an_actor_page_says_what_the_status_words_mean(seed_server: str, page) -> None:  # type: ignore[no-untyped-def]
    """The Islamic State's places held over time carry a status, and the glossary under them
    explains every status word."""
    page.goto(seed_server + "/id/actor/islamic-state")
    heads = page.eval_on_selector_all("#held thead th", "ths => ths.map(th => th.innerText.trim())")
    assert "status" in heads and "place" in heads, heads
    assert {"held", "contested", "besieged", "mixed", "disputed", "inferred"} <= set(_glossary(page))
    assert_readable(page)
    shot(page, "test_an_actor_page_says_what_the_status_words_mean", "islamic-state")
