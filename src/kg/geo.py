"""Points on the Earth: reading a WKT point, the distance and the bearing between two.

One place for what the store's GeoSPARQL functions, gazetteer matching, reconciliation, the
GeoJSON and Linked Places exports all need. Coordinates are (longitude, latitude) in degrees,
the order WKT in CRS84 (GeoSPARQL's default) and GeoJSON use.
"""

from __future__ import annotations

import math
import re

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG4326 = "http://www.opengis.net/def/crs/EPSG/0/4326"
EARTH_RADIUS_M = 6_371_008.8
"""The mean Earth radius (IUGG), in metres."""

_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_POINT = re.compile(rf"^\s*(?:<([^<>\s]*)>\s*)?POINT\s*\(\s*({_NUMBER})\s+({_NUMBER})\s*\)\s*$", re.IGNORECASE)


def wkt_point(text: str) -> tuple[float, float] | None:
    """A WKT ``POINT(x y)`` → (longitude, latitude), or None if it is not one.

    An optional CRS IRI may lead: CRS84 is the default, EPSG:4326 gives latitude first; any
    other CRS, or coordinates out of range, gives None.
    """
    match = _POINT.match(text)
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


def distance_km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """:func:`haversine_m` in kilometres."""
    return haversine_m(lon1, lat1, lon2, lat2) / 1000.0


def initial_bearing(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """The direction to set off in from the first point to reach the second along a great
    circle, in degrees clockwise from north, in [0, 360)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dlambda = math.radians(lon2 - lon1)
    y = math.sin(dlambda) * math.cos(phi2)
    x = math.cos(phi1) * math.sin(phi2) - math.sin(phi1) * math.cos(phi2) * math.cos(dlambda)
    return math.degrees(math.atan2(y, x)) % 360.0
