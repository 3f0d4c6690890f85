"""The draft as an annotation file: a plain dict in the project's format, and its YAML.

Every proposal carries ``draft: true``; an ambiguous mention names its likeliest entity and lists
``candidates``. Mentions are grouped by entity and quote, with ``occurrence: all`` where they are
every whole-word occurrence of the quote, else one entry per occurrence, each with its spans,
so that the file already resolves against its text.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

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
    out = []
    for (entity, quote), items in groups.items():
        exact = _exact(text, quote)
        words = [m.start() for m in re.finditer(r"(?<!\w)" + re.escape(quote) + r"(?!\w)", text)]
        starts = [f.start for f in items]
        extra = {"candidates": list(items[0].candidates)} if len(items[0].candidates) > 1 else {}
        if len(exact) == 1:
            out.append({"entity": entity, "quote": quote, "spans": [[f.start, f.end] for f in items]} | extra)
        elif starts == words:
            out.append({"entity": entity, "quote": quote, "occurrence": "all"} | _spans(items) | extra)
        else:
            for f in items:
                entry = {"entity": entity, "quote": quote, "occurrence": exact.index(f.start) + 1}
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


def to_yaml(doc: dict[str, Any]) -> str:
    """The document as YAML a person edits: one line per mention and per evidence or date."""
    yaml = YAML()
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    tree = CommentedMap()
    for key, value in doc.items():
        tree[key] = _flowed(key, value)
    out = io.StringIO()
    out.write("# A draft by `kg annotate --draft`: review every entry marked `draft: true`, then delete\n")
    out.write("# that line (and a mention's `candidates`, keeping the entity meant). Until then validation\n")
    out.write('# refuses to store the file. See docs/annotation-format.md, "Drafts".\n')
    yaml.dump(tree, out)
    return out.getvalue()


def _flowed(key: str, value: Any) -> Any:
    if key == "article":
        article = CommentedMap(value)
        if "published" in article:
            article["published"] = _flow(article["published"])
        return article
    seq = CommentedSeq()
    for item in value:
        if key in {"mentions", "dates"}:
            seq.append(_flow({k: (_flow(v) if isinstance(v, dict) else v) for k, v in item.items()}))
        else:
            seq.append(_block(item))
    return seq


def _block(item: dict[str, Any]) -> CommentedMap:
    out = CommentedMap()
    for k, v in item.items():
        if k == "evidence":
            out[k] = CommentedSeq([_flow(e) for e in v])
        elif isinstance(v, dict):
            out[k] = _flow(v)
        elif isinstance(v, list):
            out[k] = _flow_list(v)
        else:
            out[k] = v
    return out


def _flow(value: dict[str, Any]) -> CommentedMap:
    out = CommentedMap({k: (_flow_list(v) if isinstance(v, list) else v) for k, v in value.items()})
    out.fa.set_flow_style()
    return out


def _flow_list(value: list[Any]) -> CommentedSeq:
    out = CommentedSeq([_flow_list(v) if isinstance(v, list) else v for v in value])
    out.fa.set_flow_style()
    return out
