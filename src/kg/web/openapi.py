"""``/openapi.json``: an OpenAPI 3.1 description generated from the saved queries' headers
(grlc's idea), so a program can discover every query, its typed parameters and its answers."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue

from kg import __version__
from kg.web import kg

blueprint = Blueprint("openapi", __name__)

SCHEMAS: dict[str, dict[str, Any]] = {
    "date": {"type": "string", "format": "date"},
    "number": {"type": "number"},
    "integer": {"type": "integer"},
    "iri": {"type": "string", "format": "uri"},
    "place": {"type": "string", "description": "an IRI, an id or any label or alternate name of a place"},
    "actor": {"type": "string", "description": "an IRI, an id or any label or alternate name of an actor"},
    "entity": {"type": "string", "description": "an IRI, an id or any label of a place, asset or actor"},
    "string": {"type": "string"},
}
ERROR = {
    "type": "object",
    "required": ["ok", "error", "errors", "status"],
    "properties": {
        "ok": {"const": False},
        "error": {"type": "string"},
        "status": {"type": "integer"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["message"],
                "properties": {
                    "message": {"type": "string"},
                    "type": {"type": "string"},
                    "field": {"type": "string"},
                    "hint": {"type": "string"},
                },
            },
        },
    },
}
SPARQL_JSON = {
    "type": "object",
    "required": ["head"],
    "properties": {
        "head": {"type": "object", "properties": {"vars": {"type": "array", "items": {"type": "string"}}}},
        "results": {"type": "object", "properties": {"bindings": {"type": "array", "items": {"type": "object"}}}},
        "boolean": {"type": "boolean"},
    },
}


def document(base_url: str) -> dict[str, Any]:
    """The OpenAPI document for the saved queries in the settings' folder."""
    paths: dict[str, Any] = {}
    for query in kg().catalogue().values():
        parameters = []
        for p in query.params:
            schema = dict(SCHEMAS[p.type])
            if p.enum:
                schema["enum"] = list(p.enum)
            if p.default is not None:
                schema["default"] = _typed(p.type, p.default)
            parameter: dict[str, Any] = {"name": p.name, "in": "query", "required": p.required, "schema": schema}
            if p.example is not None:
                parameter["example"] = _typed(p.type, p.example)
            if p.help:
                parameter["description"] = p.help
            parameters.append(parameter)
        paths[f"/queries/{query.name}.json"] = {
            "get": {
                "operationId": query.name.replace("-", "_"),
                "summary": query.title,
                "description": query.description,
                "parameters": parameters,
                "responses": {
                    "200": {
                        "description": "SPARQL 1.1 JSON results",
                        "content": {
                            "application/sparql-results+json": {
                                "schema": {"$ref": "#/components/schemas/SparqlResults"}
                            }
                        },
                    },
                    "400": {
                        "description": "a parameter is missing or of the wrong type",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                    },
                    "503": {
                        "description": "the query ran past its time limit",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                    },
                },
            }
        }
    paths["/sparql"] = {
        "get": {
            "operationId": "sparql_query",
            "summary": "SPARQL 1.1 Protocol query",
            "parameters": [{"name": "query", "in": "query", "required": False, "schema": {"type": "string"}}],
            "responses": {
                "200": {"description": "results, or the service description when no query is given"},
                "400": {
                    "description": "a syntax error, with its position",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                },
            },
        }
    }
    paths.update(OTHER_PATHS)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "kg — territorial control in the Syrian conflict",
            "version": __version__,
            "description": "Saved queries over the graph, generated from their #+ headers.",
        },
        "servers": [{"url": base_url.rstrip("/")}],
        "paths": paths,
        "components": {"schemas": {"Error": ERROR, "SparqlResults": SPARQL_JSON}},
    }


def _error_response(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


RECONCILE_QUERIES = {
    "name": "queries",
    "in": "query",
    "required": False,
    "description": "a JSON object of reconciliation queries (W3C Reconciliation API 0.2); without it, the manifest",
    "schema": {"type": "string"},
    "example": '{"q0": {"query": "Qaryatain", "type": "Place"}}',
}
OTHER_PATHS: dict[str, Any] = {
    "/reconcile": {
        "get": {
            "operationId": "reconcile",
            "summary": "Reconciliation service (W3C Reconciliation API 0.2): manifest, or candidates for queries",
            "parameters": [RECONCILE_QUERIES],
            "responses": {
                "200": {"description": "the service manifest, or a result batch", "content": {"application/json": {}}},
                "400": _error_response("a batch that is not JSON, or an unknown type or property"),
            },
        },
        "post": {
            "operationId": "reconcile_post",
            "summary": "Candidates for a batch of reconciliation queries sent as the form field 'queries'",
            "requestBody": {
                "content": {
                    "application/x-www-form-urlencoded": {
                        "schema": {"type": "object", "properties": {"queries": {"type": "string"}}}
                    }
                }
            },
            "responses": {
                "200": {"description": "a result batch", "content": {"application/json": {}}},
                "400": _error_response("a batch that is not JSON, or an unknown type or property"),
            },
        },
    },
    "/reconcile/suggest/entity": {
        "get": {
            "operationId": "reconcile_suggest_entity",
            "summary": "Places, assets and actors with a name beginning with the prefix",
            "parameters": [
                {"name": "prefix", "in": "query", "required": True, "schema": {"type": "string"}, "example": "Qary"},
                {"name": "cursor", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 0}},
            ],
            "responses": {"200": {"description": "suggestions", "content": {"application/json": {}}}},
        }
    },
    "/reconcile/preview": {
        "get": {
            "operationId": "reconcile_preview",
            "summary": "A small HTML page about one entity, for a reconciliation client's preview pane",
            "parameters": [
                {
                    "name": "id",
                    "in": "query",
                    "required": True,
                    "schema": {"type": "string"},
                    "example": "place/palmyra",
                }
            ],
            "responses": {
                "200": {"description": "the preview", "content": {"text/html": {}}},
                "404": _error_response("no entity has this id"),
            },
        }
    },
    "/export/places.lpf.json": {
        "get": {
            "operationId": "export_places_lpf",
            "summary": "Places and infrastructure as Linked Places Format (GeoJSON-LD)",
            "responses": {"200": {"description": "a FeatureCollection", "content": {"application/geo+json": {}}}},
        }
    },
}


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
