"""Issue 13 finding 4: a mistyped coordinate is that row's problem; geoplan's own exports re-import as they are;
re-importing features the layer already has is flagged and refused without ``allow_duplicates``."""

from __future__ import annotations

import pandas as pd
import pytest

from geoplan.errors import ValidationFailed
from geoplan.transfer import ImportOptions, export_layer, import_file, plan_import
from geoplan.transfer.errors import CRSUndetermined
from tests.transfer.conftest import KNOWN_POINTS, layer_bytes

ROWS = {
    "名称": ["甲户", "乙户", "丙户"],
    "状态": ["规划", "规划", "规划"],
    "危房等级": ["C级", "D级", "C级"],
    "户数": [1, 1, 2],
}


def houses_csv(path, lons, lats):
    pd.DataFrame({**ROWS, "经度": lons, "纬度": lats}).to_csv(path, index=False, encoding="utf-8-sig")
    return path


def test_one_row_at_lon_200_is_named_with_its_row_number(grid_store, tmp_path):
    lons = [KNOWN_POINTS[0][0], 200.0, KNOWN_POINTS[1][0]]
    lats = [KNOWN_POINTS[0][1], KNOWN_POINTS[1][1], KNOWN_POINTS[1][1]]
    csv = houses_csv(tmp_path / "houses.csv", lons, lats)
    plan = plan_import(grid_store, csv, ImportOptions("housing_repairs", crs="wgs84"))
    assert [(p.row, p.field, p.code) for p in plan.problems] == [(2, "geometry", "row_crs")]
    assert plan.problems[0].describe("zh") == (
        "housing_repairs,第2行,字段 geometry:坐标 (200, 29.9987) 不符合坐标系 EPSG:4326 (WGS 84)"
        "(其他行都符合),请检查这一行"
    )
    assert "row 2" in plan.problems[0].describe("en") and "Gauss" not in plan.problems[0].describe("en")
    before = layer_bytes(grid_store)
    with pytest.raises(ValidationFailed):
        import_file(grid_store, csv, ImportOptions("housing_repairs", crs="wgs84"))
    assert layer_bytes(grid_store) == before


def test_without_crs_the_refusal_still_names_the_bad_row_and_the_right_candidates(grid_store, tmp_path):
    lons = [KNOWN_POINTS[0][0], 200.0, KNOWN_POINTS[1][0]]
    lats = [KNOWN_POINTS[0][1], KNOWN_POINTS[1][1], KNOWN_POINTS[1][1]]
    csv = houses_csv(tmp_path / "houses.csv", lons, lats)
    with pytest.raises(CRSUndetermined) as info:
        plan_import(grid_store, csv, ImportOptions("housing_repairs"))
    assert info.value.candidates == ["EPSG:4326", "EPSG:4490", "gcj02", "bd09"]  # from the two good rows
    assert "第 2 行" in str(info.value) and "rows 2 " in str(info.value)


def test_a_wholly_projected_file_is_still_a_crs_question_not_row_problems(grid_store, tmp_path):
    csv = houses_csv(tmp_path / "houses.csv", [500100.0, 500200.0, 500300.0], [3320100.0, 3320200.0, 3320300.0])
    with pytest.raises(CRSUndetermined):
        plan_import(grid_store, csv, ImportOptions("housing_repairs", crs="wgs84"))


@pytest.mark.parametrize(("fmt", "crs"), [("csv", None), ("xlsx", None), ("csv", "EPSG:4546"), ("xlsx", "gcj02")])
def test_own_table_exports_reimport_without_crs_and_duplicates_are_flagged(grid_store, tmp_path, fmt, crs):
    houses = houses_csv(tmp_path / "houses.csv", [p[0] for p in KNOWN_POINTS], [p[1] for p in KNOWN_POINTS])
    import_file(grid_store, houses, ImportOptions("housing_repairs", crs="wgs84"))
    out = tmp_path / f"export.{fmt}"
    export_layer(grid_store, "housing_repairs", fmt, out, crs=crs)
    # no --crs: the export's crs column says what the numbers are
    plan = plan_import(grid_store, out, ImportOptions("housing_repairs"))
    assert len(plan.features) == 3
    # every row is a feature the layer already has: flagged, row by row, naming the existing feature
    assert sorted(p.row for p in plan.problems) == [1, 2, 3]
    assert {p.code for p in plan.problems} == {"duplicate_feature"}
    assert "--allow-duplicates" in plan.problems[0].describe("zh")
    before = layer_bytes(grid_store)
    with pytest.raises(ValidationFailed):
        import_file(grid_store, out, ImportOptions("housing_repairs"))
    assert layer_bytes(grid_store) == before
    # asked for, they go in (a second, independent copy)
    done = import_file(grid_store, out, ImportOptions("housing_repairs", allow_duplicates=True))
    assert done.change is not None and grid_store.count("housing_repairs") == 6


def test_same_place_different_name_is_not_a_duplicate(grid_store, tmp_path):
    points = ([p[0] for p in KNOWN_POINTS], [p[1] for p in KNOWN_POINTS])
    import_file(grid_store, houses_csv(tmp_path / "a.csv", *points), ImportOptions("housing_repairs", crs="wgs84"))
    renamed = pd.read_csv(tmp_path / "a.csv", encoding="utf-8-sig")
    renamed["名称"] = ["丁户", "乙户", "戊户"]
    renamed.to_csv(tmp_path / "b.csv", index=False, encoding="utf-8-sig")
    plan = plan_import(grid_store, tmp_path / "b.csv", ImportOptions("housing_repairs", crs="wgs84"))
    assert [(p.row, p.code) for p in plan.problems] == [(2, "duplicate_feature")]
