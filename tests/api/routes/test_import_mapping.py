"""The multipart import route takes --set (as ``set``) and answers --explain (as ``explain``) like the CLI."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from fastapi.testclient import TestClient

from tests.api.conftest import PLANNER, layer_bytes

ROWS = {"设施名称": ["祠堂", "篮球场"], "类型": ["文化礼堂", "篮球场"], "状态": ["现状设施点", "规划设施点"],
        "经度": [111.0015, 111.0120], "纬度": [30.0001, 30.0002]}  # fmt: skip


def _csv() -> bytes:
    return pd.DataFrame(ROWS).to_csv(index=False).encode("utf-8-sig")


def test_explain_answers_the_mapping_and_writes_nothing(client: TestClient, grid_dir: Path) -> None:
    before = layer_bytes(grid_dir)
    files = {"file": ("设施.csv", _csv(), "text/csv")}
    r = client.post("/collections/facilities/import", files=files, data={"explain": "true"}, headers=PLANNER)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["explain"] is True and body["rows"] == 2
    fields = {f["field"]: f for f in body["fields"]}
    assert fields["kind"]["columns"] == ["类型"] and fields["kind"]["samples"] == ["ancestral_hall", "sports_ground"]
    assert fields["status"]["samples"] == ["existing", "planned"]
    assert fields["name"]["columns"] == ["设施名称"] and fields["name"]["matched_by"] == "synonym"
    assert body["missing_required"] == []
    assert layer_bytes(grid_dir) == before


def test_set_over_http(client: TestClient) -> None:
    files = {"file": ("设施.csv", _csv(), "text/csv")}
    data = {"crs": "wgs84", "set": ["note={设施名称}(调查)", "year=2025"]}
    r = client.post("/collections/facilities/import", files=files, data=data, headers=PLANNER)
    assert r.status_code == 201, r.text
    items = client.get("/collections/facilities/items", params={"limit": 100}).json()["features"]
    new = {f["properties"]["name"]: f["properties"] for f in items if f["properties"].get("year") == 2025}
    assert new["祠堂"]["note"] == "祠堂(调查)" and new["篮球场"]["kind"] == "sports_ground"
    bad = client.post(
        "/collections/facilities/import", files=files, data={"set": "note={设施名称.__class__}"}, headers=PLANNER
    )
    assert bad.status_code in (400, 422) and "__class__" in bad.text
