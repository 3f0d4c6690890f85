"""The SHACL shapes catch what the annotation checks might let through, and each result is
reported at the annotation file, line and field it came from."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from rdflib import Graph, Literal, URIRef

from kg import mapping, shacl
from kg.config import Settings
from kg.sources import data_files, load, load_ontology, registry
from kg.vocab import GEO, KG, KGID, OA, PROV, RDF, XSD

EVENT = KGID["event/mini/northtown-falls"]
Mutation = Callable[[Graph], None]


def mapped_union(settings: Settings) -> tuple[Graph, dict]:
    sources, problems = load(data_files(settings), settings.corpus)
    assert not problems
    docs = [s.doc for s in sources]
    known = registry(docs)
    union, origins = Graph(), {}
    graphs = [mapping.map_entities(docs, known)]
    graphs += [mapping.map_article(s.doc, known, s.text) for s in sources if s.doc.article]
    for mapped in graphs:
        union += mapped.graph
        origins.update(mapped.origins)
    return union, origins


def validate(settings: Settings, mutate: Mutation) -> shacl.ShaclOutcome:
    union, origins = mapped_union(settings)
    mutate(union)
    return shacl.validate(union, shacl.load_shapes(settings.shapes), load_ontology(settings), origins)


def _set(s: URIRef, p: URIRef, o: object) -> Mutation:
    return lambda g: g.set((s, p, o))  # type: ignore[arg-type]


def _remove(s: URIRef | None, p: URIRef, o: object = None) -> Mutation:
    return lambda g: g.remove((s, p, o))  # type: ignore[arg-type]


def test_mini_fixture_conforms(mini_settings: Settings) -> None:
    """The untouched mini fixture passes every shape."""
    outcome = validate(mini_settings, lambda g: None)
    assert outcome.conforms, outcome.problems


CASES: dict[str, tuple[Mutation, str, str | None]] = {
    "gaining actor also losing": (
        _set(EVENT, KG.losingActor, KGID["actor/blue-front"]),
        "none of them also losing",
        "events[0].gaining",
    ),
    "gaining actor that is a place": (
        _set(EVENT, KG.gainingActor, KGID["place/southtown"]),
        "the gaining actors must be actors",
        "events[0].gaining",
    ),
    "event without evidence": (_remove(EVENT, KG.evidence), "needs at least one evidence span", "events[0].evidence"),
    "unknown date precision": (_set(EVENT, KG.datePrecision, KG.Reported), "precision must be", "events[0].date"),
    "date range reversed": (
        _set(EVENT, KG.dateLatest, Literal("2019-01-01", datatype=XSD.date)),
        "starts after it ends",
        "events[0].date",
    ),
    "relative date without derivation": (_remove(EVENT, KG.dateDerivation), "needs a 'derivation'", "events[0]"),
    "span beyond the text": (
        _set(KGID["mention/mini/156-164/position"], OA.end, Literal(9999, datatype=XSD.nonNegativeInteger)),
        "does not lie inside",
        "mentions[3]",
    ),
    "quote and offsets disagree": (
        _set(KGID["mention/mini/156-164/quote"], OA.exact, Literal("Red Arm")),
        "offsets and text disagree",
        "mentions[3]",
    ),
    "mention of an event": (
        _set(KGID["mention/mini/156-164"], OA.hasBody, EVENT),
        "must point at a place, an actor or an infrastructure asset",
        "mentions[3]",
    ),
    "coordinates without a source": (
        _remove(KGID["place/southtown/geometry"], PROV.wasDerivedFrom),
        "coordinates need a source",
        "places[1]",
    ),
    "two controllers' events from no article": (
        _remove(EVENT, PROV.wasDerivedFrom),
        "must come from exactly one article",
        "events[0]",
    ),
    "place typed as an actor too": (
        lambda g: g.add((KGID["place/northtown"], RDF.type, KG.StateForce)),
        "cannot also be an actor",
        "places[0]",
    ),
    "geometry that is not a point": (
        _set(KGID["place/southtown/geometry"], GEO.asWKT, Literal("LINESTRING(1 2, 3 4)", datatype=GEO.wktLiteral)),
        "one WKT POINT",
        "places[1]",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_shapes_catch_defects_and_say_where(mini_settings: Settings, case: str) -> None:
    """Each defect made directly in the RDF is reported, with the annotation file and field."""
    mutate, words, field = CASES[case]
    outcome = validate(mini_settings, mutate)
    assert not outcome.conforms
    matching = [p for p in outcome.problems if words in p.message]
    assert matching, [str(p) for p in outcome.problems]
    problem = matching[0]
    assert problem.where.file and problem.where.file.endswith(".yaml")
    assert problem.where.field and problem.where.field.startswith(field or "")
    assert "sh:ValidationReport" in outcome.report_turtle
