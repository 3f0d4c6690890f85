"""kg.errors: one exception tree, one JSON error shape, and locations that read as FILE:LINE: field."""

from __future__ import annotations

import json

import pytest

from kg.errors import (
    ConfigError,
    GazetteerError,
    InputError,
    KgError,
    Location,
    NotFound,
    ParameterError,
    QueryError,
    QueryRefused,
    QueryTimeout,
    StoreError,
    UsageError,
)

# Each class with the HTTP status the docstring of kg.errors promises (every exit code is 2).
STATUSES = [
    (KgError, 500),
    (UsageError, 400),
    (ParameterError, 400),
    (NotFound, 404),
    (InputError, 400),
    (ConfigError, 500),
    (QueryError, 400),
    (QueryRefused, 403),
    (QueryTimeout, 503),
    (StoreError, 503),
    (GazetteerError, 502),
]


def make_error(cls: type[KgError] = InputError, **kwargs: object) -> KgError:
    """An error with a location and a hint unless told otherwise."""
    options = {"where": Location("data/articles/a.yaml", 12, "events[0].date"), "hint": "fix the date"}
    options.update(kwargs)
    return cls("not a real calendar date", **options)  # type: ignore[arg-type]


@pytest.mark.parametrize(("cls", "status"), STATUSES, ids=lambda v: getattr(v, "__name__", str(v)))
def test_status_and_exit_code(cls: type[KgError], status: int):
    """Every class has its documented HTTP status and exit code 2."""
    error = make_error(cls)
    assert (error.status, error.exit_code) == (status, 2)
    assert isinstance(error, KgError)


@pytest.mark.parametrize(("cls", "status"), STATUSES, ids=lambda v: getattr(v, "__name__", str(v)))
def test_json_shape(cls: type[KgError], status: int):
    """to_json gives exactly ok/error/errors/status, with the type, location and hint in the detail."""
    body = make_error(cls).to_json()
    assert body == {
        "ok": False,
        "error": "data/articles/a.yaml:12: events[0].date: not a real calendar date (fix the date)",
        "errors": [
            {
                "message": "not a real calendar date",
                "type": cls.__name__,
                "file": "data/articles/a.yaml",
                "line": 12,
                "field": "events[0].date",
                "hint": "fix the date",
            }
        ],
        "status": status,
    }
    assert json.loads(json.dumps(body)) == body


def test_json_shape_without_location_or_hint():
    """A bare error still has the same four keys, and a detail with only message and type."""
    body = KgError("it broke").to_json()
    assert body == {
        "ok": False,
        "error": "it broke",
        "errors": [{"message": "it broke", "type": "KgError"}],
        "status": 500,
    }


def test_subclasses_are_caught_by_their_parents():
    """The tree is as drawn: ParameterError is a UsageError, QueryTimeout a QueryError."""
    assert issubclass(ParameterError, UsageError) and issubclass(NotFound, UsageError)
    assert issubclass(QueryRefused, QueryError) and issubclass(QueryTimeout, QueryError)


def test_str_puts_where_first_and_hint_last():
    """str(error) reads 'where: message (hint)'."""
    assert str(make_error()) == "data/articles/a.yaml:12: events[0].date: not a real calendar date (fix the date)"
    assert str(make_error(where=None, hint=None)) == "not a real calendar date"
    assert str(make_error(where=Location())) == "not a real calendar date (fix the date)"


@pytest.mark.parametrize(
    ("where", "text"),
    [
        (Location(), ""),
        (Location("a.yaml"), "a.yaml"),
        (Location("a.yaml", 3), "a.yaml:3"),
        (Location("a.yaml", 3, "events[0].date"), "a.yaml:3: events[0].date"),
        (Location("a.yaml", None, "article.title"), "a.yaml: article.title"),
        (Location(field="place"), "place"),
        (Location(node="kgid:place/x"), "kgid:place/x"),
        (Location("a.ttl", 7, node="kgid:place/x"), "a.ttl:7 [kgid:place/x]"),
        (Location("a.ttl", 7, "kg:place", "kgid:event/x"), "a.ttl:7: kg:place [kgid:event/x]"),
    ],
)
def test_location_str(where: Location, text: str):
    """A location reads as FILE:LINE: field [node], leaving out what it does not know."""
    assert str(where) == text


def test_location_to_json_leaves_out_unknowns():
    """Only the known parts of a location appear in its JSON."""
    assert Location("a.yaml", 3).to_json() == {"file": "a.yaml", "line": 3}
    assert Location().to_json() == {}
