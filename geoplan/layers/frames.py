"""Turning stored features into a GeoDataFrame quickly: the analysis and maps read whole layers at county scale.

Points and simple lines are built from coordinate arrays in one vectorised call each (several times faster than
parsing one GeoJSON string per feature); every other geometry goes through GEOS's GeoJSON reader.
"""

from __future__ import annotations

import gc
from collections.abc import Sequence
from itertools import chain
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
    polygons: list[int] = []
    rest: list[int] = []
    for i, f in enumerate(features):
        geom = f["geometry"]
        kind, coords = geom["type"], geom.get("coordinates")
        if kind == "Point" and coords:
            points.append(i)
        elif kind == "LineString" and coords and len(coords) >= 2:
            lines.append(i)
        elif kind == "Polygon" and coords:
            polygons.append(i)
        else:  # everything else, and degenerate shapes, as GEOS reads them
            rest.append(i)
    if points:
        coords = np.array([features[i]["geometry"]["coordinates"][:2] for i in points], dtype=float)
        out[points] = shapely.points(coords)
    if lines:
        parts = [np.asarray(features[i]["geometry"]["coordinates"], dtype=float)[:, :2] for i in lines]
        index = np.repeat(np.arange(len(parts)), [len(p) for p in parts])
        out[lines] = shapely.linestrings(np.concatenate(parts), indices=index)
    if polygons:
        rest += _polygons(features, polygons, out)
    if rest:
        out[rest] = shapely.from_geojson([orjson.dumps(features[i]["geometry"]).decode() for i in rest])
    return out


def to_frame(features: Sequence[dict[str, Any]], columns: Sequence[str]) -> gpd.GeoDataFrame:
    """A GeoDataFrame with ``id``, the given property columns (None where absent) and the geometry.

    The cyclic GC is paused meanwhile: every column list and shapely object made here would trigger collections
    that rescan the millions of feature dicts the caller holds (4x the time for a county's 300,000 footprints),
    and nothing made here can be cyclic garbage.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        data: dict[str, list[Any]] = {"id": [f.get("id") for f in features]}
        props = [f.get("properties") or {} for f in features]
        for name in columns:
            data[name] = [p.get(name) for p in props]
        frame = pd.DataFrame(data, columns=["id", *columns])
        return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geometries(features), crs=WGS84), crs=WGS84)
    finally:
        if was_enabled:
            gc.enable()


def _polygons(features: Sequence[dict[str, Any]], rows: list[int], out: np.ndarray) -> list[int]:
    """Polygons built from one coordinate array (a county's footprints: ~6x faster than one GeoJSON string each).

    Returns the rows left to GEOS's GeoJSON reader: all of them when some point is not a plain (x, y) pair.
    """
    rings = [ring for i in rows for ring in features[i]["geometry"]["coordinates"]]
    points = list(chain.from_iterable(rings))
    if set(map(len, points)) != {2}:  # a 3-D or malformed point somewhere
        return rows
    try:
        coords = np.array(list(chain.from_iterable(points)), dtype=float).reshape(-1, 2)
    except (ValueError, TypeError):
        return rows
    lengths = np.fromiter(map(len, rings), dtype=np.int64, count=len(rings))
    ends = np.cumsum(lengths)
    starts = ends - lengths
    # closed rings of 4+ points only: shapely would silently close an open ring, GEOS's reader refuses it
    if len(rings) and (lengths.min() < 4 or not np.array_equal(coords[starts], coords[ends - 1])):
        return rows
    counts = np.fromiter((len(features[i]["geometry"]["coordinates"]) for i in rows), dtype=np.int64, count=len(rows))
    ring_offsets = np.concatenate([[0], ends])
    polygon_offsets = np.concatenate([[0], np.cumsum(counts)])
    built = shapely.from_ragged_array(shapely.GeometryType.POLYGON, coords, (ring_offsets, polygon_offsets))
    out[rows] = built
    return []


def patched(
    frame: gpd.GeoDataFrame,
    columns: Sequence[str],
    replaced: dict[int, dict[str, Any]],
    deleted: Sequence[int],
    appended: Sequence[dict[str, Any]],
) -> gpd.GeoDataFrame:
    """``frame`` after a write: rows replaced in place, rows deleted, features appended, in the file's new order.

    Only the written features are converted, so the frame of a county's footprints follows a write in a fraction
    of a second instead of a parse of the whole file.
    """
    n = len(frame)
    changed = list(replaced)
    written = [replaced[i] for i in changed] + list(appended)
    combined = pd.concat([frame, to_frame(written, columns)], ignore_index=True) if written else frame
    rows = np.arange(n, dtype=np.int64)
    rows[changed] = n + np.arange(len(changed), dtype=np.int64)
    rows = np.delete(rows, np.asarray(sorted(deleted), dtype=np.int64))
    rows = np.concatenate([rows, n + len(changed) + np.arange(len(appended), dtype=np.int64)])
    out = combined.take(rows).reset_index(drop=True)
    for name in ["id", *columns]:  # a column whose dtype the new values changed: as a parse would infer it
        if out[name].dtype != frame[name].dtype:
            out[name] = pd.Series(out[name].tolist(), dtype=None if len(out) else frame[name].dtype)
    out.attrs = dict(frame.attrs)
    return out
