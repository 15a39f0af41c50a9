"""Which coordinate system a file is in: parse a user's ``--crs``, check it fits, and name candidates otherwise.

Chinese planning data comes in CGCS2000 (EPSG:4490) lon/lat or one of its Gauss–Krüger projections: 6° zones
(EPSG:4491–4501 with the zone number in the false easting, 4502–4512 without) and 3° zones (4513–4533 with,
4534–4554 without), plus lon/lat offset for Gaode/Tencent (GCJ-02) or Baidu (BD-09) maps. A file without a CRS
is never guessed silently: the candidates that fit its coordinates are named and the user picks with ``--crs``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError

from geoplan.transfer.datums import FROM_WGS84, TO_WGS84, in_china
from geoplan.transfer.errors import CRSUndetermined

WGS84 = CRS.from_epsg(4326)
CGCS2000 = CRS.from_epsg(4490)

#: Names a planner may type for the offset lon/lat systems of Chinese web maps.
DATUM_ALIASES = {
    "gcj02": "gcj02", "gcj-02": "gcj02", "gcj": "gcj02", "gaode": "gcj02", "amap": "gcj02", "高德": "gcj02",
    "tencent": "gcj02", "腾讯": "gcj02", "火星坐标": "gcj02",
    "bd09": "bd09", "bd-09": "bd09", "bd09ll": "bd09", "baidu": "bd09", "百度": "bd09",
}  # fmt: skip
CRS_ALIASES = {"wgs84": 4326, "wgs-84": 4326, "gps": 4326, "cgcs2000": 4490, "cgcs-2000": 4490}

#: Central meridians of the CGCS2000 Gauss–Krüger projections (EPSG ranges per the EPSG registry).
GK6_ZONES = {zone: 4491 + zone - 13 for zone in range(13, 24)}  # zone n: central meridian 6n - 3
GK6_CM = {6 * zone - 3: 4502 + zone - 13 for zone in range(13, 24)}
GK3_ZONES = {zone: 4513 + zone - 25 for zone in range(25, 46)}  # zone n: central meridian 3n
GK3_CM = {3 * zone: 4534 + zone - 25 for zone in range(25, 46)}
#: WGS 84 / UTM north zones over China (43N–53N), which look the same as zone-less Gauss–Krüger numbers.
UTM_CHINA = {6 * zone - 183: 32600 + zone for zone in range(43, 54)}


@dataclass(frozen=True)
class SourceCRS:
    """Coordinates' CRS: a pyproj CRS, plus a Chinese web-map offset when the lon/lat are GCJ-02 or BD-09."""

    crs: CRS
    datum: str | None = None  # "gcj02" | "bd09" | None

    @property
    def label(self) -> str:
        if self.datum == "gcj02":
            return "gcj02 (GCJ-02 高德/腾讯)"
        if self.datum == "bd09":
            return "bd09 (BD-09 百度)"
        return describe(self.crs)

    @property
    def is_wgs84(self) -> bool:
        return self.datum is None and self.crs.equals(WGS84, ignore_axis_order=True)


def describe(crs: CRS) -> str:
    """``EPSG:4525 (CGCS2000 / 3-degree Gauss-Kruger zone 37)``, or the CRS name when it has no EPSG code."""
    code = crs.to_epsg(min_confidence=70)
    return f"EPSG:{code} ({crs.name})" if code else crs.name


def parse_crs(text: str) -> SourceCRS:
    """Read a ``--crs`` value: ``EPSG:4525``, ``4525``, ``cgcs2000``, ``wgs84``, ``gcj02``, ``bd09``, WKT, PROJ."""
    key = text.strip().lower()
    if key in DATUM_ALIASES:
        return SourceCRS(WGS84, DATUM_ALIASES[key])
    if key in CRS_ALIASES:
        return SourceCRS(CRS.from_epsg(CRS_ALIASES[key]))
    try:
        crs = CRS.from_epsg(int(key)) if key.isdigit() else CRS.from_user_input(text.strip())
    except CRSError as exc:
        raise CRSUndetermined(
            f"未知坐标系 unknown CRS {text!r}: give an EPSG code (e.g. EPSG:4546 for CGCS2000 3° GK CM 111E), "
            "wgs84, cgcs2000, gcj02 (高德/腾讯) or bd09 (百度)",
            [],
        ) from exc
    return SourceCRS(crs)


