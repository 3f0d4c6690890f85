"""What the commands share: a KgError turned into its message and exit code, and a
validation report printed problem by problem."""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import click

from kg.errors import KgError
from kg.report import ValidationReport

F = TypeVar("F", bound=Callable[..., Any])


def fails_cleanly(command: F) -> F:
    """Turn a KgError into its message on stderr and exit code 2."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except KgError as exc:
            click.secho(f"error: {exc}", fg="red", err=True)
            sys.exit(exc.exit_code)

    return wrapper  # type: ignore[return-value]


def print_report(report: ValidationReport, quiet: bool = False) -> None:
    for problem in report.problems:
        if quiet and problem.severity != "error":
            continue
        color = {"error": "red", "warning": "yellow"}.get(problem.severity)
        click.secho(str(problem), fg=color, err=True)
