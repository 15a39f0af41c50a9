"""Items: queries answered exactly on the 1 km grid, and writes that are validated, locked and authorised."""

from __future__ import annotations

import base64

import orjson
import pytest
from fastapi.testclient import TestClient
from shapely.geometry import LineString, Point, Polygon, mapping

from geoplan.layers.backend import Store
from tests.api.conftest import PLANNER, PLANNER_TOKEN, VIEWER, VIEWER_TOKEN, feature, grid_box, lonlat
from tests.conftest import stored_state

GEOJSON = "application/geo+json"
PROBLEM = "application/problem+json"


def ids(response) -> list[str]:
    return [f["id"] for f in response.json()["features"]]


def bbox_param(b: tuple[float, float, float, float]) -> str:
    return ",".join(f"{v:.9f}" for v in b)


# ------------------------------------------------------------------ reads


def test_items_are_geojson_with_exact_counts(client: TestClient) -> None:
    r = client.get("/collections/roads/items")
    assert r.status_code == 200
    assert r.headers["content-type"] == GEOJSON
    body = r.json()
    assert body["type"] == "FeatureCollection"
    assert (body["numberMatched"], body["numberReturned"]) == (4, 4)
    assert ids(r) == ["road-1", "road-2", "road-3", "road-4"]
    assert r.headers["content-crs"] == "<http://www.opengis.net/def/crs/OGC/1.3/CRS84>"


def test_unknown_query_parameter_is_400(client: TestClient) -> None:
    r = client.get("/collections/roads/items", params={"foo": "1"})
    assert r.status_code == 400
    assert r.headers["content-type"] == PROBLEM
    assert "foo" in r.json()["detail"]


def test_bbox_selects_features_intersecting_it(client: TestClient) -> None:
    # The middle village's square (1–2 km) touches road-2 only; 2.05–2.95 km × 0.1–0.3 km holds road-4 only.
    r = client.get("/collections/roads/items", params={"bbox": bbox_param(grid_box(1050, 400, 1950, 600))})
    assert ids(r) == ["road-2"]
    r = client.get("/collections/roads/items", params={"bbox": bbox_param(grid_box(2050, 100, 2950, 300))})
    assert ids(r) == ["road-4"]
    r = client.get("/collections/settlements/items", params={"bbox": bbox_param(grid_box(0, 0, 3000, 500))})
    assert ids(r) == ["settlement-11", "settlement-21", "settlement-31"]


@pytest.mark.parametrize("crs", ["http://www.opengis.net/def/crs/EPSG/0/4326", "EPSG:4490"])
def test_bbox_crs_epsg4326_and_cgcs2000_are_lat_lon(client: TestClient, crs: str) -> None:
    minx, miny, maxx, maxy = grid_box(1050, 400, 1950, 600)
    r = client.get("/collections/roads/items", params={"bbox": bbox_param((miny, minx, maxy, maxx)), "bbox-crs": crs})
    assert ids(r) == ["road-2"]
    # The same numbers read as lon,lat would put the box at latitude 111: refused, not silently empty.
    r = client.get("/collections/roads/items", params={"bbox": bbox_param((minx, miny, maxx, maxy)), "bbox-crs": crs})
    assert r.status_code == 400 and "latitude" in r.json()["detail"]


def test_filter_crs_reads_geometry_literals_lat_lon(client: TestClient) -> None:
    # A 200 m square around facility-1 (grid 500,500), written lat,lon as EPSG:4326 defines it.
    square = lonlat(Polygon([(400, 400), (600, 400), (600, 600), (400, 600)]))
    lat_lon = Polygon([(y, x) for x, y in square.exterior.coords])
    params = {"filter": f"S_INTERSECTS(geometry, {lat_lon.wkt})", "filter-crs": "EPSG:4326"}
    assert ids(client.get("/collections/facilities/items", params=params)) == ["facility-1"]
    assert ids(client.get("/collections/facilities/items", params={"filter": params["filter"]})) == []


@pytest.mark.parametrize("crs", ["EPSG/0/4326", "EPSG/0/4490"])
def test_crs_output_swaps_to_lat_lon(client: TestClient, crs: str) -> None:
    uri = f"http://www.opengis.net/def/crs/{crs}"
    r = client.get("/collections/facilities/items/facility-1", params={"crs": uri})
    assert r.status_code == 200
    assert r.headers["content-crs"] == f"<{uri}>"
    lon, lat = lonlat(Point(500, 500)).coords[0]
    assert r.json()["geometry"]["coordinates"] == pytest.approx([lat, lon], abs=1e-6)
    r = client.get("/collections/facilities/items", params={"crs": uri, "kind": "clinic"})
    assert r.json()["features"][0]["geometry"]["coordinates"] == pytest.approx([lat, lon], abs=1e-6)


