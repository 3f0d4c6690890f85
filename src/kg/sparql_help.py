"""SPARQL that helps: default prefixes, syntax errors people can act on, and warnings about
terms no vocabulary declares.

- :func:`with_prefixes` gives a query the default prefixes it does not declare itself, on its
  first line, so every line number the engine reports is still the user's;
- :func:`explain` turns the engine's syntax error ("error at 1:28: expected one of Prefix not
  found, ['%'], …") into the line, the column, the offending token and a hint (declare a prefix,
  a ``{`` or ``}`` missing), without the engine's character classes;
- :func:`warnings` finds terms of kg's ontology, RDFS, SKOS and PROV that the vocabulary does
  not declare (``kg:Plac``, ``rdfs:labl``), each with the nearest declared term. This is advice,
  read from the text, not a check: a query with such a term still runs (and finds nothing).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from rapidfuzz import fuzz, process
from rdflib import Graph
from rdflib.namespace import PROV, RDFS, SKOS, DefinedNamespace

from kg.errors import QueryError

KG_NS = "https://w3id.org/kg/ontology#"
CLOSED: tuple[type[DefinedNamespace], ...] = (RDFS, SKOS, PROV)  # namespaces rdflib knows every term of
_ENGINE = re.compile(r"error at (\d+):(\d+): (.*)", re.DOTALL)
_CODE = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n]|\\.)*"'
    r"|'(?:[^'\\\n]|\\.)*'"
    r"|<[^<>\"{}|^`\\\s]*>"
    r"|#[^\n]*",
    re.DOTALL,
)
_DECLARED = re.compile(r"(?i)\bPREFIX\s+([A-Za-z][\w\-.]*)?:\s*<([^<>\s]*)>")
_PREFIXED = re.compile(r"(?<![\w\-.:?$\\])([A-Za-z][\w\-.]*)?:((?:[\w\-]|\\.)*)")
_TOKEN = re.compile(r"[{}()\[\].,;]|[^\s{}()\[\],;]+")
NEAREST_SCORE = 60  # rapidfuzz ratio (0–100) below which no term is offered as the one meant


def code(text: str) -> str:
    """The query with strings and comments blanked out (IRIs kept), position for position."""

    def blank(match: re.Match[str]) -> str:
        token = match.group()
        return token if token.startswith("<") else re.sub(r"[^\n]", " ", token)

    return _CODE.sub(blank, text)


def declared(text: str) -> dict[str, str]:
    """The prefixes the query declares, to their IRIs."""
    return {m.group(1) or "": m.group(2) for m in _DECLARED.finditer(code(text))}


def with_prefixes(text: str, prefixes: Mapping[str, str]) -> tuple[str, int]:
    """The query with those of ``prefixes`` that it uses and does not declare put before its
    first line, and how many characters were put there (what :func:`explain` takes off a
    column of line 1). Only prefixes in use are added, so the text gains no word it did not
    have (``sd:``'s IRI would spell SERVICE, and every query would be parsed twice)."""
    own = declared(text)
    used = {m.group(1) or "" for m in _PREFIXED.finditer(code(text))}
    added = "".join(f"PREFIX {p}: <{iri}> " for p, iri in prefixes.items() if p in used and p not in own)
    return added + text, len(added)


def parser_place(exc: Exception, text: str) -> str:
    """Where rdflib's parser (pyparsing) stopped, as this module says it for the engine:
    ``line 2, column 5, at '}'``."""
    line, column, loc = getattr(exc, "lineno", None), getattr(exc, "col", None), getattr(exc, "loc", None)
    if not isinstance(line, int) or not isinstance(column, int) or not isinstance(loc, int):
        return str(exc).strip()[:200]
    token = _token_at(text, loc)
    return f"line {line}, column {column}, at {repr(token) if token else 'the end of the query'}"


def is_syntax_error(error: QueryError) -> bool:
    """Whether the engine refused the text as SPARQL (the store's syntax-error message)."""
    return "syntax error" in error.message and _ENGINE.search(error.message) is not None


def explain(error: QueryError, text: str, known: Mapping[str, str], offset: int = 0) -> QueryError:
    """The engine's syntax error on ``text`` (given with ``offset`` characters of default
    prefixes before it) as line, column, token and hint; other errors as they are."""
    found = _ENGINE.search(error.message)
    if found is None:
        return error
    line, column, expected = int(found.group(1)), int(found.group(2)), found.group(3)
    if line == 1:
        column = max(1, column - offset)
    lines = text.split("\n")
    at = _position(lines, line, column)
    missing = _undeclared(text, at) if "Prefix not found" in expected else None
    token = missing.group() if missing is not None else _token_at(text, at)
    what, hint = _diagnose(text, at, token, expected, known)
    shown = f"'{token}'" if token else "the end of the query"
    return QueryError(f"SPARQL syntax error at line {line}, column {column}, at {shown}: {what}", hint=hint)


def _position(lines: list[str], line: int, column: int) -> int:
    """The offset in the text of a 1-based line and column (clamped into the text)."""
    line = min(max(line, 1), len(lines))
    return sum(len(x) + 1 for x in lines[: line - 1]) + min(column - 1, len(lines[line - 1]))


def _token_at(text: str, at: int) -> str:
    """The token that starts at (or, at a space or the end, ends just before) offset ``at``."""
    for match in _TOKEN.finditer(text):
        if match.start() <= at < match.end():
            return match.group()
        if match.start() > at:
            return match.group()
    return ""


def _diagnose(text: str, at: int, token: str, expected: str, known: Mapping[str, str]) -> tuple[str, str]:
    missing = _undeclared(text, at) if "Prefix not found" in expected else None
    if missing is not None:
        prefix = missing.group(1) or ""
        iri = known.get(prefix)
        where = f"the prefix {prefix}: is not declared"
        if iri is not None:
            return where, f"declare it with PREFIX {prefix}: <{iri}>"
        return where, f"declare it with PREFIX {prefix}: <…>; kg knows " + ", ".join(f"{p}:" for p in known)
    wanted, before = _alternatives(expected), code(text[:at])
    if '"{"' in wanted and '"}"' not in wanted:
        return "a '{' is missing", f"a '{{' is missing before '{token}'" if token else "a '{' is missing"
    if before.count("(") > before.count(")"):
        return "a ')' is missing", f"a ')' is missing before '{token}'" if token else "a ')' is missing at the end"
    if not text[at:].strip() and before.count("{") > before.count("}"):
        return "the query ends inside a group", "a '}' is missing at the end of the query"
    if not text[at:].strip() and before.count("}") > before.count("{"):
        return "a '}' closes no group", "remove the last '}', or add the '{' it should close"
    keywords = {w for w in wanted if not w.startswith("[")}
    if keywords and keywords <= {"LATERAL", "SERVICE"}:  # the engine wanted another group pattern
        return "a pattern is not complete", (
            "each triple needs a subject, a predicate and an object: check the last one before "
            f"'{token or 'the end'}', and whether a '{{' or '}}' is missing"
        )
    if "['0'..='9']" in wanted:
        return "a number is missing", f"write a number before '{token}'" if token else "end the query with a number"
    if '"}"' in wanted and token not in {"}", ""}:
        return "a '}' or a '.' is missing", f"a '}}' (or a '.') is missing before '{token}'"
    listed = ", ".join(w for w in wanted if not w.startswith("[") and w != "Prefix not found")[:200]
    what = f"expected {listed}" if listed else "the text cannot be read as SPARQL here"
    return what, f"a '.', a '{{' or a '}}' may be missing just before '{token or 'the end'}'"


def _alternatives(expected: str) -> list[str]:
    """What the engine says it expected, one alternative each (character classes kept whole)."""
    body = expected.removeprefix("expected one of ").removeprefix("expected ")
    return [a.strip() for a in re.split(r",\s*(?![^\[]*\])", body.replace("\n", " ")) if a.strip()]


def _undeclared(text: str, at: int) -> re.Match[str] | None:
    """The last prefixed name before ``at`` whose prefix the text does not declare."""
    own = declared(text)
    names = [m for m in _PREFIXED.finditer(code(text)) if m.start() <= at and (m.group(1) or "") not in own]
    return names[-1] if names else None


# --------------------------------------------------------------------------- undeclared terms


def vocabularies(ontology: Graph | None) -> dict[str, frozenset[str]]:
    """Namespace IRI → the local names it declares: kg's ontology (its subjects in the kg
    namespace), and the vocabularies rdflib knows closed."""
    known = {str(ns._NS): frozenset(str(term)[len(str(ns._NS)) :] for term in dir(ns)) for ns in CLOSED}
    if ontology is not None:
        subjects = {str(s) for s in ontology.subjects()}
        known[KG_NS] = frozenset(s[len(KG_NS) :] for s in subjects if s.startswith(KG_NS) and len(s) > len(KG_NS))
    return known


def warnings(text: str, vocabs: Mapping[str, frozenset[str]], prefixes: Mapping[str, str]) -> tuple[str, ...]:
    """One warning for each term of a known vocabulary that it does not declare, in order of
    first use, each with the nearest declared term."""
    bare = code(text)
    own = {**prefixes, **declared(text)}
    used: list[tuple[int, str, str]] = [(m.start(), m.group(1), m.group()) for m in re.finditer(r"<([^<>\s]*)>", bare)]
    for match in _PREFIXED.finditer(bare):
        base = own.get(match.group(1) or "")
        if base is not None and match.group(2) and not _in_prefix_declaration(bare, match.start()):
            used.append((match.start(), base + match.group(2).replace("\\", ""), match.group()))
    spelled: dict[str, str] = {}  # IRI → as first written
    for _, iri, written in sorted(used):
        spelled.setdefault(iri, written)
    found = []
    for iri, written in spelled.items():
        for namespace, terms in vocabs.items():
            local = iri[len(namespace) :]
            if iri.startswith(namespace) and local and local not in terms:
                found.append(_warning(written, local, namespace, terms, written[: -len(local)]))
    return tuple(found)


def _in_prefix_declaration(bare: str, at: int) -> bool:
    return re.search(r"(?i)\bPREFIX\s+$", bare[max(0, at - 20) : at]) is not None


def _warning(written: str, local: str, namespace: str, terms: frozenset[str], stem: str) -> str:
    which = "kg's ontology" if namespace == KG_NS else f"the vocabulary <{namespace}>"
    nearest = process.extractOne(local, sorted(terms), scorer=fuzz.ratio) if terms else None
    text = f"{written} is not declared in {which}, so it matches nothing"
    if nearest is not None and nearest[1] >= NEAREST_SCORE:
        meant = f"<{namespace}{nearest[0]}>" if written.startswith("<") else f"{stem}{nearest[0]}"
        text += f"; did you mean {meant}?"
    return text
