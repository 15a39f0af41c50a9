"""Import end to end: CRS handling on known points, GCJ-02, all-or-nothing with row-numbered problems, undo."""

from __future__ import annotations

import random
from pathlib import Path

import pandas as pd
import pytest
import shapely

from geoplan.errors import ValidationFailed
from geoplan.layers import LayerStore
from geoplan.transfer import ImportOptions, import_file, plan_import
from geoplan.transfer.datums import wgs84_to_gcj02
from geoplan.transfer.errors import CRSUndetermined
from tests.transfer.conftest import (
    KNOWN_POINTS,
    VILLAGE_CODES,
    layer_bytes,
    metres_apart,
    points_frame,
    write_zipped_shapefile,
)

FACILITY_PROPS = {
    "名称": ["卫生室", "幼儿园", "公厕"],
    "设施类型": ["村卫生室", "幼儿园", "公共厕所"],
    "状态": ["已建", "规划", "在建"],
}


def _imported_points(store: LayerStore, layer: str) -> dict[str, tuple[float, float]]:
    return {f["properties"]["name"]: tuple(f["geometry"]["coordinates"]) for f in store.features(layer)}


@pytest.mark.parametrize("epsg", [4525, 4546])  # 3° GK zone 37 with the zone number in the easting, and without
def test_gauss_kruger_shapefile_lands_within_10_cm_of_known_points(grid_store, tmp_path, epsg):
    frame = points_frame(epsg, KNOWN_POINTS, FACILITY_PROPS)
    if epsg == 4525:
        assert frame.geometry.x.min() > 37_000_000
    else:
        assert frame.geometry.x.max() < 1_000_000
    zipped = write_zipped_shapefile(frame, tmp_path / f"gk{epsg}.zip", encoding="GBK")  # bureaus use GBK
    plan = import_file(grid_store, zipped, ImportOptions("facilities"))
    assert plan.crs.startswith(f"EPSG:{epsg} (CGCS2000 / 3-degree Gauss-Kruger")  # read from the .prj
    got = _imported_points(grid_store, "facilities")
    for name, truth in zip(FACILITY_PROPS["名称"], KNOWN_POINTS, strict=True):
        assert metres_apart(got[name], truth) < 0.1
    # Chinese column names and values were mapped onto the catalogue; village_code filled from the villages.
    by_name = {f["properties"]["name"]: f["properties"] for f in grid_store.features("facilities")}
    assert by_name["卫生室"]["kind"] == "clinic" and by_name["卫生室"]["status"] == "existing"
    assert by_name["公厕"]["kind"] == "public_toilet" and by_name["公厕"]["status"] == "under_construction"
    assert by_name["卫生室"]["village_code"] == VILLAGE_CODES[0]
    assert by_name["幼儿园"]["village_code"] == VILLAGE_CODES[1]
    assert "village_code" not in by_name["公厕"]  # outside both villages
    assert plan.outside_villages == 1


@pytest.mark.parametrize(
    ("epsg", "expected"), [(4525, ["EPSG:4525"]), (4546, ["EPSG:4546", "EPSG:4508", "EPSG:32649"])]
)
def test_shapefile_without_prj_is_refused_with_candidates(grid_store, tmp_path, epsg, expected):
    frame = points_frame(epsg, KNOWN_POINTS, FACILITY_PROPS)
    zipped = write_zipped_shapefile(frame, tmp_path / f"noprj{epsg}.zip", encoding="GBK", prj=False)
    before = layer_bytes(grid_store)
    with pytest.raises(CRSUndetermined) as info:
        import_file(grid_store, zipped, ImportOptions("facilities"))
    assert info.value.candidates == expected
    assert "--crs" in str(info.value) and "文件没有坐标系" in str(info.value)
    for code in expected:  # every candidate is named in the message the planner reads
        assert code in str(info.value)
    assert layer_bytes(grid_store) == before
    # Saying which makes it import, to the same 10 cm.
    import_file(grid_store, zipped, ImportOptions("facilities", crs=f"EPSG:{epsg}"))
    got = _imported_points(grid_store, "facilities")
    assert max(metres_apart(got[n], p) for n, p in zip(FACILITY_PROPS["名称"], KNOWN_POINTS, strict=True)) < 0.1


