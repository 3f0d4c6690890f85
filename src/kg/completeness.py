r"""Completeness of the places: every place or asset lies, through ``locatedIn``, in a country
(or says its container is unknown), and one GeoNames row has one pair of coordinates wherever
the data writes it.

Pure, like :mod:`kg.references`: it reads parsed annotation files and review-file decisions and
reports :class:`Problem`\ s with the file, line and field to change.

- :func:`floating` — a warning for each place or asset whose ``locatedIn`` chain reaches no
  ``Country`` and no place marked ``locatedInUnknown``: a region query would miss it;
- :func:`coordinate_conflicts` — an error for each place whose ``coordinates`` in the annotation
  files and whose link's ``coordinates`` in ``data/links.yaml`` cite the same GeoNames row with
  different numbers.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping

from kg.annotations import AnnotationFile, Entity, line_of, path_of
from kg.decisions import Decision
from kg.errors import Location
from kg.report import Problem

FEATURES = ("place", "asset")
DIGITS = 5
"""Coordinates agree when equal to this many decimal places (GeoNames gives five)."""


def floating(entities: Iterable[Entity], known: Mapping[str, Entity], grounded: Collection[str] = ()) -> list[Problem]:
    """A warning for each place or asset of ``entities`` that no ``locatedIn`` chain takes to a
    country. ``known`` resolves the ids of the chain; ``grounded`` are ids known elsewhere (the
    store) to reach a country or an explicit unknown."""
    problems = []
    for entity in entities:
        if entity.kind not in FEATURES:
            continue
        last = _stops_at(entity, known, set(grounded))
        if last is not None:
            problems.append(
                Problem(_floating_message(entity, last), _at(entity, "locatedIn"), "warning", "completeness")
            )
    return problems


def _stops_at(entity: Entity, known: Mapping[str, Entity], grounded: set[str]) -> Entity | None:
    """None when a chain from ``entity`` reaches a country or an explicit unknown; otherwise the
    last container reached (the entity itself when it has none)."""
    seen, todo, last = {entity.id}, [entity], entity
    while todo:
        here = todo.pop(0)
        if here.type == "Country" or here.located_in_unknown or here.id in grounded:
            return None
        for ref in here.relations.get("locatedIn", ()):
            if ref not in seen and ref in known:
                seen.add(ref)
                todo.append(known[ref])
                last = known[ref]
    return last


def _floating_message(entity: Entity, last: Entity) -> str:
    what = "place" if entity.kind == "place" else "infrastructure asset"
    if last.id == entity.id:
        stop = "it has no locatedIn"
        fix = f"add locatedIn: [<a place in a country>] to {entity.id!r}"
    else:
        stop = f"its locatedIn chain stops at {last.id!r} ({last.label}), which lies in nothing"
        fix = f"add locatedIn to {last.id!r}"
    return (
        f"{what} {entity.id!r} ({entity.label}) is not located in any country: {stop}, so a region query "
        f"cannot find it; {fix}, or locatedInUnknown: <why> where the text does not say"
    )


def _at(entity: Entity, key: str) -> Location:
    return Location(entity.where.file, entity.where.line, f"{entity.where.field}.{key}" if entity.where.field else key)


def coordinate_conflicts(docs: Iterable[AnnotationFile], links: Iterable[Decision]) -> list[Problem]:
    """An error for each link whose coordinates differ from those an annotation file copies from
    the same GeoNames row, naming both files and lines."""
    written = {
        (entity.id, entity.coordinates.source): (doc, entity)
        for doc in docs
        for entity in doc.entities
        if entity.coordinates is not None
    }
    problems = []
    for link in links:
        found = written.get((link.entity, f"{link.source}:{link.id}"))
        if found is None or link.lat is None or link.lon is None:
            continue
        doc, entity = found
        assert entity.coordinates is not None
        ours = (round(entity.coordinates.lat, DIGITS), round(entity.coordinates.lon, DIGITS))
        if ours != (round(link.lat, DIGITS), round(link.lon, DIGITS)):
            problems.append(_conflict(doc, entity, link))
    return problems


def _conflict(doc: AnnotationFile, entity: Entity, link: Decision) -> Problem:
    assert entity.coordinates is not None
    c = entity.coordinates
    line = line_of(doc.tree, [*path_of(entity.where.field or ""), "coordinates"]) if doc.tree is not None else None
    there = f"{doc.path}:{line or entity.where.line}"
    here = Location(link.where.file, link.coordinates_line or link.where.line, f"{link.where.field}.coordinates")
    message = (
        f"{entity.id!r} has two sets of coordinates for GeoNames {link.id}: {there} gives {c.lat}, {c.lon} and "
        f"{here.file}:{here.line} gives {link.lat}, {link.lon}; copy the GeoNames row's numbers into both"
    )
    return Problem(message, here, source="completeness")
