"""The annotation format: YAML text → checked, typed, located domain objects.

Pure: no RDF and no file system. Callers hand in the text of a file and its name; every
object keeps the :class:`~kg.errors.Location` (file, line, field) it came from, so that any
later check can say exactly where to look. The format is described in
``docs/annotation-format.md`` and by ``schemas/annotation.schema.json``.
"""

from __future__ import annotations

import calendar
import hashlib
import io
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import cache
from importlib import resources
from typing import Any

import jsonschema
import yaml as libyaml
from ruamel.yaml import YAML
from ruamel.yaml import resolver as ruamel_resolver
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import RoundTripConstructor
from ruamel.yaml.error import YAMLError
from ruamel.yaml.representer import RoundTripRepresenter
from yaml.cyaml import CParser

from kg.errors import InputError, Location
from kg.report import Problem

ENTITY_SECTIONS = {"places": "place", "actors": "actor", "infrastructure": "asset"}
ROLE_KEYS = ("gaining", "losing", "controller", "attacker", "defender", "present", "supporting")
RELATION_KEYS = ("locatedIn", "near", "connects", "supplies", "partOf", "alliedWith", "supportedBy", "memberOf")

# --------------------------------------------------------------------------- domain objects


@dataclass(frozen=True)
class DateSpec:
    """A date as precise as the source allows: an interval with its precision and basis."""

    precision: str  # day | week | month | year | range
    earliest: date | None
    latest: date | None
    basis: str  # text-explicit | text-relative | cross-article | external
    derivation: str | None = None


@dataclass(frozen=True)
class Coordinates:
    lat: float
    lon: float
    source: str  # "geonames:173361"


@dataclass(frozen=True)
class Entity:
    """A place, actor or infrastructure asset, introduced once and reused by id."""

    id: str
    kind: str  # place | actor | asset
    type: str
    label: str
    alt_labels: tuple[str, ...]
    relations: Mapping[str, tuple[str, ...]]
    coordinates: Coordinates | None
    stance: str | None
    where: Location


@dataclass(frozen=True)
class Span:
    start: int
    end: int


@dataclass(frozen=True)
class Locator:
    """How a quote is found in the text: the words, which occurrence, or the words before."""

    quote: str
    occurrence: int | str | None = None  # 1-based, or "all" (mentions only)
    prefix: str | None = None
    to: str | None = None  # evidence given as `from` … `to`


@dataclass(frozen=True)
class Mention:
    entity: str
    locator: Locator
    spans: tuple[Span, ...]  # as stored in the file (may be empty before resolving)
    where: Location


@dataclass(frozen=True)
class Evidence:
    locator: Locator
    span: Span | None
    where: Location


@dataclass(frozen=True)
class Event:
    id: str
    type: str
    place: str
    roles: Mapping[str, tuple[str, ...]]
    date: DateSpec
    scope: str | None
    scope_note: str | None
    certainty: str
    sources: tuple[str, ...]
    trigger: str | None
    evidence: tuple[Evidence, ...]
    where: Location


@dataclass(frozen=True)
class Claim:
    id: str
    place: str
    reference: str
    km: float | None
    bearing: str | None
    sources: tuple[str, ...]
    evidence: tuple[Evidence, ...]
    where: Location


@dataclass(frozen=True)
class Article:
    file: str
    sha256: str
    title: str
    language: str
    published: DateSpec | None
    publisher: str | None
    publisher_derivation: str | None
    cites: tuple[str, ...]
    where: Location

    @property
    def stem(self) -> str:
        return self.file.rsplit(".", 1)[0]


@dataclass(frozen=True)
class AnnotationFile:
    """One parsed file: an article's annotations, or the shared entities file."""

    path: str
    article: Article | None
    entities: tuple[Entity, ...]
    mentions: tuple[Mention, ...] = ()
    events: tuple[Event, ...] = ()
    claims: tuple[Claim, ...] = ()
    tree: Any = field(default=None, compare=False, repr=False)  # the YAML tree, for rewriting

    @property
    def supported(self) -> tuple[Event | Claim, ...]:
        """Events and claims: everything that carries evidence spans."""
        return (*self.events, *self.claims)


# --------------------------------------------------------------------------- YAML in and out


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


