"""Pages for people: ``/`` (what the graph holds, the saved queries, a SPARQL editor) and
``/id/…`` for every entity, article, event and claim — HTML for a browser, RDF for an RDF
client (content negotiation). The data come from saved queries, through :func:`queries.run`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from flask import Blueprint, Response, render_template, send_from_directory, url_for

from kg import formats
from kg.config import PROJECT_ROOT
from kg.errors import NotFound
from kg.store import QueryResult, RdfTerm
from kg.web import kg
from kg.web.links import ID_BASE, Cell, cell
from kg.web.responses import negotiate, rdf
from kg.web.saved import table
from kg.web.timeline import BASES, STATUSES, timeline

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
LISTS: dict[str, tuple[str, dict[str, Any]]] = {
    "actor": ("entities", {"kind": "actor"}),
    "place": ("entities", {"kind": "place"}),
    "infrastructure": ("entities", {"kind": "asset"}),
    "article": ("articles", {}),
    "control event": ("control-periods", {}),
    "distance claim": ("reported-distances", {}),
}
"""The saved query that lists each kind the home page counts (mentions are listed per entity)."""
PREFIX_LINES = "\n".join(f"PREFIX {p}: <{iri}>" for p, iri in formats.PREFIXES.items())


@dataclass(frozen=True)
class Point:
    lon: float
    lat: float
    source: str
    origin: Cell


GRAPHS = ("turtle", "ntriples", "jsonld", "rdfxml")
"""The RDF formats an entity's IRI dereferences to (HTML for browsers)."""


def _run(name: str, **values: str) -> QueryResult:
    return kg().run(name, values)


@blueprint.route("/")
def home() -> str:
    counts = {row["kindLabel"].value: int(row["count"].value) for row in _run("summary").rows}
    articles = _run("articles")
    return render_template(
        "index.html",
        counts=counts,
        lists={kind: url_for("saved.run", name=name, **args) for kind, (name, args) in LISTS.items()},
        articles=[{k: cell(v) for k, v in row.items()} for row in articles.rows],
        queries=list(kg().catalogue().values()),
        prefixes=PREFIX_LINES,
        examples=EXAMPLE_QUERIES,
    )


@blueprint.route("/id/<path:rest>")
def entity(rest: str) -> Response | str:
    iri = ID_BASE + rest
    statements = _run("describe", iri=iri)
    if not statements.rows:
        raise NotFound(f"nothing in the graph is called <{iri}>", hint="start from / or /queries")
    fmt = negotiate(["html", *GRAPHS], default="html")
    if fmt != "html":
        return rdf(_ntriples(statements), fmt)
    return render_template("entity.html", **_entity_view(iri, rest.split("/", 1)[0], statements))


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
            (
                _by_name(row["property"]),
                _labelled(cell(row["value"]), labels.get(row["value"].value)),
                _by_name(row["graph"]),
            )
            for row in rows
        ],
        "alt_labels": sorted(v.value for v in values.get("altLabel", [])),
        "history": None,
        "timeline": None,
        "point": None,
        "events": None,
        "mentions": None,
        "evidence": None,
        "held": None,
        "items": None,
        "periods": None,
        "statuses": None,
        "bases": None,
        "stale_days": kg().settings.stale_days,
    }
    if kind in {"place", "asset"}:
        view.update(_place_view(iri, values))
    if kind == "actor":
        view["events"] = _table(_in_date_order(_run("actor-events", actor=iri)), hide={"actor"})
        view["held"] = _table(_run("actor-places", actor=iri), hide={"actor"})
        view["statuses"] = [(s, STATUSES[s], True) for s in STATUSES]
        view["bases"] = [(b, BASES[b], True) for b in BASES]
    if kind == "article":
        view["items"] = [_item(row) for row in _run("article-items", article=iri).rows]
    if kind in {"place", "asset", "actor"}:
        view["mentions"] = _merged(_table(_run("mentions", entity=iri), hide={"entity"}), "article", "title")
    if kind in {"event", "claim"}:
        view["evidence"] = _run("evidence", item=iri).rows
    return view


def _place_view(iri: str, values: dict[str, list[RdfTerm]]) -> dict[str, Any]:
    """A place's timeline (from its control periods), coordinates with their source, and history."""
    stale = kg().settings.stale_days
    history = _run("place-history", place=iri)
    # "at" only where some event happened at a place inside this one (a town in a region)
    here = all(row["at"].value == iri for row in history.rows if "at" in row)
    periods = _run("control-timeline", place=iri)
    shown = {row["status"].value for row in periods.rows if "status" in row}
    shown |= {"disputed"} if any("disputedFrom" in row for row in periods.rows) else set()
    bases = {row["basis"].value for row in periods.rows if "basis" in row}
    hidden = {"place", "certainFrom", "disputedFrom", "disputedUntil", "event"}
    return {
        "timeline": timeline(periods, stale),
        "periods": _table(periods, hide=hidden) if periods.rows else None,
        "statuses": [(s, STATUSES[s], s in shown) for s in STATUSES],
        "bases": [(b, BASES[b], b in bases) for b in BASES],
        "point": next((_point(g.value) for g in values.get("hasGeometry", [])), None),
        "history": _merged(
            _table(history, hide={"place", "precision"} | ({"at"} if here else set())), "event", "event type"
        ),
        "stale_days": stale,
    }