def test_unsupported_crs_is_400(client: TestClient) -> None:
    r = client.get("/collections/roads/items", params={"crs": "EPSG:3857"})
    assert r.status_code == 400


def test_paging_links_cover_every_feature_once(client: TestClient) -> None:
    seen: list[str] = []
    url: str | None = "/collections/settlements/items?limit=4"
    pages = 0
    while url:
        body = client.get(url).json()
        assert body["numberMatched"] == 6
        seen += [f["id"] for f in body["features"]]
        url = next((link["href"] for link in body["links"] if link["rel"] == "next"), None)
        pages += 1
    assert pages == 2
    assert sorted(seen) == sorted({f"settlement-{i}{j}" for i in (1, 2, 3) for j in (1, 2)})
    last = client.get("/collections/settlements/items?limit=4&offset=4").json()
    assert last["numberReturned"] == 2
    assert any(link["rel"] == "prev" for link in last["links"])


def test_limit_above_maximum_is_capped_not_rejected(client: TestClient) -> None:
    r = client.get("/collections/roads/items", params={"limit": 1_000_000})
    assert r.status_code == 200 and r.json()["numberReturned"] == 4
    assert client.get("/collections/roads/items", params={"limit": 0}).status_code == 400


def test_property_filters_and_datetime(client: TestClient) -> None:
    assert ids(client.get("/collections/roads/items", params={"status": "planned"})) == ["road-2", "road-3"]
    assert ids(client.get("/collections/roads/items", params={"year": 2026})) == ["road-2", "road-4"]
    assert ids(client.get("/collections/roads/items", params={"datetime": "2026-06-01"})) == ["road-2", "road-4"]
    assert ids(client.get("/collections/roads/items", params={"datetime": "2016/.."})) == ["road-2", "road-3", "road-4"]
    assert ids(client.get("/collections/roads/items", params={"datetime": "../2015-12-31T00:00:00Z"})) == ["road-1"]
    assert client.get("/collections/roads/items", params={"status": "dreaming"}).status_code == 400
    assert client.get("/collections/roads/items", params={"year": "soon"}).status_code == 400
    # Reference layers have no project year: datetime is not one of their parameters.
    assert client.get("/collections/villages/items", params={"datetime": "2026"}).status_code == 400


def test_sortby(client: TestClient) -> None:
    assert ids(client.get("/collections/roads/items", params={"sortby": "-year,name"})) == [
        "road-3",
        "road-2",
        "road-4",
        "road-1",
    ]
    assert client.get("/collections/roads/items", params={"sortby": "colour"}).status_code == 400


def test_cql2_text_filter_returns_exactly_the_matching_features(client: TestClient) -> None:
    r = client.get("/collections/roads/items", params={"filter": "status='planned' AND year=2026"})
    assert r.status_code == 200
    assert ids(r) == ["road-2"]
    assert r.json()["numberMatched"] == 1


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("status = 'planned' OR road_class = 'group'", ["road-2", "road-3", "road-4"]),
        ("NOT status = 'planned'", ["road-1", "road-4"]),
        ("name LIKE '路%' AND year > 2015", ["road-2", "road-3", "road-4"]),
        ("year BETWEEN 2016 AND 2026", ["road-2", "road-4"]),
        ("surface IN ('gravel', 'earth')", ["road-2", "road-4"]),
        ("note IS NULL AND year < 2016", ["road-1"]),
    ],
)
def test_cql2_text_operators(client: TestClient, expr: str, expected: list[str]) -> None:
    r = client.get("/collections/roads/items", params={"filter": expr})
    assert r.status_code == 200, r.text
    assert ids(r) == expected


def test_cql2_spatial_filter_in_text_and_json(client: TestClient) -> None:
    square = lonlat(Polygon([(2000, 0), (3000, 0), (3000, 1000), (2000, 1000)]))
    r = client.get("/collections/roads/items", params={"filter": f"S_INTERSECTS(geometry, {square.wkt})"})
    assert ids(r) == ["road-3", "road-4"]
    cql_json = {
        "op": "and",
        "args": [
            {"op": "s_intersects", "args": [{"property": "geometry"}, mapping(square)]},
            {"op": "=", "args": [{"property": "status"}, "planned"]},
        ],
    }
    r = client.get(
        "/collections/roads/items", params={"filter": orjson.dumps(cql_json).decode(), "filter-lang": "cql2-json"}
    )
    assert ids(r) == ["road-3"]


