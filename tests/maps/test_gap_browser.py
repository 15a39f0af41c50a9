"""The gap map as a planner sees it in headless Chromium (opened from disk, offline): catchments drawn in the
browser at the indicator's radius, as one union; uncovered households only once zoomed in when there are many;
the village popup's indicator table from the compact page data."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pyproj import Transformer

from geoplan.analysis import analyse, load_standards
from geoplan.api import create_app
from geoplan.config import Settings
from geoplan.layers import LayerStore
from geoplan.maps.gap import build_gap_map
from geoplan.maps.save import save_map
from tests.maps.conftest import GK_111, X0, Y0, Offline, fill_store, live_server, require_assets

pytestmark = pytest.mark.browser

_to_wgs84 = Transformer.from_crs(GK_111, "EPSG:4326", always_xy=True)

SETUP = """
() => {
    const map = Object.keys(window).filter(k => k.startsWith("map_")).map(k => window[k])
        .find(v => v instanceof L.Map);
    const groups = Object.keys(window).filter(k => k.startsWith("feature_group_")).map(k => window[k]);
    window.gp = {
        map,
        groups,
        markers() {
            return groups.reduce((n, g) => n + g.getLayers().filter(l => l instanceof L.CircleMarker).length, 0);
        },
        reach: groups.map(g => g.getLayers().find(l => l instanceof GeoplanReach)).find(Boolean),
        group(l) { return groups.find(g => g.hasLayer(l)); },
        /* alpha (0-255) of the catchment canvas where [lon, lat] is on screen */
        alpha(lon, lat) {
            const c = document.querySelector("canvas.gp-reach"), r = window.devicePixelRatio || 1;
            const p = map.latLngToContainerPoint([lat, lon]);
            return c.getContext("2d").getImageData(Math.round(p.x * r), Math.round(p.y * r), 1, 1).data[3];
        },
    };
}
"""

#: Opens the west village's popup (its centre is under an uncovered settlement's marker, so no mouse click).
OPEN_WEST = """(() => {
    const villages = window[Object.keys(window).find(k => k.startsWith("village_shapes_"))];
    const west = villages.getLayers().find(l => l.feature.properties.name === "西村");
    west.fire("click", {latlng: west.getBounds().getNorthWest()}, true);
})()"""


def _ll(x: float, y: float) -> tuple[float, float]:
    """Metres from the fixture's origin → [lon, lat]."""
    return _to_wgs84.transform(X0 + x, Y0 + y)


@pytest.fixture
def results(tiny_frames):
    standards = load_standards().model_copy(update={"min_assessed_weight": 0.4})
    return analyse(tiny_frames, standards, "baseline"), analyse(tiny_frames, standards, "plan")


def _open(browser, path: Path) -> Offline:
    view = Offline(browser, "file://")
    view.page.goto(path.as_uri())
    view.page.wait_for_load_state("load")
    view.page.evaluate(SETUP)
    return view


def test_catchments_are_drawn_at_their_radius_as_one_union(browser, tiny_frames, results, tmp_path: Path) -> None:
    out = save_map(build_gap_map(tiny_frames, *results), tmp_path / "gaps.html", require_assets())
    view = _open(browser, out)
    page = view.page
    page.evaluate("gp.map.addLayer(gp.group(gp.reach))")  # the catchment layer starts hidden
    page.select_option("#gp-measure", "clinic")
    # The clinic at (400, 400) m, 2 km: inside at 1.9 km east, outside at 2.1 km; filled at the fill's 12 %.
    cx, cy = 400, 400
    page.evaluate(f"gp.map.setView([{_ll(cx, cy)[1]}, {_ll(cx, cy)[0]}], 13, {{animate: false}})")
    inside = [page.evaluate(f"gp.alpha({lon}, {lat})") for lon, lat in (_ll(cx, cy), _ll(cx + 1900, cy))]
    assert inside == [31, 31]  # round(0.12 * 255)
    assert page.evaluate("gp.alpha({}, {})".format(*_ll(cx + 2100, cy))) == 0
    assert page.evaluate("gp.alpha({}, {})".format(*_ll(cx, cy - 2100))) == 0
    # Roads within 100 m, with the plan: the planned road (y = 500, x 2–3 km) crosses the one under construction
    # (x = 2.5 km): where both bands overlap the fill is no darker than where one band lies alone.
    page.locator("input[name=gp-scenario][value=plan]").check()
    page.select_option("#gp-measure", "road_access_100m")
    page.evaluate("gp.map.setView([{1}, {0}], 17, {{animate: false}})".format(*_ll(2500, 500)))
    both, one, neither = (page.evaluate("gp.alpha({}, {})".format(*_ll(x, y))) for x, y in
                          ((2500, 500), (2500, 650), (2650, 650)))  # fmt: skip
    assert both == one == 31 and neither == 0
    # Baseline: neither road exists yet, so no band crosses x = 2.5 km there.
    page.locator("input[name=gp-scenario][value=baseline]").check()
    assert page.evaluate("gp.alpha({}, {})".format(*_ll(2500, 650))) == 0
    # The composite has no catchment: nothing drawn.
    page.select_option("#gp-measure", "composite")
    assert page.evaluate("gp.reach.drawn") == 0 or page.evaluate("gp.alpha({}, {})".format(*_ll(2500, 500))) == 0
    assert view.errors == [] and view.failed == []
    page.close()


