"""The reconciliation service's manifest, and suggest: completing what someone types in
OpenRefine's search boxes.

The actions behind ``/reconcile`` (its manifest), ``/reconcile/suggest/entity``,
``/reconcile/suggest/type`` and ``/reconcile/suggest/property`` (W3C Entity Reconciliation API
0.2). An entity suggestion finds an entity by the start of any of its names (as typed, or folded
by :mod:`kg.names`) or by its id (``place/homs``, the whole IRI, or the start of either), and
keeps to the types asked for.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kg import __version__, names
from kg.reconcile import DEFAULT_TYPES, IDS, ONTOLOGY, PROPERTIES, Entity, Index


def suggest(index: Index, prefix: str, *, cursor: int = 0, limit: int = 10, types: Sequence[str] = ()) -> list[Entity]:
    """Entities of ``types`` (any, if none) whose id or a name begins with ``prefix``: an id
    first, then names, the shortest matching name first."""
    wanted, folded = prefix.strip().casefold(), names.fold(prefix)
    if not wanted:
        return []
    hits = []
    for entity in index.entities:
        if types and not entity.types & set(types):
            continue
        if _id_starts(entity, prefix.strip()):
            hits.append((-1, entity.id, entity))
            continue
        starts = [n for n in entity.names if n.casefold().startswith(wanted) or names.fold(n).startswith(folded)]
        if not starts and folded:
            starts = [n for n in entity.names if any(w.startswith(folded) for w in names.fold(n).split())]
        if starts:
            hits.append((min(len(n) for n in starts), entity.label.casefold(), entity))
    hits.sort(key=lambda h: (h[0], h[1]))
    return [entity for _, _, entity in hits[cursor : cursor + limit]]


def _id_starts(entity: Entity, prefix: str) -> bool:
    """``place/hom``, ``place/homs`` or the IRI: an id needs its kind and slash to count."""
    relative = prefix.removeprefix(IDS).strip("/")
    return "/" in relative and entity.id.startswith(relative)


def suggest_types(index: Index, prefix: str) -> list[dict[str, str]]:
    """The kg classes the graph's entities have (and the default types) whose id or name begins
    with ``prefix`` (every one for an empty prefix)."""
    wanted = prefix.strip().casefold()
    found = dict(DEFAULT_TYPES)
    for entity in index.entities:
        found.setdefault(entity.main_type, entity.type_label)
    return [
        {"id": tid, "name": name}
        for tid, name in sorted(found.items())
        if tid.casefold().startswith(wanted) or any(w.startswith(wanted) for w in name.casefold().split())
    ]


def suggest_properties(prefix: str) -> list[dict[str, str]]:
    """The properties a query may give whose id or name begins with ``prefix``."""
    wanted = prefix.strip().casefold()
    return [
        {"id": pid, "name": name}
        for pid, (name, _) in PROPERTIES.items()
        if pid.casefold().startswith(wanted) or name.startswith(wanted)
    ]


def manifest(base_url: str) -> dict[str, Any]:
    """The service manifest: what OpenRefine reads when the service is added."""
    base = base_url.rstrip("/")
    return {
        "versions": ["0.2"],
        "name": "kg: places, infrastructure and actors of the Syrian conflict",
        "identifierSpace": IDS,
        "schemaSpace": ONTOLOGY,
        "serviceVersion": __version__,
        "defaultTypes": [{"id": i, "name": n} for i, n in DEFAULT_TYPES],
        "view": {"url": f"{base}/id/{{{{id}}}}"},
        "preview": {"url": f"{base}/reconcile/preview?id={{{{id}}}}", "width": 420, "height": 200},
        "suggest": {
            "entity": {"service_url": base, "service_path": "/reconcile/suggest/entity"},
            "type": {"service_url": base, "service_path": "/reconcile/suggest/type"},
            "property": {"service_url": base, "service_path": "/reconcile/suggest/property"},
        },
    }
