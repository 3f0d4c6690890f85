r"""References between annotation files: every id known, of the right kind, defined once, and
nothing inside one event or claim contradicting itself.

Pure, like :mod:`kg.annotations`: it reads the parsed objects and reports :class:`Problem`\ s
with the file, line and field of each reference.
"""

from __future__ import annotations

import difflib
import itertools
from collections.abc import Iterator, Mapping, Sequence

from kg.annotations import AnnotationFile, DateSpec, Entity, Fact, RouteEvent
from kg.errors import Location
from kg.report import Problem


def iter_references(doc: AnnotationFile) -> Iterator[tuple[str, str, Location]]:
    """Every (id, expected kind, location) a file refers to; kind is place|actor|feature|any."""
    for entity in doc.entities:
        for relation, ids in entity.relations.items():
            kind = "actor" if relation in {"partOf", "alliedWith", "supportedBy", "memberOf", "quotedBy"} else "feature"
            kind = "place" if relation == "locatedIn" else kind
            for ref in ids:
                yield ref, kind, Location(entity.where.file, entity.where.line, f"{entity.where.field}.{relation}")
    if doc.article:
        for key, ids in (
            ("publisher", (doc.article.publisher,) if doc.article.publisher else ()),
            ("cites", doc.article.cites),
        ):
            for ref in ids:
                yield ref, "actor", Location(doc.path, doc.article.where.line, f"article.{key}")
    for mention in doc.mentions:
        yield mention.entity, "any", Location(mention.where.file, mention.where.line, f"{mention.where.field}.entity")
    for event in doc.events:
        for place in event.places:
            yield place, "feature", Location(event.where.file, event.where.line, f"{event.where.field}.place")
        for role, ids in [*event.roles.items(), ("source", event.sources)]:
            for ref in ids:
                yield ref, "actor", Location(event.where.file, event.where.line, f"{event.where.field}.{role}")
    for claim in doc.claims:
        for key, ref in (("place", claim.place), ("reference", claim.reference)):
            yield ref, "feature", Location(claim.where.file, claim.where.line, f"{claim.where.field}.{key}")
        for ref in claim.sources:
            yield ref, "actor", Location(claim.where.file, claim.where.line, f"{claim.where.field}.source")
    yield from _fact_references(doc)
    yield from _route_references(doc)


def _fact_references(doc: AnnotationFile) -> Iterator[tuple[str, str, Location]]:
    """The ids that casualty figures, incidents, statements, announcements and cited reports refer to."""
    items: list[tuple[Fact, dict[str, tuple[str, ...]]]] = []
    items += [
        (c, {"place": _opt(c.place), "side": _opt(c.side), "by": c.by, "source": c.sources}) for c in doc.casualties
    ]
    items += [(i, {"place": (i.place,), "by": i.by, "target": i.target}) for i in doc.incidents]
    items += [(s, {"source": s.sources}) for s in doc.statements]
    items += [
        (a, {"place": a.places, "actor": a.actors, "against": a.against, "source": a.sources})
        for a in doc.announcements
    ]
    items += [(r, {"publisher": r.publishers, "author": r.authors}) for r in doc.reports]
    for item, fields in items:
        for key, ids in fields.items():
            for ref in ids:
                yield (
                    ref,
                    "feature" if key == "place" else "actor",
                    Location(item.where.file, item.where.line, f"{item.where.field}.{key}"),
                )


def _opt(value: str | None) -> tuple[str, ...]:
    return (value,) if value else ()


def _route_references(doc: AnnotationFile) -> Iterator[tuple[str, str, Location]]:
    """The ids a file's route events refer to: the asset, the ends, and the actors."""
    for route in doc.routes:
        keys: list[tuple[str, str, tuple[str, ...]]] = [("asset", "asset", (route.asset,) if route.asset else ())]
        keys += [("from", "feature", route.ends_from), ("to", "feature", route.ends_to), ("via", "feature", route.via)]
        keys += [("supplyOf", "actor", route.supply_of), ("by", "actor", route.by), ("source", "actor", route.sources)]
        for key, kind, ids in keys:
            for ref in ids:
                yield ref, kind, Location(route.where.file, route.where.line, f"{route.where.field}.{key}")


