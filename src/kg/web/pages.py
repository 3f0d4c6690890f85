"""Pages for people: ``/`` (what the graph holds, the saved queries, a SPARQL editor) and
``/id/…`` for every entity, article, event and claim — HTML for a browser, RDF for an RDF
client (content negotiation). The data come from saved queries, through :func:`queries.run`.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, render_template, request, send_from_directory

from kg import formats, queries
from kg.errors import NotAcceptable, NotFound
from kg.store import QueryResult, RdfTerm
from kg.web import settings, store
from kg.web.endpoint import GRAPH_TYPES
from kg.web.links import ID_BASE, cell

blueprint = Blueprint("pages", __name__, static_folder="static", template_folder="templates")

EXAMPLE_QUERIES = {
    "Who held al-Qaryatayn, by source": """SELECT ?date ?controllerLabel ?article WHERE {
  ?event kg:place <https://w3id.org/kg/id/place/al-qaryatayn> ; kg:dateEarliest ?date ;
         kg:gainingActor|kg:controllingActor ?controller ; prov:wasDerivedFrom ?article .
  ?controller rdfs:label ?controllerLabel .
} ORDER BY ?date""",
    "Places with coordinates": """SELECT ?place ?label ?wkt WHERE {
  ?place a/rdfs:subClassOf* kg:Place ; rdfs:label ?label ; geo:hasGeometry/geo:asWKT ?wkt .
} ORDER BY ?label""",
    "Events per article": """SELECT ?article (COUNT(?event) AS ?events) WHERE {
  ?event a/rdfs:subClassOf* kg:ControlEvent ; prov:wasDerivedFrom ?article .
} GROUP BY ?article ORDER BY ?article""",
}
PREFIX_LINES = "\n".join(f"PREFIX {p}: <{iri}>" for p, iri in formats.PREFIXES.items())


def _run(name: str, **values: str) -> QueryResult:
    config = settings()
    return queries.run(
        store(),
        config.queries,
        name,
        values,
        timeout=config.query_timeout,
        max_rows=config.max_rows,
        defaults=config.query_defaults(),
    )


@blueprint.route("/")
def home() -> str:
    counts = {row["kindLabel"].value: int(row["count"].value) for row in _run("summary").rows}
    articles = _run("articles")
    return render_template(
        "index.html",
        counts=counts,
        articles=[{k: cell(v) for k, v in row.items()} for row in articles.rows],
        queries=list(queries.catalogue(settings().queries).values()),
        prefixes=PREFIX_LINES,
        examples=EXAMPLE_QUERIES,
    )


@blueprint.route("/id/<path:rest>")
def entity(rest: str) -> Response | str:
    iri = ID_BASE + rest
    statements = _run("describe", iri=iri)
    if not statements.rows:
        raise NotFound(f"nothing in the graph is called <{iri}>", hint="start from / or /queries")
    media = _rdf_wanted()
    if media is not None:
        return Response(formats.convert_rdf(_ntriples(statements), GRAPH_TYPES[media]), mimetype=media)
    return render_template("entity.html", **_entity_view(iri, rest.split("/", 1)[0], statements))


def _rdf_wanted() -> str | None:
    """An RDF media type if the client prefers one to HTML; 406 if it accepts neither."""
    named = request.args.get("format")
    if named:
        by_name = {v: k for k, v in GRAPH_TYPES.items()}
        if named not in by_name:
            raise NotAcceptable(f"format={named!r} is not offered", hint="one of " + ", ".join(by_name))
        return by_name[named]
    if not request.headers.get("Accept"):
        return None
    offered = ["text/html", *GRAPH_TYPES]
    best = request.accept_mimetypes.best_match(offered)
    if best is None:
        raise NotAcceptable(
            f"cannot answer with any of: {request.headers['Accept']}", hint="accept " + ", ".join(offered)
        )
    return None if best == "text/html" else best


def _ntriples(statements: QueryResult) -> str:
    return "".join(f"{row['iri'].n3()} {row['property'].n3()} {row['value'].n3()} .\n" for row in statements.rows)


def _entity_view(iri: str, kind: str, statements: QueryResult) -> dict[str, Any]:
    rows = statements.rows
    values: dict[str, list[RdfTerm]] = {}
    for row in rows:
        values.setdefault(_local_name(row["property"].value), []).append(row["value"])
    labels = {row["value"].value: row["valueLabel"].value for row in rows if "valueLabel" in row}
    title = next((v.value for v in values.get("label", [])), formats.short(RdfTerm("uri", iri)))
    view: dict[str, Any] = {
        "iri": iri,
        "kind": kind,
        "title": title,
        "statements": [
            (cell(row["property"]), cell(row["value"]), labels.get(row["value"].value), cell(row["graph"]))
            for row in rows
        ],
        "alt_labels": sorted(v.value for v in values.get("altLabel", [])),
        "history": None,
        "events": None,
        "mentions": None,
        "evidence": None,
    }
    if kind in {"place", "asset"}:
        view["history"] = _table(_run("place-history", place=iri))
    if kind == "actor":
        view["events"] = _table(_run("actor-events", actor=iri))
    if kind in {"place", "asset", "actor"}:
        view["mentions"] = _table(_run("mentions", entity=iri))
    if kind in {"event", "claim"}:
        view["evidence"] = _run("evidence", item=iri).rows
    return view


def _local_name(iri: str) -> str:
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def _table(result: QueryResult) -> dict[str, Any]:
    return {"columns": result.variables, "rows": [[cell(row.get(v)) for v in result.variables] for row in result.rows]}


@blueprint.route("/favicon.ico")
def favicon() -> Response:
    return send_from_directory(blueprint.static_folder or "", "favicon.svg", mimetype="image/svg+xml")