def test_many_uncovered_households_show_from_their_zoom_near_the_view(
    browser, tiny_frames, results, tmp_path: Path
) -> None:
    m = build_gap_map(tiny_frames, *results, with_catchments=False, uncovered_detail_above=0)
    view = _open(browser, save_map(m, tmp_path / "gaps.html", require_assets()))
    page = view.page
    assert "放大到14级显示" in page.locator("#gp-gap-legend").inner_text()
    page.select_option("#gp-measure", "tap_water")  # the west village's two settlements fail it
    page.evaluate("gp.map.setZoom(13, {animate: false})")
    assert page.evaluate("gp.markers()") == 0
    page.evaluate("gp.map.setView([{1}, {0}], 16, {{animate: false}})".format(*_ll(2500, 500)))
    assert page.evaluate("gp.markers()") == 2
    page.evaluate("gp.map.setView([{1}, {0}], 16, {{animate: false}})".format(*_ll(-3000, 500)))
    assert page.evaluate("gp.markers()") == 0  # far from them: none drawn
    assert view.errors == [] and view.failed == []
    page.close()


def test_village_popup_lists_its_indicators_from_the_page_data(browser, tiny_frames, results, tmp_path: Path) -> None:
    out = save_map(build_gap_map(tiny_frames, *results), tmp_path / "gaps.html", require_assets())
    view = _open(browser, out)
    page = view.page
    page.evaluate(OPEN_WEST)
    popup = page.locator(".gp-popup")
    popup.wait_for()
    assert "西村 · 现状" in popup.locator("h4").inner_text()
    row = popup.locator("tr", has_text="自来水普及率").inner_text().split("\t")
    assert row[0] == "自来水普及率" and row[3] == "未达标" and row[1].endswith("%")
    assert view.errors == [] and view.failed == []
    page.close()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    data = tmp_path / "data"
    data.mkdir()
    fill_store(LayerStore(data))
    with live_server(create_app(Settings(data_dir=data))) as base:
        yield base


def test_served_map_fetches_tables_and_catchments_when_first_wanted(browser, server: str) -> None:
    view = Offline(browser, server)
    page = view.page
    page.goto(f"{server}/maps/gaps?basemap=none")
    page.wait_for_load_state("networkidle")
    page.evaluate(SETUP)
    fetched = lambda: [u.split("/maps/gaps/")[1] for u in view.requested if "/maps/gaps/" in u]  # noqa: E731
    assert fetched() == []  # the page carries neither the tables nor the catchments
    page.evaluate(OPEN_WEST)
    page.locator(".gp-popup tr", has_text="自来水普及率").wait_for()
    assert "未达标" in page.locator(".gp-popup tr", has_text="自来水普及率").inner_text()
    assert fetched() == ["tables.json"]
    page.evaluate("gp.map.closePopup()")
    page.evaluate(OPEN_WEST)  # asked once: the second popup is drawn from what arrived
    page.locator(".gp-popup tr", has_text="自来水普及率").wait_for()
    page.select_option("#gp-measure", "clinic")
    page.evaluate("gp.map.addLayer(gp.group(gp.reach))")
    page.evaluate("gp.map.setView([{1}, {0}], 13, {{animate: false}})".format(*_ll(400, 400)))
    deadline = time.monotonic() + 30
    while page.evaluate("gp.alpha({}, {})".format(*_ll(400, 400))) != 31:
        assert time.monotonic() < deadline, "the clinic's catchment was never drawn"
        page.wait_for_timeout(100)
    assert fetched() == ["tables.json", "catchments.json"]
    assert view.errors == [] and view.failed == []
    page.close()


def test_served_map_with_many_uncovered_fetches_them_by_bounding_box(browser, server: str, monkeypatch) -> None:
    monkeypatch.setattr("geoplan.maps.gap.UNCOVERED_DETAIL_ABOVE", 0)  # the tiny township's 4 count as many
    view = Offline(browser, server)
    page = view.page
    page.goto(f"{server}/maps/gaps?basemap=none")
    page.wait_for_load_state("networkidle")
    page.evaluate(SETUP)
    asked = lambda: [u for u in view.requested if "/maps/gaps/uncovered.json" in u]  # noqa: E731
    assert "西村二组" not in page.content()  # the page carries no uncovered settlement
    assert page.evaluate("gp.map.getZoom()") >= 14 and len(asked()) == 1 and "bbox=" in asked()[0]
    page.select_option("#gp-measure", "tap_water")  # the west village's two settlements fail it
    page.evaluate("gp.map.setZoom(13, {animate: false})")
    assert page.evaluate("gp.markers()") == 0  # below zoom 14: none drawn
    page.evaluate("gp.map.setView([{1}, {0}], 16, {{animate: false}})".format(*_ll(2500, 500)))
    deadline = time.monotonic() + 30
    while page.evaluate("gp.markers()") != 2:
        assert time.monotonic() < deadline, "the uncovered settlements never came"
        page.wait_for_timeout(100)
    n = len(asked())
    page.select_option("#gp-measure", "settlement_hardened_road")  # same view: drawn from what arrived
    assert page.evaluate("gp.markers()") == 1 and len(asked()) == n
    page.evaluate("gp.map.setView([{1}, {0}], 16, {{animate: false}})".format(*_ll(-4000, 500)))
    page.wait_for_load_state("networkidle")
    assert page.evaluate("gp.markers()") == 0 and len(asked()) == n + 1  # a new view far away: asked again
    assert view.errors == [] and view.failed == []
    page.close()
