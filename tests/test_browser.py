"""The pages in a real browser: Debian's chromium, driven by Playwright, against a real
server on loopback. Open `/`, run a saved query from its form and see the rows; open an entity
page and follow a link."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from kg import pipeline
from kg.config import Settings

from .conftest import SEED_CORPUS
from .server import running_server

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[1] / "docs"

playwright_sync = pytest.importorskip(
    "playwright.sync_api", reason="Playwright is a dev dependency: make test installs it"
)
if not Path(CHROMIUM).exists():
    pytest.skip(f"no chromium at {CHROMIUM}: 'make test' installs Debian's chromium", allow_module_level=True)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not SEED_CORPUS.is_dir():
        pytest.skip(f"the seed corpus is not at {SEED_CORPUS}")
    store = str(tmp_path_factory.mktemp("browser") / "store")
    assert pipeline.build(Settings.from_env({}, store=store, corpus=SEED_CORPUS)).stored
    with running_server(store, SEED_CORPUS) as url:
        yield url


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    with playwright_sync.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        )
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_timeout(15_000)
        yield page
        browser.close()


def test_run_a_saved_query_from_its_form(server: str, page) -> None:  # type: ignore[no-untyped-def]
    """From the home page, open control-at, fill in the form, run it and read the rows."""
    page.goto(server + "/")
    assert "Territorial control" in page.inner_text("h1")
    page.click("text=Who controlled a place on a date")
    page.fill("#p-place", "al-Qaryatayn")
    page.fill("#p-date", "2016-04-10")
    page.click("form#query-form button[type=submit]")
    page.wait_for_selector("#results tbody tr")
    table = page.inner_text("#results")
    assert "Syrian Arab Army" in table
    assert "000_d0ca17a74fd2c527" in table and "001_e1aede16270a3f65" in table
    page.screenshot(path=str(SCREENSHOTS / "query-page.png"), full_page=True)


def test_open_an_entity_page_and_follow_a_link(server: str, page) -> None:  # type: ignore[no-untyped-def]
    """An entity page lists the place's history; its link to an article opens that article's page."""
    page.goto(server + "/id/place/al-qaryatayn")
    assert "al-Qaryatayn" in page.inner_text("h1")
    page.click("#history a[href='/id/article/002_27cbe1813f689608']")
    page.wait_for_url("**/id/article/002_27cbe1813f689608")
    assert "ISIS storms into strategic town outside Qalamoun" in page.inner_text("main")


def test_the_sparql_editor_runs_a_query(server: str, page) -> None:  # type: ignore[no-untyped-def]
    """The editor on the home page sends the query to /sparql and shows linked rows."""
    page.goto(server + "/")
    page.select_option("#example", "Who held al-Qaryatayn, by source")
    page.click("#sparql-form button[type=submit]")
    page.wait_for_selector("#sparql-results tbody tr")
    assert "Islamic State" in page.inner_text("#sparql-results")
    assert page.locator("#sparql-results a[href^='/id/article/']").count() > 0
