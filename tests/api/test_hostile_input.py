"""Hostile and odd input is a clear 4xx, never a 500, a hang or a feature the API cannot reach again."""

from __future__ import annotations

import asyncio

import orjson
import pytest
from fastapi.testclient import TestClient

from geoplan.api import create_app
from geoplan.config import Settings
from tests.api.conftest import PLANNER

POINT = {"type": "Point", "coordinates": [111.005, 30.005]}


def facility(**extra) -> dict:
    return {
        "type": "Feature",
        "geometry": POINT,
        "properties": {"name": "卫生室", "kind": "clinic", "status": "planned"},
    } | extra


@pytest.mark.parametrize(
    "bad_id", ["a/b", "../x", "..", "<script>", "a\nb", "a\x00b", "x" * 129, "道路1", " road", "-x", "a b"]
)
def test_ids_outside_the_rule_are_refused_and_nothing_is_written(client: TestClient, grid_state, bad_id) -> None:
    before = grid_state()
    r = client.post("/collections/facilities/items", json=facility(id=bad_id), headers=PLANNER)
    assert r.status_code == 422, bad_id
    assert "id" in r.json()["detail"] and "128" in r.json()["detail"]
    assert grid_state() == before


def test_ids_inside_the_rule_can_be_read_edited_and_deleted(client: TestClient) -> None:
    fid = "clinic_2026.a:1-b"
    assert client.post("/collections/facilities/items", json=facility(id=fid), headers=PLANNER).status_code == 201
    assert client.get(f"/collections/facilities/items/{fid}").json()["id"] == fid
    r = client.patch(f"/collections/facilities/items/{fid}", json={"properties": {"name": "新"}}, headers=PLANNER)
    assert r.status_code == 200
    assert client.delete(f"/collections/facilities/items/{fid}", headers=PLANNER).status_code == 204


def test_an_empty_id_is_refused_over_the_api(client: TestClient, grid_state) -> None:
    """Only null asks the server for an id; "" broke the declared rule yet got 201 (schemathesis, negative mode)."""
    before = grid_state()
    for blank in ("", "  "):
        r = client.post("/collections/facilities/items", json=facility(id=blank), headers=PLANNER)
        assert r.status_code == 422 and "128" in r.json()["detail"], blank
    assert grid_state() == before


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_a_path_id_outside_the_rule_is_404_before_if_match_is_weighed(client: TestClient, method: str) -> None:
    """No feature can have such an id: 404, not the 412 a weak If-Match used to get first."""
    bodies = {"put": {"json": facility()}, "patch": {"json": {"properties": {"name": "x"}}}, "delete": {}}
    r = client.request(
        method.upper(),
        "/collections/facilities/items/%F2%92%84%AF",
        headers={**PLANNER, "If-Match": 'W/"25"'},
        **bodies[method],
    )
    assert r.status_code == 404, r.text


def test_null_id_is_assigned_and_a_number_is_refused(client: TestClient) -> None:
    r = client.post("/collections/facilities/items", json=facility(id=None), headers=PLANNER)
    assert r.status_code == 201 and r.json()["id"].startswith("facility-")
    r = client.post("/collections/facilities/items", json=facility(id=7), headers=PLANNER)
    assert r.status_code == 400 and "string" in r.json()["detail"]


def test_a_million_vertex_line_is_refused_with_the_limit_named(client: TestClient, grid_state) -> None:
    before = grid_state()
    coords = [[111 + i % 2, 30] for i in range(1_000_000)]  # ~9 MB: under the body limit
    body = {"type": "Feature", "geometry": {"type": "LineString", "coordinates": coords}}
    body["properties"] = {"name": "长路", "status": "planned", "road_class": "village", "surface": "paved"}
    r = client.post(
        "/collections/roads/items", content=orjson.dumps(body), headers={**PLANNER, "Content-Type": "application/json"}
    )
    assert r.status_code == 422
    assert "100000" in r.json()["detail"] and "GEOPLAN_MAX_VERTICES" in r.json()["detail"]
    r = client.post(
        "/collections/roads/items?lang=en",
        content=orjson.dumps(body),
        headers={**PLANNER, "Content-Type": "application/json"},
    )
    assert "more than 100000 vertices" in r.json()["detail"]
    assert grid_state() == before


