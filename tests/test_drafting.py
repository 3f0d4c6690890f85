"""kg annotate --draft: mentions, dates, candidate events and claims drafted from a text, a draft
that validates as a draft, that no entrance stores until each proposal is reviewed, and a
reviewed draft of a seed article stored through kg submit."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result

from kg import drafting, pipeline, tokens
from kg.app import Kg
from kg.cli import main
from kg.config import Settings
from kg.drafting import dates, events
from kg.drafting.mentions import NameIndex, Spelling
from kg.store.embedded import EmbeddedStore
from kg.web import create_app

ROOT = Path(__file__).resolve().parents[1]
SEED_CORPUS = ROOT.parent / "shared" / "corpus"
HELD = "000_d0ca17a74fd2c527"  # the seed article drafted against a graph built from the other four
TOKEN = "token-for-draft-tests"
ENTRY = f"drafter:{tokens.digest(TOKEN)}"
MONDAY = date(2016, 4, 4)


def index(*spellings: tuple[str, str, str]) -> NameIndex:
    return NameIndex(Spelling(entity, kind, name, "label") for entity, kind, name in spellings)


# --------------------------------------------------------------------------- mentions (pure)


def test_a_known_name_is_found_in_another_transliteration() -> None:
    """A text's 'Qaryatain' and 'al-Qaryatayn' are both mentions of the place spelt al-Qaryatayn."""
    found = index(("al-qaryatayn", "place", "al-Qaryatayn")).scan("Near Qaryatain, and in al-Qaryatayn too.")
    assert [(f.quote, f.entity) for f in found] == [("Qaryatain", "al-qaryatayn"), ("al-Qaryatayn", "al-qaryatayn")]


def test_the_longest_known_name_wins_and_possessives_are_cut() -> None:
    """'Qalamoun mountains' is one mention, not 'Qalamoun' and a word; 'Syria’s' is 'Syria'."""
    names = index(("qalamoun", "place", "Qalamoun"), ("qm", "place", "Qalamoun mountains"), ("syria", "place", "Syria"))
    found = names.scan("In the Qalamoun mountains of Syria’s west.")
    assert [(f.quote, f.entity) for f in found] == [("Qalamoun mountains", "qm"), ("Syria", "syria")]


def test_case_and_compounds_keep_folding_from_finding_what_is_not_there() -> None:
    """'IS' needs its capitals ('is' is no mention), 'pro-regime' is not 'regime', 'US-backed' holds 'US'."""
    names = index(("islamic-state", "actor", "IS"), ("army", "actor", "regime"), ("us", "actor", "US"))
    found = names.scan("It is said pro-regime outlets and US-backed rebels fought IS.")
    assert [(f.quote, f.entity) for f in found] == [("US", "us"), ("IS", "islamic-state")]


def test_an_english_word_that_folds_like_the_article_starts_no_name() -> None:
    """'Homs as' is no spelling of Homs (folding would drop 'as' as if it were the article)."""
    found = index(("homs", "place", "Homs")).scan("known in Homs as the capital")
    assert [(f.start, f.end) for f in found] == [(9, 13)]


def test_a_spelling_several_entities_share_lists_them_all() -> None:
    """'regime' names the entity the articles used it for most, and lists every candidate."""
    names = NameIndex(
        [
            Spelling("syrian-government", "actor", "regime", "mention", 2),
            Spelling("syrian-arab-army", "actor", "regime", "mention", 9),
        ]
    )
    (found,) = names.scan("The regime said so.")
    assert found.entity == "syrian-arab-army"
    assert found.candidates == ("syrian-arab-army", "syrian-government")


# --------------------------------------------------------------------------- dates (pure)


def _dates(text: str, published: date | None = MONDAY) -> dict[str, dict[str, Any]]:
    return {d.quote: d.date for d in dates.find(text, published)}