@pytest.mark.parametrize(
    "expr",
    [
        "colour = 'red'",
        "year = 'soon'",
        "status =",
        "year LIKE '20%'",
        "upper(name) = 'A'",
        "S_INTERSECTS(geometry, LINESTRING(111 30))",  # one point: GEOS refuses it (was a 500)
    ],
)
def test_bad_filters_are_400_naming_the_problem(client: TestClient, expr: str) -> None:
    r = client.get("/collections/roads/items", params={"filter": expr})
    assert r.status_code == 400
    assert r.headers["content-type"] == PROBLEM
    assert r.json()["detail"].startswith("filter")


@pytest.mark.parametrize(
    "literal",
    [{"type": "Blob", "coordinates": [111, 30]}, {"type": "LineString", "coordinates": [[111, 30]]}],
)
def test_malformed_cql2_json_geometry_is_400(client: TestClient, literal: dict) -> None:
    cql = {"op": "s_intersects", "args": [{"property": "geometry"}, literal]}
    params = {"filter": orjson.dumps(cql).decode(), "filter-lang": "cql2-json"}
    r = client.get("/collections/roads/items", params=params)
    assert r.status_code == 400 and r.headers["content-type"] == PROBLEM
    assert r.json()["detail"].startswith("filter")


def test_single_item_has_etag_and_404_for_unknown(client: TestClient) -> None:
    r = client.get("/collections/roads/items/road-1")
    assert r.status_code == 200
    assert r.headers["content-type"] == GEOJSON
    assert r.headers["etag"] == '"1"'
    assert r.json()["properties"]["name"] == "路1"
    r = client.get("/collections/roads/items/road-999")
    assert r.status_code == 404 and r.headers["content-type"] == PROBLEM
    assert client.get("/collections/nowhere/items").status_code == 404


