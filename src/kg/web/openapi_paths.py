"""The paths of ``/openapi.json`` that are not saved queries: every other route the app serves.

Pure data built with a few helpers; :mod:`kg.web.openapi` adds the saved queries' paths and the
components. ``tests/test_openapi.py`` walks Flask's URL map and finds every route and method here.
"""

from __future__ import annotations

from typing import Any

from kg.web.openapi_schemas import ref

RDF_TYPES = ("text/turtle", "application/n-triples", "application/ld+json", "application/rdf+xml")
RESULT_TYPES = (
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/csv",
    "text/tab-separated-values",
)
TOKEN: list[dict[str, list[str]]] = [{"bearerAuth": []}]


def json_body(description: str, schema: str) -> dict[str, Any]:
    """A response whose body is component schema ``schema`` as JSON."""
    return {"description": description, "content": {"application/json": {"schema": ref(schema)}}}


def error(description: str) -> dict[str, Any]:
    """An error response in the one JSON error shape."""
    return json_body(description, "Error")


def media(description: str, *types: str) -> dict[str, Any]:
    """A response in one of ``types``, whose bodies are not JSON documents."""
    return {"description": description, "content": {t: {} for t in types}}


def query(name: str, description: str, *, required: bool = False, **schema: Any) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": required,
        "description": description,
        "schema": schema or {"type": "string"},
    }


def path(name: str, description: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "description": description, "schema": {"type": "string"}}


def get(operation: str, summary: str, responses: dict[str, Any], parameters: list[Any] | None = None) -> dict[str, Any]:
    return {
        "get": {"operationId": operation, "summary": summary, "parameters": parameters or [], "responses": responses}
    }


FORMAT = query("format", "the answer's format by name, for clients that cannot set Accept (e.g. json, csv, turtle)")
NOT_FOUND = error("nothing of that name")
NOT_ACCEPTABLE = error("no offered format fits Accept or format=")
REPORT = {
    "description": "the validation report (the W3C SHACL report as Turtle when asked for text/turtle)",
    "content": {"application/json": {"schema": ref("ValidationReport")}, "text/turtle": {}},
}
SUBMISSION_BODY = {
    "required": True,
    "description": "an annotation file with its article text, or an RDF document",
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "properties": {
                    "annotation": {"type": "string", "contentMediaType": "application/yaml"},
                    "text": {"type": "string", "contentMediaType": "text/plain"},
                    "rdf": {"type": "string", "contentMediaType": "text/turtle"},
                },
            }
        },
        "application/json": {
            "schema": {
                "type": "object",
                "required": ["annotation"],
                "properties": {
                    "annotation": {"type": "string"},
                    "text": {"type": "string"},
                    "name": {"type": "string"},
                },
            }
        },
        **{t: {"schema": {"type": "string"}} for t in (*RDF_TYPES, "application/trig", "application/n-quads")},
    },
}
READ_ERRORS = {
    "400": error("the body cannot be read"),
    "413": error("the body is over KG_MAX_BODY"),
    "415": error("a body of a type kg does not take"),
}
WRITE_ERRORS = {"401": error("no write token"), "403": error("a token KG_TOKENS does not list")}


def _sparql() -> dict[str, Any]:
    described = media(
        "the results, a graph, or (with neither query nor update) the service description", *RESULT_TYPES, *RDF_TYPES
    )
    described["content"]["application/sparql-results+json"] = {"schema": ref("SparqlResults")}
    answers = {"200": described, "400": error("a syntax error, with its position"), "406": NOT_ACCEPTABLE}
    form = {
        "type": "object",
        "properties": {
            "query": {"type": "string"},
            "update": {"type": "string"},
            "default-graph-uri": {"type": "array", "items": {"type": "string"}},
            "named-graph-uri": {"type": "array", "items": {"type": "string"}},
        },
    }
    return {
        "get": {
            "operationId": "sparql_query",
            "summary": "SPARQL 1.1 Protocol query; with no query, the service description",
            "parameters": [query("query", "a SPARQL query"), FORMAT],
            "responses": answers,
        },
        "post": {
            "operationId": "sparql_post",
            "summary": "SPARQL 1.1 Protocol query or update (an update needs a write token)",
            "security": [{}, *TOKEN],
            "requestBody": {
                "required": True,
                "content": {
                    "application/x-www-form-urlencoded": {"schema": form},
                    "application/sparql-query": {"schema": {"type": "string"}},
                    "application/sparql-update": {"schema": {"type": "string"}},
                },
            },
            "responses": {
                **answers,
                "204": {"description": "the update was applied"},
                **WRITE_ERRORS,
                "415": READ_ERRORS["415"],
            },
        },
        **{
            method: {
                "operationId": f"sparql_{method}",
                "summary": f"{method.upper()}: the Graph Store Protocol is not served; always 405, saying so",
                "responses": {"405": error("the Graph Store HTTP Protocol is not served here")},
            }
            for method in ("put", "delete", "patch")
        },
    }


