"""What a planner sees, in headless Chromium with no internet: the served overview map, drawing and saving.

Every request not to the local server is aborted, as on a township intranet; only basemap tiles may fail.
"""

from __future__ import annotations

from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import pytest

from geoplan.api import create_app
from geoplan.config import Settings
from geoplan.layers import LayerStore
from geoplan.maps import build_overview_map
from geoplan.maps.save import save_map
from tests.maps.conftest import Offline, fill_store, live_server, require_assets

TOKEN = "planner-token-for-browser-tests"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "maps"

pytestmark = pytest.mark.browser


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, LayerStore]]:
    data = tmp_path / "data"
    data.mkdir()
    fill_store(LayerStore(data))
    # the tiny township's data carries 44 % of the indicator weight: rank from 40 % so its composite is coloured
    shipped = resources.files("geoplan.analysis").joinpath("standards.toml").read_text("utf-8")
    standards = tmp_path / "standards.toml"
    standards.write_text(shipped.replace("min_assessed_weight = 0.5", "min_assessed_weight = 0.4"), "utf-8")
    app = create_app(Settings(data_dir=data, tokens_env=f"planner:alice:{TOKEN}", standards_path=standards))
    with live_server(app) as base:
        yield base, LayerStore(data)


def _draw_line(page, points: list[tuple[int, int]]) -> None:
    page.locator(".leaflet-draw-draw-polyline").click()
    for x, y in points:
        page.mouse.click(x, y)
        page.wait_for_timeout(150)
    page.get_by_text("完成", exact=True).click()  # Leaflet.draw's toolbar speaks Chinese
    page.locator("#gp-edit-panel").wait_for(state="visible")


def sign_in(page, token: str = TOKEN) -> None:
    """The planner signs in once through the page's dialog (the token stays in sessionStorage)."""
    page.locator("#gp-signin").click()
    page.locator("#gp-signin-token").fill(token)
    page.locator("#gp-signin-ok").click()
    page.locator("#gp-whoami").wait_for()


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

    # Before signing in there are no editing tools; after, the toolbar appears.
    assert view.count(".leaflet-draw") == 0
    sign_in(page)
    assert view.count(".leaflet-draw-draw-polyline") == 1

    # A planner draws a road, fills the form generated from the catalogue, saves; the road joins the layer in place.
    page.evaluate("window.__still_this_page = true")
    _draw_line(page, [(560, 620), (760, 640)])
    panel = page.locator("#gp-edit-panel")
    panel.locator("#gp-edit-layer").select_option("roads")
    panel.locator("input[name=name]").fill("浏览器新绘村道")
    panel.locator("select[name=status]").select_option("planned")
    panel.locator("select[name=road_class]").select_option("village")
    panel.locator("select[name=surface]").select_option("paved")
    panel.locator("input[name=width_m]").fill("4.5")
    panel.locator("#gp-edit-save").click()
    panel.locator("#gp-edit-message", has_text="已保存").wait_for()
    assert page.evaluate("window.__still_this_page") is True  # no reload
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
    page.keyboard.press("Escape")
    assert not panel.is_visible()

    # An invalid save (required road class missing, bad width) shows the API's problems beside the form.
    _draw_line(page, [(560, 700), (760, 720)])
    panel.locator("#gp-edit-layer").select_option("roads")
    panel.locator("input[name=name]").fill("缺等级的路")
    panel.locator("select[name=status]").select_option("planned")
    panel.locator("input[name=width_m]").fill("99")
    panel.locator("#gp-edit-save").click()
    message = page.locator("#gp-edit-message")
    message.locator("text=道路等级").wait_for()
    text = message.inner_text()
    assert "保存失败 (422)" in text and "道路等级" in text and "路面宽度" in text
    assert panel.locator('.gp-field-error[data-field="width_m"]').inner_text() != ""
    assert panel.locator("input[name=width_m]").get_attribute("aria-invalid") == "true"
    page.screenshot(path=str(ARTIFACTS / "overview-invalid-save.png"))
    assert len(store.frame("roads")) == 4

    # A token revoked mid-session (here: forgotten) gets the API's 401, said in Chinese, with a way to sign in.
    page.evaluate("sessionStorage.removeItem('geoplan.token')")
    panel.locator("select[name=road_class]").select_option("village")
    panel.locator("select[name=surface]").select_option("paved")
    panel.locator("input[name=width_m]").fill("")
    panel.locator("#gp-edit-save").click()
    page.locator("#gp-edit-message", has_text="401").wait_for()
    assert "请先登录" in message.inner_text() and page.locator("#gp-edit-signin").count() == 1
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
    outside = [u for u in view.requested if not u.startswith(("file://", "data:"))]  # data: is the inline icon
    assert view.requested and outside == []  # nothing leaves the disk
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
    legend = page.locator("#gp-gap-legend").inner_text()
    assert "未达标" in legend and "未覆盖的自然村/农户" in legend and "设施服务半径" in legend  # dots and circles too
    # Only the west village's settlement fails this indicator: one uncovered marker.
    assert view.count("path.leaflet-interactive[stroke='#b2182b']") == 1
    page.locator("input[name=gp-scenario][value=plan]").check()
    assert page.evaluate(fills) == ["#1a9850", "#1a9850", "#1a9850"]
    assert view.count("path.leaflet-interactive[stroke='#b2182b']") == 0
    page.screenshot(path=str(ARTIFACTS / "gaps.png"))
    assert view.errors == []
    page.close()