def test_html_listing_uses_chinese_labels(client: TestClient) -> None:
    r = client.get("/collections/roads/items", params={"f": "html"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "规划" in r.text and "村道" in r.text  # status and road_class enum labels
    r = client.get("/collections/roads/items", params={"f": "html", "lang": "en"})
    assert "Planned" in r.text and "Village road" in r.text


# ------------------------------------------------------------------ writes


def new_road(**props) -> dict:
    f = feature(LineString([(100, 100), (400, 300)]), name="新路", status="planned", year=2027)
    f["properties"].update(road_class="village", surface="paved", **props)
    return f


def test_post_creates_with_location_and_etag_and_records_the_actor(client: TestClient, grid_store: Store) -> None:
    r = client.post("/collections/roads/items", json=new_road(), headers=PLANNER)
    assert r.status_code == 201, r.text
    fid = r.json()["id"]
    assert r.headers["location"].endswith(f"/collections/roads/items/{fid}")
    assert r.headers["etag"] == '"1"'
    assert client.get(f"/collections/roads/items/{fid}").json()["properties"]["name"] == "新路"
    assert client.get("/collections/roads/items").json()["numberMatched"] == 5
    assert grid_store.changes("roads")[-1].actor == "alice"
    # The village code is filled from the geometry: the new road lies in village 1.
    assert r.json()["properties"]["village_code"] == "420000000001"


def _bad_bodies() -> dict[str, tuple[bytes, str]]:
    bowtie = feature(Polygon([(0, 0), (1000, 1000), (1000, 0), (0, 1000), (0, 0)]), name="x", status="planned")
    bowtie["properties"].update(designation="green_beautiful")
    far = new_road()
    far["geometry"] = {"type": "LineString", "coordinates": [[200.0, 30.0], [200.1, 30.0]]}
    extra = new_road(colour="red")
    missing = new_road()
    del missing["properties"]["road_class"]
    wrong_type = new_road()
    wrong_type["geometry"] = {"type": "Point", "coordinates": [111.0, 30.0]}
    return {
        "self-intersecting polygon": (orjson.dumps(bowtie), "eco_villages"),
        "lon 200": (orjson.dumps(far), "roads"),
        "unknown property": (orjson.dumps(extra), "roads"),
        "missing required field": (orjson.dumps(missing), "roads"),
        "wrong geometry type": (orjson.dumps(wrong_type), "roads"),
        "not JSON": (b'{"type": "Feature", "geometry": ', "roads"),
    }


@pytest.mark.parametrize(
    ("case", "field", "code", "detail_mentions"),
    [
        ("self-intersecting polygon", "geometry", "invalid_geometry", "Self-intersection"),
        ("lon 200", "geometry", "out_of_range", "200.0"),
        ("unknown property", "colour", "unknown_field", "colour"),
        ("missing required field", "road_class", "required", "road_class"),
        ("wrong geometry type", "geometry", "geometry_type", "Point"),
    ],
)
def test_bad_posts_are_problem_json_naming_the_field_and_change_nothing(
    client: TestClient, grid_store: Store, case: str, field: str, code: str, detail_mentions: str
) -> None:
    body, layer = _bad_bodies()[case]
    before = stored_state(grid_store)
    r = client.post(
        f"/collections/{layer}/items", content=body, headers={**PLANNER, "Content-Type": "application/geo+json"}
    )
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == PROBLEM
    problem = r.json()
    # Exactly the one rule each body breaks (so the 422 is not owed to some other defect of the fixture).
    assert [(p["field"], p["code"]) for p in problem["problems"]] == [(field, code)]
    assert detail_mentions in problem["detail"]
    assert stored_state(grid_store) == before


def test_problems_are_chinese_by_default_and_english_on_request(client: TestClient) -> None:
    body, _ = _bad_bodies()["missing required field"]
    headers = {**PLANNER, "Content-Type": "application/geo+json"}
    zh = client.post("/collections/roads/items", content=body, headers=headers).json()
    en = client.post("/collections/roads/items?lang=en", content=body, headers=headers).json()
    assert zh["problems"][0]["message"] == "必填字段缺失"
    assert "required" in en["problems"][0]["message"].lower()


def test_non_json_post_is_400_naming_json_and_changes_nothing(client: TestClient, grid_store: Store) -> None:
    body, _ = _bad_bodies()["not JSON"]
    before = stored_state(grid_store)
    r = client.post("/collections/roads/items", content=body, headers={**PLANNER, "Content-Type": "application/json"})
    assert r.status_code == 400 and r.headers["content-type"] == PROBLEM
    assert "not valid JSON" in r.json()["detail"]
    assert stored_state(grid_store) == before


def test_twenty_megabyte_body_is_413_and_changes_nothing(client: TestClient, grid_store: Store) -> None:
    before = stored_state(grid_store)
    big = new_road(note="x" * (20 * 1024 * 1024))
    r = client.post("/collections/roads/items", content=orjson.dumps(big), headers=PLANNER)
    assert r.status_code == 413
    assert r.headers["content-type"] == PROBLEM
    assert "exceeds the limit of 10485760 bytes" in r.json()["detail"]
    assert stored_state(grid_store) == before


def test_writes_need_a_planner_token(client: TestClient, grid_store: Store) -> None:
    before = stored_state(grid_store)
    r = client.post("/collections/roads/items", json=new_road())
    assert r.status_code == 401
    assert r.headers["www-authenticate"].startswith("Bearer")
    assert client.post("/collections/roads/items", json=new_road(), headers=VIEWER).status_code == 403
    bad = {"Authorization": "Bearer not-a-token"}
    assert client.delete("/collections/roads/items/road-1", headers=bad).status_code == 401
    assert client.delete("/collections/roads/items/road-1", headers=VIEWER).status_code == 403
    assert stored_state(grid_store) == before


def test_put_with_stale_etag_is_412_and_current_etag_succeeds(client: TestClient, grid_store: Store) -> None:
    current = client.get("/collections/roads/items/road-2")
    etag = current.headers["etag"]
    body = current.json()
    body.pop("links")
    body["properties"]["status"] = "completed"
    before = stored_state(grid_store)
    r = client.put("/collections/roads/items/road-2", json=body, headers={**PLANNER, "If-Match": '"7"'})
    assert r.status_code == 412 and r.headers["content-type"] == PROBLEM
    assert stored_state(grid_store) == before
    r = client.put("/collections/roads/items/road-2", json=body, headers={**PLANNER, "If-Match": etag})
    assert r.status_code == 200, r.text
    assert r.headers["etag"] == '"2"'
    assert r.json()["properties"]["status"] == "completed"
    # The old ETag is now stale.
    r = client.put("/collections/roads/items/road-2", json=body, headers={**PLANNER, "If-Match": etag})
    assert r.status_code == 412


@pytest.mark.parametrize("method", ["PATCH", "DELETE"])
def test_patch_and_delete_with_a_stale_etag_are_412_and_change_nothing(
    client: TestClient, grid_store: Store, method: str
) -> None:
    before = stored_state(grid_store)
    body = orjson.dumps({"properties": {"surface": "gravel"}}) if method == "PATCH" else None
    r = client.request(method, "/collections/roads/items/road-1", content=body, headers={**PLANNER, "If-Match": '"2"'})
    assert r.status_code == 412 and r.headers["content-type"] == PROBLEM
    assert r.json()["current_version"] == "1"
    assert stored_state(grid_store) == before


def test_if_match_compares_strongly_and_accepts_a_list(client: TestClient, grid_store: Store) -> None:
    before = stored_state(grid_store)
    patch = {"properties": {"surface": "gravel"}}
    for stale in ('W/"1"', '"2", "3"'):  # weak, a list without the current one
        r = client.patch("/collections/roads/items/road-1", json=patch, headers={**PLANNER, "If-Match": stale})
        assert r.status_code == 412, stale
    for malformed in ("1", "road-1", '"road-1"'):  # unquoted, not an ETag this server issues
        r = client.patch("/collections/roads/items/road-1", json=patch, headers={**PLANNER, "If-Match": malformed})
        assert r.status_code == 400, malformed
    assert stored_state(grid_store) == before
    r = client.patch("/collections/roads/items/road-1", json=patch, headers={**PLANNER, "If-Match": '"5", "1"'})
    assert r.status_code == 200 and r.headers["etag"] == '"2"'
    r = client.patch("/collections/roads/items/road-1", json=patch, headers={**PLANNER, "If-Match": "*"})
    assert r.status_code == 200 and r.headers["etag"] == '"3"'


def test_patch_is_a_json_merge_patch(client: TestClient, grid_store: Store) -> None:
    r = client.patch(
        "/collections/roads/items/road-1",
        content=orjson.dumps({"properties": {"surface": "gravel", "year": None}}),
        headers={**PLANNER, "Content-Type": "application/merge-patch+json", "If-Match": '"1"'},
    )
    assert r.status_code == 200, r.text
    props = r.json()["properties"]
    # null removes the property: the file no longer holds it, responses show it as null like every unset field
    assert props["surface"] == "gravel" and props["year"] is None and props["name"] == "路1"
    assert "year" not in grid_store.get("roads", "road-1")["properties"]
    assert r.headers["etag"] == '"2"'
    r = client.patch("/collections/roads/items/road-1", json={"properties": {"surface": "tarmac"}}, headers=PLANNER)
    assert r.status_code == 422
    assert r.json()["problems"][0]["field"] == "surface"


def test_delete_then_404(client: TestClient) -> None:
    assert client.delete("/collections/roads/items/road-4", headers=PLANNER).status_code == 204
    assert client.get("/collections/roads/items/road-4").status_code == 404
    assert client.delete("/collections/roads/items/road-4", headers=PLANNER).status_code == 404


def test_if_match_can_be_made_mandatory(grid_settings, grid_store: Store) -> None:
    from geoplan.api import create_app

    strict = TestClient(create_app(grid_settings.with_overrides(require_if_match=True)))
    before = stored_state(grid_store)
    r = strict.delete("/collections/roads/items/road-1", headers=PLANNER)
    assert r.status_code == 428 and r.headers["content-type"] == PROBLEM
    assert strict.patch("/collections/roads/items/road-1", json={"properties": {}}, headers=PLANNER).status_code == 428
    body = strict.get("/collections/roads/items/road-1").json()
    assert strict.put("/collections/roads/items/road-1", json=body, headers=PLANNER).status_code == 428
    assert stored_state(grid_store) == before
    assert strict.delete("/collections/roads/items/road-1", headers={**PLANNER, "If-Match": '"1"'}).status_code == 204


def test_reads_can_require_a_viewer_token(grid_settings) -> None:
    from geoplan.api import create_app

    closed = TestClient(create_app(grid_settings.with_overrides(read_requires_token=True)))
    assert closed.get("/collections/roads/items").status_code == 401
    assert closed.get("/collections/roads/items", headers=VIEWER).status_code == 200
    assert closed.get("/collections/roads/items", headers=PLANNER).status_code == 200


def test_read_model_sees_writes_made_by_another_process(client: TestClient, grid_store: Store) -> None:
    assert client.get("/collections/roads/items").json()["numberMatched"] == 4
    grid_store.delete("roads", "road-1", actor="other-process")  # a separate store = another writer
    assert ids(client.get("/collections/roads/items")) == ["road-2", "road-3", "road-4"]


def test_every_catalogue_property_is_present_on_every_feature(client: TestClient, grid_store: Store) -> None:
    """GDAL/QGIS take a layer's fields from the first page: unset properties must be there, as null."""
    spec = grid_store.spec("facilities")
    body = client.get("/collections/facilities/items", params={"limit": 1}).json()
    props = body["features"][0]["properties"]
    assert list(props) == list(spec.field_names)
    stored = grid_store.get("facilities", body["features"][0]["id"])["properties"]
    for name in spec.field_names:
        assert props[name] == stored.get(name)  # stored values kept, unset ones null
    assert any(stored.get(n) is None for n in spec.field_names)  # the fixture really has unset fields
    one = client.get(
        f"/collections/facilities/items/{body['features'][0]['id']}",
        params={"crs": "http://www.opengis.net/def/crs/EPSG/0/4490"},
    ).json()
    assert list(one["properties"]) == list(spec.field_names)


@pytest.mark.parametrize(
    ("headers", "on_items", "on_item"),
    [
        ({}, "GET, OPTIONS", "GET, OPTIONS"),
        (VIEWER, "GET, OPTIONS", "GET, OPTIONS"),
        (PLANNER, "GET, OPTIONS, POST", "GET, OPTIONS, PUT, PATCH, DELETE"),
    ],
)
def test_options_allow_lists_what_the_caller_may_do(
    client: TestClient, headers: dict[str, str], on_items: str, on_item: str
) -> None:
    r = client.options("/collections/roads/items", headers=headers)
    assert r.status_code == 204 and r.headers["allow"] == on_items
    r = client.options("/collections/roads/items/road-1", headers=headers)
    assert r.status_code == 204 and r.headers["allow"] == on_item
    assert client.options("/collections/roads/items/nope", headers=headers).status_code == 404
    assert client.options("/collections/nope/items", headers=headers).status_code == 404
    assert client.options("/collections/roads/items", headers={"Authorization": "Bearer forged"}).status_code == 401


def _basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def test_qgis_edit_sequence_with_http_basic(client: TestClient, grid_store: Store) -> None:
    """What QGIS ≥ 3.32 sends with a Basic login: OPTIONS, then POST, PUT, DELETE — all with Basic credentials."""
    alice = _basic("alice", PLANNER_TOKEN)
    assert "POST" in client.options("/collections/roads/items", headers=alice).headers["allow"]
    new = {
        **feature(
            LineString([(0, 100), (900, 100)]),
            name="新路",
            status="planned",
            year=2027,
            road_class="village",
            surface="paved",
        ),
        "id": "road-q",
    }
    r = client.post("/collections/roads/items", json=new, headers=alice)
    assert r.status_code == 201, r.text
    assert "PUT" in client.options("/collections/roads/items/road-q", headers=alice).headers["allow"]
    # QGIS sends every field, null where empty
    full = {**r.json(), "properties": {**r.json()["properties"], "name": "新路（改）"}}
    full.pop("links")
    r = client.put("/collections/roads/items/road-q", json=full, headers={**alice, "If-Match": r.headers["etag"]})
    assert r.status_code == 200, r.text
    assert grid_store.get("roads", "road-q")["properties"]["name"] == "新路（改）"
    assert client.delete("/collections/roads/items/road-q", headers=alice).status_code == 204
    assert "road-q" not in {f["id"] for f in grid_store.features("roads")}
    changes = grid_store.changes()
    assert {c.actor for c in changes[-3:]} == {"alice"}


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        (_basic("bob", VIEWER_TOKEN), 403),  # a viewer's token: known, but may not write
        (_basic("bob", PLANNER_TOKEN), 401),  # alice's token under another name
        (_basic("alice", "wrong"), 401),
        ({"Authorization": "Basic not base64!"}, 401),
        ({"Authorization": "Basic " + base64.b64encode(b"no-colon").decode()}, 401),
        ({"Authorization": "Digest abc"}, 401),
    ],
)
def test_basic_credentials_are_checked_like_tokens(
    client: TestClient, grid_store: Store, headers: dict[str, str], status: int
) -> None:
    before = stored_state(grid_store)
    new = {**feature(LineString([(0, 100), (900, 100)]), name="新路", status="planned"), "id": "road-x"}
    assert client.post("/collections/roads/items", json=new, headers=headers).status_code == status
    assert stored_state(grid_store) == before