def _named(row: Mapping[str, RdfTerm], variable: str, name: str) -> Cell | None:
    """The cell of an IRI shown by its name (``place`` with the text of ``placeLabel``)."""
    if variable not in row:
        return None
    c = cell(row[variable])
    return Cell(row[name].value, c.href, c.title) if name in row else c


def _item(row: Mapping[str, RdfTerm]) -> dict[str, Any]:
    """One event or claim of an article as its page lists it."""
    text = {k: v.value for k, v in row.items() if v.kind != "uri"}
    earliest, latest = text.get("earliest", ""), text.get("latest", "")
    return {
        "what": _named(row, "item", "typeLabel"),
        "where": _named(row, "place", "placeLabel"),
        "from": _named(row, "from", "fromLabel"),
        "when": earliest + (f" – {latest}" if latest and latest != earliest else ""),
        "who": text.get("actors", ""),
        "said": text.get("saidByLabel", "the article"),
        "words": text.get("evidence") or "(text not available: built without the corpus)",
    }


def _in_date_order(result: QueryResult) -> QueryResult:
    """Rows by their earliest day, or their latest when only that is known (undated ones last)."""

    def day(row: Mapping[str, RdfTerm]) -> str:
        found = row.get("earliest") or row.get("latest")
        return found.value if found is not None else "9999"

    return replace(result, rows=tuple(sorted(result.rows, key=day)))


def _point(geometry: str) -> Point | None:
    """The coordinates of a geometry node, with where they were copied from."""
    rows = {_local_name(r["property"].value): r["value"] for r in _run("describe", iri=geometry).rows}
    match = re.fullmatch(r"\s*POINT\s*\(\s*(\S+)\s+(\S+)\s*\)\s*", rows["asWKT"].value) if "asWKT" in rows else None
    if match is None:
        return None
    source = rows.get("coordinateSource")
    return Point(
        float(match[1]), float(match[2]), source.value if source else "not recorded", cell(rows.get("wasDerivedFrom"))
    )


def _local_name(iri: str) -> str:
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def _table(result: QueryResult, hide: set[str]) -> dict[str, Any]:
    columns, rows = table(result, hide)
    return {"columns": columns, "rows": rows}


def _merged(shown: dict[str, Any], link: str, text: str) -> dict[str, Any]:
    """One column where there were two, an id and its name: column ``link``'s links with column
    ``text``'s words (where it has any), under ``link``'s heading, where the first of the two was."""
    columns: list[str] = shown["columns"]
    if link not in columns or text not in columns:
        return shown
    at, by = columns.index(link), columns.index(text)
    first = min(at, by)

    def row(cells: list[Cell]) -> list[Cell]:
        both = Cell(cells[by].text or cells[at].text, cells[at].href, cells[at].title)
        rest = [c for i, c in enumerate(cells) if i not in (at, by)]
        return [*rest[:first], both, *rest[first:]]

    rest = [c for i, c in enumerate(columns) if i not in (at, by)]
    return {"columns": [*rest[:first], link, *rest[first:]], "rows": [row(cells) for cells in shown["rows"]]}


def _by_name(term: RdfTerm) -> Cell:
    """A property or graph by its local name (``skos:altLabel`` → ``altLabel``), linked, the IRI in its title."""
    c = cell(term)
    return Cell(_local_name(term.value), c.href, c.title) if term.kind == "uri" else c


def _labelled(c: Cell, label: str | None) -> Cell:
    """A value shown by its label when it has one (the id stays in the link's title)."""
    return Cell(label, c.href, c.title) if label and c.href else c


@blueprint.route("/docs/<name>")
def doc(name: str) -> Response:
    """A page of the documentation (``docs/<name>.md``) as text, for the links in query descriptions."""
    folder = PROJECT_ROOT / "docs"
    if not re.fullmatch(r"[\w-]+", name) or not (folder / f"{name}.md").is_file():
        known = ", ".join(sorted(p.stem for p in folder.glob("*.md")))
        raise NotFound(f"no documentation page called {name!r}", hint=f"one of {known}")
    return send_from_directory(folder, f"{name}.md", mimetype="text/plain")


@blueprint.route("/favicon.ico")
def favicon() -> Response:
    return send_from_directory(blueprint.static_folder or "", "favicon.svg", mimetype="image/svg+xml")
