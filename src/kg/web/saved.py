"""Saved queries as a web API and as pages: ``/queries``, ``/queries/<name>[.json|.csv|.geojson]``.

Each route ends in :func:`kg.queries.run`, the function ``kg query`` calls. A page opened
without its required parameters shows the form and says what to fill in (not a 400 page); a
program that leaves one out gets a 400 in the one error shape, naming the parameter.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, render_template, request, url_for

from kg import formats, queries
from kg.errors import NotAcceptable, NotFound, ParameterError
from kg.store import QueryResult
from kg.web import settings, store
from kg.web.links import Cell, cell

blueprint = Blueprint("saved", __name__)

SUFFIXES = {
    "json": "application/sparql-results+json",
    "csv": "text/csv",
    "geojson": "application/geo+json",
}


@blueprint.route("/queries")
@blueprint.route("/queries.json", defaults={"suffix": "json"})
def index(suffix: str | None = None) -> Response | str:
    catalogue = queries.catalogue(settings().queries)
    if suffix == "json" or not _page_wanted():
        return jsonify({"ok": True, "queries": [describe(q) for q in catalogue.values()]})
    return render_template("queries.html", queries=list(catalogue.values()))


def describe(query: queries.SavedQuery) -> dict[str, Any]:
    return {
        "name": query.name,
        "title": query.title,
        "description": query.description,
        "url": url_for("saved.run", name=query.name, _external=True),
        "params": [
            {
                "name": p.name,
                "type": p.type,
                "required": p.required,
                "default": p.default,
                "example": p.example,
                "help": p.help,
                "enum": list(p.enum) or None,
            }
            for p in query.params
        ],
    }


@blueprint.route("/queries/<name>")
def run(name: str) -> Response | str:
    name, suffix = _split(name)
    config = settings()
    query = queries.get(config.queries, name)
    values = {k: v for k, v in request.args.items() if k != "format" and v != ""}
    fmt = suffix or _negotiated()
    if fmt is None:  # a page for people
        return _page(query, values)
    result = queries.run(
        store(),
        config.queries,
        name,
        values,
        timeout=config.query_timeout,
        max_rows=config.max_rows,
        defaults=config.query_defaults(),
    )
    headers = {"X-KG-Truncated": "true" if result.truncated else "false"}
    if fmt == "csv":
        return Response(formats.to_csv(result), content_type="text/csv; charset=utf-8", headers=headers)
    if fmt == "geojson":
        return Response(formats.to_geojson(result), mimetype="application/geo+json", headers=headers)
    return Response(
        formats.to_json(result), content_type="application/sparql-results+json; charset=utf-8", headers=headers
    )


def _split(name: str) -> tuple[str, str | None]:
    base, dot, suffix = name.rpartition(".")
    if dot and suffix in SUFFIXES:
        return base, suffix
    if dot:
        raise NotFound(f"no format .{suffix}", hint="use .json, .csv or .geojson")
    return name, None


def _page_wanted() -> bool:
    accept = request.accept_mimetypes
    return (
        accept.best_match(["text/html", "application/json"]) == "text/html"
        and accept["text/html"] >= accept["application/json"]
    )


def _negotiated() -> str | None:
    """None for a page; otherwise the data format named by ``format=`` or ``Accept``."""
    named = request.args.get("format")
    if named:
        if named not in SUFFIXES:
            raise NotAcceptable(f"format={named!r} is not offered", hint="json, csv or geojson")
        return named
    if not request.headers.get("Accept") or _page_wanted():
        return None if request.headers.get("Accept") else "json"
    best = request.accept_mimetypes.best_match([*SUFFIXES.values(), "application/json"])
    if best is None:
        raise NotAcceptable(
            f"cannot answer with any of: {request.headers['Accept']}", hint="accept " + ", ".join(SUFFIXES.values())
        )
    return {"application/json": "json", **{v: k for k, v in SUFFIXES.items()}}[best]


def _page(query: queries.SavedQuery, values: dict[str, str]) -> str:
    missing = [p for p in query.params if p.required and p.name not in values and p.default is None]
    result, problem = None, None
    if values and not missing:
        config = settings()
        try:
            result = queries.run(
                store(),
                config.queries,
                query.name,
                values,
                timeout=config.query_timeout,
                max_rows=config.max_rows,
                defaults=config.query_defaults(),
            )
        except ParameterError as exc:
            problem = exc
    elif values and missing:
        problem = ParameterError("fill in " + ", ".join(p.name for p in missing) + " to run the query")
    _columns, rows = _table(result, hide=set(values)) if result else ([], [])
    data_links = {s: url_for("saved.run", name=f"{query.name}.{s}", **values) for s in SUFFIXES}  # type: ignore[arg-type]
    return render_template(
        "query.html",
        query=query,
        values=values,
        result=result,
        rows=rows,
        problem=problem,
        missing=[p.name for p in missing] if values else [],
        data_links=data_links,
        has_geometry="wkt" in (result.variables if result else ()),
    )


def _table(result: QueryResult, hide: set[str]) -> tuple[list[str], list[list[Cell]]]:
    """Columns for people: echoed parameters left out, and an IRI shown by its label when the
    query gives one (``controller`` linked, with the text of ``controllerLabel``)."""
    shown = [v for v in result.variables if v not in hide and not (v.endswith("Label") and v[:-5] in result.variables)]
    rows = []
    for row in result.rows:
        cells = []
        for v in shown:
            c = cell(row.get(v))
            label = row.get(f"{v}Label")
            cells.append(Cell(label.value, c.href, c.title) if label is not None and c.href else c)
        rows.append(cells)
    return shown, rows
