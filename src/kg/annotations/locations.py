"""Where in an annotation file: the line of a field in its tree, the field's name
(``events[3].gaining``) and back, and a problem moved to the exact line of the field it names.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from kg.annotations.model import AnnotationFile
from kg.errors import Location
from kg.report import Problem


def line_of(tree: Any, path: Sequence[str | int]) -> int | None:
    """The 1-based line of the value at ``path`` in a round-trip tree, as near as known."""
    node, line = tree, None
    for key in path:
        lc = getattr(node, "lc", None)
        try:
            if isinstance(node, CommentedMap) and key in node:
                line = lc.key(key)[0] + 1 if lc is not None else line
                node = node[key]
            elif isinstance(node, CommentedSeq) and isinstance(key, int) and key < len(node):
                line = lc.item(key)[0] + 1 if lc is not None else line
                node = node[key]
            else:
                break
        except (KeyError, TypeError, AttributeError):
            break
    return line


def field_name(path: Sequence[str | int]) -> str:
    """``('events', 3, 'gaining')`` → ``events[3].gaining``."""
    text = ""
    for key in path:
        text += f"[{key}]" if isinstance(key, int) else (f".{key}" if text else str(key))
    return text


def path_of(field: str) -> list[str | int]:
    """``events[3].gaining`` → ``['events', 3, 'gaining']`` (the inverse of :func:`field_name`)."""
    path: list[str | int] = []
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", field):
        path.append(int(part[1:-1]) if part.startswith("[") else part)
    return path


def pinpoint(doc: AnnotationFile, problem: Problem) -> Problem:
    """The problem with its line moved to the exact field it names, where the tree has it."""
    where = problem.where
    if where.file != doc.path or not where.field or doc.tree is None:
        return problem
    line = line_of(doc.tree, path_of(where.field))
    return replace(problem, where=replace(where, line=line)) if line else problem


def locate(tree: Any, file: str, path: Sequence[str | int]) -> Location:
    return Location(file, line_of(tree, path), field_name(path) or None)
