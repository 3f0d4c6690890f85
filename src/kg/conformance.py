"""Which mapped graphs are known to conform, so that a rebuild runs SHACL only over what changed.

SHACL (pySHACL) is the slowest step of a build. A graph that conformed passes again as long as
nothing it is checked against has changed: the shapes, the ontology, and the descriptions of the
places, actors and assets it may refer to (``sh:class`` looks at their types, the ``partOf``
cycle check at their relations). :func:`validate` remembers each conforming graph by a digest of
its triples and of all of that, in a small file beside the store, and runs SHACL once over the
graphs it cannot vouch for together with every entity description, so each of their nodes is
checked exactly as it would be in the whole dataset.

A graph that failed is never remembered: its report is made again, the same, every time.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from rdflib import Graph
from rdflib.term import Node

from kg import shacl
from kg.errors import Location
from kg.mapping import MappedGraph
from kg.vocab import KGID

CACHE_FILE = "shacl-conforming.txt"  # graphs that passed SHACL
SCHEMA_FILE = "schema-valid.txt"  # annotation file texts that satisfied the JSON Schema
ENTITY_PREFIXES = tuple(f"{KGID}{kind}/" for kind in ("place", "actor", "asset"))


def digest(lines: Iterable[str]) -> str:
    found = hashlib.sha256()
    for line in sorted(lines):
        found.update(line.encode("utf-8"))
        found.update(b"\n")
    return found.hexdigest()


def _lines(graph: Graph) -> Iterable[str]:
    return (f"{s.n3()} {p.n3()} {o.n3()}" for s, p, o in graph)


def entity_descriptions(graphs: Sequence[MappedGraph]) -> Graph:
    """Every statement about a place, actor or asset (and its geometry), from any graph."""
    found = Graph()
    for mapped in graphs:
        for s, p, o in mapped.graph:
            if str(s).startswith(ENTITY_PREFIXES):
                found.add((s, p, o))
    return found


def validate(
    graphs: Sequence[MappedGraph], shapes: Graph, ontology: Graph, context: str, cache: Path | None
) -> shacl.ShaclOutcome:
    """SHACL over the graphs not already known to conform (``context`` digests the shapes and
    ontology files); ``cache`` is the folder the record of conforming graphs lives in, if any."""
    entities = entity_descriptions(graphs)
    context = digest([context, *_lines(entities)])
    keys = [digest([context, *_lines(m.graph)]) for m in graphs]
    known = remembered(cache, CACHE_FILE)
    todo = [i for i, key in enumerate(keys) if key not in known]
    if not todo:
        return shacl.ShaclOutcome(True, (), shacl.CONFORMS_TURTLE)
    data = Graph()
    data += entities
    origins: dict[Node, Location] = {}
    for i in todo:
        data += graphs[i].graph
        origins.update(graphs[i].origins)
    # no focus_nodes: pySHACL filters its targets through that list one `in` at a time, which is
    # quadratic; the data holds only the graphs to check and the entity descriptions, and those
    # (from graphs already known to conform) pass again as they did
    outcome = shacl.validate(data, shapes, ontology, origins)
    if cache is not None:
        # remembered: what was known and is still here, and — only when SHACL found nothing at
        # all, not even a warning that the next build must report again — what was just checked
        checked = [keys[i] for i in todo] if not outcome.problems else []
        remember(cache, CACHE_FILE, [key for key in keys if key in known] + checked)
    return outcome


def remembered(cache: Path | None, name: str) -> set[str]:
    """The digests recorded in the file ``name`` of the cache folder (none if there is none)."""
    try:
        return set((cache / name).read_text("ascii").split()) if cache else set()
    except (OSError, UnicodeDecodeError):
        return set()


def remember(cache: Path, name: str, keys: Iterable[str]) -> None:
    """Replace the record atomically; a record that cannot be written is only a slower rebuild."""
    try:
        cache.mkdir(parents=True, exist_ok=True)
        temporary = cache / f"{name}.{os.getpid()}.tmp"
        temporary.write_text("".join(f"{k}\n" for k in sorted(set(keys))), "ascii")
        os.replace(temporary, cache / name)
    except OSError:
        pass
