"""Reading what kg validates: annotation files, article texts, the links file, the ontology.

L3 I/O, below every action: the build, ``kg validate``, submissions and linking read files
through these functions, so a file that cannot be read is refused with the same words
whichever entrance it came through. Nothing here decides whether data conforms.

An annotation file whose schema problems all lie inside mentions, events or claims is still
read (:func:`parse`): the broken items are left out and the rest checked, so one bad date does
not hide the quote errors of the same file. :meth:`Source.restore` puts each problem back at
the item's own index and line.
"""

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from rdflib import Graph
from ruamel.yaml.comments import CommentedMap, CommentedSeq, LineCol

from kg import annotations, conformance, decisions
from kg.annotations import AnnotationFile, Entity
from kg.annotations.drafts import is_draft_problem
from kg.config import Settings
from kg.errors import InputError, Location
from kg.report import Problem

PRUNABLE = ("mentions", "events", "claims")  # sections whose broken items can be left out


@dataclass(frozen=True)
class Source:
    """An annotation file as read: its objects, its article text when there is one, and which
    items were left out because the schema refused them (section → the original indices kept)."""

    doc: AnnotationFile
    text: str | None = None
    kept: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    tree: Any = field(default=None, compare=False, repr=False)  # the whole tree, when items were left out

    def restore(self, problem: Problem) -> Problem:
        """The problem at the field and line of the file as written (not of the pruned copy)."""
        where = problem.where
        if not self.kept or where.file != self.doc.path or not where.field:
            return problem
        match = re.match(r"^(\w+)\[(\d+)\]", where.field)
        if match is None or match.group(1) not in self.kept:
            return problem
        original = self.kept[match.group(1)][int(match.group(2))]
        name = f"{match.group(1)}[{original}]{where.field[match.end() :]}"
        line = annotations.line_of(self.tree, annotations.path_of(name)) or where.line
        return replace(problem, where=replace(where, field=name, line=line))


# --------------------------------------------------------------------------- files


def data_files(settings: Settings) -> list[Path]:
    """``entities.yaml`` first, then every article file, in name order."""
    folder = settings.data
    if not folder.is_dir():
        raise InputError(
            f"no annotation folder at {folder}", hint="set KG_DATA or --data to the folder with entities.yaml"
        )
    files = [p for p in sorted(folder.glob("*.yaml")) if p.name != decisions.FILE_NAME] + sorted(folder.glob("*.json"))
    files += sorted((folder / "articles").glob("*.yaml")) + sorted((folder / "articles").glob("*.json"))
    return files


def shared_entities(settings: Settings, paths: Sequence[Path]) -> list[Path]:
    """The shared entities files of ``KG_DATA`` that are not already among ``paths``."""
    given = {p.resolve() for p in paths}
    if not settings.data.is_dir():
        return []
    return [
        p for p in sorted(settings.data.glob("*.yaml")) if p.resolve() not in given and p.name != decisions.FILE_NAME
    ]


