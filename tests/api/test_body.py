"""Body limits hold even when a client streams without Content-Length; broken JSON is a 400 naming it."""

from __future__ import annotations

from fastapi.testclient import TestClient

from geoplan.api import create_app
from tests.api.conftest import PLANNER


def test_streamed_body_over_the_limit_is_413(grid_settings, grid_state) -> None:
    client = TestClient(create_app(grid_settings.with_overrides(max_body_bytes=1000)))
    before = grid_state()

    def chunks():
        for _ in range(10):
            yield b" " * 500

    r = client.post(
        "/collections/roads/items", content=chunks(), headers={**PLANNER, "Content-Type": "application/json"}
    )
    assert r.status_code == 413
    assert r.headers["content-type"] == "application/problem+json"
    assert grid_state() == before


def test_other_media_types_are_415(client: TestClient) -> None:
    r = client.post("/collections/roads/items", content=b"<x/>", headers={**PLANNER, "Content-Type": "text/xml"})
    assert r.status_code == 415


def test_a_feature_collection_is_not_a_feature(client: TestClient) -> None:
    r = client.post("/collections/roads/items", json={"type": "FeatureCollection", "features": []}, headers=PLANNER)
    assert r.status_code == 400
    assert "Feature" in r.json()["detail"]