def check_references(docs: Sequence[AnnotationFile], stored: Mapping[str, Entity] | None = None) -> list[Problem]:
    """Duplicate ids, unknown ids, ids of the wrong kind, and contradictions inside one item.

    ``stored`` are entities already in the graph, which the files may refer to but not redefine.
    """
    problems: list[Problem] = []
    known: dict[str, Entity] = dict(stored or {})
    shared = set(known) | {e.id for doc in docs if doc.article is None for e in doc.entities}
    for doc in docs:
        for entity in doc.entities:
            if entity.id in known:
                problems.append(Problem(_duplicate(entity, known[entity.id], shared), entity.where, source="reference"))
            else:
                known[entity.id] = entity
    for doc in docs:
        problems += _check_local_ids(doc)
        for ref, kind, where in iter_references(doc):
            found = known.get(ref)
            if found is None:
                problems.append(
                    Problem(f"unknown id {ref!r}{_did_you_mean(ref, kind, known)}", where, source="reference")
                )
            elif not _kind_fits(found.kind, kind):
                problems.append(
                    Problem(
                        f"{ref!r} is {KIND_NAMES[found.kind]}, but {KIND_NAMES[kind]} is needed here",
                        where,
                        source="reference",
                    )
                )
        problems += _check_events(doc)
    return problems


def _duplicate(entity: Entity, first: Entity, shared: set[str]) -> str:
    """The same words whether the shared entities come from a file or from the store."""
    if entity.id in shared:
        return (
            f"duplicate id {entity.id!r}: {KIND_NAMES[first.kind]} of the shared entities already has this id; "
            "refer to it instead of defining it again"
        )
    return f"duplicate id {entity.id!r}: already defined at {first.where}"


