"""Submissions: new material, validated before anything is stored, each in its own graph.

One path for every entrance — ``kg validate``, ``kg submit``, ``POST /validate`` and
``POST /submissions`` all call :func:`check`, and only :func:`submit` writes:

1. read: an annotation file (YAML/JSON) with its article text, or an RDF document (Turtle,
   N-Triples, JSON-LD, TriG, N-Quads, RDF/XML) that uses the ontology; size, UTF-8, nesting,
   DTDs and remote JSON-LD contexts are refused before any parser sees them;
2. check: the annotation checks of the build (schema, quotes and offsets against the text,
   SHA-256, references — here also to entities already stored), RDF checks (no named graphs,
   http(s)/urn IRIs only, only terms the ontology declares, every kg reference resolvable);
3. SHACL over the submission plus the types of the stored things it refers to, with the
   submission's subjects as focus nodes — so the cost does not grow with the store;
4. store (``submit``): the submission's own named graph and its PROV record, in one atomic
   write; the id is the SHA-256 of the inputs, so identical input is stored once.
"""

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, XSD

from kg import __version__, annotations, references, shacl, spans
from kg.annotations import AnnotationFile, Entity
from kg.config import Settings
from kg.errors import Conflict, InputError, Location, NotFound
from kg.mapping import map_article
from kg.pipeline import load_ontology
from kg.report import Problem, ValidationReport
from kg.store import RdfTerm, Store, parse_rdf
from kg.vocab import GRAPH, KG, KGID, PROV

RDF_TYPES = {  # media type or file ending → RDF syntax (kg.store.RDF_SYNTAXES)
    "text/turtle": "turtle",
    ".ttl": "turtle",
    "application/n-triples": "ntriples",
    ".nt": "ntriples",
    "application/ld+json": "jsonld",
    ".jsonld": "jsonld",
    "application/trig": "trig",
    ".trig": "trig",
    "application/n-quads": "nquads",
    ".nq": "nquads",
    "application/rdf+xml": "rdfxml",
    ".rdf": "rdfxml",
    ".xml": "rdfxml",
}
ANNOTATION_ENDINGS = (".yaml", ".yml", ".json")
MAX_DEPTH = 64
KG_NS, KGID_NS = str(KG), str(KGID)
KINDS = {"place": "place", "actor": "actor", "asset": "asset"}


class TooLarge(InputError):
    """A submission over the size limit."""

    status = 413


@dataclass(frozen=True)
class Inputs:
    """What was submitted: an annotation file and its text, or one RDF document."""

    name: str
    data: bytes
    rdf_format: str | None = None  # a key of RDF_TYPES for RDF; None for an annotation file
    text: bytes | None = None  # the article text, for an annotation file

    @cached_property
    def sha256s(self) -> tuple[str, ...]:
        found = [hashlib.sha256(self.data).hexdigest()]
        if self.text is not None:
            found.append(hashlib.sha256(self.text).hexdigest())
        return tuple(found)

    @cached_property
    def id(self) -> str:
        return hashlib.sha256("\n".join(self.sha256s).encode()).hexdigest()[:24]


@dataclass(frozen=True)
class Checked:
    report: ValidationReport
    graph: Graph | None = None  # the submission's statements, when it conforms


@dataclass(frozen=True)
class Stored:
    id: str
    graph: str
    created: bool  # False when identical input was already stored
    report: ValidationReport


# --------------------------------------------------------------------------- reading


def guess_kind(name: str, media_type: str | None = None) -> str | None:
    """The RDF format key for a file name or media type, or None for an annotation file."""
    if media_type and media_type in RDF_TYPES:
        return media_type
    ending = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ending in RDF_TYPES:
        return ending
    if ending in ANNOTATION_ENDINGS or media_type in {"application/json", "application/yaml", "text/yaml", None}:
        return None
    raise InputError(f"cannot tell what {name} is", hint="use .yaml/.json for annotations or an RDF file ending")


def _text(data: bytes, name: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"not valid UTF-8: byte {exc.start} (0x{data[exc.start]:02x}) cannot start or continue a character",
            where=Location(name),
            hint="save the file as UTF-8",
        ) from None


def _check_size_and_shape(inputs: Inputs, settings: Settings) -> None:
    size = len(inputs.data) + len(inputs.text or b"")
    if size > settings.max_body:
        raise TooLarge(
            f"{size:,} bytes is over the limit of {settings.max_body:,} (KG_MAX_BODY)", where=Location(inputs.name)
        )
    if not inputs.data.strip():
        raise InputError("the submission is empty", where=Location(inputs.name), hint="send an annotation file or RDF")
    is_xml = inputs.rdf_format is not None and RDF_TYPES[inputs.rdf_format] == "rdfxml"
    check_nesting(inputs.data, inputs.name, xml=is_xml)


