"""The annotator, ``/annotate``, in a real browser (Debian's chromium, driven by Playwright,
against a real `kg serve` on loopback, at 1400 px): a corpus text the graph was built without is
drafted, its proposals accepted, rejected and re-linked, a mention added by selecting words, the
live validation's problems seen to come and go, and the reviewed file submitted with a token and
found in the store. What the test saw is written to ``build/screenshots/`` and ``docs/annotate.png``."""

from __future__ import annotations

import json
import shutil
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from kg import pipeline, tokens
from kg.config import PROJECT_ROOT, Settings

from .browser import SCREENSHOTS, assert_readable, open_page, require_browser, shot
from .conftest import SEED_CORPUS
from .server import running_server

require_browser()

LEFT_OUT = "004_b4742f2bcf0bf4fe"
"""The seed article the graph is built without, so that annotating it is new work."""
TOKEN = "annotate-page-token"
README_PICTURE = {"x": 0, "y": 0, "width": 1400, "height": 1300}
"""The part of the page the README shows: the form, the text with its highlights, the panels."""
ENTRY = f"annotator:submitter:{tokens.digest(TOKEN)}"
UNLABELLED = """() => [...document.querySelectorAll('main input, main select, main textarea')]
  .filter((c) => c.getClientRects().length && !c.labels.length && !c.getAttribute('aria-label'))
  .map((c) => c.id || c.outerHTML.slice(0, 60))"""
IRIS = """() => [...document.querySelectorAll('#annotate-work option, #annotate-work li, #annotate-work label')]
  .filter((n) => /https?:\\/\\/|\\bplace\\/|\\bactor\\/|\\basset\\//.test(n.textContent))
  .map((n) => n.textContent.slice(0, 80))"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`kg serve` over the seed graph built without article 004, taking submissions with a token."""
    if not SEED_CORPUS.is_dir():
        pytest.skip(f"the seed corpus is not at {SEED_CORPUS}")
    root = tmp_path_factory.mktemp("annotate")
    data = root / "data"
    shutil.copytree(PROJECT_ROOT / "data", data)
    (data / "articles" / f"{LEFT_OUT}.yaml").unlink()
    settings = Settings.from_env({}, data=data, store=str(root / "store"), corpus=SEED_CORPUS)
    assert pipeline.build(settings).stored
    env = {"KG_DATA": str(data), "KG_TOKENS": ENTRY, "KG_QUERY_TIMEOUT": "120", "KG_REQUEST_TIMEOUT": "120"}
    with running_server(settings.store, SEED_CORPUS, **env) as url:
        yield url


@pytest.fixture(scope="module")
def page() -> Iterator[Any]:
    with open_page(1400, 1000) as page:
        yield page


def get_json(url: str) -> tuple[int, dict[str, Any]]:
    """GET ``url``: its status and JSON body, errors included."""
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def draft(page: Any, server: str) -> None:
    """Open /annotate, choose article 004 from the corpus list and ask for its draft."""
    page.goto(server + "/annotate")
    page.select_option("#open-corpus", f"{LEFT_OUT}.txt")
    page.fill("#open-published", "2014-11-20")  # the article has no dateline
    page.click("#open-draft")
    page.wait_for_selector("#mentions-list li.proposal", timeout=120_000)


def checked(page: Any) -> str:
    """Wait for the live validation to answer; what it says."""
    page.wait_for_function(
        "() => !/checking/.test(document.querySelector('#validate-status').textContent)", timeout=120_000
    )
    return str(page.inner_text("#validate-status"))


def yaml_of(page: Any) -> str:
    return str(page.text_content("#yaml-preview"))


SELECT = """([words, last]) => {
  const box = document.getElementById('article-text');
  const text = box.textContent;
  const at = last ? text.lastIndexOf(words) : text.indexOf(words);
  if (at < 0) throw new Error('the text does not hold ' + words);
  const walker = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  let node, seen = 0;
  while ((node = walker.nextNode())) {
    const end = seen + node.data.length;
    if (seen <= at && at < end) range.setStart(node, at - seen);
    if (seen < at + words.length && at + words.length <= end) { range.setEnd(node, at + words.length - seen); break; }
    seen = end;
  }
  const selection = document.getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
}"""