def _reconcile() -> dict[str, Any]:
    queries = query(
        "queries", "a JSON object of reconciliation queries (W3C Reconciliation API 0.2); without it, the manifest"
    )
    queries["example"] = '{"q0": {"query": "Qaryatain", "type": "Place"}}'
    answer = {
        "description": "the service manifest, or a result batch",
        "content": {
            "application/json": {"schema": {"oneOf": [ref("ReconciliationManifest"), ref("ReconciliationResultBatch")]}}
        },
    }
    bad = error("a batch that is not JSON, or an unknown type or property")
    form = {"type": "object", "required": ["queries"], "properties": {"queries": {"type": "string"}}}
    return {
        "get": {
            "operationId": "reconcile",
            "summary": "Reconciliation service: manifest, or candidates for queries",
            "parameters": [queries],
            "responses": {"200": answer, "400": bad},
        },
        "post": {
            "operationId": "reconcile_post",
            "summary": "Candidates for a batch of reconciliation queries sent as the form field 'queries'",
            "requestBody": {"required": True, "content": {"application/x-www-form-urlencoded": {"schema": form}}},
            "responses": {"200": json_body("a result batch", "ReconciliationResultBatch"), "400": bad},
        },
    }


PREFIX = query("prefix", "what the user has typed so far", required=True)
PREFIX["example"] = "Qary"

