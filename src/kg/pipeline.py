"""The pipeline: build, reason, export — parse → resolve and verify → map → SHACL → store.

One function per action, shared by the CLI and the web layer:

- :func:`build` checks everything under ``KG_DATA`` (with :mod:`kg.validation`, the sequence
  every entrance shares) and, only if it all conforms, replaces the store atomically;
- :func:`validate` checks annotation files and stores nothing;
- :func:`reason` and :func:`export` read the built store;
- :func:`resolve_files` writes quote offsets into annotation files (``kg annotate --resolve``).

Files are read by :mod:`kg.sources`. Nothing reaches the store unless the whole input passed
validation.
"""

import hashlib
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rdflib import Graph, Literal, URIRef

from kg import annotations, parallel, quadcache, reasoning, shacl, spans, validation
from kg.annotations import AnnotationFile, Span
from kg.config import Settings
from kg.errors import StoreError
from kg.quadcache import Counts
from kg.report import Problem, ValidationReport
from kg.sources import (
    Source,
    article_text,
    conformance_cache,
    data_files,
    links_file,
    load,
    load_ontology,
    read_text,
)
from kg.store import Quads, Store, nquads_of, open_store
from kg.vocab import GRAPH, KG, KGID

Progress = Callable[[str], None]


@dataclass(frozen=True)
class BuildReport:
    """What ``kg build`` did."""

    report: ValidationReport
    stored: bool
    store: str
    articles: int = 0
    entities: int = 0
    mentions: int = 0
    events: int = 0
    claims: int = 0
    quads: int = 0
    inferred: int = 0  # triples in the inferred graph (build --reason)
    graphs: int = 0
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)
    up_to_date: bool = False  # build --if-changed found the store built from these very inputs
    submissions_kept: int = 0  # stored submissions kept, checked again and still conforming
    submissions_retracted: int = 0  # retracted ones, whose records are kept
    set_aside: tuple[Any, ...] = ()  # kg.retention.SetAside: kept, out of the queried data, reported

    @property
    def quads_per_second(self) -> float:
        return self.quads / self.seconds if self.seconds else 0.0


@dataclass(frozen=True)
class ResolveOutcome:
    path: str
    changed: bool
    problems: tuple[Problem, ...]


def validate(paths: Sequence[Path], settings: Settings) -> ValidationReport:
    """Check annotation files (with the shared entities they refer to); store nothing."""
    return validation.validate_paths(paths, settings)


# --------------------------------------------------------------------------- building


def build(
    settings: Settings, progress: Progress | None = None, *, reason: bool = False, if_changed: bool = False
) -> BuildReport:
    """Validate everything under ``KG_DATA``; if it conforms, replace the store atomically,
    keeping every submission (:mod:`kg.retention`).

    With ``reason``, the OWL reasoner must also find the data consistent (or the build fails
    with its explanation), and what it infers is stored as the graph ``GRAPH.INFERRED``. With
    ``if_changed``, a store built from exactly these inputs is left alone (``up_to_date``).
    """
    started = time.perf_counter()
    timings: dict[str, float] = {}
    note = progress or (lambda _step: None)
    digest = inputs_digest(settings, reason=reason)
    if if_changed and stored_digest(settings) == digest:
        return BuildReport(ValidationReport(), stored=False, store=settings.store, up_to_date=True)
    note("reading annotations")
    cache = conformance_cache(settings)
    files = data_files(settings)
    prepared = None if reason else parallel.prepare(settings, files, cache)
    if prepared is not None:
        timings["parse"], timings["validate"] = 0.0, time.perf_counter() - started
        note("storing")
        named = [*_fixed(settings, digest), *prepared.graphs]
        mark = time.perf_counter()
        kept, info = _swap(settings, named, prepared, cache)
        timings["store"] = time.perf_counter() - mark
        report = validation.finish((), [str(p) for p in files], [shacl.CONFORMS_TURTLE])
        return _built(report, prepared.sources, prepared, named, info, kept, time.perf_counter() - started, timings)
    sources, problems = load(files, settings.corpus, cache)
    timings["parse"] = time.perf_counter() - started
    note("validating")
    checked = validation.check_files(sources, settings, problems, links=True, cache=cache)
    timings["validate"] = time.perf_counter() - started - timings["parse"]
    if not checked.report.conforms:
        return BuildReport(
            checked.report, stored=False, store=settings.store, seconds=time.perf_counter() - started, timings=timings
        )
    note("storing")
    ontology = load_ontology(settings)
    named = [*_fixed(settings, digest), *((m.iri, nquads_of(m.iri, m.triples)) for m in checked.graphs)]
    if reason:
        outcome = reasoning.infer(_union(m.graph for m in checked.graphs), ontology)
        timings["reason"] = outcome.seconds
        if not outcome.consistent:
            return BuildReport(
                checked.report.merged(outcome.problems),
                stored=False,
                store=settings.store,
                seconds=time.perf_counter() - started,
                timings=timings,
            )
        named.append((GRAPH.INFERRED, outcome.inferred))
    mark = time.perf_counter()
    kept, info = _swap(settings, named, None, cache)
    timings["store"] = time.perf_counter() - mark
    return _built(checked.report, checked.sources, None, named, info, kept, time.perf_counter() - started, timings)


