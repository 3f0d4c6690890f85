r"""Parameters written into SPARQL text as constants, the form engines answer fastest.

Oxigraph plans a query before it sees ``substitutions=`` values, and a ``VALUES`` block is joined
like any other pattern, so both leave the planner blind to the one value that makes a query
selective: the same saved query with its already-validated terms written in as constants ran
3–71× faster (``bench/RESULTS.md``, section 3), with the same rows. :func:`with_constants` makes
that text, by a rewrite that reads the query as SPARQL's lexer does:

- only variable tokens are touched: IRIs, strings and comments are masked first
  (:func:`kg.sparql.masked`), so ``"?place"`` or ``<…?place>`` stays as it is;
- a variable is rewritten where it is the query's own variable: at the top level and inside
  every subquery that projects it (a subquery's unprojected variable of the same name is another
  variable, as the engine's substitution treats it too);
- a projected ``?v`` becomes ``(term AS ?v)``, so the column and its value stay; a bare
  ``GROUP BY ?v`` / ``ORDER BY ?v`` condition becomes ``(term)``; ``BOUND(?v)`` becomes ``true``;
  anywhere else ``?v`` becomes the term;
- terms are written in N-Triples syntax (:func:`ntriples`): a literal's quotes, backslashes and
  line ends are escaped, other control characters written as ``\uXXXX``, so no value can end its
  string; an IRI or language tag that N-Triples would not accept is refused.

Where a constant would not mean what a bound variable means, nothing is rewritten and
:func:`with_constants` returns None, so the caller binds the engine's own way instead: a
variable that a ``VALUES`` clause or an ``AS`` binds, one inside ``MINUS`` (there the variable
shares a row with the left side; a constant shares nothing), a blank node (a constant one would be
a fresh variable), ``SELECT *`` / ``DESCRIBE *`` (the column would vanish), and a variable a
SELECT does not project (which the engine refuses to bind, and says so).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from kg import sparql


class RdfTerm(Protocol):
    """A term as :class:`kg.store.RdfTerm` gives it (this module sits below the store)."""

    @property
    def kind(self) -> str: ...  # uri | literal | bnode | triple
    @property
    def value(self) -> str: ...
    @property
    def datatype(self) -> str | None: ...
    @property
    def lang(self) -> str | None: ...


_VARIABLE = re.compile(r"[?$](\w+)")
_IRI_FORBIDDEN = re.compile(r'[\x00-\x20<>"{}|^`\\]')
_LANG = re.compile(r"[A-Za-z]+(?:-[A-Za-z0-9]+)*\Z")
_ECHAR = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}
_SPECIAL = re.compile(r'[\\"\x00-\x1f\x7f-\x9f\u2028\u2029]')
_CLAUSE_END = re.compile(r"(?i)[(){}]|(?<![\w?$:])(?:HAVING|ORDER|LIMIT|OFFSET|VALUES)(?![\w:])")
_PROJECTION_END = re.compile(r"(?i)[(){}]|(?<![\w?$:])(?:WHERE|FROM)(?![\w:])")


class NotConstant(ValueError):
    """A term that cannot be written as a constant meaning the same thing."""


def ntriples(term: RdfTerm) -> str:
    """The term in N-Triples syntax, safe to put anywhere a term may go in SPARQL text."""
    if term.kind == "uri":
        return f"<{_iri(term.value)}>"
    if term.kind != "literal":
        raise NotConstant(f"a {term.kind} term has no constant form")
    body = _SPECIAL.sub(lambda m: _ECHAR.get(m.group()) or f"\\u{ord(m.group()):04X}", term.value)
    if term.lang:
        if not _LANG.match(term.lang):
            raise NotConstant(f"not a language tag: {term.lang!r}")
        return f'"{body}"@{term.lang}'
    if term.datatype and term.datatype != "http://www.w3.org/2001/XMLSchema#string":
        return f'"{body}"^^<{_iri(term.datatype)}>'
    return f'"{body}"'


def _iri(value: str) -> str:
    if _IRI_FORBIDDEN.search(value):
        raise NotConstant(f"not an IRI N-Triples can write: {value!r}")
    return value


@dataclass(frozen=True)
class _Scope:
    """A SELECT (the query's own or a subquery's): where its text lies, and what it projects."""

    start: int
    end: int
    projection: tuple[int, int]  # where its projected variables are listed
    projected: frozenset[str]


def with_constants(text: str, bindings: Mapping[str, RdfTerm]) -> str | None:
    """The query with the bound variables written as constants, or None where that could change
    what it means (see the module docstring); ``bindings`` are already-validated terms."""
    if not bindings:
        return text
    try:
        terms = {name: ntriples(term) for name, term in bindings.items()}
    except NotConstant:
        return None
    bare = sparql.masked(text)
    top = sparql.first_form(bare)
    keyword = bare[top : top + 8].upper() if top >= 0 else ""
    scopes = _scopes(bare, top)
    if keyword.startswith(("SELECT", "DESCRIBE")) and "*" in scopes[0].projected:
        return None
    if keyword.startswith("SELECT") and not terms.keys() <= scopes[0].projected:
        return None  # SEP-0007 binds only what a SELECT projects: the engine says so
    for scope in scopes[1:]:
        kept = {n for n in scope.projected if n not in terms or not _same_variable(n, scope.start + 1, scopes)}
        if not kept:
            return None  # a subquery that would project nothing
    edits: list[tuple[int, int, str]] = []
    forbidden = _binding_places(bare) | _minus_places(bare)
    modifiers = _modifier_clauses(bare)
    for match in _VARIABLE.finditer(bare):
        name = match.group(1)
        if name not in terms or not _same_variable(name, match.start(), scopes):
            continue
        if any(start <= match.start() < end for start, end in forbidden):
            return None
        edits.append(_edit(bare, match, terms[name], scopes, modifiers))
    for start, end, replacement in sorted(edits, reverse=True):
        text = text[:start] + replacement + text[end:]
    return text


def _edit(
    bare: str, match: re.Match[str], term: str, scopes: list[_Scope], modifiers: list[tuple[int, int]]
) -> tuple[int, int, str]:
    """How one occurrence of a bound variable is rewritten: (start, end, replacement)."""
    start, end = match.span()
    bound = re.search(r"(?i)(?<![\w:])BOUND\s*\(\s*$", bare[max(0, start - 40) : start])
    closing = re.match(r"\s*\)", bare[end:])
    if bound and closing:
        return start - (len(bare[max(0, start - 40) : start]) - bound.start()), end + closing.end(), "true"
    innermost = max((s for s in scopes if s.start <= start < s.end), key=lambda s: s.start)
    first, last = innermost.projection
    if first <= start < last and _depth(bare, first, start) == 0:
        # a subquery no longer projects it (the query around it has the constant instead):
        # projecting it from both would make the outer (term AS ?v) an illegal rebinding
        return start, end, f"({term} AS {match.group()})" if innermost is scopes[0] else ""
    for first, last in modifiers:
        if first <= start < last and _depth(bare, first, start) == 0:
            return start, end, f"({term})"
    return start, end, term


def _depth(bare: str, start: int, end: int) -> int:
    return bare.count("(", start, end) - bare.count(")", start, end)


def _scopes(bare: str, top: int) -> list[_Scope]:
    """The query's own scope first, then each subquery's (from the ``{`` before its SELECT to
    the ``}`` that closes it)."""
    keyword_end = top + len(re.match(r"\w*", bare[top:]).group()) if top >= 0 else 0  # type: ignore[union-attr]
    is_select = top >= 0 and bare[top : top + 6].upper() == "SELECT"
    projection = (keyword_end, _projection_end(bare, keyword_end)) if is_select else (0, 0)
    scopes = [_Scope(0, len(bare), projection, _names(bare, keyword_end))]
    for match in re.finditer(sparql.KEYWORD.format("SELECT"), bare, re.IGNORECASE):
        if match.start() == top:
            continue
        before = bare[: match.start()].rstrip()
        if not before.endswith("{"):
            continue
        opening = len(before) - 1
        projection = (match.end(), _projection_end(bare, match.end()))
        scopes.append(_Scope(opening, _closing(bare, opening), projection, _names(bare, match.end())))
    return scopes


def _names(bare: str, start: int) -> frozenset[str]:
    return frozenset(sparql.projected_by(bare, start))


def _projection_end(bare: str, start: int) -> int:
    """Where the projection that starts at ``start`` ends: at WHERE, FROM or the group's ``{``."""
    return _clause_end(bare, start, _PROJECTION_END)


