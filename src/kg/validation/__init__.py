"""The one validation sequence: parse → text → references → dates → spans → completeness → map →
size → axioms → SHACL.

Every entrance ends here — ``kg build`` and ``kg validate`` FILE (:func:`check_files`),
``kg submit``, ``kg validate --text``, ``POST /validate`` and ``POST /submissions``
(:func:`check_annotation`, :func:`kg.validation.rdf.check_graph`, called by
:mod:`kg.submissions`) — so the same input gives the same problems in the same words. What
differs between a build and a submission is a parameter, not a second copy of the checks:

- where shared entities come from: the files (``entities.yaml``) or the store;
- whether the article text must be at hand (a submission) or may be missing (a build warns);
- the extra rules of a submission: the article must be new, SHACL runs over the submission
  with the types of the stored things it points at.

Every problem of a file is reported in one run, in line order; a file whose schema problems lie
inside items of mentions, events or claims is checked without those items
(:func:`kg.sources.parse`). The report always carries a W3C SHACL validation report
(:mod:`kg.validation.w3c`), with one ``sh:ValidationResult`` per problem of any stage.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from rdflib import Graph

from kg import annotations, completeness, conformance, date_rules, references, shacl, sources, spans
from kg.annotations import AnnotationFile, Entity
from kg.config import Settings
from kg.errors import Location
from kg.links_mapping import map_links
from kg.mapping import MappedGraph, map_article, map_entities
from kg.report import Problem, ValidationReport
from kg.sources import Source
from kg.store import Store
from kg.validation import axioms, bounds, rdf, stored, w3c

Rule = Callable[[AnnotationFile], list[Problem]]


@dataclass(frozen=True)
class Checked:
    """Everything validation produced: the report, and the graphs when it conforms."""

    report: ValidationReport
    graphs: tuple[MappedGraph, ...] = ()
    sources: tuple[Source, ...] = ()


def finish(
    problems: Sequence[Problem], files: Sequence[str], shacl_turtle: Sequence[str | None] = ()
) -> ValidationReport:
    """The report: problems in line order (file by file), with its W3C SHACL report."""
    rank = {name: i for i, name in enumerate(files)}
    ordered = sorted(problems, key=lambda p: (rank.get(p.where.file or "", len(rank)), p.where.line or 0))
    unique = list(dict.fromkeys(ordered))
    return ValidationReport(tuple(unique), tuple(files), w3c.report_turtle(unique, shacl_turtle))


# --------------------------------------------------------------------------- the shared checks


def check_sources(
    found: Sequence[Source], problems: Sequence[Problem], shared: Mapping[str, Entity], rules: Sequence[Rule] = ()
) -> tuple[list[Problem], list[Source]]:
    """References, the rules given, and offsets against the texts, over parsed files; each
    problem at the field and line of the file as written. The sources come back with offsets
    worked out from their texts."""
    docs = [s.doc for s in found]
    out = list(problems) + references.check_references(docs, shared)
    verified = []
    for source in found:
        out += [p for rule in rules for p in rule(source.doc)]
        out += date_rules.check_dates(source.doc)
        if source.doc.article is not None and source.text is not None:
            resolution = spans.resolve(source.doc, source.text)
            out += spans.check_stored(source.doc, source.text, resolution)
            source = replace(source, doc=resolution.doc)
        elif source.doc.article is not None:
            out += spans.check_stored(source.doc, None)
        verified.append(source)
    return _placed(out, found), verified


def _placed(problems: Sequence[Problem], found: Sequence[Source]) -> list[Problem]:
    by_path = {s.doc.path: s for s in found}
    out = []
    for problem in problems:
        source = by_path.get(problem.where.file or "")
        if source is not None and problem.source != "schema":
            problem = source.restore(annotations.pinpoint(source.doc, problem))
        out.append(problem)
    return out


# --------------------------------------------------------------------------- files: build and kg validate


def check_files(
    found: Sequence[Source],
    settings: Settings,
    problems: Sequence[Problem] = (),
    *,
    links: bool = False,
    cache: Path | None = None,
    files: Sequence[str] | None = None,
) -> Checked:
    """Files with the shared entities among them (a build, ``kg validate`` FILE), and, with
    ``links``, the review file of gazetteer links in ``KG_DATA``; ``files`` names the ones
    reported on (all of them unless given).

    With ``cache`` (a folder), graphs already known to conform are not run through SHACL again
    (:mod:`kg.conformance`).
    """
    names = tuple(files if files is not None else (s.doc.path for s in found))
    order = [*names, *(s.doc.path for s in found), str(sources.links_file(settings))]
    if _unreadable(problems, found):
        return Checked(finish(problems, order))  # a file with no objects at all: its ids are unknown
    out, verified = check_sources(found, problems, {})
    if any(p.severity == "error" for p in out):
        return Checked(finish(out, order))
    docs = [s.doc for s in verified]
    known = sources.registry(docs)
    out += completeness.floating((e for d in docs for e in d.entities), known)
    graphs = [map_entities(docs, known)]
    graphs += [map_article(s.doc, known, s.text) for s in verified if s.doc.article is not None]
    if links:
        found_links, link_problems = sources.read_links(settings, known)
        link_problems += completeness.coordinate_conflicts(docs, found_links)
        if link_problems:
            return Checked(finish([*out, *link_problems], order))
        graphs.append(map_links(found_links, known))
    shapes, ontology = shacl.load_shapes(settings.shapes), sources.load_ontology(settings)
    outcome = conformance.validate(graphs, shapes, ontology, sources.shacl_context(settings), cache)
    report = finish([*out, *_placed(outcome.problems, verified)], order, [outcome.report_turtle])
    report = replace(report, files=names)
    return Checked(report, tuple(graphs) if report.conforms else (), tuple(verified))


def _unreadable(problems: Sequence[Problem], found: Sequence[Source]) -> bool:
    parsed = {s.doc.path for s in found}
    return any(p.severity == "error" and p.source == "schema" and p.where.file not in parsed for p in problems)


def validate_paths(paths: Sequence[Path], settings: Settings) -> ValidationReport:
    """``kg validate`` FILE: annotation files with the shared entities of ``KG_DATA``; store nothing."""
    extra = sources.shared_entities(settings, paths)
    found, problems = sources.load([*extra, *paths], settings.corpus)
    checked = check_files(found, settings, problems, files=[str(p) for p in paths])
    return checked.report


# --------------------------------------------------------------------------- one submission


@dataclass(frozen=True)
class Submitted:
    """One submission's outcome: the report, and its statements when it conforms."""

    report: ValidationReport
    graph: Graph | None = None


