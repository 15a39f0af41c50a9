"""The API's read model: each layer parsed once, with a spatial index and pre-serialised features.

pygeoapi's GeoJSON backend re-reads the file per request; here a layer is indexed once per *file version*.
Every index is keyed by the store snapshot's signature (inode, size, mtime), and the store stats the file on
each read, so a write by this worker, another worker process or the CLI invalidates the index on the next
request — no messaging between workers needed.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import orjson
import pandas as pd
import shapely

from geoplan.layers import LayerSnapshot, LayerSpec, LayerStore

#: pandas nullable dtypes per catalogue field type: a missing value stays NA (never 0 or ""), and comparisons
#: with NA are NA — CQL2's "unknown" — which a filter treats as no match.
DTYPES = {
    "string": "string",
    "date": "string",
    "datetime": "string",
    "integer": "Int64",
    "number": "Float64",
    "boolean": "boolean",
}


@dataclass(frozen=True)
class LayerIndex:
    """One layer at one file version, ready to answer item queries without touching the file."""

    spec: LayerSpec
    signature: tuple[int, int, int] | None
    features: list[dict[str, Any]]
    position: dict[str, int]
    #: orjson bytes of each stored feature, in file order: a page is a join of these.
    encoded: list[bytes]
    #: Properties (nullable dtypes, one column per catalogue field) and geometry, in file order.
    table: gpd.GeoDataFrame
    tree: shapely.STRtree
    #: (minx, miny, maxx, maxy) in CRS84, None for an empty layer.
    bounds: tuple[float, float, float, float] | None
    #: Earliest and latest project year, None when the layer has no year or none is filled.
    years: tuple[int, int] | None

    @property
    def size(self) -> int:
        return len(self.encoded)

    @property
    def geometries(self) -> np.ndarray:
        return self.table.geometry.values._data  # type: ignore[attr-defined]


def complete(spec: LayerSpec, feature: dict[str, Any]) -> dict[str, Any]:
    """The feature with every catalogue property present, null when unset, in catalogue order.

    GDAL and QGIS infer a layer's fields from the first page of features: a property that first appears on
    feature 46 would otherwise never become a column in the client.  The file keeps only what is set.
    """
    props = feature.get("properties") or {}
    full = {name: props.get(name) for name in spec.field_names}
    full.update(props)  # anything stored beyond the catalogue (none after validation) is not hidden
    return {**feature, "properties": full}


def build_index(snap: LayerSnapshot) -> LayerIndex:
    """Parse and index one snapshot (done once per file version)."""
    spec = snap.spec
    feats = snap.features
    geoms = shapely.from_geojson([orjson.dumps(f["geometry"]) for f in feats]) if feats else np.array([], dtype=object)
    columns: dict[str, Any] = {"id": pd.array([str(f.get("id")) for f in feats], dtype="string")}
    for field in spec.fields:
        values = [(f.get("properties") or {}).get(field.name) for f in feats]
        columns[field.name] = pd.array(values, dtype=DTYPES[field.type])
    table = gpd.GeoDataFrame(pd.DataFrame(columns), geometry=gpd.GeoSeries(geoms, crs="OGC:CRS84").values)
    bounds = None
    if feats:
        b = shapely.total_bounds(geoms)
        bounds = (float(b[0]), float(b[1]), float(b[2]), float(b[3]))
    years = None
    if spec.has_field("year") and table["year"].notna().any():
        years = (int(table["year"].min()), int(table["year"].max()))
    return LayerIndex(
        spec=spec,
        signature=snap.signature,
        features=feats,
        position=snap.index,
        encoded=[orjson.dumps(complete(spec, f)) for f in feats],
        table=table,
        tree=shapely.STRtree(geoms),
        bounds=bounds,
        years=years,
    )


class ReadModel:
    """Per-layer indexes over a store, rebuilt when (and only when) the layer file changed."""

    def __init__(self, store: LayerStore) -> None:
        self.store = store
        self._indexes: dict[str, LayerIndex] = {}
        self._locks: dict[str, threading.Lock] = {name: threading.Lock() for name in store.layer_names}

    def index(self, layer: str) -> LayerIndex:
        snap = self.store.snapshot(layer)  # raises LayerNotFound; stats the file, re-reads only when changed
        current = self._indexes.get(layer)
        if current is not None and current.signature == snap.signature and snap.signature is not None:
            return current
        with self._locks[layer]:  # one build per layer version, however many requests arrive meanwhile
            current = self._indexes.get(layer)
            if current is not None and current.signature == snap.signature and snap.signature is not None:
                return current
            built = build_index(snap)
            self._indexes[layer] = built
            return built
