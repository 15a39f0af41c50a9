"""CRS parameters and axis order: CRS84 is lon/lat, EPSG:4326 and EPSG:4490 are lat/lon."""

from __future__ import annotations

import pytest

from geoplan.api.crs import CRS84, bbox_to_crs84, parse_crs, transform_geometry
from geoplan.api.problems import ApiProblem

EPSG4326 = "http://www.opengis.net/def/crs/EPSG/0/4326"
EPSG4490 = "http://www.opengis.net/def/crs/EPSG/0/4490"


@pytest.mark.parametrize(
    ("given", "uri"),
    [(None, CRS84), ("EPSG:4326", EPSG4326), ("epsg:4490", EPSG4490), ("[OGC:CRS84]", CRS84), (EPSG4490, EPSG4490)],
)
def test_parse_crs(given, uri) -> None:
    assert parse_crs(given, "crs") == uri


def test_unsupported_crs_is_a_400() -> None:
    with pytest.raises(ApiProblem) as info:
        parse_crs("EPSG:3857", "bbox-crs")
    assert info.value.status == 400 and "bbox-crs" in info.value.detail


@pytest.mark.parametrize("target", [EPSG4326, EPSG4490])
def test_geographic_targets_swap_axes(target: str) -> None:
    line = {"type": "LineString", "coordinates": [[111.0, 30.0], [111.5, 30.25]]}
    moved = transform_geometry(line, target)
    assert [list(c) for c in moved["coordinates"]] == [
        pytest.approx([30.0, 111.0], abs=1e-9),
        pytest.approx([30.25, 111.5], abs=1e-9),
    ]
    assert transform_geometry(line, CRS84) is line


def test_lat_lon_bbox_becomes_lon_lat() -> None:
    assert bbox_to_crs84((30.0, 111.0, 30.5, 111.5), EPSG4490) == pytest.approx((111.0, 30.0, 111.5, 30.5))
