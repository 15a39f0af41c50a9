"""API fixtures: a tiny township on a 1 km grid (answers checkable by hand), apps over it, a live uvicorn."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest
import shapely
from fastapi.testclient import TestClient
from pyproj import Transformer
from shapely.geometry import LineString, Point, box, mapping

from geoplan.api import create_app
from geoplan.config import Settings
from geoplan.layers import LayerStore
from geoplan.layers.backend import Store
from tests.conftest import stored_state

PLANNER_TOKEN = "planner-secret-for-tests"
VIEWER_TOKEN = "viewer-secret-for-tests"
TOKENS = f"planner:alice:{PLANNER_TOKEN},viewer:bob:{VIEWER_TOKEN}"
PLANNER = {"Authorization": f"Bearer {PLANNER_TOKEN}"}
VIEWER = {"Authorization": f"Bearer {VIEWER_TOKEN}"}

#: CGCS2000 3° Gauss–Krüger, central meridian 111°E: the grid is laid out in metres, stored in lon/lat.
GRID_CRS = "EPSG:4546"
ORIGIN = (500_000.0, 3_320_000.0)  # about 111.0°E, 30.0°N
_to_lonlat = Transformer.from_crs(GRID_CRS, "OGC:CRS84", always_xy=True)


def lonlat(geom):
    """A geometry given in grid metres (offsets from ORIGIN) as lon/lat."""

    def move(xy: np.ndarray) -> np.ndarray:
        return np.column_stack(_to_lonlat.transform(xy[:, 0] + ORIGIN[0], xy[:, 1] + ORIGIN[1]))

    return shapely.transform(geom, move)


def grid_box(x0: float, y0: float, x1: float, y1: float) -> tuple[float, float, float, float]:
    """A bbox given in grid metres as a CRS84 bbox."""
    return lonlat(box(x0, y0, x1, y1)).bounds


def feature(geom, **props) -> dict:
    return {"type": "Feature", "geometry": mapping(lonlat(geom)), "properties": props}


def build_grid(data: Path | Store) -> Store:
    """Three 1 km villages in a row (x 0–3 km), two settlements each, four roads, three facilities."""
    store = LayerStore(data) if isinstance(data, Path) else data
    villages = [
        feature(box(i * 1000, 0, (i + 1) * 1000, 1000), code=f"42000000000{i + 1}", name=f"村{i + 1}", households=100)
        for i in range(3)
    ]
    for i, f in enumerate(villages):
        f["id"] = f"village-{i + 1}"
    store.insert_many("villages", villages, actor="fixture")
    settlements = []
    for i in range(3):
        for j, y in enumerate((250, 750)):
            f = feature(Point(i * 1000 + 500, y), name=f"组{i + 1}-{j + 1}", households=20 + 10 * j)
            f["id"] = f"settlement-{i + 1}{j + 1}"
            settlements.append(f)
    store.insert_many("settlements", settlements, actor="fixture")
    roads = [
        ("road-1", LineString([(100, 500), (900, 500)]), "existing", 2015, "village", "paved"),
        ("road-2", LineString([(1100, 500), (1900, 500)]), "planned", 2026, "village", "gravel"),
        ("road-3", LineString([(2100, 500), (2900, 500)]), "planned", 2027, "county", "paved"),
        ("road-4", LineString([(2100, 200), (2900, 200)]), "under_construction", 2026, "group", "earth"),
    ]
    store.insert_many(
        "roads",
        [
            {**feature(g, name=f"路{fid[-1]}", status=s, year=y, road_class=c, surface=sf), "id": fid}
            for fid, g, s, y, c, sf in roads
        ],
        actor="fixture",
    )
    facilities = [
        ("facility-1", Point(500, 500), "clinic", "existing", 2010),
        ("facility-2", Point(1500, 500), "kindergarten", "planned", 2026),
        ("facility-3", Point(2500, 800), "clinic", "planned", 2028),
    ]
    store.insert_many(
        "facilities",
        [{**feature(g, name=f"设施{fid[-1]}", kind=k, status=s, year=y), "id": fid} for fid, g, k, s, y in facilities],
        actor="fixture",
    )
    return store


@pytest.fixture
def grid_dir(tmp_path: Path, store_backend: str) -> Path:
    """The grid as layer files (file layout: a test that checks files runs on the file store only)."""
    if store_backend != "files":
        pytest.fail("a test run on the PostGIS backend asked for the grid's files: mark it files_only")
    data = tmp_path / "grid"
    data.mkdir()
    build_grid(data)
    return data


@pytest.fixture
def grid_settings(store_backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """Settings of an API over the grid, in the backend under test."""
    if store_backend == "postgis":
        from geoplan.layers.pgstore import PostgisStore

        url = request.getfixturevalue("database_url")
        store = PostgisStore(url)
        build_grid(store)
        store.close()
        return Settings(data_dir=tmp_path / "no-files", database_url=url, tokens_env=TOKENS)
    return Settings(data_dir=request.getfixturevalue("grid_dir"), tokens_env=TOKENS)


@pytest.fixture
def grid_store(grid_settings: Settings) -> Iterator[Store]:
    """A store over the grid as another process would open it (the backend under test)."""
    from geoplan.layers.backend import open_store

    store = open_store(grid_settings)
    yield store
    close = getattr(store, "close", None)
    if close is not None:
        close()


def server_env(settings: Settings) -> dict[str, str]:
    """The environment a server process needs to serve these settings' store."""
    return {"GEOPLAN_DATABASE_URL": settings.database_url} if settings.database_url else {}


@pytest.fixture
def grid_state(grid_store: Store) -> Callable[[], object]:
    """What the grid's store holds now (the files' bytes, or the tables): proves a refused request wrote nothing."""
    return lambda: stored_state(grid_store)


@pytest.fixture
def client(grid_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(grid_settings)) as c:
        yield c


def layer_bytes(data: Path) -> dict[str, bytes]:
    """Every layer file's bytes, to prove a rejected write changed nothing."""
    return {p.name: p.read_bytes() for p in sorted(data.glob("*.geojson"))}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """uvicorn in a child process over a data directory, on 127.0.0.1 and a free port."""

    def __init__(self, data_dir: Path, workers: int = 1, env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        cmd = [sys.executable, "-m", "uvicorn", "geoplan.api.app:create_app_from_env", "--factory"]
        cmd += ["--host", "127.0.0.1", "--port", str(self.port), "--workers", str(workers), "--log-level", "warning"]
        full_env = {**os.environ, "GEOPLAN_DATA_DIR": str(data_dir), "GEOPLAN_TOKENS": TOKENS, **(env or {})}
        self.proc = subprocess.Popen(cmd, env=full_env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self._wait()

    def _wait(self) -> None:
        deadline = time.monotonic() + 90  # generous: CI machines can be busy
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"uvicorn exited: {self.proc.stderr.read().decode() if self.proc.stderr else ''}")
            try:
                if httpx.get(self.url + "/conformance", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("uvicorn did not start within 90 s")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def live_grid(grid_settings: Settings) -> Iterator[LiveServer]:
    """uvicorn serving the grid from the backend under test."""
    server = LiveServer(grid_settings.data_dir, env=server_env(grid_settings))
    yield server
    server.stop()
