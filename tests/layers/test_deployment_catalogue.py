"""A deployment catalogue grows the shipped one (kinds, themes, layers, geometry families, fields) and only grows it."""

from __future__ import annotations

from pathlib import Path

import pytest

from geoplan.config import load_settings
from geoplan.errors import CatalogueError, ValidationFailed
from geoplan.layers import LayerStore, default_catalogue
from geoplan.layers.catalogue import load_catalogue
from geoplan.layers.validation import feature_problems, property_problems
from tests.conftest import DEPLOYMENT_KINDS

POINT = {"type": "Point", "coordinates": [111.0, 30.0]}
SQUARE = {"type": "Polygon", "coordinates": [[[111.0, 30.0], [111.001, 30.0], [111.001, 30.001], [111.0, 30.0]]]}


def facility(kind: str, geometry: dict | None = None, **extra) -> dict:
    props = {"name": "设施", "status": "existing", "kind": kind, **extra}
    return {"type": "Feature", "id": "f1", "geometry": geometry or POINT, "properties": props}


def test_deployment_kinds_get_labels_icons_and_pass_validation(deployment_catalogue_file: Path) -> None:
    cat = load_catalogue(deployment_catalogue_file)
    shipped = default_catalogue()
    values = cat.enum_values("facility_kind")
    assert values[: len(shipped.enum_values("facility_kind"))] == shipped.enum_values("facility_kind")
    for value, zh, en, icon in DEPLOYMENT_KINDS:
        assert value in values and value not in shipped.enum_values("facility_kind")
        assert cat.enum_label("facility_kind", value, "zh") == zh
        assert cat.enum_label("facility_kind", value, "en") == en
        assert next(v for v in cat.enums["facility_kind"] if v.value == value).icon == icon
        assert feature_problems(cat, cat.layer("facilities"), facility(value)) == []
        codes = [p.code for p in feature_problems(shipped, shipped.layer("facilities"), facility(value))]
        assert codes == ["enum"]


def test_deployment_adds_a_layer_with_the_shared_fields_and_widens_geometry(deployment_catalogue_file: Path) -> None:
    cat = load_catalogue(deployment_catalogue_file)
    heritage = cat.layer("heritage_sites")
    assert heritage.families == ("point", "polygon") and heritage.kind == "project"
    assert {"name", "status", "year", "village_code", "version", "updated_at", "grade"} <= set(heritage.field_names)
    assert cat.themes["culture"].zh == "文化遗产"
    facilities = cat.layer("facilities")
    assert facilities.families == ("point", "polygon")
    assert facilities.field_names[-3:] == ("survey_no", "version", "updated_at")
    assert feature_problems(cat, facilities, facility("clinic", SQUARE, survey_no="A-1")) == []
    shipped = default_catalogue().layer("facilities")
    assert [p.code for p in feature_problems(default_catalogue(), shipped, facility("clinic", SQUARE))] == [
        "geometry_type"
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[enums.facility_kind]]\nvalue = "clinic"\nzh = "诊所"\nen = "Clinic"\n', "already has the value 'clinic'"),
        ('[[layer]]\nname = "roads"\n', "already declared; use [extend.roads]"),
        ('[extend.nowhere]\ngeometry = ["point"]\n', "no layer 'nowhere'"),
        ('[extend.roads]\nid_prefix = "x"\n', "cannot change ['id_prefix']"),
        (
            '[[extend.roads.fields]]\nname = "lanes"\ntype = "integer"\nrequired = true\nzh = "车道"\nen = "Lanes"\n',
            "cannot be required",
        ),
        ('[themes.water]\nzh = "水"\nen = "Water"\ncolor = "#00f"\n', "theme 'water' is already declared"),
        ("[layers.roads]\n", "unknown section(s) ['layers']"),
        ('[extend.roads]\ngeometry = ["volume"]\n', "[extend.roads]: unknown geometry family 'volume'"),
        ('[[enums.facility_kind]]\nvalue = "hall"\nzh = "村卫生室"\nen = "Hall"\n', "names both clinic and hall"),
        ("not toml = = 1", "cannot be read as TOML"),
    ],
)
def test_a_deployment_may_only_add(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CatalogueError) as info:
        load_catalogue(path)
    assert message in str(info.value)
    assert str(path) in str(info.value)


def test_missing_file_is_a_clear_error_in_both_languages(tmp_path: Path) -> None:
    with pytest.raises(CatalogueError) as info:
        load_catalogue(tmp_path / "nope.toml")
    assert "does not exist" in str(info.value) and "不存在" in info.value.text("zh")


def test_an_edited_file_is_read_again(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[[enums.facility_kind]]\nvalue = "stage"\nzh = "戏台"\nen = "Stage"\n', encoding="utf-8")
    assert "stage" in load_catalogue(path).enum_values("facility_kind")
    assert load_catalogue(path) is load_catalogue(path)  # parsed once while unchanged
    path.write_text('[[enums.facility_kind]]\nvalue = "market"\nzh = "集市"\nen = "Market"\n', encoding="utf-8")
    values = load_catalogue(path).enum_values("facility_kind")
    assert "market" in values and "stage" not in values


def test_settings_read_the_catalogue_from_the_environment(tmp_path: Path) -> None:
    assert load_settings({}).catalogue_path is None
    assert load_settings({"GEOPLAN_CATALOGUE": str(tmp_path / "c.toml")}).catalogue_path == tmp_path / "c.toml"


def test_store_over_a_deployment_catalogue_writes_what_the_shipped_one_refuses(
    deployment_catalogue_file: Path, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    county = LayerStore(data, load_catalogue(deployment_catalogue_file))
    county.insert("facilities", facility("stage"))
    county.insert(
        "heritage_sites",
        {"type": "Feature", "geometry": SQUARE, "properties": {"name": "古戏楼", "status": "existing"}},
    )
    assert county.count("facilities") == 1 and county.count("heritage_sites") == 1
    with pytest.raises(ValidationFailed):
        LayerStore(data).insert("facilities", facility("market") | {"id": "f2"})


def test_enum_errors_name_the_chinese_labels() -> None:
    cat = default_catalogue()
    [problem] = property_problems(
        cat, cat.layer("roads"), "r1", {"name": "路", "status": "现状路", "road_class": "village", "surface": "paved"}
    )
    assert problem.code == "enum"
    assert "existing(现状)" in problem.text("zh") and "planned(规划)" in problem.text("zh")
    assert "existing(现状)" in problem.text("en")


def test_house_points_and_reservoir_surfaces_are_valid_but_lines_are_not() -> None:
    cat = default_catalogue()
    house = {"type": "Feature", "id": "b1", "geometry": POINT, "properties": {"households": 1, "use": "residential"}}
    assert feature_problems(cat, cat.layer("buildings"), house) == []
    reservoir = {
        "type": "Feature",
        "id": "r1",
        "geometry": SQUARE,
        "properties": {"name": "山塘水库", "status": "existing", "safety": "safe"},
    }
    assert feature_problems(cat, cat.layer("reservoirs"), reservoir) == []
    line = {"type": "LineString", "coordinates": [[111.0, 30.0], [111.001, 30.0]]}
    [problem] = feature_problems(cat, cat.layer("reservoirs"), reservoir | {"geometry": line})
    assert problem.code == "geometry_type" and "Point/MultiPoint/Polygon/MultiPolygon" in problem.message
