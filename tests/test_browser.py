"""The pages in a real browser: Debian's chromium, driven by Playwright, against a real
server on loopback. Open `/`, run a saved query from its form and see the rows; open an entity
page and follow a link."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from .browser import assert_readable, open_page, require_browser, shot

require_browser()


@pytest.fixture(scope="module")
def page() -> Iterator[Any]:
    # 1400 px, the width the pages are held to: below it a wide table scrolls rather than split words
    with open_page(1400, 900) as page:
        yield page


def test_run_a_saved_query_from_its_form(seed_server: str, page) -> None:  # type: ignore[no-untyped-def]
    """From the home page, open control-at, fill in the form, run it and read the rows."""
    page.goto(seed_server + "/")
    assert "Territorial control" in page.inner_text("h1")
    page.click("text=Who controlled a place on a date")
    page.fill("#p-place", "al-Qaryatayn")
    page.fill("#p-date", "2016-04-10")
    page.click("form#query-form button[type=submit]")
    page.wait_for_selector("#results tbody tr")
    table = page.inner_text("#results")
    assert "Syrian Arab Army" in table
    sources = page.eval_on_selector_all("#results a[href^='/id/article/']", "as => as.map(a => a.getAttribute('href'))")
    assert {"/id/article/000_d0ca17a74fd2c527", "/id/article/001_e1aede16270a3f65"} <= set(sources)
    assert "With east Homs victory" in table  # the article by its title, not its id
    assert_readable(page)
    shot(page, "test_run_a_saved_query_from_its_form", "control-at")


def test_open_an_entity_page_and_follow_a_link(seed_server: str, page) -> None:  # type: ignore[no-untyped-def]
    """An entity page lists the place's history; its link to an article opens that article's page."""
    page.goto(seed_server + "/id/place/al-qaryatayn")
    assert "al-Qaryatayn" in page.inner_text("h1")
    page.click("#history a[href='/id/article/002_27cbe1813f689608']")
    page.wait_for_url("**/id/article/002_27cbe1813f689608")
    assert "ISIS storms into strategic town outside Qalamoun" in page.inner_text("main")
    assert_readable(page)


def test_the_sparql_editor_runs_a_query(seed_server: str, page) -> None:  # type: ignore[no-untyped-def]
    """The editor on the home page sends the query to /sparql and shows linked rows."""
    page.goto(seed_server + "/")
    page.select_option("#example", "Who held al-Qaryatayn, by source")
    page.click("#sparql-form button[type=submit]")
    page.wait_for_selector("#sparql-results tbody tr")
    assert "Islamic State" in page.inner_text("#sparql-results")
    assert page.locator("#sparql-results a[href^='/id/article/']").count() > 0