def test_relative_dates_resolve_against_the_publication_date_with_the_derivation() -> None:
    """'on Sunday' in a Monday 4 April 2016 article is 3 April; 'Monday' is the dateline itself."""
    found = _dates("It fell on Sunday, he told us Monday.")
    assert found["on Sunday"]["on"] == "2016-04-03"
    assert "'on Sunday' in an article dated Monday 4 April 2016" in found["on Sunday"]["derivation"]
    assert found["Monday"]["on"] == "2016-04-04"


def test_last_week_covers_either_week_convention_and_a_month_without_a_year_is_the_latest() -> None:
    """'last week' runs Sunday 27 March to Sunday 3 April; 'December 5' in April 2016 is in 2015."""
    found = _dates("Last week it fell; on December 5 it was besieged; in March it held.")
    assert (found["Last week"]["from"], found["Last week"]["to"]) == ("2016-03-27", "2016-04-03")
    assert found["on December 5"]["on"] == "2015-12-05"
    assert found["March"] == {"month": "2016-03", "basis": "text-relative", "derivation": found["March"]["derivation"]}


def test_without_a_publication_date_only_written_out_dates_resolve() -> None:
    """Without a dateline 'on Sunday' is left alone; '4 April 2016' is read as it stands."""
    found = _dates("On 4 April 2016, as on Sunday, ...", None)
    assert list(found) == ["4 April 2016"]
    assert found["4 April 2016"]["basis"] == "text-explicit"


def test_a_date_after_the_dateline_is_refused() -> None:
    """A written-out date later than the publication date is no reading of the past: not proposed."""
    assert _dates("The talks set for 9 May 2016 ...") == {}


# --------------------------------------------------------------------------- events and claims (pure)

NAMES = index(
    ("al-qaryatayn", "place", "al-Qaryatayn"),
    ("palmyra", "place", "Palmyra"),
    ("syrian-arab-army", "actor", "Syrian army"),
    ("islamic-state", "actor", "Islamic State"),
)


def _events(text: str) -> list[events.Proposal]:
    return events.propose_events(text, NAMES.scan(text), dates.find(text, MONDAY), None)


def test_a_capture_sentence_gives_place_actors_date_and_evidence() -> None:
    """'The Syrian army captured al-Qaryatayn from the Islamic State on Sunday.' is a full Capture."""
    text = "The Syrian army captured al-Qaryatayn from the Islamic State on Sunday."
    (proposal,) = _events(text)
    entry = proposal.entry
    assert (entry["type"], entry["place"]) == ("Capture", "al-qaryatayn")
    assert (entry["gaining"], entry["losing"]) == (["syrian-arab-army"], ["islamic-state"])
    assert entry["date"]["on"] == "2016-04-03"
    assert entry["evidence"] == [{"quote": text, "span": [0, len(text)]}]
    assert proposal.missing == ()


def test_what_the_sentence_does_not_say_is_left_out_and_noted() -> None:
    """'Palmyra was recaptured.' names no actor and no date: no gaining side, no date, both noted."""
    (proposal,) = _events("Palmyra was recaptured.")
    assert "gaining" not in proposal.entry and "date" not in proposal.entry
    assert set(proposal.missing) >= {"gaining", "date"}


def test_a_distance_claim_gives_place_reference_km_and_bearing() -> None:
    """'Palmyra, 100km northeast of al-Qaryatayn' is a Distance claim of 100 km, NE."""
    text = "It retook Palmyra, 100km northeast of al-Qaryatayn."
    (claim,) = events.propose_claims(text, NAMES.scan(text))
    assert {k: claim.entry[k] for k in ("place", "reference", "km", "bearing")} == {
        "place": "palmyra",
        "reference": "al-qaryatayn",
        "km": 100,
        "bearing": "NE",
    }


# --------------------------------------------------------------------------- against a real graph


