"""The screenshots in the Chinese guides (docs/zh/images/) are taken here, on the demo township, every run.

So a guide never shows a map older than the code: each run overwrites them, and a guide may only show an image
this module takes.  Each screenshot is also a check (the page loaded everything offline, no script error).
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from geoplan.api import create_app
from geoplan.config import Settings
from tests.maps.conftest import Offline, live_server
from tests.maps.test_browser import TOKEN, sign_in

GUIDES = Path(__file__).resolve().parents[2] / "docs" / "zh"
IMAGES = GUIDES / "images"
#: Every screenshot the guides may show, each taken by one test below.
SHOTS = ("map-overview.png", "map-edit.png", "map-gaps.png", "report.png", "api-landing.png")


def _shot(page, name: str) -> None:
    assert name in SHOTS
    IMAGES.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(IMAGES / name))


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory, repo_root: Path) -> Iterator[str]:
    data = tmp_path_factory.mktemp("guide") / "geojson"
    shutil.copytree(repo_root / "data" / "geojson", data)
    with live_server(create_app(Settings(data_dir=data, tokens_env=f"planner:张工:{TOKEN}"))) as base:
        yield base


def _open(browser, base: str, path: str) -> Offline:
    view = Offline(browser, base)
    view.page.goto(base + path, timeout=120_000)
    view.page.wait_for_load_state("networkidle", timeout=120_000)
    assert view.failed == [] and view.errors == []
    return view


@pytest.mark.browser
def test_overview_and_editing_screenshots(browser, demo_server: str) -> None:
    view = _open(browser, demo_server, "/maps/overview")
    assert view.count("path.gp-layer-villages") > 0 and view.count(".gp-marker-facilities") > 0
    _shot(view.page, "map-overview.png")
    sign_in(view.page)
    view.page.locator(".gp-marker-facilities").first.click()
    view.page.locator("#gp-edit-panel select[name=status]").wait_for()
    _shot(view.page, "map-edit.png")
    assert view.errors == []
    view.page.close()


@pytest.mark.browser
def test_gap_map_screenshot(browser, demo_server: str) -> None:
    view = _open(browser, demo_server, "/maps/gaps")
    assert (
        view.count("path.gp-layer-gap-villages") > 0 and "综合得分" in view.page.locator("#gp-gap-legend").inner_text()
    )
    _shot(view.page, "map-gaps.png")
    view.page.close()


@pytest.mark.browser
def test_report_and_landing_screenshots(browser, demo_server: str) -> None:
    view = _open(browser, demo_server, "/reports/gaps?format=html")
    view.page.locator("canvas").first.wait_for()  # ECharts drew its charts
    _shot(view.page, "report.png")
    view.page.goto(demo_server + "/?f=html")
    assert "OpenAPI" in view.page.content()
    _shot(view.page, "api-landing.png")
    view.page.close()


def test_guides_show_only_screenshots_this_module_takes() -> None:
    shown = {m for g in GUIDES.glob("*.md") for m in re.findall(r"\]\(images/([^)]+)\)", g.read_text("utf-8"))}
    assert shown, "the guides show no screenshot"
    assert shown <= set(SHOTS), shown - set(SHOTS)
    assert {p.name for p in IMAGES.iterdir()} <= set(SHOTS)  # no stale image left behind