def _did_you_mean(ref: str, kind: str, known: Mapping[str, Entity]) -> str:
    """``; did you mean 'red-army'?`` for the closest known id of the kind needed, if one is close."""
    ids = sorted(i for i, e in known.items() if _kind_fits(e.kind, kind))
    close = difflib.get_close_matches(ref, ids, n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


KIND_NAMES = {
    "place": "a place",
    "actor": "an actor",
    "asset": "an infrastructure asset",
    "feature": "a place or infrastructure asset",
}


def _kind_fits(actual: str, wanted: str) -> bool:
    return wanted == "any" or actual == wanted or (wanted == "feature" and actual in {"place", "asset"})


def _check_local_ids(doc: AnnotationFile) -> list[Problem]:
    problems, seen = [], set()
    for item in doc.supported:
        if item.id in seen:
            where = Location(item.where.file, item.where.line, f"{item.where.field}.id")
            problems.append(Problem(f"duplicate event or claim id {item.id!r} in this file", where, source="reference"))
        seen.add(item.id)
    return problems


def _check_events(doc: AnnotationFile) -> list[Problem]:
    problems = []
    published = doc.article.published if doc.article else None
    for event in doc.events:
        both = set(event.roles.get("gaining", ())) & set(event.roles.get("losing", ()))
        if both:
            problems.append(
                Problem(
                    f"{', '.join(sorted(both))} both gains and loses control in one event; "
                    "an actor can only be on one side of a change",
                    Location(event.where.file, event.where.line, f"{event.where.field}.losing"),
                    source="reference",
                )
            )
        problems += _check_date(
            event.date, Location(event.where.file, event.where.line, f"{event.where.field}.date"), published
        )
    for claim in doc.claims:
        if claim.place == claim.reference:
            problems.append(Problem("a place cannot be located relative to itself", claim.where, source="reference"))
    problems += _check_facts(doc, published)
    problems += _check_routes(doc, published)
    if doc.article and doc.article.published:
        problems += _check_date(
            doc.article.published, Location(doc.path, doc.article.where.line, "article.published"), None
        )
    return problems


def _check_routes(doc: AnnotationFile, published: DateSpec | None) -> list[Problem]:
    """A route event's ``through`` names an event of the same file; a route in use names no one who
    cut, opened or secured it; its date is a sound one."""
    problems = []
    events = {e.id for e in doc.events}
    for route in doc.routes:
        if route.asset and (route.ends_from or route.ends_to or route.via):
            message = (
                f"route event {route.id!r} gives both an asset ({route.asset!r}) and the ends of an unnamed route; "
                "keep 'asset' for a named road, pipeline or crossing, or 'from'/'to' for a route known by its ends"
            )
            key = "from" if route.ends_from else "to" if route.ends_to else "via"
            problems.append(
                Problem(message, Location(route.where.file, route.where.line, f"{route.where.field}.{key}"))
            )
        if route.type == "used" and route.by:
            message = (
                f"route event {route.id!r} is a route in use, which no one cuts, opens or secures, yet it names "
                f"'by' ({', '.join(route.by)}); give who uses the route as 'supplyOf' and drop 'by', or choose "
                "the type the text reports (cut, opened or secured)"
            )
            problems.append(Problem(message, Location(route.where.file, route.where.line, f"{route.where.field}.by")))
        if route.through is not None and route.through not in events:
            message = (
                f"route event {route.id!r} is said to happen through {route.through!r}, which is not an event "
                f"of this file; give the id of one of its events ({', '.join(sorted(events)) or 'none yet'})"
            )
            where = Location(route.where.file, route.where.line, f"{route.where.field}.through")
            problems.append(Problem(message, where, source="reference"))
        where = Location(route.where.file, route.where.line, f"{route.where.field}.date")
        problems += _check_date(route.date, where, published)
    return problems


def _check_date(spec: DateSpec, where: Location, published: DateSpec | None) -> list[Problem]:
    if spec.earliest and spec.latest and spec.earliest > spec.latest:
        return [Problem(f"the range starts ({spec.earliest}) after it ends ({spec.latest})", where, source="reference")]
    if published and published.latest and spec.earliest and spec.earliest > published.latest:
        return [
            Problem(
                f"dated {spec.earliest}, after the article was published ({published.latest})",
                where,
                source="reference",
            )
        ]
    return []


def _check_facts(doc: AnnotationFile, published: DateSpec | None) -> list[Problem]:
    """Figures and statements point at an event or incident of this file; estimates are ordered;
    nothing is dated (stated, or published, for a cited report) after the article."""
    local = {e.id for e in doc.events} | {i.id for i in doc.incidents}
    problems: list[Problem] = []
    pointers: list[tuple[Fact, str, str]] = [(c, "event", c.event) for c in doc.casualties if c.event]
    pointers += [(s, "about", s.about) for s in doc.statements]
    for item, key, ref in pointers:
        if ref not in local:
            problems.append(
                Problem(
                    f"{ref!r} is not an event or incident of this file; give the id of one of its events or incidents",
                    _at(item, key),
                    source="reference",
                )
            )
    for figure in doc.casualties:
        given = [
            (n, v) for n, v in (("low", figure.low), ("best", figure.best), ("high", figure.high)) if v is not None
        ]
        for (low, a), (high, b) in itertools.pairwise(given):
            if a > b:
                order = " ≤ ".join(n for n, _ in given)
                message = f"estimates must be ordered {order}, but {low} is {a} and {high} is {b}"
                problems.append(Problem(message, _at(figure, high), source="reference"))
                break
    for item, key, spec in doc.dated_facts:
        if not isinstance(item, RouteEvent):  # checked with the route's other fields (_check_routes)
            problems += _check_date(spec, _at(item, key), published)
    return problems


def _at(item: Fact, key: str) -> Location:
    return Location(item.where.file, item.where.line, f"{item.where.field}.{key}")