def select_words(page: Any, words: str, *, last: bool = False) -> None:
    """Select ``words`` in the article text (their first or last occurrence), as a mouse would."""
    page.evaluate(SELECT, [words, last])
    page.wait_for_selector(f"#selection-words:has-text('{words}')")


def test_the_page_names_its_controls_and_lists_the_corpus(server: str, page: Any) -> None:
    """/annotate has its heading, a label on every control, the corpus files in its list, an
    Annotate link in the navigation, and fits 1400 px."""
    page.goto(server + "/annotate")
    assert page.inner_text("h1") == "Annotate an article"
    assert page.inner_text("fieldset legend") == "The text"
    files = page.eval_on_selector_all("#open-corpus option", "os => os.map((o) => o.value).filter(Boolean)")
    assert f"{LEFT_OUT}.txt" in files and len(files) == 5, files
    assert page.get_attribute("header nav a:has-text('Annotate')", "href") == "/annotate"
    assert page.evaluate(UNLABELLED) == []
    assert_readable(page)


def test_no_text_says_what_to_do(server: str, page: Any) -> None:
    """Asking for a draft with no text shows a message naming the three ways to give one."""
    page.goto(server + "/annotate")
    page.click("#open-draft")
    page.wait_for_selector("#annotate-problem:not([hidden])")
    assert "choose a corpus file, upload a .txt file or paste the text" in page.inner_text("#annotate-problem")
    assert page.is_hidden("#annotate-work")


def test_only_the_corpus_files_are_served(server: str) -> None:
    """A name outside the corpus list is a 404 in the one JSON error shape; a listed one is its text."""
    status, body = get_json(server + "/annotate/texts/nothing.txt")
    assert status == 404 and body["ok"] is False and "no text called 'nothing.txt'" in body["error"]
    status, body = get_json(server + "/annotate/texts/..%2F..%2Fpyproject.toml")
    assert status == 404 and body["ok"] is False
    with urllib.request.urlopen(f"{server}/annotate/texts/{LEFT_OUT}.txt", timeout=60) as response:
        assert "Qalamoun" in response.read().decode("utf-8")


