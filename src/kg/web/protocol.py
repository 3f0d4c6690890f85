"""How a request to ``/sparql`` says what it wants, read as the SPARQL 1.1 Protocol defines it.

- the operation: ``query=`` by GET (or HEAD), ``query=``/``update=`` in a URL-encoded POST
  body, or the text itself as an ``application/sparql-query`` / ``application/sparql-update``
  body; each at most once (a second ``query=`` or ``update=`` is refused, never passed over);
- text arrives as UTF-8: a body declared in another charset is refused (415), and bytes or
  percent-escapes that are not UTF-8 are refused (400), never "repaired" into U+FFFD;
- the Graph Store HTTP Protocol (``?graph=``, ``?default``) is not served here: such a request
  is refused with a 400 that says so, rather than answered with the service description;
- the base IRI for relative IRIs is the endpoint's own URL (the protocol allows it).
"""

from __future__ import annotations

import re
import urllib.parse

from flask import request
from werkzeug.exceptions import MethodNotAllowed

from kg.errors import UnsupportedMediaType, UsageError

Fields = tuple[tuple[str, str], ...]
"""The request's parameters, from its query string and (URL-encoded) body, in order."""

_FORM = "application/x-www-form-urlencoded"
_DIRECT = {"application/sparql-query": "query", "application/sparql-update": "update"}
_RDF_BODIES = {"text/turtle", "application/n-triples", "application/rdf+xml", "application/ld+json", "text/n3"}
_RELATIVE_IRI = re.compile(r"<(?![A-Za-z][A-Za-z0-9+.\-]*:)[^<>\"{}|^`\\\s]*>")
_HOST_URL = re.compile(r"https?://[A-Za-z0-9.\-]+(?::[0-9]{1,5})?/|https?://\[[0-9A-Fa-f:.]+\](?::[0-9]{1,5})?/")


def refuse_graph_store() -> None:
    """Refuse a Graph Store Protocol request (``?graph=`` or ``?default``), and any method but
    GET, HEAD and POST."""
    names = {name for name, _ in _parsed(request.query_string, "query string")}
    if names & {"graph", "default"}:
        raise UsageError(
            "kg does not serve the SPARQL 1.1 Graph Store HTTP Protocol: ?graph= and ?default are "
            "neither read nor written at /sparql",
            hint="read a graph with CONSTRUCT { ?s ?p ?o } WHERE { GRAPH <…> { ?s ?p ?o } }; "
            "add data by POST /submissions, which validates it",
        )
    if request.method not in {"GET", "HEAD", "POST"}:
        raise MethodNotAllowed(
            valid_methods=["GET", "HEAD", "POST"],
            description=f"{request.method} /sparql would be the Graph Store HTTP Protocol, which kg does not serve: "
            "query with GET or POST; add data by POST /submissions, which validates it",
        )


def fields() -> Fields:
    """Every parameter of the request: the query string's, then a URL-encoded body's."""
    found = _parsed(request.query_string, "query string")
    if request.method == "POST" and request.mimetype == _FORM:
        _utf8_only()
        found += _parsed(request.get_data(cache=True), "form body")
    elif request.method == "POST" and request.mimetype == "multipart/form-data":
        found += tuple((name, value) for name in request.form for value in request.form.getlist(name))
    return found


def values(given: Fields, name: str) -> tuple[str, ...]:
    return tuple(value for key, value in given if key == name)


def operation(given: Fields) -> tuple[str | None, str | None]:
    """(query, update): what the request asks, in one of the protocol's ways of asking it."""
    if request.method in {"GET", "HEAD"}:
        if values(given, "update"):
            raise UsageError("updates must be sent by POST", hint="POST update=… or an application/sparql-update body")
        return _one(given, "query"), None
    mimetype = request.mimetype
    if mimetype in _DIRECT:
        _utf8_only()
        text = _utf8(request.get_data(cache=True), "body")
        return (text, None) if _DIRECT[mimetype] == "query" else (None, text)
    if mimetype in {_FORM, "multipart/form-data"}:
        query, update = _one(given, "query"), _one(given, "update")
        if query is not None and update is not None:
            raise UsageError("send a query or an update, not both")
        if query is None and update is None:
            raise UsageError("the form has neither 'query' nor 'update'")
        return query, update
    if mimetype in _RDF_BODIES:
        raise UnsupportedMediaType(
            f"cannot take a {mimetype} body: kg does not serve the SPARQL 1.1 Graph Store HTTP Protocol, "
            "so RDF sent to /sparql is not stored",
            hint="add data by POST /submissions, which validates it, or send an application/sparql-update",
        )
    raise UnsupportedMediaType(
        f"cannot take a {mimetype or 'body without a Content-Type'}",
        hint="send application/x-www-form-urlencoded, application/sparql-query or application/sparql-update",
    )


def base(text: str) -> str | None:
    """The endpoint's own URL, the base IRI of a text with relative IRIs in it; None for a text
    without (most: a BASE added to every text would put the host's name in every text checked
    for SERVICE and LOAD), or if the Host header does not make a plain URL of it."""
    host = request.host_url
    return host + "sparql" if _RELATIVE_IRI.search(text) and _HOST_URL.fullmatch(host) else None


def _one(given: Fields, name: str) -> str | None:
    found = values(given, name)
    if len(found) > 1:
        raise UsageError(
            f"the request has {len(found)} '{name}' parameters; the protocol takes exactly one",
            hint=f"send one {name}= (join several updates with ';' in one text)",
        )
    return found[0] if found else None


def _utf8_only() -> None:
    charset = request.mimetype_params.get("charset")
    if charset is not None and charset.strip().lower() not in {"utf-8", "utf8"}:
        raise UnsupportedMediaType(
            f"the body is declared as charset={charset}; kg reads SPARQL request bodies as UTF-8 only",
            hint="send the text encoded as UTF-8, with charset=utf-8 or no charset",
        )


def _utf8(raw: bytes, where: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UsageError(
            f"the {where} is not UTF-8: byte {exc.start} (0x{raw[exc.start]:02x}) cannot be decoded",
            hint="send the text encoded as UTF-8",
        ) from None


def _parsed(raw: bytes, where: str) -> Fields:
    """URL-encoded ``name=value`` pairs, percent-escapes decoded as UTF-8 (or refused)."""
    text = _utf8(raw, where)
    try:
        return tuple(urllib.parse.parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict"))
    except UnicodeDecodeError as exc:
        raise UsageError(
            f"the {where} has percent-escapes that are not UTF-8 ({exc.reason})",
            hint="percent-encode the text as UTF-8",
        ) from None
