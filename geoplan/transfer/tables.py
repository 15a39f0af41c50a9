"""Tables with coordinates (CSV, XLSX): find the lon/lat, x/y or WKT columns and make them geometry.

House lists arrive as spreadsheets from phones, surveyors and Gaode exports; the column names vary
(经度/纬度, lon/lat, X/Y, 东坐标/北坐标, WKT) and Chinese surveyors write X for *northing*: values make the
axis order unambiguous (a northing in China is 1–6 million metres, an easting below 1 million or prefixed with
its zone number), so swapped columns are put right and the swap is reported.
"""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoplan.transfer.errors import SourceUnreadable

#: Column names (normalised: lower case, no spaces) by coordinate role.
WKT_NAMES = ("wkt", "geometry", "geom", "the_geom", "shape", "几何", "几何图形", "坐标串")
LON_NAMES = ("lon", "lng", "long", "longitude", "经度", "经度(°)", "x经度")
LAT_NAMES = ("lat", "latitude", "纬度", "纬度(°)", "y纬度")
X_NAMES = ("x", "x坐标", "point_x", "easting", "东坐标", "横坐标", "east")
Y_NAMES = ("y", "y坐标", "point_y", "northing", "北坐标", "纵坐标", "north")


def _norm(name: object) -> str:
    return re.sub(r"\s+", "", str(name)).lower().replace("（", "(").replace("）", ")")


def read_table(path: Path, fmt: str, sheet: str | None = None, encoding: str | None = None) -> pd.DataFrame:
    """The table as text cells (CSV) or typed cells (XLSX); CSV tried as UTF-8 then GBK (Excel's Chinese default)."""
    if fmt == "xlsx":
        try:
            with pd.ExcelFile(path, engine="openpyxl") as book:
                if sheet is not None and sheet not in book.sheet_names:
                    raise SourceUnreadable(f"{path.name}: no sheet {sheet!r}; it has {', '.join(book.sheet_names)}")
                return pd.read_excel(book, sheet_name=sheet if sheet is not None else 0, dtype=object)
        except SourceUnreadable:
            raise
        except Exception as exc:
            raise SourceUnreadable(f"{path.name}: cannot be read as an Excel workbook ({exc})") from exc
    for enc in [encoding] if encoding else ["utf-8-sig", "gb18030"]:
        try:
            # Blank lines are kept (and dropped below) so record numbers stay those the planner sees.
            return pd.read_csv(
                path, dtype=str, encoding=enc, keep_default_na=False, na_values=[""], skip_blank_lines=False
            )
        except UnicodeDecodeError:
            continue
        except Exception as exc:
            raise SourceUnreadable(f"{path.name}: cannot be read as CSV ({exc})") from exc
    raise SourceUnreadable(f"{path.name}: text is neither UTF-8 nor GBK; give its encoding with --encoding")


def _find(columns: list[str], names: tuple[str, ...]) -> str | None:
    by_norm = {_norm(c): c for c in columns}
    return next((by_norm[n] for n in names if n in by_norm), None)


def _numbers(series: pd.Series) -> np.ndarray:
    return pd.to_numeric(series.astype(str).str.strip().replace({"": None, "nan": None}), errors="coerce").to_numpy(
        dtype=float
    )


def _looks_like_northing(values: np.ndarray) -> bool:
    v = values[np.isfinite(values)]
    return bool(v.size) and bool(np.all((v >= 1_000_000) & (v < 10_000_000)))


def _looks_like_easting(values: np.ndarray) -> bool:
    v = values[np.isfinite(values)]
    return bool(v.size) and bool(np.all(((v >= 0) & (v < 1_000_000)) | ((v >= 13_000_000) & (v < 46_000_000))))


def frame_from_table(
    path: Path, fmt: str, sheet: str | None = None, encoding: str | None = None
) -> tuple[gpd.GeoDataFrame, list[str]]:
    """A GeoDataFrame (no CRS: tables never carry one) and notes on how the coordinates were found.

    Empty rows are dropped but the index keeps each record's position (0 = first record under the header), so
    problems name the row the planner sees even when the sheet has blank lines.
    """
    table = read_table(path, fmt, sheet, encoding)
    table = table.dropna(how="all")
    columns = [str(c) for c in table.columns]
    table.columns = columns
    notes: list[str] = []
    wkt = _find(columns, WKT_NAMES)
    lon, lat = _find(columns, LON_NAMES), _find(columns, LAT_NAMES)
    x, y = _find(columns, X_NAMES), _find(columns, Y_NAMES)
    if wkt is not None:
        texts = table[wkt].astype(str).str.strip().where(table[wkt].notna(), None)
        try:
            geoms = shapely.from_wkt(texts.to_numpy(dtype=object), on_invalid="raise")
        except shapely.errors.GEOSException as exc:
            raise SourceUnreadable(f"{path.name}: column {wkt!r} holds text that is not WKT ({exc})") from exc
        used = [wkt]
        notes.append(f"几何取自 geometry from column {wkt!r} (WKT)")
    elif lon is not None and lat is not None:
        geoms = shapely.points(_numbers(table[lon]), _numbers(table[lat]))
        used = [lon, lat]
        notes.append(f"坐标取自 coordinates from columns {lon!r}/{lat!r}")
    elif x is not None and y is not None:
        xs, ys = _numbers(table[x]), _numbers(table[y])
        if _looks_like_northing(xs) and _looks_like_easting(ys):
            xs, ys = ys, xs
            notes.append(
                f"列 {x!r} 为北坐标、{y!r} 为东坐标 (测量惯例 X=北)，已交换 — "
                f"column {x!r} holds northings and {y!r} eastings (survey convention X = north); swapped"
            )
        geoms = shapely.points(xs, ys)
        used = [x, y]
        notes.append(f"坐标取自 coordinates from columns {x!r}/{y!r}")
    else:
        raise SourceUnreadable(
            f"{path.name}: no coordinate columns found (columns: {', '.join(columns)}). "
            "Name them lon/lat (经度/纬度), x/y (X坐标/Y坐标) or WKT"
        )
    # A missing coordinate makes a NaN point: treat it as no geometry so validation names the row.
    geoms = np.array([None if g is None or g.is_empty or _has_nan(g) else g for g in geoms], dtype=object)
    frame = gpd.GeoDataFrame(table.drop(columns=used), geometry=gpd.GeoSeries(geoms, index=table.index), crs=None)
    return frame, notes


def _has_nan(geom: shapely.Geometry) -> bool:
    return bool(np.isnan(shapely.get_coordinates(geom)).any())
