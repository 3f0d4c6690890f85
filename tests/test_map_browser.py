"""The map page in a real browser (Debian's chromium, driven by Playwright, against a real
server on loopback): choose a date, read who held al-Qaryatayn, open its history and see both
sources of the April 2016 recapture with their different dates."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from kg.web.map import missing_assets

from .browser import SCREENSHOTS, SHOTS, assert_readable, open_page, require_browser
from .test_browser_pages import BROKEN_WORDS

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
    page.locator("main").screenshot(path=str(SHOTS / "test_the_map_shows_who_held_al_qaryatayn.png"))


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
    """The history of al-Qaryatayn lists 000's recapture on 2016-04-03 and 001's on 2016-04-04, in
    tables that fit the side panel with no word split over two lines."""
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
    broken = page.evaluate(BROKEN_WORDS, "#map-history td")
    assert not broken, broken
    assert_readable(page)


def test_the_side_list_names_a_controller_once(seed_server: str, page) -> None:  # type: ignore[no-untyped-def]
    """A place held by the opposition reads "Syrian opposition forces", not "… (Syrian opposition forces)"."""
    page.goto(seed_server + "/map?date=2016-11-10")
    page.wait_for_selector("#map[data-ready=true]")
    page.wait_for_function("() => document.querySelector('#map-status').dataset.date === '2016-11-10'")
    lines = [li.inner_text() for li in page.query_selector_all("#map-status li")]
    assert lines and not [t for t in lines if "Syrian opposition forces (Syrian opposition forces)" in t], lines
    assert not [t for t in lines if t.count("Islamic State") > 1 and "(Islamic State)" in t], lines


def test_an_invalid_date_says_so(seed_server: str, page) -> None:  # type: ignore[no-untyped-def]
    """/map?date=2016-13-45x shows a message naming the bad date and the form to use."""
    page.goto(seed_server + "/map?date=2016-13-45x")
    page.wait_for_selector("#map[data-ready=true]")
    assert page.is_visible("#map-problem")
    assert "2016-13-45x is not a date" in page.inner_text("#map-problem")


def test_what_has_no_point_is_drawn_at_its_place_or_listed(seed_server: str, page) -> None:  # type: ignore[no-untyped-def]
    """The Mheen weapons depot (no coordinates of its own) is drawn at Mheen and says so; East
    Qalamoun (a region) and the Al-Hamrat base (nothing places it) are listed under "not on the
    map" with who held them."""
    page.goto(seed_server + "/map?date=2016-04-10")
    page.wait_for_selector("#map[data-ready=true]")
    depot = page.locator("#map g.place[data-label='Mheen weapons depot']")
    assert depot.count() == 1 and "anchored" in (depot.get_attribute("class") or "")
    assert "drawn at Mheen" in depot.locator("title").first.text_content()
    assert page.is_visible("#map-unplaced")
    unplaced = page.inner_text("#map-unplaced")
    assert "East Qalamoun: partly Islamic State" in unplaced and "Al-Hamrat Division Base: Syrian Arab Army" in unplaced
    page.click(f"#map g.place[data-place='{QARYATAYN}'] circle")
    page.wait_for_selector("#history-table tbody tr")
    # The README's picture, a place open: without the article quotes (the article texts stay in
    # the corpus; the repository never copies their sentences).
    page.eval_on_selector_all("#history-table div[data-event]", "cells => cells.forEach(c => c.remove())")
    page.locator("main").screenshot(path=str(SCREENSHOTS / "map.png"))


PALMYRA = "https://w3id.org/kg/id/place/palmyra"


def test_a_place_is_uncertain_only_when_its_answer_is(seed_server: str, page) -> None:  # type: ignore[no-untyped-def]
    """On 2016-03-30 two reports give Palmyra to the Syrian Arab Army, one of them certain: the
    place is certain; on 2016-11-10 no report on al-Qaryatayn is certain: it is uncertain."""
    page.goto(seed_server + "/map?date=2016-03-30")
    page.wait_for_selector("#map[data-ready=true]")
    palmyra = page.locator(f"#map g.place[data-place='{PALMYRA}']")
    assert "Syrian Arab Army" in (palmyra.get_attribute("data-control") or "")
    assert "uncertain" not in (palmyra.get_attribute("class") or "").split()
    line = page.inner_text(f"#map-status li[data-place='{PALMYRA}']")
    assert "uncertain" not in line, line
    control_of(page, "2016-11-10")
    assert "uncertain" in (page.get_attribute(f"#map g.place[data-place='{QARYATAYN}']", "class") or "").split()


