"""Basemaps: none (works offline), OpenStreetMap, satellite imagery, and 天地图 when a key is configured.

Only basemap tiles ever come from outside; every other request a map makes is to geoplan itself.
"""

from __future__ import annotations

from typing import Literal

import folium

from geoplan.errors import GeoplanError
from geoplan.layers.catalogue import Lang
from geoplan.maps.labels import text
from geoplan.maps.page import TileFailureNotice

Basemap = Literal["none", "osm", "satellite", "tianditu"]
BASEMAPS: tuple[str, ...] = ("none", "osm", "satellite", "tianditu")

_TIANDITU = (
    "https://t{s}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER={layer}"
    "&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={{z}}&TILEROW={{y}}&TILECOL={{x}}&tk={key}"
)


def check_basemap(basemap: str, tianditu_key: str | None) -> Basemap:
    if basemap not in BASEMAPS:
        raise GeoplanError(f"unknown basemap {basemap!r}: choose one of {', '.join(BASEMAPS)}")
    if basemap == "tianditu" and not tianditu_key:
        raise GeoplanError("the 天地图 basemap needs a key: set GEOPLAN_TIANDITU_KEY")
    return basemap  # type: ignore[return-value]


def add_basemaps(m: folium.Map, chosen: str, *, tianditu_key: str | None = None, lang: Lang = "zh") -> None:
    """Every available basemap as a base layer of the layer control; ``chosen`` is shown first."""
    chosen = check_basemap(chosen, tianditu_key)
    layers: dict[str, folium.map.Layer] = {
        "none": folium.FeatureGroup(name=text("basemap_none", lang), overlay=False, control=True),
        "osm": folium.TileLayer("OpenStreetMap", name=text("basemap_osm", lang), max_zoom=19),
        "satellite": folium.TileLayer(
            tiles="https://server.arcgisonline.com/ArcGIS/rest/services/World_Imagery/MapServer/tile/{z}/{y}/{x}",
            attr="Esri, Maxar, Earthstar Geographics",
            name=text("basemap_satellite", lang),
            max_zoom=19,
        ),
    }
    if tianditu_key:
        # 天地图 is CGCS2000 (no GCJ-02 offset); vector tiles plus their annotation layer, shown together.
        vec = _TIANDITU.format(s="{s}", layer="vec", key=tianditu_key)
        layers["tianditu"] = folium.TileLayer(
            tiles=vec, attr="天地图 Tianditu", name=text("basemap_tianditu", lang), subdomains="01234567", max_zoom=18
        )
    for key in [chosen, *[k for k in layers if k != chosen]]:
        layer = layers[key]
        layer.show = key == chosen
        layer.add_to(m)
    TileFailureNotice(lang).add_to(m)
