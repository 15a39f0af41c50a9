"""/maps/... served live from the store, and /static/vendor/... serving only the vendored map assets."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from geoplan.api import create_app
from geoplan.config import Settings
from geoplan.layers import LayerStore
from geoplan.maps.assets import external_assets
from tests.maps.conftest import VILLAGE_CODES, fill_store, require_assets

TOKEN = "planner-token-for-map-tests"


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    data = tmp_path / "data"
    data.mkdir()
    fill_store(LayerStore(data))
    return TestClient(create_app(Settings(data_dir=data, tokens_env=f"planner:alice:{TOKEN}")))


def test_overview_is_live_html_with_local_assets_and_the_editor(client: TestClient) -> None:
    r = client.get("/maps/overview")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert external_assets(r.text) == []
    assert '<script src="/static/vendor/leaflet/dist/leaflet.js"></script>' in r.text
    assert "/static/vendor/leaflet-draw/dist/leaflet.draw.js" in r.text
    assert '<script src="/static/geoplan/editor.js"></script>' in r.text and "geoplanEditor(" in r.text
    # No basemap unless asked for or configured: OSM is offered in the layer control but not added to the map.
    assert not re.search(r"tile_layer_\w+\.addTo\(map_", r.text)
    assert re.search(r"tile_layer_\w+\.addTo\(map_", client.get("/maps/overview?basemap=osm").text)
    # Live: a feature added through the store appears on the next request.
    assert "新修村道" not in r.text
    client.app.state.store.insert(
        "roads",
        {
            "type": "Feature",
            "geometry": {"type": "LineString", "coordinates": [[111.0, 30.0], [111.01, 30.0]]},
            "properties": {"name": "新修村道", "status": "planned", "road_class": "village", "surface": "paved"},
        },
    )
    assert "新修村道" in client.get("/maps/overview").text


def test_gap_and_village_maps(client: TestClient) -> None:
    gaps = client.get("/maps/gaps?basemap=none&lang=en")
    assert gaps.status_code == 200 and "Composite score" in gaps.text and "geoplanEditor(" not in gaps.text
    village = client.get(f"/maps/villages/{VILLAGE_CODES[2]}")
    assert village.status_code == 200 and "gp-indicator-panel" in village.text


def test_bad_requests_are_problems(client: TestClient) -> None:
    r = client.get("/maps/villages/000000000000")
    assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"
    assert "000000000000" in r.json()["detail"]
    assert client.get("/maps/overview?basemap=google").status_code == 400


def test_vendor_route_serves_assets_and_nothing_else(client: TestClient) -> None:
    assets_dir = require_assets()
    js = client.get("/static/vendor/leaflet/dist/leaflet.js")
    assert js.status_code == 200 and js.content == (assets_dir / "leaflet/dist/leaflet.js").read_bytes()
    font = client.get("/static/vendor/font-awesome/fonts/fontawesome-webfont.woff2")
    assert font.status_code == 200
    for path in ("leaflet/package.json", "../package.json", "leaflet/dist/../../jquery/dist/jquery.js"):
        assert client.get(f"/static/vendor/{path}").status_code == 404


def test_page_scripts_are_served_as_files(client: TestClient) -> None:
    js = client.get("/static/geoplan/editor.js")
    assert js.status_code == 200 and js.headers["content-type"].startswith("text/javascript")
    assert b"window.geoplanEditor" in js.content
    for name in ("page.js", "map.css", "../drawing.py", "__init__.py"):
        assert client.get(f"/static/geoplan/{name}").status_code == 404


def test_served_maps_default_to_the_configured_basemap(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    fill_store(LayerStore(data))
    with_osm = TestClient(create_app(Settings(data_dir=data, basemap="osm")))
    assert re.search(r"tile_layer_\w+\.addTo\(map_", with_osm.get("/maps/overview").text)
    assert not re.search(r"tile_layer_\w+\.addTo\(map_", with_osm.get("/maps/overview?basemap=none").text)


def test_gap_map_data_endpoints(client: TestClient) -> None:
    """The served gap map's tables, catchments and uncovered points: JSON, cached by data version (ETag/304)."""
    tables = client.get("/maps/gaps/tables.json")
    assert tables.status_code == 200 and tables.headers["content-type"] == "application/json"
    body = tables.json()
    assert set(body["rows"]) == set(VILLAGE_CODES) and "—" in body["strings"]
    again = client.get("/maps/gaps/tables.json", headers={"If-None-Match": tables.headers["etag"]})
    assert again.status_code == 304
    reach = client.get("/maps/gaps/catchments.json").json()
    assert reach["radius"][reach["keys"].index("clinic")] == 2000 and reach["layers"]
    # Uncovered points by bounding box: the west village's settlements (x 2–3 km of the grid) and none far away.
    west = client.get("/maps/gaps/uncovered.json?bbox=111.02,29.99,111.04,30.01").json()
    names = [row[0] for row in west["points"]["p"]]
    assert {"西村一组", "西村二组"} <= set(names) and all(n.startswith("西村") for n in names)
    assert west["truncated"] is False
    assert client.get("/maps/gaps/uncovered.json?bbox=100,10,100.1,10.1").json()["points"]["p"] == []
    for bad in ("1,2,3", "a,b,c,d", "111.1,30,111.0,30.1", "nan,1,2,3", "1,2,inf,4"):
        r = client.get(f"/maps/gaps/uncovered.json?bbox={bad}")
        assert r.status_code == 400 and r.headers["content-type"] == "application/problem+json", bad
