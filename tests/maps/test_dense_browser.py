"""County-scale drawing in headless Chromium: canvas for dense layers, labels by zoom without overlap, clustered
points, building footprints only once zoomed in — and nothing requested from anywhere but the page's own folder.

The fixture is a grid of 1 km villages near 111°E plus two long thin villages stacked 40 m apart: wide enough for
their names, so only the collision rule keeps their labels apart until the map is zoomed far in.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import geopandas as gpd
import orjson
import pytest
from shapely.geometry import Point, box

from geoplan.analysis import analyse, load_standards
from geoplan.api import create_app
from geoplan.config import Settings
from geoplan.layers import LayerStore
from geoplan.maps import Display, build_overview_map
from geoplan.maps.gap import build_gap_map
from geoplan.maps.save import save_map
from tests.maps.conftest import GK_111, X0, Y0, Offline, live_server, require_assets

pytestmark = pytest.mark.browser

GRID = 6
STRIPS = ("北条一村", "北条二村")


def _frame(prefix: str, rows: list[dict[str, Any]], geoms: list) -> gpd.GeoDataFrame:
    rows = [{"id": f"{prefix}-{i}", **r} for i, r in enumerate(rows)]
    return gpd.GeoDataFrame(rows, geometry=geoms, crs=GK_111).to_crs("EPSG:4326")


def county_frames(n_buildings: int = 400, n_facilities: int = 120) -> dict[str, gpd.GeoDataFrame]:
    cells = [(i % GRID, i // GRID) for i in range(GRID * GRID)]
    villages = [box(X0 + x * 1000, Y0 + y * 1000, X0 + (x + 1) * 1000, Y0 + (y + 1) * 1000) for x, y in cells]
    villages += [
        box(X0, Y0 + GRID * 1000 + 100, X0 + 3000, Y0 + GRID * 1000 + 140),
        box(X0, Y0 + GRID * 1000 + 140, X0 + 3000, Y0 + GRID * 1000 + 180),
    ]
    names = [f"第{i}村" for i in range(len(cells))] + list(STRIPS)
    codes = [f"4205001{i:05d}" for i in range(len(names))]
    # Footprints: 10 m squares, 25 m apart in rows of 40, inside the first village (south-west corner of the grid).
    houses = [box(X0 + 25 * (i % 40), Y0 + 25 * (i // 40), X0 + 25 * (i % 40) + 10,
                  Y0 + 25 * (i // 40) + 10) for i in range(n_buildings)]  # fmt: skip
    sites = [Point(X0 + 200 + (i % 12) * 450, Y0 + 300 + (i // 12) * 500) for i in range(n_facilities)]
    village_rows = [{"code": c, "name": n, "households": 100} for c, n in zip(codes, names, strict=True)]
    house_rows = [{"village_code": codes[0], "households": 1, "use": "residential"}] * n_buildings
    return {
        "villages": _frame("village", village_rows, villages),
        "buildings": _frame("building", house_rows, houses),
        "facilities": _frame(
            "facility",
            [{"name": f"卫生室{i}", "kind": "clinic", "status": "existing"} for i in range(n_facilities)],
            sites,
        ),
    }


JS_LAYERS = """
() => {
    const map = Object.keys(window).filter(k => k.startsWith("map_")).map(k => window[k])
        .find(v => v instanceof L.Map);
    const layers = Object.keys(window).filter(k => /^(themed_geo_json|village_shapes)_/.test(k)).map(k => window[k]);
    window.gp = {
        map,
        villages: layers.find(l => l.gpLabels),
        buildings: layers.find(l => l.gpMinZoom),
        zoom(z, ll) { ll ? map.setView(ll, z, {animate: false}) : map.setZoom(z, {animate: false}); },
        labels() {
            return Array.from(document.querySelectorAll(".gp-maplabel"))
                .filter(e => e.style.display !== "none")
                .map(e => { const r = e.getBoundingClientRect();
                            return {text: e.textContent, x1: r.left, y1: r.top, x2: r.right, y2: r.bottom}; });
        },
    };
    return map.getZoom();
}
"""


def _open(browser, html: Path) -> Offline:
    view = Offline(browser, "file://")
    view.page.goto(html.as_uri())
    view.page.wait_for_load_state("load")  # the map is built by then: its scripts run before the load event
    view.page.evaluate(JS_LAYERS)
    return view


def _overlaps(labels: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [
        (a["text"], b["text"])
        for i, a in enumerate(labels)
        for b in labels[i + 1 :]
        if a["x1"] < b["x2"] and b["x1"] < a["x2"] and a["y1"] < b["y2"] and b["y1"] < a["y2"]
    ]


@pytest.fixture(scope="module")
def county_map(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dense") / "overview.html"
    m = build_overview_map(county_frames(), display=Display(canvas_above=20, cluster_above=50))
    return save_map(m, out, require_assets())


def test_dense_layers_draw_on_one_canvas_and_points_cluster(browser, county_map: Path) -> None:
    view = _open(browser, county_map)
    page = view.page
    assert page.evaluate("gp.villages.options.renderer instanceof L.Canvas")
    assert view.count("path.gp-layer-villages") == 0  # no SVG path per village: they are pixels on the canvas
    assert view.count(".leaflet-overlay-pane canvas") == 1
    # 120 clinics become a handful of cluster bubbles, not 120 icons.
    assert 0 < view.count(".marker-cluster") < 40
    assert view.count(".gp-marker-facilities") < 120
    assert view.failed == [] and view.errors == []
    page.close()


def test_village_labels_appear_by_zoom_and_never_overlap(browser, county_map: Path) -> None:
    view = _open(browser, county_map)
    page = view.page
    label_zoom = page.evaluate("gp.villages.gpLabels.minZoom()")
    page.evaluate(f"gp.zoom({label_zoom - 1})")
    assert page.evaluate("gp.labels()") == []
    assert page.evaluate("gp.villages.gpLabels.shown") == 0
    seen: set[str] = set()
    for z in range(label_zoom, label_zoom + 5):
        page.evaluate(f"gp.zoom({z}, gp.map.getBounds().getCenter())")
        labels = page.evaluate("gp.labels()")
        assert labels, f"no label at zoom {z}"
        assert _overlaps(labels) == [], f"overlapping labels at zoom {z}"
        seen |= {lb["text"] for lb in labels}
        strips = [lb["text"] for lb in labels if lb["text"] in STRIPS]
        # The two stacked strips are 40 m apart: one name wins until 40 m is taller than a label.
        assert len(strips) <= 1 or z >= 16, strips
    # Zoomed onto the strips, both names show, one above the other.
    page.evaluate(f"gp.zoom(17, L.latLng({_strips_centre()}))")
    texts = [lb["text"] for lb in page.evaluate("gp.labels()")]
    assert set(STRIPS) <= set(texts)
    assert _overlaps(page.evaluate("gp.labels()")) == []
    # Names are text: no element was made from them.
    assert view.count(".gp-maplabel *") == 0
    assert view.failed == [] and view.errors == []
    page.close()


def _strips_centre() -> str:
    s = gpd.GeoSeries([Point(X0 + 1500, Y0 + GRID * 1000 + 140)], crs=GK_111).to_crs("EPSG:4326")
    return f"{s.iloc[0].y}, {s.iloc[0].x}"


def test_buildings_only_once_zoomed_in_and_only_near_the_view(browser, county_map: Path) -> None:
    view = _open(browser, county_map)
    page = view.page
    start = page.evaluate("gp.map.getZoom()")
    assert start < 15 and page.evaluate("gp.buildings.gpMinZoom") == 15
    assert page.evaluate("gp.map.hasLayer(gp.buildings)")  # toggled on in the layer control …
    assert page.evaluate("gp.buildings.getLayers().length") == 0  # … but nothing drawn at the start zoom
    first = gpd.GeoSeries([Point(X0 + 500, Y0 + 120)], crs=GK_111).to_crs("EPSG:4326").iloc[0]
    page.evaluate(f"gp.zoom(19, L.latLng({first.y}, {first.x}))")
    near = page.evaluate("gp.buildings.getLayers().length")
    assert 0 < near < 400  # those around the view, not all 400
    assert page.evaluate("gp.buildings.getLayers()[0].options.renderer instanceof L.Canvas")
    page.evaluate(f"gp.zoom(15, L.latLng({first.y}, {first.x}))")
    assert page.evaluate("gp.buildings.getLayers().length") == 400
    # A popup still opens on a footprint.
    page.evaluate("(l => void l.fire('click', {latlng: l.getCenter()}, true))(gp.buildings.getLayers()[0])")
    assert "农房" in page.locator(".gp-popup").inner_text()
    page.evaluate("gp.zoom(12)")
    assert page.evaluate("gp.buildings.getLayers().length") == 0
    assert view.failed == [] and view.errors == []
    page.close()


def test_gap_map_labels_and_canvas_at_county_scale(browser, tmp_path: Path) -> None:
    frames = county_frames(n_buildings=3, n_facilities=3)
    standards = load_standards()
    base, plan = analyse(frames, standards, "baseline"), analyse(frames, standards, "plan")
    m = build_gap_map(frames, base, plan, display=Display(canvas_above=20))
    view = _open(browser, save_map(m, tmp_path / "gaps.html", require_assets()))
    page = view.page
    assert page.evaluate("gp.villages.options.renderer instanceof L.Canvas")
    assert view.count("path.gp-layer-gap-villages") == 0
    label_zoom = page.evaluate("gp.villages.gpLabels.minZoom()")
    page.evaluate(f"gp.zoom({label_zoom - 1})")
    assert page.evaluate("gp.labels()") == []
    page.evaluate(f"gp.zoom({label_zoom + 1})")
    labels = page.evaluate("gp.labels()")
    assert labels and _overlaps(labels) == []
    page.select_option("#gp-measure", "settlement_hardened_road")  # the selector still restyles the canvas layer
    assert view.failed == [] and view.errors == []
    page.close()


@pytest.fixture
def county_server(tmp_path: Path) -> Iterator[str]:
    data = tmp_path / "data"
    data.mkdir()
    store = LayerStore(data)
    for layer, frame in county_frames(n_facilities=3).items():
        store.insert_many(layer, orjson.loads(frame.drop(columns="id").to_json())["features"], actor="test")
    with live_server(create_app(Settings(data_dir=data))) as base:
        yield base


def _until(page: Any, expression: str, seconds: float = 60.0) -> None:
    """Poll ``expression`` from Python: the pages' CSP forbids the string evaluation wait_for_function uses."""
    deadline = time.monotonic() + seconds
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"still false after {seconds} s: {expression}"
        page.wait_for_timeout(100)


