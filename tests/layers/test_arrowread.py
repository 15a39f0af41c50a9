"""Arrow's reading of a store-layout file gives the frame a parse of its features gives, or declines."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from geoplan.layers.arrowread import read_frame
from geoplan.layers.catalogue import default_catalogue
from geoplan.layers.files import FeatureLines, encode_collection
from geoplan.layers.frames import to_frame

SQUARE = [[[109.0, 30.0], [109.001, 30.0], [109.001, 30.001], [109.0, 30.001], [109.0, 30.0]]]
HOLED = [SQUARE[0], [[109.0002, 30.0002], [109.0004, 30.0002], [109.0004, 30.0004], [109.0002, 30.0002]]]


def _feature(fid: str, kind: str, coordinates: Any, **props: Any) -> dict[str, Any]:
    return {"type": "Feature", "id": fid, "geometry": {"type": kind, "coordinates": coordinates}, "properties": props}


def _both(layer: str, features: list[dict[str, Any]]) -> tuple[Any, Any]:
    spec = default_catalogue().layer(layer)
    lines = FeatureLines.of(encode_collection(layer, features, {"last_change": None}))
    assert lines is not None
    return read_frame(lines, spec), to_frame(features, spec.field_names)


def _assert_same(arrow: Any, parsed: Any) -> None:
    assert arrow is not None
    assert list(arrow.columns) == list(parsed.columns)
    assert arrow["id"].tolist() == parsed["id"].tolist()
    for column in parsed.columns.drop(["id", "geometry"]):
        pd.testing.assert_series_equal(arrow[column], parsed[column], check_dtype=False)
    assert arrow.geometry.geom_equals_exact(parsed.geometry, tolerance=0).all()
    assert arrow.crs == parsed.crs


def test_polygons_with_holes_and_missing_values_read_as_parsed():
    features = [
        _feature("b1", "Polygon", SQUARE, households=2, use="residential", has_tap=True, name="张宅"),
        _feature("b2", "Polygon", HOLED, households=None, use="public"),  # unset: NaN like a parse gives
        _feature("b3", "Polygon", SQUARE, households=1, has_tap=False, name='引号"和\\反斜杠'),
    ]
    _assert_same(*_both("buildings", features))


@pytest.mark.parametrize(
    ("kind", "coordinates"),
    [
        ("Point", [109.5, 30.25]),
        ("LineString", [[109.0, 30.0], [109.01, 30.0], [109.01, 30.02]]),
        ("MultiPolygon", [SQUARE, HOLED]),
    ],
)
def test_each_geometry_type_reads_as_parsed(kind: str, coordinates: Any):
    layer = {"Point": "facilities", "LineString": "roads", "MultiPolygon": "villages"}[kind]
    features = [_feature(f"x{i}", kind, coordinates) for i in range(3)]
    _assert_same(*_both(layer, features))


@pytest.mark.parametrize(
    "features",
    [
        [_feature("a", "Polygon", SQUARE), _feature("b", "Point", [109.0, 30.0])],  # mixed types
        [_feature("a", "Point", [109.0, 30.0, 12.0])],  # 3-D
        [_feature("a", "Polygon", [SQUARE[0][:-1]])],  # an open ring: GEOS's reader refuses it
        [_feature("a", "Polygon", SQUARE, households="two")],  # text where the catalogue says integer
        [_feature("a", "Polygon", SQUARE, households=1.5)],
        [{"type": "Feature", "id": "a", "geometry": None, "properties": {}}],
    ],
)
def test_what_it_cannot_read_exactly_is_left_to_the_parse(features: list[dict[str, Any]]):
    lines = FeatureLines.of(encode_collection("buildings", features, {"last_change": None}))
    assert lines is not None and read_frame(lines, default_catalogue().layer("buildings")) is None


def test_whole_numbers_in_a_number_field_stay_integers_as_parsed():
    features = [_feature(f"r{i}", "Point", [109.0, 30.0], capacity_10k_m3=100 * i) for i in range(3)]
    arrow, parsed = _both("reservoirs", features)
    _assert_same(arrow, parsed)
    assert arrow["capacity_10k_m3"].dtype == parsed["capacity_10k_m3"].dtype
