"""How large one submission may be: statements in its graph (``KG_MAX_STATEMENTS``), names of
one entity (``KG_MAX_NAMES``: labels and alternate names) and characters in one literal
(``KG_MAX_LITERAL``). Each refusal names the entity or statement and the setting to raise, so no
single submission can make a public route (reconciliation, the Linked Places export) read an
entity without end."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from rdflib import Graph, Literal
from rdflib.namespace import RDFS, SKOS

from kg.config import Settings
from kg.errors import Location
from kg.report import Problem

NAMES = frozenset({RDFS.label, SKOS.prefLabel, SKOS.altLabel, SKOS.hiddenLabel})
"""The predicates whose values are an entity's names."""


def problems(graph: Graph, name: str, settings: Settings) -> list[Problem]:
    """What makes ``graph`` larger than a submission may be (nothing else is looked at when the
    whole graph is over ``KG_MAX_STATEMENTS``)."""
    if len(graph) > settings.max_statements:
        message = (
            f"the submission has {len(graph):,} statements, more than the {settings.max_statements:,} one "
            "submission may have (KG_MAX_STATEMENTS): split it"
        )
        return [Problem(message, Location(name), source="rdf")]
    return [*_names(graph, name, settings.max_names), *_literals(graph, name, settings.max_literal)]


def _names(graph: Graph, name: str, most: int) -> Iterable[Problem]:
    counts = Counter(s for s, p, o in graph if p in NAMES and isinstance(o, Literal))
    for subject, count in sorted(counts.items()):
        if count > most:
            message = (
                f"<{subject}> has {count:,} names (labels and alternate names), more than the {most:,} one entity "
                "may have (KG_MAX_NAMES)"
            )
            yield Problem(message, Location(name, node=str(subject)), source="rdf")


def _literals(graph: Graph, name: str, most: int) -> Iterable[Problem]:
    for s, p, o in graph:
        if isinstance(o, Literal) and len(o) > most:
            message = (
                f"a value of <{p}> is {len(o):,} characters long, more than the {most:,} a value may have "
                "(KG_MAX_LITERAL)"
            )
            yield Problem(message, Location(name, node=str(s)), source="rdf")