def test_a_corpus_text_is_drafted_reviewed_and_submitted(server: str, page: Any) -> None:
    """From article 004 to a stored submission: the draft's mentions are highlighted by kind with
    a legend, listed by label (never an IRI); one is re-linked, one accepted by key, one rejected
    by key; a mention is added by selecting words; unreviewed drafts are problems, which go once
    every proposal is reviewed; a new event's problem appears, shows the event when clicked, and
    goes when it is rejected; the file is submitted with a token, and the store holds it."""
    draft(page, server)
    assert page.inner_text("#text-heading") == "Armed groups are gathering in eastern Qalamoun"
    legend = page.inner_text("#annotate-legend")
    assert all(word in legend for word in ("place", "actor", "asset", "a draft, not yet reviewed"))
    assert page.locator("#article-text mark.pending").count() > 3
    kinds = set(page.eval_on_selector_all("#article-text mark", "ms => ms.map((m) => m.className.split(' ')[0])"))
    assert {"k-place", "k-actor"} <= kinds, kinds
    assert page.evaluate(IRIS) == []
    assert "problem" in checked(page)
    assert page.locator("#problems li.error").count() > 0
    assert_readable(page)
    shot(page, "test_a_corpus_text_is_drafted_reviewed_and_submitted", "drafted")

    first = page.locator("#mentions-list li.proposal").nth(0)
    # re-link: the pick-list offers entities by label
    first.locator("select[data-field=entity]").select_option(label="Free Syrian Army")
    page.wait_for_selector("#mentions-list li.proposal:nth-child(1).accepted")
    head = page.locator("#mentions-list li.proposal").nth(0).locator(".proposal-head strong")
    assert head.inner_text() == "Free Syrian Army"  # its label, not its id
    # accept by key on the focused proposal, then reject the next one by key
    second = page.locator("#mentions-list li.proposal").nth(1)
    second.focus()
    page.keyboard.press("a")
    page.wait_for_selector("#mentions-list li.proposal:nth-child(2).accepted")
    assert page.evaluate("() => document.activeElement.id") == page.locator("#mentions-list li.proposal").nth(
        2
    ).get_attribute("id")
    third_quote = page.locator("#mentions-list li.proposal").nth(2).locator("q").inner_text()
    page.keyboard.press("r")
    page.wait_for_selector("#mentions-list li.proposal:nth-child(3).rejected")

    # add a mention by selecting words in the text
    select_words(page, "the Syrian army", last=True)
    page.select_option("#selection-entity", label="Syrian Arab Army")
    page.click("#add-mention")
    added = page.locator("#mentions-list li.proposal").last
    assert added.locator(".proposal-head strong").inner_text() == "Syrian Arab Army"
    assert "accepted" in (added.get_attribute("class") or "")
    text = yaml_of(page)
    assert "quote: the Syrian army" in text and "entity: syrian-arab-army" in text
    checked(page)
    page.evaluate("() => window.scrollTo(0, 0)")
    page.screenshot(path=str(SCREENSHOTS / "annotate.png"), full_page=True, clip=README_PICTURE)

    # review the rest: every unreviewed proposal is a problem until it is accepted or rejected
    page.click("#reject-rest")
    assert page.locator("li.proposal.draft").count() == 0
    assert checked(page).startswith("validates"), page.inner_text("#problems")
    assert page.locator("#problems li.error").count() == 0
    text = yaml_of(page)
    assert "draft: true" not in text and "entity: free-syrian-army" in text and third_quote
    assert page.locator("#article-text mark.pending").count() == 0

    # a problem appears (a new event with no place and no evidence), shows its item when
    # clicked, and goes once the event's fields are filled from the pick-lists and its evidence
    # is selected in the text
    page.click("#new-event")
    assert "problem" in checked(page)
    problem = page.locator("#problems li.error button", has_text="events[0]").first
    assert problem.count() == 1 and "what to do" in page.inner_text("#problems li.error")
    problem.click()
    event = page.locator("#events-list li.proposal").last
    assert page.evaluate("() => document.activeElement.closest('li.proposal').id") == event.get_attribute("id")
    event.locator("select[data-field=type]").select_option("Capture")
    page.locator("#events-list li.proposal").last.locator("select[data-field=place]").select_option(
        label="Umm Ruman hillside"
    )
    page.locator("#events-list li.proposal").last.locator("select[data-field=gaining]").select_option(
        label="Syrian Arab Army"
    )
    date = page.locator("#events-list li.proposal").last.locator("select[data-field=date]")
    date.select_option(label="2014-11-14 — “on Nov. 14”")
    page.locator("#events-list li.proposal").last.locator("select[data-field=certainty]").select_option("reported")
    select_words(page, "the Syrian army took control of the Umm Ruman hillside")
    ident = page.locator("#events-list li.proposal").last.locator("input[data-field=id]").input_value()
    page.select_option("#selection-event", label=f"{ident} (Capture)")
    page.click("#add-evidence")
    evidence = page.inner_text("#events-list li.proposal:last-child .evidence")
    assert "the Syrian army took control of the Umm Ruman hillside" in evidence
    assert checked(page).startswith("validates"), page.inner_text("#problems")
    text = yaml_of(page)
    assert "place: umm-ruman-hill" in text and "gaining: [syrian-arab-army]" in text and '"on": "2014-11-14"' in text
    assert_readable(page)

    # submit with a token: the stored submission's link, and the store holds its triples
    page.fill("#submit-token", TOKEN)
    page.click("#submit-button")
    page.wait_for_selector("#submit-link:not([hidden])", timeout=120_000)
    assert "stored" in page.inner_text("#submit-status")
    link = page.get_attribute("#submit-link a", "href")
    status, stored = get_json(server + link)
    assert status == 200 and stored["ok"], stored
    triples = "\n".join(stored["triples"])
    assert "syrian-arab-army" in triples and "umm-ruman-hill" in triples and "2014-11-14" in triples
    shot(page, "test_a_corpus_text_is_drafted_reviewed_and_submitted", "submitted")