@pytest.fixture(scope="module")
def four(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """A store built from four seed articles (not HELD), with the shared entities and links."""
    if not SEED_CORPUS.is_dir():
        pytest.skip(f"the seed corpus is not at {SEED_CORPUS}")
    folder = tmp_path_factory.mktemp("four")
    data = folder / "data"
    shutil.copytree(ROOT / "data", data, ignore=shutil.ignore_patterns(f"{HELD}.yaml"))
    settings = Settings.from_env({}, data=data, corpus=SEED_CORPUS, store=str(folder / "store"), tokens=ENTRY)
    result = pipeline.build(settings)
    assert result.stored, [str(p) for p in result.report.errors]
    yield settings


@pytest.fixture(scope="module")
def held_draft(four: Settings) -> drafting.Draft:
    text = (SEED_CORPUS / f"{HELD}.txt").read_bytes().decode("utf-8")
    store = EmbeddedStore.open(four.store)
    try:
        return drafting.draft_article(four, store, text, file_name=f"{HELD}.txt")
    finally:
        store.close()


def cli(settings: Settings, *args: str) -> Result:
    env = {"KG_DATA": str(settings.data), "KG_CORPUS": str(settings.corpus), "KG_STORE": settings.store}
    return CliRunner().invoke(main, list(args), env=env)


def test_the_draft_fills_the_article_metadata_from_the_text(held_draft: drafting.Draft) -> None:
    """File, SHA-256 (the corpus's), title and the dateline's date are filled in."""
    hand = yaml.safe_load((ROOT / "data" / "articles" / f"{HELD}.yaml").read_text("utf-8"))["article"]
    article = held_draft.document["article"]
    assert {k: article[k] for k in ("file", "sha256", "title")} == {k: hand[k] for k in ("file", "sha256", "title")}
    assert article["published"]["on"] == "2016-04-04" and article["published"]["basis"] == "text-explicit"


def test_every_proposal_is_marked_draft(held_draft: drafting.Draft) -> None:
    """Each mention, event, claim and date expression of the draft carries draft: true."""
    doc = held_draft.document
    items = [item for section in ("mentions", "events", "claims", "dates") for item in doc[section]]
    assert items and all(item["draft"] is True for item in items)
    assert held_draft.proposals == len(items)
    (first,) = [m for m in doc["mentions"] if [406, 418] in m["spans"]]
    assert (first["entity"], first["quote"]) == ("al-qaryatayn", "al-Qaryatayn")


def test_the_draft_yaml_is_the_document(held_draft: drafting.Draft) -> None:
    """The YAML written reads back (with YAML 1.1's PyYAML too) as exactly the document."""
    assert yaml.safe_load(held_draft.yaml) == held_draft.document


def test_the_draft_validates_as_a_draft(four: Settings, held_draft: drafting.Draft, tmp_path: Path) -> None:
    """kg validate on a draft reports only its proposals, each at its line, and says it is valid as a draft."""
    path = tmp_path / f"{HELD}.yaml"
    path.write_text(held_draft.yaml, "utf-8")
    result = cli(four, "validate", str(path))
    assert result.exit_code == 1
    assert f"valid as a draft; {held_draft.proposals} proposals to review" in result.output
    problems = [line for line in result.output.splitlines() if ": error: " in line]
    assert len(problems) == held_draft.proposals
    assert all("draft proposal" in p and "delete `draft: true`" in p for p in problems)
    assert f"{path}:11: mentions[0]: error: mention 'east Homs'" in result.output


def test_a_form_problem_of_a_draft_is_still_reported(
    four: Settings, held_draft: drafting.Draft, tmp_path: Path
) -> None:
    """A draft whose quote was edited wrong gets that problem too, and is no longer 'valid as a draft'."""
    path = tmp_path / f"{HELD}.yaml"
    path.write_text(held_draft.yaml.replace('quote: "east Homs"', 'quote: "east Homz"', 1), "utf-8")
    result = cli(four, "validate", str(path))
    assert result.exit_code == 1
    assert "'east Homz' is not in the text" in result.output
    assert "valid as a draft" not in result.output


def test_no_entrance_stores_a_draft_never_reviewed(four: Settings, held_draft: drafting.Draft, tmp_path: Path) -> None:
    """kg submit, POST /validate and POST /submissions refuse an unreviewed draft; the store is unchanged."""
    path = tmp_path / f"{HELD}.yaml"
    path.write_text(held_draft.yaml, "utf-8")
    before = _quads(four)
    result = cli(four, "submit", str(path), "--text", str(SEED_CORPUS / f"{HELD}.txt"))
    assert result.exit_code == 1 and "does not conform; nothing stored" in result.output
    text = (SEED_CORPUS / f"{HELD}.txt").read_text("utf-8")
    client = create_app(four).test_client()
    body = {"annotation": held_draft.yaml, "text": text, "name": path.name}
    for url in ("/validate", "/submissions"):
        answer = client.post(url, json=body, headers={"Authorization": f"Bearer {TOKEN}"})
        assert answer.status_code == 422, answer.json
        checks = {e["check"] for e in answer.json["problems"] if e["severity"] == "error"}
        assert checks == {"draft"} and answer.json["draft"]["proposals"] == held_draft.proposals
        assert answer.json["errors"][0]["line"] == 11
    assert _quads(four) == before


def test_a_reviewed_draft_of_a_seed_article_is_stored_through_kg_submit(
    four: Settings, held_draft: drafting.Draft, tmp_path: Path
) -> None:
    """Accept each mention (delete draft and candidates), keep the complete events, drop the date
    aids: kg validate says it conforms and kg submit stores it."""
    doc = _reviewed(held_draft.document)
    path = tmp_path / f"{HELD}.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), "utf-8")
    text = str(SEED_CORPUS / f"{HELD}.txt")
    checked = cli(four, "validate", str(path), "--text", text)
    assert checked.exit_code == 0, checked.output
    stored = cli(four, "submit", str(path), "--text", text, "--as", "reviewer")
    assert stored.exit_code == 0, stored.output
    assert "stored as" in stored.output
    with Kg(four) as running:
        articles = {row["article"].value.rsplit("/", 1)[-1] for row in running.run("articles").rows}
    assert HELD in articles


def _reviewed(doc: dict[str, Any]) -> dict[str, Any]:
    """What a reviewer who accepts every mention and every complete event would leave."""
    out = {"article": doc["article"], "mentions": []}
    for mention in doc["mentions"]:
        out["mentions"].append({k: v for k, v in mention.items() if k not in {"draft", "candidates"}})
    complete = {"Capture": "gaining", "Withdrawal": "losing", "Assault": "attacker", "Siege": "attacker"}
    kept = [e for e in doc["events"] if e["type"] in complete and complete[e["type"]] in e and "date" in e]
    out["events"] = [{k: v for k, v in e.items() if k != "draft"} for e in kept]
    out["claims"] = [{k: v for k, v in c.items() if k != "draft"} for c in doc.get("claims", [])]
    return out


def _quads(settings: Settings) -> int:
    store = EmbeddedStore.open(settings.store)
    try:
        return len(store.query("SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }", max_rows=10**6).rows)
    finally:
        store.close()


# --------------------------------------------------------------------------- the faces


def test_annotate_draft_writes_the_file_it_was_asked_to(four: Settings, tmp_path: Path) -> None:
    """kg annotate --draft ARTICLE.txt -o FILE writes the draft and says how many proposals it holds."""
    out = tmp_path / "draft.yaml"
    result = cli(
        four, "annotate", "--draft", str(SEED_CORPUS / f"{HELD}.txt"), "--published", "2016-04-04", "-o", str(out)
    )
    assert result.exit_code == 0, result.output
    doc = yaml.safe_load(out.read_text("utf-8"))
    assert f"{out}: draft written, {drafting.document.count_drafts(doc)} proposals to review" in result.output
    assert doc["article"]["published"] == {
        "on": "2016-04-04",
        "basis": "external",
        "derivation": "given by the submitter",
        "citation": "the publication date the person drafting gave (kg annotate --published or /annotate)",
    }


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--draft", "--resolve"], "give one of --resolve"),
        (["--draft", "extra.txt"], "--draft takes one article text"),
        (["--draft", "--published", "4 April"], "'4 April' does not match the format"),
    ],
)
def test_annotate_draft_usage_errors_exit_2(four: Settings, tmp_path: Path, args: list[str], words: str) -> None:
    """Both modes at once, two texts, or a date not in YYYY-MM-DD are usage errors (exit 2)."""
    article = tmp_path / "a.txt"
    article.write_text("Palmyra.", "utf-8")
    (tmp_path / "extra.txt").write_text("x", "utf-8")
    result = cli(four, "annotate", str(article), *[str(tmp_path / a) if a.endswith(".txt") else a for a in args])
    assert result.exit_code == 2, result.output
    assert words in result.output


