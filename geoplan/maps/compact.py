"""Compact GeoJSON for the browser: only what a popup shows, coordinates to ~1 m, shapes simplified in metres.

Folium's default embedding of a GeoDataFrame keeps every column, full float precision, a ``bbox`` and an ``id``
per feature and spaces after every comma — a county map then weighs tens of megabytes.  Here a layer keeps only
the properties the map uses, lines and polygons are simplified in a metric CRS (so the tolerance is metres, not
degrees), and the page receives it *packed*: coordinates quantised to 1e-5° (≈1.1 m) and delta-encoded as
integers in one flat array with shapely's ragged-array offsets (the idea of TopoJSON's quantisation), properties
as one value list per feature.  ``geoplanUnpack`` (static/unpack.js, a few lines) turns it back into a
GeoJSON FeatureCollection in the browser before Leaflet sees it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import orjson
import pandas as pd
import shapely

from geoplan.analysis.projection import crs_for_geometries

#: 5 decimals of a degree ≈ 1.1 m north–south, finer east–west: well below what a screen shows at village zoom.
DISPLAY_DECIMALS = 5
#: Default display simplification in metres (Douglas–Peucker, topology preserving).
SIMPLIFY_M = 2.0


def simplify_for_display(geoms: np.ndarray, tolerance_m: float = SIMPLIFY_M) -> np.ndarray:
    """Lines and polygons (EPSG:4326) simplified by ``tolerance_m`` metres in the local projected CRS."""
    if tolerance_m <= 0 or len(geoms) == 0 or np.all(shapely.get_type_id(geoms) == 0):
        return geoms
    series = gpd.GeoSeries(geoms, crs="EPSG:4326")
    projected = series.to_crs(crs_for_geometries(geoms))
    return projected.simplify(tolerance_m, preserve_topology=True).to_crs("EPSG:4326").to_numpy()


def _clean(value: Any) -> Any:
    """JSON-safe scalar, or None for a missing value (NaN/NA/None)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _column(column: pd.Series) -> list[Any]:
    """A column's values as JSON-safe Python scalars, None where missing; whole columns at a time where their
    type allows (a county's uncovered households are 300,000 values), else value by value."""
    kind = column.dtype.kind
    if kind in "biuf" or pd.api.types.infer_dtype(column, skipna=True) in ("string", "empty"):
        missing = column.isna().to_numpy()
        if kind == "f" and not missing.any():
            floats = column.to_numpy()
            if np.all(np.isfinite(floats)) and np.all(np.abs(floats) < 2**53) and np.all(floats == np.floor(floats)):
                return floats.astype(np.int64).tolist()  # 1 rather than 1.0: the same number to JavaScript
        values = column.tolist()
        if missing.any():
            values = [None if m else v for v, m in zip(values, missing.tolist(), strict=True)]
        return values
    return [_clean(v) for v in column.tolist()]


def _round(value: Any, ndigits: int) -> Any:
    if isinstance(value, (list, tuple)):
        return [_round(v, ndigits) for v in value]
    if isinstance(value, float):
        return round(value, ndigits)
    return value


@dataclass
class CompactLayer:
    """A layer's display geometries (EPSG:4326) and the property columns the map shows."""

    geometries: np.ndarray
    columns: dict[str, list[Any]] = field(default_factory=dict)
    decimals: int = DISPLAY_DECIMALS

    def __len__(self) -> int:
        return len(self.geometries)

    def properties(self, i: int) -> dict[str, Any]:
        return {k: v[i] for k, v in self.columns.items() if v[i] is not None}

    def features(self) -> list[dict[str, Any]]:
        """Plain GeoJSON features (coordinates rounded as shipped) — what the browser reconstructs."""
        out = []
        for i, geom in enumerate(self.geometries):
            mapped = shapely.geometry.mapping(geom)
            geometry = {"type": mapped["type"], "coordinates": _round(mapped["coordinates"], self.decimals)}
            out.append({"type": "Feature", "geometry": geometry, "properties": self.properties(i)})
        return out

    def packed(self) -> dict[str, Any]:
        """The compact wire form decoded by ``geoplanUnpack``."""
        keys = list(self.columns)
        values = [list(row) for row in zip(*(self.columns[k] for k in keys), strict=True)] if keys else []
        if len(self.geometries) == 0:
            return {"g": None, "c": [], "o": [], "k": keys, "p": values, "s": self.decimals}
        gtype, coords, offsets = shapely.to_ragged_array(self.geometries)
        q = np.round(coords * 10**self.decimals).astype(np.int64)
        deltas = np.diff(q, axis=0, prepend=np.zeros((1, 2), dtype=np.int64))
        return {
            "g": gtype.name,
            "c": deltas.ravel().tolist(),
            "o": [o.tolist() for o in offsets],
            "k": keys,
            "p": values if keys else [[] for _ in range(len(self.geometries))],
            "s": self.decimals,
        }

    def bounds(self) -> list[list[float]] | None:
        if len(self.geometries) == 0:
            return None
        west, south, east, north = shapely.total_bounds(self.geometries)
        return [[float(south), float(west)], [float(north), float(east)]]


def compact_features(
    frame: gpd.GeoDataFrame,
    fields: Sequence[str],
    *,
    simplify_m: float = SIMPLIFY_M,
    decimals: int = DISPLAY_DECIMALS,
    formatters: Mapping[str, Callable[[Any], Any]] | None = None,
    extra: Callable[[gpd.GeoDataFrame], Mapping[str, list[Any]]] | None = None,
) -> CompactLayer:
    """``frame`` (EPSG:4326) as a :class:`CompactLayer` holding only ``fields`` (missing values left out).

    ``formatters`` turn a raw value into what the map shows (e.g. an enum value into its Chinese label);
    ``extra`` adds computed columns from the (non-empty-geometry) frame, e.g. the style key.
    """
    formatters = formatters or {}
    frame = frame[~(frame.geometry.isna() | frame.geometry.is_empty)]
    geoms = simplify_for_display(frame.geometry.to_numpy(), simplify_m)
    columns: dict[str, list[Any]] = {}
    for name in fields:
        cleaned = _column(frame[name]) if name in frame.columns else [None] * len(frame)
        fmt = formatters.get(name)
        columns[name] = [fmt(v) if v is not None else v for v in cleaned] if fmt else cleaned
    if extra is not None:
        columns.update({k: list(v) for k, v in extra(frame).items()})
    return CompactLayer(np.asarray(geoms, dtype=object), columns, decimals)


#: A ``{`` that would open a Jinja tag.  JSON itself never writes ``{{``, ``{%`` or ``{#`` (an object's ``{`` is
#: followed by ``"`` or ``}``), so each one is inside a string, where ``\\u007b`` is the same character.
_JINJA_OPEN = re.compile(r"\{(?=[{%#])")


def dumps(data: Any) -> str:
    """Compact JSON (no spaces), safe to embed inside a ``<script>`` element and inside a folium template: a
    macro's output is compiled as a Jinja template again, where a planner-typed ``{{ … }}`` would run."""
    return _JINJA_OPEN.sub(r"\\u007b", orjson.dumps(data).decode().replace("</", "<\\/"))