# ---------------------------------------------------------------------------- editing existing features

MAP = "window[document.querySelector('.folium-map').id]"


def _view_of(page) -> tuple[float, float, int]:
    return tuple(page.evaluate(f"(() => {{ const c = {MAP}.getCenter(); return [c.lat, c.lng, {MAP}.getZoom()]; }})()"))


def _open_signed_in(browser, base: str, path: str = "/maps/overview") -> Offline:
    view = Offline(browser, base)
    view.page.goto(base + path)
    view.page.wait_for_load_state("networkidle")
    sign_in(view.page)
    return view


def _marker(page, name: str):
    """The icon marker of the facility called ``name`` (found through the layer's data, clicked like a person)."""
    return page.locator(".gp-marker-facilities").nth(
        page.evaluate(
            """name => { const e = window.geoplanLayers.find(x => x.name === "facilities");
                const icons = Array.from(document.querySelectorAll(".gp-marker-facilities"));
                let found = -1;
                e.geo.eachLayer(l => { if (l.feature.properties.name === name) found = icons.indexOf(l._icon); });
                return found; }""",
            name,
        )
    )


def _feature_file(store: LayerStore, layer: str, fid: str) -> dict:
    """The feature as written in the layer file (read from disk, not through the API)."""
    import json

    data = json.loads(store.path(layer).read_text(encoding="utf-8"))
    return next(f for f in data["features"] if f["id"] == fid)


def _fid(store: LayerStore, layer: str, name: str) -> str:
    frame = store.frame(layer)
    return str(frame.loc[frame["name"] == name, "id"].iloc[0])