def _fixed(settings: Settings, digest: str) -> list[tuple[URIRef, Graph | Quads]]:
    """The graphs every build stores whatever the data: the ontology and the build's record."""
    return [(GRAPH.ONTOLOGY, load_ontology(settings)), (GRAPH.BUILD, _digest_graph(digest))]


def _swap(
    settings: Settings,
    named: list[tuple[URIRef, Graph | Quads]],
    prepared: parallel.Prepared | None = None,
    cache: Path | None = None,
) -> tuple[Any, Any]:
    """The final step, under the store's write lock so that no write falls in between: collect
    the submissions, check them again against the new build, and swap. When the store holds what
    the last build through the quad cache left and no submission is kept, only the graphs that
    changed are written (:func:`kg.parallel.changes`)."""
    from kg import retention  # L4 beside this one; it uses kg.submissions, which uses this module

    store = open_store(settings, create=True)
    previous = quadcache.read_manifest(cache) if cache is not None and prepared is not None else None
    try:
        with store.exclusive():
            found, retracted = retention.collect(store) if _has_data(store) else ([], 0)
            plan = parallel.changes(previous, store, prepared) if prepared is not None and not found else None
            if plan is not None:
                record = next(g for iri, g in named if iri == GRAPH.BUILD)
                assert isinstance(record, Graph)
                parallel.write_changes(store, *plan, record)
                kept = retention.Retention(retracted=retracted)
            else:
                kept = retention.recheck(found, named, settings, retracted)
                graphs = retention.with_periods([*named, *kept.graphs])
                store.replace_all(graphs, keep=retention.KEEP, drop=kept.replaced)
            version = store.version()
        if cache is not None:
            quadcache.write_manifest(cache, parallel.manifest(prepared, version) if prepared is not None else None)
        return kept, store.info()
    finally:
        store.close()


def _has_data(store: Store) -> bool:
    try:
        return bool(store.query("ASK { GRAPH ?g { ?s ?p ?o } }").boolean)
    except StoreError:
        return False


def _built(
    report: ValidationReport,
    checked: Sequence[Source],
    prepared: parallel.Prepared | None,
    named: list[tuple[URIRef, Graph | Quads]],
    info: Any,
    kept: Any,
    seconds: float,
    timings: dict[str, float],
) -> BuildReport:
    """The report of a stored build: ``checked`` are the files parsed (all of them, or the
    registry's when ``prepared`` holds the other articles, counted)."""
    docs = [s.doc for s in checked]  # with offsets resolved from the texts
    articles = [d for d in docs if d.article is not None]
    more = prepared.counts if prepared is not None else Counts()
    return BuildReport(
        report,
        stored=True,
        store=info.location,
        articles=len(articles) + (prepared.articles if prepared is not None else 0),
        entities=sum(len(d.entities) for d in docs),
        mentions=sum(len(m.spans) for d in articles for m in d.mentions) + more.mentions,
        events=sum(len(d.events) for d in articles) + more.events,
        claims=sum(len(d.claims) for d in articles) + more.claims,
        quads=info.quads,
        inferred=sum(len(g) for iri, g in named if iri == GRAPH.INFERRED),
        graphs=len(info.graphs),
        seconds=seconds,
        timings=timings,
        submissions_kept=kept.kept,
        submissions_retracted=kept.retracted,
        set_aside=kept.set_aside,
    )


def inputs_digest(settings: Settings, *, reason: bool = False) -> str:
    """A digest of everything a build reads: the annotation and links files, the corpus texts,
    the ontology, the shapes, kg's version and the --reason flag."""
    from kg import __version__

    folder = settings.data
    files = [*data_files(settings), *([links_file(settings)] if links_file(settings).is_file() else [])]
    texts = sorted(settings.corpus.glob("*.txt")) if settings.corpus.is_dir() else []
    shapes = sorted(settings.shapes.glob("*.ttl")) if settings.shapes.is_dir() else []
    parts = [f"kg {__version__} reason={reason}"]
    for group, paths in (("data", files), ("corpus", texts), ("shapes", shapes), ("ontology", [settings.ontology])):
        for path in paths:
            name = path.relative_to(folder) if group == "data" else path.name
            body = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "absent"
            parts.append(f"{group} {name} {body}")
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()