def _bounds(geoms: gpd.GeoSeries) -> tuple[float, float, float, float] | None:
    valid = geoms[geoms.notna() & ~geoms.is_empty]
    if valid.empty:
        return None
    b = valid.total_bounds
    return float(b[0]), float(b[1]), float(b[2]), float(b[3])


def _lonlat_of(code: int, x: float, y: float) -> tuple[float, float]:
    t = Transformer.from_crs(CRS.from_epsg(code), WGS84, always_xy=True)
    lon, lat = t.transform(x, y)
    return float(lon), float(lat)


def candidates(
    bounds: tuple[float, float, float, float], reference: tuple[float, float, float, float] | None = None
) -> list[str]:
    """CRSs whose coordinate ranges fit ``bounds`` (xmin, ymin, xmax, ymax) — most specific first.

    ``reference`` (lon/lat box of the township's own data, when the store has some) narrows zone-less
    Gauss–Krüger and UTM candidates to those that put the data within ~50 km of it.
    """
    xmin, ymin, xmax, ymax = bounds
    if xmin >= -180 and xmax <= 180 and ymin >= -90 and ymax <= 90:
        found = ["EPSG:4326", "EPSG:4490"]
        if bool(np.all(in_china([xmin, xmax], [ymin, ymax]))):
            found += ["gcj02", "bd09"]
        return found
    if ymin < 0 or ymax > 10_000_000:
        return []
    zone = int(xmin // 1_000_000)
    if xmin >= 1_000_000 and int(xmax // 1_000_000) == zone:
        code = GK3_ZONES.get(zone) or GK6_ZONES.get(zone)
        return [f"EPSG:{code}"] if code else []
    if xmin < 0 or xmax > 1_000_000:
        return []
    cx, cy = (xmin + xmax) / 2, (ymin + ymax) / 2
    pool = [*GK3_CM.values(), *GK6_CM.values(), *UTM_CHINA.values()]
    if reference is None:
        return [f"EPSG:{code}" for code in pool]
    rxmin, rymin, rxmax, rymax = reference
    margin = 0.5  # degrees, ~50 km
    fitting = []
    for code in pool:
        lon, lat = _lonlat_of(code, cx, cy)
        if rxmin - margin <= lon <= rxmax + margin and rymin - margin <= lat <= rymax + margin:
            fitting.append(f"EPSG:{code}")
    return fitting


def summarise(found: Sequence[str]) -> str:
    """Candidates for a message: named one by one when few, as ranges when many."""
    if not found:
        return "none of CGCS2000 / its Gauss–Krüger zones / WGS84 fits these coordinates"
    if len(found) <= 6:
        return ", ".join(_named(c) for c in found)
    return (
        "EPSG:4534–4554 (CGCS2000 3° Gauss–Krüger, by central meridian), EPSG:4502–4512 (6°), "
        "EPSG:32643–32653 (WGS 84 / UTM) — the data directory has no villages to narrow this down"
    )


def _named(candidate: str) -> str:
    if candidate in ("gcj02", "bd09"):
        return SourceCRS(WGS84, candidate).label
    return describe(CRS.from_user_input(candidate))


def resolve(
    declared: SourceCRS | None,
    file_crs: CRS | None,
    geoms: gpd.GeoSeries,
    reference: tuple[float, float, float, float] | None = None,
) -> SourceCRS:
    """The CRS to read ``geoms`` in: ``declared`` (``--crs``) over the file's own; refuse when unknown or unfit."""
    bounds = _bounds(geoms)
    if declared is None and file_crs is None:
        found = candidates(bounds, reference) if bounds else []
        raise CRSUndetermined(
            f"文件没有坐标系 (无 .prj / CRS)，不作猜测；请用 --crs 指定 — "
            f"the file has no coordinate system (no .prj / CRS). Coordinates fit: {summarise(found)}. "
            "Say which with --crs (e.g. --crs EPSG:4546)",
            found,
        )
    source = declared or SourceCRS(file_crs)  # type: ignore[arg-type]
    if bounds is not None and not _fits(source.crs, bounds):
        found = candidates(bounds, reference)
        raise CRSUndetermined(
            f"坐标与 {source.label} 不符；请用 --crs 指定 — "
            f"the coordinates (x {bounds[0]:.3f}…{bounds[2]:.3f}, y {bounds[1]:.3f}…{bounds[3]:.3f}) do not fit "
            f"{source.label}. They fit: {summarise(found)}. Say which with --crs",
            found,
        )
    return source


def rows_fitting(crs: CRS, geoms: gpd.GeoSeries) -> np.ndarray:
    """Per row: whether its coordinates fit ``crs`` (an empty geometry fits; validation names it).

    One mistyped row (lon 200) must become that row's problem, not a verdict on the whole file's CRS.
    """
    boxes = shapely.bounds(geoms.values)  # NaN for empty/None
    ok = np.isnan(boxes).any(axis=1)
    xs = np.concatenate([boxes[:, 0], boxes[:, 0], boxes[:, 2], boxes[:, 2]])
    ys = np.concatenate([boxes[:, 1], boxes[:, 3], boxes[:, 1], boxes[:, 3]])
    if crs.is_geographic:
        lons, lats = xs, ys
    else:
        lons, lats = Transformer.from_crs(crs, WGS84, always_xy=True).transform(xs, ys)
        lons, lats = np.asarray(lons, dtype=float), np.asarray(lats, dtype=float)
    with np.errstate(invalid="ignore"):
        good = np.isfinite(lons) & np.isfinite(lats) & (np.abs(lons) <= 180) & (np.abs(lats) <= 90)
        area = None if crs.is_geographic else crs.area_of_use
        if area is not None:
            margin = 3.0
            west, south, east, north = area.bounds
            good &= (
                (lons >= west - margin) & (lons <= east + margin) & (lats >= south - margin) & (lats <= north + margin)
            )
    n = len(geoms)
    return ok | good.reshape(4, n).all(axis=0)


def _fits(crs: CRS, bounds: tuple[float, float, float, float]) -> bool:
    """Whether the box's corners land in lon/lat range and near the CRS's area of use."""
    xmin, ymin, xmax, ymax = bounds
    xs, ys = [xmin, xmin, xmax, xmax], [ymin, ymax, ymin, ymax]
    if crs.is_geographic:
        lons, lats = xs, ys
    else:
        lons, lats = Transformer.from_crs(crs, WGS84, always_xy=True).transform(xs, ys)
    if not all(math.isfinite(v) for v in (*lons, *lats)):
        return False
    if not all(-180 <= lon <= 180 and -90 <= lat <= 90 for lon, lat in zip(lons, lats, strict=True)):
        return False
    area = crs.area_of_use
    if area is None or crs.is_geographic:
        return True
    margin = 3.0  # degrees: projected data may reach a little beyond its zone
    west, south, east, north = area.bounds
    return all(
        west - margin <= lon <= east + margin and south - margin <= lat <= north + margin
        for lon, lat in zip(lons, lats, strict=True)
    )


def to_wgs84(geoms: gpd.GeoSeries, source: SourceCRS) -> gpd.GeoSeries:
    """Geometries in WGS84 lon/lat, 2D (stored data is RFC 7946)."""
    out = gpd.GeoSeries(shapely.force_2d(geoms.values), index=geoms.index, crs=source.crs)
    if not source.crs.equals(WGS84, ignore_axis_order=True):
        out = out.to_crs(WGS84)
    if source.datum is not None:
        convert = TO_WGS84[source.datum]
        out = gpd.GeoSeries(
            shapely.transform(out.values, lambda xy: np.column_stack(convert(xy[:, 0], xy[:, 1]))),
            index=out.index,
            crs=WGS84,
        )
    return out


def from_wgs84(geoms: gpd.GeoSeries, target: SourceCRS) -> gpd.GeoSeries:
    """Geometries from stored WGS84 into an export CRS (GCJ-02/BD-09 offsets applied for those)."""
    out = gpd.GeoSeries(geoms.values, index=geoms.index, crs=WGS84)
    if target.datum is not None:
        convert = FROM_WGS84[target.datum]
        return gpd.GeoSeries(
            shapely.transform(out.values, lambda xy: np.column_stack(convert(xy[:, 0], xy[:, 1]))),
            index=out.index,
            crs=WGS84,
        )
    return out if target.crs.equals(WGS84, ignore_axis_order=True) else out.to_crs(target.crs)
