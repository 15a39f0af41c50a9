"""What a planner sees, in headless Chromium with no internet: the served overview map, drawing and saving.

Every request not to the local server is aborted, as on a township intranet; only basemap tiles may fail.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from geoplan.api import create_app
from geoplan.config import Settings
from geoplan.layers import LayerStore
from geoplan.maps import build_overview_map
from geoplan.maps.save import save_map
from tests.maps.conftest import fill_store, require_assets

CHROMIUM = "/usr/bin/chromium"
TOKEN = "planner-token-for-browser-tests"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "maps"
TILE_HOSTS = ("tile.openstreetmap.org", "server.arcgisonline.com", "tianditu.gov.cn")

pytestmark = pytest.mark.browser


def _need_browser() -> None:
    if not Path(CHROMIUM).exists():
        if os.environ.get("GEOPLAN_REQUIRE_BROWSER"):
            pytest.fail(f"{CHROMIUM} is missing (GEOPLAN_REQUIRE_BROWSER is set)")
        pytest.skip(f"{CHROMIUM} is not installed")


@pytest.fixture(scope="module")
def browser() -> Iterator:
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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, LayerStore]]:
    data = tmp_path / "data"
    data.mkdir()
    fill_store(LayerStore(data))
    app = create_app(Settings(data_dir=data, tokens_env=f"planner:alice:{TOKEN}"))
    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("map server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", LayerStore(data)
    srv.should_exit = True
    thread.join(10)


class Offline:
    """A page whose requests to anything but ``allowed`` are aborted; records failures and script errors."""

    def __init__(self, browser, allowed: str) -> None:
        self.page = browser.new_page(viewport={"width": 1280, "height": 860})
        self.failed: list[str] = []
        self.errors: list[str] = []
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.page.on("requestfailed", lambda req: self.failed.append(req.url))
        self.page.route(
            "**/*", lambda route: route.continue_() if route.request.url.startswith(allowed) else route.abort()
        )

    def count(self, selector: str) -> int:
        return self.page.locator(selector).count()

    def non_tile_failures(self) -> list[str]:
        return [u for u in self.failed if not any(h in u for h in TILE_HOSTS)]


def _draw_line(page, points: list[tuple[int, int]]) -> None:
    page.locator(".leaflet-draw-draw-polyline").click()
    for x, y in points:
        page.mouse.click(x, y)
        page.wait_for_timeout(150)
    page.get_by_text("Finish", exact=True).click()
    page.locator("#gp-draw-panel").wait_for(state="visible")


def test_served_overview_offline_layers_toggle_draw_and_save(browser, server) -> None:
    base, store = server
    view = Offline(browser, base)
    page = view.page
    page.goto(f"{base}/maps/overview?basemap=osm")
    page.wait_for_load_state("networkidle")

    # Tiles are the only thing that may fail, and the map says so in plain words.
    assert any("tile.openstreetmap.org" in u for u in view.failed)
    assert view.non_tile_failures() == []
    assert "底图瓦片无法加载" in page.locator("#gp-tile-notice").inner_text()
    assert view.errors == []

    assert view.count("path.gp-layer-villages") == 3
    assert view.count("path.gp-layer-settlements") == 4
    assert view.count("path.gp-layer-roads") == 3
    assert view.count(".gp-marker-facilities") == 3
    assert view.count(".gp-marker-reservoirs") == 1
    assert view.count(".gp-label") == 3  # village names
    assert page.locator(".gp-label").all_inner_texts() == ["东村", "中村", "西村"]

    roads_toggle = page.locator(".leaflet-control-layers-overlays label", has_text="道路").locator("input")
    roads_toggle.uncheck()
    assert view.count("path.gp-layer-roads") == 0
    roads_toggle.check()
    assert view.count("path.gp-layer-roads") == 3
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "overview.png"))

    # A planner draws a road, fills the form generated from the catalogue, saves; the page reloads with it.
    _draw_line(page, [(560, 620), (760, 640)])
    assert page.locator("#gp-draw-layer").input_value() == "roads"
    panel = page.locator("#gp-draw-panel")
    panel.locator("input[name=name]").fill("浏览器新绘村道")
    panel.locator("select[name=status]").select_option("planned")
    panel.locator("select[name=road_class]").select_option("village")
    panel.locator("select[name=surface]").select_option("paved")
    panel.locator("input[name=width_m]").fill("4.5")
    panel.locator("#gp-draw-token").fill(TOKEN)
    with page.expect_navigation():
        panel.locator("#gp-draw-save").click()
    page.locator("#gp-saved-notice").wait_for()
    assert view.count("path.gp-layer-roads") == 4
    page.screenshot(path=str(ARTIFACTS / "overview-after-save.png"))
    saved = store.frame("roads").set_index("name").loc["浏览器新绘村道"]
    assert (saved["status"], saved["road_class"], saved["surface"], saved["width_m"]) == (
        "planned",
        "village",
        "paved",
        4.5,
    )
    assert saved.geometry.geom_type == "LineString"

    # An invalid save (required road class missing, bad width) shows the API's problems in the page.
    _draw_line(page, [(560, 700), (760, 720)])
    panel.locator("input[name=name]").fill("缺等级的路")
    panel.locator("select[name=status]").select_option("planned")
    panel.locator("input[name=width_m]").fill("99")
    panel.locator("#gp-draw-save").click()
    message = page.locator("#gp-draw-message")
    message.locator("text=道路等级").wait_for()
    text = message.inner_text()
    assert "保存失败 (422)" in text and "道路等级" in text and "路面宽度" in text
    page.screenshot(path=str(ARTIFACTS / "overview-invalid-save.png"))
    assert len(store.frame("roads")) == 4

    # Without a planner token the API refuses, and the page says why.
    panel.locator("select[name=road_class]").select_option("village")
    panel.locator("select[name=surface]").select_option("paved")
    panel.locator("input[name=width_m]").fill("")
    panel.locator("#gp-draw-token").fill("")
    panel.locator("#gp-draw-save").click()
    page.locator("#gp-draw-message", has_text="401").wait_for()
    assert len(store.frame("roads")) == 4
    assert view.errors == [] and view.non_tile_failures() == []
    page.close()


def test_written_map_opens_from_disk_with_no_request_failing(browser, tiny_frames, tmp_path: Path) -> None:
    out = save_map(
        build_overview_map(tiny_frames, basemap="none"), tmp_path / "maps" / "overview.html", require_assets()
    )
    view = Offline(browser, "file://")
    view.page.goto(out.as_uri())
    view.page.wait_for_load_state("networkidle")
    assert view.failed == [] and view.errors == []
    assert view.count("path.gp-layer-villages") == 3
    assert view.count(".gp-marker-facilities") == 3
    # Font Awesome's font loaded from the local copy: the icon glyph has a real width.
    assert view.page.evaluate("document.fonts.check('12px FontAwesome')")
    view.page.close()


def test_gap_map_selector_recolours_villages_from_the_analysis(browser, server) -> None:
    base, _ = server
    view = Offline(browser, base)
    page = view.page
    page.goto(f"{base}/maps/gaps?basemap=none")
    page.wait_for_load_state("networkidle")
    assert view.failed == [] and view.errors == []
    fills = "Array.from(document.querySelectorAll('path.gp-layer-gap-villages')).map(p => p.getAttribute('fill'))"
    # Composite, baseline: east and middle 80.6 (75–90), west 22.2 (< 60).
    assert page.evaluate(fills) == ["#a6d96a", "#a6d96a", "#d73027"]
    page.select_option("#gp-measure", "settlement_hardened_road")
    assert page.evaluate(fills) == ["#1a9850", "#1a9850", "#d73027"]
    assert "未达标" in page.locator("#gp-gap-legend").inner_text()
    # Only the west village's settlement fails this indicator: one uncovered marker.
    assert view.count("path.leaflet-interactive[stroke='#b2182b']") == 1
    page.locator("input[name=gp-scenario][value=plan]").check()
    assert page.evaluate(fills) == ["#1a9850", "#1a9850", "#1a9850"]
    assert view.count("path.leaflet-interactive[stroke='#b2182b']") == 0
    page.screenshot(path=str(ARTIFACTS / "gaps.png"))
    assert view.errors == []
    page.close()