PATHS: dict[str, Any] = {
    "/sparql": _sparql(),
    "/": get(
        "home",
        "The home page: what the graph holds, its sources and a SPARQL editor",
        {"200": media("the page", "text/html")},
    ),
    "/queries": get(
        "query_catalogue_page",
        "The saved queries, as a page",
        {"200": media("the catalogue", "text/html", "application/json")},
        [FORMAT],
    ),
    "/queries.json": get(
        "query_catalogue",
        "The saved queries with their parameters",
        {"200": json_body("the catalogue", "QueryCatalogue")},
    ),
    "/id/{rest}": get(
        "entity",
        "An entity's IRI: a page for browsers, its description as RDF by content negotiation",
        {
            "200": media("the entity", "text/html", *RDF_TYPES),
            "404": error("nothing in the graph has this IRI"),
            "406": NOT_ACCEPTABLE,
        },
        [path("rest", "the IRI's path after /id/, e.g. place/al-qaryatayn"), FORMAT],
    ),
    "/docs/{name}": get(
        "doc",
        "A documentation page",
        {"200": media("the page", "text/html"), "404": NOT_FOUND},
        [path("name", "the page's name")],
    ),
    "/favicon.ico": get("favicon", "The site icon", {"200": media("the icon", "image/svg+xml", "image/x-icon")}),
    "/static/{filename}": get(
        "static",
        "The pages' style sheets and scripts",
        {"200": media("the file", "text/css", "text/javascript"), "404": NOT_FOUND},
        [path("filename", "the file")],
    ),
    "/openapi.json": get(
        "openapi",
        "This document",
        {
            "200": {
                "description": "the OpenAPI document",
                "content": {"application/json": {"schema": {"type": "object", "required": ["openapi", "paths"]}}},
            }
        },
    ),
    "/ontology": get(
        "ontology",
        "The kg ontology: a page, or the OWL file as Turtle or RDF/XML",
        {"200": media("the ontology", "text/html", "text/turtle", "application/rdf+xml"), "406": NOT_ACCEPTABLE},
        [FORMAT],
    ),
    "/map": get("map", "The control map", {"200": media("the page", "text/html")}),
    "/map/assets/{name}": get(
        "map_asset",
        "The map's scripts and styles",
        {"200": media("the file", "text/javascript", "text/css"), "404": NOT_FOUND},
        [path("name", "the asset")],
    ),
    "/annotate": get(
        "annotate", "The annotator: review a draft annotation in the browser", {"200": media("the page", "text/html")}
    ),
    "/annotate/texts/{name}": get(
        "annotate_text",
        "An article text of the corpus folder, for the annotator",
        {"200": media("the text", "text/plain"), "404": NOT_FOUND},
        [path("name", "the file name, one of those /annotate lists")],
    ),
    "/validate": {
        "post": {
            "operationId": "validate",
            "summary": "Validate an annotation file or an RDF document; nothing is stored",
            "requestBody": SUBMISSION_BODY,
            "responses": {"200": REPORT, "422": REPORT, **READ_ERRORS},
        }
    },
    "/annotate/draft": {
        "post": {
            "operationId": "draft_annotation",
            "summary": "Draft the annotation file of a new article text, every proposal marked draft; stores nothing",
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["text", "file"],
                            "properties": {
                                "text": {"type": "string", "description": "the article's text"},
                                "file": {"type": "string", "description": "its file name, ending in .txt"},
                                "published": {"type": "string", "format": "date", "description": "publication date"},
                            },
                        }
                    }
                },
            },
            "responses": {
                "200": json_body("the draft, its YAML and notes", "Draft"),
                **READ_ERRORS,
                "429": error("too many validations and drafts at once"),
                "503": error("the draft took longer than the request's budget"),
            },
        }
    },
    "/submissions": {
        **get("list_submissions", "The stored submissions", {"200": json_body("the submissions", "Submissions")}),
        "post": {
            "operationId": "submit",
            "summary": "Validate and store an annotation file or an RDF document",
            "security": TOKEN,
            "requestBody": SUBMISSION_BODY,
            "responses": {
                "201": {
                    **json_body("stored; Location names it", "StoredSubmission"),
                    "headers": {"Location": {"schema": {"type": "string", "format": "uri"}}},
                },
                "200": json_body("identical input was stored already", "StoredSubmission"),
                "422": REPORT,
                **READ_ERRORS,
                **WRITE_ERRORS,
            },
        },
    },
    "/submissions/{submission_id}": {
        **get(
            "show_submission",
            "One submission: its record, report and triples",
            {"200": json_body("the submission", "Submission"), "404": NOT_FOUND},
            [path("submission_id", "the submission's id")],
        ),
        "delete": {
            "operationId": "retract",
            "summary": "Retract a submission (its graph leaves the store; the record stays)",
            "security": TOKEN,
            "parameters": [path("submission_id", "the submission's id"), query("reason", "why, for the record")],
            "responses": {"204": {"description": "retracted"}, "404": NOT_FOUND, **WRITE_ERRORS},
        },
    },
    "/reconcile": _reconcile(),
    "/reconcile/suggest/entity": get(
        "reconcile_suggest_entity",
        "Places, assets and actors whose id or a name begins with the prefix",
        {"200": json_body("suggestions", "SuggestEntities"), "400": error("a bad cursor or an unknown type")},
        [
            PREFIX,
            query("cursor", "how many to skip", type="integer", minimum=0),
            query("type", "keep to this kg class (e.g. Settlement)"),
        ],
    ),
    "/reconcile/suggest/type": get(
        "reconcile_suggest_type",
        "The kg classes whose id or name begins with the prefix",
        {"200": json_body("suggestions", "SuggestTypes")},
        [PREFIX],
    ),
    "/reconcile/suggest/property": get(
        "reconcile_suggest_property",
        "The properties a query may give",
        {"200": json_body("suggestions", "SuggestProperties")},
        [PREFIX],
    ),
    "/reconcile/preview": get(
        "reconcile_preview",
        "A small HTML page about one entity, for a reconciliation client's preview pane",
        {"200": media("the preview", "text/html"), "400": error("no id given"), "404": error("no entity has this id")},
        [{**query("id", "the entity's id", required=True), "example": "place/palmyra"}],
    ),
    "/export/places.lpf.json": get(
        "export_places_lpf",
        "Places and infrastructure as Linked Places Format (GeoJSON-LD), valid WHG uploads",
        {
            "200": {
                "description": "a FeatureCollection",
                "content": {"application/geo+json": {"schema": ref("LinkedPlaces")}},
            }
        },
    ),
}