# ------------------------------------------------------------------ hostile filters (both backends)

#: Names a planner could type that are SQL in disguise, LIKE wildcards meant literally, and plain text.
HOSTILE_NAMES = ("x'; DROP TABLE roads; --", "50%_off", "50x_off", "a\\b", "路'; SELECT 1;")


@pytest.fixture
def hostile_roads(client: TestClient) -> dict[str, str]:
    """Roads named with quotes, semicolons, wildcards and backslashes (name -> id)."""
    out = {}
    for i, name in enumerate(HOSTILE_NAMES):
        body = {**new_road(), "id": f"road-h{i}"}
        body["properties"]["name"] = name
        r = client.post("/collections/roads/items", json=body, headers=PLANNER)
        assert r.status_code == 201, r.text
        out[name] = r.json()["id"]
    return out


def cql_json(op: str, *args: object, prop: str = "name") -> dict[str, str]:
    cql = {"op": op, "args": [{"property": prop}, *args]}
    return {"filter": orjson.dumps(cql).decode(), "filter-lang": "cql2-json"}


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_a_filter_literal_with_quotes_and_semicolons_matches_itself_literally(
    client: TestClient, grid_store: Store, hostile_roads: dict[str, str], name: str
) -> None:
    r = client.get("/collections/roads/items", params=cql_json("=", name))
    assert r.status_code == 200, r.text
    assert ids(r) == [hostile_roads[name]]
    # The tables are all still there, holding what they held.
    assert grid_store.count("roads") == 4 + len(HOSTILE_NAMES)
    assert grid_store.count("villages") == 3


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("50\\%\\_off", ["50%_off"]),  # escaped wildcards are the characters themselves
        ("50%off", ["50%_off", "50x_off"]),
        ("50_\\_off", ["50%_off", "50x_off"]),
        ("%'; DROP%", ["x'; DROP TABLE roads; --"]),
        ("a\\\\b", ["a\\b"]),  # an escaped backslash
        ("a\\", []),  # a trailing escape stands for itself: "a\" is no name here
        ("%;%", ["x'; DROP TABLE roads; --", "路'; SELECT 1;"]),
    ],
)
def test_like_patterns_match_as_cql2_defines_them(
    client: TestClient, hostile_roads: dict[str, str], pattern: str, expected: list[str]
) -> None:
    r = client.get("/collections/roads/items", params=cql_json("like", pattern))
    assert r.status_code == 200, r.text
    assert ids(r) == [hostile_roads[n] for n in expected]