def test_select_edit_attribute_save_in_place_keeps_the_view_and_undo(browser, server) -> None:
    import httpx

    base, store = server
    view = _open_signed_in(browser, base)
    page = view.page
    fid = _fid(store, "facilities", "中村公厕")
    assert _feature_file(store, "facilities", fid)["properties"]["version"] == 1
    page.evaluate(f"{MAP}.setView([30.0046, 111.0155], 16)")  # the planner zoomed in: the save must keep it
    before = _view_of(page)
    page.evaluate("window.__still_this_page = true")

    _marker(page, "中村公厕").click()
    panel = page.locator("#gp-edit-panel")
    panel.locator("select[name=status]").wait_for()
    # Focus goes into the form; the form comes from the catalogue, filled with the feature's values.
    assert page.evaluate("document.getElementById('gp-edit-panel').contains(document.activeElement)")
    assert panel.locator("select[name=status]").input_value() == "under_construction"
    assert panel.locator("select[name=kind]").input_value() == "public_toilet"
    panel.locator("select[name=status]").select_option("completed")
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.method) if "/items/" in r.url and r.method != "GET" else None)
    panel.locator("#gp-edit-save").dblclick()  # an impatient double click saves once
    panel.locator("#gp-edit-message", has_text="已保存").wait_for()
    page.wait_for_timeout(300)
    assert posts == ["PUT"]
    assert "版本 2" in panel.locator("#gp-edit-message").inner_text()

    api = httpx.get(f"{base}/collections/facilities/items/{fid}").json()
    assert (api["properties"]["status"], api["properties"]["version"]) == ("completed", 2)
    on_disk = _feature_file(store, "facilities", fid)["properties"]
    assert (on_disk["status"], on_disk["version"], on_disk["name"]) == ("completed", 2, "中村公厕")
    # In place: same page, same view, the marker restyled from the catalogue (completed = solid icon).
    assert page.evaluate("window.__still_this_page") is True
    assert _view_of(page) == pytest.approx(before)
    assert view.count(".gp-marker-facilities") == 3
    assert "gp-st-completed" in _marker(page, "中村公厕").inner_html()

    # The save is undoable from the page (the change log's undo): status back, as a new version.
    panel.locator("#gp-edit-undo").click()
    panel.locator("#gp-edit-message", has_text="已撤销").wait_for()
    api = httpx.get(f"{base}/collections/facilities/items/{fid}").json()
    assert (api["properties"]["status"], api["properties"]["version"]) == ("under_construction", 3)
    assert panel.locator("select[name=status]").input_value() == "under_construction"
    page.screenshot(path=str(ARTIFACTS / "edit-attribute-saved.png"))
    page.keyboard.press("Escape")  # Esc closes the panel
    assert not panel.is_visible()
    assert view.errors == [] and view.failed == []
    page.close()


