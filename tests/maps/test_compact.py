"""Compact GeoJSON: only the shown properties, ~1 m coordinates, simplification measured in metres."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import geopandas as gpd
import orjson
import pytest
import shapely
from pyproj import Transformer
from shapely.geometry import LineString, MultiLineString, MultiPolygon, Point, Polygon

import geoplan.maps
from geoplan.maps.compact import compact_features, dumps

_to_wgs = Transformer.from_crs("EPSG:4546", "EPSG:4326", always_xy=True)


def _line_m(coords: list[tuple[float, float]]) -> LineString:
    return LineString([_to_wgs.transform(500_000 + x, 3_320_000 + y) for x, y in coords])


def test_keeps_only_listed_fields_and_drops_missing_values() -> None:
    frame = gpd.GeoDataFrame(
        {"id": ["a", "b"], "name": ["甲", None], "version": [3, 4], "width_m": [4.5, float("nan")]},
        geometry=[Point(111.123456789, 30.987654321), Point(111.2, 30.1)],
        crs="EPSG:4326",
    )
    data = compact_features(frame, ["name", "width_m"])
    first, second = data.features()
    assert first == {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [111.12346, 30.98765]},
        "properties": {"name": "甲", "width_m": 4.5},
    }
    assert second["properties"] == {}
    assert "id" not in first


def test_simplification_tolerance_is_in_metres() -> None:
    # A 1 km straight line with a kink 1 m off the line (dropped at 2 m) and one 5 m off (kept).
    small = _line_m([(0, 0), (500, 1), (1000, 0)])
    large = _line_m([(0, 0), (500, 5), (1000, 0)])
    frame = gpd.GeoDataFrame(geometry=[small, large], crs="EPSG:4326")
    data = compact_features(frame, [], simplify_m=2.0)
    assert len(data.features()[0]["geometry"]["coordinates"]) == 2
    assert len(data.features()[1]["geometry"]["coordinates"]) == 3
    kept = compact_features(frame, [], simplify_m=0)
    assert len(kept.features()[0]["geometry"]["coordinates"]) == 3


def test_rounding_keeps_positions_within_about_a_metre() -> None:
    line = _line_m([(0, 0), (333.3, 0)])
    data = compact_features(gpd.GeoDataFrame(geometry=[line], crs="EPSG:4326"), [], simplify_m=0)
    end = data.features()[0]["geometry"]["coordinates"][1]
    x, y = Transformer.from_crs("EPSG:4326", "EPSG:4546", always_xy=True).transform(*end)
    assert x - 500_000 == pytest.approx(333.3, abs=1.0)
    assert y - 3_320_000 == pytest.approx(0.0, abs=1.0)


def test_dumps_is_compact_and_safe_inside_a_script_element() -> None:
    text = dumps({"a": [1.5, 2], "b": "</script><script>alert(1)</script>"})
    assert " " not in text
    assert "</script>" not in text
    assert orjson.loads(text.replace("<\\/", "</")) == {"a": [1.5, 2], "b": "</script><script>alert(1)</script>"}


def _packed_layers() -> list[gpd.GeoDataFrame]:
    square = _line_m([(0, 0), (100, 0), (100, 100), (0, 100)]).coords
    poly = Polygon(square, [list(_line_m([(20, 20), (40, 20), (40, 40)]).coords)])
    multi = MultiPolygon([poly, Polygon(_line_m([(300, 0), (400, 0), (400, 100)]).coords)])
    lines = MultiLineString([_line_m([(0, 0), (50, 50)]), _line_m([(60, 60), (90, 10), (120, 0)])])
    return [
        gpd.GeoDataFrame({"name": ["a", None]}, geometry=[Point(111.1, 30.2), Point(111.3, 30.4)], crs="EPSG:4326"),
        gpd.GeoDataFrame({"name": ["l"]}, geometry=[_line_m([(0, 0), (500, 30), (900, -40)])], crs="EPSG:4326"),
        gpd.GeoDataFrame({"name": ["p", "m"]}, geometry=[poly, multi], crs="EPSG:4326"),
        gpd.GeoDataFrame({"name": ["ml"]}, geometry=[lines], crs="EPSG:4326"),
    ]


def test_packed_form_is_integers_and_much_smaller() -> None:
    layer = compact_features(_packed_layers()[2], ["name"], simplify_m=0)
    packed = layer.packed()
    assert packed["g"] == "MULTIPOLYGON" and packed["k"] == ["name"] and packed["p"] == [["p"], ["m"]]
    assert all(isinstance(v, int) for v in packed["c"])
    assert len(dumps(packed)) < len(dumps(layer.features())) / 2


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_browser_decoder_restores_the_features_exactly(tmp_path) -> None:
    """Run static/page.js under node on every geometry family; it must give back ``features()``."""
    script = (Path(geoplan.maps.__file__).parent / "static" / "page.js").read_text(encoding="utf-8")
    cases = [compact_features(f, ["name"], simplify_m=0) for f in _packed_layers()]
    (tmp_path / "cases.json").write_text(dumps([c.packed() for c in cases]), encoding="utf-8")
    runner = tmp_path / "run.js"
    runner.write_text(
        "global.window = global;\n" + script + "\nconst fs = require('fs');\n"
        "const cases = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));\n"
        "process.stdout.write(JSON.stringify(cases.map(c => geoplanUnpack(c).features)));\n",
        encoding="utf-8",
    )
    out = subprocess.run(["node", str(runner), str(tmp_path / "cases.json")], capture_output=True, check=True)
    decoded = orjson.loads(out.stdout)
    for got, case in zip(decoded, cases, strict=True):
        want = case.features()
        assert [f["properties"] for f in got] == [f["properties"] for f in want]
        for g, w in zip(got, want, strict=True):
            # A layer mixing Polygon and MultiPolygon ships as MultiPolygon: same shape, same coordinates.
            got_geom, want_geom = shapely.geometry.shape(g["geometry"]), shapely.geometry.shape(w["geometry"])
            assert got_geom.geom_type.removeprefix("Multi") == want_geom.geom_type.removeprefix("Multi")
            assert got_geom.equals(want_geom)
            assert shapely.get_coordinates(got_geom).tolist() == shapely.get_coordinates(want_geom).tolist()