def test_a_backtracking_like_pattern_is_answered_not_timed_out(client: TestClient, grid_settings) -> None:
    """Twelve % against a long note that almost matches: a backtracking matcher takes minutes; the budget is 5 s."""
    from geoplan.api import create_app

    body = {**new_road(), "id": "road-long"}
    body["properties"]["note"] = "a" * 500  # the longest note the catalogue allows
    assert client.post("/collections/roads/items", json=body, headers=PLANNER).status_code == 201
    strict = TestClient(create_app(grid_settings.with_overrides(query_seconds=5)))
    for pattern, expected in (("%a" * 12 + "%b", []), ("%a" * 12 + "%", ["road-long"])):
        r = strict.get("/collections/roads/items", params=cql_json("like", pattern, prop="note"))
        assert r.status_code == 200, r.text  # past the budget it would be 422
        assert ids(r) == expected


def test_integer_fields_compare_with_fractional_literals_exactly(client: TestClient) -> None:
    # year > 2026.5 is 2027 only; a cast of the literal to an integer would also let 2026 < x through or out
    assert ids(client.get("/collections/roads/items", params={"filter": "year > 2026.5"})) == ["road-3"]
    assert ids(client.get("/collections/roads/items", params={"filter": "year < 2026.5 AND year > 2015.5"})) == [
        "road-2",
        "road-4",
    ]


