"""``POST /annotate/draft``: a draft annotation file for an article text, read-only, no token.

Body: JSON ``{"text": …, "file": "005_x.txt", "published": "2016-04-04"}`` (``published``
optional), bounded like ``POST /validate`` (KG_ANON_BODY, or KG_MAX_BODY with a token) and run
within the same time budget. Answer: ``{"ok": true, "draft": <document>, "yaml": …, "notes":
[…], "proposals": N}``; bad input is a 400 in the one JSON error shape. Nothing is stored.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, Response, jsonify

from kg import drafting
from kg.errors import InputError
from kg.web import kg, workshop
from kg.web.submit import json_body

blueprint = Blueprint("drafts", __name__)
HINT = '{"text": "…the article…", "file": "005_name.txt", "published": "YYYY-MM-DD"}'


@blueprint.route("/annotate/draft", methods=["POST"])
def draft() -> Response:
    shop = workshop()
    budget = shop.budget()
    shop.check_size(budget)
    text, file_name, published = _fields(json_body(HINT))
    running = kg()
    store = running.store_or_empty()
    made = shop.run(
        lambda: drafting.draft_article(running.settings, store, text, file_name=file_name, published=published),
        budget,
        "the draft",
    )
    return jsonify(
        {"ok": True, "draft": made.document, "yaml": made.yaml, "notes": list(made.notes), "proposals": made.proposals}
    )


def _fields(body: dict[str, Any]) -> tuple[str, str, date | None]:
    text, name, published = body.get("text"), body.get("file"), body.get("published")
    if not isinstance(text, str) or not text.strip():
        raise InputError("the JSON body needs 'text': the article's text", hint=HINT)
    if not isinstance(name, str) or not name:
        raise InputError("the JSON body needs 'file': the article's file name (….txt)", hint=HINT)
    if published in (None, ""):
        return text, name, None
    try:
        return text, name, date.fromisoformat(str(published))
    except ValueError:
        raise InputError(f"'published' {published!r} is not a date (YYYY-MM-DD)", hint=HINT) from None