def test_vertex_limit_is_configurable(grid_settings: Settings) -> None:
    with TestClient(create_app(grid_settings.with_overrides(max_vertices=10))) as c:
        props = {"name": "路", "status": "planned", "road_class": "village", "surface": "paved"}
        for n, status in ((10, 201), (11, 422)):
            line = {"type": "LineString", "coordinates": [[111.0 + i * 1e-4, 30.0] for i in range(n)]}
            r = c.post(
                "/collections/roads/items",
                json={"type": "Feature", "geometry": line, "properties": props},
                headers=PLANNER,
            )
            assert r.status_code == status, n
        assert "10" in c.get("/api").json()["info"]["description"]


def _nested(depth: int, leaf) -> list | dict:
    value = leaf
    for _ in range(depth):
        value = [value]
    return value


def test_deep_nesting_is_a_4xx_not_a_500(client: TestClient, grid_state) -> None:
    before = grid_state()
    deep = b'{"type": "Point", "coordinates": ' + b"[" * 900 + b"111.0, 30.0" + b"]" * 900 + b"}"
    r = client.post(
        "/collections/facilities/items",
        content=orjson.dumps(facility(geometry="GEOMETRY")).replace(b'"GEOMETRY"', deep),
        headers={**PLANNER, "Content-Type": "application/json"},
    )
    assert r.status_code == 400 and "nests deeper" in r.json()["detail"]
    deep_props = b'{"properties": {"name": ' + b'{"a": ' * 990 + b"1" + b"}" * 990 + b"}}"
    r = client.patch(
        "/collections/facilities/items/facility-1",
        content=deep_props,
        headers={**PLANNER, "Content-Type": "application/merge-patch+json"},
    )
    assert r.status_code == 400 and "nests deeper" in r.json()["detail"]
    # Past the body check (6 levels of coordinates): the store names the geometry's problem.
    r = client.post(
        "/collections/facilities/items",
        json=facility(geometry={"type": "Point", "coordinates": _nested(5, [111.0, 30.0])}),
        headers=PLANNER,
    )
    assert r.status_code == 422
    assert grid_state() == before


def test_numbers_beyond_json_safe_range_are_422(client: TestClient, grid_state) -> None:
    before = grid_state()
    for value in (1e30, 2**60, -(2**53)):
        r = client.post(
            "/collections/facilities/items",
            json=facility() | {"properties": {**facility()["properties"], "capacity": value}},
            headers=PLANNER,
        )
        assert r.status_code == 422, value
        assert "capacity" in r.json()["detail"]
    assert grid_state() == before


@pytest.mark.parametrize("header", ['"²"', '"' + "9" * 5000 + '"', "", "abc", '"3", x', "W/3"])
def test_odd_if_match_is_400(client: TestClient, header: str) -> None:
    raw = header.encode()  # httpx sends str headers as ASCII only
    for method in ("patch", "put", "delete"):
        kwargs = {} if method == "delete" else {"json": {"properties": {"name": "x"}}}
        r = getattr(client, method)(
            "/collections/facilities/items/facility-1", headers={**PLANNER, "If-Match": raw}, **kwargs
        )
        assert r.status_code == 400, (method, header)
        assert "If-Match" in r.json()["detail"]


