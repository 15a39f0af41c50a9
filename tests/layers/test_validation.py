from __future__ import annotations

from geoplan.layers.validation import collection_problems, feature_problems

from .conftest import road, square


def problems_for(catalogue, layer, feature):
    return feature_problems(catalogue, catalogue.layer(layer), feature)


def fields_of(problems):
    return [p.field for p in problems]


def test_a_valid_road_has_no_problems(catalogue):
    assert problems_for(catalogue, "roads", road() | {"id": "r1"}) == []


def test_self_intersecting_polygon_is_named(catalogue):
    bowtie = {"type": "Polygon", "coordinates": [[[109, 30], [109.01, 30.01], [109.01, 30], [109, 30.01], [109, 30]]]}
    feature = {"type": "Feature", "id": "v1", "geometry": bowtie, "properties": {"code": "422801105201", "name": "x"}}
    [problem] = problems_for(catalogue, "villages", feature)
    assert (problem.layer, problem.feature, problem.field) == ("villages", "v1", "geometry")
    assert "Self-intersection" in problem.message


def test_point_outside_lon_lat_range(catalogue):
    feature = {
        "type": "Feature",
        "id": "f1",
        "geometry": {"type": "Point", "coordinates": [200, 30]},
        "properties": {"name": "卫生室", "status": "existing", "kind": "clinic"},
    }
    [problem] = problems_for(catalogue, "facilities", feature)
    assert problem.field == "geometry" and "200" in problem.message


def test_projected_coordinates_are_refused_with_a_hint(catalogue):
    feature = road(coords=[[37_500_000, 3_320_000], [37_500_500, 3_320_000]]) | {"id": "r"}
    [problem] = problems_for(catalogue, "roads", feature)
    assert "reproject" in problem.message


def test_unknown_enum_value_names_the_field(catalogue):
    [problem] = problems_for(catalogue, "roads", road(status="finished") | {"id": "r"})
    assert problem.field == "status" and "finished" in problem.message


def test_missing_required_field(catalogue):
    feature = road() | {"id": "r"}
    del feature["properties"]["surface"]
    [problem] = problems_for(catalogue, "roads", feature)
    assert problem.field == "surface" and "required" in problem.message


def test_unknown_field(catalogue):
    [problem] = problems_for(catalogue, "roads", road(colour="red") | {"id": "r"})
    assert problem.field == "colour" and "unknown field" in problem.message


def test_wrong_geometry_type_for_the_layer(catalogue):
    feature = road() | {"id": "r", "geometry": square(0)}
    [problem] = problems_for(catalogue, "roads", feature)
    assert problem.field == "geometry" and "Polygon" in problem.message and "LineString" in problem.message


def test_wrong_types_and_ranges(catalogue):
    found = problems_for(catalogue, "roads", road(year="2026", width_m=-1, village_code="12") | {"id": "r"})
    assert sorted(fields_of(found)) == ["village_code", "width_m", "year"]


def test_every_problem_is_reported_not_just_the_first(catalogue):
    feature = {"type": "Feature", "id": "r", "geometry": {"type": "Point", "coordinates": [1, 1]}, "properties": {}}
    assert set(fields_of(problems_for(catalogue, "roads", feature))) == {
        "geometry",
        "name",
        "status",
        "road_class",
        "surface",
    }


def test_multi_geometries_of_the_family_are_accepted(catalogue):
    multi = {"type": "MultiLineString", "coordinates": [[[109, 30], [109.01, 30]], [[109, 30.01], [109.01, 30.01]]]}
    assert problems_for(catalogue, "roads", road() | {"id": "r", "geometry": multi}) == []


def test_not_a_feature(catalogue):
    [problem] = problems_for(catalogue, "roads", {"type": "FeatureCollection"})
    assert "not a GeoJSON Feature" in problem.message


def test_duplicate_ids_in_a_collection(catalogue):
    features = [road() | {"id": "r1"}, road() | {"id": "r1"}]
    [problem] = collection_problems(catalogue, catalogue.layer("roads"), features)
    assert problem.field == "id" and "duplicate" in problem.message


def test_boolean_coordinates_are_not_numbers(catalogue):
    feature = road(coords=[[False, 30], [109.01, True]]) | {"id": "r"}
    [problem] = problems_for(catalogue, "roads", feature)
    assert problem.field == "geometry" and "invalid position" in problem.message


def test_control_characters_in_text_are_refused(catalogue):
    [problem] = problems_for(catalogue, "roads", road(name="村\x01道") | {"id": "r"})
    assert problem.field == "name" and "control characters" in problem.message


def test_patterns_end_where_json_schema_says(catalogue):
    """Python's $ also matches before a final newline; the catalogue's patterns are JSON Schema (ECMA), where it
    does not: a village code with a trailing newline used to pass and then join to nothing."""
    assert problems_for(catalogue, "roads", road(village_code="420000000001") | {"id": "r"}) == []
    for code in ("420000000001\n", "420000000001\n\n", "\n420000000001"):
        [problem] = problems_for(catalogue, "roads", road(village_code=code) | {"id": "r"})
        assert problem.field == "village_code", code