def test_move_a_vertex_and_drag_a_point(browser, server) -> None:
    base, store = server
    view = _open_signed_in(browser, base)
    page = view.page
    fid = _fid(store, "roads", "东中村道")  # existing (a solid line; dotted ones are hit only on their dots)
    old = store.get("roads", fid)["geometry"]["coordinates"]
    road = page.evaluate(
        """fid => { const e = window.geoplanLayers.find(x => x.name === "roads"); let p = null;
            e.geo.eachLayer(l => { if (l.feature.properties._id === fid) p = l; });
            const m = window[document.querySelector('.folium-map').id];
            const a = m.latLngToContainerPoint(p.getLatLngs()[0]), b = m.latLngToContainerPoint(p.getLatLngs()[1]);
            return [a.x, a.y, b.x, b.y]; }""",
        fid,
    )
    box = page.locator(".folium-map").bounding_box()
    # An eighth of the way along (settlements sit on it at a quarter and three quarters).
    mid = (box["x"] + (7 * road[0] + road[2]) / 8, box["y"] + (7 * road[1] + road[3]) / 8)
    page.mouse.click(*mid)
    panel = page.locator("#gp-edit-panel")
    panel.locator("#gp-edit-geometry").click()
    handles = page.locator(".leaflet-editing-icon")
    assert handles.count() >= 2
    # Drag the road's first vertex 60 px up (north).
    start = (box["x"] + road[0], box["y"] + road[1])
    page.mouse.move(*start)
    page.mouse.down()
    page.mouse.move(start[0], start[1] - 30, steps=5)
    page.mouse.move(start[0], start[1] - 60, steps=5)
    page.mouse.up()
    dropped = page.evaluate(f"(() => {{ const ll = {MAP}.containerPointToLatLng([{road[0]}, {road[1] - 60}]); "
                            "return [ll.lng, ll.lat]; })()")  # fmt: skip
    panel.locator("#gp-edit-save").click()
    panel.locator("#gp-edit-message", has_text="已保存").wait_for()
    new = _feature_file(store, "roads", fid)
    assert new["properties"]["version"] == 2
    coords = new["geometry"]["coordinates"]
    assert coords[0] == pytest.approx(dropped, abs=2e-5)  # the moved vertex, where it was dropped
    assert coords[1] == pytest.approx(old[1], abs=1e-7)  # the other end did not move
    assert coords[0][1] > old[0][1] + 1e-4  # moved north
    assert view.count(".leaflet-editing-icon") == 0 and view.count("path.gp-layer-roads") == 3
    page.keyboard.press("Escape")

    # A point is dragged the same way.
    fid = _fid(store, "facilities", "东村卫生室")
    _marker(page, "东村卫生室").click()
    panel.locator("#gp-edit-geometry").click()
    marker = page.locator(".leaflet-marker-draggable").first
    mb = marker.bounding_box()
    page.mouse.move(mb["x"] + mb["width"] / 2, mb["y"] + mb["height"] / 2)
    page.mouse.down()
    page.mouse.move(mb["x"] + mb["width"] / 2 + 40, mb["y"] + mb["height"] / 2 + 20, steps=8)
    page.mouse.up()
    panel.locator("#gp-edit-save").click()
    panel.locator("#gp-edit-message", has_text="已保存").wait_for()
    moved = _feature_file(store, "facilities", fid)
    before = store.history("facilities", fid)[0].feature["geometry"]["coordinates"]
    assert moved["properties"]["version"] == 2
    assert moved["geometry"]["coordinates"][0] > before[0] and moved["geometry"]["coordinates"][1] < before[1]
    assert view.errors == [] and view.failed == []
    page.close()


def test_delete_and_undo_from_the_page(browser, server) -> None:
    import httpx

    base, store = server
    view = _open_signed_in(browser, base)
    page = view.page
    fid = _fid(store, "facilities", "中心幼儿园")
    _marker(page, "中心幼儿园").click()
    panel = page.locator("#gp-edit-panel")
    panel.locator("#gp-edit-delete").click()
    assert panel.locator("#gp-edit-delete").inner_text() == "确认删除?"  # asks once, in the page
    assert len(store.frame("facilities")) == 3
    panel.locator("#gp-edit-delete").click()
    panel.locator("#gp-edit-message", has_text="已删除").wait_for()
    assert view.count(".gp-marker-facilities") == 2
    assert httpx.get(f"{base}/collections/facilities/items/{fid}").status_code == 404
    assert fid not in set(store.frame("facilities")["id"])
    panel.locator("#gp-edit-undo").click()
    panel.locator("#gp-edit-message", has_text="已撤销").wait_for()
    assert view.count(".gp-marker-facilities") == 3
    assert httpx.get(f"{base}/collections/facilities/items/{fid}").json()["properties"]["name"] == "中心幼儿园"
    assert view.errors == [] and view.failed == []
    page.close()


