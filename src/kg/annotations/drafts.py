"""Drafts: entries that ``kg annotate --draft`` proposed and no person has reviewed yet.

A proposal carries ``draft: true``; a person reviews it by checking it against the text and
deleting that key (editing the entry first where it is wrong, or deleting the whole entry). A
mention that still lists ``candidates`` has not been decided either. Every such entry is a
problem of its own (check ``draft``), at its line, saying what to do — so validation, at every
entrance, refuses to store a file until each one is reviewed, while still checking the rest of
the file (schema, references, offsets) so a person edits a file that is right in form.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from kg.annotations.locations import locate
from kg.report import Problem

CHECK = "draft"  # the ``source`` of these problems: a draft, not a broken file
SECTIONS = ("mentions", "events", "claims", "dates")
TO_DO = "check it against the text, fix it if need be, then delete `draft: true` (or delete the entry)"


def unreviewed(tree: Any, path: str) -> list[Problem]:
    """One problem for each proposal of the file that is still a draft, in line order."""
    if not isinstance(tree, Mapping):
        return []
    return [Problem(message, locate(tree, path, at), source=CHECK) for at, message in _entries(tree)]


def is_draft_problem(problem: Problem) -> bool:
    return problem.source == CHECK


def _entries(tree: Mapping[str, Any]) -> Iterator[tuple[list[str | int], str]]:
    entities = tree.get("entities")
    places = entities.get("places") if isinstance(entities, Mapping) else None
    for i, item in enumerate(places if isinstance(places, list) else []):
        if isinstance(item, Mapping) and item.get("draft") is True:
            yield ["entities", "places", i], f"new place {item.get('label')!r} is a draft proposal: {TO_DO}"
    for section in SECTIONS:
        items = tree.get(section)
        for i, item in enumerate(items if isinstance(items, list) else []):
            if not isinstance(item, Mapping):
                continue
            if item.get("draft") is True:
                yield [section, i], f"{_what(section, item)} is a draft proposal: {TO_DO}"
            elif section == "mentions" and item.get("candidates"):
                yield (
                    [section, i],
                    (
                        f"{_what(section, item)} still lists candidates {list(item['candidates'])}: "
                        "keep the entity meant as `entity` and delete `candidates`"
                    ),
                )


def _what(section: str, item: Mapping[str, Any]) -> str:
    if section == "mentions":
        return f"mention {item.get('quote')!r} ({item.get('entity')})"
    if section == "dates":
        return f"date expression {item.get('quote')!r}"
    return f"{section[:-1]} {item.get('id')!r} ({item.get('type')} of {item.get('place')})"