def _clause_end(bare: str, start: int, ends: re.Pattern[str]) -> int:
    """The first of ``ends`` after ``start`` outside brackets (a closing bracket past the
    clause's own ends it too), or the end of the text."""
    depth = 0
    for match in ends.finditer(bare, start):
        token = match.group()
        if token == "(":
            depth += 1
        elif token == ")":
            depth -= 1
            if depth < 0:
                return match.start()
        elif depth == 0:
            return match.start()
    return len(bare)


def _closing(bare: str, opening: int) -> int:
    depth = 0
    for position in range(opening, len(bare)):
        depth += {"{": 1, "}": -1}.get(bare[position], 0)
        if depth == 0:
            return position + 1
    return len(bare)


def _same_variable(name: str, position: int, scopes: list[_Scope]) -> bool:
    """Whether the variable there is the query's own: every subquery around it projects it."""
    return all(name in s.projected or "*" in s.projected for s in scopes[1:] if s.start <= position < s.end)


def _binding_places(bare: str) -> set[tuple[int, int]]:
    """Where a variable is bound by the query itself: after AS, and VALUES variable lists."""
    places = {(m.start(), m.end()) for m in re.finditer(r"(?i)(?<![\w?$:])AS\s+[?$]\w+", bare)}
    for match in re.finditer(r"(?i)(?<![\w?$:])VALUES\s*(\([^)]*\)|[?$]\w+)", bare):
        places.add(match.span())
    return places


def _minus_places(bare: str) -> set[tuple[int, int]]:
    places = set()
    for match in re.finditer(r"(?i)(?<![\w?$:])MINUS\s*\{", bare):
        places.add((match.start(), _closing(bare, match.end() - 1)))
    return places


def _modifier_clauses(bare: str) -> list[tuple[int, int]]:
    """Where GROUP BY and ORDER BY conditions are listed (a bare variable there needs brackets)."""
    return [
        (match.end(), _clause_end(bare, match.end(), _CLAUSE_END))
        for match in re.finditer(r"(?i)(?<![\w?$:])(?:GROUP|ORDER)\s+BY(?![\w:])", bare)
    ]
