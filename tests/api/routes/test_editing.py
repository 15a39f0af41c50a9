"""The editing endpoints a map page needs: whoami, a feature's history, undo of one's own change, siting checks.

The grid (tests/api/conftest.py): villages are the 1 km squares x 0–3 km, y 0–1 km; roads run along y = 500 m
(x 100–900, 1100–1900, 2100–2900) and y = 200 m (x 2100–2900).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from fastapi.testclient import TestClient
from shapely.geometry import LineString, Point, mapping

from geoplan.api import create_app
from geoplan.config import Settings
from geoplan.layers.backend import Store
from tests.api.conftest import PLANNER, TOKENS, VIEWER, layer_bytes, lonlat
from tests.conftest import reopened, stored_state

CAROL = {"Authorization": "Bearer carol-secret"}


@pytest.fixture
def two_planners(grid_settings: Settings) -> Iterator[TestClient]:
    settings = grid_settings.with_overrides(tokens_env=TOKENS + ",planner:carol:carol-secret")
    with TestClient(create_app(settings)) as c:
        yield c


def test_whoami_names_the_caller_and_role(client: TestClient) -> None:
    anonymous = client.get("/whoami").json()
    assert anonymous == {"name": None, "role": None, "writable": True, "lang": "zh"}
    assert client.get("/whoami", headers=VIEWER).json()["role"] == "viewer"
    me = client.get("/whoami", headers=PLANNER).json()
    assert (me["name"], me["role"]) == ("alice", "planner")
    assert client.get("/whoami", headers={"Authorization": "Bearer nobody"}).status_code == 401


def test_read_only_server_says_it_takes_no_writes(grid_settings: Settings) -> None:
    with TestClient(create_app(replace(grid_settings, tokens_env=""))) as c:
        assert c.get("/whoami").json()["writable"] is False


def test_write_names_its_change_and_history_names_who(client: TestClient) -> None:
    r = client.patch(
        "/collections/facilities/items/facility-1", json={"properties": {"name": "新卫生室"}}, headers=PLANNER
    )
    assert r.status_code == 200
    change = r.headers["Geoplan-Change"]
    history = client.get("/collections/facilities/items/facility-1/history").json()["versions"]
    assert [v["version"] for v in history] == [1, 2]
    assert (history[-1]["actor"], history[-1]["op"], history[-1]["change"]) == ("alice", "patch", change)
    assert history[0]["actor"] == "fixture"
    assert client.get("/collections/facilities/items/nope/history").status_code == 404
    assert client.get("/collections/nolayer/items/facility-1/history").status_code == 404


def test_undo_own_change_restores_the_feature_as_a_new_version(client: TestClient, grid_store: Store) -> None:
    r = client.patch("/collections/facilities/items/facility-1", json={"properties": {"name": "改名"}}, headers=PLANNER)
    change = r.headers["Geoplan-Change"]
    assert client.post(f"/changes/{change}/undo").status_code == 401
    assert client.post(f"/changes/{change}/undo", headers=VIEWER).status_code == 403
    done = client.post(f"/changes/{change}/undo", headers=PLANNER)
    assert done.status_code == 200, done.text
    assert done.json()["undid"] == change and done.json()["count"] == 1
    after = client.get("/collections/facilities/items/facility-1").json()
    assert (after["properties"]["name"], after["properties"]["version"]) == ("设施1", 3)
    assert grid_store.history("facilities", "facility-1")[-1].actor == "alice"


def test_undo_of_a_delete_brings_the_feature_back(client: TestClient) -> None:
    r = client.delete("/collections/facilities/items/facility-2", headers={**PLANNER, "If-Match": '"1"'})
    assert r.status_code == 204
    change = r.headers["Geoplan-Change"]
    assert client.get("/collections/facilities/items/facility-2").status_code == 404
    assert client.post(f"/changes/{change}/undo", headers=PLANNER).status_code == 200
    back = client.get("/collections/facilities/items/facility-2").json()
    assert back["properties"]["name"] == "设施2" and back["properties"]["version"] == 2  # a new version


def test_undo_of_a_post_leaves_the_layers_as_they_were(
    client: TestClient, grid_store: Store, grid_settings: Settings, store_backend: str
) -> None:
    features = {name: grid_store.features(name) for name in grid_store.layer_names}
    files = layer_bytes(grid_settings.data_dir) if store_backend == "files" else None
    body = {"type": "Feature", "geometry": mapping(lonlat(Point(700, 300))), "properties": {"name": "新卫生室",
            "kind": "clinic", "status": "planned"}}  # fmt: skip
    r = client.post("/collections/facilities/items", json=body, headers=PLANNER)
    assert r.status_code == 201 and r.headers["ETag"] == '"1"'
    change, fid = r.headers["Geoplan-Change"], r.json()["id"]
    done = client.post(f"/changes/{change}/undo", headers=PLANNER)
    assert done.status_code == 200 and done.json()["count"] == 1
    assert client.get(f"/collections/facilities/items/{fid}").status_code == 404
    store = reopened(grid_store)
    assert {name: store.features(name) for name in store.layer_names} == features
    if files is not None:  # the files byte for byte, their headers' last_change included
        assert layer_bytes(grid_settings.data_dir) == files
    assert [v["change"] for v in client.get(f"/collections/facilities/items/{fid}/history").json()["versions"]] == [
        change
    ]
    # writes go on as before: a new change, and the undo of it is the latest change
    again = client.post("/collections/facilities/items", json=body, headers=PLANNER)
    assert again.status_code == 201 and again.headers["Geoplan-Change"] not in (change, done.json()["change"])
    assert store.changes()[-1].change == again.headers["Geoplan-Change"]


def test_undo_refuses_someone_elses_change_and_a_superseded_one(two_planners: TestClient, grid_store: Store) -> None:
    c = two_planners
    insert_change = grid_store.history("facilities", "facility-1")[0].change  # the fixture's insert
    r = c.post(f"/changes/{insert_change}/undo", headers=PLANNER)
    assert r.status_code == 403 and "fixture" in r.json()["detail"]

    mine = c.patch("/collections/facilities/items/facility-3", json={"properties": {"year": 2029}}, headers=PLANNER)
    change = mine.headers["Geoplan-Change"]
    assert c.post(f"/changes/{change}/undo", headers=CAROL).status_code == 403
    carols = c.patch("/collections/facilities/items/facility-3", json={"properties": {"year": 2030}}, headers=CAROL)
    assert carols.status_code == 200
    before = stored_state(grid_store)
    stale = c.post(f"/changes/{change}/undo", headers=PLANNER)
    assert stale.status_code == 412  # carol's later edit is not thrown away
    assert stored_state(grid_store) == before
    assert c.get("/collections/facilities/items/facility-3").json()["properties"]["year"] == 2030
    assert c.post("/changes/20990101T000000000000-abcdef/undo", headers=PLANNER).status_code == 404


def _check(client: TestClient, layer: str, geom, lang: str = "zh") -> list[dict]:
    body = {"type": "Feature", "geometry": mapping(lonlat(geom)), "properties": {}}
    r = client.post(f"/collections/{layer}/checks?lang={lang}", json=body)
    assert r.status_code == 200, r.text
    return r.json()["warnings"]


def test_checks_warn_about_siting_with_hand_worked_distances(client: TestClient) -> None:
    # Inside village 2, 300 m from the road at y = 500: nothing to say.
    assert _check(client, "facilities", Point(1500, 800)) == []
    # 400 m north of the township, 900 m from the nearest road (y = 500, x 1100–1900).
    far = _check(client, "facilities", Point(1500, 1400))
    assert [w["code"] for w in far] == ["outside_villages", "far_from_road"]
    assert far[1]["distance_m"] == 900 and far[1]["max_m"] == 500
    assert "900" in far[1]["message"] and "道路" in far[1]["message"]
    # A road from x 2500 to 3400: 400 m of it beyond the township's east edge.
    crossing = _check(client, "roads", LineString([(2500, 600), (3400, 600)]), lang="en")
    assert [(w["code"], w["outside_m"]) for w in crossing] == [("crosses_boundary", 400)]
    assert "township boundary" in crossing[0]["message"]
    # A road entirely outside is outside every village (not a crossing).
    assert [w["code"] for w in _check(client, "roads", LineString([(5000, 5000), (5100, 5000)]))] == [
        "outside_villages"
    ]
    # A road inside the township, and a reservoir anywhere inside: fine (distance to roads is for facilities).
    assert _check(client, "roads", LineString([(100, 900), (2900, 900)])) == []
    assert _check(client, "reservoirs", Point(2500, 950)) == []


def test_checks_refuse_a_body_without_geometry(client: TestClient) -> None:
    assert client.post("/collections/facilities/checks", json={"type": "Feature"}).status_code == 400
    assert client.post("/collections/nolayer/checks", json={"type": "Feature"}).status_code == 404
    r = client.post("/collections/facilities/checks", json={})
    assert r.status_code == 400 and "geometry" in r.json()["detail"] and "attribute" not in r.json()["detail"]


@pytest.mark.parametrize(
    ("layer", "geometry", "words"),
    [
        ("roads", {"type": "Point", "coordinates": [111.0, 30.0]}, "LineString"),  # not a road's geometry
        ("roads", {"type": "LineString", "coordinates": [[111.0, 30.0]]}, "geometry"),  # one position
        ("facilities", {"type": "Point", "coordinates": []}, "geometry"),
        ("facilities", {"type": "Point", "coordinates": [1.0, 2.0, 3.0, 4.0]}, "geometry"),
        # Was a 500: the distance to the nearest road came out infinite and could not be rounded.
        ("facilities", {"type": "Point", "coordinates": [-2.4e-55, -6.7e16]}, "geometry"),
    ],
)
def test_checks_apply_the_geometry_rules_of_a_save(client: TestClient, layer: str, geometry: dict, words: str) -> None:
    """The document declares the layer's geometries for /checks; the server holds them to the store's rules."""
    r = client.post(f"/collections/{layer}/checks", json={"type": "Feature", "geometry": geometry})
    assert r.status_code == 422, r.text
    assert words in r.text
