"""The W3C test manifests kept in this folder, read as the suites' own files say: each entry
of ``mf:entries`` with its HTTP requests (``ht:`` vocabulary) and the answers it expects."""

from __future__ import annotations

import http.client
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, Namespace
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS
from rdflib.term import Node

HERE = Path(__file__).parent
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
STATUS_CLASSES = {HTS.StatusCode2xx: 2, HTS.StatusCode3xx: 3, HTS.StatusCode4xx: 4, HTS.StatusCode5xx: 5}


@dataclass(frozen=True)
class Expected:
    """What a response must be: its status classes (2 for 2xx, …), format and boolean."""

    status: frozenset[int]
    format: str | None = None
    boolean: bool | None = None


@dataclass(frozen=True)
class Request:
    """One HTTP request of a test, as the manifest gives it."""

    method: str
    path: str
    headers: tuple[tuple[str, str], ...]
    body: bytes | None
    expected: Expected


@dataclass(frozen=True)
class Case:
    """One manifest entry: its name, the graphs to load first (file, graph IRI) and its requests."""

    id: str
    name: str
    data: tuple[tuple[Path, str], ...]
    requests: tuple[Request, ...] = field(default=())


def cases(manifest: Path) -> list[Case]:
    """Every entry of the manifest, in its order."""
    graph = Graph().parse(manifest, format="turtle", publicID=manifest.as_uri())
    top = next(graph.subjects(RDF.type, MF.Manifest))
    entries = Collection(graph, graph.value(top, MF.entries))
    return [_case(graph, entry, manifest.parent) for entry in entries]


def _case(graph: Graph, entry: Node, folder: Path) -> Case:
    data = tuple(
        (folder / str(graph.value(item, UT.graph)).rsplit("/", 1)[-1], str(graph.value(item, RDFS.label)))
        for item in graph.objects(entry, UT.graphData)
    )
    action = graph.value(entry, MF.action)
    listed = Collection(graph, graph.value(action, HT.requests))
    name = str(entry).rsplit("#", 1)[-1]
    return Case(name, str(graph.value(entry, MF.name)), data, tuple(_request(graph, r) for r in listed))


def _request(graph: Graph, node: Node) -> Request:
    headers = tuple(
        (str(graph.value(h, HT.fieldName)), str(graph.value(h, HT.fieldValue)))
        for h in Collection(graph, graph.value(node, HT.headers) or RDF.nil)
    )
    body_node = graph.value(node, HT.body)
    body = None
    if body_node is not None:
        encoding = str(graph.value(body_node, CNT.characterEncoding) or "UTF-8")
        body = str(graph.value(body_node, CNT.chars)).encode(encoding)
    response = graph.value(node, HT.resp)
    codes = frozenset(STATUS_CLASSES[s] for s in graph.objects(response, MF.expectedStatus) if s in STATUS_CLASSES)
    named = {HTS.OK: 2, HTS.Created: 2, HTS.NoContent: 2, HTS.NotFound: 4}
    codes |= frozenset(named[s] for s in graph.objects(response, MF.expectedStatus) if s in named)
    boolean = graph.value(response, MF.expectedBoolean)
    expected = Expected(
        codes, _text(graph.value(response, MF.expectedFormat)), None if boolean is None else bool(boolean.toPython())
    )
    return Request(
        str(graph.value(node, HT.methodName)), str(graph.value(node, HT.absolutePath)), headers, body, expected
    )


def _text(node: Node | None) -> str | None:
    return None if node is None else str(node)


@dataclass(frozen=True)
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes


def send(base: str, request: Request, prefix: str, *, extra: dict[str, str] | None = None) -> Answer:
    """Send ``request`` to the server at ``base`` exactly as the manifest writes it (no header
    is added but ``extra``), its path's ``prefix`` (``/sparql/``) replaced by ``/sparql``."""
    parts = urllib.parse.urlsplit(base)
    path = "/sparql" + request.path[len(prefix) :] if request.path.startswith(prefix) else request.path
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    try:
        connection.putrequest(request.method, path, skip_accept_encoding=True)
        for name, value in (*request.headers, *(extra or {}).items()):
            connection.putheader(name, value)
        if request.body is not None:
            connection.putheader("Content-Length", str(len(request.body)))
        connection.endheaders(request.body)
        response = connection.getresponse()
        return Answer(response.status, response.headers, response.read())
    finally:
        connection.close()
