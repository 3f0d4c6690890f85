"""The map page, ``/map``: places and infrastructure coloured by who held them on a date, with
each place's history a click away. The page draws itself in the browser from the saved queries
(``control-map.geojson``, ``place-history.json``, ``evidence.json``, ``conflicting-reports.json``);
this module only renders the frame — the date range and the event dates the slider marks — and
serves the country outlines and TopoJSON reader that ``npm install`` put in ``node_modules/``
(never committed, never fetched from a CDN).
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, render_template, send_from_directory

from kg.config import PROJECT_ROOT
from kg.errors import NotFound
from kg.web import kg

blueprint = Blueprint("map", __name__, template_folder="templates")

NODE_MODULES = PROJECT_ROOT / "node_modules"
ASSETS = {
    "countries.json": Path("world-atlas") / "countries-50m.json",
    "topojson-client.js": Path("topojson-client") / "dist" / "topojson-client.min.js",
}
"""What the page loads from ``node_modules/``, by the name it asks for."""


def missing_assets() -> list[str]:
    """The npm files the page needs that are not installed."""
    return [str(path) for path in ASSETS.values() if not (NODE_MODULES / path).is_file()]


def event_dates() -> list[str]:
    """Every day on which a control event at a mapped place may have begun, in order: one
    query (``event-dates``) for all places, every row needed."""
    result = kg().run_whole("event-dates", needed_for="the map's slider would leave days out")
    return sorted({row["earliest"].value for row in result.rows if "earliest" in row})


@blueprint.route("/map")
def page() -> str:
    missing = missing_assets()
    dates = event_dates() if not missing else []
    return render_template("map.html", missing=missing, dates=dates)


@blueprint.route("/map/assets/<name>")
def asset(name: str) -> Response:
    if name not in ASSETS:
        raise NotFound(f"no map asset called {name!r}", hint="one of " + ", ".join(ASSETS))
    path = NODE_MODULES / ASSETS[name]
    if not path.is_file():
        raise NotFound(f"{path} is not installed", hint="run `make install` (it runs `npm ci`)")
    return send_from_directory(path.parent, path.name, max_age=3600)
