"""Results that say whether data conforms: problems with their place, and the report.

A :class:`ValidationReport` is a result, not an error: ``kg validate`` exits 1 and the web
layer answers 422 when ``report.conforms`` is false.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from kg.errors import Location

Severity = Literal["error", "warning", "info"]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the data, where it is, and what to change."""

    message: str
    where: Location = field(default_factory=Location)
    severity: Severity = "error"
    source: str = "kg"  # which check found it: schema, text, reference, shacl, kg

    def __str__(self) -> str:
        place = str(self.where)
        return f"{place}: {self.severity}: {self.message}" if place else f"{self.severity}: {self.message}"

    def to_json(self) -> dict[str, Any]:
        return {"severity": self.severity, "message": self.message, "check": self.source, **self.where.to_json()}


@dataclass(frozen=True)
class ValidationReport:
    """The outcome of validating one or more annotation files or RDF documents."""

    problems: tuple[Problem, ...] = ()
    files: tuple[str, ...] = ()
    shacl_turtle: str | None = None  # the W3C SHACL validation report, when SHACL ran

    @property
    def conforms(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == "error")

    @property
    def drafts(self) -> int:
        """How many proposals of a draft (``kg annotate --draft``) are still to be reviewed."""
        return sum(1 for p in self.errors if p.source == "draft")

    @property
    def valid_as_draft(self) -> bool:
        """A draft right in form: its only errors are proposals still to be reviewed."""
        return self.drafts > 0 and self.drafts == len(self.errors)

    def merged(self, problems: Iterable[Problem], shacl_turtle: str | None = None) -> ValidationReport:
        return ValidationReport(self.problems + tuple(problems), self.files, shacl_turtle or self.shacl_turtle)

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.conforms,
            "conforms": self.conforms,
            "files": list(self.files),
            "problems": [p.to_json() for p in self.problems],
        } | ({"draft": {"proposals": self.drafts, "validAsDraft": self.valid_as_draft}} if self.drafts else {})
