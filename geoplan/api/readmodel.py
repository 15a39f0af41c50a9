"""The API's read model: each layer indexed once per file version, held as columns rather than Python objects.

pygeoapi's GeoJSON backend re-reads the file per request; here a layer is indexed once per *file version*.
Every index is keyed by the layer file's signature (inode, size, mtime), which the store reads with one stat,
so a write by this worker, another worker process or the CLI invalidates the index on the next request — no
messaging between workers needed.

A county's 300,000 footprints held as one dict per feature (and again as one bytes object each) cost gigabytes
of Python objects.  An index instead keeps what queries need: the store's frame (its columnar copy when current:
shapely geometries and Arrow/numpy columns), nullable property columns, an STRtree, the ids sorted for lookup,
and every feature's response JSON in one buffer with offsets — a page is still a join of ready bytes.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from itertools import chain
from typing import Any

import geopandas as gpd
import numpy as np
import orjson
import pandas as pd
import shapely

from geoplan.layers import LayerSpec, LayerStore

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

#: Layers up to this many features are encoded while they are indexed; larger ones in the background.
ENCODE_INLINE = 20_000


@dataclass
class LayerIndex:
    """One layer at one file version, ready to answer item queries without touching the file."""

    spec: LayerSpec
    signature: tuple[int, int, int] | None
    #: Properties (nullable dtypes, one column per catalogue field), ``id`` and geometry, in file order.
    table: gpd.GeoDataFrame
    tree: shapely.STRtree
    #: (minx, miny, maxx, maxy) in CRS84, None for an empty layer.
    bounds: tuple[float, float, float, float] | None
    #: Earliest and latest project year, None when the layer has no year or none is filled.
    years: tuple[int, int] | None
    #: UTF-8 ids sorted, and the file position of each: an id lookup is a binary search, not a dict of strings.
    sorted_ids: np.ndarray
    order: np.ndarray
    #: Every feature as served, concatenated in file order, and where each starts (feature i is
    #: ``buffer[offsets[i]:offsets[i + 1]]``); None until :meth:`encode_all` has run — pages are encoded on
    #: demand meanwhile, so a large layer answers before all its features are encoded.
    held: tuple[bytes, np.ndarray] | None = None
    _encoding: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def size(self) -> int:
        return len(self.table)

    @property
    def geometries(self) -> np.ndarray:
        return self.table.geometry.values._data  # type: ignore[attr-defined]

    def encode_all(self) -> None:
        """Encode every feature once (set in one assignment, so readers see all of it or none)."""
        with self._encoding:  # a second caller (the warm-up, a background thread) waits for the first
            if self.held is None:
                self.held = _encode(self.spec, self.table, self.geometries)

    def encoded(self, rows: Any) -> list[bytes]:
        """The response JSON (all catalogue properties, null when unset) of the features at these positions."""
        held = self.held
        if held is None:
            return _encode_rows(self.spec, self.table, np.asarray(rows, dtype=np.int64))
        buf, off = held
        at = np.asarray(rows, dtype=np.int64)
        return [buf[a:b] for a, b in zip(off[at].tolist(), off[at + 1].tolist(), strict=True)]

    def feature(self, row: int) -> dict[str, Any]:
        """The feature at this position as a dict (every catalogue property present)."""
        return orjson.loads(self.encoded([row])[0])

    def position(self, fid: str) -> int | None:
        """The file position of the feature with this id (the last one, as a file read would keep), or None."""
        key = str(fid).encode()
        at = int(np.searchsorted(self.sorted_ids, key, side="right")) - 1
        if at < 0 or self.sorted_ids[at] != key or "\0" in str(fid):
            return None
        return int(self.order[at])


def complete(spec: LayerSpec, feature: dict[str, Any]) -> dict[str, Any]:
    """The feature with every catalogue property present, null when unset, in catalogue order.

    GDAL and QGIS infer a layer's fields from the first page of features: a property that first appears on
    feature 46 would otherwise never become a column in the client.  The file keeps only what is set.
    """
    props = feature.get("properties") or {}
    full = {name: props.get(name) for name in spec.field_names}
    full.update(props)  # anything stored beyond the catalogue (none after validation) is not hidden
    return {**feature, "properties": full}


def _values(column: Any) -> list[Any]:
    """A nullable column as Python values, None for NA (what JSON gets)."""
    return column.to_numpy(dtype=object, na_value=None).tolist()


def _json_values(column: Any, prefix: bytes) -> list[bytes]:
    """``prefix`` + each value of a column as JSON (``null`` for NA), encoding each distinct value once."""
    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    texts = [prefix + orjson.dumps(v, option=orjson.OPT_SERIALIZE_NUMPY) for v in _values(uniques)]
    texts.append(prefix + b"null")  # code -1 (NA) picks it
    return np.array(texts, dtype=object)[codes].tolist()


def _encode(spec: LayerSpec, table: pd.DataFrame, geometries: np.ndarray) -> tuple[bytes, np.ndarray]:
    """Every feature's JSON (the stored feature, completed) in one buffer, and where each one starts.

    Built column by column, each distinct value encoded once, rather than a dict and a ``dumps`` per feature:
    the county's footprints take a fraction of the time, and the text parses to exactly what ``complete`` gives.
    """
    shapes = shapely.to_geojson(geometries)
    columns = [
        _json_values(table["id"], b'{"type":"Feature","id":'),
        [b',"geometry":' + (b"null" if g is None else g.encode()) for g in shapes.tolist()],
    ]
    separator = b',"properties":{'
    for name in spec.field_names:
        columns.append(_json_values(table[name], separator + orjson.dumps(name) + b":"))
        separator = b","
    if not spec.field_names:
        columns.append([separator] * len(table))
    columns.append([b"}}"] * len(table))
    offsets = np.zeros(len(table) + 1, dtype=np.int64)
    for column in columns:
        offsets[1:] += np.fromiter(map(len, column), dtype=np.int64, count=len(column))
    np.cumsum(offsets, out=offsets)
    return b"".join(chain.from_iterable(zip(*columns, strict=True))), offsets


def _encode_rows(spec: LayerSpec, table: gpd.GeoDataFrame, rows: np.ndarray) -> list[bytes]:
    """The same JSON as :func:`_encode` for a few rows (a page or an item before the layer is fully encoded)."""
    names = list(spec.field_names)
    columns = [_values(table[name].array[rows]) for name in names]
    ids = table["id"].array[rows].tolist()
    shapes = shapely.to_geojson(table.geometry.values._data[rows]).tolist()  # type: ignore[attr-defined]
    fragment = orjson.Fragment
    return [
        orjson.dumps(
            {
                "type": "Feature",
                "id": fid,
                "geometry": None if shape is None else fragment(shape),
                "properties": dict(zip(names, values, strict=True)),
            }
        )
        for fid, shape, *values in zip(ids, shapes, *columns, strict=True)
    ]


def _table(spec: LayerSpec, frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The frame's properties as nullable columns (a missing value stays NA), with the frame's own geometries."""
    ids = ["None" if v is None else str(v) for v in frame["id"].tolist()]
    columns: dict[str, Any] = {"id": pd.array(ids, dtype="string")}
    for spec_field in spec.fields:
        source = frame[spec_field.name]
        try:  # a column already typed (as read from the columnar copy) converts without Python objects
            columns[spec_field.name] = source.astype(DTYPES[spec_field.type]).array
        except (TypeError, ValueError):  # mixed values (a hand-edited file): one by one, as JSON gave them
            columns[spec_field.name] = pd.array(_values(source), dtype=DTYPES[spec_field.type])
    geometry = gpd.GeoSeries(frame.geometry.values._data, crs="OGC:CRS84").values  # type: ignore[attr-defined]
    return gpd.GeoDataFrame(pd.DataFrame(columns), geometry=geometry)


