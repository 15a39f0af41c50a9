"""Collections: one per catalogue layer, titles in both languages, extent from the data, queryables, schema."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from geoplan.layers import default_catalogue
from tests.api.conftest import grid_box


def test_every_catalogue_layer_is_a_collection(client: TestClient) -> None:
    body = client.get("/collections").json()
    assert [c["id"] for c in body["collections"]] == list(default_catalogue().names)


def test_collection_has_titles_extent_crs_and_one_geometry_family(client: TestClient) -> None:
    c = client.get("/collections/roads").json()
    assert c["titles"] == {"zh": "道路", "en": "Roads"}
    assert c["title"] == "道路"
    assert client.get("/collections/roads", params={"lang": "en"}).json()["title"] == "Roads"
    assert c["geometryTypes"] == ["LineString", "MultiLineString"]
    assert "http://www.opengis.net/def/crs/EPSG/0/4490" in c["crs"]
    expected = grid_box(100, 200, 2900, 500)  # the four roads span x 0.1–2.9 km, y 0.2–0.5 km
    assert c["extent"]["spatial"]["bbox"][0] == pytest.approx(list(expected), abs=1e-6)
    assert c["extent"]["temporal"]["interval"] == [["2015-01-01T00:00:00Z", "2027-12-31T23:59:59Z"]]
    assert "temporal" not in client.get("/collections/villages").json()["extent"]


def test_queryables_come_from_the_catalogue(client: TestClient) -> None:
    r = client.get("/collections/roads/queryables")
    assert r.headers["content-type"] == "application/schema+json"
    props = r.json()["properties"]
    assert set(props) == {"geometry", *default_catalogue().layer("roads").field_names}
    assert props["road_class"]["title"] == "道路等级"
    assert props["geometry"]["x-ogc-role"] == "primary-geometry"


def test_schema_lists_required_fields(client: TestClient) -> None:
    schema = client.get("/collections/roads/schema").json()
    assert set(schema["required"]) == {"name", "status", "road_class", "surface"}
    assert schema["properties"]["version"]["readOnly"] is True


def test_html_and_unknown_collection(client: TestClient) -> None:
    r = client.get("/collections", headers={"Accept": "text/html"})
    assert r.headers["content-type"].startswith("text/html") and "道路" in r.text
    assert client.get("/collections/nowhere").status_code == 404
    assert client.get("/collections", params={"f": "xml"}).status_code == 400
