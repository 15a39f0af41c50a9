"""Presentation tier: interactive Folium maps of the township, built pure (``build_*`` → ``folium.Map``).

Saving to files (:mod:`geoplan.maps.save`) and serving live (``geoplan.api.routes.maps``) are separate steps;
both make the map load every script, stylesheet and icon from geoplan itself (:mod:`geoplan.maps.assets`).
"""

from geoplan.maps.basemaps import BASEMAPS
from geoplan.maps.layers import Display
from geoplan.maps.overview import build_overview_map

__all__ = ["BASEMAPS", "Display", "build_overview_map"]
