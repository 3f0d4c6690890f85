"""Reading WKT points, and the distance and bearing between two, as every part of kg uses them."""

from __future__ import annotations

import pytest

from kg.geo import distance_km, initial_bearing, wkt_point

DAMASCUS, HOMS = (36.29128, 33.5102), (36.72339, 34.72682)  # GeoNames 170654, 169577 (lon, lat)


@pytest.mark.parametrize(
    ("text", "point"),
    [
        ("POINT(36.29128 33.5102)", DAMASCUS),
        ("  point ( 36.29128   33.5102 ) ", DAMASCUS),  # Wikidata writes Point(…)
        ("<http://www.opengis.net/def/crs/OGC/1.3/CRS84> POINT(36.29128 33.5102)", DAMASCUS),
        ("<http://www.opengis.net/def/crs/EPSG/0/4326> POINT(33.5102 36.29128)", DAMASCUS),  # latitude first
        ("<http://www.wikidata.org/entity/Q111> Point(36 33)", None),  # a point on Mars
        ("POINT(200 33)", None),
        ("LINESTRING(36 33, 37 34)", None),
        ("POINT(36.29128)", None),
        ("", None),
    ],
)
def test_wkt_point_reads_longitude_then_latitude(text: str, point: tuple[float, float] | None) -> None:
    assert wkt_point(text) == point


def test_distance_and_bearing_from_damascus_to_homs() -> None:
    """About 141 km, a little east of north; back again, a little west of south."""
    assert distance_km(*DAMASCUS, *HOMS) == pytest.approx(141.4, abs=0.5)
    assert 10 < initial_bearing(*DAMASCUS, *HOMS) < 20
    assert 190 < initial_bearing(*HOMS, *DAMASCUS) < 200