def test_gcj02_csv_lands_within_1_m_of_wgs84_truth(grid_store, tmp_path):
    lons, lats = wgs84_to_gcj02([p[0] for p in KNOWN_POINTS], [p[1] for p in KNOWN_POINTS])
    csv = tmp_path / "gaode.csv"
    pd.DataFrame({**FACILITY_PROPS, "经度": lons, "纬度": lats}).to_csv(csv, index=False, encoding="utf-8-sig")
    with pytest.raises(CRSUndetermined) as info:  # a table never says its CRS
        import_file(grid_store, csv, ImportOptions("facilities"))
    assert info.value.candidates == ["EPSG:4326", "EPSG:4490", "gcj02", "bd09"]
    import_file(grid_store, csv, ImportOptions("facilities", crs="gcj02"))
    got = _imported_points(grid_store, "facilities")
    for name, truth in zip(FACILITY_PROPS["名称"], KNOWN_POINTS, strict=True):
        assert metres_apart(got[name], truth) < 1.0
        # Without the conversion the points would be hundreds of metres off.
    assert metres_apart((float(lons[0]), float(lats[0])), KNOWN_POINTS[0]) > 100


def _housing_rows(n: int, bad: dict[int, dict[str, object]]) -> pd.DataFrame:
    rng = random.Random(3)
    rows = []
    for i in range(1, n + 1):
        row = {
            "户主姓名": f"户主{i}",
            "危房等级": rng.choice(["C级", "D级"]),
            "状态": rng.choice(["规划", "在建", "完工"]),
            "户数": rng.randint(1, 3),
            "鉴定年份": 2023,
            "经度": 111.0 + rng.uniform(0.001, 0.019),
            "纬度": 29.992 + rng.uniform(0.0, 0.016),
        }
        row.update(bad.get(i, {}))
        rows.append(row)
    return pd.DataFrame(rows)


def test_thousand_rows_with_three_bad_all_or_nothing_then_undo(grid_store, tmp_path):
    bad = {17: {"危房等级": "E级"}, 512: {"户数": "两户"}, 998: {"经度": None}}
    xlsx = tmp_path / "危房.xlsx"
    _housing_rows(1000, bad).to_excel(xlsx, index=False)
    options = ImportOptions("housing_repairs", crs="wgs84")
    before = layer_bytes(grid_store)

    plan = import_file(grid_store, xlsx, options, dry_run=True)
    assert plan.rows == 1000
    assert sorted({p.row for p in plan.problems}) == [17, 512, 998]
    fields = {p.row: p.field for p in plan.problems}
    assert fields == {17: "danger_grade", 512: "households", 998: "geometry"}
    assert "'E级' is not one of" in next(p.message for p in plan.problems if p.row == 17)
    assert layer_bytes(grid_store) == before

    with pytest.raises(ValidationFailed) as info:
        import_file(grid_store, xlsx, options)
    assert sorted({p.row for p in info.value.problems}) == [17, 512, 998]
    assert layer_bytes(grid_store) == before
    assert grid_store.count("housing_repairs") == 0

    # Planners fix the three rows; the layer already holds two houses from earlier work.
    earlier = _housing_rows(2, {}).assign(户主姓名=["旧户1", "旧户2"])
    earlier_xlsx = tmp_path / "earlier.xlsx"
    earlier.to_excel(earlier_xlsx, index=False)
    import_file(grid_store, earlier_xlsx, options)
    features_before = grid_store.features("housing_repairs")
    file_before = grid_store.path("housing_repairs").read_bytes()
    _housing_rows(1000, {}).to_excel(xlsx, index=False)
    done = import_file(grid_store, xlsx, options, actor="test")
    assert grid_store.count("housing_repairs") == 1002
    latest = grid_store.changes("housing_repairs")[-1]
    assert (latest.change, latest.op, latest.count) == (done.change, "import", 1000)
    first = grid_store.features("housing_repairs")[2]["properties"]
    assert first["danger_grade"] in ("C", "D") and first["status"] in ("planned", "under_construction", "completed")
    assert first["village_code"] in VILLAGE_CODES

    grid_store.undo(done.change)
    assert grid_store.features("housing_repairs") == features_before
    # byte for byte: feature order, every member, and the header's last_change (back to the earlier import's)
    assert grid_store.path("housing_repairs").read_bytes() == file_before


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_blank_rows_do_not_shift_the_row_numbers_problems_name(grid_store, tmp_path, kind):
    rows = pd.DataFrame(
        {"名称": ["卫生室", None, "机场", "幼儿园"], "设施类型": ["村卫生室", None, "飞机场", "幼儿园"],
         "状态": ["已建", None, "已建", "规划"], "经度": [111.001, None, 111.002, 111.003],
         "纬度": [29.999, None, 29.999, 29.999]}
    )  # fmt: skip  # record 2 is an empty row left in the sheet; record 3 is the bad one
    path = tmp_path / f"设施.{kind}"
    if kind == "xlsx":
        rows.to_excel(path, index=False)
    else:
        text = rows.to_csv(index=False, lineterminator="\n").replace("\n,,,,\n", "\n\n")  # a truly blank line
        assert "\n\n" in text
        path.write_text(text, encoding="utf-8-sig")
    plan = plan_import(grid_store, path, ImportOptions("facilities", crs="wgs84"))
    assert plan.rows == 3
    assert [(p.row, p.field) for p in plan.problems] == [(3, "kind")]
    assert plan.summary()["problems"][0]["text"].startswith("facilities,第3行,字段 kind:取值 '飞机场' 不在允许范围内")