def test_the_labels_read_at_normal_size(seed_server: str, page) -> None:  # type: ignore[no-untyped-def]
    """At 1400 px every place, town and country name on the map is at least 12 px high on
    screen, drawn over a white halo, and no two names shown overlap."""
    page.goto(seed_server + "/map?date=2016-04-10")
    page.wait_for_selector("#map[data-ready=true]")
    labels = page.eval_on_selector_all(
        "#map text.name, #map .country-names text",
        """ts => ts.map(t => {
          const s = getComputedStyle(t), scale = t.ownerSVGElement.getBoundingClientRect().width / 1100;
          return [t.textContent, parseFloat(s.fontSize) * scale, s.stroke, parseFloat(s.strokeWidth), s.paintOrder];
        })""",
    )
    assert len(labels) > 5, labels
    small = [(text, round(px, 1)) for text, px, *_ in labels if px < 12]
    assert not small, small
    unhaloed = [
        text
        for text, _, stroke, width, order in labels
        if stroke != "rgb(255, 255, 255)" or width < 3 or not order.startswith("stroke")
    ]
    assert not unhaloed, unhaloed
    boxes = page.eval_on_selector_all(
        "#map text.name:not([visibility=hidden]), #map .country-names text:not([visibility=hidden])",
        "ts => ts.map(t => { const b = t.getBoundingClientRect();"
        " return [t.textContent, b.left, b.top, b.right, b.bottom]; })",
    )
    overlaps = [
        (a[0], b[0])
        for i, a in enumerate(boxes)
        for b in boxes[i + 1 :]
        if a[1] < b[3] - 1 and b[1] < a[3] - 1 and a[2] < b[4] - 1 and b[2] < a[4] - 1
    ]
    assert not overlaps, overlaps


def test_the_map_names_the_countries_and_reference_towns(seed_server: str, page) -> None:  # type: ignore[no-untyped-def]
    """Syria, Iraq, Lebanon, Jordan and Turkey are named inside the map; places with coordinates
    that no control report speaks to (Damascus, Homs, Beirut) are grey reference dots with names,
    not places with an answer."""
    page.goto(seed_server + "/map?date=2016-04-10")
    page.wait_for_selector("#map[data-ready=true]")
    names = page.eval_on_selector_all(
        "#map .country-names text:not([visibility=hidden])",
        "ts => ts.map(t => { const b = t.getBBox();"
        " return [t.textContent, b.x, b.y, b.x + b.width, b.y + b.height]; })",
    )
    named = {
        name for name, left, top, right, bottom in names if left >= 0 and top >= 0 and right <= 1100 and bottom <= 900
    }
    assert {"Syria", "Iraq", "Lebanon", "Jordan", "Turkey"} <= named, names
    towns = page.eval_on_selector_all(
        "#map .reference g.town text.name:not([visibility=hidden])", "ts => ts.map(t => t.textContent)"
    )
    assert {"Damascus", "Homs", "Beirut"} <= set(towns), towns
    assert page.locator("#map g.place[data-label='Damascus']").count() == 0
    page.locator("#map").screenshot(path=str(SHOTS / "test_the_map_names_the_countries_and_reference_towns.png"))


@pytest.mark.parametrize(
    ("date", "status", "place"),
    [
        ("2015-06-01", "inferred", "al-Qaryatayn"),
        ("2015-12-01", "stale", "al-Qaryatayn"),
        ("2016-04-03", "disputed", "al-Qaryatayn"),
        ("2016-04-04", "mixed", "Qalamoun mountains"),
        ("2016-10-01", "besieged", "al-Dumayr"),
        ("2015-08-15", "contested", "al-Qaryatayn"),
    ],
)
def test_the_legend_names_each_status_and_the_places_that_have_it(
    seed_server: str, page, date: str, status: str, place: str
) -> None:  # type: ignore[no-untyped-def]
    """Under the map, every status word of control with what it means; on the date shown, the
    places that have it (besieged al-Dumayr in October 2016, the inferred army in June 2015)."""
    page.goto(seed_server + "/map")
    page.wait_for_selector("#map[data-ready=true]")
    control_of(page, date)
    words = page.eval_on_selector_all("#map-statuses > div", "ds => ds.map(d => d.dataset.status)")
    assert words == ["held", "contested", "besieged", "mixed", "disputed", "inferred", "claimed", "stale"]
    row = page.locator(f"#map-statuses > div[data-status={status}]")
    assert row.get_attribute("class") == "here" and "on this date: " in row.inner_text()
    assert place in row.inner_text().split("on this date: ", 1)[1], row.inner_text()
    for other in page.locator("#map-statuses > div").all():  # a row names places exactly when it is "here"
        here = other.get_attribute("class") == "here"
        assert here == ("on this date: " in other.inner_text()), other.inner_text()
        assert here or other.get_attribute("class") == "absent"
    assert_readable(page)
    page.locator("main").screenshot(path=str(SHOTS / f"test_the_legend_names_each_status_{status}.png"))