def decode(data: bytes, name: str) -> str:
    """UTF-8 text, or an :class:`InputError` naming the byte that is not."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"not valid UTF-8: byte {exc.start} (0x{data[exc.start]:02x}) cannot start or continue a character",
            where=Location(name),
            hint="save the file as UTF-8",
        ) from None


def read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read the file: {exc.strerror}", where=Location(str(path))) from None


def read_text(path: Path) -> str:
    return decode(read_bytes(path), str(path))


# --------------------------------------------------------------------------- annotation files


def parse(text: str, name: str, *, schema_valid: bool = False) -> tuple[Source | None, list[Problem]]:
    """An annotation file's objects and its schema problems; with problems only in items of
    mentions, events or claims, the objects of the other items (``Source.kept`` says which)."""
    try:
        doc, problems = annotations.parse(text, name, schema_valid=schema_valid)
        if doc is not None:
            return Source(doc), problems
        broken = [p for p in problems if not is_draft_problem(p)]
        return _pruned(annotations.read_tree(text, name), name, broken), problems
    except RecursionError:
        raise InputError("nested too deeply to read", where=Location(name)) from None


def _pruned(tree: Any, name: str, problems: Sequence[Problem]) -> Source | None:
    broken: dict[str, set[int]] = {}
    for problem in problems:
        path = annotations.path_of(problem.where.field or "")
        if len(path) < 2 or path[0] not in PRUNABLE or not isinstance(path[1], int):
            return None  # the article, an entity or the top level: nothing sound to check
        broken.setdefault(str(path[0]), set()).add(path[1])
    pruned = CommentedMap(tree)
    setattr(pruned, LineCol.attrib, tree.lc)  # the top-level keys keep their lines
    kept: dict[str, tuple[int, ...]] = {}
    for section, bad in broken.items():
        old = tree[section]
        kept[section] = tuple(i for i in range(len(old)) if i not in bad)
        new = CommentedSeq([old[i] for i in kept[section]])
        new.lc.line, new.lc.col = old.lc.line, old.lc.col
        for j, i in enumerate(kept[section]):
            new.lc.add_idx_line_col(j, old.lc.data[i])
        pruned[section] = new
    if annotations.check_schema(pruned, name):
        return None
    return Source(annotations.from_tree(pruned, name), None, kept, tree)


def article_text(
    doc: AnnotationFile, corpus: Path | None, sent: bytes | None = None
) -> tuple[str | None, list[Problem]]:
    """The article's text (``sent`` with the file, else from the corpus), checked against the
    SHA-256 the file records; without one, a warning that offsets are used as stored."""
    assert doc.article is not None
    where = Location(doc.path, annotations.line_of(doc.tree, ["article", "sha256"]), "article.sha256")
    data = sent
    path = corpus / doc.article.file if corpus is not None else None
    if data is None and path is not None and path.is_file():
        data = path.read_bytes()
    if data is None:
        note = f"article text {doc.article.file} not found; offsets are used as stored, not verified"
        return None, [
            Problem(note, Location(doc.path, doc.article.where.line, "article.file"), severity="warning", source="text")
        ]
    digest = hashlib.sha256(data).hexdigest()
    if digest != doc.article.sha256:
        message = (
            f"the article text has changed: {doc.article.file} has SHA-256 {digest}, the file records "
            f"{doc.article.sha256}; check the text, then re-resolve the quotes and update sha256"
        )
        return None, [Problem(message, where, source="text")]
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError as exc:
        return None, [Problem(f"{doc.article.file} is not UTF-8 (byte {exc.start})", where, source="text")]


def load(paths: Iterable[Path], corpus: Path, cache: Path | None = None) -> tuple[list[Source], list[Problem]]:
    """Parse files and fetch their texts; schema and text problems are collected, not raised.

    With ``cache`` (a folder), a file whose exact text satisfied the schema in an earlier build
    is not checked against it again (:mod:`kg.conformance` keeps the record).
    """
    sources, problems = [], []
    known = conformance.remembered(cache, conformance.SCHEMA_FILE)
    valid = []
    for path in paths:
        text = read_text(path)
        key = hashlib.sha256(f"{annotations.schema_digest()}\n{text}".encode()).hexdigest()
        source, found = parse(text, str(path), schema_valid=key in known)
        problems += found
        if source is None:
            continue
        if not found:
            valid.append(key)
        if source.doc.article is not None:
            article, found = article_text(source.doc, corpus)
            problems += found
            source = replace(source, text=article)
        sources.append(source)
    if cache is not None:
        conformance.remember(cache, conformance.SCHEMA_FILE, valid)
    return sources, problems


def registry(docs: Iterable[AnnotationFile]) -> dict[str, Entity]:
    found: dict[str, Entity] = {}
    for doc in docs:
        for entity in doc.entities:
            found.setdefault(entity.id, entity)
    return found


# --------------------------------------------------------------------------- links, ontology, shapes


def links_file(settings: Settings) -> Path:
    return settings.data / decisions.FILE_NAME


def read_links(settings: Settings, known: Mapping[str, Entity]) -> tuple[list[decisions.Decision], list[Problem]]:
    """The review file's decisions (none if there is no file), and what is wrong with them."""
    path = links_file(settings)
    if not path.is_file():
        return [], []
    found, problems = decisions.parse(read_text(path), str(path))
    return found, [*problems, *decisions.check_references(found, known)]


def load_ontology(settings: Settings) -> Graph:
    """The ontology graph, parsed again only when the file changes (treat it as read-only)."""
    path = settings.ontology
    if not path.is_file():
        raise InputError(f"no ontology at {path}", hint="set KG_ONTOLOGY to ontology/kg.ttl")
    return _parsed_ontology(path, path.stat().st_mtime_ns)


@lru_cache(maxsize=4)
def _parsed_ontology(path: Path, _mtime: int) -> Graph:
    return Graph().parse(path, format="turtle")


def shacl_context(settings: Settings) -> str:
    """A digest of what SHACL checks against: the shapes and the ontology, as files."""
    paths = [*sorted(settings.shapes.glob("*.ttl")), settings.ontology]
    return conformance.digest(f"{p.name} {hashlib.sha256(p.read_bytes()).hexdigest()}" for p in paths)


def conformance_cache(settings: Settings) -> Path | None:
    """Where a build remembers conforming graphs: beside the embedded store (not for a server)."""
    return None if settings.store.startswith(("http://", "https://")) else Path(settings.store)
