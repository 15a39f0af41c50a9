"""Real planners' files with little mapping: common column names, --set with safe templates, status words, --explain."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from geoplan.cli.main import main
from geoplan.layers import LayerStore, default_catalogue
from geoplan.transfer import ImportOptions, plan_import
from geoplan.transfer.errors import FieldMapError
from geoplan.transfer.explain import explain_import
from geoplan.transfer.fieldmap import build_field_map, coerce, expand_template, map_row, parse_set_options

CAT = default_catalogue()


def _square(i: int) -> dict:
    x = 111.0 + i * 0.01
    return {"type": "Polygon", "coordinates": [[[x, 30.0], [x + 0.01, 30.0], [x + 0.01, 30.01], [x, 30.01], [x, 30.0]]]}


def _villages_file(path: Path, **columns: list) -> Path:
    n = len(next(iter(columns.values())))
    features = [
        {"type": "Feature", "geometry": _square(i), "properties": {k: v[i] for k, v in columns.items()}}
        for i in range(n)
    ]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False), "utf-8")
    return path


@pytest.fixture
def data(tmp_path: Path) -> Path:
    d = tmp_path / "data"
    d.mkdir()
    return d


def test_a_county_village_layer_with_codes_and_no_names_imports_with_one_set(data: Path, tmp_path: Path, capsys):
    src = _villages_file(
        tmp_path / "villages.geojson",
        village_code=["522301100201", "522301100202", "522301100203"],
        population_registered=[812, 640, 1033],
        Shape_Area=[1.0, 2.0, 3.0],
    )
    args = ["import", str(src), "--layer", "villages", "--crs", "wgs84", "--data-dir", str(data)]
    assert main(args) == 1  # name is required and the file has none
    assert capsys.readouterr().err.count("字段 name:必填字段缺失") == 3
    assert main([*args, "--set", "name={village_code}"]) == 0
    got = {f["properties"]["code"]: f["properties"] for f in LayerStore(data).features("villages")}
    assert set(got) == {"522301100201", "522301100202", "522301100203"}
    assert got["522301100202"]["name"] == "522301100202" and got["522301100202"]["population"] == 640
    assert "Shape_Area" in capsys.readouterr().out  # named among the ignored columns


@pytest.mark.parametrize(
    ("columns", "expected"),
    [
        (["DJZQDM", "村名", "户籍人口"], {"code": ("DJZQDM",), "name": ("村名",), "population": ("户籍人口",)}),
        (["代码", "NAME"], {"code": ("代码",), "name": ("NAME",)}),
        (["village_code", "名称", "population_registered"],
         {"code": ("village_code",), "name": ("名称",), "population": ("population_registered",)}),
    ],
)  # fmt: skip
def test_common_village_column_names(columns: list[str], expected: dict) -> None:
    assert build_field_map(CAT.layer("villages"), columns).columns == expected


@pytest.mark.parametrize(
    ("word", "status"),
    [("现状", "existing"), ("现状设施点", "existing"), ("已建", "existing"), ("规划", "planned"),
     ("规划设施点", "planned"), ("拟建", "planned"), ("近期", "planned"), ("在建", "under_construction"),
     ("已完工", "completed"), ("竣工", "completed")],
)  # fmt: skip
def test_chinese_status_words(word: str, status: str) -> None:
    assert coerce(CAT, CAT.layer("facilities").field("status"), word) == status


def test_new_kinds_by_their_chinese_names() -> None:
    kind = CAT.layer("facilities").field("kind")
    assert [coerce(CAT, kind, w) for w in ("祠堂", "文化礼堂", "篮球场", "游园", "服务中心", "游客中心", "其它")] == [
        "ancestral_hall", "ancestral_hall", "sports_ground", "park", "service_centre", "visitor_centre", "other",
    ]  # fmt: skip


def test_set_fills_rows_that_give_nothing_and_templates_stay_plain() -> None:
    fmap = build_field_map(
        CAT.layer("facilities"), ["名称", "代码"], sets=parse_set_options(["status=规划", "note={代码}号{{点}}"])
    )
    assert map_row(CAT, fmap, {"名称": "甲", "代码": 7.0}) == {
        "name": "甲", "status": "planned", "note": "7号{点}",
    }  # fmt: skip
    assert map_row(CAT, fmap, {"名称": "乙", "代码": None})["note"] == "号{点}"
    assert expand_template("{a}-{b}", {"a": "x"}) == "x-"


@pytest.mark.parametrize(
    "template",
    ["{代码.__class__}", "{代码[0]}", "{代码:>999999999}", "{代码!r}", "{代码", "代码}", "{}", "{" + "x" * 300 + "}"],
)
def test_templates_refuse_anything_but_plain_names(template: str) -> None:
    with pytest.raises(FieldMapError):
        build_field_map(CAT.layer("facilities"), ["名称", "代码"], sets={"note": template})


def test_set_names_a_missing_column_or_a_bad_option() -> None:
    with pytest.raises(FieldMapError, match="no column 'code'"):
        build_field_map(CAT.layer("villages"), ["village_code"], sets={"name": "{code}"})
    with pytest.raises(FieldMapError, match="FIELD=VALUE"):
        parse_set_options(["name"])
    with pytest.raises(FieldMapError, match="has no field"):
        build_field_map(CAT.layer("villages"), ["village_code"], sets={"colour": "red"})


def test_explain_shows_the_mapping_and_writes_nothing(data: Path, tmp_path: Path, capsys) -> None:
    src = _villages_file(tmp_path / "v.geojson", village_code=["522301100201"], 户籍人口=[812], 备注说明=["山区"])
    before = sorted(p.name for p in data.rglob("*"))
    args = ["import", str(src), "--layer", "villages", "--data-dir", str(data), "--explain"]
    assert main(args) == 0  # no --crs needed: nothing is reprojected
    out = capsys.readouterr().out
    assert "village_code" in out and "常用列名" in out and "522301100201" in out and "812" in out
    assert "必填字段无来源" in out and "name" in out and "备注说明" in out
    assert sorted(p.name for p in data.rglob("*")) == before
    assert main([*args, "--set", "name={village_code}村", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "522301100201村" in out and "required fields with no source" not in out
    store = LayerStore(data)
    ex = explain_import(store, src, ImportOptions(layer="villages", sets={"name": "{village_code}村"}))
    rows = {r.field: r for r in ex.fields}
    assert rows["code"].sources == ("village_code",) and rows["code"].how == "synonym"
    assert rows["population"].samples == (812,) and rows["name"].how == "set"
    assert ex.missing_required == [] and ex.ignored == ("备注说明",)
    plan = plan_import(store, src, ImportOptions(layer="villages", crs="wgs84", sets={"name": "{village_code}村"}))
    assert plan.problems == [] and plan.features[0]["properties"]["name"] == "522301100201村"


def test_the_readme_preset_example_works(repo_root: Path, data: Path, tmp_path: Path) -> None:
    readme = (repo_root / "README.md").read_text(encoding="utf-8")
    start = readme.index("```toml\n# survey-facilities.toml")
    text = readme[start + len("```toml\n") : readme.index("```", start + 8)]
    preset = tmp_path / "survey-facilities.toml"
    preset.write_text(text, encoding="utf-8")
    import pandas as pd

    rows = {
        "编号": ["A01", "A02", "A03"],
        "设施名称": ["王家戏台", "向氏宗祠", "老粮站"],
        "设施类别": ["戏台", "祠堂", "已拆除"],
        "现状/规划": [None, "规划设施点", "现状"],
        "经度": [111.001, 111.002, 111.003],
        "纬度": [30.001, 30.001, 30.001],
    }
    src = tmp_path / "设施点.xlsx"
    pd.DataFrame(rows).to_excel(src, index=False)
    store = LayerStore(data)
    plan = plan_import(store, src, ImportOptions(layer="facilities", crs="wgs84", preset=str(preset)))
    assert plan.problems == [] and plan.skipped == 1
    got = {f["properties"]["name"]: f["properties"] for f in plan.features}
    assert got["王家戏台"] == {
        "name": "王家戏台", "status": "existing", "kind": "other", "label": "戏台", "note": "调查编号 A01",
    }  # fmt: skip
    assert got["向氏宗祠"]["kind"] == "ancestral_hall" and got["向氏宗祠"]["status"] == "planned"