def test_served_map_loads_buildings_by_bounding_box_as_the_planner_pans(browser, county_server: str) -> None:
    view = Offline(browser, county_server)
    page = view.page
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if "/collections/buildings/items" in r.url else None)
    page.goto(f"{county_server}/maps/overview?basemap=none")
    page.wait_for_load_state("load")
    page.evaluate(JS_LAYERS)
    assert page.evaluate("gp.map.getZoom()") < 15
    assert page.evaluate("gp.buildings.getLayers().length") == 0 and asked == []  # nothing embedded, nothing fetched
    first = gpd.GeoSeries([Point(X0 + 500, Y0 + 120)], crs=GK_111).to_crs("EPSG:4326").iloc[0]
    page.evaluate(f"gp.zoom(19, L.latLng({first.y}, {first.x}))")
    _until(page, "gp.buildings.getLayers().length > 0")
    near = page.evaluate("gp.buildings.getLayers().length")
    assert 0 < near < 400 and len(asked) == 1 and "bbox=" in asked[0]
    # Panning within what was fetched asks nothing; zooming out to 15 asks once more and shows all 400.
    page.evaluate("void gp.map.panBy([20, 0], {animate: false})")
    page.evaluate(f"gp.zoom(15, L.latLng({first.y}, {first.x}))")
    _until(page, "gp.buildings.getLayers().length === 400")
    assert len(asked) == 2
    page.evaluate("(l => void l.fire('click', {latlng: l.getCenter()}, true))(gp.buildings.getLayers()[0])")
    popup = page.locator(".gp-popup").inner_text()
    assert "农房" in popup and "住宅" in popup  # the enum's label, as embedded features show it
    page.evaluate("gp.zoom(12)")
    assert page.evaluate("gp.buildings.getLayers().length") == 0
    assert view.failed == [] and view.errors == []  # and every request went to 127.0.0.1 (others are aborted)
    page.close()
