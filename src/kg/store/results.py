"""Answers from a SPARQL server, read into kg's terms: SPARQL 1.1 JSON results (with the
datatypes the embedded store gives, and the quirks of servers that differ) and RDF graphs in
whatever syntax the server chose, as N-Triples."""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Mapping

from kg.errors import StoreError
from kg.store.base import QueryResult, RdfTerm
from kg.store.oxigraph import translate_rdf
from kg.store.transport import redacted

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
RESULTS_JSON = "application/sparql-results+json"
RDF_FORMATS = {
    "application/n-triples": "ntriples",
    "text/plain": "ntriples",
    "text/turtle": "turtle",
    "application/rdf+xml": "rdfxml",
    "application/ld+json": "jsonld",
}


def term(value: Mapping[str, str]) -> RdfTerm:
    """A term of the SPARQL JSON results format, with the datatypes the embedded store gives."""
    kind = value.get("type", "literal")
    if kind == "uri":
        return RdfTerm(kind, value["value"])
    if kind == "bnode":  # Virtuoso's nodeID://b10006 is no blank node label: keep it apart, make it one
        label = value["value"]
        valid = re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_\-.]*(?<!\.)", label)
        return RdfTerm(kind, label if valid else "b" + hashlib.sha256(label.encode()).hexdigest()[:32])
    if kind in ("literal", "typed-literal"):  # typed-literal: Virtuoso's older name
        lang = value.get("xml:lang")
        datatype = LANG_STRING if lang else value.get("datatype", XSD_STRING)
        return RdfTerm("literal", value["value"], datatype, lang)
    return RdfTerm("triple", json.dumps(value.get("value")))


def parsed_results(body: bytes, form: str, max_rows: int | None, started: float, url: str) -> QueryResult:
    """A SPARQL JSON results document as a QueryResult, cut at ``max_rows``."""
    try:
        answer = json.loads(body)
    except ValueError:
        raise StoreError(
            f"the store at {redacted(url)} did not answer with SPARQL JSON results",
            hint="check that KG_STORE is the server's SPARQL query endpoint",
        ) from None
    if "boolean" in answer:
        return QueryResult("ASK", boolean=bool(answer["boolean"]), seconds=time.perf_counter() - started)
    variables = tuple(answer.get("head", {}).get("vars", []))
    bindings = answer.get("results", {}).get("bindings", [])
    if form == "ASK":  # Virtuoso answers ASK as one row of one value (__ASK_RETVAL, 1 or 0)
        values = [v.get("value") for row in bindings[:1] for v in row.values()]
        return QueryResult("ASK", boolean=values[:1] in (["1"], ["true"]), seconds=time.perf_counter() - started)
    truncated = max_rows is not None and len(bindings) > max_rows
    rows = tuple({k: term(v) for k, v in row.items()} for row in bindings[:max_rows])
    return QueryResult("SELECT", variables, rows, truncated=truncated, seconds=time.perf_counter() - started)


def as_ntriples(body: bytes, content_type: str) -> str:
    """A graph answer in N-Triples, whatever RDF syntax the server chose."""
    syntax = RDF_FORMATS.get(content_type, "ntriples")  # rewritten also from N-Triples: servers lay it out differently
    return translate_rdf(body, syntax, "ntriples").decode("utf-8")
