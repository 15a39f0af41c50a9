"""GCJ-02 (高德/腾讯) and BD-09 (百度) coordinates ↔ WGS84, vectorised over numpy arrays.

Planners often digitise on Gaode or Baidu maps, whose lon/lat are deliberately offset from WGS84 by a few
hundred metres. The published algorithm (as in wandergis/coordTransform and eviltransform) is short; the PyPI
packages that carry it are unmaintained and work one point at a time, so it lives here once, over arrays.
The forward transforms are exact; the inverses are solved by fixed-point iteration to far below 1 cm
(the common one-step inverse is off by up to ~2 m, which is more than an import may lose).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

Array = NDArray[np.float64]

#: Krasovsky 1940 ellipsoid, which the GCJ-02 offset is expressed on.
_A = 6378245.0
_EE = 0.00669342162296594323
#: Baidu's extra offset (degrees) on top of GCJ-02.
_BD_DLON = 0.0065
_BD_DLAT = 0.006
#: Inverse iterations stop below this change (degrees ≈ 1e-7 m), or after _MAX_ITER rounds.
_TOL = 1e-12
_MAX_ITER = 40


def in_china(lon: ArrayLike, lat: ArrayLike) -> NDArray[np.bool_]:
    """The rough box where GCJ-02 applies; outside it the published algorithm leaves coordinates unchanged."""
    lon_a, lat_a = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    return (lon_a >= 72.004) & (lon_a <= 137.8347) & (lat_a >= 0.8293) & (lat_a <= 55.8271)


def _offset_m(x: Array, y: Array) -> tuple[Array, Array]:
    """The GCJ-02 offset in metres (north, east) at x = lon - 105, y = lat - 35."""
    pi = np.pi
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    dlat += (20.0 * np.sin(6.0 * x * pi) + 20.0 * np.sin(2.0 * x * pi)) * 2.0 / 3.0
    dlat += (20.0 * np.sin(y * pi) + 40.0 * np.sin(y / 3.0 * pi)) * 2.0 / 3.0
    dlat += (160.0 * np.sin(y / 12.0 * pi) + 320.0 * np.sin(y * pi / 30.0)) * 2.0 / 3.0
    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    dlon += (20.0 * np.sin(6.0 * x * pi) + 20.0 * np.sin(2.0 * x * pi)) * 2.0 / 3.0
    dlon += (20.0 * np.sin(x * pi) + 40.0 * np.sin(x / 3.0 * pi)) * 2.0 / 3.0
    dlon += (150.0 * np.sin(x / 12.0 * pi) + 300.0 * np.sin(x / 30.0 * pi)) * 2.0 / 3.0
    return dlat, dlon


def wgs84_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[Array, Array]:
    """WGS84 lon/lat → GCJ-02 lon/lat (unchanged outside China)."""
    lon_a, lat_a = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    dlat, dlon = _offset_m(lon_a - 105.0, lat_a - 35.0)
    rad = lat_a / 180.0 * np.pi
    magic = 1 - _EE * np.sin(rad) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrt_magic) * np.pi)
    dlon = (dlon * 180.0) / (_A / sqrt_magic * np.cos(rad) * np.pi)
    inside = in_china(lon_a, lat_a)
    return np.where(inside, lon_a + dlon, lon_a), np.where(inside, lat_a + dlat, lat_a)


def gcj02_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> tuple[Array, Array]:
    """GCJ-02 lon/lat → WGS84 lon/lat, solving the forward transform by iteration."""
    g_lon, g_lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    w_lon, w_lat = g_lon.copy(), g_lat.copy()
    for _ in range(_MAX_ITER):
        f_lon, f_lat = wgs84_to_gcj02(w_lon, w_lat)
        d_lon, d_lat = f_lon - g_lon, f_lat - g_lat
        w_lon, w_lat = w_lon - d_lon, w_lat - d_lat
        if d_lon.size == 0 or max(np.nanmax(np.abs(d_lon)), np.nanmax(np.abs(d_lat))) < _TOL:
            break
    return w_lon, w_lat


def gcj02_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[Array, Array]:
    """GCJ-02 lon/lat → BD-09 lon/lat."""
    x, y = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    factor = np.pi * 3000.0 / 180.0
    z = np.sqrt(x * x + y * y) + 0.00002 * np.sin(y * factor)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * factor)
    return z * np.cos(theta) + _BD_DLON, z * np.sin(theta) + _BD_DLAT


def bd09_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[Array, Array]:
    """BD-09 lon/lat → GCJ-02 lon/lat: the published one-step inverse, then refined by iteration."""
    b_lon, b_lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    factor = np.pi * 3000.0 / 180.0
    x, y = b_lon - _BD_DLON, b_lat - _BD_DLAT
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * factor)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * factor)
    g_lon, g_lat = z * np.cos(theta), z * np.sin(theta)
    for _ in range(_MAX_ITER):
        f_lon, f_lat = gcj02_to_bd09(g_lon, g_lat)
        d_lon, d_lat = f_lon - b_lon, f_lat - b_lat
        g_lon, g_lat = g_lon - d_lon, g_lat - d_lat
        if d_lon.size == 0 or max(np.nanmax(np.abs(d_lon)), np.nanmax(np.abs(d_lat))) < _TOL:
            break
    return g_lon, g_lat


def wgs84_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[Array, Array]:
    """WGS84 lon/lat → BD-09 lon/lat."""
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def bd09_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> tuple[Array, Array]:
    """BD-09 lon/lat → WGS84 lon/lat."""
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


#: Conversions by (from, to) datum name, for code that picks one from a user's ``--crs``.
TO_WGS84 = {"gcj02": gcj02_to_wgs84, "bd09": bd09_to_wgs84}
FROM_WGS84 = {"gcj02": wgs84_to_gcj02, "bd09": wgs84_to_bd09}
