"""The YAML tree of an annotation file: text (YAML, or JSON, which is YAML) read into ruamel.yaml's
round-trip tree, which knows the line of every key and item, and written back with its layout.

A syntax error, an empty file or a YAML alias is an :class:`~kg.errors.InputError` with its line.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

import yaml as libyaml
from ruamel.yaml import YAML
from ruamel.yaml import resolver as ruamel_resolver
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import RoundTripConstructor
from ruamel.yaml.error import YAMLError
from ruamel.yaml.representer import RoundTripRepresenter
from yaml.cyaml import CParser

from kg.errors import InputError, Location


class _DateText(str):
    """A YAML timestamp kept as the text it was written as (validated by the schema)."""


class _Constructor(RoundTripConstructor):
    pass


class _Representer(RoundTripRepresenter):
    pass


_Constructor.add_constructor("tag:yaml.org,2002:timestamp", lambda self, node: _DateText(self.construct_scalar(node)))
_Representer.add_representer(_DateText, lambda self, d: self.represent_scalar("tag:yaml.org,2002:timestamp", str(d)))


def _yaml() -> YAML:
    yaml = YAML()
    yaml.Constructor = _Constructor
    yaml.Representer = _Representer
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096  # never re-wrap what a person wrote
    yaml.preserve_quotes = True
    return yaml


def read_tree(text: str, path: str, *, fast: bool = False) -> Any:
    """Parse YAML (or JSON, which is YAML) text; a syntax error is an :class:`InputError`.

    With ``fast``, libyaml (C) reads the text when it can (:func:`_fast_tree`): the same tree,
    lines included, about ten times sooner; anything unusual is left to ruamel.yaml, which also
    writes every error message.
    """
    if not text.strip():
        raise InputError(
            "the file is empty", where=Location(path), hint="write an annotation file: see docs/annotation-format.md"
        )
    if path.lower().endswith(".json"):
        try:
            json.loads(text)
        except ValueError as exc:
            line = getattr(exc, "lineno", None)
            raise InputError(f"not valid JSON: {getattr(exc, 'msg', exc)}", where=Location(path, line)) from None
        except RecursionError:
            raise InputError("nested too deeply to read", where=Location(path)) from None
    tree = _fast_tree(text) if fast else None
    if tree is None:
        tree = _ruamel_tree(text, path)
    if not isinstance(tree, Mapping):
        raise InputError(
            "the top level must be a mapping with 'article' or 'places'/'actors'/'infrastructure'",
            where=Location(path, 1),
            hint="see docs/annotation-format.md",
        )
    _refuse_aliases(tree, path)
    return tree


def _ruamel_tree(text: str, path: str) -> Any:
    try:
        return _yaml().load(text)
    except RecursionError:
        raise InputError(
            "nested too deeply to read", where=Location(path), hint="annotation files are shallow"
        ) from None
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InputError(
            f"not valid YAML: {problem}", where=Location(path, line), hint="fix the syntax at that line"
        ) from None


class _Unusual(Exception):
    """Something the fast reader leaves to ruamel.yaml."""


class _Resolver12(libyaml.resolver.BaseResolver):
    """YAML 1.2 plain-scalar resolution, as ruamel.yaml does it (``true``/``false`` only, no
    ``on``/``yes``), for libyaml's composer; a tag it cannot construct sends the text to ruamel."""


for _versions, _tag, _pattern, _first in ruamel_resolver.implicit_resolvers:
    if (1, 2) in _versions:
        _Resolver12.add_implicit_resolver(_tag, _pattern, _first)


class _FastLoader(CParser, _Resolver12):  # type: ignore[misc]
    def __init__(self, stream: str):
        CParser.__init__(self, stream)
        _Resolver12.__init__(self)


_SIMPLE_INT = re.compile(r"[-+]?(0|[1-9][0-9]*)")
_SIMPLE_FLOAT = re.compile(r"[-+]?[0-9]+\.[0-9]*([eE][-+]?[0-9]+)?")