def test_body_is_checked_before_the_version(client: TestClient) -> None:
    headers = {**PLANNER, "If-Match": '"99"', "Content-Type": "application/merge-patch+json"}
    r = client.patch("/collections/facilities/items/facility-1", content=b"", headers=headers)
    assert r.status_code == 400 and "empty" in r.json()["detail"]
    r = client.patch(
        "/collections/facilities/items/facility-1",
        json={"properties": {"name": "x"}},
        headers={**PLANNER, "If-Match": '"99"'},
    )
    assert r.status_code == 412


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/conformance",
        "/api",
        "/collections",
        "/collections/roads",
        "/collections/roads/queryables",
        "/collections/roads/items",
        "/collections/roads/items/road-1",
        "/villages",
        "/gaps",
        "/maps/overview",
    ],
)
def test_lang_is_checked_the_same_everywhere(client: TestClient, url: str) -> None:
    r = client.get(url, params={"lang": "AAA"})
    assert r.status_code == 400 and "lang" in r.json()["detail"]


def test_empty_crs_is_400(client: TestClient) -> None:
    for url in ("/collections/roads/items", "/collections/roads/items/road-1"):
        for name in ("crs", "bbox-crs", "filter-crs"):
            assert client.get(url, params={name: ""}).status_code == 400, (url, name)


def _asgi_post(
    app, path: str, headers: list[tuple[bytes, bytes]], body: bytes, method: str = "POST"
) -> tuple[int, bool]:
    """Call the app directly; report the status and whether it ever asked for the body."""
    read = False
    sent: list[dict] = []

    async def receive() -> dict:
        nonlocal read
        read = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": headers,
        "scheme": "http",
        "server": ("test", 80),
        "client": ("test", 1),
        "http_version": "1.1",
        "root_path": "",
        "asgi": {"version": "3.0"},
        "app": app,
    }
    asyncio.run(app(scope, receive, send))
    return next(m["status"] for m in sent if m["type"] == "http.response.start"), read


def test_import_checks_the_token_before_reading_the_upload(grid_settings: Settings) -> None:
    app = create_app(grid_settings)
    body = b'--b\r\nContent-Disposition: form-data; name="file"; filename="x.geojson"\r\n\r\n{}\r\n--b--\r\n'
    headers = [(b"content-type", b"multipart/form-data; boundary=b"), (b"content-length", str(len(body)).encode())]
    assert _asgi_post(app, "/collections/roads/import", headers, body) == (401, False)
    bad = headers + [(b"authorization", b"Bearer wrong")]
    assert _asgi_post(app, "/collections/roads/import", bad, body) == (401, False)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/collections/roads/items"),
        ("PUT", "/collections/roads/items/road-1"),
        ("PATCH", "/collections/roads/items/road-1"),
        ("PUT", "/collections/roads/survey"),
        ("POST", "/plan/accept"),
        ("POST", "/changes/c-1/undo"),
        ("POST", "/collections/roads/checks"),
    ],
)
def test_every_write_checks_the_token_before_reading_the_body(grid_settings: Settings, method: str, path: str) -> None:
    """A wrong token is a 401 before any body is read, on every endpoint that takes one (those added since too)."""
    app = create_app(grid_settings)
    body = b'{"type": "Feature"}'
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    assert _asgi_post(app, path, headers + [(b"authorization", b"Bearer wrong")], body, method) == (401, False)
    if path.endswith("/checks"):
        return  # a reader's endpoint: no token is fine
    assert _asgi_post(app, path, headers, body, method) == (401, False)


def test_oversized_multipart_is_413(grid_settings: Settings) -> None:
    with TestClient(create_app(grid_settings.with_overrides(max_body_bytes=2000))) as c:
        files = {"file": ("roads.geojson", b"x" * 5000, "application/geo+json")}
        r = c.post("/collections/roads/import", files=files, headers=PLANNER)
        assert r.status_code == 413

        def chunks():  # no Content-Length: the limit is enforced while streaming
            yield b'--b\r\nContent-Disposition: form-data; name="file"; filename="x.geojson"\r\n\r\n'
            for _ in range(10):
                yield b"y" * 1000
            yield b"\r\n--b--\r\n"

        r = c.post(
            "/collections/roads/import",
            content=chunks(),
            headers={**PLANNER, "Content-Type": "multipart/form-data; boundary=b"},
        )
        assert r.status_code == 413
