"""Choosing the local metric CRS every distance is measured in (stored data stays WGS84 lon/lat)."""

from __future__ import annotations

import math

import numpy as np
import shapely
from pyproj import CRS

#: Rough extent of China's CGCS2000 3° Gauss–Krüger zones (central meridians 75°E … 135°E).
_CHINA_LON = (73.5, 136.5)
_CHINA_LAT = (3.0, 54.0)


def local_crs(lon: float, lat: float) -> CRS:
    """The projected CRS for data centred at (lon, lat).

    Inside China: the CGCS2000 3° Gauss–Krüger zone whose central meridian is nearest (EPSG:4534–4554, no zone
    number in the false easting, so e.g. 111°E → EPSG:4545).  Elsewhere: the WGS84 UTM zone.  Both keep scale
    error below 0.1 % within ±1.5° (GK) / ±3° (UTM) of the central meridian, far below our 30 m–3 km thresholds.
    """
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise ValueError("cannot choose a projection for data without coordinates")
    if _CHINA_LON[0] <= lon <= _CHINA_LON[1] and _CHINA_LAT[0] <= lat <= _CHINA_LAT[1]:
        cm = min(max(round(lon / 3) * 3, 75), 135)
        return CRS.from_epsg(4534 + (cm - 75) // 3)
    zone = min(int((lon + 180) // 6) + 1, 60)
    return CRS.from_epsg((32600 if lat >= 0 else 32700) + zone)


def crs_for_geometries(geoms: np.ndarray) -> CRS:
    """The local CRS for the centre of the geometries' total bounds (lon/lat)."""
    geoms = np.asarray(geoms)
    geoms = geoms[~shapely.is_empty(geoms) & ~shapely.is_missing(geoms)] if len(geoms) else geoms
    if len(geoms) == 0:
        raise ValueError("cannot choose a projection for data without coordinates")
    xmin, ymin, xmax, ymax = shapely.total_bounds(geoms)
    return local_crs((xmin + xmax) / 2, (ymin + ymax) / 2)
