"""A draft annotation file from an article's text: ``kg annotate --draft`` and ``POST /annotate/draft``.

:func:`draft_article` is the one action both faces call. It finds, in the text:

- mentions of every entity the store knows, in every spelling kg has for it (:mod:`.known`,
  :mod:`.mentions`), ambiguous ones with their ``candidates``;
- date expressions resolved against the publication date (:mod:`.dates`, with ``dateparser``);
- candidate control events and distance claims from the sentences that report them (:mod:`.events`);

and fills in the article's metadata (file, SHA-256, title, publication date). Every proposal
carries ``draft: true``: validation refuses to store the file until a person has reviewed each
one and deleted that line (see docs/annotation-format.md, "Drafts"). Nothing is stored.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from kg.config import Settings
from kg.drafting import dates, document, events, known, places
from kg.drafting.mentions import NameIndex
from kg.errors import InputError
from kg.store import Store

FILE_NAME = re.compile(r"^[A-Za-z0-9_.-]+\.txt$")


@dataclass(frozen=True)
class Draft:
    """A draft annotation file: the document (a plain dict in the format), its YAML, and notes
    on how it was made and what it could not fill in."""

    document: dict[str, Any]
    yaml: str
    notes: tuple[str, ...] = field(default=())

    @property
    def proposals(self) -> int:
        """How many entries a person has to review."""
        return document.count_drafts(self.document)


def draft_article(
    settings: Settings, store: Store, text: str, *, file_name: str, published: date | None = None
) -> Draft:
    """The draft annotation file of one article text, against the entities ``store`` holds."""
    if not FILE_NAME.match(file_name):
        raise InputError(
            f"the article's file name {file_name!r} is not a plain name ending in .txt",
            hint="give a name such as 005_my_article.txt (letters, digits, _ . -)",
        )
    if not text.strip():
        raise InputError(f"the article text {file_name} is empty", hint="give the article's full text")
    index = NameIndex(known.spellings(settings, store))
    found = index.scan(text)
    new = places.propose(text, found, known.gazetteer(settings), index.entities)
    notes = [f"{index.size} known spellings looked for; {len(found)} mentions found"]
    notes += [
        f"new place {p.label!r}: {len(p.candidates)} gazetteer row(s), best {p.candidates[0]['name']}" for p in new
    ]
    dateline = dates.dateline(text)
    when = published or dateline
    if when is None:
        notes.append("no publication date: give --published; relative dates were not resolved")
    expressions = dates.find(text, when)
    every = sorted([*found, *(f for p in new for f in p.found())], key=lambda f: f.start)
    proposed = events.propose_events(text, every, expressions, _fallback(when))
    claims = events.propose_claims(text, every)
    for i, proposal in enumerate(proposed, 1):
        if proposal.missing:
            notes.append(f"event {i} ({proposal.entry['type']}): not in its sentence: {', '.join(proposal.missing)}")
    article = _article(text, file_name, published, dateline)
    doc = document.assemble(text, article, found, expressions, proposed, claims, new)
    return Draft(doc, document.to_yaml(doc), tuple(notes))


def _article(text: str, file_name: str, published: date | None, dateline: date | None) -> dict[str, Any]:
    article: dict[str, Any] = {
        "file": file_name,
        "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
        "title": _title(text, file_name),
        "language": "en",
    }
    if published is not None:
        article["published"] = {
            "on": published.isoformat(),
            "basis": "external",
            "derivation": "given by the submitter",
            "citation": "the publication date the person drafting gave (kg annotate --published or /annotate)",
        }
    elif dateline is not None:
        article["published"] = {
            "on": dateline.isoformat(),
            "basis": "text-explicit",
            "derivation": f"dateline '{dateline.day} {dateline:%B %Y}' (a {dateline:%A})",
        }
    return article


def _title(text: str, file_name: str) -> str:
    for line in text.splitlines():
        line = " ".join(line.split())
        if line and not re.fullmatch(r"\d+ min read", line):
            return line[:200].strip()
    return file_name


def _fallback(when: date | None) -> dict[str, Any] | None:
    if when is None:
        return None
    return {
        "to": when.isoformat(),
        "basis": "text-relative",
        "derivation": f"no date in the sentence: reported as of the article's date, {when.isoformat()}",
    }
