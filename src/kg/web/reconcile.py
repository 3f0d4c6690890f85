"""``/reconcile``: the W3C Entity Reconciliation API (version 0.2) over the graph's places, assets
and actors, for OpenRefine and any other client of the protocol.

- ``GET /reconcile`` with no ``queries``: the service manifest;
- ``GET|POST /reconcile`` with ``queries=`` (a JSON object of queries, as a form field or in the
  query string): the candidates of each query;
- ``GET /reconcile/suggest/entity?prefix=`` (by name or id; ``type=`` keeps to a type),
  ``/reconcile/suggest/type?prefix=`` and ``/reconcile/suggest/property?prefix=``: completion
  for OpenRefine's search boxes;
- ``GET /reconcile/preview?id=``: a small page for OpenRefine's preview pane (it may be framed).

Each route translates HTTP to one :mod:`kg.reconcile` call and back; bad input leaves through the
app's one error handler as the one JSON error shape. Reads are public and allow any origin.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, render_template, request

from kg import reconcile, reconcile_suggest
from kg.errors import UsageError
from kg.web import kg, workshop

blueprint = Blueprint("reconcile", __name__, template_folder="templates")

PREVIEW_POLICY = "default-src 'none'; style-src 'self'; img-src 'self'; frame-ancestors *"
"""The preview pane is an iframe in the client's page: it may be framed, and loads only our CSS."""


@blueprint.route("/reconcile", methods=["GET", "POST"])
def service() -> Response:
    shop = workshop()
    budget = shop.budget()
    shop.check_size(budget)
    raw = request.values.get("queries")
    if raw is None:
        if request.method == "POST" or "extend" in request.values:
            raise UsageError(
                "send the reconciliation queries as the form field 'queries'",
                hint="data extension ('extend') is not offered",
            )
        return jsonify(reconcile_suggest.manifest(request.url_root))
    shop.check_size(budget, len(raw.encode("utf-8")))
    running = kg()  # the work's thread has no application context

    def work() -> Any:
        return reconcile.reconcile(running.reconcile_index(), reconcile.parse_batch(raw))

    return jsonify(shop.run(work, budget, "the reconciliation"))


@blueprint.route("/reconcile/suggest/entity")
def suggest_entity() -> Response:
    types = tuple(reconcile.type_id(t, "suggest") for t in request.args.getlist("type") if t)
    found = reconcile_suggest.suggest(_index(), request.args.get("prefix", ""), cursor=_cursor(), types=types)
    return jsonify(
        {"result": [{"id": e.id, "name": e.label, "description": e.description, "notable": [_type(e)]} for e in found]}
    )


@blueprint.route("/reconcile/suggest/type")
def suggest_type() -> Response:
    return jsonify({"result": reconcile_suggest.suggest_types(_index(), request.args.get("prefix", ""))})


@blueprint.route("/reconcile/suggest/property")
def suggest_property() -> Response:
    return jsonify({"result": reconcile_suggest.suggest_properties(request.args.get("prefix", ""))})


@blueprint.route("/reconcile/preview")
def preview() -> Response:
    ref = request.args.get("id", "")
    if not ref:
        raise UsageError("preview needs ?id= (an id such as place/al-qaryatayn)")
    index = _index()
    entity = reconcile.entity(index, ref)
    labels = index.labels
    response = Response(
        render_template("reconcile_preview.html", entity=entity, within=[labels.get(i, i) for i in entity.within]),
        mimetype="text/html",
    )
    response.headers["Content-Security-Policy"] = PREVIEW_POLICY
    return response


def _index() -> reconcile.Index:
    return kg().reconcile_index()


def _type(entity: reconcile.Entity) -> dict[str, str]:
    return {"id": entity.main_type, "name": entity.type_label}


def _cursor() -> int:
    raw = request.args.get("cursor", "0")
    if not raw.isdigit():
        raise UsageError(f"cursor must be a whole number, not {raw!r}")
    return int(raw)