def test_stale_edit_from_a_second_page_says_who_changed_it_and_reloads_that_feature(browser, server) -> None:
    base, store = server
    first = _open_signed_in(browser, base)
    second = _open_signed_in(browser, base)
    fid = _fid(store, "facilities", "东村卫生室")
    for view in (first, second):
        _marker(view.page, "东村卫生室").click()
        view.page.locator("#gp-edit-panel select[name=status]").wait_for()
    # The second page saves first.
    p2 = second.page.locator("#gp-edit-panel")
    p2.locator("input[name=name]").fill("东村卫生室(新址)")
    p2.locator("#gp-edit-save").click()
    p2.locator("#gp-edit-message", has_text="已保存").wait_for()
    # The first page still holds version 1: its save is refused, and it says who changed the feature and when.
    p1 = first.page.locator("#gp-edit-panel")
    p1.locator("select[name=status]").select_option("completed")
    p1.locator("#gp-edit-save").click()
    p1.locator("#gp-edit-message", has_text="alice").wait_for()
    text = p1.locator("#gp-edit-message").inner_text()
    assert "已被 alice" in text and "当前版本 2" in text and "未保存" in text
    assert store.get("facilities", fid)["properties"]["status"] == "existing"
    # Reloading that one feature brings the other page's name in; saving again works.
    p1.locator("#gp-edit-reload").click()
    p1.locator("#gp-edit-message", has_text="已加载最新版本").wait_for()
    assert p1.locator("input[name=name]").input_value() == "东村卫生室(新址)"
    p1.locator("select[name=status]").select_option("completed")
    p1.locator("#gp-edit-save").click()
    p1.locator("#gp-edit-message", has_text="已保存").wait_for()
    props = store.get("facilities", fid)["properties"]
    assert (props["name"], props["status"], props["version"]) == ("东村卫生室(新址)", "completed", 3)
    first.page.screenshot(path=str(ARTIFACTS / "edit-conflict-reloaded.png"))
    for view in (first, second):
        assert view.errors == [] and view.failed == []
        view.page.close()


def test_siting_warnings_show_in_the_form_without_blocking(browser, server) -> None:
    base, store = server
    view = _open_signed_in(browser, base)
    page = view.page
    # Draw a facility far outside the township (top left of the map): two warnings, saving still possible.
    page.locator(".leaflet-draw-draw-marker").click()
    page.mouse.click(300, 150)
    panel = page.locator("#gp-edit-panel")
    panel.wait_for(state="visible")
    panel.locator("#gp-edit-layer").select_option("facilities")
    panel.locator("#gp-edit-warnings li[data-code=far_from_road]").wait_for()
    codes = panel.locator("#gp-edit-warnings li").evaluate_all("ls => ls.map(l => l.dataset.code)")
    assert codes == ["outside_villages", "far_from_road"]
    assert "超过 500 米" in panel.locator("#gp-edit-warnings").inner_text()
    panel.locator("input[name=name]").fill("<b>村外</b>驿站")
    panel.locator("select[name=status]").select_option("planned")
    panel.locator("select[name=kind]").select_option("clinic")
    panel.locator("#gp-edit-save").click()
    panel.locator("#gp-edit-message", has_text="已保存").wait_for()
    assert "<b>村外</b>驿站" in set(store.frame("facilities")["name"])
    # The name is text everywhere: the panel heading shows the brackets, no <b> element was made.
    assert "<b>村外</b>驿站" in panel.locator("h4").inner_text()
    assert page.locator("#gp-edit-panel b").count() == 0
    page.screenshot(path=str(ARTIFACTS / "edit-siting-warnings.png"))
    assert view.errors == [] and view.failed == []
    page.close()


def test_viewer_sees_attributes_and_no_editing_tools(browser, server) -> None:
    base, _ = server
    view = Offline(browser, base)
    page = view.page
    page.goto(f"{base}/maps/overview")
    page.wait_for_load_state("networkidle")
    assert view.count(".leaflet-draw") == 0 and view.count("#gp-signin") == 1
    _marker(page, "东村卫生室").click()
    panel = page.locator("#gp-edit-panel")
    panel.locator("table.gp-attrs").wait_for()
    assert "卫生室" in panel.inner_text() and "现状" in panel.inner_text()
    assert panel.locator("#gp-edit-save").count() == 0 and panel.locator("input").count() == 0
    # A wrong token is refused in the dialog, in Chinese; nothing is kept.
    page.locator("#gp-signin").click()
    page.locator("#gp-signin-token").fill("wrong")
    page.locator("#gp-signin-ok").click()
    page.locator("#gp-signin-message", has_text="令牌无效").wait_for()
    assert page.evaluate("sessionStorage.getItem('geoplan.token')") is None
    page.keyboard.press("Escape")
    assert view.count("#gp-signin-dialog") == 0
    assert view.errors == [] and view.failed == []
    page.close()


