from __future__ import annotations

import shapely

from geoplan.layers.frames import geometries, to_frame


def feature(geometry: dict, **props) -> dict:
    return {"type": "Feature", "id": props.pop("id", "f"), "geometry": geometry, "properties": props}


GEOMETRIES = [
    {"type": "Point", "coordinates": [109.5, 30.25]},
    {"type": "Point", "coordinates": [109.5, 30.25, 812.0]},  # a height is dropped, as in 2-D analysis
    {"type": "LineString", "coordinates": [[109.0, 30.0], [109.01, 30.0], [109.01, 30.02]]},
    {"type": "MultiPoint", "coordinates": [[109.0, 30.0], [109.1, 30.1]]},
    {"type": "MultiLineString", "coordinates": [[[109, 30], [109.01, 30]], [[109, 30.01], [109.01, 30.01]]]},
    {"type": "Polygon", "coordinates": [[[109, 30], [109.01, 30], [109.01, 30.01], [109, 30.01], [109, 30]]]},
    {"type": "LineString", "coordinates": [[109.2, 30.2], [109.3, 30.3]]},
]


def test_fast_paths_give_the_same_shapes_as_the_geojson_reader():
    built = geometries([feature(g) for g in GEOMETRIES])
    for got, source in zip(built, GEOMETRIES, strict=True):
        expected = shapely.force_2d(shapely.geometry.shape(source))
        assert shapely.equals_exact(got, expected, tolerance=0), (got, source)
        assert got.geom_type == source["type"]


def test_frame_keeps_order_ids_and_missing_properties():
    feats = [feature(GEOMETRIES[2], id="b", name="路"), feature(GEOMETRIES[0], id="a", name="点", year=2026)]
    frame = to_frame(feats, ["name", "year"])
    assert list(frame["id"]) == ["b", "a"]
    assert list(frame["name"]) == ["路", "点"]
    assert frame["year"].isna().tolist() == [True, False]
    assert frame.crs.to_epsg() == 4326
    assert [g.geom_type for g in frame.geometry] == ["LineString", "Point"]