def test_post_annotate_draft_answers_the_draft(four: Settings) -> None:
    """POST /annotate/draft answers the document, its YAML and notes; it needs no token and stores nothing."""
    client = create_app(replace(four, tokens="")).test_client()
    text = "AMMAN: The Syrian army captured Palmyra from the Islamic State on Sunday."
    answer = client.post("/annotate/draft", json={"text": text, "file": "005_new.txt", "published": "2016-04-04"})
    assert answer.status_code == 200, answer.json
    body = answer.json
    assert body["ok"] is True and body["proposals"] == drafting.document.count_drafts(body["draft"])
    (event,) = body["draft"]["events"]
    assert (event["type"], event["place"], event["gaining"], event["date"]["on"]) == (
        "Capture",
        "palmyra",
        ["syrian-arab-army"],
        "2016-04-03",
    )
    assert yaml.safe_load(body["yaml"]) == body["draft"]


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"file": "a.txt"}, "needs 'text'"),
        ({"text": "Palmyra."}, "needs 'file'"),
        ({"text": "Palmyra.", "file": "../a.txt"}, "not a plain name"),
        ({"text": "Palmyra.", "file": "a.txt", "published": "April"}, "'published' 'April' is not a date"),
        ([1, 2], "must be an object"),
    ],
)
def test_post_annotate_draft_refuses_bad_bodies_in_the_one_error_shape(four: Settings, body: Any, words: str) -> None:
    """A body without text or file, a bad name or date is a 400 in the one JSON error shape."""
    answer = create_app(four).test_client().post("/annotate/draft", json=body)
    assert answer.status_code == 400
    assert answer.json["ok"] is False and answer.json["status"] == 400 and words in answer.json["error"]


