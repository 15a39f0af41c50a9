"""Served maps and reports cached by data version: ETag and 304, a write shows in the next load, bounded cache."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from geoplan.api import create_app
from geoplan.api.pagecache import Page, PageCache, _matches
from geoplan.config import Settings
from geoplan.layers import LayerStore
from tests.api.conftest import PLANNER

PAGES = ["/maps/gaps", "/maps/overview", "/maps/villages/420000000002", "/reports/gaps", "/reports/gaps?format=xlsx"]


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """How often each page was actually built (not served from the cache)."""
    import geoplan.api.routes.maps as maps_routes
    import geoplan.reports.html as html

    builds = {"gaps": 0, "report": 0}
    gaps, render = maps_routes.TownshipMaps.gaps, html.render_html

    def count_gaps(self):  # type: ignore[no-untyped-def]
        builds["gaps"] += 1
        return gaps(self)

    def count_render(*args, **kwargs):  # type: ignore[no-untyped-def]
        builds["report"] += 1
        return render(*args, **kwargs)

    monkeypatch.setattr(maps_routes.TownshipMaps, "gaps", count_gaps)
    monkeypatch.setattr(html, "render_html", count_render)
    return builds


@pytest.mark.parametrize("path", PAGES)
def test_etag_and_304(client: TestClient, path: str) -> None:
    first = client.get(path)
    assert first.status_code == 200
    etag = first.headers["etag"]
    assert etag.startswith('W/"') and first.headers["cache-control"] == "private, no-cache"
    again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    # a list naming it, or its strong form, matches too; another tag does not
    assert client.get(path, headers={"If-None-Match": f'"other", {etag[2:]}'}).status_code == 304
    assert client.get(path, headers={"If-None-Match": 'W/"other"'}).status_code == 200


def test_a_page_is_built_once_per_data_version(client: TestClient, counted: dict[str, int]) -> None:
    a, b = client.get("/maps/gaps"), client.get("/maps/gaps")
    assert a.content == b.content and counted["gaps"] == 1
    a, b = client.get("/reports/gaps?format=html"), client.get("/reports/gaps?scenario=baseline&format=html")
    assert a.content == b.content and counted["report"] == 1  # same query in another order and spelling
    en = client.get("/reports/gaps?format=html&lang=en")
    assert en.headers["etag"] != a.headers["etag"] and counted["report"] == 2 and "Village infrastructure" in en.text


def test_a_write_through_the_api_shows_in_the_next_page_load(client: TestClient, counted: dict[str, int]) -> None:
    gaps, report = client.get("/maps/gaps"), client.get("/reports/gaps")
    assert "村2" in gaps.text and "村2" in report.text
    r = client.patch("/collections/villages/items/village-2", json={"properties": {"name": "新村名"}}, headers=PLANNER)
    assert r.status_code == 200, r.text
    for path, before in (("/maps/gaps", gaps), ("/reports/gaps", report)):
        after = client.get(path, headers={"If-None-Match": before.headers["etag"]})
        assert after.status_code == 200 and after.headers["etag"] != before.headers["etag"]
        assert "新村名" in after.text and "村2" not in after.text.replace("村20", "")
    assert counted == {"gaps": 2, "report": 2}


def test_a_write_by_another_process_shows_too(client: TestClient, grid_dir: Path) -> None:
    before = client.get("/maps/overview")
    assert "外部新路" not in before.text
    code = (
        "import sys; from pathlib import Path; from geoplan.layers import LayerStore\n"
        "LayerStore(Path(sys.argv[1])).insert('roads', {'type': 'Feature', 'properties': {'name': '外部新路',"
        " 'status': 'planned', 'road_class': 'village', 'surface': 'paved'}, 'geometry': {'type': 'LineString',"
        " 'coordinates': [[111.0, 30.001], [111.01, 30.001]]}})"
    )
    subprocess.run([sys.executable, "-c", code, str(grid_dir)], check=True, timeout=120)
    after = client.get("/maps/overview", headers={"If-None-Match": before.headers["etag"]})
    assert after.status_code == 200 and "外部新路" in after.text


def test_served_report_loads_its_scripts_from_the_api(client: TestClient) -> None:
    page = client.get("/reports/gaps").text
    assert '<script src="/static/reports/echarts.min.js" defer></script>' in page
    assert '<script src="/static/reports/report.js" defer></script>' in page
    js = client.get("/static/reports/report.js")
    assert js.status_code == 200 and js.headers["content-type"].startswith("text/javascript")
    assert "registerMap" in js.text
    echarts = client.get("/static/reports/echarts.min.js")
    assert echarts.status_code == 200 and len(echarts.content) > 500_000
    assert client.get("/static/reports/../../pyproject.toml").status_code == 404
    assert client.get("/static/reports/secret.js").status_code == 404


def test_bad_requests_are_not_cached_as_pages(client: TestClient) -> None:
    assert client.get("/reports/gaps?format=docx").status_code == 400
    assert client.get("/maps/villages/000000000000").status_code == 404
    assert client.get("/maps/villages/000000000000").status_code == 404
    assert len(client.app.state.pages) == 0  # type: ignore[attr-defined]


def test_cache_is_bounded_and_drops_older_data_versions() -> None:
    cache = PageCache(max_entries=2, max_bytes=10)
    for key in "abc":
        cache.put(key, "v1", Page(b"xx", "text/plain"))
    assert cache.get("a", "v1") is None and cache.get("c", "v1") is not None and len(cache) == 2
    cache.get("b", "v1")  # b used last: c goes first
    cache.put("d", "v1", Page(b"xxxxxxxx", "text/plain"))  # 2 + 8 bytes: over the 10-byte bound with c
    assert cache.get("c", "v1") is None and cache.get("b", "v1") is not None and cache.size <= 10
    cache.put("huge", "v1", Page(b"x" * 11, "text/plain"))
    assert cache.get("huge", "v1") is None
    assert cache.get("b", "v2") is None and len(cache) == 0 and cache.size == 0  # a newer version was seen
    built = []
    page = cache.get_or_build("e", "v2", lambda: built.append(1) or Page(b"e", "text/plain"))
    assert cache.get_or_build("e", "v2", lambda: built.append(1) or Page(b"?", "text/plain")) is page
    assert built == [1]


def test_if_none_match_comparison() -> None:
    assert _matches('W/"abc"', 'W/"abc"') and _matches('"abc"', 'W/"abc"') and _matches("*", 'W/"abc"')
    assert _matches('"x", W/"abc"', 'W/"abc"')
    assert not _matches(None, 'W/"abc"') and not _matches('"ab"', 'W/"abc"') and not _matches("", 'W/"abc"')


def test_read_token_still_required_for_a_304(grid_dir: Path) -> None:
    settings = Settings(data_dir=grid_dir, tokens_env="viewer:bob:VIEW", read_requires_token=True)
    with TestClient(create_app(settings)) as c:
        ok = c.get("/maps/gaps", headers={"Authorization": "Bearer VIEW"})
        assert ok.status_code == 200
        assert c.get("/maps/gaps", headers={"If-None-Match": ok.headers["etag"]}).status_code == 401


def test_store_writes_by_a_second_store_object_invalidate(client: TestClient, grid_dir: Path) -> None:
    before = client.get("/reports/gaps?format=json").json()
    LayerStore(grid_dir).patch("villages", "village-3", {"properties": {"name": "改名村"}})
    after = client.get("/reports/gaps?format=json").json()
    names = {v["village_name"] for v in after["villages"]}
    assert "改名村" in names and before != after
