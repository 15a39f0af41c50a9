"""Terrain: the walk up a mountain road counted as the flat walk that takes as long (Tobler's hiking function).

In mountain townships 2 km up a 10 % grade takes as long as 2.8 km on the flat, and a household below the clinic
walks back up what it came down.  Given a DEM raster (GeoTIFF, any CRS: a county's CGCS2000 Gauss–Krüger tile or
SRTM in degrees), every road segment gets a walking cost in each direction: its length times how much slower than
on the flat the slope makes a walker, by Tobler (1993), ``W = 6·exp(−3.5·|dh/dx + 0.05|)`` km/h.  The cost is in
*flat-equivalent metres* (walking time × Tobler's flat speed, 5.04 km/h), so it compares with the standards'
thresholds in metres as the straight and plain network distances do.  Gentle descents are a little faster than the
flat (down to 0.84×); where the DEM has no value the segment counts as flat.

rasterio reads the raster (only the window the roads cover); scipy's ``map_coordinates`` interpolates it
bilinearly at points sampled along each segment, one DEM cell apart.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pyproj import CRS, Transformer

from geoplan.errors import GeoplanError

#: Tobler's walking speed (km/h) on the flat: 6·exp(−3.5 · 0.05).
FLAT_KMH = 6.0 * math.exp(-3.5 * 0.05)
#: The fastest Tobler walk (6 km/h, at a 5 % descent) as a share of the flat cost: no walk costs less than this.
MIN_FACTOR = FLAT_KMH / 6.0
#: The largest DEM window read (cells): a county at 30 m is ~10⁷; this bounds memory at ~0.8 GB of float32.
MAX_CELLS = 200_000_000
#: Sample spacing along a segment is one DEM cell, but never finer than this (m): bounds the work on a 1 m DEM.
MIN_STEP_M = 5.0


class TerrainError(GeoplanError):
    """The DEM cannot be used (unreadable, no CRS, does not cover the roads, too large)."""

    def __init__(self, message: str, zh: str) -> None:
        super().__init__(message)
        self.zh = zh


def tobler_kmh(slope: np.ndarray) -> np.ndarray:
    """Walking speed (km/h) on a grade ``slope`` (rise over run; negative downhill)."""
    return 6.0 * np.exp(-3.5 * np.abs(np.asarray(slope, dtype=float) + 0.05))


def walk_factor(slope: np.ndarray) -> np.ndarray:
    """How many flat metres one metre on ``slope`` is worth (walking time ratio; 1 on the flat)."""
    return FLAT_KMH / tobler_kmh(slope)


@dataclass(frozen=True)
class Terrain:
    """A DEM window read into memory: elevations (NaN where no data), its affine transform, CRS and cell size."""

    z: np.ndarray
    inverse: object  # affine.Affine: (x, y) in the DEM's CRS → (col, row)
    crs: CRS
    cell_m: float

    @staticmethod
    def read(path: Path, crs: CRS, bounds: tuple[float, float, float, float], margin_m: float = 500.0) -> Terrain:
        """The part of the DEM at ``path`` covering ``bounds`` (in ``crs``, metres) plus a margin."""
        try:
            import rasterio
            from rasterio.warp import transform_bounds
            from rasterio.windows import Window, from_bounds
        except ImportError as exc:  # pragma: no cover - rasterio is a dependency
            raise TerrainError(
                "walking on the terrain needs rasterio (pip install 'geoplan[dem]')",
                "按坡度计算步行距离需要 rasterio (pip install 'geoplan[dem]')",
            ) from exc
        try:
            ds = rasterio.open(path)
        except (rasterio.errors.RasterioIOError, OSError) as exc:
            raise TerrainError(f"cannot read the DEM {path}: {exc}", f"无法读取高程数据(DEM) {path}: {exc}") from exc
        with ds:
            if ds.crs is None:
                raise TerrainError(
                    f"the DEM {path} declares no coordinate system", f"高程数据(DEM) {path} 未声明坐标系"
                )
            x0, y0, x1, y1 = bounds
            dem_crs = CRS.from_user_input(ds.crs.to_wkt())
            left, bottom, right, top = transform_bounds(
                crs.to_wkt(), ds.crs, x0 - margin_m, y0 - margin_m, x1 + margin_m, y1 + margin_m
            )
            full = Window(0, 0, ds.width, ds.height)
            try:
                window = from_bounds(left, bottom, right, top, ds.transform).round_offsets().round_lengths()
                window = window.intersection(full)
            except rasterio.errors.WindowError as exc:
                raise TerrainError(
                    f"the DEM {path} does not cover the roads", f"高程数据(DEM) {path} 未覆盖道路所在范围"
                ) from exc
            cells = int(window.width) * int(window.height)
            if cells > MAX_CELLS:
                raise TerrainError(
                    f"the DEM window over the roads has {cells:,} cells (at most {MAX_CELLS:,}): resample it coarser",
                    f"道路范围内的高程数据有 {cells:,} 个像元(上限 {MAX_CELLS:,})，请先重采样为较粗分辨率",
                )
            band = ds.read(1, window=window, masked=True)
            z = np.ma.filled(band.astype("float32"), np.nan)
            transform = ds.window_transform(window)
            # The cell size in metres: measured between the window's centre cell and its neighbours, in ``crs``.
            to_local = Transformer.from_crs(dem_crs, crs, always_xy=True)
            mid_col, mid_row = z.shape[1] / 2, z.shape[0] / 2
            xs, ys = _apply(
                transform, np.array([mid_col, mid_col + 1, mid_col]), np.array([mid_row, mid_row, mid_row + 1])
            )
            (px, qx, rx), (py, qy, ry) = to_local.transform(xs, ys)
            cell = min(math.hypot(qx - px, qy - py), math.hypot(rx - px, ry - py))
        return Terrain(z, ~transform, dem_crs, cell if math.isfinite(cell) and cell > 0 else MIN_STEP_M)

    def sampler(self, crs: CRS) -> Callable[[np.ndarray], np.ndarray]:
        """A function from (n, 2) points in ``crs`` to their bilinear elevation (NaN outside the DEM or no data)."""
        from scipy.ndimage import map_coordinates

        to_dem = Transformer.from_crs(crs, self.crs, always_xy=True)

        def elevation(xy: np.ndarray) -> np.ndarray:
            if not len(xy):
                return np.zeros(0)
            x, y = to_dem.transform(xy[:, 0], xy[:, 1])
            col, row = _apply(self.inverse, np.asarray(x), np.asarray(y))
            # cell centres sit at half-integers of (col, row); map_coordinates indexes centres at integers
            out = map_coordinates(self.z, [np.asarray(row) - 0.5, np.asarray(col) - 0.5], order=1, mode="constant",
                                  cval=np.nan, prefilter=False)  # fmt: skip
            return np.asarray(out, dtype=float)

        return elevation


def _apply(aff: object, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """An affine transform (``affine.Affine``) applied to coordinate arrays."""
    a, b, c, d, e, f = (getattr(aff, k) for k in "abcdef")
    return a * x + b * y + c, d * x + e * y + f


def segment_costs(
    a: np.ndarray, b: np.ndarray, elevation: Callable[[np.ndarray], np.ndarray], step_m: float
) -> tuple[np.ndarray, np.ndarray]:
    """Flat-equivalent walking cost (m) of each straight segment ``a[i] → b[i]`` and back.

    Each segment is cut into pieces at most ``step_m`` long; a piece's grade is its rise over its run between
    the interpolated elevations at its ends (a piece with an end off the DEM counts as flat).
    """
    length = np.hypot(*(b - a).T)
    pieces = np.maximum(1, np.ceil(length / max(step_m, MIN_STEP_M))).astype(np.int64)
    seg = np.repeat(np.arange(len(a)), pieces + 1)
    first = np.repeat(np.cumsum(pieces + 1) - (pieces + 1), pieces + 1)
    frac = (np.arange(len(seg)) - first) / pieces[seg]
    pts = a[seg] + frac[:, None] * (b - a)[seg]
    z = elevation(pts)
    # piece k of a segment runs from sample k to k+1 of the same segment
    start = np.flatnonzero(np.r_[seg[1:] == seg[:-1], False])
    run = (length / pieces)[seg[start]]
    rise = z[start + 1] - z[start]
    slope = np.where(np.isfinite(rise) & (run > 0), rise / np.where(run > 0, run, 1.0), 0.0)
    forward = np.bincount(seg[start], weights=run * walk_factor(slope), minlength=len(a))
    backward = np.bincount(seg[start], weights=run * walk_factor(-slope), minlength=len(a))
    return forward, backward
