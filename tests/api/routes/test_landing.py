"""Landing page and conformance: what OGC clients read first."""

from __future__ import annotations

from fastapi.testclient import TestClient

from geoplan.api import create_app


def test_landing_links(client: TestClient) -> None:
    body = client.get("/").json()
    rels = {link["rel"]: link for link in body["links"]}
    assert {"self", "alternate", "service-desc", "conformance", "data"} <= set(rels)
    assert rels["service-desc"]["type"] == "application/vnd.oai.openapi+json;version=3.0"
    assert client.get("/", params={"x": "1"}).status_code == 400


def test_conformance_declares_core_crs_filter_and_transactions(client: TestClient) -> None:
    classes = set(client.get("/conformance").json()["conformsTo"])
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in classes
    assert "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs" in classes
    assert "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter" in classes
    assert "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/create-replace-delete" in classes


def test_cors_is_off_by_default_and_configurable(grid_settings, client: TestClient) -> None:
    origin = {"Origin": "https://planner.example"}
    assert "access-control-allow-origin" not in client.get("/", headers=origin).headers
    open_client = TestClient(create_app(grid_settings.with_overrides(cors_origins=("https://planner.example",))))
    r = open_client.get("/collections/roads/items/road-1", headers=origin)
    assert r.headers["access-control-allow-origin"] == "https://planner.example"
    assert "etag" in r.headers["access-control-expose-headers"].lower()
