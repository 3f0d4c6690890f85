"""``/openapi.json``: an OpenAPI 3.1 description of every route the app serves.

The saved queries' paths are generated from their headers (grlc's idea) — each query in its four
forms, ``/queries/<name>`` (negotiated) and ``.json``, ``.csv``, ``.geojson`` — so a program can
discover every query, its typed parameters and its answers; the other routes are
:mod:`kg.web.openapi_paths`, their answers' shapes :mod:`kg.web.openapi_schemas`."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue

from kg import __version__
from kg.queries import Param
from kg.web import kg
from kg.web.openapi_paths import FORMAT, PATHS, error
from kg.web.openapi_schemas import SCHEMAS as COMPONENTS
from kg.web.openapi_schemas import ref

blueprint = Blueprint("openapi", __name__)

PARAMETER_SCHEMAS: dict[str, dict[str, Any]] = {
    "date": {"type": "string", "format": "date"},
    "number": {"type": "number"},
    "integer": {"type": "integer"},
    "iri": {"type": "string", "format": "uri"},
    "place": {"type": "string", "description": "an IRI, an id or any label or alternate name of a place"},
    "actor": {"type": "string", "description": "an IRI, an id or any label or alternate name of an actor"},
    "entity": {"type": "string", "description": "an IRI, an id or any label of a place, asset or actor"},
    "string": {"type": "string"},
}
ANSWERS = {  # suffix → (media type, schema or None, what it is)
    "json": ("application/sparql-results+json", ref("SparqlResults"), "SPARQL 1.1 JSON results"),
    "csv": ("text/csv", {"type": "string"}, "the rows as CSV, a header line first"),
    "geojson": (
        "application/geo+json",
        {"type": "object", "required": ["type", "features"]},
        "a GeoJSON FeatureCollection of the rows with coordinates",
    ),
}
ERRORS = {
    "400": error("a parameter is missing or of the wrong type"),
    "404": error("a name the graph does not know"),
    "503": error("the query ran past its time limit"),
}


def document(base_url: str) -> dict[str, Any]:
    """The OpenAPI document: the saved queries in the settings' folder, then every other route."""
    paths: dict[str, Any] = {}
    for saved in kg().catalogue().values():
        parameters = [_parameter(p) for p in saved.params]
        operation = saved.name.replace("-", "_")
        for suffix, (media_type, schema, what) in ANSWERS.items():
            paths[f"/queries/{saved.name}.{suffix}"] = {
                "get": {
                    "operationId": operation if suffix == "json" else f"{operation}_{suffix}",
                    "summary": saved.title,
                    "description": saved.description,
                    "parameters": parameters,
                    "responses": {"200": {"description": what, "content": {media_type: {"schema": schema}}}, **ERRORS},
                }
            }
        negotiated = {t: {"schema": s} for t, s, _ in ANSWERS.values()} | {"text/html": {}}
        paths[f"/queries/{saved.name}"] = {
            "get": {
                "operationId": f"{operation}_negotiated",
                "summary": f"{saved.title} (a page for browsers, data by Accept or format=)",
                "parameters": [*parameters, FORMAT],
                "responses": {"200": {"description": "the answer", "content": negotiated}, **ERRORS},
            }
        }
    paths.update(PATHS)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "kg — territorial control in the Syrian conflict",
            "version": __version__,
            "description": "Every route kg serves; the saved queries generated from their #+ headers.",
        },
        "servers": [{"url": base_url.rstrip("/")}],
        "paths": paths,
        "components": {
            "schemas": COMPONENTS,
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer", "description": "a write token (kg token)"}
            },
        },
    }


def _parameter(p: Param) -> dict[str, Any]:
    """A saved query's parameter as an OpenAPI query parameter."""
    schema = dict(PARAMETER_SCHEMAS[p.type])
    if p.enum:
        schema["enum"] = list(p.enum)
    if p.default is not None:
        schema["default"] = _typed(p.type, p.default)
    parameter: dict[str, Any] = {"name": p.name, "in": "query", "required": p.required, "schema": schema}
    if p.example is not None:
        parameter["example"] = _typed(p.type, p.example)
    if p.help:
        parameter["description"] = p.help
    return parameter


def _typed(kind: str, value: str) -> object:
    """A default or example as the JSON value its schema type asks for."""
    if kind == "integer":
        return int(value)
    if kind == "number":
        return float(value)
    return value


@blueprint.route("/openapi.json")
def openapi() -> ResponseReturnValue:
    return jsonify(document(request.host_url))
