"""Query results rendered for people (a table) and programs (JSON, CSV, …), and the one
registry of formats (:data:`REGISTRY`: name ↔ media type ↔ file suffix ↔ serializer) that the
CLI and every web route read.

JSON is the W3C SPARQL 1.1 Query Results JSON Format, with a ``kg`` member that says whether
the row cap cut the result. CSV follows the W3C SPARQL CSV format (plain values).
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from html import escape

from kg.errors import UsageError
from kg.geo import wkt_point
from kg.store import QueryResult, RdfTerm, translate_rdf


def short(term: RdfTerm | None) -> str:
    """A term as a person reads it in a table: ids and local names, bare literal values.

    ``kgid:place/al-qaryatayn`` → ``al-qaryatayn``, ``kgid:event/<article>/<id>`` → ``<id>``,
    ``kg:Capture`` → ``Capture``; other IRIs are left whole.
    """
    if term is None:
        return ""
    value = term.value
    if term.kind == "uri":
        if value.startswith(KGID_BASE):
            return value[len(KGID_BASE) :].rsplit("/", 1)[-1]
        if value.startswith(KG_BASE):
            return value[len(KG_BASE) :]
    return value


KGID_BASE = "https://w3id.org/kg/id/"
KG_BASE = "https://w3id.org/kg/ontology#"


def to_json(result: QueryResult) -> str:
    body: dict[str, object]
    if result.form == "ASK":
        body = {"head": {}, "boolean": result.boolean}
    else:
        body = {
            "head": {"vars": list(result.variables)},
            "results": {"bindings": [{k: v.to_json() for k, v in row.items()} for row in result.rows]},
        }
    body["kg"] = {"truncated": result.truncated, "rows": len(result.rows), "seconds": round(result.seconds, 4)}
    return _compact(body)


def _compact(body: object) -> str:
    """JSON without indentation: Python's C encoder, several times faster on a map's thousands
    of rows than the indenting one (and a third smaller)."""
    return json.dumps(body, ensure_ascii=False)


def to_csv(result: QueryResult) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    if result.form == "ASK":
        writer.writerow(["boolean"])
        writer.writerow(["true" if result.boolean else "false"])
        return out.getvalue()
    writer.writerow(result.variables)
    for row in result.rows:
        writer.writerow([row[v].value if v in row else "" for v in result.variables])
    return out.getvalue()


def to_table(result: QueryResult, width: int | None = None, hide: Collection[str] = ()) -> str:
    """Aligned columns for people, and a line counting the rows. No value is ever cut: when the
    table is wider than the terminal, trailing columns are left out, and a note names them.

    Columns named in ``hide`` (a query's echoed parameters) are left out, and so is a column
    ``x`` when a column ``xLabel`` says the same thing in words. A query puts the columns that
    carry its answer first, so they are the ones kept.
    """
    if result.form == "ASK":
        return "yes" if result.boolean else "no"
    if result.triples is not None:
        return result.triples
    width = width or shutil.get_terminal_size((160, 20)).columns
    shown = [v for v in result.variables if v not in hide and f"{v}Label" not in result.variables]
    cells = [[short(row.get(v)).replace("\n", " ") for v in shown] for row in result.rows]
    sizes = [max([len(v), *(len(c[i]) for c in cells)]) for i, v in enumerate(shown)]
    kept = _fitting(sizes, width)

    def line(values: list[str]) -> str:
        return "  ".join(v.ljust(s) for v, s in zip(values[:kept], sizes[:kept], strict=True)).rstrip()

    lines = [line(shown), line(["-" * s for s in sizes])]
    lines += [line(c) for c in cells]
    if kept < len(shown):
        lines.append(
            f"not shown, too wide for {width} columns: {', '.join(shown[kept:])} "
            "(widen the terminal, or use --format csv or json for every column)"
        )
    count = f"{len(result.rows)} row{'s' if len(result.rows) != 1 else ''}"
    lines.append(count + (" (cut at the row limit)" if result.truncated else ""))
    return "\n".join(lines)


def _fitting(sizes: list[int], width: int) -> int:
    """How many leading columns fit whole in ``width`` (always at least one)."""
    used = 0
    for i, size in enumerate(sizes):
        used += size + (2 if i else 0)
        if used > width and i:
            return i
    return len(sizes)


def render(result: QueryResult, fmt: str, hide: Collection[str] = ()) -> str:
    """The result in one of the results formats of :data:`REGISTRY`; ``hide`` drops echoed
    parameters from tables."""
    if fmt == "table":
        return to_table(result, hide=hide)
    found = REGISTRY.get(fmt) if fmt in FORMATS else None
    if found is None or found.render is None:
        raise UsageError(f"unknown format {fmt!r}", hint="one of " + ", ".join(FORMATS))
    return found.render(result)


# --------------------------------------------------------------------------- the SPARQL protocol's formats


def to_tsv(result: QueryResult) -> str:
    """W3C SPARQL 1.1 TSV: a header of ?variables, then terms in N-Triples syntax."""
    if result.form == "ASK":
        return "?boolean\n" + ("true" if result.boolean else "false") + "\n"
    lines = ["\t".join(f"?{v}" for v in result.variables)]
    for row in result.rows:
        lines.append("\t".join(row[v].n3().replace("\t", "\\t") if v in row else "" for v in result.variables))
    return "\n".join(lines) + "\n"


def to_xml(result: QueryResult) -> str:
    """W3C SPARQL Query Results XML Format."""
    out = ['<?xml version="1.0"?>', '<sparql xmlns="http://www.w3.org/2005/sparql-results#">', "  <head>"]
    out += [f'    <variable name="{escape(v)}"/>' for v in result.variables]
    out.append("  </head>")
    if result.form == "ASK":
        out.append(f"  <boolean>{'true' if result.boolean else 'false'}</boolean>")
    else:
        out.append("  <results>")
        for row in result.rows:
            out.append("    <result>")
            for name, term in row.items():
                out.append(f'      <binding name="{escape(name)}">{_xml_term(term)}</binding>')
            out.append("    </result>")
        out.append("  </results>")
    out.append("</sparql>")
    return "\n".join(out) + "\n"


def _xml_term(term: RdfTerm) -> str:
    if term.kind == "uri":
        return f"<uri>{escape(term.value)}</uri>"
    if term.kind == "bnode":
        return f"<bnode>{escape(term.value)}</bnode>"
    if term.lang:
        return f'<literal xml:lang="{escape(term.lang)}">{escape(term.value)}</literal>'
    if term.datatype and term.datatype != XSD_STRING:
        return f'<literal datatype="{escape(term.datatype)}">{escape(term.value)}</literal>'
    return f"<literal>{escape(term.value)}</literal>"


XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
PREFIXES = {
    "kg": "https://w3id.org/kg/ontology#",
    "kgid": "https://w3id.org/kg/id/",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "geo": "http://www.opengis.net/ont/geosparql#",
    "prov": "http://www.w3.org/ns/prov#",
    "oa": "http://www.w3.org/ns/oa#",
    "schema": "https://schema.org/",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "sd": "http://www.w3.org/ns/sparql-service-description#",
}


def convert_rdf(ntriples: str, fmt: str) -> bytes:
    """Triples (as a CONSTRUCT or DESCRIBE gives them) in one of :data:`RDF_FORMATS`."""
    if fmt not in RDF_FORMATS:
        raise UsageError(f"unknown RDF format {fmt!r}", hint="one of " + ", ".join(RDF_FORMATS))
    target = RDF_FORMATS[fmt][1]
    assert target is not None
    return translate_rdf(ntriples.encode("utf-8"), "ntriples", target, PREFIXES)


def to_geojson(result: QueryResult, geometry: str = "wkt") -> str:
    """Rows with a WKT point in column ``geometry`` as a GeoJSON FeatureCollection (RFC 7946).

    The other columns become each feature's properties; rows without a point are left out and
    counted under ``kg.without_geometry``.
    """
    if geometry not in result.variables:
        raise UsageError(
            f"these results carry no geometry (no ?{geometry} column)", hint="ask for .json or .csv instead"
        )
    features, skipped = [], 0
    for row in result.rows:
        point = wkt_point(row[geometry].value) if geometry in row else None
        if point is None:
            skipped += 1
            continue
        lon, lat = point
        properties = {k: v.value for k, v in row.items() if k != geometry}
        features.append(
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]}, "properties": properties}
        )
    body = {
        "type": "FeatureCollection",
        "features": features,
        "kg": {"truncated": result.truncated, "without_geometry": skipped},
    }
    return _compact(body)


# --------------------------------------------------------------------------- the one registry


@dataclass(frozen=True)
class Format:
    """One format kg speaks: its ``format=`` name, media type, file suffix and serializer.

    ``kind`` says what it can carry: ``results`` (SELECT/ASK rows), ``graph`` (triples) or
    ``page`` (HTML, rendered by the web layer's templates). ``also`` are other media types that
    ask for it; ``aliases`` other ``format=`` names that clients send for it.
    """

    name: str
    media_type: str
    kind: str
    suffix: str | None = None
    also: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    render: Callable[[QueryResult], str] | None = None
    rdf: str | None = None  # the RDF syntax, by its name in kg.store.RDF_SYNTAXES

    @property
    def media_types(self) -> tuple[str, ...]:
        return (self.media_type, *self.also)

    @property
    def content_type(self) -> str:
        """The Content-Type header: text formats say their charset."""
        textual = self.media_type.startswith("text/") or self.media_type.endswith(("json", "xml"))
        return f"{self.media_type}; charset=utf-8" if textual and self.kind == "results" else self.media_type


REGISTRY: Mapping[str, Format] = {
    f.name: f
    for f in (
        Format("json", "application/sparql-results+json", "results", "json", ("application/json",), render=to_json),
        Format("xml", "application/sparql-results+xml", "results", "xml", ("application/xml",), render=to_xml),
        Format("csv", "text/csv", "results", "csv", render=to_csv),
        Format("tsv", "text/tab-separated-values", "results", "tsv", render=to_tsv),
        Format("geojson", "application/geo+json", "results", "geojson", render=to_geojson),
        Format("table", "text/plain", "results", None, render=to_table),
        Format("turtle", "text/turtle", "graph", "ttl", aliases=("n3",), rdf="turtle"),
        Format("ntriples", "application/n-triples", "graph", "nt", aliases=("nt",), rdf="ntriples"),
        Format("jsonld", "application/ld+json", "graph", "jsonld", aliases=("json", "json-ld"), rdf="jsonld"),
        Format("rdfxml", "application/rdf+xml", "graph", "rdf", aliases=("xml", "rdf", "rdf+xml"), rdf="rdfxml"),
        Format("html", "text/html", "page", "html"),
    )
}
"""Every format by name. A route offers some of them by name; :func:`kg.web.responses.negotiate`
picks one."""

FORMATS = ("table", "json", "csv", "geojson")
"""What ``kg query --format`` offers."""
RDF_FORMATS = {f.name: (f.media_type, f.rdf) for f in REGISTRY.values() if f.rdf is not None}


def named(name: str, offered: Collection[str]) -> Format | None:
    """The offered format that ``format=name`` means: its name, a media type, or an alias."""
    if name in offered:
        return REGISTRY[name]
    for key in offered:
        if name in REGISTRY[key].media_types:
            return REGISTRY[key]
    return next((REGISTRY[key] for key in offered if name in REGISTRY[key].aliases), None)


def by_media_type(media_type: str, offered: Collection[str]) -> Format | None:
    """The offered format that answers to ``media_type``."""
    return next((REGISTRY[key] for key in offered if media_type in REGISTRY[key].media_types), None)