def test_kept_ids_that_already_exist_are_refused_in_chinese(grid_store, tmp_path):
    csv = tmp_path / "ids.csv"
    pd.DataFrame({"id": ["village-1"], "code": ["420100000009"], "名称": ["新村"],
                  "wkt": ["POLYGON ((111 30, 111.01 30, 111.01 30.01, 111 30))"]}).to_csv(csv, index=False)  # fmt: skip
    plan = plan_import(grid_store, csv, ImportOptions("villages", crs="wgs84", keep_ids=True))
    assert [(p.row, p.feature, p.field) for p in plan.problems] == [(1, "village-1", "id")]
    assert plan.problems[0].text("zh") == "已存在相同编号的要素"


def test_status_option_fills_rows_without_status_and_field_option_maps_odd_columns(grid_store, tmp_path):
    csv = tmp_path / "roads.csv"
    line = shapely.LineString([(111.001, 29.995), (111.008, 29.996)])
    pd.DataFrame({"LXMC": ["通村路"], "JSDJ": ["村道"], "LM": ["水泥"], "WKT": [line.wkt], "TZ": ["85.5"]}).to_csv(
        csv, index=False
    )
    options = ImportOptions(
        "roads", crs="cgcs2000", status="planned",
        fields={"LXMC": "name", "JSDJ": "道路等级", "LM": "surface", "TZ": "budget_wan"},
    )  # fmt: skip
    import_file(grid_store, csv, options)
    (props,) = [f["properties"] for f in grid_store.features("roads")]
    assert props["name"] == "通村路" and props["road_class"] == "village" and props["surface"] == "paved"
    assert props["status"] == "planned" and props["budget_wan"] == 85.5
    assert props["village_code"] == VILLAGE_CODES[0]


def test_unknown_layer_and_unreadable_files_change_nothing(grid_store, tmp_path):
    from geoplan.errors import LayerNotFound
    from geoplan.transfer.errors import SourceUnreadable

    before = layer_bytes(grid_store)
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"not a zip")
    with pytest.raises(SourceUnreadable, match="not a valid zip"):
        plan_import(grid_store, junk, ImportOptions("roads"))
    with pytest.raises(LayerNotFound):
        plan_import(grid_store, junk, ImportOptions("nolayer"))
    odd = tmp_path / "x.dwg"
    odd.write_bytes(b"")
    with pytest.raises(SourceUnreadable, match="unknown file type"):
        plan_import(grid_store, odd, ImportOptions("roads"))
    assert layer_bytes(grid_store) == before


def test_liechtenstein_roads_and_buildings_with_presets(liechtenstein_dir: Path, empty_store):
    roads = import_file(empty_store, liechtenstein_dir / "roads.geojson", ImportOptions("roads", preset="osm-roads"))
    assert roads.rows == 2727
    # footway 252 + path 179 + cycleway + steps + bridleway + pedestrian are skipped, not imported.
    frame = empty_store.frame("roads")
    assert len(frame) == roads.rows - roads.skipped > 2000
    assert set(frame.road_class) <= {"provincial", "county", "township", "village", "group"}
    assert set(frame.surface) == {"paved", "gravel", "earth"}
    assert (frame.status == "existing").all()
    landstrasse = frame[frame.name == "Landstrasse"]
    assert len(landstrasse) > 0
    buildings = import_file(
        empty_store, liechtenstein_dir / "buildings.geojson", ImportOptions("buildings", preset="osm-buildings")
    )
    assert buildings.rows == empty_store.count("buildings") == 3719
    uses = empty_store.frame("buildings")["use"].value_counts(dropna=True).to_dict()
    assert uses["residential"] >= 200 + 153  # building=residential + house at least
    assert set(empty_store.frame("buildings").geometry.geom_type) == {"Polygon"}
