"""Offline assets: every CDN link folium declares is rewritten to a local copy, or the build fails."""

from __future__ import annotations

from pathlib import Path

import folium
import pytest
from folium.plugins import Draw, MarkerCluster

from geoplan.maps.assets import (
    LOCAL_ASSETS,
    MapAssetsMissing,
    MapAssetUnknown,
    copy_assets,
    external_assets,
    find_assets_dir,
    localise,
    vendor_file,
)


def test_localise_rewrites_every_folium_default_and_plugin_asset() -> None:
    m = folium.Map(tiles=None)
    MarkerCluster().add_to(m)
    Draw().add_to(m)
    localise(m, "/static/vendor")
    html = m.get_root().render()
    assert external_assets(html) == []
    assert '<script src="/static/vendor/leaflet/dist/leaflet.js"></script>' in html
    assert "/static/vendor/leaflet.markercluster/dist/leaflet.markercluster.js" in html
    assert "/static/vendor/leaflet-draw/dist/leaflet.draw.css" in html
    # glyphicons are not needed (icons are Font Awesome), so the link is dropped rather than fetched.
    assert "glyphicons" not in html


def test_without_localise_folium_would_fetch_from_cdns() -> None:
    html = folium.Map(tiles=None).get_root().render()
    assert any("cdn.jsdelivr.net" in url for url in external_assets(html))


def test_an_asset_without_local_copy_is_an_error_not_a_cdn_request() -> None:
    m = folium.Map(tiles=None)
    folium.plugins.MeasureControl().add_to(m)  # not vendored
    with pytest.raises(MapAssetUnknown, match="leaflet_measure"):
        localise(m, "vendor")


def test_external_assets_ignores_local_and_data_urls() -> None:
    html = (
        '<script src="vendor/a.js"></script><link rel="stylesheet" href="/static/b.css"/>'
        '<script src="//cdn.example/x.js"></script><link href="https://cdn.example/y.css" rel="stylesheet">'
    )
    assert external_assets(html) == ["//cdn.example/x.js", "https://cdn.example/y.css"]


def test_missing_assets_name_the_install_step(tmp_path: Path) -> None:
    with pytest.raises(MapAssetsMissing, match="npm ci"):
        find_assets_dir(tmp_path / "node_modules")
    with pytest.raises(MapAssetsMissing, match=str(tmp_path)):
        find_assets_dir(env={"GEOPLAN_ASSETS_DIR": str(tmp_path)})


def test_vendor_file_serves_only_declared_assets(assets_dir: Path) -> None:
    assert vendor_file(assets_dir, "leaflet/dist/leaflet.js") == (assets_dir / "leaflet/dist/leaflet.js").resolve()
    assert vendor_file(assets_dir, "leaflet/dist/images/layers.png") is not None
    assert vendor_file(assets_dir, "leaflet/package.json") is None
    assert vendor_file(assets_dir, "leaflet/dist/images/../../../jquery/dist/jquery.js") is None
    assert vendor_file(assets_dir, "leaflet/dist/leaflet-src.js") is None


def test_copy_assets_ships_every_linked_file_and_the_files_css_refers_to(assets_dir: Path, tmp_path: Path) -> None:
    written = copy_assets(assets_dir, tmp_path / "vendor")
    for asset in LOCAL_ASSETS.values():
        if asset is not None:
            assert (tmp_path / "vendor" / asset.relpath).is_file()
    assert (tmp_path / "vendor/font-awesome/fonts/fontawesome-webfont.woff2").is_file()
    assert (tmp_path / "vendor/leaflet/dist/images/marker-icon.png").is_file()
    assert all(p.suffix != ".map" for p in written)