def test_chinese_toolbar_and_one_sign_in_per_session(browser, server) -> None:
    base, _ = server
    view = _open_signed_in(browser, base)
    page = view.page
    assert page.locator(".leaflet-draw-draw-polyline").get_attribute("title") == "绘制线(道路、管网、线路)"
    assert page.locator(".leaflet-draw-draw-marker").get_attribute("title") == "绘制点(设施、水库等)"
    page.locator(".leaflet-draw-draw-polyline").click()
    actions = page.locator(".leaflet-draw-actions a:visible").all_inner_texts()
    assert actions == ["完成", "删除最后一点", "取消"]
    page.keyboard.press("Escape")
    # The token is in sessionStorage, never in a URL; another map of the same tab needs no second sign-in.
    assert TOKEN not in page.url
    page.goto(f"{base}/maps/villages/420500100201")
    page.wait_for_load_state("networkidle")
    page.locator("#gp-whoami").wait_for()
    assert view.count(".leaflet-draw-draw-polyline") == 1
    assert all(TOKEN not in u for u in view.requested)
    assert view.errors == [] and view.failed == []
    page.close()


# ---------------------------------------------------------------------------- offline, layout, phone width


@pytest.mark.parametrize("path", ["/maps/overview", "/maps/gaps", "/maps/villages/420500100203"])
def test_no_request_leaves_the_server_on_a_served_map(browser, server, path: str) -> None:
    base, _ = server
    view = Offline(browser, base)
    view.page.goto(base + path)  # the server's default basemap: none
    view.page.wait_for_load_state("networkidle")
    assert view.requested and [u for u in view.requested if not u.startswith((base + "/", "data:"))] == []
    assert view.failed == [] and view.errors == []
    lang = view.page.evaluate("document.documentElement.lang")
    assert lang == "zh-CN" and "geoplan" in view.page.title()
    assert view.page.locator("link[rel=icon]").count() == 1
    view.page.close()


def test_phone_width_map_gets_the_screen_and_panels_open_as_sheets(browser, server) -> None:
    base, store = server
    view = Offline(browser, base, viewport={"width": 390, "height": 844})
    page = view.page
    page.goto(f"{base}/maps/overview")
    page.wait_for_load_state("networkidle")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "phone-overview.png"))
    # Layers and legend start folded away: nothing covers the map but the small controls.
    assert not page.locator(".leaflet-control-layers").is_visible()
    assert not page.locator(".gp-legend").is_visible()
    page.locator("#gp-panels-toggle").click()
    layers = page.locator(".leaflet-control-layers").bounding_box()
    assert layers["width"] == pytest.approx(390, abs=1) and layers["y"] + layers["height"] == pytest.approx(844, abs=1)
    page.screenshot(path=str(ARTIFACTS / "phone-layers-sheet.png"))
    page.locator("#gp-panels-toggle").click()
    assert not page.locator(".leaflet-control-layers").is_visible()

    sign_in(page)
    _marker(page, "东村卫生室").click()
    sheet = page.locator("#gp-edit-panel")
    sheet.locator("select[name=status]").wait_for()
    box = sheet.bounding_box()
    assert box["width"] == pytest.approx(390, abs=1) and box["y"] + box["height"] == pytest.approx(844, abs=1)
    assert box["height"] <= 0.56 * 844  # the map keeps the upper half
    draw = page.locator(".leaflet-draw-toolbar").bounding_box()
    assert draw["y"] + draw["height"] < box["y"]  # the form does not cover the drawing tools
    page.screenshot(path=str(ARTIFACTS / "phone-edit-sheet.png"))
    for path, name in (("/maps/gaps", "phone-gaps.png"), ("/maps/villages/420500100201", "phone-village.png")):
        page.goto(base + path)
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(ARTIFACTS / name))
    assert view.errors == [] and view.failed == []
    page.close()


