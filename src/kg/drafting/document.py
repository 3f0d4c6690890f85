"""The draft as an annotation file: a plain dict in the project's format, and its YAML.

Every proposal carries ``draft: true``; an ambiguous mention names its likeliest entity and lists
``candidates``. Mentions are grouped by entity and quote, with ``occurrence: all`` where they are
every whole-word occurrence of the quote, else one entry per occurrence, each with its spans,
so that the file already resolves against its text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from kg.drafting.dates import DateExpression
from kg.drafting.events import Proposal
from kg.drafting.mentions import Found

SECTIONS = ("mentions", "events", "claims", "dates")


def assemble(
    text: str,
    article: dict[str, Any],
    found: Sequence[Found],
    expressions: Sequence[DateExpression],
    proposed: Sequence[Proposal],
    claims: Sequence[Proposal],
) -> dict[str, Any]:
    """The draft document: article, mentions, events, claims and the date expressions found."""
    doc: dict[str, Any] = {"article": article, "mentions": mentions(text, found)}
    doc["events"] = _numbered([p.entry for p in proposed], "event")
    doc["claims"] = _numbered([c.entry for c in claims], "claim")
    doc["dates"] = [
        {"quote": d.quote, "span": [d.start, d.end], "date": d.date, "draft": True}
        for d in expressions
        if len(d.quote) <= 120
    ]
    return {k: v for k, v in doc.items() if v or k in {"article", "mentions"}}


def mentions(text: str, found: Sequence[Found]) -> list[dict[str, Any]]:
    """Mention entries, one per entity and quote (or per occurrence where needed)."""
    groups: dict[tuple[str, str], list[Found]] = {}
    for f in found:
        groups.setdefault((f.entity, f.quote), []).append(f)
    out: list[dict[str, Any]] = []
    for (entity, quote), items in groups.items():
        exact = _exact(text, quote)
        words = [m.start() for m in re.finditer(r"(?<!\w)" + re.escape(quote) + r"(?!\w)", text)]
        starts = [f.start for f in items]
        extra: dict[str, Any] = {"candidates": list(items[0].candidates)} if len(items[0].candidates) > 1 else {}
        if len(exact) == 1:
            out.append({"entity": entity, "quote": quote, "spans": [[f.start, f.end] for f in items]} | extra)
        elif starts == words:
            out.append({"entity": entity, "quote": quote, "occurrence": "all"} | _spans(items) | extra)
        else:
            for f in items:
                entry: dict[str, Any] = {"entity": entity, "quote": quote, "occurrence": exact.index(f.start) + 1}
                out.append(entry | {"spans": [[f.start, f.end]]} | extra)
    for entry in out:
        entry["draft"] = True
    return sorted(out, key=lambda e: e["spans"][0][0])


def _spans(items: Sequence[Found]) -> dict[str, Any]:
    return {"spans": [[f.start, f.end] for f in items]}


def _exact(text: str, needle: str) -> list[int]:
    found, at = [], text.find(needle)
    while at >= 0:
        found.append(at)
        at = text.find(needle, at + len(needle))
    return found


def _numbered(entries: Sequence[dict[str, Any]], what: str) -> list[dict[str, Any]]:
    out = []
    for n, entry in enumerate(entries, 1):
        name = f"draft-{what}-{n}-{entry['type'].lower()}-{entry['place']}"[:80].rstrip("-")
        out.append({**entry, "id": name, "draft": True})
    return out


def count_drafts(doc: dict[str, Any]) -> int:
    """How many entries of a document still carry ``draft: true``."""
    places = ((doc.get("entities") or {}).get("places")) or []
    items = [*places, *(i for s in SECTIONS for i in (doc.get(s) or []))]
    return sum(1 for item in items if isinstance(item, dict) and item.get("draft") is True)


HEADER = (
    "# A draft by `kg annotate --draft`: review every entry marked `draft: true`, then delete\n"
    "# that line (and a mention's `candidates`, keeping the entity meant). Until then validation\n"
    '# refuses to store the file. See docs/annotation-format.md, "Drafts".\n'
)
_BARE = re.compile(r"[A-Za-z][A-Za-z0-9-]*")
_YAML_WORDS = frozenset({"true", "false", "null", "yes", "no", "on", "off", "y", "n"})


def to_yaml(doc: dict[str, Any]) -> str:
    """The document as YAML a person edits: one line per mention, evidence and date expression
    (flow mappings, strings quoted as JSON, which YAML reads as they are)."""
    lines = [HEADER.rstrip("\n")]
    for key, value in doc.items():
        if key == "article":
            lines.append("article:")
            lines += [f"  {_key(k)}: {_scalar(v)}" for k, v in value.items()]
        elif key in {"mentions", "dates"}:
            lines.append(f"{key}:" if value else f"{key}: []")
            lines += [f"  - {_scalar(item)}" for item in value]
        else:
            lines.append(f"{key}:")
            for item in value:
                lines += _block(item)
    return "\n".join(lines) + "\n"


def _block(item: dict[str, Any]) -> list[str]:
    out: list[str] = []
    for k, v in item.items():
        lead = "  - " if not out else "    "
        if k == "evidence":
            out.append(f"{lead}evidence:")
            out += [f"      - {_scalar(e)}" for e in v]
        else:
            out.append(f"{lead}{_key(k)}: {_scalar(v)}")
    return out


def _key(key: str) -> str:
    """A key YAML 1.1 would read as a boolean (``on``) is quoted, as the hand-written files do."""
    return f'"{key}"' if key.lower() in _YAML_WORDS else key


def _scalar(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_key(k)}: {_scalar(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_scalar(v) for v in value) + "]"
    if isinstance(value, str) and _BARE.fullmatch(value) and value.lower() not in _YAML_WORDS:
        return value
    return json.dumps(value, ensure_ascii=False)
