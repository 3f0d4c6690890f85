"""The W3C SPARQL 1.1 Protocol test suite (tests/suites/sparql11-protocol, from w3c/rdf-tests),
one case per manifest entry, against a real `kg serve` on loopback over a store of its own."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree

import pytest
from rdflib import Graph

from kg import pipeline, tokens
from kg.config import Settings
from kg.store.embedded import EmbeddedStore

from .conftest import MINI
from .server import running_server
from .suites.manifests import HERE, Answer, Case, Expected, Request, cases, send

SUITE = HERE / "sparql11-protocol"
CASES = cases(SUITE / "manifest.ttl")
TOKEN = "protocol-suite-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
RDF_TYPES = {"application/rdf+xml": "xml", "text/turtle": "turtle", "application/n-triples": "nt"}
TABULAR = {"application/sparql-results+json", "application/sparql-results+xml", "text/csv", "text/tab-separated-values"}


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`kg serve` with an admin's token over a private store emptied of kg's own graphs, which the
    suite's `DROP ALL` may then clear (on a store holding kg's graphs an admin's DROP ALL is
    refused: tests/test_roles.py)."""
    folder = tmp_path_factory.mktemp("protocol")
    shutil.copytree(MINI, folder / "data", ignore=shutil.ignore_patterns("corpus"))
    settings = Settings.from_env({}, data=folder / "data", corpus=MINI / "corpus", store=str(folder / "store"))
    assert pipeline.build(settings).stored
    emptied = EmbeddedStore.open(settings.store)
    emptied.update("DROP ALL")
    emptied.close()
    with running_server(settings.store, settings.corpus, KG_TOKENS=f"suite:admin:{tokens.digest(TOKEN)}") as url:
        yield url


def test_the_manifest_has_all_34_entries() -> None:
    """The kept manifest is the whole suite: 34 entries, each with at least one request."""
    assert len(CASES) == 34 and all(case.requests for case in CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_protocol(endpoint: str, case: Case) -> None:
    """Every request of the entry gets the status, format and boolean the manifest expects."""
    _load(endpoint, case.data)
    for number, request in enumerate(case.requests, 1):
        answer = send(endpoint, request, "/sparql/", extra=AUTH)
        where = f"{case.id} request {number}: {answer.status} {answer.body[:300]!r}"
        assert answer.status // 100 in request.expected.status, where
        _check_format(request, answer, where)


def _load(endpoint: str, data: tuple[tuple[Path, str], ...]) -> None:
    """Empty the store, then put each of the entry's data files in its named graph."""
    body = "DROP SILENT ALL"
    for path, graph in data:
        body += f" ; INSERT DATA {{ GRAPH <{graph}> {{ {path.read_text(encoding='utf-8')} }} }}"
    headers = (("Content-Type", "application/sparql-update"),)
    answer = send(
        endpoint, Request("POST", "/sparql", headers, body.encode(), Expected(frozenset({2}))), "/sparql/", extra=AUTH
    )
    assert answer.status == 204, answer.body


def _check_format(request: Request, answer: Answer, where: str) -> None:
    expected = request.expected
    media = (answer.headers.get("Content-Type") or "").split(";")[0].strip()
    if expected.format == "RDF":
        assert media in RDF_TYPES, where
        Graph().parse(data=answer.body, format=RDF_TYPES[media])
    elif expected.format == "tabular":
        assert media in TABULAR, where
    elif expected.format == "boolean":
        assert _boolean(media, answer.body) == expected.boolean or expected.boolean is None, where


def _boolean(media: str, body: bytes) -> bool:
    if media == "application/sparql-results+json":
        return bool(json.loads(body)["boolean"])
    assert media == "application/sparql-results+xml", media
    found = ElementTree.fromstring(body).find("{http://www.w3.org/2005/sparql-results#}boolean")
    assert found is not None and found.text in {"true", "false"}
    return found.text == "true"