def check_annotation(name: str, text: str, sent: bytes | None, settings: Settings, store: Store) -> Submitted:
    """One annotation file as a submission: entities from the store, the text sent (or the
    corpus's), the article new to the graph, SHACL over the submission alone."""
    source, problems = sources.parse(text, name)
    files = (name,)
    if source is None:
        return Submitted(finish(problems, files))
    if source.doc.article is None:
        problem = Problem("a submission is one article's annotations: it needs an 'article' section", Location(name, 1))
        return Submitted(finish([*problems, problem], files))
    article, found = sources.article_text(source.doc, settings.corpus, sent)
    problems += [_required(p) for p in found]
    source = replace(source, text=article)
    shared = stored.entities(store, stored.referenced_ids(source.doc))
    out, (verified,) = check_sources([source], problems, shared, [lambda doc: stored.article_is_new(store, doc)])
    if any(p.severity == "error" for p in out):
        return Submitted(finish(out, files))
    assert verified.text is not None
    known = {**shared, **sources.registry([verified.doc])}
    out += completeness.floating(verified.doc.entities, known, stored.grounded(store, shared))
    mapped = map_article(verified.doc, known, verified.text)
    refused = bounds.problems(mapped.graph, name, settings) or axioms.problems(
        mapped.graph, name, sources.load_ontology(settings)
    )
    if refused:
        return Submitted(finish([*out, *refused], files))
    outcome = stored.check_shacl(mapped.graph, dict(mapped.origins), settings, store)
    report = finish([*out, *_placed(outcome.problems, [verified])], files, [outcome.report_turtle])
    return Submitted(report, mapped.graph if report.conforms else None)


def _required(problem: Problem) -> Problem:
    """A submission needs its text: the build's warning that it is missing becomes an error."""
    if problem.severity != "warning" or problem.where.field != "article.file":
        return problem
    message = problem.message.split(";")[0] + " in the corpus: send it with the annotation file (--text, or text=)"
    return replace(problem, message=message, severity="error")


def check_rdf(graph: Graph, problems: Sequence[Problem], name: str, settings: Settings, store: Store) -> Submitted:
    """One RDF document as a submission (``problems``: what reading it found, e.g. named graphs)."""
    files = (name,)
    too_large = bounds.problems(graph, name, settings)
    if too_large:
        return Submitted(finish([*problems, *too_large], files))
    out = [*problems, *axioms.problems(graph, name, sources.load_ontology(settings)), *rdf.problems(graph, name, store)]
    if any(p.severity == "error" for p in out):
        return Submitted(finish(out, files))
    origins = {s: Location(name, node=str(s)) for s in set(graph.subjects())}
    outcome = stored.check_shacl(graph, origins, settings, store)
    report = finish([*out, *outcome.problems], files, [outcome.report_turtle])
    return Submitted(report, graph if report.conforms else None)
