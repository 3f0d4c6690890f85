"""Control at a glance on the map: the slider's days from one query, answers sent as cached bytes
with an ETag (304 when unchanged) over real HTTP, and the slider moving the map in a real browser
without asking for every step it passes."""

from __future__ import annotations

import http.client
import json
import urllib.parse
from collections.abc import Iterator
from typing import Any

import pytest

from kg.app import Kg
from kg.vocab import GRAPH, KG

from .browser import SHOTS, open_page, require_browser

DAYS = ("2015-12-01", "2016-04-10")


def get(base: str, path: str, headers: dict[str, str] | None = None) -> http.client.HTTPResponse:
    """One GET to the server at ``base`` (loopback), the response read."""
    address = urllib.parse.urlsplit(base)
    connection = http.client.HTTPConnection(address.hostname or "127.0.0.1", address.port, timeout=60)
    connection.request("GET", path, headers=headers or {})
    response = connection.getresponse()
    response.body = response.read()  # type: ignore[attr-defined]
    connection.close()
    return response


def test_event_dates_are_the_days_place_history_gives_for_every_mapped_place(seed_kg: Kg) -> None:
    """The one event-dates query gives the days place-history gives, place by place, for every
    place with control periods."""
    periods = f"SELECT DISTINCT ?place WHERE {{ GRAPH <{GRAPH.PERIODS}> {{ ?p <{KG.periodOf}> ?place }} }}"
    places = {r["place"].value for r in seed_kg.query(periods).rows}
    want = {
        r["earliest"].value
        for p in sorted(places)
        for r in seed_kg.run("place-history", {"place": p}).rows
        if "earliest" in r
    }
    got = [r["earliest"].value for r in seed_kg.run("event-dates").rows]
    assert got == sorted(set(got)) and set(got) == want and len(got) > 3


@pytest.mark.parametrize("suffix", ["geojson", "json"])
def test_a_repeated_request_is_answered_304_by_its_etag(seed_server: str, suffix: str) -> None:
    """The map's answer for a date carries an ETag; sent back in If-None-Match it gets 304 with no
    body, another date gets another tag, and a wrong tag gets the whole answer again."""
    path = f"/queries/control-map.{suffix}?date={DAYS[1]}"
    first = get(seed_server, path)
    tag = first.getheader("ETag")
    assert first.status == 200 and tag and first.body  # type: ignore[attr-defined]
    again = get(seed_server, path, {"If-None-Match": tag})
    assert again.status == 304 and again.body == b"" and again.getheader("ETag") == tag  # type: ignore[attr-defined]
    other = get(seed_server, f"/queries/control-map.{suffix}?date={DAYS[0]}", {"If-None-Match": tag})
    assert other.status == 200 and other.getheader("ETag") != tag
    stale = get(seed_server, path, {"If-None-Match": '"not-this-one"'})
    assert stale.status == 200 and stale.body == first.body  # type: ignore[attr-defined]
    bad = get(seed_server, f"/queries/control-map.{suffix}?date=2016-13-45", {"If-None-Match": tag})
    assert bad.status == 400 and json.loads(bad.body)["ok"] is False  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def page() -> Iterator[Any]:
    require_browser()
    from kg.web.map import missing_assets

    if missing_assets():
        pytest.skip("the map's npm assets are not installed: run `make install`")
    with open_page(1400, 1000) as page:
        yield page


def test_the_slider_moves_the_map_and_asks_once_for_where_it_rests(seed_server: str, page) -> None:  # type: ignore[no-untyped-def]
    """Dragging the slider over many days asks for the day it rests on, not for each step; the map
    then shows that day's control under place names (not IRIs); going back to a day seen before
    asks nothing again."""
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if "/queries/control-map.json?date=" in r.url else None)
    page.goto(seed_server + "/map?date=" + DAYS[0])
    page.wait_for_selector("#map[data-ready=true]")
    page.wait_for_function("d => document.querySelector('#map-status').dataset.date === d", arg=DAYS[0])
    first = page.eval_on_selector_all("#map g.place", "gs => gs.map(g => g.dataset.control).join('|')")
    steps = int(page.get_attribute("#map-slider", "max") or "0")
    assert steps > 5
    asked.clear()
    for i in range(steps + 1):  # a drag: one input event per step, faster than the answers
        page.eval_on_selector(
            "#map-slider", "(s, i) => { s.value = String(i); s.dispatchEvent(new Event('input')); }", i
        )
    last = page.input_value("#map-date")
    page.wait_for_function("d => document.querySelector('#map-status').dataset.date === d", arg=last)
    assert 1 <= len(asked) < steps / 2, asked
    moved = page.eval_on_selector_all("#map g.place", "gs => gs.map(g => g.dataset.control).join('|')")
    assert moved != first
    names = page.eval_on_selector_all("#map text.name", "ts => ts.map(t => t.textContent)")
    assert names and not [n for n in names if "://" in n or n.startswith("http")], names
    assert "al-Qaryatayn" in " ".join(names)
    page.locator("main").screenshot(path=str(SHOTS / "test_the_slider_moves_the_map.png"))
    page.eval_on_selector("#map-slider", "s => { s.value = '0'; s.dispatchEvent(new Event('input')); }")
    page.wait_for_function("d => document.querySelector('#map-status').dataset.date !== d", arg=last)
    asked.clear()
    page.eval_on_selector("#map-slider", "s => { s.value = s.max; s.dispatchEvent(new Event('input')); }")
    page.wait_for_function("d => document.querySelector('#map-status').dataset.date === d", arg=last)
    assert asked == []
