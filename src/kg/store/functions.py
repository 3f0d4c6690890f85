"""SPARQL extension functions the embedded store provides, by their standard IRIs.

Oxigraph implements no GeoSPARQL functions, so the few that saved queries use are written
here and handed to every query (``custom_functions``). Each one has the signature the
standard gives it, so a query that calls it runs unchanged on a GeoSPARQL server (GraphDB,
Jena): only the engine changes, never the text.

``geof:distance(geom1, geom2, units)`` — the great-circle (haversine) distance between two
``POINT(lon lat)`` ``geo:wktLiteral`` values (CRS84, the GeoSPARQL default; an explicit
``<…/CRS84>`` prefix is accepted, and ``<…/EPSG/0/4326>`` with its latitude-first axis order),
as an ``xsd:double`` in the units asked for: OGC's ``uom:metre`` or QUDT's ``unit:M`` and
``unit:KiloM``. Anything else — not a point, not a wktLiteral, another CRS, an unknown unit,
coordinates out of range — gives no value (the variable stays unbound), never an error.

``kgf:bearing(geom1, geom2)`` (``https://w3id.org/kg/function/bearing``) — GeoSPARQL has no
bearing, so this one is kg's own: the initial great-circle bearing from the first point to the
second, in degrees clockwise from north in [0, 360), as an ``xsd:double``; the same points as
``geof:distance`` accepts, and no value for anything else or for two equal points. The saved
query ``conflicting-reports`` compares it with the compass point an article reports.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pyoxigraph as ox

from kg import sparql as sparql_text
from kg.geo import haversine_m, initial_bearing, wkt_point

GEOF = "http://www.opengis.net/def/function/geosparql/"
KGF = "https://w3id.org/kg/function/"
WKT_LITERAL = "http://www.opengis.net/ont/geosparql#wktLiteral"
UNITS = {
    "http://www.opengis.net/def/uom/OGC/1.0/metre": 1.0,
    "http://qudt.org/vocab/unit/M": 1.0,
    "http://qudt.org/vocab/unit/KiloM": 1000.0,
}


def point(term: Any) -> tuple[float, float] | None:
    """A ``POINT`` wktLiteral → (longitude, latitude) in degrees, or None if it is not one."""
    if not isinstance(term, ox.Literal) or term.datatype.value != WKT_LITERAL:
        return None
    return wkt_point(term.value)


def distance(geom1: Any, geom2: Any, units: Any) -> ox.Literal | None:
    """``geof:distance``: the distance between two points in ``units``, or None."""
    first, second = point(geom1), point(geom2)
    if first is None or second is None or not isinstance(units, ox.NamedNode) or units.value not in UNITS:
        return None
    return ox.Literal(haversine_m(*first, *second) / UNITS[units.value])


def bearing(geom1: Any, geom2: Any) -> ox.Literal | None:
    """``kgf:bearing``: the initial bearing from one point to another, or None."""
    first, second = point(geom1), point(geom2)
    if first is None or second is None or first == second:
        return None
    return ox.Literal(initial_bearing(*first, *second))


FUNCTIONS: dict[ox.NamedNode, Callable[..., Any]] = {
    ox.NamedNode(GEOF + "distance"): distance,
    ox.NamedNode(KGF + "bearing"): bearing,
}
"""Every extension function, by IRI, as pyoxigraph's ``Store.query(custom_functions=…)`` takes them."""


def called_functions(sparql: str) -> list[str]:
    """kg's extension functions the query calls, by IRI (written in full or as a prefixed name)."""
    prefixes = dict(re.findall(r"(?i)PREFIX\s+([\w\-.]*):\s*<([^>]*)>", sparql))
    bare = sparql_text.strip(sparql)
    found = []
    for function in (f.value for f in FUNCTIONS):
        if f"<{function}>" in sparql and re.search(rf"<{re.escape(function)}>\s*\(", sparql):
            found.append(function)
            continue
        for prefix, namespace in prefixes.items():
            local = function[len(namespace) :]
            if function.startswith(namespace) and re.search(rf"(?<![\w\-.]){re.escape(prefix)}:{local}\s*\(", bare):
                found.append(function)
                break
    return found


def uses_extension_functions(sparql: str) -> bool:
    return bool(called_functions(sparql))
