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


def test_polygons_from_one_coordinate_array_keep_holes_and_order():
    shell = [[109, 30], [109.01, 30], [109.01, 30.01], [109, 30.01], [109, 30]]
    hole = [[109.002, 30.002], [109.004, 30.002], [109.004, 30.004], [109.002, 30.002]]
    sources = [
        {"type": "Polygon", "coordinates": [shell, hole]},
        {"type": "Point", "coordinates": [109.5, 30.25]},
        {"type": "Polygon", "coordinates": [[[110, 31], [110.5, 31], [110.5, 31.5], [110, 31]]]},
        {"type": "MultiPolygon", "coordinates": [[shell]]},
    ]
    built = geometries([feature(g) for g in sources])
    for got, source in zip(built, sources, strict=True):
        assert shapely.equals_exact(got, shapely.geometry.shape(source), tolerance=0), (got, source)
    assert shapely.get_num_interior_rings(built[0]) == 1
    assert shapely.area(built[2]) == 0.125  # 0.5 × 0.5 / 2, worked by hand


def test_a_polygon_with_a_height_sends_every_polygon_through_the_geojson_reader():
    flat = {"type": "Polygon", "coordinates": [[[109, 30], [109.01, 30], [109.01, 30.01], [109, 30]]]}
    raised = {
        "type": "Polygon",
        "coordinates": [[[109, 30, 5.0], [109.01, 30, 5.0], [109.01, 30.01, 5.0], [109, 30, 5.0]]],
    }
    built = geometries([feature(flat), feature(raised)])
    assert shapely.equals_exact(built[0], shapely.geometry.shape(flat), tolerance=0)
    assert shapely.has_z(built[1])  # what GEOS's reader gives, as before the fast path
