"""``/validate`` and ``/submissions``: new material in, validated by the one pipeline.

Bodies: multipart (``annotation`` file with its ``text``, or an ``rdf`` file), JSON
(``{"annotation": …, "text": …}``), or an RDF document with its own media type. ``POST
/validate`` never stores; ``POST /submissions`` stores what conforms (a write token needed):
201 with ``Location``, 200 for identical input already stored, 422 with the report for input
that does not conform, 400 for input that cannot be read, 413 over the size limit.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request, url_for
from werkzeug.exceptions import BadRequest

from kg import submissions
from kg.errors import InputError, NotFound, UnsupportedMediaType
from kg.report import ValidationReport
from kg.submissions import RDF_TYPES, Inputs
from kg.validation import w3c
from kg.web import kg, workshop
from kg.web.responses import negotiate, writer

blueprint = Blueprint("submit", __name__)


def inputs_from_request() -> Inputs:
    """What the client sent, as :class:`Inputs`; 415 for a body kg cannot take."""
    mimetype = request.mimetype
    if mimetype == "multipart/form-data":
        for field in ("annotation", "rdf"):
            upload = request.files.get(field)
            if upload is not None:
                text = request.files.get("text")
                name = upload.filename or f"submission.{'yaml' if field == 'annotation' else 'ttl'}"
                kind = None if field == "annotation" else submissions.guess_kind(name, upload.mimetype)
                return Inputs(name, upload.read(), kind, text.read() if text is not None else None)
        raise InputError("the form has no 'annotation' or 'rdf' file", hint="send annotation= and text=, or rdf=")
    if mimetype == "application/json":
        body = json_body('{"annotation": …, "text": …}')
        if not isinstance(body.get("annotation"), str):
            raise InputError(
                "the JSON body needs 'annotation': the annotation file's text", hint='{"annotation": …, "text": …}'
            )
        text = body.get("text")
        return Inputs(
            str(body.get("name") or "submission.yaml"),
            body["annotation"].encode("utf-8"),
            None,
            text.encode("utf-8") if isinstance(text, str) else None,
        )
    if mimetype in RDF_TYPES:
        ending = {
            "text/turtle": "ttl",
            "application/n-triples": "nt",
            "application/ld+json": "jsonld",
            "application/trig": "trig",
            "application/n-quads": "nq",
            "application/rdf+xml": "rdf",
        }[mimetype]
        return Inputs(f"submission.{ending}", request.get_data(), mimetype)
    raise UnsupportedMediaType(
        f"cannot take a {mimetype or 'body without a Content-Type'}",
        hint="send multipart/form-data, application/json, or RDF (text/turtle, application/ld+json, …)",
    )


def json_body(shape: str) -> dict[str, Any]:
    """The request's JSON object (nesting bounded); 400 in the one error shape otherwise."""
    data = request.get_data()
    if not data.strip():
        raise InputError("the body is empty", hint=f"send {shape}")
    submissions.check_nesting(data, "the JSON body")
    try:
        body = request.get_json(force=True)
    except (BadRequest, RecursionError):
        raise InputError("the body is not valid JSON", hint=f"send {shape}") from None
    if not isinstance(body, dict):
        raise InputError("the JSON body must be an object", hint=shape)
    return body


def _report(report: ValidationReport, status: int, **extra: Any) -> Response:
    if negotiate(["json", "turtle"], default="json", strict=False) == "turtle" and report.shacl_turtle:
        return Response(report.shacl_turtle, status=status, mimetype="text/turtle")
    body = {**report.to_json(), **extra}
    if not report.conforms:
        first = report.errors[0] if report.errors else None
        body.update(
            error=f"does not conform: {len(report.errors)} problem(s)" + (f"; first: {first}" if first else ""),
            errors=[p.to_json() for p in report.errors],
            status=status,
        )
    response = jsonify(body)
    response.status_code = status
    return response


@blueprint.route("/validate", methods=["POST"])
def validate() -> Response:
    shop = workshop()
    budget = shop.budget()
    shop.check_size(budget)
    try:
        inputs = inputs_from_request()
        running = kg()  # the work's thread has no application context
        report = shop.run(lambda: running.validate([inputs]), budget, "the validation")
    except InputError as exc:  # unreadable data: still a W3C report to a client that asks for one
        if negotiate(["json", "turtle"], default="json", strict=False) != "turtle":
            raise
        return Response(w3c.error_turtle(exc), status=exc.status, mimetype="text/turtle")
    return _report(report, 200 if report.conforms else 422)


@blueprint.route("/submissions", methods=["POST"])
def submit() -> Response:
    who = writer("submitting needs a write token", "submit")
    stored = kg().submit(inputs_from_request(), who.name)
    if not stored.report.conforms:
        return _report(stored.report, 422)
    location = url_for("submit.show", submission_id=stored.id, _external=True)
    response = _report(stored.report, 201 if stored.created else 200, id=stored.id, graph=stored.graph, url=location)
    response.headers["Location"] = location
    return response


@blueprint.route("/submissions", methods=["GET"])
def index() -> Response:
    result = kg().run("submissions")
    rows = [{k: v.value for k, v in row.items()} for row in result.rows]
    return jsonify({"ok": True, "submissions": rows})


@blueprint.route("/submissions/<submission_id>", methods=["GET"])
def show(submission_id: str) -> Response:
    iri = str(submissions.submission_iri(submission_id))
    record = kg().run("describe", {"iri": iri})
    if not record.rows:
        raise NotFound(f"no submission {submission_id!r}", hint="GET /submissions lists them")
    facts: dict[str, list[str]] = {}
    for row in record.rows:
        facts.setdefault(row["property"].value.rsplit("#", 1)[-1].rsplit("/", 1)[-1], []).append(row["value"].value)
    graph = facts.get("submissionGraph", [""])[0]
    triples = kg().run("graph", {"graph": graph})
    return jsonify(
        {
            "ok": True,
            "id": submission_id,
            "graph": graph,
            "record": {k: v if len(v) > 1 else v[0] for k, v in facts.items() if k != "validationReport"},
            "report": facts.get("validationReport", [""])[0],
            "triples": [f"{r['s'].n3()} {r['p'].n3()} {r['o'].n3()} ." for r in triples.rows],
        }
    )


@blueprint.route("/submissions/<submission_id>", methods=["DELETE"])
def retract(submission_id: str) -> Response:
    who = writer("retracting needs a write token", "retract own")
    why = request.args.get("reason") or (request.get_json(silent=True) or {}).get("reason") or ""
    kg().retract(submission_id, who.name, str(why)[:1000], anyone=who.may("retract any"))
    return Response(status=204)
