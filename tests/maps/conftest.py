"""A tiny township for map tests: three villages on a 1 km grid near 111°E, a few projects of each status."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import shapely
import uvicorn
from pyproj import Transformer
from shapely.geometry import LineString, Point, box, mapping

from geoplan.layers import LayerStore
from geoplan.layers.survey import Survey
from geoplan.maps.assets import MapAssetsMissing, find_assets_dir
from tests.analysis.conftest import county  # noqa: F401 (the one-village-surveyed county, for the gap map)

#: CGCS2000 3° Gauss–Krüger, central meridian 111°E: metres, so the fixture's geometry is exact.
GK_111 = "EPSG:4546"
X0, Y0 = 500_000.0, 3_320_000.0  # ≈ 111.0°E, 30.0°N
_to_wgs84 = Transformer.from_crs(GK_111, "EPSG:4326", always_xy=True)

VILLAGE_CODES = ("420500100201", "420500100202", "420500100203")
VILLAGE_NAMES = ("东村", "中村", "西村")


def _wgs(geom: Any) -> dict[str, Any]:
    return mapping(shapely.transform(geom, lambda xy: np.column_stack(_to_wgs84.transform(xy[:, 0], xy[:, 1]))))


def _feature(geom: Any, **props: Any) -> dict[str, Any]:
    return {"type": "Feature", "geometry": _wgs(geom), "properties": props}


def tiny_features() -> dict[str, list[dict[str, Any]]]:
    """Villages i = 0, 1, 2 are the squares [i, i+1] km × [0, 1] km from (X0, Y0)."""
    villages = [
        _feature(
            box(X0 + i * 1000, Y0, X0 + (i + 1) * 1000, Y0 + 1000), code=c, name=n, households=100 + i, population=300
        )
        for i, (c, n) in enumerate(zip(VILLAGE_CODES, VILLAGE_NAMES, strict=True))
    ]
    settlements = [
        _feature(
            Point(X0 + i * 1000 + 500, Y0 + 500), name=f"{n}一组", village_code=c, households=40, is_village_centre=True
        )
        for i, (c, n) in enumerate(zip(VILLAGE_CODES, VILLAGE_NAMES, strict=True))
    ] + [
        _feature(Point(X0 + 2800, Y0 + 900), name="西村二组", village_code=VILLAGE_CODES[2], households=12),
    ]
    roads = [
        _feature(
            LineString([(X0, Y0 + 500), (X0 + 2000, Y0 + 500)]),
            name="东中村道",
            status="existing",
            road_class="village",
            surface="paved",
            width_m=4.5,
        ),
        _feature(
            LineString([(X0 + 2000, Y0 + 500), (X0 + 3000, Y0 + 500)]),
            name="西村道(规划)",
            status="planned",
            road_class="village",
            surface="paved",
            year=2026,
            budget_wan=120.0,
        ),
        _feature(
            LineString([(X0 + 2500, Y0), (X0 + 2500, Y0 + 1000)]),
            name="西村组道",
            status="under_construction",
            road_class="group",
            surface="gravel",
        ),
    ]
    facilities = [
        _feature(Point(X0 + 400, Y0 + 400), name="东村卫生室", status="existing", kind="clinic"),
        _feature(
            Point(X0 + 1400, Y0 + 400), name="中心幼儿园", status="planned", kind="kindergarten", budget_wan=300.0
        ),
        _feature(Point(X0 + 1600, Y0 + 600), name="中村公厕", status="under_construction", kind="public_toilet"),
    ]
    reservoirs = [
        _feature(Point(X0 + 2200, Y0 + 800), name="西村水库", status="existing", safety="unsafe", capacity_10k_m3=12.5)
    ]
    water = [
        _feature(
            LineString([(X0 + 200, Y0 + 450), (X0 + 1800, Y0 + 450)]),
            name="东中供水主管",
            status="existing",
            pipe_kind="main",
            diameter_mm=110,
        )
    ]
    return {
        "villages": villages,
        "settlements": settlements,
        "roads": roads,
        "facilities": facilities,
        "reservoirs": reservoirs,
        "water_networks": water,
    }


def fill_store(store: LayerStore) -> LayerStore:
    """The tiny township, every layer declared surveyed across it (its data is complete)."""
    for layer, features in tiny_features().items():
        store.insert_many(layer, features, actor="test", survey=Survey("all"))
    return store


@pytest.fixture
def tiny_store(empty_store: LayerStore) -> LayerStore:
    return fill_store(empty_store)


@pytest.fixture
def tiny_frames(tiny_store: LayerStore):
    return tiny_store.frames()


def require_assets() -> Path:
    """The npm-installed browser assets; missing ones fail where a browser is required (CI), else skip."""
    try:
        return find_assets_dir()
    except MapAssetsMissing as exc:
        if os.environ.get("GEOPLAN_REQUIRE_BROWSER"):
            pytest.fail(str(exc))
        pytest.skip(str(exc))


@pytest.fixture(scope="session")
def assets_dir() -> Path:
    return require_assets()


CHROMIUM = "/usr/bin/chromium"
TILE_HOSTS = ("tile.openstreetmap.org", "server.arcgisonline.com", "tianditu.gov.cn")


def _need_browser() -> None:
    if not Path(CHROMIUM).exists():
        if os.environ.get("GEOPLAN_REQUIRE_BROWSER"):
            pytest.fail(f"{CHROMIUM} is missing (GEOPLAN_REQUIRE_BROWSER is set)")
        pytest.skip(f"{CHROMIUM} is not installed")


@pytest.fixture(scope="module")
def browser() -> Iterator:
    """Debian's headless Chromium through Playwright (never a downloaded browser), one per test module."""
    _need_browser()
    require_assets()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield b
        b.close()


class Offline:
    """A page whose requests to anything but ``allowed`` are aborted; records failures and script errors."""

    def __init__(self, browser, allowed: str, viewport: dict[str, int] | None = None) -> None:
        self.page = browser.new_page(viewport=viewport or {"width": 1280, "height": 860})
        self.failed: list[str] = []
        self.errors: list[str] = []
        #: Every URL the page asked for (documents, scripts, styles, images, fonts, API calls).
        self.requested: list[str] = []
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.page.on("requestfailed", lambda req: self.failed.append(req.url))
        self.page.on("request", lambda req: self.requested.append(req.url))
        self.page.route(
            "**/*", lambda route: route.continue_() if route.request.url.startswith(allowed) else route.abort()
        )

    def count(self, selector: str) -> int:
        return self.page.locator(selector).count()

    def non_tile_failures(self) -> list[str]:
        return [u for u in self.failed if not any(h in u for h in TILE_HOSTS)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def live_server(app: Any, *, start_seconds: float = 90.0) -> Iterator[str]:
    """``app`` served by uvicorn on a free local port in a thread; yields its base URL.

    Up to 90 s to start: a shared CI machine under load has taken over 30 s."""
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=free_port(), log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + start_seconds
    while not srv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("map server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{srv.config.port}"
    finally:
        srv.should_exit = True
        thread.join(10)
