"""jsonschema-rs (the compiled check kg runs first) and jsonschema (whose errors kg words) find the
same errors — at the same places, from the same keywords — on every annotation file of
tests/data/bad and tests/data/hostile, the seed data and the mini fixture; so a file the
compiled check passes would have had no problem to report."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import pytest

from kg.annotations.tree import plain, read_tree
from kg.config import PROJECT_ROOT
from kg.errors import KgError

from .conftest import MINI

schema_module = importlib.import_module("kg.annotations.schema")  # the package re-exports schema()

DATA = Path(__file__).parent / "data"
SKIP = {"yaml_alias_bomb.yaml"}  # expands without end: tests/test_hostile.py runs it in a bounded child
FILES = sorted(
    p
    for folder in (DATA / "bad", DATA / "hostile", PROJECT_ROOT / "data", PROJECT_ROOT / "data" / "articles", MINI)
    for p in folder.glob("*")
    if p.suffix in {".yaml", ".yml", ".json"} and p.name not in SKIP and p.name != "links.yaml"
)


def _tree(path: Path) -> Any:
    try:
        return read_tree(path.read_bytes().decode("utf-8"), str(path), fast=True)
    except (KgError, UnicodeDecodeError):
        return None


READABLE = [p for p in FILES if _tree(p) is not None]  # the others never reach the schema


def _python(data: Any) -> set[tuple[tuple[str, ...], str]]:
    return {(tuple(map(str, e.absolute_path)), str(e.validator)) for e in schema_module._validator().iter_errors(data)}


def _compiled(data: Any) -> set[tuple[tuple[str, ...], str]]:
    return {
        (tuple(map(str, e.instance_path)), str(e.schema_path[-1])) for e in schema_module.compiled().iter_errors(data)
    }


def test_the_files_include_bad_and_good_ones() -> None:
    """The comparison covers files that break the schema and files that satisfy it."""
    verdicts = [_python(plain(_tree(p))) == set() for p in READABLE]
    assert len(verdicts) > 60 and verdicts.count(True) >= 5 and verdicts.count(False) >= 20, verdicts


@pytest.mark.parametrize("path", READABLE, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_both_validators_find_the_same_errors(path: Path) -> None:
    """The same verdict, and the same errors as (place in the tree, keyword)."""
    tree = _tree(path)
    assert tree is not None
    data = plain(tree)
    python = _python(data)
    assert schema_module.check_schema(tree, str(path)) == schema_module.worded(tree, str(path))
    try:
        compiled = _compiled(data)
    except ValueError:  # a YAML tag's value, not plain JSON: check_schema leaves it to jsonschema
        assert python, "a tree jsonschema-rs cannot take must be one jsonschema refuses"
        return
    assert schema_module.compiled().is_valid(data) == (not python)
    assert python == compiled