def check_nesting(data: bytes, name: str, *, xml: bool = False) -> None:
    """Refuse documents nested deeper than any real one, before a recursive parser sees them."""
    depth = deepest_xml(data) if xml else deepest(data)
    if depth > MAX_DEPTH:
        raise InputError(f"nested {depth} levels deep (at most {MAX_DEPTH})", where=Location(name))


def deepest_xml(data: bytes) -> int:
    """The deepest nesting of XML elements."""
    depth = most = 0
    for closing, selfclosing in re.findall(rb"<(/?)[A-Za-z_][^<>]*?(/?)>", data):
        if closing:
            depth = max(0, depth - 1)
        elif not selfclosing:
            depth += 1
            most = max(most, depth)
    return most


def deepest(data: bytes) -> int:
    """The deepest nesting of brackets, braces and parentheses, cheaply, before any parser.

    Quotes are not tracked on purpose: a stray quote must not hide what follows. A string
    holding 64 unclosed brackets would be refused too, which no real document does.
    """
    depth = most = 0
    for byte in data:
        if byte in b"[{(":
            depth += 1
            most = max(most, depth)
        elif byte in b"]})":
            depth = max(0, depth - 1)
    return most


# --------------------------------------------------------------------------- checking


def check(inputs: Inputs, settings: Settings, store: Store) -> Checked:
    """Validate one submission against the ontology, the shapes and what the store holds."""
    _check_size_and_shape(inputs, settings)
    if inputs.rdf_format is None:
        return _check_annotation(inputs, settings, store)
    return _check_rdf(inputs, settings, store)


def _check_annotation(inputs: Inputs, settings: Settings, store: Store) -> Checked:
    name = inputs.name
    try:
        doc, problems = annotations.parse(_text(inputs.data, name), name)
    except RecursionError:
        raise InputError("nested too deeply to read", where=Location(name)) from None
    files = (name,)
    if doc is None:
        return Checked(ValidationReport(tuple(problems), files))
    if doc.article is None:
        problem = Problem("a submission is one article's annotations: it needs an 'article' section", Location(name, 1))
        return Checked(ValidationReport((problem,), files))
    text = _article_text(inputs, doc, problems, settings.corpus)
    stored = stored_entities(store, _referenced_ids(doc) | {e.id for e in doc.entities})
    problems += references.check_references([doc], stored)
    problems += _article_is_new(store, doc)
    resolution = spans.resolve(doc, text) if text is not None else None
    problems += spans.check_stored(doc, text, resolution)
    problems = [annotations.pinpoint(doc, p) for p in problems]
    if any(p.severity == "error" for p in problems) or resolution is None:
        return Checked(ValidationReport(tuple(problems), files))
    resolved = resolution.doc
    registry = {**stored, **{e.id: e for e in resolved.entities}}
    mapped = map_article(resolved, registry, text)
    return _shacl(mapped.graph, dict(mapped.origins), problems, files, settings, store)


def _article_text(inputs: Inputs, doc: AnnotationFile, problems: list[Problem], corpus: Path | None) -> str | None:
    assert doc.article is not None
    where = Location(doc.path, annotations.line_of(doc.tree, ["article", "sha256"]), "article.sha256")
    text = inputs.text
    if text is None and corpus is not None and (corpus / doc.article.file).is_file():
        text = (corpus / doc.article.file).read_bytes()  # an article the server's corpus already has
    if text is None:
        problems.append(Problem("the article text is missing: send it with the annotation file", where))
        return None
    digest = hashlib.sha256(text).hexdigest()
    if digest != doc.article.sha256:
        problems.append(
            Problem(f"the article text sent has SHA-256 {digest}, the file records {doc.article.sha256}", where)
        )
        return None
    try:
        return text.decode("utf-8")
    except UnicodeDecodeError as exc:
        problems.append(Problem(f"the article text is not UTF-8 (byte {exc.start})", where))
        return None


def _referenced_ids(doc: AnnotationFile) -> set[str]:
    return {ref for ref, _kind, _where in references.iter_references(doc)}


