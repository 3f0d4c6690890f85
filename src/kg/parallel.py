"""A build's articles checked on every core, and unchanged ones taken from the quad cache.

Articles are independent until the store load, once the entities they may refer to are known.
:func:`prepare` first checks, in this process, the files that make the entity registry (the shared
entities files, every article that introduces entities of its own) with the links file, through
the one validation sequence (:func:`kg.validation.check_files`). Every other article is then a
hit of the cache (:mod:`kg.quadcache`: the same file, text, registry, ontology, shapes and kg
version) or is parsed, checked, mapped and run through SHACL with the registry's entity
descriptions in a pool of ``KG_BUILD_WORKERS`` processes, in contiguous chunks whose results are
put back in file order: the stored data does not depend on the number of workers.

This path only ever vouches for input without a single problem. When anything is found (an
error, a warning, an article that introduces entities after all), it gives up and the build
checks every file the plain way, serially, so that problems are reported exactly as they always
were, whatever the cache holds and however many workers there are.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import re
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

from rdflib import Graph, URIRef

from kg import __version__, conformance, period_graph, quadcache, shacl, sources, validation
from kg.annotations import Entity
from kg.config import Settings
from kg.mapping import MappedGraph, map_article
from kg.quadcache import Counts, Entry, Key, Manifest
from kg.sources import Source
from kg.store import Guarded, Quads, Store, graph_of, nquads_of
from kg.vocab import GRAPH

INTRODUCES = re.compile(rb"^entities\s*:", re.MULTILINE)
"""An article file whose text may introduce entities: checked with the registry, first."""
Named = tuple[URIRef, Quads]


@dataclass(frozen=True)
class Prepared:
    """What a build stores, when every file passed without a problem."""

    graphs: tuple[tuple[URIRef, Quads], ...]  # named graphs in a stable order
    sources: tuple[Source, ...]  # the registry files, parsed
    counts: Counts  # of the other articles (hits and misses)
    articles: int  # how many of those there are
    ontology: str = ""  # the ontology file's SHA-256
    hits: int = 0


@dataclass(frozen=True)
class _Context:
    """What each worker checks articles against (sent with its chunk: one chunk a worker)."""

    settings: Settings
    registry: dict[str, Entity]
    descriptions: MappedGraph
    key: Key  # with the file and text digests left blank


def workers(settings: Settings) -> int:
    return settings.build_workers or os.cpu_count() or 1


def prepare(settings: Settings, files: Sequence[Path], cache: Path | None) -> Prepared | None:
    """The graphs of a build of ``files``, or None when some file has a problem (or might)."""
    blobs = [sources.read_bytes(path) for path in files]
    first = [p for p, data in zip(files, blobs, strict=True) if _in_registry(p, settings, data)]
    found, problems = sources.load(first, settings.corpus, cache)
    checked = validation.check_files(found, settings, problems, links=True, cache=cache)
    if checked.report.problems:
        return None
    known = sources.registry(s.doc for s in checked.sources)
    descriptions = conformance.entity_descriptions(checked.graphs)
    triples = tuple(sorted(descriptions, key=str))
    registry_digest = conformance.digest(f"{s.n3()} {p.n3()} {o.n3()}" for s, p, o in triples)
    key = Key("", "", registry_digest, quadcache.sha256(settings.ontology.read_bytes()), _shapes(settings), __version__)
    context = _Context(settings, known, MappedGraph(GRAPH.ENTITIES, triples), key)
    chosen = set(first)
    rest = [(p, data) for p, data in zip(files, blobs, strict=True) if p not in chosen]
    entries: list[Entry | None] = [_hit(cache, context, data) if cache else None for _, data in rest]
    misses = [p for (p, _), entry in zip(rest, entries, strict=True) if entry is None]
    made = iter(_check_all(context, misses, workers(settings)))
    done = [entry or next(made) for entry in entries]
    if any(entry is None for entry in done):
        return None
    if cache is not None:
        _remember(cache, done, entries, blobs)
    ordered = [(m.iri, nquads_of(m.iri, m.triples)) for m in checked.graphs]
    return Prepared(
        (*ordered, *((URIRef(e.graph), e.quads) for e in done if e is not None)),
        checked.sources,
        Counts(*(sum(getattr(e.counts, f) for e in done if e) for f in ("mentions", "events", "claims"))),
        len(done),
        key.ontology,
        sum(entry is not None for entry in entries),
    )


def _in_registry(path: Path, settings: Settings, data: bytes) -> bool:
    """Shared entities files, and articles that may introduce entities (JSON ones: not looked into)."""
    return path.parent == settings.data or path.suffix != ".yaml" or INTRODUCES.search(data) is not None


def _shapes(settings: Settings) -> str:
    paths = sorted(settings.shapes.glob("*.ttl")) if settings.shapes.is_dir() else []
    return conformance.digest(f"{p.name} {quadcache.sha256(p.read_bytes())}" for p in paths)


def _hit(cache: Path, context: _Context, data: bytes) -> Entry | None:
    digest = quadcache.sha256(data)
    entry = quadcache.read(cache, digest)
    if entry is None:
        return None
    text = context.settings.corpus / entry.text_file
    try:
        text_digest = quadcache.sha256(text.read_bytes())
    except OSError:
        return None
    wanted = replace(context.key, file=digest, text=text_digest)
    return entry if entry.key == wanted else None


def _remember(
    cache: Path, done: Sequence[Entry | None], entries: Sequence[Entry | None], blobs: Sequence[bytes]
) -> None:
    for entry, before in zip(done, entries, strict=True):
        if before is None and entry is not None:
            quadcache.write(cache, entry)
    quadcache.prune(cache, (quadcache.sha256(data) for data in blobs))


# --------------------------------------------------------------------------- writing only what changed


def manifest(prepared: Prepared, version: str | None) -> Manifest | None:
    """The record of a build just stored (None if the store has no data version to tie it to)."""
    if version is None:
        return None
    return Manifest(version, prepared.ontology, {str(i): quadcache.sha256(q.nquads) for i, q in prepared.graphs})


def changes(previous: Manifest | None, store: Guarded, prepared: Prepared) -> tuple[list[Named], list[str]] | None:
    """The graphs to write and the ones to drop when the store still holds exactly what the last
    build left (same data version, same ontology) and only a few graphs differ; else None."""
    if previous is None or previous.version != store.version() or previous.ontology != prepared.ontology:
        return None
    now = {str(iri): quadcache.sha256(quads.nquads) for iri, quads in prepared.graphs}
    changed = [(iri, quads) for iri, quads in prepared.graphs if previous.graphs.get(str(iri)) != now[str(iri)]]
    removed = [iri for iri in previous.graphs if iri not in now]
    if len(changed) + len(removed) > max(8, len(now) // 10):
        return None  # a bulk load of everything is then about as quick
    return changed, removed


def write_changes(store: Store, changed: Sequence[Named], removed: Sequence[str], build: Graph) -> None:
    """Replace the changed graphs and the build's record in one atomic write, with the control
    periods of the places they touch derived again (:func:`kg.period_graph.keeping`)."""
    add = [*((iri, graph_of(quads)) for iri, quads in changed), (GRAPH.BUILD, build)]
    drop = [*(str(iri) for iri, _ in changed), *removed, str(GRAPH.BUILD)]
    store.apply(add, drop, derive=period_graph.keeping(store, add, drop))


# --------------------------------------------------------------------------- the workers


def _check_all(context: _Context, paths: Sequence[Path], count: int) -> list[Entry | None]:
    """Each article's entry (None for one with any problem), in the order of ``paths``."""
    if not paths:
        return []
    size = -(-len(paths) // count)
    chunks = [list(paths[i : i + size]) for i in range(0, len(paths), size)]
    if count == 1 or len(chunks) == 1:
        return _check_chunk(chunks[0], context)
    # forkserver, not fork: a build may run inside kg serve, whose threads a fork would copy mid-step
    with ProcessPoolExecutor(len(chunks), mp_context=multiprocessing.get_context("forkserver")) as pool:
        return [entry for done in pool.map(_check_chunk, chunks, [context] * len(chunks)) for entry in done]


def _check_chunk(paths: Sequence[Path], context: _Context) -> list[Entry | None]:
    """Parse, check, map and run SHACL over some articles that introduce no entities; every
    entry None as soon as any of them has a problem (the build then checks the plain way)."""
    settings, failed = context.settings, [None] * len(paths)
    found, problems = sources.load(paths, settings.corpus)
    if problems or len(found) != len(paths) or any(s.doc.entities or s.doc.article is None for s in found):
        return list(failed)
    out, verified = validation.check_sources(found, problems, context.registry)
    if out:
        return list(failed)
    mapped = [map_article(s.doc, context.registry, s.text) for s in verified]
    shapes, ontology = shacl.load_shapes(settings.shapes), sources.load_ontology(settings)
    outcome = conformance.validate([context.descriptions, *mapped], shapes, ontology, "", None)
    if outcome.problems:
        return list(failed)
    return [
        _entry(path, source, graph, context.key) for path, source, graph in zip(paths, verified, mapped, strict=True)
    ]


def _entry(path: Path, source: Source, graph: MappedGraph, key: Key) -> Entry:
    doc, text = source.doc, source.text or ""
    assert doc.article is not None
    counts = Counts(sum(len(m.spans) for m in doc.mentions), len(doc.events), len(doc.claims))
    digests = Key(
        hashlib.sha256(path.read_bytes()).hexdigest(),
        quadcache.sha256(text.encode("utf-8")),
        key.registry,
        key.ontology,
        key.shapes,
        key.version,
    )
    return Entry(digests, str(graph.iri), doc.article.file, counts, nquads_of(graph.iri, graph.triples))