# --------------------------------------------------------------------------- locations


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


# --------------------------------------------------------------------------- schema


@cache
def schema() -> dict[str, Any]:
    """The published JSON Schema of the format."""
    text = resources.files("kg").joinpath("schemas/annotation.schema.json").read_text("utf-8")
    return json.loads(text)  # type: ignore[no-any-return]


@cache
def schema_digest() -> str:
    """The SHA-256 of the schema, to remember which texts satisfied which version of it."""
    return hashlib.sha256(json.dumps(schema(), sort_keys=True).encode("utf-8")).hexdigest()


@cache
def _validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(schema(), format_checker=jsonschema.FormatChecker())


def _plain(node: Any) -> Any:
    if isinstance(node, Mapping):
        return {str(k): _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    return str(node) if isinstance(node, _DateText) else node


def check_schema(tree: Any, path: str) -> list[Problem]:
    """Every way the tree breaks the JSON Schema, each with its line and field."""
    problems = []
    for error in sorted(_validator().iter_errors(_plain(tree)), key=lambda e: list(map(str, e.absolute_path))):
        where = locate(tree, path, list(error.absolute_path))
        problems.append(Problem(_schema_message(error), where, source="schema"))
    return problems


def _schema_message(error: jsonschema.ValidationError) -> str:
    if error.validator == "additionalProperties" or error.validator == "unevaluatedProperties":
        return f"{error.message}; see docs/annotation-format.md for the fields allowed here"
    if error.validator == "format" and error.validator_value == "date":
        return f"{error.instance!r} is not a real calendar date (YYYY-MM-DD)"
    if error.validator in {"oneOf", "anyOf"} and error.context:
        reasons = sorted({e.message for e in error.context})[:3]
        return "does not match any allowed form: " + "; ".join(reasons)
    if error.validator == "pattern" and error.schema.get("description"):
        return f"{error.instance!r} is not {error.schema['description']}"
    return str(error.message)


# --------------------------------------------------------------------------- tree → objects


def from_tree(tree: Any, path: str) -> AnnotationFile:
    """Build the domain objects of a tree that passed :func:`check_schema`."""
    entities = [
        _entity(tree, path, [section, i], item, kind)
        for section, kind in ENTITY_SECTIONS.items()
        for i, item in enumerate(tree.get(section) or ())
    ]
    introduced = tree.get("entities") or {}
    entities += [
        _entity(tree, path, ["entities", section, i], item, kind)
        for section, kind in ENTITY_SECTIONS.items()
        for i, item in enumerate(introduced.get(section) or ())
    ]
    raw_article = tree.get("article")
    return AnnotationFile(
        path=path,
        article=_article(tree, path, raw_article) if raw_article else None,
        entities=tuple(entities),
        mentions=tuple(_mention(tree, path, i, m) for i, m in enumerate(tree.get("mentions") or ())),
        events=tuple(_event(tree, path, i, e) for i, e in enumerate(tree.get("events") or ())),
        claims=tuple(_claim(tree, path, i, c) for i, c in enumerate(tree.get("claims") or ())),
        tree=tree,
    )


def _ids(raw: Mapping[str, Any], key: str) -> tuple[str, ...]:
    return tuple(str(v) for v in raw.get(key) or ())


def _entity(tree: Any, path: str, at: list[str | int], raw: Mapping[str, Any], kind: str) -> Entity:
    coords = raw.get("coordinates")
    return Entity(
        id=str(raw["id"]),
        kind=kind,
        type=str(raw["type"]),
        label=str(raw["label"]),
        alt_labels=tuple(str(a) for a in raw.get("altLabels") or ()),
        relations={k: _ids(raw, k) for k in RELATION_KEYS if raw.get(k)},
        coordinates=Coordinates(float(coords["lat"]), float(coords["lon"]), str(coords["source"])) if coords else None,
        stance=raw.get("stance"),
        where=locate(tree, path, at),
    )


def _article(tree: Any, path: str, raw: Mapping[str, Any]) -> Article:
    published = raw.get("published")
    return Article(
        file=str(raw["file"]),
        sha256=str(raw["sha256"]),
        title=str(raw["title"]),
        language=str(raw["language"]),
        published=parse_date(published) if published else None,
        publisher=raw.get("publisher"),
        publisher_derivation=raw.get("publisherDerivation"),
        cites=_ids(raw, "cites"),
        where=locate(tree, path, ["article"]),
    )


def _mention(tree: Any, path: str, i: int, raw: Mapping[str, Any]) -> Mention:
    return Mention(
        entity=str(raw["entity"]),
        locator=Locator(str(raw["quote"]), raw.get("occurrence"), raw.get("prefix")),
        spans=tuple(Span(int(s), int(e)) for s, e in raw.get("spans") or ()),
        where=locate(tree, path, ["mentions", i]),
    )


def _evidence(tree: Any, path: str, at: list[str | int], raw: Mapping[str, Any]) -> Evidence:
    span = raw.get("span")
    return Evidence(
        locator=Locator(str(raw.get("quote") or raw["from"]), raw.get("occurrence"), raw.get("prefix"), raw.get("to")),
        span=Span(int(span[0]), int(span[1])) if span else None,
        where=locate(tree, path, at),
    )


def _event(tree: Any, path: str, i: int, raw: Mapping[str, Any]) -> Event:
    at: list[str | int] = ["events", i]
    return Event(
        id=str(raw["id"]),
        type=str(raw["type"]),
        place=str(raw["place"]),
        roles={k: _ids(raw, k) for k in ROLE_KEYS if raw.get(k)},
        date=parse_date(raw["date"]),
        scope=raw.get("scope"),
        scope_note=raw.get("scopeNote"),
        certainty=str(raw["certainty"]),
        sources=_ids(raw, "source"),
        trigger=raw.get("trigger"),
        evidence=tuple(_evidence(tree, path, [*at, "evidence", j], e) for j, e in enumerate(raw["evidence"])),
        where=locate(tree, path, at),
    )


def _claim(tree: Any, path: str, i: int, raw: Mapping[str, Any]) -> Claim:
    at: list[str | int] = ["claims", i]
    km = raw.get("km")
    return Claim(
        id=str(raw["id"]),
        place=str(raw["place"]),
        reference=str(raw["reference"]),
        km=float(km) if km is not None else None,
        bearing=raw.get("bearing"),
        sources=_ids(raw, "source"),
        evidence=tuple(_evidence(tree, path, [*at, "evidence", j], e) for j, e in enumerate(raw["evidence"])),
        where=locate(tree, path, at),
    )


def parse_date(raw: Mapping[str, Any]) -> DateSpec:
    """A schema-valid date object → the interval it stands for."""
    basis, derivation = str(raw["basis"]), raw.get("derivation")
    if "on" in raw:
        day = date.fromisoformat(str(raw["on"]))
        return DateSpec("day", day, day, basis, derivation)
    if "week" in raw:
        first = date.fromisoformat(str(raw["week"]))
        return DateSpec("week", first, first + timedelta(days=6), basis, derivation)
    if "month" in raw:
        year, month = (int(p) for p in str(raw["month"]).split("-"))
        last = calendar.monthrange(year, month)[1]
        return DateSpec("month", date(year, month, 1), date(year, month, last), basis, derivation)
    if "year" in raw:
        year = int(raw["year"])
        return DateSpec("year", date(year, 1, 1), date(year, 12, 31), basis, derivation)
    start, end = raw.get("from"), raw.get("to")
    return DateSpec(
        "range",
        date.fromisoformat(str(start)) if start else None,
        date.fromisoformat(str(end)) if end else None,
        basis,
        derivation,
    )


def parse(text: str, path: str, *, schema_valid: bool = False) -> tuple[AnnotationFile | None, list[Problem]]:
    """Text → the file's objects and any schema problems (objects only when there are none).

    ``schema_valid`` says these exact characters are known to satisfy the schema (a build saw
    them pass), so the check is not run again. Raises :class:`InputError` when the text is not
    YAML at all.
    """
    tree = read_tree(text, path, fast=True)
    problems = [] if schema_valid else check_schema(tree, path)
    if problems:  # reported from ruamel.yaml's own reading, exactly as it has always been
        tree = read_tree(text, path)
        problems = check_schema(tree, path)
    return (None if problems else from_tree(tree, path)), problems
