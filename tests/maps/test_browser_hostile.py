"""Names are hostile text: in headless Chromium a script-like village, settlement or project name shows as text in
every served page (labels, hover tooltips, popups, HTML views) and runs nothing; the pages break no CSP rule."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from geoplan.api import create_app
from geoplan.config import Settings
from geoplan.layers import LayerStore
from tests.maps.conftest import VILLAGE_CODES, Offline, live_server, tiny_features

pytestmark = pytest.mark.browser

#: Each would run script if inserted as HTML; each sets a global the test looks for.
HOSTILE = {
    "villages": "<img src=x onerror=\"window.__xss='village'\">",
    "settlements": "<svg onload=\"window.__xss='settlement'\"></svg>",
    "facilities": "<img src=y onerror=\"window.__xss='facility'\">",
    "roads": "<iframe srcdoc=\"<script>parent.__xss='road'</script>\"></iframe>",
}

CSP_WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + e.blockedURI);
});
"""


@pytest.fixture
def hostile_server(tmp_path: Path) -> Iterator[str]:
    data = tmp_path / "data"
    data.mkdir()
    store = LayerStore(data)
    for layer, features in tiny_features().items():
        for i, f in enumerate(features):
            if layer in HOSTILE:
                f["properties"]["name"] = f"{HOSTILE[layer]}{i}"
        store.insert_many(layer, features, actor="test")
    with live_server(create_app(Settings(data_dir=data))) as base:
        yield base


def _open(browser, url: str, base: str) -> Offline:
    view = Offline(browser, base)
    view.page.set_default_timeout(120_000)  # the gap map runs the analysis; shared CI machines are slow
    view.page.add_init_script(CSP_WATCH)
    view.console: list[str] = []
    view.page.on("console", lambda m: view.console.append(m.text))
    view.page.goto(url)
    view.page.wait_for_load_state("networkidle")
    return view


def _clean(view: Offline) -> None:
    page = view.page
    assert page.evaluate("window.__xss") is None
    assert page.locator("img[src=x], img[src=y], iframe, .leaflet-pane svg[onload]").count() == 0
    assert page.evaluate("window.__csp") == []
    assert [m for m in view.console if "Content Security Policy" in m] == []
    assert view.errors == []


def test_overview_shows_hostile_names_as_text(browser, hostile_server: str) -> None:
    view = _open(browser, f"{hostile_server}/maps/overview?basemap=none", hostile_server)
    page = view.page
    assert page.locator(".gp-label").all_inner_texts() == [f"{HOSTILE['villages']}{i}" for i in range(3)]
    page.locator(".gp-marker-facilities").first.hover()  # hover tooltip (page.js/LabelTooltip)
    page.locator(".leaflet-tooltip:not(.gp-label)").first.wait_for()
    assert page.locator(".leaflet-tooltip:not(.gp-label)").first.inner_text() == f"{HOSTILE['facilities']}0"
    page.locator(".gp-marker-facilities").first.click()  # the editor's side panel (attributes table)
    page.locator("#gp-edit-panel table.gp-attrs").wait_for()
    assert f"{HOSTILE['facilities']}0" in page.locator("#gp-edit-panel h4").inner_text()
    assert f"{HOSTILE['facilities']}0" in page.locator("#gp-edit-panel table.gp-attrs").inner_text()
    page.wait_for_timeout(200)
    _clean(view)
    view.page.close()


def test_gap_and_village_maps_show_hostile_names_as_text(browser, hostile_server: str) -> None:
    view = _open(browser, f"{hostile_server}/maps/gaps?basemap=none", hostile_server)
    page = view.page
    assert page.locator(".gp-label").all_inner_texts() == [f"{HOSTILE['villages']}{i}" for i in range(3)]
    page.select_option("#gp-measure", "settlement_hardened_road")
    uncovered = page.locator("path.leaflet-interactive[stroke='#b2182b']")
    uncovered.first.hover()  # the uncovered settlement's tooltip
    page.locator(".leaflet-tooltip:not(.gp-label)").first.wait_for()
    assert HOSTILE["settlements"] in page.locator(".leaflet-tooltip:not(.gp-label)").first.inner_text()
    page.locator("path.gp-layer-gap-villages").nth(1).click(force=True)  # the village popup
    page.locator(".gp-popup").wait_for()
    assert HOSTILE["villages"] in page.locator(".gp-popup h4").inner_text()
    page.wait_for_timeout(200)
    _clean(view)
    view.page.close()

    view = _open(browser, f"{hostile_server}/maps/villages/{VILLAGE_CODES[0]}?basemap=none", hostile_server)
    assert f"{HOSTILE['villages']}0" in view.page.locator("#gp-indicator-panel h4").inner_text()
    _clean(view)
    view.page.close()


def test_html_views_show_hostile_names_as_text(browser, hostile_server: str) -> None:
    for path in ("/collections/facilities/items?f=html", "/collections/villages/items?f=html", "/villages?f=html"):
        view = _open(browser, hostile_server + path, hostile_server)
        assert view.page.locator("body").inner_text().count("onerror") >= 1, path
        _clean(view)
        view.page.close()


def test_every_served_page_carries_a_csp_and_breaks_none_of_it(browser, hostile_server: str) -> None:
    pages = (
        "/maps/overview?basemap=none",
        "/maps/gaps?basemap=none",
        f"/maps/villages/{VILLAGE_CODES[1]}?basemap=none",
        "/reports/gaps?format=html",
        "/collections?f=html",
        "/collections/roads/items?f=html",
        "/?f=html",
    )
    for path in pages:
        view = Offline(browser, hostile_server)
        view.page.set_default_timeout(120_000)
        view.page.add_init_script(CSP_WATCH)
        view.console = []
        view.page.on("console", lambda m, v=view: v.console.append(m.text))
        response = view.page.goto(hostile_server + path)
        view.page.wait_for_load_state("networkidle")
        policy = response.headers.get("content-security-policy", "")
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy.split("script-src")[1], path
        assert "object-src 'none'" in policy, path
        assert view.page.evaluate("window.__csp") == [], path
        assert [m for m in view.console if "Content Security Policy" in m] == [], path
        assert view.errors == [] and view.non_tile_failures() == [], path
        view.page.close()


def test_the_policy_blocks_an_injected_event_handler(browser, hostile_server: str) -> None:
    """The net under the escaping: markup that did reach the DOM still cannot run its onerror."""
    view = _open(browser, f"{hostile_server}/maps/overview?basemap=none", hostile_server)
    view.page.evaluate("document.body.insertAdjacentHTML('beforeend', '<img src=x onerror=\"window.__xss=1\">')")
    view.page.wait_for_timeout(300)
    assert view.page.evaluate("window.__xss") is None
    assert any("script-src" in v for v in view.page.evaluate("window.__csp"))
    view.page.close()
