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
"""The README's pictures."""
SHOTS = Path(__file__).resolve().parents[1] / "build" / "screenshots"
"""What each page test saw, one folder per test (not committed)."""


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


READABLE = """() => {
  const problems = [];
  // folded away in a closed <details>, or not rendered at all: not what a person sees
  const hidden = (el) => !el.getClientRects().length || el.closest('details:not([open])') !== null;
  const where = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    (el.closest('table') && el.closest('table').id ? ' in table#' + el.closest('table').id : '');
  if (document.documentElement.scrollWidth > window.innerWidth)
    problems.push(`the page is ${document.documentElement.scrollWidth}px wide in a ${window.innerWidth}px window`);
  for (const t of document.querySelectorAll('main table')) {
    if (hidden(t)) continue;
    const heads = [...t.querySelectorAll('thead th')];
    if (!heads.length || heads.some((th) => !th.innerText.trim())) problems.push(`${where(t)} has no header row`);
    const box = t.parentElement.getBoundingClientRect();
    if (t.getBoundingClientRect().width > box.width + 1) problems.push(`${where(t)} is wider than its box`);
  }
  for (const c of document.querySelectorAll('main td, main th')) {
    if (hidden(c)) continue;
    if (c.scrollWidth > c.clientWidth + 1) problems.push(`${where(c)} cuts off "${c.innerText.slice(0, 40)}"`);
  }
  return problems;
}"""


def assert_readable(page: Any) -> None:
    """What a person sees: every table has a header row, nothing wider than the window, no cell
    cut off (a page test calls this on every page it opens)."""
    problems = page.evaluate(READABLE)
    assert not problems, f"{page.url}: " + "; ".join(problems)


def shot(page: Any, folder: str, name: str) -> Path:
    """A full-page screenshot into ``build/screenshots/<folder>/<name>.png``, the folder named by the test."""
    path = SHOTS / folder / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    return path
