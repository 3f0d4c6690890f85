"""The annotator page, ``/annotate``: open an article's text (pasted, uploaded, or a file of the
corpus folder), ask for a draft (``POST /annotate/draft``, :mod:`kg.web.drafts`), review it in
the browser — accept, reject or re-link each proposal, add mentions and evidence by selecting
words, fill events from pick-lists — and check it live through the one validation path
(``POST /validate``) before downloading it or submitting it (``POST /submissions``).

This module renders the frame only: the corpus files the server knows, every entity of the
graph by label and kind, and the words the format allows (event types, roles, certainty); the
page (``static/annotate.js``) does the rest in the browser.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, render_template

from kg import sources
from kg.annotations.schema import schema
from kg.errors import NotFound
from kg.web import kg
from kg.web.links import ID_BASE

blueprint = Blueprint("annotate", __name__, template_folder="templates")

ROLES = {
    "Capture": ("gaining", "losing"),
    "Withdrawal": ("gaining", "losing"),
    "SiegeBroken": ("gaining", "losing"),
    "Siege": ("attacker", "defender"),
    "Assault": ("attacker", "defender"),
    "ControlObservation": ("controller",),
    "PresenceObservation": ("present",),
}
"""The actor fields each event type fills (``supporting`` and ``source`` go with every type),
as docs/annotation-format.md lists them."""


@dataclass(frozen=True)
class Choice:
    """An entity the page can link a mention to: its id in annotation files, label and kind."""

    id: str
    label: str
    kind: str  # place | asset | actor


def corpus_files(folder: Path) -> list[str]:
    """The article texts of the corpus folder, by file name (none when the folder is absent)."""
    if not folder.is_dir():
        return []
    return sorted(path.name for path in folder.glob("*.txt") if path.is_file())


def choices() -> list[Choice]:
    """Every place, asset and actor of the graph, by label (one saved query, ``entities``)."""
    found = []
    for row in kg().run_whole("entities", needed_for="the page's pick-lists would leave entities out").rows:
        iri = row["entity"].value
        if not iri.startswith(ID_BASE):
            continue
        ident = iri.rsplit("/", 1)[-1]
        label = row["label"].value if "label" in row else ident
        found.append(Choice(ident, label, row["kind"].value))
    return sorted(found, key=lambda c: (c.kind, c.label.casefold(), c.id))


def vocabulary() -> dict[str, Any]:
    """The words of the format the page offers in its pick-lists, from the published schema."""
    event = schema()["$defs"]["event"]["properties"]
    return {
        "types": event["type"]["enum"],
        "roles": ROLES,
        "certainty": event["certainty"]["enum"],
        "scope": event["scope"]["enum"],
        "bearings": schema()["$defs"]["claim"]["properties"]["bearing"]["enum"],
    }


@blueprint.route("/annotate")
def page() -> str:
    settings = kg().settings
    return render_template(
        "annotate.html",
        corpus=corpus_files(settings.corpus),
        entities=[asdict(c) for c in choices()],
        vocabulary=vocabulary(),
        writes=bool(settings.tokens),
    )


@blueprint.route("/annotate/texts/<name>")
def text(name: str) -> Response:
    folder = kg().settings.corpus
    if name not in corpus_files(folder):
        raise NotFound(f"the corpus has no text called {name!r}", hint="choose one of the list on /annotate")
    return Response(sources.read_text(folder / name), mimetype="text/plain")
