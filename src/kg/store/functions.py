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

import math
import re
from collections.abc import Callable
from typing import Any

import pyoxigraph as ox

GEOF = "http://www.opengis.net/def/function/geosparql/"
KGF = "https://w3id.org/kg/function/"
WKT_LITERAL = "http://www.opengis.net/ont/geosparql#wktLiteral"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG4326 = "http://www.opengis.net/def/crs/EPSG/0/4326"
UNITS = {
    "http://www.opengis.net/def/uom/OGC/1.0/metre": 1.0,
    "http://qudt.org/vocab/unit/M": 1.0,
    "http://qudt.org/vocab/unit/KiloM": 1000.0,
}
EARTH_RADIUS_M = 6_371_008.8
"""The mean Earth radius (IUGG), in metres."""

_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_POINT = re.compile(rf"^\s*(?:<([^<>\s]*)>\s*)?POINT\s*\(\s*({_NUMBER})\s+({_NUMBER})\s*\)\s*$", re.IGNORECASE)


def point(term: Any) -> tuple[float, float] | None:
    """A ``POINT`` wktLiteral → (longitude, latitude) in degrees, or None if it is not one."""
    if not isinstance(term, ox.Literal) or term.datatype.value != WKT_LITERAL:
        return None
    match = _POINT.match(term.value)
    if not match:
        return None
    crs, x, y = match.group(1) or CRS84, float(match.group(2)), float(match.group(3))
    if crs == EPSG4326:
        x, y = y, x
    elif crs != CRS84:
        return None
    if not (-180.0 <= x <= 180.0 and -90.0 <= y <= 90.0):
        return None
    return x, y


def haversine_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """The great-circle distance between two points on a spherical Earth, in metres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def distance(geom1: Any, geom2: Any, units: Any) -> ox.Literal | None:
    """``geof:distance``: the distance between two points in ``units``, or None."""
    first, second = point(geom1), point(geom2)
    if first is None or second is None or not isinstance(units, ox.NamedNode) or units.value not in UNITS:
        return None
    return ox.Literal(haversine_m(*first, *second) / UNITS[units.value])


def initial_bearing(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """The direction to set off in from the first point to reach the second along a great
    circle, in degrees clockwise from north, in [0, 360)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dlambda = math.radians(lon2 - lon1)
    y = math.sin(dlambda) * math.cos(phi2)
    x = math.cos(phi1) * math.sin(phi2) - math.sin(phi1) * math.cos(phi2) * math.cos(dlambda)
    return math.degrees(math.atan2(y, x)) % 360.0


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