def stored_entities(store: Store, ids: Iterable[str]) -> dict[str, Entity]:
    """The stored entities among ``ids`` (already checked to be plain ids), as Entity stubs."""
    found: dict[str, Entity] = {}
    for entity_id in sorted(set(ids)):
        for kind in KINDS:
            iri = f"{KGID_NS}{kind}/{entity_id}"
            result = store.query("SELECT ?iri ?type WHERE { ?iri a ?type }", {"iri": RdfTerm("uri", iri)})
            types = [row["type"].value for row in result.rows if row["type"].value.startswith(KG_NS)]
            if types:
                found[entity_id] = Entity(
                    entity_id, kind, types[0][len(KG_NS) :], entity_id, (), {}, None, None, Location(node=iri)
                )
                break
    return found


def _article_is_new(store: Store, doc: AnnotationFile) -> list[Problem]:
    assert doc.article is not None
    iri = f"{KGID_NS}article/{doc.article.stem}"
    if store.query("ASK { ?iri ?p ?o }", {"iri": RdfTerm("uri", iri)}).boolean:
        message = f"article {doc.article.file} is already in the graph; a submission adds a new article"
        return [Problem(message, Location(doc.path, doc.article.where.line, "article.file"))]
    return []


def _check_rdf(inputs: Inputs, settings: Settings, store: Store) -> Checked:
    name = inputs.name
    assert inputs.rdf_format is not None
    body = inputs.data
    if RDF_TYPES[inputs.rdf_format] == "rdfxml" and re.search(rb"<!(DOCTYPE|ENTITY)", body):
        raise InputError(
            "RDF/XML with a DTD or entities is refused (they could read files or expand without end)",
            where=Location(name),
            hint="remove the <!DOCTYPE …> declaration",
        )
    if RDF_TYPES[inputs.rdf_format] == "jsonld":
        _check_jsonld_ids(body, name)
    quads = parse_rdf(body, RDF_TYPES[inputs.rdf_format], where=name)
    graph = Graph()
    problems: list[Problem] = []
    for quad in quads:
        if quad.graph is not None:
            if any(quad.graph.n3() in (p.where.node or "") for p in problems):
                continue
            problems.append(
                Problem(
                    f"statements in the named graph <{quad.graph.value}>: a submission is stored as its own "
                    "graph and may not write into others",
                    Location(name, node=quad.graph.n3()),
                    source="rdf",
                )
            )
            continue
        terms = [_skolem(_rdflib(t), inputs.id) for t in (quad.subject, quad.predicate, quad.object)]
        graph.add(tuple(terms))  # type: ignore[arg-type]
    if not len(graph) and not problems:
        raise InputError("the document holds no statements", where=Location(name))
    problems += _rdf_problems(graph, name, store)
    files = (name,)
    if any(p.severity == "error" for p in problems):
        return Checked(ValidationReport(tuple(problems), files))
    origins = {s: Location(name, node=str(s)) for s in set(graph.subjects())}
    return _shacl(graph, origins, problems, files, settings, store)


def _check_jsonld_ids(body: bytes, name: str) -> None:
    """JSON-LD parsers drop a statement whose @id is not an IRI, silently; refuse it instead."""
    import json

    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        return  # the JSON-LD parser says what is wrong with it
    stack = [document]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                if (
                    key in {"@id", "@type", "@vocab", "@base"}
                    and isinstance(value, str)
                    and re.search(r"[\s<>\"{}|^`\\]", value)
                ):
                    raise InputError(
                        f"{key} {value!r} is not an IRI (it has spaces or forbidden characters)",
                        where=Location(name),
                        hint="percent-encode it or fix the identifier",
                    )
                stack.append(value)
        elif isinstance(node, list):
            stack.extend(node)


def _skolem(term: object, submission_id: str) -> object:
    """A blank node as an IRI of its submission, so every node can be a SHACL focus node and a
    stored submission has no blank nodes to tell apart."""
    from rdflib import BNode

    if isinstance(term, BNode):
        return URIRef(f"{KGID_NS}submission/{submission_id}/node/{term}")
    return term


def _rdflib(term: RdfTerm) -> object:
    from rdflib import BNode

    if term.kind == "uri":
        return URIRef(term.value)
    if term.kind == "bnode":
        return BNode(term.value)
    return Literal(term.value, lang=term.lang, datatype=None if term.lang else URIRef(term.datatype or XSD.string))