def test_selection_and_in_place_update_work_on_canvas_drawn_layers(browser, server, monkeypatch) -> None:
    import dataclasses

    import geoplan.api.routes.maps as live
    from geoplan.maps.layers import DEFAULT_DISPLAY, Display
    from geoplan.maps.township import TownshipMaps

    # Every line and area layer on the shared canvas, as on a county-scale map.
    def on_canvas(*args, display: Display = DEFAULT_DISPLAY, **kwargs) -> TownshipMaps:
        return TownshipMaps(*args, display=dataclasses.replace(display, canvas_above=0), **kwargs)

    monkeypatch.setattr(live, "TownshipMaps", on_canvas)
    base, store = server
    view = _open_signed_in(browser, base)
    page = view.page
    assert view.count("path.gp-layer-roads") == 0 and view.count("canvas") >= 1  # no SVG paths: canvas
    fid = _fid(store, "roads", "东中村道")
    x, y = page.evaluate(
        """fid => { const e = window.geoplanLayers.find(x => x.name === "roads"); let p = null;
            e.geo.eachLayer(l => { if (l.feature.properties._id === fid) p = l; });
            const m = window[document.querySelector('.folium-map').id], ll = p.getLatLngs();
            const a = m.latLngToContainerPoint(ll[0]), b = m.latLngToContainerPoint(ll[1]);
            return [(7 * a.x + b.x) / 8, (7 * a.y + b.y) / 8]; }""",
        fid,
    )
    page.mouse.click(x, y)
    panel = page.locator("#gp-edit-panel")
    panel.locator("select[name=status]").wait_for()
    assert panel.locator("input[name=name]").input_value() == "东中村道"
    panel.locator("select[name=surface]").select_option("gravel")
    panel.locator("#gp-edit-save").click()
    panel.locator("#gp-edit-message", has_text="已保存").wait_for()
    assert store.get("roads", fid)["properties"]["surface"] == "gravel"
    shown = page.evaluate(
        """fid => { const e = window.geoplanLayers.find(x => x.name === "roads"); const out = [];
            e.geo.eachLayer(l => { if (l.feature.properties._id === fid) out.push(
                [l.feature.properties.surface, l.options.renderer instanceof L.Canvas]); });
            return out; }""",
        fid,
    )
    assert shown == [["gravel", True]]  # replaced in place, still on the canvas
    assert view.errors == [] and view.failed == []


def test_gap_map_paints_the_unsurveyed_villages_grey(browser, county, tmp_path: Path) -> None:
    """100 villages, one surveyed: the other 99 are 未评估 (grey) on the composite and on a household indicator."""
    from geoplan.analysis import analyse, load_standards
    from geoplan.maps.gap import build_gap_map
    from tests.analysis.conftest import S_CODE

    frames = county.frames()
    standards = load_standards()
    base, plan = analyse(frames, standards), analyse(frames, standards, "plan")
    out = save_map(build_gap_map(frames, base, plan, with_catchments=False), tmp_path / "gaps.html", require_assets())
    view = Offline(browser, "file://")
    page = view.page
    page.goto(out.as_uri())
    page.wait_for_load_state("networkidle")
    fills = "Array.from(document.querySelectorAll('path.gp-layer-gap-villages')).map(p => p.getAttribute('fill'))"
    colours = page.evaluate(fills)
    assert len(colours) == 100 and colours.count("#bdbdbd") == 99
    assert colours[frames["villages"]["code"].tolist().index(S_CODE)] != "#bdbdbd"
    page.select_option("#gp-measure", "tap_water")
    assert page.evaluate(fills).count("#bdbdbd") == 99
    assert "未评估" in page.locator("#gp-gap-legend").inner_text()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "gaps-one-village-surveyed.png"))
    assert view.errors == []
    page.close()
