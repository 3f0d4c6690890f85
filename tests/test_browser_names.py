"""The saved-query form in a real browser (chromium, Playwright, a real server on loopback)
reads a transliteration as the place it folds to, and says so on the page."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from .browser import open_page, require_browser

require_browser()


@pytest.fixture(scope="module")
def page() -> Iterator[Any]:
    with open_page() as page:
        yield page


def test_the_form_reads_qaryatain_and_says_as_what(seed_server: str, page) -> None:  # type: ignore[no-untyped-def]
    """control-at with place=Qaryatain answers for al-Qaryatayn, with a note naming it."""
    page.goto(seed_server + "/queries/control-at")
    page.fill("#p-place", "Qaryatain")
    page.fill("#p-date", "2016-04-10")
    page.click("form#query-form button[type=submit]")
    page.wait_for_selector("#results tbody tr")
    assert "Syrian Arab Army" in page.inner_text("#results")
    note = page.inner_text("p.note")
    assert "“Qaryatain” was read as al-Qaryatayn (place/al-qaryatayn)" in note


def test_the_form_refuses_an_unknown_name_with_a_web_hint(seed_server: str, page) -> None:  # type: ignore[no-untyped-def]
    """An unknown name shows did-you-mean and a hint for the web, not a kg command."""
    page.goto(seed_server + "/queries/control-at?place=Qaryatyn&date=2016-04-10")
    problem = page.inner_text("p.problem")
    assert "did you mean al-Qaryatayn" in problem and "/reconcile/suggest/entity" in problem
    assert "kg query" not in problem
