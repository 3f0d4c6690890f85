"""The ontology page in a real browser: Debian's chromium, driven by Playwright, against a real
server on loopback. Open /ontology and see the class tree and a class's examples."""

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

playwright_sync = pytest.importorskip(
    "playwright.sync_api", reason="Playwright is a dev dependency: make test installs it"
)
if not Path(CHROMIUM).exists():
    pytest.skip(f"no chromium at {CHROMIUM}: 'make test' installs Debian's chromium", allow_module_level=True)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not SEED_CORPUS.is_dir():
        pytest.skip(f"the seed corpus is not at {SEED_CORPUS}")
    store = str(tmp_path_factory.mktemp("browser-ontology") / "store")
    assert pipeline.build(Settings.from_env({}, store=store, corpus=SEED_CORPUS)).stored
    with running_server(store, SEED_CORPUS) as url:
        yield url


def test_ontology_page_shows_the_tree_and_examples(server: str) -> None:
    """/ontology shows Settlement under Place in the class tree, and Settlement's examples link to /id/."""
    with playwright_sync.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page()
            page.set_default_timeout(15_000)
            page.goto(server + "/ontology")
            assert "territorial control" in page.inner_text("h1")
            assert page.locator("#hierarchy li:has(> a[href='#Place']) a[href='#Settlement']").count() == 1
            examples = page.locator("#Settlement .examples a")
            assert examples.count() >= 1
            assert (examples.first.get_attribute("href") or "").startswith("/id/place/")
        finally:
            browser.close()