def _rdf_problems(graph: Graph, name: str, store: Store) -> list[Problem]:
    problems: list[Problem] = []
    declared = {str(t) for t in load_vocabulary()}
    for s, p, o in graph:
        for term in (s, p, o):
            if isinstance(term, URIRef):
                iri = str(term)
                if not re.match(r"^(https?://[^\s<>\"{}|\\^`]+|urn:[a-z0-9][a-z0-9-]{0,31}:\S+)$", iri, re.IGNORECASE):
                    problems.append(
                        Problem(f"IRI <{iri}> is not an http(s) or urn IRI", Location(name, node=str(s)), source="rdf")
                    )
                elif iri.startswith(KG_NS) and iri not in declared:
                    problems.append(
                        Problem(
                            f"kg:{iri[len(KG_NS) :]} is not a term of the ontology",
                            Location(name, node=str(s)),
                            source="rdf",
                        )
                    )
    for subject in {s for s in graph.subjects() if isinstance(s, URIRef)}:
        where = Location(name, node=str(subject))
        if str(subject).startswith(KG_NS) or str(subject).rstrip("#/") == KG_NS.rstrip("#"):
            problems.append(
                Problem("a submission may not change the ontology (statements about a kg: term)", where, source="rdf")
            )
        elif (
            str(subject).startswith(KGID_NS)
            and store.query("ASK { ?s ?p ?o }", {"s": RdfTerm("uri", str(subject))}).boolean
        ):
            problems.append(
                Problem(
                    f"<{subject}> is already in the graph: a submission may refer to it, not add statements about it",
                    where,
                    source="reference",
                )
            )
    for s, _p, o in graph:
        if isinstance(o, Literal) and getattr(o, "ill_typed", False):
            problems.append(
                Problem(
                    f"{o!s} is not a valid xsd:{_short_type(o.datatype)}", Location(name, node=str(s)), source="rdf"
                )
            )
    introduced = {s for s in graph.subjects() if isinstance(s, URIRef)}
    local = f"{KGID_NS}submission/"
    for s, _p, o in graph:
        unresolved = (
            isinstance(o, URIRef)
            and str(o).startswith(KGID_NS)
            and o not in introduced
            and not str(o).startswith(local)
        )
        if unresolved and not store.query("ASK { ?iri a ?type }", {"iri": RdfTerm("uri", str(o))}).boolean:
            problems.append(
                Problem(
                    f"<{o}> is neither in the graph nor introduced by this submission",
                    Location(name, node=str(s)),
                    source="reference",
                )
            )
    return _unique(problems)


def _short_type(datatype: object) -> str:
    return str(datatype).rsplit("#", 1)[-1] if datatype else "literal"


def _unique(problems: Iterable[Problem]) -> list[Problem]:
    seen, out = set(), []
    for p in problems:
        if (p.message, p.where) not in seen:
            seen.add((p.message, p.where))
            out.append(p)
    return out


def load_vocabulary() -> set[URIRef]:
    """Every term the ontology declares (the closed namespace of :mod:`kg.vocab`)."""
    return {URIRef(f"{KG_NS}{name}") for name in KG.__annotations__}


def _shacl(
    graph: Graph, origins: dict, problems: list[Problem], files: tuple[str, ...], settings: Settings, store: Store
) -> Checked:
    """SHACL over the submission and the types of the stored nodes it points at (not the store)."""
    data = Graph()
    data += graph
    for node in {o for o in graph.objects() if isinstance(o, URIRef) and str(o).startswith(KGID_NS)}:
        if (node, None, None) in graph:
            continue
        result = store.query("SELECT ?iri ?type WHERE { ?iri a ?type }", {"iri": RdfTerm("uri", str(node))})
        for row in result.rows:
            data.add((node, RDF.type, URIRef(row["type"].value)))
    focus = list({s for s in graph.subjects()})
    outcome = shacl.validate(data, shacl.load_shapes(settings.shapes), load_ontology(settings), origins, focus)
    report = ValidationReport(tuple(problems) + outcome.problems, files, outcome.report_turtle)
    return Checked(report, graph if report.conforms else None)


# --------------------------------------------------------------------------- storing


def submission_iri(submission_id: str) -> URIRef:
    return KGID[f"submission/{submission_id}"]


def submit(inputs: Inputs, settings: Settings, store: Store, submitter: str) -> Stored:
    """Validate and, if the submission conforms, store it atomically with its provenance."""
    graph_iri = URIRef(GRAPH.SUBMISSION_BASE + inputs.id)
    state = _state(store, inputs.id)
    if state == "stored":
        return Stored(inputs.id, str(graph_iri), False, ValidationReport((), (inputs.name,)))
    if state == "retracted":
        raise Conflict(
            f"this exact input was stored as submission {inputs.id} and then retracted",
            hint="the retraction stands; submit a corrected version instead",
        )
    checked = check(inputs, settings, store)
    if checked.graph is None:
        return Stored(inputs.id, str(graph_iri), False, checked.report)
    store.apply(add=[(graph_iri, checked.graph), (GRAPH.SUBMISSIONS, _record(inputs, graph_iri, checked, submitter))])
    return Stored(inputs.id, str(graph_iri), True, checked.report)