def stored_digest(settings: Settings) -> str | None:
    """The inputs digest the store's last build recorded, or None (no store, or none recorded)."""
    try:
        store = open_store(settings)
    except StoreError:
        return None
    try:
        query = f"SELECT ?d WHERE {{ GRAPH <{GRAPH.BUILD}> {{ ?b <{KG.inputsDigest}> ?d }} }}"
        values = store.query(query).column("d")
    except StoreError:
        return None
    finally:
        store.close()
    return values[0] if values else None


def _digest_graph(digest: str) -> Graph:
    graph = Graph()
    graph.add((KGID["build"], KG.inputsDigest, Literal(digest)))
    return graph


def _union(graphs: Iterable[Graph]) -> Graph:
    union = Graph()
    for graph in graphs:
        union += graph
    return union


def reason(settings: Settings) -> reasoning.Reasoning:
    """Reason over the stored data (every graph but the ontology and the inferred one)."""
    import warnings

    from rdflib import Dataset

    dataset = Dataset()
    with warnings.catch_warnings():  # rdflib 7's N-Quads parser uses its own deprecated default_context
        warnings.simplefilter("ignore", DeprecationWarning)
        dataset.parse(data=export(settings, "nquads"), format="nquads")
    skip = {GRAPH.ONTOLOGY, GRAPH.INFERRED}
    data = _union(g for g in dataset.graphs() if g.identifier not in skip)
    return reasoning.infer(data, load_ontology(settings))


def open_or_empty(settings: Settings) -> Store:
    """The store if one has been built, or an empty one to check submissions against."""
    try:
        return open_store(settings)
    except StoreError:
        from kg.store.embedded import EmbeddedStore

        return EmbeddedStore.open(None)


def export(settings: Settings, fmt: str) -> bytes:
    """The whole dataset as TriG or N-Quads."""
    store = open_store(settings)
    try:
        return store.export(fmt)
    finally:
        store.close()


# --------------------------------------------------------------------------- resolving


def resolve_files(
    paths: Sequence[Path], settings: Settings, *, write: bool = True, text: bytes | None = None
) -> list[ResolveOutcome]:
    """Work out the offsets of every quote and write them into each file; against ``text``
    (an article not in the corpus, as ``kg annotate --text``) when given."""
    outcomes = []
    for path in paths:
        tree = annotations.read_tree(read_text(path), str(path))
        problems = annotations.check_schema(tree, str(path))
        if problems:
            outcomes.append(ResolveOutcome(str(path), False, tuple(problems)))
            continue
        doc = annotations.from_tree(tree, str(path))
        if doc.article is None:
            outcomes.append(ResolveOutcome(str(path), False, ()))
            continue
        found, problems = article_text(doc, settings.corpus, text)
        if found is None:
            outcomes.append(
                ResolveOutcome(
                    str(path),
                    False,
                    tuple(problems) or (Problem("the article text is needed to resolve quotes", doc.article.where),),
                )
            )
            continue
        resolution = spans.resolve(doc, found)
        if resolution.changed and write and not resolution.problems:
            _write_offsets(tree, resolution.doc)
            path.write_text(annotations.dump_tree(tree), "utf-8")
        outcomes.append(ResolveOutcome(str(path), resolution.changed, resolution.problems))
    return outcomes


def _pair(span: Span) -> list[int]:
    return [span.start, span.end]


def _write_offsets(tree: Any, doc: AnnotationFile) -> None:
    """Put resolved offsets into the round-trip tree; keys keep their order and comments."""
    for item, mention in zip(tree.get("mentions") or (), doc.mentions, strict=True):
        spans_list = annotations.flow_list([annotations.flow_list(_pair(s)) for s in mention.spans])
        annotations.set_key(item, "spans", spans_list)
    raw_items = [raw for section in annotations.FACT_SECTIONS for raw in tree.get(section) or ()]
    for raw_item, item in zip(raw_items, doc.supported, strict=True):
        for raw_ev, ev in zip(raw_item["evidence"], item.evidence, strict=True):
            if ev.span is not None:
                annotations.set_key(raw_ev, "span", annotations.flow_list(_pair(ev.span)))
