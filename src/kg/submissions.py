"""Submissions: new material, validated before anything is stored, each in its own graph.

This module reads what was submitted and stores it; the checks are :mod:`kg.validation`'s,
the sequence ``kg build`` and ``kg validate`` run too:

1. read: an annotation file (YAML/JSON) with its article text, or an RDF document (Turtle,
   N-Triples, JSON-LD, TriG, N-Quads, RDF/XML) that uses the ontology; size, UTF-8, nesting,
   DTDs and remote JSON-LD contexts are refused before any parser sees them (:func:`read_rdf`
   is the one place RDF is parsed);
2. check (:func:`check`): :func:`kg.validation.check_annotation` or
   :func:`kg.validation.check_rdf`, against the entities and articles the store holds;
3. store (:func:`submit`): the submission's own named graph and its PROV record, in one atomic
   write; the id is the SHA-256 of the inputs, so identical input is stored once.
"""

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, XSD

from kg import __version__, validation
from kg.config import Settings
from kg.errors import Conflict, Forbidden, InputError, Location, NotFound
from kg.report import Problem, ValidationReport
from kg.sources import decode
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


Checked = validation.Submitted  # the report, and the submission's statements when it conforms


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
    """Validate one submission against the ontology, the shapes and what the store holds
    (:mod:`kg.validation`, the sequence every entrance shares)."""
    _check_size_and_shape(inputs, settings)
    if inputs.rdf_format is None:
        return validation.check_annotation(inputs.name, decode(inputs.data, inputs.name), inputs.text, settings, store)
    graph, problems = read_rdf(inputs)
    return validation.check_rdf(graph, problems, inputs.name, settings, store)


def read_rdf(inputs: Inputs) -> tuple[Graph, list[Problem]]:
    """An RDF document's statements, blank nodes made IRIs of the submission; statements in a
    named graph are left out and reported. Refuses (:class:`InputError`) what cannot be read:
    DTDs, JSON-LD ids that are not IRIs, syntax errors, a document without statements."""
    name, body = inputs.name, inputs.data
    assert inputs.rdf_format is not None
    syntax = RDF_TYPES[inputs.rdf_format]
    if syntax == "rdfxml" and re.search(rb"<!(DOCTYPE|ENTITY)", body):
        raise InputError(
            "RDF/XML with a DTD or entities is refused (they could read files or expand without end)",
            where=Location(name),
            hint="remove the <!DOCTYPE …> declaration",
        )
    if syntax == "jsonld":
        _check_jsonld_ids(body, name)
    quads = parse_rdf(body, syntax, where=name)
    graph, problems, named = Graph(), [], set()
    for quad in quads:
        if quad.graph is not None:
            if quad.graph.value not in named:
                named.add(quad.graph.value)
                message = (
                    f"statements in the named graph <{quad.graph.value}>: a submission is stored as its own "
                    "graph and may not write into others"
                )
                problems.append(Problem(message, Location(name, node=quad.graph.value), source="rdf"))
            continue
        terms = [_skolem(_rdflib(t), inputs.id) for t in (quad.subject, quad.predicate, quad.object)]
        graph.add(tuple(terms))  # type: ignore[arg-type]
    if not len(graph) and not problems:
        raise InputError("the document holds no statements", where=Location(name))
    return graph, problems


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
    if isinstance(term, BNode):
        return URIRef(f"{KGID_NS}submission/{submission_id}/node/{term}")
    return term


def _rdflib(term: RdfTerm) -> object:
    if term.kind == "uri":
        return URIRef(term.value)
    if term.kind == "bnode":
        return BNode(term.value)
    return Literal(term.value, lang=term.lang, datatype=None if term.lang else URIRef(term.datatype or XSD.string))


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


def retract(store: Store, submission_id: str, who: str, why: str, *, anyone: bool = True) -> None:
    """Remove a submission's graph and record who retracted it, when and why; unless ``anyone``
    (an editor, the local operator), only a submission ``who`` made."""
    if not re.fullmatch(r"[0-9a-f]{24}", submission_id):
        raise NotFound(f"no submission {submission_id!r}")
    s = submission_iri(submission_id)
    graph_iri = URIRef(GRAPH.SUBMISSION_BASE + submission_id)
    state = _state(store, submission_id)
    if state == "absent":
        raise NotFound(f"no submission {submission_id!r}", hint="GET /submissions lists them")
    if state == "retracted":
        raise Conflict(f"submission {submission_id} is already retracted")
    if not anyone:
        _check_own(store, s, who)
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


def _check_own(store: Store, submission: URIRef, who: str) -> None:
    """Refuse (403) to retract a submission that ``who`` did not make."""
    own = {"s": RdfTerm("uri", str(submission)), "a": RdfTerm("uri", str(_agent(who)))}
    query = f"ASK {{ GRAPH <{GRAPH.SUBMISSIONS}> {{ ?s <{PROV.wasAttributedTo}> ?a }} }}"
    if not store.query(query, own).boolean:
        raise Forbidden(
            f"submission {submission_id(submission)} was made by someone else; {who!r} may retract only their own",
            hint="ask an editor to retract it",
        )


def submission_id(submission: URIRef) -> str:
    return str(submission).rsplit("/", 1)[-1]


def validate(inputs: Sequence[Inputs], settings: Settings, store: Store) -> ValidationReport:
    """Check several inputs, storing nothing: one report for all of them."""
    if len(inputs) == 1:
        return check(inputs[0], settings, store).report
    reports = [check(item, settings, store).report for item in inputs]
    problems = [p for report in reports for p in report.problems]
    return validation.finish(problems, [i.name for i in inputs], [r.shacl_turtle for r in reports])
