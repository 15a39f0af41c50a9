"""GET /plan proposes, POST /plan/accept writes one change (undone through the API), /maps/plan shows it."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from geoplan.layers import LayerStore
from tests.api.conftest import PLANNER, layer_bytes


def test_propose_and_its_document(client: TestClient) -> None:
    r = client.get("/plan", params={"budget": 100, "year": 2026})
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    doc = r.json()
    assert doc["type"] == "FeatureCollection" and doc["budget_wan"] == 100
    assert doc["features"] and 0 < doc["cost_wan"] <= 100
    assert abs(sum(f["properties"]["cost_wan"] for f in doc["features"]) - doc["cost_wan"]) < 0.05
    assert {v["village_code"] for v in doc["villages"]} == {"420000000001", "420000000002", "420000000003"}
    assert doc["method"] == "exact" and doc["optimal"] is True


def test_bad_parameters_are_400(client: TestClient) -> None:
    bad = ({}, {"budget": "lots"}, {"budget": -1}, {"budget": "nan"}, {"budget": 5, "year": 1800},
           {"budget": 5, "theme": "moon"}, {"budget": 5, "distance": "crow"}, {"budget": 5, "x": 1},
           # Not numbers by /api's rule; "²" was a 500 and Arabic-Indic digits were read as a year.
           {"budget": 5, "year": "²"}, {"budget": 5, "year": "١٩٩٠"}, {"budget": "1_0"}, {"budget": " 5"},
           {"budget": "٥"})  # fmt: skip
    for params in bad:
        r = client.get("/plan", params=params)
        assert r.status_code == 400, params
        assert r.headers["content-type"].startswith("application/problem+json")


@pytest.mark.files_only  # byte-identical layer files
def test_accept_needs_a_planner_and_undo_restores_every_feature(client: TestClient, grid_dir) -> None:
    before = layer_bytes(grid_dir)
    assert client.post("/plan/accept", params={"budget": 100}).status_code == 401
    assert layer_bytes(grid_dir) == before
    r = client.post("/plan/accept", params={"budget": 100, "year": 2026}, headers=PLANNER)
    assert r.status_code == 201
    body = r.json()
    assert body["count"] == len(body["proposal"]["features"]) > 0 and r.headers["Geoplan-Change"] == body["change"]
    written = layer_bytes(grid_dir)
    assert [n for n in before if written[n] != before[n]] == sorted(f"{n}.geojson" for n in body["layers"])
    u = client.post(f"/changes/{body['change']}/undo", headers=PLANNER)
    assert u.status_code == 200 and u.json()["count"] == body["count"]
    assert layer_bytes(grid_dir) == before  # byte for byte, the headers' last_change included
    assert [c.op for c in LayerStore(grid_dir).changes()][-2:] == ["plan", "undo"]  # the undo is in the log


def test_proposal_map(client: TestClient) -> None:
    r = client.get("/maps/plan", params={"budget": 100})
    assert r.status_code == 200 and "规划方案(预算100万元)" in r.text
    assert client.get("/maps/plan", params={"budget": "x"}).status_code == 400


def test_a_proposal_is_planned_once_per_data_version(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """GET /plan and /maps/plan cost a whole plan: asked again they come from the page cache (304 on
    If-None-Match), and the next request after a write plans again on the new data."""
    import geoplan.analysis.plan as planning

    runs: list[float] = []
    real = planning.plan

    def counted(*args: object, **kwargs: object) -> object:
        runs.append(args[2])  # type: ignore[arg-type]
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(planning, "plan", counted)
    first = client.get("/plan", params={"budget": 100, "year": 2026})
    assert first.status_code == 200 and runs == [100]
    # the same options spelled differently are the same proposal
    again = client.get("/plan", params={"year": "2026", "budget": "100.0"})
    assert again.content == first.content and runs == [100]
    assert (
        client.get(
            "/plan", params={"budget": 100, "year": 2026}, headers={"If-None-Match": first.headers["ETag"]}
        ).status_code
        == 304
    )
    assert client.get("/plan", params={"budget": 50, "year": 2026}).status_code == 200 and runs == [100, 50]
    page = client.get("/maps/plan", params={"budget": 100})
    assert client.get("/maps/plan", params={"budget": 100}).text == page.text and runs == [100, 50, 100]
    # accepting writes the proposal: the same question now plans again, on data that holds it
    accepted = client.post("/plan/accept", params={"budget": 100, "year": 2026}, headers=PLANNER)
    assert accepted.status_code == 201 and len(runs) == 4
    after = client.get("/plan", params={"budget": 100, "year": 2026})
    assert after.status_code == 200 and len(runs) == 5 and after.headers["ETag"] != first.headers["ETag"]
    assert after.json()["features"] != first.json()["features"]
