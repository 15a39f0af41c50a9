"""GET/PUT /collections/{layer}/survey: a layer's data coverage read by anyone, declared by a planner.

The grid (tests/api/conftest.py): villages 420000000001–3 are 1 km squares in a row; facility-1 (a clinic) lies in
village 1, facility-2 in village 2, facility-3 in village 3.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from geoplan.layers import LayerStore
from tests.api.conftest import PLANNER, VIEWER, layer_bytes

V1, V2 = "420000000001", "420000000002"


def test_default_declaration_is_readable_with_an_etag(client: TestClient) -> None:
    r = client.get("/collections/facilities/survey")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert body["surveyed"] == {"scope": "features"}
    assert body["declared"] is False
    assert body["description"] == "要素所在村(默认)"
    assert client.get("/collections/facilities/survey?lang=en").json()["description"].startswith("villages with")
    assert r.headers["ETag"].strip('"').isdigit()
    assert client.get("/collections/nope/survey").status_code == 404


@pytest.mark.files_only  # reads the layer files themselves
def test_planner_declares_villages_in_one_undoable_change(client: TestClient, grid_dir: Path) -> None:
    before = client.get("/collections/facilities/survey")
    r = client.put(
        "/collections/facilities/survey",
        json={"scope": "villages", "villages": [V2, V1]},
        headers=PLANNER | {"If-Match": before.headers["ETag"]},
    )
    assert r.status_code == 200, r.text
    assert r.json()["surveyed"] == {"scope": "villages", "villages": [V1, V2]}
    assert r.json()["description"] == f"2个村 ({V1},{V2})"
    assert r.headers["ETag"] != before.headers["ETag"]
    change = r.headers["Geoplan-Change"]
    # the store, the collection document and a fresh store all see it
    assert LayerStore(grid_dir).survey("facilities").villages == (V1, V2)
    doc = client.get("/collections/facilities").json()
    assert doc["surveyed"]["scope"] == "villages" and doc["surveyed"]["villages"] == [V1, V2]
    listed = {c["id"]: c for c in client.get("/collections").json()["collections"]}
    assert listed["facilities"]["surveyed"]["villages"] == [V1, V2]
    assert listed["roads"]["surveyed"] == {"scope": "features", "description": "要素所在村(默认)"}
    # one change in the log, by alice, undone as a whole: the default is back, features untouched
    summary = [c for c in LayerStore(grid_dir).changes("facilities") if c.change == change]
    assert len(summary) == 1 and summary[0].actor == "alice" and summary[0].op == "survey"
    features_before = LayerStore(grid_dir).features("facilities")
    assert client.post(f"/changes/{change}/undo", headers=PLANNER).status_code == 200
    assert client.get("/collections/facilities/survey").json()["surveyed"] == {"scope": "features"}
    assert LayerStore(grid_dir).features("facilities") == features_before


def test_the_declaration_changes_the_analysis(client: TestClient) -> None:
    """Facilities declared surveyed only in village 1: villages 2 and 3 are 未评估 on the clinic indicator."""

    def clinic_status() -> dict[str, str]:
        out = {}
        for code in (V1, V2, "420000000003"):
            rows = client.get(f"/villages/{code}").json()["scenarios"]["baseline"]["indicators"]
            out[code] = next(r["status"] for r in rows if r["indicator"] == "clinic")
        return out

    first = clinic_status()
    assert first[V1] != "not_assessed"
    r = client.put("/collections/facilities/survey", json={"scope": "villages", "villages": [V1]}, headers=PLANNER)
    assert r.status_code == 200
    after = clinic_status()
    assert after[V1] == first[V1]
    assert after[V2] == after["420000000003"] == "not_assessed"


@pytest.mark.files_only  # reads the layer files themselves
def test_stale_if_match_is_refused_and_nothing_written(client: TestClient, grid_dir: Path) -> None:
    etag = client.get("/collections/roads/survey").headers["ETag"]
    assert client.put("/collections/roads/survey", json={"scope": "all"}, headers=PLANNER).status_code == 200
    files = layer_bytes(grid_dir)
    r = client.put(
        "/collections/roads/survey", json={"scope": "villages", "villages": [V1]}, headers=PLANNER | {"If-Match": etag}
    )
    assert r.status_code == 412
    assert r.headers["content-type"] == "application/problem+json"
    assert layer_bytes(grid_dir) == files
    assert client.get("/collections/roads/survey").json()["surveyed"] == {"scope": "all"}
    weak = 'W/"' + client.get("/collections/roads/survey").headers["ETag"].strip('"') + '"'
    r = client.put("/collections/roads/survey", json={"scope": "features"}, headers=PLANNER | {"If-Match": weak})
    assert r.status_code == 412  # weak tags never match (strong comparison, as for features)
    assert (
        client.put(
            "/collections/roads/survey", json={"scope": "features"}, headers=PLANNER | {"If-Match": "bogus"}
        ).status_code
        == 400
    )


@pytest.mark.files_only  # reads the layer files themselves
def test_only_planners_write_and_bad_declarations_are_422(client: TestClient, grid_dir: Path) -> None:
    files = layer_bytes(grid_dir)
    assert client.put("/collections/roads/survey", json={"scope": "all"}).status_code == 401
    assert client.put("/collections/roads/survey", json={"scope": "all"}, headers=VIEWER).status_code == 403
    for body in (
        {"scope": "everywhere"},
        {"scope": "villages", "villages": ["12345"]},
        {"scope": "villages", "villages": []},
        {"scope": "all", "villages": [V1]},
        {"scope": "area", "area": {"type": "Point", "coordinates": [111, 30]}},
        {"scope": "area", "area": {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}},
        {"scope": "all", "residential": "yes"},
        {"scope": "all", "extra": 1},
        ["all"],
    ):
        r = client.put("/collections/roads/survey", json=body, headers=PLANNER)
        assert r.status_code == 422, (body, r.status_code, r.text)
        assert r.json()["detail"]
    r = client.put("/collections/roads/survey?lang=en", json={"scope": "villages", "villages": ["x"]}, headers=PLANNER)
    assert "12-digit" in r.json()["detail"]
    r = client.put("/collections/roads/survey", json={"scope": "villages", "villages": ["x"]}, headers=PLANNER)
    assert "12位" in r.json()["detail"]
    assert client.put("/collections/roads/survey", content=b"{", headers=PLANNER).status_code == 400
    assert layer_bytes(grid_dir) == files


def test_an_area_beyond_the_vertex_bound_is_422_before_shapely_sees_it(
    client: TestClient, grid_state: Callable[[], object], monkeypatch: pytest.MonkeyPatch
) -> None:
    state = grid_state()
    ring = [[110 + k * 1e-6, 29 + (k % 2) * 1e-6] for k in range(120_000)]
    body = {"scope": "area", "area": {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}}

    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("shapely built a geometry the vertex bound should have refused")

    monkeypatch.setattr("shapely.geometry.shape", never)
    r = client.put("/collections/buildings/survey", json=body, headers=PLANNER)
    assert r.status_code == 422, r.text
    assert "顶点超过 100000 个" in r.json()["detail"]
    r = client.put("/collections/buildings/survey?lang=en", json=body, headers=PLANNER)
    assert "more than 100000 vertices" in r.json()["detail"]
    assert grid_state() == state


def test_residential_area_declaration_round_trips(client: TestClient) -> None:
    area = {"type": "Polygon", "coordinates": [[[110, 29], [112, 29], [112, 31], [110, 31], [110, 29]]]}
    body = {"scope": "area", "area": area, "residential": True}
    r = client.put("/collections/buildings/survey", json=body, headers=PLANNER)
    assert r.status_code == 200, r.text
    assert r.json()["surveyed"] == body
    assert r.json()["description"] == "指定范围面；住宅调查"
    # the same declaration again is no change: no change id, same ETag
    again = client.put("/collections/buildings/survey", json=body, headers=PLANNER | {"If-Match": r.headers["ETag"]})
    assert again.status_code == 200 and "Geoplan-Change" not in again.headers
    assert again.headers["ETag"] == r.headers["ETag"]


def test_openapi_documents_the_survey_endpoints(client: TestClient) -> None:
    doc = client.get("/api").json()
    item = doc["paths"]["/collections/facilities/survey"]
    assert set(item) == {"get", "put"}
    put = item["put"]
    assert {p["name"] for p in put["parameters"]} == {"If-Match", "lang"}
    assert {"200", "401", "403", "412", "422"} <= set(put["responses"])
    variants = put["requestBody"]["content"]["application/json"]["schema"]["oneOf"]
    assert [v["properties"]["scope"]["enum"] for v in variants] == [["features", "all"], ["villages"], ["area"]]
    assert "surveyed" in doc["components"]["schemas"]["collection"]["properties"]


@pytest.mark.files_only  # reads the layer files themselves
def test_undo_from_the_page_refuses_a_superseded_declaration(client: TestClient, grid_dir: Path) -> None:
    first = client.put("/collections/roads/survey", json={"scope": "all"}, headers=PLANNER)
    second = client.put("/collections/roads/survey", json={"scope": "villages", "villages": [V1]}, headers=PLANNER)
    files = layer_bytes(grid_dir)
    r = client.post(f"/changes/{first.headers['Geoplan-Change']}/undo", headers=PLANNER)
    assert r.status_code == 412  # the declaration has changed since: undoing would throw the later one away
    assert layer_bytes(grid_dir) == files
    assert client.post(f"/changes/{second.headers['Geoplan-Change']}/undo", headers=PLANNER).status_code == 200
    assert client.get("/collections/roads/survey").json()["surveyed"] == {"scope": "all"}


def test_the_collection_page_says_where_the_layer_was_surveyed(client: TestClient) -> None:
    client.put("/collections/roads/survey", json={"scope": "villages", "villages": [V1]}, headers=PLANNER)
    page = client.get("/collections/roads?f=html").text
    assert f"调查范围: 1个村 ({V1})" in page
    assert "Surveyed: 1 villages" in client.get("/collections/roads?f=html&lang=en").text
