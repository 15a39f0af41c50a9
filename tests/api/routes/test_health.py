"""/healthz and /readyz: what a service manager and a reverse proxy poll."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import geoplan
from geoplan.api import create_app
from geoplan.config import Settings
from tests.api.conftest import VIEWER


def _ready(client: TestClient, seconds: float = 60) -> dict:
    deadline = time.monotonic() + seconds
    while True:
        r = client.get("/readyz")
        if r.status_code == 200 or time.monotonic() > deadline:
            return {"status_code": r.status_code, **r.json()}
        time.sleep(0.05)


def test_healthz_reports_a_readable_store_and_the_version(client: TestClient, store_backend: str) -> None:
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json"
    assert r.headers["cache-control"] == "no-store"
    body = r.json()
    assert body["status"] == "ok" and body["version"] == geoplan.__version__
    backend = "geojson" if store_backend == "files" else "postgis"
    assert body["store"] == {"backend": backend, "layers": len(client.app.state.store.layer_names), "readable": True}
    assert _ready(client) == {"status_code": 200, "status": "ready", "problems": []}


@pytest.mark.files_only  # breaks the layer files on disk
def test_an_unreadable_layer_makes_both_checks_fail(grid_settings: Settings, grid_dir: Path) -> None:
    (grid_dir / "roads.geojson").unlink()
    (grid_dir / "roads.geojson").mkdir()  # cannot be opened as a file (root ignores permission bits)
    with TestClient(create_app(grid_settings)) as client:
        r = client.get("/healthz")
        assert r.status_code == 503
        assert r.json()["status"] == "unavailable" and r.json()["store"]["readable"] is False
        assert any(p.startswith("roads:") for p in r.json()["problems"])
        ready = _ready(client, seconds=5)
        assert ready["status_code"] == 503 and ready["status"] == "unavailable"


@pytest.mark.files_only  # breaks the layer files on disk
def test_a_torn_layer_keeps_the_server_alive_but_not_ready(grid_settings: Settings, grid_dir: Path) -> None:
    # the store's layout (members on the first line, one feature per line) with its feature lines torn by hand
    (grid_dir / "roads.geojson").write_bytes(b'{"type":"FeatureCollection","name":"roads","features":[\n{"type":')
    with TestClient(create_app(grid_settings)) as client:
        assert client.get("/healthz").status_code == 200  # liveness reads the first line only
        ready = _ready(client, seconds=5)
        assert ready["status_code"] == 503 and ready["status"] == "unavailable"
        assert any(p.startswith("roads:") for p in ready["problems"])


@pytest.mark.files_only  # breaks the layer files on disk
def test_a_missing_data_directory_is_unhealthy(grid_settings: Settings, grid_dir: Path) -> None:
    with TestClient(create_app(grid_settings)) as client:
        grid_dir.rename(grid_dir.with_name("moved"))
        r = client.get("/healthz")
        assert r.status_code == 503 and "does not exist" in r.json()["problems"][0]


def test_readyz_says_starting_until_the_layers_are_indexed(grid_settings: Settings) -> None:
    app = create_app(grid_settings)
    with TestClient(app) as client:
        _ready(client)
        app.state.warmed.clear()  # as before the start-up indexing finished
        r = client.get("/readyz")
        assert (r.status_code, r.json()["status"]) == (503, "starting")


def test_checks_need_no_token_even_when_reads_do(grid_settings: Settings) -> None:
    settings = grid_settings.__class__(**{**grid_settings.__dict__, "read_requires_token": True})
    with TestClient(create_app(settings)) as client:
        assert client.get("/collections").status_code == 401
        assert client.get("/healthz").status_code == 200
        assert client.get("/collections", headers=VIEWER).status_code == 200


def test_unknown_parameters_are_refused(client: TestClient) -> None:
    assert client.get("/healthz", params={"x": "1"}).status_code == 400
    assert client.get("/readyz", params={"verbose": "1"}).status_code == 400


def test_both_are_in_the_openapi_document(client: TestClient) -> None:
    paths = client.get("/api").json()["paths"]
    assert set(paths["/healthz"]["get"]["responses"]) == {"200", "400", "503"}
    assert "/readyz" in paths


def test_a_backend_without_its_own_check_is_asked_for_a_count(grid_settings: Settings) -> None:
    """Another backend (PostGIS) that has no ``health()`` yet still gets a real read, not a blind 200."""

    class NoCheck:
        def __init__(self, inner, broken: bool) -> None:
            self.inner, self.broken = inner, broken
            self.layer_names = inner.layer_names

        def count(self, layer: str) -> int:
            if self.broken:
                raise ConnectionError("database unreachable")
            return self.inner.count(layer)

    app = create_app(grid_settings)
    with TestClient(app) as client:
        real = app.state.store
        app.state.store = NoCheck(real, broken=False)
        assert client.get("/healthz").json()["store"] == {
            "backend": "NoCheck",
            "layers": len(real.layer_names),
            "readable": True,
        }
        app.state.store = NoCheck(real, broken=True)
        r = client.get("/healthz")
        assert r.status_code == 503 and r.json()["problems"] == ["ConnectionError: database unreachable"]
