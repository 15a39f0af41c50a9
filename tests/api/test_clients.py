"""Real GIS clients against a live uvicorn: GDAL's OAPIF driver (pyogrio, ogrinfo/ogr2ogr), OWSLib, geopandas."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
from owslib.ogcapi.features import Features
from shapely.geometry import LineString, mapping

from geoplan.layers import LayerStore
from geoplan.layers.backend import Store
from tests.api.conftest import PLANNER, LiveServer, grid_box, lonlat

pytestmark = pytest.mark.client

OGR_MISSING = shutil.which("ogrinfo") is None or shutil.which("ogr2ogr") is None
if OGR_MISSING and os.environ.get("GEOPLAN_REQUIRE_OGR"):
    raise RuntimeError("GEOPLAN_REQUIRE_OGR is set but GDAL's ogrinfo/ogr2ogr are not installed")
needs_ogr = pytest.mark.skipif(OGR_MISSING, reason="GDAL command-line tools (gdal-bin) not installed")


@pytest.fixture(autouse=True)
def _isolate_owslib_headers():
    """OWSLib's API() updates the module-global REQUEST_HEADERS in place, so one client's token leaks into
    every later client in the process; restore it after each test so "no token" really means none."""
    import owslib.ogcapi

    saved = dict(owslib.ogcapi.REQUEST_HEADERS)
    yield
    owslib.ogcapi.REQUEST_HEADERS.clear()
    owslib.ogcapi.REQUEST_HEADERS.update(saved)


@pytest.fixture
def live_demo(demo_data_dir: Path):
    """The demo township (when present) — more features than one page, so paging is exercised."""
    if not any(demo_data_dir.glob("*.geojson")):
        pytest.skip("demo data not built yet")
    server = LiveServer(demo_data_dir)
    yield server, LayerStore(demo_data_dir)
    server.stop()


def test_gdal_via_pyogrio_reads_every_collection_following_paging(live_grid: LiveServer, grid_store: Store) -> None:
    store = grid_store
    source = f"OAPIF:{live_grid.url}"
    listed = {name for name, _ in pyogrio.list_layers(source)}
    assert listed == set(store.layer_names)
    for name in store.layer_names:
        # PAGE_SIZE=2 makes GDAL follow `next` links across several pages.
        frame = pyogrio.read_dataframe(source, layer=name, PAGE_SIZE=2)
        assert len(frame) == store.count(name), name
        if store.count(name):
            assert sorted(frame["id"]) == sorted(f["id"] for f in store.features(name))


def test_gdal_reads_the_demo_township_with_default_paging(live_demo) -> None:
    server, store = live_demo
    source = f"OAPIF:{server.url}"
    for name in store.layer_names:
        frame = pyogrio.read_dataframe(source, layer=name, PAGE_SIZE=25)
        assert len(frame) == store.count(name), name


@needs_ogr
def test_ogrinfo_and_ogr2ogr_list_and_read_every_feature(
    live_grid: LiveServer, grid_store: Store, tmp_path: Path
) -> None:
    store = grid_store
    out = subprocess.run(
        ["ogrinfo", "-ro", "-q", f"OAPIF:{live_grid.url}"], capture_output=True, text=True, check=True, timeout=120
    ).stdout
    listed = set(re.findall(r"^\d+: (\w+)", out, flags=re.M))
    assert listed == set(store.layer_names)
    for name in store.layer_names:
        target = tmp_path / f"{name}.geojson"
        subprocess.run(
            ["ogr2ogr", "-f", "GeoJSON", str(target), f"OAPIF:{live_grid.url}", name, "-oo", "PAGE_SIZE=2"],
            check=True,
            capture_output=True,
            timeout=120,
        )
        assert len(json.loads(target.read_text())["features"]) == store.count(name), name


def test_owslib_reads_collections_queryables_and_bbox_items(live_grid: LiveServer) -> None:
    api = Features(live_grid.url)
    names = {c["id"] for c in api.collections()["collections"]}
    assert {"villages", "roads", "facilities"} <= names
    queryables = api.collection_queryables("roads")["properties"]
    assert queryables["status"]["enum"][:2] == ["existing", "planned"]
    box = grid_box(1050, 400, 1950, 600)
    items = api.collection_items("roads", bbox=list(box))
    assert [f["id"] for f in items["features"]] == ["road-2"]


def test_owslib_creates_replaces_and_deletes_with_a_token(live_grid: LiveServer, grid_store: Store) -> None:
    api = Features(live_grid.url, headers=dict(PLANNER))
    road = {
        "type": "Feature",
        "id": "road-owslib",
        "geometry": mapping(lonlat(LineString([(1200, 800), (1800, 800)]))),
        "properties": {"name": "OWSLib路", "status": "planned", "road_class": "village", "surface": "paved"},
    }
    assert api.collection_item_create("roads", road)
    assert grid_store.get("roads", "road-owslib")["properties"]["village_code"] == "420000000002"
    road["properties"]["surface"] = "gravel"
    assert api.collection_item_update("roads", "road-owslib", road)
    assert grid_store.get("roads", "road-owslib")["properties"]["surface"] == "gravel"
    assert api.collection_item_delete("roads", "road-owslib")
    assert "road-owslib" not in {f["id"] for f in grid_store.features("roads")}
    assert {c.actor for c in grid_store.changes("roads")[-3:]} == {"alice"}


def test_owslib_write_without_token_fails(live_grid: LiveServer) -> None:
    api = Features(live_grid.url)
    with pytest.raises(RuntimeError, match="planner token"):
        api.collection_item_delete("roads", "road-1")


def test_geopandas_reads_an_items_url(live_grid: LiveServer, grid_store: Store) -> None:
    frame = gpd.read_file(f"{live_grid.url}/collections/settlements/items?limit=1000")
    assert len(frame) == grid_store.count("settlements")
    assert set(frame["name"]) == {f"组{i}-{j}" for i in (1, 2, 3) for j in (1, 2)}
    assert frame.crs.to_epsg() == 4326


def test_gdal_sees_every_catalogue_field_even_when_the_first_page_leaves_it_unset(
    live_grid: LiveServer, grid_store: Store
) -> None:
    store = grid_store
    info = pyogrio.read_info(f"OAPIF:{live_grid.url}", layer="facilities", PAGE_SIZE=1)
    first = store.features("facilities")[0]["properties"]
    unset = [n for n in store.spec("facilities").field_names if first.get(n) is None]
    assert unset  # the first feature really leaves fields unset
    assert set(store.spec("facilities").field_names) <= set(info["fields"])