def test_text_sorts_and_compares_by_code_point_on_every_backend(client: TestClient) -> None:
    names = {"road-1": "b", "road-2": "B", "road-3": "a", "road-4": "路"}
    for fid, name in names.items():
        r = client.patch(f"/collections/roads/items/{fid}", json={"properties": {"name": name}}, headers=PLANNER)
        assert r.status_code == 200, r.text
    assert ids(client.get("/collections/roads/items", params={"sortby": "name"})) == [
        "road-2",
        "road-3",
        "road-1",
        "road-4",
    ]
    assert ids(client.get("/collections/roads/items", params={"filter": "name > 'a'"})) == ["road-1", "road-4"]


@pytest.mark.parametrize(("op", "arg"), [("=", "路1\u0000"), ("like", "路%\u0000"), ("in", ["a", "\u0000"])])
def test_a_nul_character_in_a_filter_literal_is_400_on_every_backend(client: TestClient, op: str, arg: object) -> None:
    r = client.get("/collections/roads/items", params=cql_json(op, arg))
    assert r.status_code == 400 and r.headers["content-type"] == PROBLEM
    assert "NUL" in r.json()["detail"]


def test_postgis_answers_reads_with_sql_and_files_from_the_read_model(client: TestClient, store_backend: str) -> None:
    """On PostGIS nothing of a layer is held by the API (a write costs the next read nothing extra)."""
    assert ids(client.get("/collections/roads/items", params={"bbox": bbox_param(grid_box(1050, 400, 1950, 600))})) == [
        "road-2"
    ]
    assert client.get("/collections/roads/items/road-1").status_code == 200
    assert client.get("/collections/roads").json()["extent"]["temporal"]["interval"][0][0].startswith("2015")
    held = client.app.state.readmodel.held("roads")  # type: ignore[attr-defined]
    assert (held is None) == (store_backend == "postgis")