def test_post_annotate_draft_is_bounded_like_post_validate(four: Settings) -> None:
    """A body over KG_ANON_BODY is a 413, as for POST /validate."""
    client = create_app(replace(four, anon_body=1000)).test_client()
    answer = client.post("/annotate/draft", json={"text": "x" * 2000, "file": "a.txt"})
    assert answer.status_code == 413 and answer.json["ok"] is False


def test_a_place_the_gazetteer_knows_and_the_graph_does_not_is_proposed_with_its_rows(four: Settings) -> None:
    """'al-Qusayr' (not in the graph) is a new place with GeoNames 173322 first; 'During' opening a
    sentence is no place, though a Turkish village folds to it."""
    text = "During the night rebels attacked the town of al-Qusayr, near Palmyra."
    store = EmbeddedStore.open(four.store)
    try:
        made = drafting.draft_article(four, store, text, file_name="005_new.txt", published=MONDAY)
    finally:
        store.close()
    (place,) = made.document["entities"]["places"]
    assert (place["id"], place["label"], place["type"], place["draft"]) == (
        "al-qusayr",
        "al-Qusayr",
        "Settlement",
        True,
    )
    assert place["candidates"][0]["id"] == "173322" and place["candidates"][0]["country"] == "SY"
    assert {"entity": "al-qusayr", "quote": "al-Qusayr", "spans": [[45, 54]], "draft": True} in made.document[
        "mentions"
    ]
    assert made.document["events"][0]["place"] == "al-qusayr"
