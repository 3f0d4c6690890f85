"""The JSON Schemas of ``/openapi.json``'s ``components``: the shapes kg answers with.

Each is what a route really sends (``tests/test_openapi.py`` validates live answers against
them), strict where a client relies on a member and open (``additionalProperties``) where kg
may add one later. Pure data: :mod:`kg.web.openapi` assembles the document.
"""

from __future__ import annotations

from typing import Any


def ref(name: str) -> dict[str, str]:
    """A reference to component schema ``name``."""
    return {"$ref": f"#/components/schemas/{name}"}


def _array(items: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"type": "array", "items": items, **extra}


def _object(required: list[str], properties: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"type": "object", "required": required, "properties": properties, **extra}


STRING, INTEGER, BOOLEAN = {"type": "string"}, {"type": "integer"}, {"type": "boolean"}
DETAIL = _object(
    ["message"],
    {"message": STRING, "type": STRING, "field": STRING, "hint": STRING, "file": STRING, "line": INTEGER},
)
TERM = _object(
    ["type", "value"],
    {
        "type": {"enum": ["uri", "literal", "bnode", "triple"]},
        "value": {"type": ["string", "object"]},
        "xml:lang": STRING,
        "datatype": STRING,
    },
)
ADVICE = _object([], {"warnings": _array(STRING), "readAs": _array({"type": "object"})})
TYPE = _object(["id", "name"], {"id": STRING, "name": STRING})
PROBLEM = _object(
    ["severity", "message", "check"],
    {"severity": {"enum": ["error", "warning", "info"]}, "message": STRING, "check": STRING},
)
REPORT = _object(
    ["ok", "conforms", "files", "problems"],
    {
        "ok": BOOLEAN,
        "conforms": BOOLEAN,
        "files": _array(STRING),
        "problems": _array(PROBLEM),
        "error": STRING,
        "errors": _array(DETAIL),
        "status": INTEGER,
    },
)
CITATION = _object(["label"], {"@id": STRING, "label": STRING, "year": INTEGER})
FEATURE = _object(
    ["@id", "type", "properties", "names", "geometry"],
    {
        "@id": {"type": "string", "format": "uri"},
        "type": {"const": "Feature"},
        "properties": _object(
            ["title", "fclasses"],
            {"title": STRING, "fclasses": _array({"enum": list("AHLPRST")}, minItems=1)},
        ),
        "names": _array(
            _object(["toponym"], {"toponym": STRING, "lang": STRING, "citations": _array(CITATION)}), minItems=1
        ),
        "types": _array(_object(["identifier", "label"], {"identifier": STRING, "label": STRING})),
        "geometry": _object(
            ["type", "geometries"], {"type": {"const": "GeometryCollection"}, "geometries": _array({})}
        ),
        "links": _array(
            _object(["type", "identifier"], {"type": {"enum": ["exactMatch", "closeMatch"]}, "identifier": STRING})
        ),
        "relations": _array(_object(["relationType", "relationTo", "label"], {})),
    },
)

SCHEMAS: dict[str, dict[str, Any]] = {
    "Error": _object(
        ["ok", "error", "errors", "status"],
        {"ok": {"const": False}, "error": STRING, "errors": _array(DETAIL), "status": INTEGER},
    ),
    "SparqlResults": {
        **_object(
            ["head"],
            {
                "head": _object([], {"vars": _array(STRING), "link": _array(STRING)}),
                "results": _object(
                    ["bindings"], {"bindings": _array({"type": "object", "additionalProperties": TERM})}
                ),
                "boolean": BOOLEAN,
                "kg": ADVICE,
            },
        ),
        "anyOf": [{"required": ["results"]}, {"required": ["boolean"]}],
    },
    "QueryCatalogue": _object(
        ["ok", "queries"],
        {
            "ok": {"const": True},
            "queries": _array(
                _object(
                    ["name", "title", "description", "url", "params"],
                    {
                        "name": STRING,
                        "title": STRING,
                        "description": STRING,
                        "url": {"type": "string", "format": "uri"},
                        "params": _array(_object(["name", "type", "required"], {"name": STRING, "type": STRING})),
                    },
                )
            ),
        },
    ),
    "ReconciliationManifest": _object(
        ["versions", "name", "identifierSpace", "schemaSpace"],
        {
            "versions": _array(STRING, contains={"const": "0.2"}),
            "name": STRING,
            "identifierSpace": STRING,
            "schemaSpace": STRING,
            "defaultTypes": _array(ref("ReconciliationType")),
            "view": _object(["url"], {"url": STRING}),
            "preview": _object(["url", "width", "height"], {"url": STRING, "width": INTEGER, "height": INTEGER}),
            "suggest": {"type": "object", "additionalProperties": _object(["service_url", "service_path"], {})},
        },
    ),
    "ReconciliationType": TYPE,
    "ReconciliationResultBatch": {
        "type": "object",
        "additionalProperties": _object(
            ["result"],
            {
                "result": _array(
                    _object(
                        ["id", "name", "score", "match"],
                        {
                            "id": STRING,
                            "name": STRING,
                            "description": STRING,
                            "type": _array(ref("ReconciliationType")),
                            "score": {"type": "number", "minimum": 0, "maximum": 100},
                            "match": BOOLEAN,
                            "features": _array(
                                _object(["id", "value"], {"id": STRING, "value": {"type": ["number", "boolean"]}})
                            ),
                        },
                    )
                )
            },
        ),
    },
    "SuggestEntities": _object(
        ["result"],
        {
            "result": _array(
                _object(
                    ["id", "name"],
                    {"id": STRING, "name": STRING, "description": STRING, "notable": _array(ref("ReconciliationType"))},
                )
            )
        },
    ),
    "SuggestTypes": _object(["result"], {"result": _array(ref("ReconciliationType"))}),
    "SuggestProperties": _object(["result"], {"result": _array(TYPE)}),
    "LinkedPlaces": _object(
        ["type", "@context", "features"],
        {"type": {"const": "FeatureCollection"}, "@context": STRING, "features": _array(FEATURE)},
    ),
    "ValidationReport": REPORT,
    "StoredSubmission": {
        "allOf": [REPORT, _object(["id", "graph", "url"], {"id": STRING, "graph": STRING, "url": STRING})]
    },
    "Draft": _object(
        ["ok", "draft", "yaml", "notes", "proposals"],
        {
            "ok": {"const": True},
            "draft": {"type": "object", "description": "the draft annotation file (schemas/annotation.schema.json)"},
            "yaml": STRING,
            "notes": _array(STRING),
            "proposals": INTEGER,
        },
    ),
    "Submissions": _object(
        ["ok", "submissions"],
        {"ok": {"const": True}, "submissions": _array({"type": "object", "additionalProperties": STRING})},
    ),
    "Submission": _object(
        ["ok", "id", "graph", "record", "report", "triples"],
        {
            "ok": {"const": True},
            "id": STRING,
            "graph": STRING,
            "record": {"type": "object"},
            "report": STRING,
            "triples": _array(STRING),
        },
    ),
}
