"""/collections/{layer}/styles: the QML that QGIS loads, listed and fetched."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from fastapi.testclient import TestClient

from geoplan.layers.catalogue import Catalogue


def test_styles_are_listed_and_served_as_qml(client: TestClient, catalogue: Catalogue) -> None:
    listed = client.get("/collections/roads/styles")
    assert listed.status_code == 200 and listed.headers["content-type"].startswith("application/json")
    href = listed.json()["styles"][0]["links"][0]["href"]
    assert href.endswith("/collections/roads/styles/default?f=qml&lang=zh")
    r = client.get("/collections/roads/styles/default", params={"f": "qml", "lang": "en"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/vnd.qgis.qml")
    root = ET.fromstring(r.text.split("\n", 1)[1])
    labels = {c.get("label") for c in root.iter("category")}
    # One category per status the catalogue declares (the style is data-driven: a status added there shows here).
    statuses = {catalogue.enum_label("status", v, "en") for v in catalogue.enum_values("status")}
    assert labels == statuses and {"Existing", "Planned", "Candidate"} <= labels


def test_unknown_styles_layers_and_formats_are_refused(client: TestClient) -> None:
    assert client.get("/collections/roads/styles/fancy").status_code == 404
    assert client.get("/collections/nope/styles").status_code == 404
    assert client.get("/collections/roads/styles/default", params={"f": "sld"}).status_code == 400
    assert client.get("/collections/roads/styles", params={"bogus": "1"}).status_code == 400
    # /api offers the list as f=json only; any other f was answered 200 (schemathesis, negative mode).
    assert client.get("/collections/roads/styles", params={"f": "AAA"}).status_code == 400
    assert client.get("/collections/roads/styles", params={"f": "json"}).status_code == 200
