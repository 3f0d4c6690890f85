"""Saved queries as a web API and as pages: ``/queries``, ``/queries/<name>[.json|.csv|.geojson]``.

Each route ends in :meth:`kg.app.Kg.run`, the call ``kg query`` makes. A page opened
without its required parameters shows the form and says what to fill in (not a 400 page); a
program that leaves one out gets a 400 in the one error shape, naming the parameter.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, render_template, request, url_for

from kg import queries
from kg.errors import NotFound, ParameterError, UnknownName
from kg.resolver import Reading
from kg.store import QueryResult
from kg.web import kg
from kg.web.endpoint import advised
from kg.web.links import Cell, cell
from kg.web.responses import negotiate, results

blueprint = Blueprint("saved", __name__)

DATA = ("json", "csv", "geojson")
"""The formats of a saved query's answer, each also a suffix: ``/queries/<name>.csv``."""


@blueprint.route("/queries")
@blueprint.route("/queries.json", defaults={"suffix": "json"})
def index(suffix: str | None = None) -> Response | str:
    catalogue = kg().catalogue()
    if suffix == "json" or negotiate(["html", "json"], default="json", strict=False) == "json":
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
    query = kg().saved(name)
    values = {k: v for k, v in request.args.items() if k != "format" and v != ""}
    fmt = suffix or negotiate(["html", *DATA], default="json")
    if fmt == "html":  # a page for people
        return _page(query, values)
    answer = _answer(name, values)
    return advised(results(answer.result, fmt), (), tuple(r.to_json() for r in answer.readings))


WEB_LOOKUP_HINT = (
    "give an IRI, an id or a name; /reconcile/suggest/entity?prefix= with the first letters, "
    "or the search box, finds the names the graph knows"
)


def _answer(name: str, values: dict[str, str]) -> queries.Answer:
    """The saved query's answer; an unknown name's hint says where on the web to look names up."""
    try:
        return kg().answer(name, values)
    except UnknownName as exc:
        raise exc.hinted(WEB_LOOKUP_HINT) from None


def _split(name: str) -> tuple[str, str | None]:
    base, dot, suffix = name.rpartition(".")
    if dot and suffix in DATA:
        return base, suffix
    if dot:
        raise NotFound(f"no format .{suffix}", hint="use " + ", ".join(f".{s}" for s in DATA))
    return name, None


def _page(query: queries.SavedQuery, values: dict[str, str]) -> str:
    missing = [p for p in query.params if p.required and p.name not in values and p.default is None]
    result, problem = None, None
    readings: tuple[Reading, ...] = ()
    if values and not missing:
        try:
            answer = _answer(query.name, values)
            result, readings = answer.result, answer.readings
        except ParameterError as exc:
            problem = exc
    elif values and missing:
        problem = ParameterError("fill in " + ", ".join(p.name for p in missing) + " to run the query")
    _columns, rows = _table(result, hide=set(values)) if result else ([], [])
    data_links = {s: url_for("saved.run", name=f"{query.name}.{s}", **values) for s in DATA}  # type: ignore[arg-type]
    return render_template(
        "query.html",
        query=query,
        values=values,
        result=result,
        rows=rows,
        problem=problem,
        readings=readings,
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
