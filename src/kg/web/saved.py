"""Saved queries as a web API and as pages: ``/queries``, ``/queries/<name>[.json|.csv|.geojson]``.

Each route ends in :meth:`kg.app.Kg.run`, the call ``kg query`` makes. A page opened
without its required parameters shows the form and says what to fill in (not a 400 page); a
program that leaves one out gets a 400 in the one error shape, naming the parameter.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection, Sequence
from typing import Any

from flask import Blueprint, Response, jsonify, render_template, request, url_for
from markupsafe import Markup, escape

from kg import answers, queries
from kg.errors import NotFound, ParameterError, UnknownName
from kg.formats import KG_BASE
from kg.rendered import Rendered
from kg.resolver import Reading
from kg.store import QueryResult, RdfTerm
from kg.web import kg
from kg.web.endpoint import advised
from kg.web.links import Cell, cell
from kg.web.responses import negotiate, results

blueprint = Blueprint("saved", __name__)

DATA = ("json", "csv", "geojson")
"""The formats of a saved query's answer, each also a suffix: ``/queries/<name>.csv``."""


@blueprint.route("/queries")
def index() -> Response | str:
    """The catalogue: a page for a browser, JSON for a program that does not ask for HTML."""
    if negotiate(["html", "json"], default="json", strict=False) == "json":
        return catalogue_json()
    return render_template("queries.html", groups=groups(kg().catalogue()))


@blueprint.route("/queries.json")
def catalogue_json() -> Response:
    """The catalogue for programs (its own endpoint, so ``url_for("saved.index")`` is the page)."""
    return jsonify({"ok": True, "queries": [describe(q) for q in kg().catalogue().values()]})


GROUPS = (
    (
        "Who held what, when",
        (
            "control-at",
            "control-map",
            "place-history",
            "conflicting-reports",
            "control-timeline",
            "control-periods",
            "control-by-side",
            "infrastructure",
            "actors-at",
        ),
    ),
    ("Places and distances", ("nearby", "reported-distances")),
    ("Actors", ("actor-events",)),
    ("Sources and evidence", ("articles", "evidence", "mentions", "submissions")),
    ("The graph itself", ("summary", "entities", "names", "class-examples", "describe", "graph")),
)
"""The catalogue page's sections, by what the queries answer, the headline questions first; a
query in none of them is listed under "Other"."""


def groups(catalogue: dict[str, queries.SavedQuery]) -> list[tuple[str, list[queries.SavedQuery]]]:
    placed = {name for _, names in GROUPS for name in names}
    sections = [(title, [catalogue[n] for n in names if n in catalogue]) for title, names in GROUPS]
    sections.append(("Other", [q for name, q in sorted(catalogue.items()) if name not in placed]))
    return [(title, found) for title, found in sections if found]


@blueprint.app_template_filter("described")
def described(text: str) -> Markup:
    """A query's description as HTML: `code` in <code>, ``docs/x.md`` linked to the page that serves it."""
    html = str(escape(text))
    html = re.sub(r"`([^`]+)`", r"<code>\1</code>", html)
    return Markup(re.sub(r"\bdocs/([\w-]+)\.md\b", lambda m: f'<a href="/docs/{m[1]}">{m[0]}</a>', html))


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
    return _data(query, values, fmt)


def _data(query: queries.SavedQuery, values: dict[str, str], fmt: str) -> Response:
    """The answer in a data format: serialised once per store version and request (then sent
    as those bytes until the next write), with an ``ETag``, so that a client sending it back in
    ``If-None-Match`` gets ``304 Not Modified`` and no body."""
    running = kg()
    version = running.store.version()
    key = (str(query.path), query.sparql, fmt, tuple(sorted(values.items())))
    rendered = running.rendered.get(version, key) if version is not None else None
    if rendered is None:
        answer = _answer(query.name, values)
        made = advised(results(answer.result, fmt), (), tuple(r.to_json() for r in answer.readings))
        body = made.get_data()
        headers = tuple((k, v) for k, v in made.headers.items() if k not in ("Content-Type", "Content-Length"))
        rendered = Rendered(body, made.content_type or "", headers, hashlib.sha256(body).hexdigest()[:32])
        if version is not None:
            running.rendered.put(version, key, rendered)
    response = Response(rendered.body, content_type=rendered.content_type, headers=list(rendered.headers))
    response.set_etag(rendered.etag)
    response.headers["Cache-Control"] = "no-cache"  # kept, but asked again (a write changes it)
    response.make_conditional(request)  # 304 and no body when If-None-Match names the tag
    return response