def _next(body: dict) -> str | None:
    return next((link["href"] for link in body["links"] if link["rel"] == "next"), None)


def test_next_links_carry_a_cursor_and_a_write_between_pages_repeats_nothing(
    client: TestClient, store_backend: str
) -> None:
    first = client.get("/collections/roads/items", params={"limit": 2}).json()
    assert [f["id"] for f in first["features"]] == ["road-1", "road-2"]
    url = _next(first)
    assert url is not None and "cursor=" in url and "offset=2" in url
    # Someone deletes a feature of the first page, and adds one, before the reader asks for the next page.
    assert client.delete("/collections/roads/items/road-1", headers=PLANNER).status_code == 204
    assert client.post("/collections/roads/items", json={**new_road(), "id": "road-9"}, headers=PLANNER).status_code
    second = [f["id"] for f in client.get(url).json()["features"]]
    assert not {"road-1", "road-2"} & set(second)
    if store_backend == "postgis":  # keyset on the insertion order: exactly the features after road-2
        assert second == ["road-3", "road-4"]
    sorted_page = client.get("/collections/roads/items", params={"limit": 2, "sortby": "name"}).json()
    assert "cursor=" not in (_next(sorted_page) or "")


@pytest.mark.parametrize("params", [{"cursor": "-1"}, {"cursor": "x"}, {"cursor": "3", "sortby": "name"}])
def test_bad_cursors_are_400(client: TestClient, params: dict[str, str]) -> None:
    r = client.get("/collections/roads/items", params=params)
    assert r.status_code == 400 and "cursor" in r.json()["detail"]


def test_both_stores_serve_the_same_bytes_for_the_same_layer(tmp_path, database_url: str) -> None:
    """The grid as files, loaded into PostGIS as it is (ids, versions, timestamps): every answer byte for byte."""
    import re

    from geoplan.api import create_app
    from geoplan.config import Settings
    from geoplan.layers.pgstore import PostgisStore, load_files
    from tests.api.conftest import TOKENS, build_grid

    data = tmp_path / "grid"
    data.mkdir()
    build_grid(data)
    pg = PostgisStore(database_url)
    load_files(pg, data)
    pg.close()
    files = TestClient(create_app(Settings(data_dir=data, tokens_env=TOKENS)))
    db = TestClient(create_app(Settings(data_dir=tmp_path / "none", database_url=database_url, tokens_env=TOKENS)))
    epsg4326 = "http://www.opengis.net/def/crs/EPSG/0/4326"
    square = lonlat(Polygon([(2000, 0), (3000, 0), (3000, 1000), (2000, 1000)]))
    urls = [
        "/collections/roads/items",
        "/collections/facilities/items",
        "/collections/villages/items",
        "/collections/settlements/items?limit=4",
        f"/collections/roads/items?bbox={bbox_param(grid_box(1050, 400, 1950, 600))}",
        f"/collections/roads/items?filter=S_INTERSECTS(geometry,{square.wkt})&sortby=-name",
        "/collections/roads/items?filter=year>2015 AND name LIKE '路%'&sortby=-year",
        f"/collections/facilities/items?crs={epsg4326}",
        "/collections/roads/items?f=html",
        "/collections/roads/items/road-2",
        f"/collections/facilities/items/facility-3?crs={epsg4326}",
        "/collections/roads",
        "/collections",
    ]
    for url in urls:
        a, b = files.get(url), db.get(url)
        assert (a.status_code, b.status_code) == (200, 200), url
        assert a.headers.get("etag") == b.headers.get("etag")
        # the answer's moment, and a next link's cursor (a file position there, an insertion key here) aside
        normal = [re.sub(rb'"timeStamp":"[^"]*"|cursor=[0-9]+', b"", r.content) for r in (a, b)]
        assert normal[0] == normal[1], url


def test_number_matched_follows_writes_by_other_processes(client: TestClient, grid_store: Store) -> None:
    """A page shorter than the layer: numberMatched is counted (on PostGIS: kept per revision, so it must move)."""
    assert client.get("/collections/roads/items", params={"limit": 2}).json()["numberMatched"] == 4
    grid_store.delete("roads", "road-1", actor="other-process")
    assert client.get("/collections/roads/items", params={"limit": 2}).json()["numberMatched"] == 3
    grid_store.insert("roads", {**new_road(), "id": "road-8"}, actor="other-process")
    body = client.get("/collections/roads/items", params={"limit": 2, "offset": 2}).json()
    assert (body["numberMatched"], [f["id"] for f in body["features"]]) == (4, ["road-4", "road-8"])