def _fast_tree(text: str) -> Any:
    """The round-trip tree ruamel.yaml would give (maps and lists with their lines), read by
    libyaml; None for anything unusual (directives, aliases, tags, merge keys, duplicate keys,
    octal or sexagesimal numbers) or any error, which ruamel.yaml then reads and reports."""
    if "%YAML" in text:
        return None
    try:
        loader = _FastLoader(text)
        try:
            node = loader.get_single_node()
        finally:
            loader.dispose()
        return _build(node, set()) if node is not None else None
    except (libyaml.YAMLError, _Unusual, RecursionError, ValueError):
        return None


def _build(node: Any, seen: set[int]) -> Any:
    if id(node) in seen:
        raise _Unusual("alias")
    seen.add(id(node))
    if isinstance(node, libyaml.MappingNode):
        if node.tag != "tag:yaml.org,2002:map":
            raise _Unusual(node.tag)
        mapping = CommentedMap()
        mapping._yaml_set_line_col(node.start_mark.line, node.start_mark.column)
        for key_node, value_node in node.value:
            key = _build(key_node, seen)
            if key_node.tag == "tag:yaml.org,2002:merge" or not isinstance(key, str | int) or key in mapping:
                raise _Unusual("key")
            mapping[key] = _build(value_node, seen)
            mark, value_mark = key_node.start_mark, value_node.start_mark
            mapping._yaml_set_kv_line_col(key, [mark.line, mark.column, value_mark.line, value_mark.column])
        return mapping
    if isinstance(node, libyaml.SequenceNode):
        if node.tag != "tag:yaml.org,2002:seq":
            raise _Unusual(node.tag)
        sequence = CommentedSeq()
        sequence._yaml_set_line_col(node.start_mark.line, node.start_mark.column)
        for i, item in enumerate(node.value):
            sequence.append(_build(item, seen))
            sequence._yaml_set_idx_line_col(i, [item.start_mark.line, item.start_mark.column])
        return sequence
    return _scalar(node.tag, node.value)


def _scalar(tag: str, value: str) -> Any:
    kind = tag.rpartition(":")[2]
    if kind == "str":
        return value
    if kind == "null":
        return None
    if kind == "bool":
        return value.lower() == "true"
    if kind == "timestamp":
        return _DateText(value)
    if kind == "int" and _SIMPLE_INT.fullmatch(value):
        return int(value)
    if kind == "float" and _SIMPLE_FLOAT.fullmatch(value):
        return float(value)
    raise _Unusual(tag)


def _refuse_aliases(tree: Any, path: str) -> None:
    """Refuse YAML aliases (``*name``): shared nodes that a reader would expand, exponentially
    in the worst case ("billion laughs"). Annotation files never need them."""
    seen: set[int] = set()
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, Mapping | list):
            if id(node) in seen:
                raise InputError(
                    "YAML aliases (*name) are not allowed in annotation files",
                    where=Location(path, line_of_node(node)),
                    hint="write the value out where it is needed",
                )
            seen.add(id(node))
            stack.extend(node.values() if isinstance(node, Mapping) else node)


def line_of_node(node: Any) -> int | None:
    lc = getattr(node, "lc", None)
    return lc.line + 1 if lc is not None and lc.line is not None else None


def dump_tree(tree: Any) -> str:
    """Write a tree back as YAML, keeping comments and layout."""
    buffer = io.StringIO()
    _yaml().dump(tree, buffer)
    return buffer.getvalue()


def set_key(mapping: Any, key: str, value: Any) -> None:
    """Set a key in a round-trip mapping; a new key goes last and takes over the comment or
    blank lines that followed the previous last key, so the layout stays as written."""
    if key in mapping or not mapping:
        mapping[key] = value
        return
    last = list(mapping)[-1]
    mapping[key] = value
    comments = getattr(mapping, "ca", None)
    if comments is not None and last in comments.items:
        comments.items[key] = comments.items.pop(last)


def flow_list(items: Sequence[Any]) -> CommentedSeq:
    """A list written on one line (``[1, 2]``), as offsets are."""
    seq = CommentedSeq(items)
    seq.fa.set_flow_style()
    return seq


def plain(node: Any) -> Any:
    if isinstance(node, Mapping):
        return {str(k): plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [plain(v) for v in node]
    return str(node) if isinstance(node, _DateText) else node