WEB_LOOKUP_HINT = (
    "give an IRI, an id or a name; /reconcile/suggest/entity?prefix= with the first letters, "
    "or the search box, finds the names the graph knows"
)


def _answer(name: str, values: dict[str, str]) -> answers.Answer:
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
    if not missing:  # filled in, or needing nothing: a query without required parameters runs on open
        try:
            answer = _answer(query.name, values)
            result, readings = answer.result, answer.readings
        except ParameterError as exc:
            problem = exc
    elif values and missing:
        problem = ParameterError("fill in " + ", ".join(p.name for p in missing) + " to run the query")
    columns, rows = table(result, hide={p.name for p in query.params}) if result else ([], [])
    data_links = {s: url_for("saved.run", name=f"{query.name}.{s}", **values) for s in DATA}  # type: ignore[arg-type]
    return render_template(
        "query.html",
        query=query,
        values=values,
        result=result,
        columns=columns,
        rows=rows,
        problem=problem,
        readings=readings,
        missing=[p.name for p in missing] if values else [],
        data_links=data_links,
        has_geometry="wkt" in (result.variables if result else ()),
    )


NAMES = ("Label", "Title")
"""Suffixes of a variable that names another: ``controllerLabel`` is the text of ``controller``,
``sourceTitle`` of ``source``."""


def table(result: QueryResult, hide: Collection[str] = ()) -> tuple[list[str], list[list[Cell]]]:
    """Column headings and cells for people: echoed parameters left out, the point of another
    column left to the map and the data links (``atWkt`` beside ``at``), and an IRI shown by its
    name when the query gives one (``controller`` linked, with the text of ``controllerLabel``)."""
    variables = result.variables
    shown = [v for v in variables if v not in hide and _named(v, variables) is None and not _point_of(v, variables)]
    rows = []
    for row in result.rows:
        cells = []
        for v in shown:
            c = _term(row.get(v))
            name = next((row[v + s] for s in NAMES if row.get(v + s) is not None), None)
            cells.append(Cell(name.value, c.href, c.title) if name is not None and c.href else c)
        rows.append(cells)
    return [heading(v) for v in shown], rows


def _term(term: RdfTerm | None) -> Cell:
    """A cell, with a term of kg's ontology in words: ``kg:DayPrecision`` → ``day precision``."""
    c = cell(term)
    if term is not None and term.kind == "uri" and term.value.startswith(KG_BASE):
        return Cell(heading(c.text), c.href, c.title)
    return c


def _point_of(variable: str, variables: Sequence[str]) -> bool:
    """Whether ``variable`` is the WKT point of another column (``atWkt`` of ``at``)."""
    return variable.endswith("Wkt") and variable[: -len("Wkt")] in variables


def _named(variable: str, variables: Sequence[str]) -> str | None:
    """The variable ``variable`` names (``controllerLabel`` → ``controller``), if it is there."""
    for suffix in NAMES:
        if variable.endswith(suffix) and variable[: -len(suffix)] in variables:
            return variable[: -len(suffix)]
    return None


def heading(variable: str) -> str:
    """A column heading from a variable name: ``lastConfirmed`` → ``last confirmed``."""
    return re.sub(r"(?<=[a-z0-9])([A-Z])", lambda m: " " + m.group(1), variable).lower()
