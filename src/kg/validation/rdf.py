"""The checks of an RDF submission, beyond SHACL: http(s)/urn IRIs only, only terms the ontology
declares (with the nearest declared term when one is close), no statements about the ontology
or about things already stored or kg's own records, literals valid for their datatype, every kg reference resolvable."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF

from kg.errors import Location
from kg.report import Problem
from kg.store import Store
from kg.validation import stored
from kg.vocab import KG, KGID

KG_NS, KGID_NS = str(KG), str(KGID)
IRI = re.compile(r"^(https?://[^\s<>\"{}|\\^`]+|urn:[a-z0-9][a-z0-9-]{0,31}:\S+)$", re.IGNORECASE)


def vocabulary() -> set[URIRef]:
    """Every term the ontology declares (the closed namespace of :mod:`kg.vocab`)."""
    return {URIRef(f"{KG_NS}{name}") for name in KG.__annotations__}


def problems(graph: Graph, name: str, store: Store) -> list[Problem]:
    """Everything wrong with a submitted graph that SHACL does not say, subject by subject."""
    found = [*_terms(graph, name), *_subjects(graph, name, store), *_literals(graph, name)]
    return _unique([*found, *_unresolved(graph, name, store)])


def _terms(graph: Graph, name: str) -> Iterable[Problem]:
    declared = sorted(str(t)[len(KG_NS) :] for t in vocabulary())
    for s, p, o in graph:
        for term in (s, p, o):
            if not isinstance(term, URIRef):
                continue
            iri, where = str(term), Location(name, node=str(s))
            if not IRI.match(iri):
                yield Problem(f"IRI <{iri}> is not an http(s) or urn IRI", where, source="rdf")
            elif iri.startswith(KG_NS) and iri[len(KG_NS) :] not in declared:
                local = iri[len(KG_NS) :]
                close = difflib.get_close_matches(local, declared, n=1, cutoff=0.75)
                hint = f"; did you mean kg:{close[0]}?" if close else ""
                yield Problem(f"kg:{local} is not a term of the ontology{hint}", where, source="rdf")


def _subjects(graph: Graph, name: str, store: Store) -> Iterable[Problem]:
    subjects = {s for s in graph.subjects() if isinstance(s, URIRef)}
    stored_ones = stored.described(store, [str(s) for s in subjects if str(s).startswith(KGID_NS)])
    for subject in subjects:
        where = Location(name, node=str(subject))
        if str(subject).startswith(KG_NS) or str(subject).rstrip("#/") == KG_NS.rstrip("#"):
            yield Problem("a submission may not change the ontology (statements about a kg: term)", where, source="rdf")
        elif _is_record(graph, subject):
            yield Problem(
                f"<{subject}> is a submission, retraction or agent record: kg writes those itself, "
                "from the token that sends a submission",
                where,
                source="rdf",
            )
        elif str(subject) in stored_ones:
            yield Problem(
                f"<{subject}> is already in the graph: a submission may refer to it, not add statements about it",
                where,
                source="reference",
            )


RECORDS = re.compile(rf"^{re.escape(KGID_NS)}(submission/(?![0-9a-f]{{24}}/node/)|retraction/|agent/)")
"""kg's own records (:mod:`kg.submissions`); a submission's own blank nodes are ``submission/<id>/node/…``."""


def _is_record(graph: Graph, subject: URIRef) -> bool:
    """Whether statements about ``subject`` would be a record only kg writes."""
    if RECORDS.match(str(subject)):
        return True
    return any((subject, RDF.type, kind) in graph for kind in (KG.Submission, KG.Retraction))


def _literals(graph: Graph, name: str) -> Iterable[Problem]:
    for s, _p, o in graph:
        if isinstance(o, Literal) and getattr(o, "ill_typed", False):
            kind = str(o.datatype).rsplit("#", 1)[-1] if o.datatype else "literal"
            yield Problem(f"{o!s} is not a valid xsd:{kind}", Location(name, node=str(s)), source="rdf")


def _unresolved(graph: Graph, name: str, store: Store) -> Iterable[Problem]:
    introduced = {s for s in graph.subjects() if isinstance(s, URIRef)}
    local = f"{KGID_NS}submission/"
    pointed = [
        (s, o)
        for s, _p, o in graph
        if isinstance(o, URIRef) and str(o).startswith(KGID_NS) and o not in introduced and not str(o).startswith(local)
    ]
    typed = stored.typed(store, [str(o) for _s, o in pointed])
    for s, o in pointed:
        if str(o) not in typed:
            yield Problem(
                f"<{o}> is neither in the graph nor introduced by this submission",
                Location(name, node=str(s)),
                source="reference",
            )


def _unique(found: Iterable[Problem]) -> list[Problem]:
    seen, out = set(), []
    for p in found:
        if (p.message, p.where) not in seen:
            seen.add((p.message, p.where))
            out.append(p)
    return out
