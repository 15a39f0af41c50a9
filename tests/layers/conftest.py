"""Tiny hand-made layers for storage tests: two 1 km × 1 km villages side by side (at 30°N, 109°E)."""

from __future__ import annotations

from typing import Any

import pytest

from geoplan.layers import LayerStore

# 1 km in degrees at 30°N: latitude 1/110.852 km, longitude 1/96.486 km (WGS84 ellipsoid, to < 0.1 %).
DLAT = 1 / 110.852
DLON = 1 / 96.486
LON0, LAT0 = 109.0, 30.0


def square(col: int, row: int = 0) -> dict[str, Any]:
    """The 1 km grid cell (col, row) as a GeoJSON polygon."""
    x0, y0 = LON0 + col * DLON, LAT0 + row * DLAT
    x1, y1 = x0 + DLON, y0 + DLAT
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}


def village(code: str, name: str, col: int) -> dict[str, Any]:
    return {"type": "Feature", "id": code, "geometry": square(col), "properties": {"code": code, "name": name}}


def road(name: str = "村道", coords: list[list[float]] | None = None, **props: Any) -> dict[str, Any]:
    """A road feature; default: a 500 m line inside the first village."""
    coords = coords or [[LON0 + 0.2 * DLON, LAT0 + 0.5 * DLAT], [LON0 + 0.7 * DLON, LAT0 + 0.5 * DLAT]]
    base = {"name": name, "status": "planned", "road_class": "village", "surface": "paved"}
    return {"type": "Feature", "geometry": {"type": "LineString", "coordinates": coords}, "properties": base | props}


@pytest.fixture
def two_villages(empty_store: LayerStore) -> LayerStore:
    """A store holding villages 422801105201 (west cell) and 422801105202 (east cell)."""
    empty_store.insert("villages", village("422801105201", "茶园村", 0))
    empty_store.insert("villages", village("422801105202", "樱花村", 1))
    return empty_store
