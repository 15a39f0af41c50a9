"""Column and value mapping onto the catalogue."""

from __future__ import annotations

import pytest

from geoplan.layers import default_catalogue
from geoplan.transfer.errors import FieldMapError
from geoplan.transfer.fieldmap import build_field_map, coerce, load_preset, map_row, parse_field_options, preset_names

CAT = default_catalogue()


def test_chinese_column_names_map_to_catalogue_fields():
    roads = CAT.layer("roads")
    fmap = build_field_map(
        roads, ["名称", "状态", "年份", "投资（万元）", "道路等级", "路面", "宽度(m)", "村代码", "杂项"]
    )
    assert fmap.columns == {
        "name": ("名称",), "status": ("状态",), "year": ("年份",), "budget_wan": ("投资（万元）",),
        "road_class": ("道路等级",), "surface": ("路面",), "width_m": ("宽度(m)",), "village_code": ("村代码",),
    }  # fmt: skip
    assert fmap.ignored == ("杂项",)
    houses = build_field_map(CAT.layer("housing_repairs"), ["户主姓名", "危房等级", "village_co"])
    assert houses.columns == {"name": ("户主姓名",), "danger_grade": ("危房等级",), "village_code": ("village_co",)}


def test_values_map_to_enums_and_types():
    row = {"名称": " 通组路 ", "状态": "已建", "年份": "2024年", "投资": "1,234.5", "道路等级": "村道", "路面": "水泥"}
    props = map_row(CAT, build_field_map(CAT.layer("roads"), list(row)), row)
    assert props == {"name": "通组路", "status": "existing", "year": 2024, "budget_wan": 1234.5,
                     "road_class": "village", "surface": "paved"}  # fmt: skip
    for text, value in {"在建": "under_construction", "规划": "planned", "完工": "completed"}.items():
        assert coerce(CAT, CAT.layer("roads").field("status"), text) == value
    assert coerce(CAT, CAT.layer("housing_repairs").field("danger_grade"), "D级") == "D"
    assert coerce(CAT, CAT.layer("villages").field("has_5g"), "是") is True
    assert coerce(CAT, CAT.layer("villages").field("code"), 420100000001.0) == "420100000001"
    # Unreadable values pass through so validation can name them.
    assert coerce(CAT, CAT.layer("roads").field("year"), "去年") == "去年"


def test_explicit_fields_win_and_bad_ones_are_named():
    roads = CAT.layer("roads")
    fmap = build_field_map(roads, ["LXMC", "名称"], parse_field_options(["LXMC=名称"]))
    assert fmap.columns["name"] == ("LXMC",) and fmap.ignored == ("名称",)
    with pytest.raises(FieldMapError, match="has no column 'LX'"):
        build_field_map(roads, ["LXMC"], {"LX": "name"})
    with pytest.raises(FieldMapError, match="has no field 'colour'"):
        build_field_map(roads, ["LXMC"], {"LXMC": "colour"})
    with pytest.raises(FieldMapError, match="源字段=目标字段"):
        parse_field_options(["LXMC"])


def test_shipped_presets_name_only_catalogue_fields_and_values():
    assert preset_names() == ["osm-buildings", "osm-roads"]
    for name in preset_names():
        preset = load_preset(name)
        layer = CAT.layer(preset.layer)
        for target in [*preset.fields, *preset.values, *preset.defaults]:
            assert layer.has_field(target), (name, target)
        for target, mapping in preset.values.items():
            allowed = set(CAT.enum_values(layer.field(target).enum))
            assert set(mapping.values()) <= allowed, (name, target)
