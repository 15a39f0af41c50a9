"""Upload import (multipart, planner token, all or nothing) and export downloads over HTTP."""

from __future__ import annotations

import io
import zipfile

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
from pyproj import Geod
from shapely.geometry import Point

from tests.api.conftest import GRID_CRS, ORIGIN, PLANNER, VIEWER, lonlat


def _csv(rows: dict) -> bytes:
    return pd.DataFrame(rows).to_csv(index=False).encode("utf-8-sig")


FACILITIES = {"名称": ["卫生室", "公厕"], "设施类型": ["村卫生室", "公厕"], "经度": [111.0015, 111.0120],
              "纬度": [30.0001, 30.0002]}  # fmt: skip


def test_upload_needs_a_planner_token(client, grid_state):
    files = {"file": ("f.csv", _csv(FACILITIES), "text/csv")}
    assert client.post("/collections/facilities/import", files=files).status_code == 401
    assert client.post("/collections/facilities/import", files=files, headers=VIEWER).status_code == 403


def test_dry_run_then_import_then_undo_shape(client, grid_state):
    before = grid_state()
    files = {"file": ("设施.csv", _csv(FACILITIES), "text/csv")}
    form = {"crs": "wgs84", "status": "planned", "dry_run": "true"}
    r = client.post("/collections/facilities/import", files=files, data=form, headers=PLANNER)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["dry_run"] is True and body["rows"] == 2 and body["problems"] == [] and body["imported"] == 0
    assert body["columns"]["kind"] == ["设施类型"]
    assert grid_state() == before
    r = client.post("/collections/facilities/import", files=files, data={**form, "dry_run": "false"}, headers=PLANNER)
    assert r.status_code == 201, r.text
    assert r.json()["imported"] == 2 and r.json()["change"]
    items = client.get("/collections/facilities/items", params={"limit": 100}).json()["features"]
    new = [f for f in items if f["properties"]["name"] in ("卫生室", "公厕")]
    assert {f["properties"]["status"] for f in new} == {"planned"}
    assert {f["properties"]["village_code"] for f in new} == {"420000000001", "420000000002"}


def test_bad_rows_are_refused_with_row_numbers(client, grid_state):
    before = grid_state()
    rows = {**FACILITIES, "设施类型": ["村卫生室", "飞机场"]}
    r = client.post(
        "/collections/facilities/import",
        files={"file": ("f.csv", _csv(rows), "text/csv")},
        data={"crs": "wgs84", "status": "planned"},
        headers=PLANNER,
    )
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    assert [(p["row"], p["field"]) for p in r.json()["problems"]] == [(2, "kind")]
    assert grid_state() == before


def test_missing_crs_lists_candidates(client):
    r = client.post(
        "/collections/facilities/import",
        files={"file": ("f.csv", _csv(FACILITIES), "text/csv")},
        data={"status": "planned"},
        headers=PLANNER,
    )
    assert r.status_code == 400
    assert r.json()["candidates"] == ["EPSG:4326", "EPSG:4490", "gcj02", "bd09"]


def test_export_formats(client):
    r = client.get("/collections/roads/export", params={"format": "gpkg", "crs": "EPSG:4546"})
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/geopackage+sqlite3"
    assert 'filename="roads.gpkg"' in r.headers["content-disposition"]
    frame = pyogrio.read_dataframe(io.BytesIO(r.content))
    assert len(frame) == 4 and frame.crs.to_epsg() == 4546
    # Road 1 runs 800 m along the grid; in metres it must measure so.
    assert frame[frame["name"] == "路1"].geometry.length.iloc[0] == pytest.approx(800, abs=0.05)
    r = client.get("/collections/roads/export", params={"format": "csv", "village": "420000000003"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    table = pd.read_csv(io.BytesIO(r.content), encoding="utf-8-sig")
    assert sorted(table["name"]) == ["路3", "路4"]
    assert client.get("/collections/roads/export", params={"format": "dwg"}).status_code == 400
    assert client.get("/collections/nolayer/export").status_code == 404


def test_dry_run_with_bad_rows_reports_them_in_chinese_by_default_and_english_on_request(client, grid_state):
    before = grid_state()
    rows = {**FACILITIES, "设施类型": ["飞机场", "公厕"]}
    files = {"file": ("f.csv", _csv(rows), "text/csv")}
    form = {"crs": "wgs84", "status": "planned", "dry_run": "true"}
    r = client.post("/collections/facilities/import", files=files, data=form, headers=PLANNER)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["imported"] == 0 and body["valid"] == 1
    (problem,) = body["problems"]
    assert (problem["row"], problem["field"], problem["code"]) == (1, "kind", "enum")
    assert problem["message"].startswith("取值 '飞机场' 不在允许范围内")
    assert problem["text"].startswith("facilities,第1行,字段 kind:")
    r = client.post("/collections/facilities/import?lang=en", files=files, data=form, headers=PLANNER)
    assert r.json()["problems"][0]["text"].startswith("facilities, row 1, field kind: '飞机场' is not one of")
    assert grid_state() == before


def test_zipped_gauss_kruger_shapefile_upload_lands_on_the_grid(client, tmp_path):
    # Two clinics in CGCS2000 GK CM 111E metres: (250, 250) m into village 1 and (2250, 250) m into village 3.
    frame = gpd.GeoDataFrame(
        {"名称": ["甲卫生室", "乙卫生室"], "设施类型": ["卫生室", "卫生室"], "状态": ["规划", "在建"]},
        geometry=[Point(ORIGIN[0] + 250, ORIGIN[1] + 250), Point(ORIGIN[0] + 2250, ORIGIN[1] + 250)],
        crs=GRID_CRS,
    )
    parts = tmp_path / "parts"
    parts.mkdir()
    pyogrio.write_dataframe(frame, parts / "clinics.shp", encoding="GBK")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for part in parts.iterdir():
            zf.write(part, part.name)
    r = client.post(
        "/collections/facilities/import",
        files={"file": ("卫生室.zip", buffer.getvalue(), "application/zip")},
        headers=PLANNER,
    )
    assert r.status_code == 201, r.text
    assert r.json()["crs"].startswith("EPSG:4546")
    items = client.get("/collections/facilities/items", params={"limit": 100}).json()["features"]
    new = {f["properties"]["name"]: f for f in items if f["properties"]["name"] in ("甲卫生室", "乙卫生室")}
    assert {n: f["properties"]["village_code"] for n, f in new.items()} == {
        "甲卫生室": "420000000001", "乙卫生室": "420000000003"
    }  # fmt: skip
    truth = lonlat(Point(2250, 250))
    got = new["乙卫生室"]["geometry"]["coordinates"]
    assert Geod(ellps="WGS84").inv(got[0], got[1], truth.x, truth.y)[2] < 0.01
