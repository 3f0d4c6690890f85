"""A real browser for the page tests: Debian's chromium, driven by Playwright (which never
downloads a browser of its own here), with the flags this machine's closed network needs."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from .programs import CHROMIUM_HINT, requires

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SCREENSHOTS = Path(__file__).resolve().parents[1] / "docs"


def require_browser() -> Any:
    """Playwright's sync API, or skip the calling test module with the reason and the fix."""
    playwright = pytest.importorskip(
        "playwright.sync_api", reason="Playwright is a dev dependency: make test installs it"
    )
    requires(Path(CHROMIUM), CHROMIUM_HINT)
    return playwright


@contextmanager
def open_page(width: int = 1280, height: int = 900) -> Iterator[Any]:
    """A fresh page; any script error on it fails the test that used it."""
    playwright = require_browser()
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_context(viewport={"width": width, "height": height}).new_page()
        page.set_default_timeout(15_000)
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        try:
            yield page
        finally:
            browser.close()
        assert not errors, errors
