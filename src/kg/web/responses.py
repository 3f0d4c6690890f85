"""How every route answers: one content negotiation over :data:`kg.formats.REGISTRY`, the
responses built from it, the one error handler and the one write-token check.

:func:`negotiate` is the only place that reads ``format=`` and ``Accept``: a route names the
formats it offers, most preferred first (on a tie in ``Accept`` the first wins), and gets back
one name — or a 406 in the one error shape.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from flask import Response, current_app, g, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from kg import formats, tokens
from kg.errors import Forbidden, InputError, KgError, NotAcceptable, TooManyRequests, Unauthorized
from kg.store import QueryResult


def negotiate(offered: Sequence[str], *, default: str, strict: bool = True) -> str:
    """The format (a name in :data:`~kg.formats.REGISTRY`) to answer with: ``format=`` first,
    then ``Accept``, then ``default`` when the client sent neither.

    With ``strict`` (the default), what the client asked for and cannot have is a 406; without
    it (an error page, a report after a write), a ``format=`` that is not offered is passed over
    for ``Accept``, and an ``Accept`` that fits nothing gets ``default``.
    """
    g.negotiated = True  # the answer depends on Accept: the response says so (Vary)
    name = _format_parameter()
    if name:
        found = formats.named(name, offered)
        if found is not None:
            return found.name
        if strict:
            raise NotAcceptable(
                f"format={name!r} is not offered for this resource", hint="one of " + ", ".join(offered)
            )
    if not request.headers.get("Accept"):
        return default
    media = [m for name in offered for m in formats.REGISTRY[name].media_types]
    best = request.accept_mimetypes.best_match(media)
    chosen = formats.by_media_type(best, offered) if best else None
    if chosen is not None:
        return chosen.name
    if not strict:
        return default
    raise NotAcceptable(
        f"cannot answer with any of the types in Accept ({request.headers['Accept']})",
        hint="accept one of " + ", ".join(formats.REGISTRY[n].media_type for n in offered),
    )


def _format_parameter() -> str | None:
    """``format=`` from the query string, or from a form body (never reading a body over the limit)."""
    named = request.args.get("format")
    if named or request.method != "POST" or request.mimetype != "application/x-www-form-urlencoded":
        return named
    try:
        return request.form.get("format")
    except HTTPException:
        return None


def wants_page() -> bool:
    """Whether the client would rather read a page than JSON (a browser; JSON wins a tie)."""
    return negotiate(["json", "html"], default="json", strict=False) == "html"


def results(result: QueryResult, fmt: str, status: int = 200) -> Response:
    """A query result in format ``fmt`` (rows or triples), saying whether the row cap cut it."""
    chosen = formats.REGISTRY[fmt]
    headers = {"X-KG-Truncated": "true" if result.truncated else "false"}
    if chosen.kind == "graph":
        return rdf(result.triples or "", fmt, headers=headers)
    assert chosen.render is not None
    return Response(chosen.render(result), status=status, content_type=chosen.content_type, headers=headers)


def rdf(ntriples: str, fmt: str, headers: dict[str, str] | None = None) -> Response:
    """Triples (N-Triples) as graph format ``fmt``."""
    return Response(formats.convert_rdf(ntriples, fmt), mimetype=formats.REGISTRY[fmt].media_type, headers=headers)


_DOES = {
    "submit": "submitting",
    "retract own": "retracting a submission",
    "retract any": "retracting another's submission",
    "update": "SPARQL Update",
}


def writer(refusal: str, action: str) -> tokens.Holder:
    """The holder of the token in ``Authorization: Bearer``, if its role may do ``action`` (a key
    of :data:`kg.tokens.MAY`); 401 (saying ``refusal``) without a token, 403 with one that
    KG_TOKENS does not list or whose role may not. Marks the request a write (no CORS)."""
    g.kg_write = True
    header = authorization()
    if not header.startswith("Bearer "):
        raise Unauthorized(refusal, hint="send 'Authorization: Bearer <token>'")
    who = tokens.holder(current_app.extensions["kg"].settings.tokens, header[len("Bearer ") :].strip())
    if who is None:
        raise Forbidden("this token may not write", hint="ask for a token listed in KG_TOKENS")
    if not who.may(action):
        least = tokens.MAY[action]
        if who.stated:
            why, hint = "", f"ask for a token with that role ('kg token NAME --role {least}')"
        else:
            why = " (its KG_TOKENS entry names no role, so it is read as a submitter)"
            hint = f"name the role in the entry: {who.name}:{least}:<its sha256>"
        raise Forbidden(
            f"{_DOES[action]} needs the role {least} or above; {who.name!r} is a {who.role}{why}", hint=hint
        )
    return who


def authorization() -> str:
    """The ``Authorization`` header, refused (400) when it holds a control or non-ASCII character."""
    header = request.headers.get("Authorization", "")
    bad = next((c for c in header if not " " <= c <= "~"), None)
    if bad is not None:
        raise InputError(
            f"the Authorization header holds the character U+{ord(bad):04X}, which no token has",
            hint="send 'Authorization: Bearer <token>' with the token as 'kg token' printed it",
        )
    return header


# --------------------------------------------------------------------------- errors


def error_body(exc: Exception) -> tuple[dict[str, Any], int]:
    """The one JSON error shape ``{"ok": false, "error", "errors", "status"}`` and its status."""
    if isinstance(exc, KgError):
        return exc.to_json(), exc.status
    assert isinstance(exc, HTTPException)
    status = exc.code or 500
    most = current_app.extensions["kg"].settings.max_body
    limit = request.max_content_length or most
    setting = "KG_MAX_BODY" if limit >= most else "KG_ANON_BODY without a write token; KG_MAX_BODY with one"
    message = {
        413: f"the request body is larger than the limit of {limit:,} bytes ({setting})",
    }.get(status, exc.description or exc.name)
    detail = {"message": message, "type": exc.name}
    return {"ok": False, "error": message, "errors": [detail], "status": status}, status


def error(exc: Exception) -> Response:
    """Every error's response: the JSON shape, or an HTML page when a browser asked for one."""
    body, status = error_body(exc)
    if wants_page():
        response = Response(render_template("error.html", error=body), status=status, mimetype="text/html")
    else:
        response = jsonify(body)
        response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="kg"'
    if isinstance(exc, TooManyRequests):
        response.headers["Retry-After"] = str(max(1, math.ceil(exc.retry_after)))
    if isinstance(exc, HTTPException) and status == 405 and exc.get_response().headers.get("Allow"):
        response.headers["Allow"] = exc.get_response().headers["Allow"]
    return response
