"""``/export/…``: the graph's places and infrastructure in exchange formats, for download.

``GET /export/places.lpf.json`` is Linked Places Format (GeoJSON-LD), the same bytes as
``kg export --format lpf`` (both end in :func:`kg.linkedplaces.export`).
"""

from __future__ import annotations

from flask import Blueprint, Response

from kg import linkedplaces
from kg.web import kg

blueprint = Blueprint("exports", __name__)


@blueprint.route("/export/places.lpf.json")
def places_lpf() -> Response:
    return Response(linkedplaces.export(kg().store, kg().settings), mimetype="application/geo+json")
