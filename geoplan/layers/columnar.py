"""A columnar copy of each layer (GeoParquet) beside its GeoJSON file, so whole-layer reads skip JSON parsing.

The GeoJSON file stays the source of truth; the copy is a cache the store owns.  Parsing a 300,000-footprint
layer builds a Python dict per feature and member (seconds, and a gigabyte of objects) only to turn them into
columns again; reading the same columns from Parquet takes a fraction of that.

A copy is named after the version of the file it was made from — the file's size, modification time and
``last_change`` — so any write (by the store, another process, an editor, ``git checkout``) makes the old copy
unreachable; the next whole-layer read rebuilds it.  A copy that cannot be written (read-only data directory,
a column Parquet cannot hold) is simply not kept: reads then parse the GeoJSON, as before.

Beside the geometry, a copy of a line or area layer keeps each feature's anchor point (a point on the feature:
``point_on_surface``), computed once when the copy is made.  A reader that needs features only as points (the
analysis, for a county's 300,000 house footprints) reads that column instead of the polygons: no polygon is
decoded or held.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import orjson

if TYPE_CHECKING:
    import geopandas as gpd
    import numpy as np

WGS84 = "EPSG:4326"
#: Where the copies live, inside the data directory's bookkeeping folder.
CACHE_DIR = ("cache",)
#: The copy's column of anchor points (absent when every feature is a point: the geometry is its own anchor).
ANCHOR = "@anchor"
#: Bytes read from the start of a layer file to find its header members (the store writes them first).
_HEAD_BYTES = 4096


def file_version(path: Path, st: os.stat_result) -> str:
    """The version of a layer file a copy is keyed by: size, mtime and the header's ``last_change``."""
    with path.open("rb") as fh:
        head = fh.read(_HEAD_BYTES)
    change = b""
    at = head.find(b'"features":[')
    if at > 0:
        try:
            change = str(orjson.loads(head[:at] + b'"features":[]}').get("last_change") or "").encode()
        except orjson.JSONDecodeError:
            change = b""
    digest = hashlib.sha1(change, usedforsecurity=False).hexdigest()[:12]
    return f"{st.st_size}-{st.st_mtime_ns}-{digest}"


def copy_path(cache_dir: Path, layer: str, version: str) -> Path:
    return cache_dir / f"{layer}.{version}.parquet"


def anchor_points(geoms: np.ndarray) -> np.ndarray:
    """A point per geometry: points stay, lines and areas give a point on themselves (``point_on_surface``)."""
    import numpy as np
    import shapely

    out = np.array(geoms, dtype=object, copy=True)
    not_point = shapely.get_type_id(out) > 0  # -1: missing, stays None
    if not_point.any():
        out[not_point] = shapely.point_on_surface(out[not_point])
    return out


def anchored(frame: gpd.GeoDataFrame, anchors: np.ndarray | None = None) -> gpd.GeoDataFrame:
    """The frame with each feature's anchor point as its geometry (the given ones, else computed)."""
    import geopandas as gpd

    points = anchor_points(frame.geometry.to_numpy()) if anchors is None else anchors
    out = gpd.GeoDataFrame(
        frame.drop(columns=frame.geometry.name), geometry=gpd.GeoSeries(points, crs=WGS84, index=frame.index), crs=WGS84
    )
    out.attrs.update(frame.attrs)
    return out


def use_c_allocator() -> None:
    """Arrow allocates from the C allocator, and glibc serves every thread from one heap.

    Arrow's own allocator keeps what a read used for decoding (about 3x the table at county scale) for itself;
    from the C allocator the same memory serves the frames and the analysis that follow.
    """
    import pyarrow as pa

    if pa.default_memory_pool().backend_name != "system":
        pa.set_memory_pool(pa.system_memory_pool())
        _one_heap()


def _one_heap() -> None:
    """Have glibc serve every thread from one heap (its default: up to 8 per core).

    Arrow's readers and the analysis's nearest-feature queries run in threads; each thread's heap keeps what it
    freed for itself, so a county's analysis peaked ~80 MiB (8 %) above what it held, at no measurable gain in
    speed (their work is mostly outside the C allocator).  Other C libraries keep their own behaviour.
    """
    import ctypes

    try:
        libc = ctypes.CDLL(None)
        libc.mallopt(-8, 1)  # M_ARENA_MAX
    except (OSError, AttributeError):  # not glibc: nothing to tune
        pass


def load(cache_dir: Path, layer: str, version: str, anchors: bool = False) -> gpd.GeoDataFrame | None:
    """The layer's frame from its copy of this version, None when there is none (or it cannot be read).

    ``anchors``: each feature's anchor point as its geometry (see :func:`anchor_points`), without decoding the
    layer's own geometries when the copy keeps the anchors.
    """
    path = copy_path(cache_dir, layer, version)
    if not path.exists():
        return None
    import geopandas as gpd  # heavy: imported by the reads that need frames, not by the CLI's start-up
    import pyarrow.parquet as pq
    import shapely

    use_c_allocator()
    try:
        names = pq.read_schema(path).names
        kept = ANCHOR if anchors and ANCHOR in names else "geometry"
        table = pq.read_table(path, columns=[c for c in names if c not in ("geometry", ANCHOR)] + [kept])
        geometry = shapely.from_wkb(table.column(kept).to_numpy(zero_copy_only=False))
        if anchors and kept == "geometry":
            geometry = anchor_points(geometry)
        attrs = table.drop_columns([kept]).to_pandas()
    except Exception:  # noqa: BLE001 (a damaged cache is never an error: the GeoJSON is read instead)
        return None
    # The CRS is always the store's EPSG:4326; naming it here skips parsing the file's PROJJSON (slow).
    return gpd.GeoDataFrame(attrs, geometry=gpd.GeoSeries(geometry, crs=WGS84), crs=WGS84)


def save(
    cache_dir: Path, layer: str, version: str, frame: gpd.GeoDataFrame, anchors: np.ndarray | None = None
) -> Path | None:
    """Write the copy of this version atomically and remove older copies; None when it cannot be kept.

    ``anchors``: the frame's anchor points when the caller has them (else computed here for lines and areas).
    """
    target = copy_path(cache_dir, layer, version)
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{layer}.", suffix=".tmp", dir=cache_dir)
        os.close(fd)
    except OSError:
        return None
    import geopandas as gpd
    import shapely

    try:
        geoms = frame.geometry.to_numpy()
        if bool((shapely.get_type_id(geoms) > 0).any()):
            points = anchor_points(geoms) if anchors is None else anchors
            frame = frame.assign(**{ANCHOR: gpd.GeoSeries(points, crs=WGS84, index=frame.index)})
        frame.to_parquet(tmp, index=None)
        os.replace(tmp, target)
    except Exception:  # noqa: BLE001 (e.g. a column mixing numbers and texts in a hand-edited file)
        Path(tmp).unlink(missing_ok=True)
        return None
    for old in cache_dir.glob(f"{layer}.*.parquet"):
        if old != target and old.name.count(".") == 2:
            old.unlink(missing_ok=True)
    return target
