"""The map page in a real browser (Debian's chromium, driven by Playwright, against a real
server on loopback): choose a date, read who held al-Qaryatayn, open its history and see both
sources of the April 2016 recapture with their different dates."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from kg.web.map import missing_assets

from .browser import SCREENSHOTS, open_page, require_browser

QARYATAYN = "https://w3id.org/kg/id/place/al-qaryatayn"

require_browser()
if missing_assets():
    pytest.skip("the map's npm assets are not installed: run `make install`", allow_module_level=True)


@pytest.fixture(scope="module")
def page() -> Iterator[Any]:
    with open_page(1400, 1000) as page:
        yield page


def control_of(page, date: str) -> str:  # type: ignore[no-untyped-def]
    """Type a date into the date input and read what the map says of al-Qaryatayn."""
    page.fill("#map-date", date)
    page.dispatch_event("#map-date", "change")
    page.wait_for_selector(f"#map-heading:has-text('Control on {date}')")
    page.wait_for_function(
        "([iri, date]) => location.search.includes(date) && document.querySelector(`#map g.place[data-place='${iri}']`)"
        " && document.querySelector('#map-status').dataset.date === date",
        arg=[QARYATAYN, date],
    )
    return page.get_attribute(f"#map g.place[data-place='{QARYATAYN}']", "data-control") or ""


def test_the_map_shows_who_held_al_qaryatayn(seed_server: str, page) -> None:  # type: ignore[no-untyped-def]
    """On 1 December 2015 al-Qaryatayn is the Islamic State's; on 10 April 2016 the government side's."""
    page.goto(seed_server + "/map")
    page.wait_for_selector("#map[data-ready=true]")
    assert "Islamic State" in control_of(page, "2015-12-01")
    after = control_of(page, "2016-04-10")
    assert "Syrian Arab Army" in after and "Syrian government" in after
    assert "date=2016-04-10" in page.url
    # The README's picture: the map and its legend, without the article quotes a click shows
    # (the article texts stay in the corpus; the repository never copies their sentences).
    page.locator("main").screenshot(path=str(SCREENSHOTS / "map.png"))


def test_every_side_has_a_colour_of_its_own(seed_server: str, page) -> None:  # type: ignore[no-untyped-def]
    """The legend names each side met on the map once, each with a different colour (the
    opposition's is not the government's red)."""
    page.goto(seed_server + "/map")
    page.wait_for_selector("#map[data-ready=true]")
    control_of(page, "2015-12-01")
    control_of(page, "2016-04-10")
    swatches = page.eval_on_selector_all(
        "#map-legend li", "items => items.map(li => [li.textContent, li.firstChild.style.background])"
    )
    sides = {label: colour for label, colour in swatches if colour and ":" not in label and "partial" not in label}
    assert {"Islamic State", "Syrian government", "Syrian opposition forces"} <= set(sides)
    assert len(set(sides.values())) == len(sides), sides


def test_clicking_a_place_shows_both_sources_of_the_recapture(seed_server: str, page) -> None:  # type: ignore[no-untyped-def]
    """The history of al-Qaryatayn lists 000's recapture on 2016-04-03 and 001's on 2016-04-04."""
    page.goto(seed_server + "/map?date=2016-04-10")
    page.wait_for_selector("#map[data-ready=true]")
    page.click(f"#map g.place[data-place='{QARYATAYN}'] circle")
    page.wait_for_selector("#history-table tbody tr")
    page.wait_for_selector("#history-conflict-table")
    rows = [row.inner_text() for row in page.query_selector_all("#history-table tbody tr")]
    assert any("2016-04-03" in r and "000_d0ca17a74fd2c527" in r for r in rows), rows
    assert any("2016-04-04" in r and "001_e1aede16270a3f65" in r for r in rows), rows
    conflicts = page.inner_text("#history-conflict-table")
    assert "2016-04-03" in conflicts and "2016-04-04" in conflicts
    assert "place=" in page.url
    assert page.get_attribute("#history-link", "href") == "/id/place/al-qaryatayn"
    page.wait_for_selector("#history-table blockquote")
