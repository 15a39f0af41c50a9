"""The API over a deployment catalogue: its kinds import, appear in queryables and schemas, maps and legends."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd
from fastapi.testclient import TestClient

from geoplan.api import create_app
from geoplan.config import Settings
from tests.api.conftest import PLANNER, layer_bytes
from tests.conftest import DEPLOYMENT_KINDS


def _facilities_csv() -> bytes:
    """Ten facilities whose 类型 is the Chinese label of a kind the shipped catalogue does not have."""
    rows = {
        "名称": [f"{zh}{i}" for i, (_, zh, _, _) in enumerate(DEPLOYMENT_KINDS)],
        "设施类型": [zh for _, zh, _, _ in DEPLOYMENT_KINDS],
        "状态": ["现状设施点"] * 5 + ["规划设施点"] * 5,
        "经度": [111.0005 + 0.0025 * i for i in range(10)],
        "纬度": [30.004] * 10,
    }
    return pd.DataFrame(rows).to_csv(index=False).encode("utf-8-sig")


def test_ten_county_kinds_import_only_with_the_deployment_catalogue(
    grid_settings: Settings, grid_dir: Path, deployment_catalogue_file: Path
) -> None:
    files = {"file": ("设施.csv", _facilities_csv(), "text/csv")}
    before = layer_bytes(grid_dir)
    with TestClient(create_app(grid_settings)) as shipped:
        r = shipped.post("/collections/facilities/import", files=files, data={"crs": "wgs84"}, headers=PLANNER)
        assert r.status_code == 422
        problems = r.json()["problems"]
        assert len(problems) == 10 and {p["field"] for p in problems} == {"kind"}
        assert "village_committee(村委会)" in problems[0]["message"]  # the labels a planner can choose from
        assert "stage" not in shipped.get("/collections/facilities/queryables").json()["properties"]["kind"]["enum"]
    assert layer_bytes(grid_dir) == before

    county = replace(grid_settings, catalogue_path=deployment_catalogue_file)
    with TestClient(create_app(county)) as client:
        r = client.post("/collections/facilities/import", files=files, data={"crs": "wgs84"}, headers=PLANNER)
        assert r.status_code == 201, r.text
        assert r.json()["imported"] == 10
        items = client.get("/collections/facilities/items", params={"limit": 100}).json()["features"]
        imported = {f["properties"]["kind"]: f["properties"]["status"] for f in items}
        assert {v for v, _, _, _ in DEPLOYMENT_KINDS} <= set(imported)
        assert imported["stage"] == "existing" and imported["police"] == "planned"

        kind = client.get("/collections/facilities/queryables").json()["properties"]["kind"]
        assert {v for v, _, _, _ in DEPLOYMENT_KINDS} <= set(kind["enum"])
        assert client.get("/collections/facilities/items", params={"kind": "stage"}).json()["numberReturned"] == 1

        collections = {c["id"]: c for c in client.get("/collections").json()["collections"]}
        assert collections["heritage_sites"]["title"] == "文物保护单位"
        assert set(collections["facilities"]["geometryTypes"]) == {"Point", "MultiPoint", "Polygon", "MultiPolygon"}
        schema = client.get("/collections/heritage_sites/schema").json()
        assert "grade" in schema["properties"]
        api = client.get("/api").json()
        refs = api["components"]["schemas"]["feature-heritage_sites"]["properties"]["geometry"]["oneOf"]
        assert len(refs) == 4

        page = client.get("/maps/overview").text
        for _, zh, _, icon in DEPLOYMENT_KINDS:
            assert zh in page and f"fa-{icon}" in page
