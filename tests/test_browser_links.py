"""No link from an unchecked value, in a real browser (Debian's chromium, driven by Playwright,
against a real server on loopback): hostile ``?place=`` values on the map page, and a
``javascript:`` IRI in the SPARQL editor's results, never become an href that is not a path on
the site or an http(s) URL."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest

from kg.web.map import missing_assets

from .browser import open_page, require_browser

require_browser()

HOSTILE = [
    "javascript:alert(document.domain)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "https://w3id.org/kg/id/../../javascript:alert(1)",
    "__proto__",
]
# every href on the page, resolved by the browser, whose scheme is not http(s)
UNSAFE_HREFS = (
    "() => [...document.querySelectorAll('[href]')].map((a) => a.href || a.getAttribute('href'))"
    ".filter((h) => !/^https?:/i.test(String(h.baseVal ?? h)))"
)


@pytest.fixture(scope="module")
def page() -> Iterator[Any]:
    with open_page(1280, 900) as page:
        yield page


@pytest.mark.parametrize("value", HOSTILE)
def test_a_hostile_place_in_the_map_url_becomes_no_link(seed_server: str, page: Any, value: str) -> None:
    """/map?place=<hostile> says it is not a place, and no href on the page is anything but http(s)."""
    if missing_assets():
        pytest.skip("the map's npm assets are not installed: run `make install`")
    page.goto(f"{seed_server}/map?date=2016-04-10&place={quote(value, safe='')}")
    page.wait_for_selector("#map[data-ready=true]")
    page.wait_for_selector("#map-problem:not([hidden])")
    assert "is not a place on this map" in page.inner_text("#map-problem")
    assert page.evaluate(UNSAFE_HREFS) == []


def test_a_javascript_iri_in_query_results_becomes_no_link(seed_server: str, page: Any) -> None:
    """A javascript: or data: IRI among the SPARQL editor's results is shown as text, not linked."""
    page.goto(seed_server + "/")
    page.fill(
        "#query", "SELECT ?x WHERE { VALUES ?x { <javascript:alert(1)> <data:text/html,x> <https://example.org/ok> } }"
    )
    page.click("#sparql-form button[type=submit]")
    page.wait_for_selector("#sparql-results tbody tr")
    assert "javascript:alert(1)" in page.inner_text("#sparql-results")
    assert page.locator("#sparql-results a[href='https://example.org/ok']").count() == 1
    assert page.evaluate(UNSAFE_HREFS) == []
