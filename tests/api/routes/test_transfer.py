"""Upload import (multipart, planner token, all or nothing) and export downloads over HTTP."""

from __future__ import annotations

import io

import pandas as pd
import pyogrio
import pytest

from tests.api.conftest import PLANNER, VIEWER, layer_bytes


def _csv(rows: dict) -> bytes:
    return pd.DataFrame(rows).to_csv(index=False).encode("utf-8-sig")


FACILITIES = {"名称": ["卫生室", "公厕"], "设施类型": ["村卫生室", "公厕"], "经度": [111.0015, 111.0120],
              "纬度": [30.0001, 30.0002]}  # fmt: skip


def test_upload_needs_a_planner_token(client, grid_dir):
    files = {"file": ("f.csv", _csv(FACILITIES), "text/csv")}
    assert client.post("/collections/facilities/import", files=files).status_code == 401
    assert client.post("/collections/facilities/import", files=files, headers=VIEWER).status_code == 403


def test_dry_run_then_import_then_undo_shape(client, grid_dir):
    before = layer_bytes(grid_dir)
    files = {"file": ("设施.csv", _csv(FACILITIES), "text/csv")}
    form = {"crs": "wgs84", "status": "planned", "dry_run": "true"}
    r = client.post("/collections/facilities/import", files=files, data=form, headers=PLANNER)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["dry_run"] is True and body["rows"] == 2 and body["problems"] == [] and body["imported"] == 0
    assert body["columns"]["kind"] == ["设施类型"]
    assert layer_bytes(grid_dir) == before
    r = client.post("/collections/facilities/import", files=files, data={**form, "dry_run": "false"}, headers=PLANNER)
    assert r.status_code == 201, r.text
    assert r.json()["imported"] == 2 and r.json()["change"]
    items = client.get("/collections/facilities/items", params={"limit": 100}).json()["features"]
    new = [f for f in items if f["properties"]["name"] in ("卫生室", "公厕")]
    assert {f["properties"]["status"] for f in new} == {"planned"}
    assert {f["properties"]["village_code"] for f in new} == {"420000000001", "420000000002"}


def test_bad_rows_are_refused_with_row_numbers(client, grid_dir):
    before = layer_bytes(grid_dir)
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
    assert layer_bytes(grid_dir) == before


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
