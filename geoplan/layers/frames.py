"""Turning stored features into a GeoDataFrame quickly: the analysis and maps read whole layers at county scale.

Points and simple lines are built from coordinate arrays in one vectorised call each (several times faster than
parsing one GeoJSON string per feature); every other geometry goes through GEOS's GeoJSON reader.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import orjson
import pandas as pd
import shapely

WGS84 = "EPSG:4326"


def geometries(features: Sequence[dict[str, Any]]) -> np.ndarray:
    """Shapely geometries of GeoJSON features, in order (2-D; a third coordinate is dropped)."""
    out = np.empty(len(features), dtype=object)
    points: list[int] = []
    lines: list[int] = []
    rest: list[int] = []
    for i, f in enumerate(features):
        geom = f["geometry"]
        kind, coords = geom["type"], geom.get("coordinates")
        if kind == "Point" and coords:
            points.append(i)
        elif kind == "LineString" and coords and len(coords) >= 2:
            lines.append(i)
        else:  # everything else, and degenerate shapes, as GEOS reads them
            rest.append(i)
    if points:
        coords = np.array([features[i]["geometry"]["coordinates"][:2] for i in points], dtype=float)
        out[points] = shapely.points(coords)
    if lines:
        parts = [np.asarray(features[i]["geometry"]["coordinates"], dtype=float)[:, :2] for i in lines]
        index = np.repeat(np.arange(len(parts)), [len(p) for p in parts])
        out[lines] = shapely.linestrings(np.concatenate(parts), indices=index)
    if rest:
        out[rest] = shapely.from_geojson([orjson.dumps(features[i]["geometry"]).decode() for i in rest])
    return out


def to_frame(features: Sequence[dict[str, Any]], columns: Sequence[str]) -> gpd.GeoDataFrame:
    """A GeoDataFrame with ``id``, the given property columns (None where absent) and the geometry."""
    data: dict[str, list[Any]] = {"id": [f.get("id") for f in features]}
    props = [f.get("properties") or {} for f in features]
    for name in columns:
        data[name] = [p.get(name) for p in props]
    frame = pd.DataFrame(data, columns=["id", *columns])
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geometries(features), crs=WGS84), crs=WGS84)
