"""The published JSON Schema of the annotation format, and a tree checked against it: every
way it breaks the schema, each a :class:`~kg.report.Problem` with its line and field.

A tree is first checked by jsonschema-rs (the schema compiled to Rust, ~150 times faster than
``jsonschema`` on our files); only a tree it refuses is checked again by ``jsonschema``, whose
errors carry what kg words its messages from (the keyword, its value, the sub-errors of a
``oneOf``). tests/test_schema_engines.py shows both find the same errors on every bad file.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from importlib import resources
from typing import Any

import jsonschema
import jsonschema_rs

from kg.annotations.locations import locate
from kg.annotations.tree import plain
from kg.report import Problem


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


@cache
def compiled() -> jsonschema_rs.Validator:
    """The schema compiled by jsonschema-rs, formats (``date``) checked as ``jsonschema`` does."""
    return jsonschema_rs.validator_for(schema(), validate_formats=True)


def check_schema(tree: Any, path: str) -> list[Problem]:
    """Every way the tree breaks the JSON Schema, each with its line and field."""
    try:
        if compiled().is_valid(plain(tree)):
            return []
    except (ValueError, TypeError):
        pass  # a value jsonschema-rs cannot take (not plain JSON): jsonschema says what is wrong
    return worded(tree, path)


def worded(tree: Any, path: str) -> list[Problem]:
    """What ``jsonschema`` finds wrong with the tree, in kg's words (the slow, thorough check)."""
    problems = []
    for error in sorted(_validator().iter_errors(plain(tree)), key=lambda e: list(map(str, e.absolute_path))):
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
    if error.validator == "not" and set(error.validator_value) == {"required"}:
        return f"give only one of {' and '.join(error.validator_value['required'])}, not both"
    if error.validator == "pattern" and error.schema.get("description"):
        return f"{error.instance!r} is not {error.schema['description']}"
    return str(error.message)
