"""The township overview map: every layer as its own group, styled from the catalogue, with legend and scale."""

from __future__ import annotations

from collections.abc import Mapping

import folium
import geopandas as gpd

from geoplan.layers.catalogue import Catalogue, Lang, default_catalogue
from geoplan.maps.basemaps import add_basemaps
from geoplan.maps.labels import text
from geoplan.maps.layers import DEFAULT_DISPLAY, Display, add_layers, data_bounds
from geoplan.maps.page import Legend, MetricScale, PageSupport


def new_map(bounds: list[list[float]] | None, *, lang: Lang = "zh", title: str | None = None) -> folium.Map:
    """An empty map with a metric scale bar, fitted to ``bounds`` (basemaps are added separately)."""
    center = [(bounds[0][0] + bounds[1][0]) / 2, (bounds[0][1] + bounds[1][1]) / 2] if bounds else [30.0, 111.0]
    # A maximum zoom of its own: with no basemap the map has none, and marker clustering refuses to start.
    m = folium.Map(location=center, zoom_start=12, tiles=None, maxZoom=19)
    MetricScale().add_to(m)
    if bounds:
        # Not animated: Leaflet ignores any setView while a zoom animation runs, so an animated fit from the start
        # zoom would swallow the planner's (or a test's) first zoom or pan in the page's first quarter second.
        fit = folium.map.FitBounds(bounds)
        fit.options["animate"] = False
        m.add_child(fit)
    PageSupport(lang, title).add_to(m)
    return m


def build_overview_map(
    frames: Mapping[str, gpd.GeoDataFrame],
    catalogue: Catalogue | None = None,
    *,
    basemap: str = "none",
    lang: Lang = "zh",
    tianditu_key: str | None = None,
    display: Display = DEFAULT_DISPLAY,
) -> folium.Map:
    """Overview of the township from ``LayerStore.frames()``: layer control, legend, village names, scale bar."""
    catalogue = catalogue or default_catalogue()
    m = new_map(data_bounds(frames.values()), lang=lang, title=f"{text('title_overview', lang)} · geoplan")
    add_basemaps(m, basemap, tianditu_key=tianditu_key, lang=lang)
    legend = add_layers(m, catalogue, frames, lang=lang, display=display)
    Legend(legend, lang=lang).add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    return m
