"""Which graphs a SPARQL Update writes, and the ones an admin's update may not.

kg derives or records some graphs itself, and only its own paths write them: ``kg build`` the
ontology, entities, links, article, inferred, build, set-aside and periods graphs (from
``KG_DATA`` — change the files and build again); a submission or a retraction its graph and its
record in the submissions graph (``POST``/``DELETE /submissions``). :func:`check_update` reads
the update's parse tree (never its text) and refuses an update that would write one of them,
that writes a graph named by a variable, or all named graphs at once (``DROP ALL``, ``CLEAR
NAMED``), or that puts an IRI with a scheme a browser runs or reads locally (``javascript:``,
``data:``, ``file:``…) anywhere.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from rdflib import URIRef, Variable

from kg.errors import QueryError, QueryRefused
from kg.vocab import GRAPH

PROTECTED = frozenset(
    str(g)
    for g in (
        GRAPH.ONTOLOGY,
        GRAPH.ENTITIES,
        GRAPH.LINKS,
        GRAPH.SUBMISSIONS,
        GRAPH.INFERRED,
        GRAPH.SET_ASIDE,
        GRAPH.BUILD,
        GRAPH.PERIODS,
    )
)
PROTECTED_PREFIXES = (GRAPH.SUBMISSION_BASE, str(GRAPH.article_graph("x"))[:-1])
UNSAFE_SCHEMES = ("javascript:", "vbscript:", "data:", "file:")
_HINT = "kg build writes the graphs it derives (change KG_DATA), and submissions their own; name another graph"


def protected(graph: str) -> bool:
    """Whether only kg's own paths (a build, a submission, a retraction) may write ``graph``."""
    return graph in PROTECTED or graph.startswith(PROTECTED_PREFIXES)


def check_update(text: str, present: Callable[[], Iterable[str]] | None = None) -> None:
    """Refuse (403) an update that writes a graph kg derives or records, or an unsafe IRI.

    ``present`` names the store's graphs: a ``DROP``/``CLEAR`` of ``ALL`` or ``NAMED`` graphs is
    refused only if one of them is kg's own (without it, always). A store that holds none of
    kg's graphs — one an admin uses for other data, or a protocol test suite's — may be emptied."""
    for number, operation in enumerate(operations(text), 1):
        for graph in written(operation):
            if graph in {"ALL", "NAMED"} and present is not None and not any(protected(g) for g in present()):
                continue
            _refuse_graph(graph, number, operation.name)
        for term in _terms(operation):
            if str(term).lower().startswith(UNSAFE_SCHEMES):
                raise QueryRefused(
                    f"operation {number} ({operation.name}) holds the IRI <{term}>, whose scheme a browser would "
                    "run or read locally",
                    hint="use http(s) or urn IRIs",
                )


def operations(text: str) -> list[Any]:
    """The update's operations as parse trees with prefixed names resolved to IRIs. (rdflib's
    full translation is not used: it takes time quadratic in the statements of INSERT DATA.)"""
    from pyparsing import ParseBaseException
    from rdflib.plugins.sparql import algebra, parser

    try:
        tree = parser.parseUpdate(text)
        found, prologue = [], None
        for head, request in zip(tree.prologue, tree.request or [], strict=False):
            prologue = algebra.translatePrologue(head, None, None, prologue)
            found.append(
                algebra.traverse(request, visitPost=functools.partial(algebra.translatePName, prologue=prologue))
            )
    except (ParseBaseException, Exception) as exc:  # whatever rdflib raises on text it cannot read
        raise QueryError(
            f"the update cannot run: syntax error ({type(exc).__name__}: {str(exc)[:200]})",
            hint="check the syntax against SPARQL 1.1 Update; nothing was changed",
        ) from None
    return found


def _refuse_graph(graph: object, number: int, name: str) -> None:
    where = f"operation {number} ({name})"
    if isinstance(graph, Variable):
        raise QueryRefused(
            f"{where} writes GRAPH ?{graph}, which could be any graph, kg's own too", hint="name the graph"
        )
    if graph in {"ALL", "NAMED"}:
        raise QueryRefused(f"{where} writes {graph} graphs, kg's own among them", hint=_HINT)
    if isinstance(graph, URIRef) and protected(str(graph)):
        raise QueryRefused(f"{where} writes <{graph}>, which only kg's own paths write", hint=_HINT)


def written(operation: Any) -> Iterator[object]:
    """The graphs one update operation writes: IRIs, variables, ``"DEFAULT"``, ``"ALL"``, ``"NAMED"``."""
    name = operation.name
    if name in {"InsertData", "DeleteData", "DeleteWhere"}:
        yield from _template_graphs(_part(operation, "quads"), None)
    elif name == "Modify":
        for clause in (_part(operation, "delete"), _part(operation, "insert")):
            if clause is not None:
                yield from _template_graphs(_part(clause, "quads"), _part(operation, "withClause"))
    elif name in {"Clear", "Drop", "Create"}:
        yield operation["graphiri"]
    elif name in {"Add", "Copy"}:
        yield operation["graph"][1]
    elif name == "Move":
        yield from operation["graph"]


def _part(node: Any, key: str) -> Any:
    """A part of a parse-tree node, or None (rdflib's ``CompValue.get`` answers a missing key with the key)."""
    return dict.get(node, key)  # not CompValue.get


def _template_graphs(quads: Any, default: object) -> Iterator[object]:
    if quads is None:
        return
    if _part(quads, "triples"):
        yield default if default is not None else "DEFAULT"
    for quad in _part(quads, "quadsNotTriples") or []:
        yield quad["term"]


def _terms(operation: Any) -> Iterator[URIRef]:
    """Every IRI anywhere in the operation."""
    stack = [operation]
    while stack:
        node = stack.pop()
        if isinstance(node, URIRef):
            yield node
        elif isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, (list, tuple)) or type(node).__name__ == "ParseResults":
            stack.extend(node)