def build_index(spec: LayerSpec, frame: gpd.GeoDataFrame, signature: tuple[int, int, int] | None) -> LayerIndex:
    """Index one version of a layer from the store's frame (done once per file version)."""
    table = _table(spec, frame)
    geoms = table.geometry.values._data  # type: ignore[attr-defined]
    bounds = None
    if len(table):
        b = shapely.total_bounds(geoms)
        bounds = (float(b[0]), float(b[1]), float(b[2]), float(b[3]))
    years = None
    if spec.has_field("year") and table["year"].notna().any():
        years = (int(table["year"].min()), int(table["year"].max()))
    keys = np.array([fid.encode() for fid in table["id"].tolist()], dtype=bytes)
    order = np.argsort(keys, kind="stable")
    return LayerIndex(
        spec=spec,
        signature=signature,
        table=table,
        tree=shapely.STRtree(geoms),
        bounds=bounds,
        years=years,
        sorted_ids=keys[order],
        order=order,
    )


class ReadModel:
    """Per-layer indexes over a store, rebuilt when (and only when) the layer file changed."""

    def __init__(self, store: LayerStore) -> None:
        self.store = store
        self._indexes: dict[str, LayerIndex] = {}
        self._locks: dict[str, threading.Lock] = {name: threading.Lock() for name in store.layer_names}

    def _current(self, layer: str, signature: tuple[int, int, int] | None) -> LayerIndex | None:
        held = self._indexes.get(layer)
        if held is not None and held.signature == signature and signature is not None:
            return held
        return None

    def held(self, layer: str) -> LayerIndex | None:
        """The index last built for ``layer`` (current or not), without checking the file."""
        return self._indexes.get(layer)

    def index(self, layer: str) -> LayerIndex:
        spec = self.store.spec(layer)  # raises LayerNotFound
        signature = self.store.signature(layer)  # one stat: the file is read only when it changed
        held = self._current(layer, signature)
        if held is not None:
            return held
        with self._locks[layer]:  # one build per layer version, however many requests arrive meanwhile
            signature = self.store.signature(layer)
            held = self._current(layer, signature)
            if held is not None:
                return held
            frame = self.store.frame(layer)
            if self.store.signature(layer) != signature:  # replaced while read: serve it, rebuild next time
                signature = None
            built = build_index(spec, frame, signature)
            if built.size <= ENCODE_INLINE:
                built.encode_all()
            else:  # seconds for a county's footprints: answer now, pages are encoded on demand until done
                threading.Thread(target=built.encode_all, name=f"geoplan-encode-{layer}", daemon=True).start()
            self._indexes[layer] = built
            return built
