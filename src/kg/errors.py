"""One exception tree for everything that can fail in kg.

"The data does not conform" is a *result* (a :class:`kg.report.ValidationReport`, exit 1,
HTTP 422), never an exception. Exceptions are for "the tool could not do what was asked"::

    KgError                      exit 2   every failure; carries where it happened and what to do
    ├── UsageError               exit 2   400  a wrong argument, flag or parameter
    │   ├── ParameterError       exit 2   400  a saved-query parameter of the wrong type
    │   │   ├── UnknownName      exit 2   400  a place or actor name the graph does not know
    │   │   └── AmbiguousName    exit 2   400  a name several entities go by
    │   ├── NotFound             exit 2   404  no such saved query, entity or file
    │   ├── NotAcceptable        exit 2   406  no representation the client accepts
    │   ├── UnsupportedMediaType exit 2   415  a request body of a type kg does not take
    │   ├── Unauthorized         exit 2   401  a write without a token
    │   └── Forbidden            exit 2   403  a token that may not do this
    ├── InputError               exit 2   400  a file or body that cannot be read or parsed at all
    ├── ProtocolError            exit 2   4xx  an HTTP request kg serve refuses before the app reads it
    ├── ConfigError              exit 2   500  settings that cannot work (bad KG_STORE, missing folder)
    │   └── ReasonerUnavailable  exit 2   500  the OWL reasoner needs Java, which is missing
    ├── QueryError               exit 2   400  a SPARQL query the engine rejects
    │   ├── QueryRefused         exit 2   403  SERVICE, LOAD, remote FROM, updates without a token
    │   └── QueryTimeout         exit 2   503  a query that ran past its time limit
    ├── Conflict                 exit 2   409  a write that contradicts what is stored
    ├── StoreError               exit 2   503  the store cannot be opened, read or written
    ├── TooManyRequests          exit 2   429  a client over its share (running queries, lost workers, budgets)
    ├── OverTime                 exit 2   503  a validation or reconciliation past its request's time budget
    └── GazetteerError           exit 2   502  a gazetteer endpoint unreachable, too slow or answering nonsense

Every message says *where* (file, line, field, query, store path) and *what to do next*, and
:meth:`KgError.to_json` gives the one JSON error shape shared by the CLI and the web layer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Location:
    """Where something is: a file and line, a field path, or an RDF focus node."""

    file: str | None = None
    line: int | None = None
    field: str | None = None
    node: str | None = None

    def __str__(self) -> str:
        place = self.file or ""
        if self.line is not None:
            place += f":{self.line}" if place else f"line {self.line}"
        if self.field:
            place += f": {self.field}" if place else self.field
        if self.node:
            place += f" [{self.node}]" if place else self.node
        return place

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


class KgError(Exception):
    """Base of every kg failure."""

    status = 500
    exit_code = 2

    def __init__(self, message: str, *, where: Location | None = None, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.where = where
        self.hint = hint

    def __str__(self) -> str:
        text = f"{self.where}: {self.message}" if self.where and str(self.where) else self.message
        return f"{text} ({self.hint})" if self.hint else text

    def to_json(self) -> dict[str, Any]:
        """The one JSON error shape: ``{"ok": false, "error", "errors", "status"}``."""
        detail: dict[str, Any] = {"message": self.message, "type": type(self).__name__}
        if self.where:
            detail.update(self.where.to_json())
        if self.hint:
            detail["hint"] = self.hint
        return {"ok": False, "error": str(self), "errors": [detail], "status": self.status}


class UsageError(KgError):
    """A wrong argument, flag or parameter."""

    status = 400


class ParameterError(UsageError):
    """A saved-query parameter that is missing or of the wrong type."""


class UnknownName(ParameterError):
    """A place or actor name that no entity goes by; ``suggestions`` are the IRIs of the nearest."""

    def __init__(self, message: str, *, suggestions: tuple[str, ...] = (), **kwargs: Any):
        super().__init__(message, **kwargs)
        self.suggestions = suggestions

    def hinted(self, hint: str) -> UnknownName:
        """The same error with a hint that fits where the request came from."""
        return UnknownName(self.message, where=self.where, hint=hint, suggestions=self.suggestions)


class AmbiguousName(ParameterError):
    """A name several entities go by; ``candidates`` are their IRIs."""

    def __init__(self, message: str, *, candidates: tuple[str, ...] = (), **kwargs: Any):
        super().__init__(message, **kwargs)
        self.candidates = candidates


class NotFound(UsageError):
    """No such saved query, entity or file."""

    status = 404


class NotAcceptable(UsageError):
    """No representation the client accepts can be given (HTTP 406)."""

    status = 406


class UnsupportedMediaType(UsageError):
    """A request body of a type kg does not take (HTTP 415)."""

    status = 415


class Unauthorized(UsageError):
    """A write without a token (HTTP 401)."""

    status = 401


class Forbidden(UsageError):
    """A token that may not do this (HTTP 403)."""

    status = 403


class InputError(KgError):
    """A file or request body that cannot be read or parsed at all."""

    status = 400


class ProtocolError(KgError):
    """An HTTP request that kg serve refuses before the web app sees it (:mod:`kg.web.connections`):
    not well-formed HTTP (400), too slow (408), too large (413, 431), or one connection too many
    from its address (429); the status is given with the message."""

    def __init__(self, message: str, *, status: int, hint: str | None = None):
        super().__init__(message, hint=hint)
        self.status = status


class ConfigError(KgError):
    """Settings that cannot work."""

    status = 500


class ReasonerUnavailable(ConfigError):
    """The OWL reasoner (HermiT) cannot run: Java is not installed."""


class QueryError(KgError):
    """A SPARQL query the engine rejects."""

    status = 400


class QueryRefused(QueryError):
    """A query that is not allowed here (SERVICE, LOAD, remote FROM, writes)."""

    status = 403


class QueryTimeout(QueryError):
    """A query that ran past its time limit."""

    status = 503


class Conflict(KgError):
    """A write that contradicts what is stored (a retracted submission sent again)."""

    status = 409


class StoreError(KgError):
    """The store cannot be opened, read or written."""

    status = 503


class TooManyRequests(KgError):
    """A client over its share: too many queries at once, too many workers lost lately, or a
    budget spent; ``retry_after`` is how many seconds to wait (the ``Retry-After`` header)."""

    status = 429

    def __init__(self, message: str, *, retry_after: float = 1.0, **kwargs: Any):
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class OverTime(KgError):
    """A validation or reconciliation that ran past its request's time budget (KG_ANON_SECONDS,
    KG_TOKEN_SECONDS)."""

    status = 503


class GazetteerError(KgError):
    """An outside gazetteer that cannot be reached, does not answer in time, or answers with
    something kg cannot read (a Wikidata SPARQL endpoint)."""

    status = 502
