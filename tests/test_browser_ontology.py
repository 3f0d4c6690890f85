"""The ontology page in a real browser: Debian's chromium, driven by Playwright, against a real
server on loopback. Open /ontology and see the class tree and a class's examples."""

from __future__ import annotations

from .browser import open_page, require_browser

require_browser()


def test_ontology_page_shows_the_tree_and_examples(seed_server: str) -> None:
    """/ontology shows Settlement under Place in the class tree, and Settlement's examples link to /id/."""
    with open_page() as page:
        page.goto(seed_server + "/ontology")
        assert "territorial control" in page.inner_text("h1")
        assert page.locator("#hierarchy li:has(> a[href='#Place']) a[href='#Settlement']").count() == 1
        examples = page.locator("#Settlement .examples a")
        assert examples.count() >= 1
        assert (examples.first.get_attribute("href") or "").startswith("/id/place/")