def _state(store: Store, submission_id: str) -> str:
    """ "absent", "stored" or "retracted"."""
    subject = {"s": RdfTerm("uri", str(submission_iri(submission_id)))}
    if not store.query("ASK { ?s a ?type }", subject).boolean:
        return "absent"
    return "retracted" if store.query(f"ASK {{ ?s <{KG.retractedBy}> ?r }}", subject).boolean else "stored"


def _agent(name: str) -> URIRef:
    return KGID[f"agent/{re.sub(r'[^A-Za-z0-9_.@-]', '-', name)}"]


def _record(inputs: Inputs, graph_iri: URIRef, checked: Checked, submitter: str) -> Graph:
    record = Graph()
    s, agent = submission_iri(inputs.id), _agent(submitter)
    record.add((s, RDF.type, KG.Submission))
    record.add((s, RDFS.label, Literal(f"submission {inputs.id} ({inputs.name})")))
    record.add((s, KG.submissionGraph, graph_iri))
    record.add((s, PROV.wasAttributedTo, agent))
    record.add((agent, RDF.type, PROV.Agent))
    record.add((agent, RDFS.label, Literal(submitter)))
    record.add(
        (s, PROV.generatedAtTime, Literal(datetime.now(UTC).isoformat(timespec="seconds"), datatype=XSD.dateTime))
    )
    for digest in inputs.sha256s:
        record.add((s, KG.inputSha256, Literal(digest)))
    # the input itself, so that a rebuild can check it again from the start (kg.retention)
    record.add((s, KG.inputName, Literal(inputs.name)))
    record.add((s, KG.inputFormat, Literal(inputs.rdf_format or "annotation")))
    record.add((s, KG.inputData, _base64(inputs.data)))
    if inputs.text is not None:
        record.add((s, KG.inputText, _base64(inputs.text)))
    record.add((s, KG.toolVersion, Literal(__version__)))
    record.add((s, KG.validationReport, Literal(checked.report.shacl_turtle or "")))
    assert checked.graph is not None
    record.add((s, KG.tripleCount, Literal(len(checked.graph), datatype=XSD.nonNegativeInteger)))
    return record


def _base64(data: bytes) -> Literal:
    import base64

    return Literal(base64.b64encode(data).decode("ascii"), datatype=XSD.base64Binary)


def retract(store: Store, submission_id: str, who: str, why: str) -> None:
    """Remove a submission's graph and record who retracted it, when and why."""
    if not re.fullmatch(r"[0-9a-f]{24}", submission_id):
        raise NotFound(f"no submission {submission_id!r}")
    s = submission_iri(submission_id)
    graph_iri = URIRef(GRAPH.SUBMISSION_BASE + submission_id)
    state = _state(store, submission_id)
    if state == "absent":
        raise NotFound(f"no submission {submission_id!r}", hint="GET /submissions lists them")
    if state == "retracted":
        raise Conflict(f"submission {submission_id} is already retracted")
    record = Graph()
    retraction, agent = KGID[f"retraction/{submission_id}"], _agent(who)
    record.add((s, KG.retractedBy, retraction))
    record.add((retraction, RDF.type, KG.Retraction))
    record.add((retraction, PROV.wasAssociatedWith, agent))
    record.add((agent, RDF.type, PROV.Agent))
    record.add((agent, RDFS.label, Literal(who)))
    record.add(
        (retraction, PROV.endedAtTime, Literal(datetime.now(UTC).isoformat(timespec="seconds"), datatype=XSD.dateTime))
    )
    record.add((retraction, RDFS.comment, Literal(why or "no reason given")))
    store.apply(add=[(GRAPH.SUBMISSIONS, record)], drop_graphs=[str(graph_iri)])


def validate(inputs: Sequence[Inputs], settings: Settings, store: Store) -> ValidationReport:
    """Check several inputs, storing nothing: one report for all of them."""
    problems: list[Problem] = []
    shacl_turtle = None
    for item in inputs:
        report = check(item, settings, store).report
        problems += report.problems
        shacl_turtle = report.shacl_turtle or shacl_turtle
    return ValidationReport(tuple(problems), tuple(i.name for i in inputs), shacl_turtle)
