"""Export a layer in the formats bureaus use: GeoPackage, zipped Shapefile, KML, GeoJSON, CSV, XLSX.

Columns are the catalogue's fields (Shapefile names cut to DBF's 10 characters, which the importer recognises),
or with ``labels`` their Chinese/English labels and enum labels (for spreadsheets people read). Coordinates go
out in WGS84 unless a CRS is asked for — a Gauss–Krüger zone, or GCJ-02/BD-09 for web-map tools.
"""

from __future__ import annotations

import codecs
import os
import tempfile
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely

from geoplan.layers import LayerSpec, LayerStore
from geoplan.layers.catalogue import GEOMETRY_TYPES
from geoplan.transfer.crs import SourceCRS, parse_crs
from geoplan.transfer.crs import from_wgs84 as project
from geoplan.transfer.errors import ExportError

Lang = Literal["zh", "en"]
#: Excel refuses longer cell text; complex lines/polygons must go out in a GIS format instead.
EXCEL_CELL_LIMIT = 32_767
SHP_NAME_LIMIT = 10


@dataclass(frozen=True)
class ExportFormat:
    name: str
    suffix: str
    media_type: str
    driver: str | None


EXPORT_FORMATS: dict[str, ExportFormat] = {
    f.name: f
    for f in (
        ExportFormat("gpkg", ".gpkg", "application/geopackage+sqlite3", "GPKG"),
        ExportFormat("shp", ".zip", "application/zip", "ESRI Shapefile"),
        ExportFormat("kml", ".kml", "application/vnd.google-earth.kml+xml", "LIBKML"),
        ExportFormat("geojson", ".geojson", "application/geo+json", "GeoJSON"),
        ExportFormat("csv", ".csv", "text/csv; charset=utf-8", None),
        ExportFormat("xlsx", ".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", None),
    )
}


@dataclass(frozen=True)
class ExportResult:
    path: Path
    format: ExportFormat
    count: int
    crs: str


def export_format(name: str) -> ExportFormat:
    fmt = EXPORT_FORMATS.get(name.lower().lstrip("."))
    if fmt is None:
        raise ExportError(f"unknown export format {name!r}; choose one of {', '.join(EXPORT_FORMATS)}")
    return fmt


def layer_frame(store: LayerStore, layer: str, village: str | None = None) -> gpd.GeoDataFrame:
    """The layer's features (optionally one village's), one typed column per catalogue field, in WGS84."""
    spec = store.spec(layer)
    frame = store.frame(layer)
    if village is not None:
        codes = {str(f["properties"].get("code")) for f in store.features("villages")}
        if codes and village not in codes:
            raise ExportError(f"no village with code {village!r} in the villages layer")
        column = "code" if layer == "villages" else "village_code"
        if column not in frame.columns:
            raise ExportError(f"layer {layer} has no village_code field; --village does not apply")
        frame = frame[frame[column] == village]
    frame = frame.reset_index(drop=True)
    for f in spec.fields:
        if f.type == "integer":
            frame[f.name] = pd.array([None if pd.isna(v) else int(v) for v in frame[f.name]], dtype="Int64")
        elif f.type == "number":
            frame[f.name] = pd.to_numeric(frame[f.name], errors="coerce").astype(float)
        elif f.type == "boolean":
            frame[f.name] = pd.array([None if pd.isna(v) else bool(v) for v in frame[f.name]], dtype="boolean")
        else:  # an all-empty text column must still be written as text, not as a float column of NaN
            frame[f.name] = pd.array([None if pd.isna(v) else str(v) for v in frame[f.name]], dtype="string")
    return frame


def _labelled(store: LayerStore, spec: LayerSpec, frame: gpd.GeoDataFrame, lang: Lang) -> gpd.GeoDataFrame:
    """Column headers and enum values as labels, for spreadsheets people read (the importer maps both back)."""
    out = frame.copy()
    for f in spec.fields:
        if f.enum is not None:
            out[f.name] = [None if pd.isna(v) else store.catalogue.enum_label(f.enum, v, lang) for v in out[f.name]]
    return out.rename(columns={f.name: f.title(lang) for f in spec.fields})


def export_layer(
    store: LayerStore,
    layer: str,
    fmt: str,
    out: Path,
    *,
    crs: str | None = None,
    village: str | None = None,
    labels: Lang | None = None,
    encoding: str = "UTF-8",
) -> ExportResult:
    """Write ``layer`` to ``out`` in ``fmt``; returns what was written."""
    spec = store.spec(layer)
    form = export_format(fmt)
    target = parse_crs(crs) if crs else SourceCRS(parse_crs("wgs84").crs)
    if form.name == "kml" and not target.crs.is_geographic:
        raise ExportError("KML is lon/lat only (WGS84, or gcj02/bd09); export projected data as gpkg or shp")
    if form.name == "shp" and labels is not None:
        raise ExportError("Shapefile column names are limited to 10 bytes; labels fit only csv, xlsx, gpkg, kml")
    if form.name == "shp" and Path(out).suffix.lower() != ".zip":
        raise ExportError(
            f"a Shapefile is several files and goes out as one .zip; name the output {Path(out).stem}.zip"
        )
    frame = layer_frame(store, layer, village)
    if form.name in ("shp", "csv"):
        _check_encodable(frame, encoding)
    geoms = project(frame.geometry, target)
    frame = gpd.GeoDataFrame(frame.drop(columns="geometry"), geometry=geoms.values, crs=geoms.crs)
    if target.datum is not None:
        frame = frame.set_crs(None, allow_override=True)  # offset lon/lat are not WGS84; do not claim they are
    if labels is not None:
        frame = _labelled(store, spec, frame, labels)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    # Written beside the target and renamed into place: a failed export never leaves a half file or
    # destroys the previous one.
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=".geoplan-export-") as tmp:
        part = Path(tmp) / out.name
        if form.name == "shp":
            _write_shapefile(frame, spec, part, encoding)
        elif form.name in ("csv", "xlsx"):
            _write_table(frame, spec, part, form.name, encoding, target)
        else:
            if form.name == "kml" and labels is not None and spec.has_field("name"):
                # LIBKML puts the `name` column in each Placemark's <name>, the label a KML viewer shows.
                frame = frame.rename(columns={spec.field("name").title(labels): "name"})
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                # LIBKML writes the `id` column as each Placemark's id, so ids survive a round trip.
                pyogrio.write_dataframe(frame, part, driver=form.driver, layer=layer)
        os.replace(part, out)
    return ExportResult(out, form, len(frame), target.label)


#: GeoPackage geometry type of an empty table per catalogue family (a table with rows takes its rows' types).
_EMPTY_GEOMETRY = {"point": "Point", "line": "LineString", "polygon": "Polygon"}


def export_geopackage(store: LayerStore, out: Path, layers: list[str] | None = None) -> dict[str, int]:
    """Every layer (or ``layers``) as one table of one GeoPackage in WGS84; returns the feature count per table.

    What a QGIS project of the county reads offline.  Written beside ``out`` and renamed into place, like every
    export: a failure leaves the previous file as it was.
    """
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=".geoplan-export-") as tmp:
        part = Path(tmp) / out.name
        for name in layers or list(store.layer_names):
            frame = layer_frame(store, name)
            family = store.spec(name).geometry
            kwargs = {"geometry_type": _EMPTY_GEOMETRY.get(family, "Unknown")} if frame.empty else {}
            pyogrio.write_dataframe(frame, part, driver="GPKG", layer=name, **kwargs)
            counts[name] = len(frame)
        os.replace(part, out)
    return counts


def _check_encodable(frame: gpd.GeoDataFrame, encoding: str) -> None:
    """Refuse, naming the feature and field, text the chosen encoding cannot hold.

    GDAL silently drops such characters from a GBK Shapefile (rare 生僻字 in householders' names, emoji), and
    pandas fails half-way through a CSV; neither may happen to a planner's data.
    """
    try:
        codec = codecs.lookup(encoding).name
    except LookupError as exc:
        raise ExportError(f"未知编码 unknown encoding {encoding!r}; use UTF-8 or GBK") from exc
    for column in frame.columns:
        if column == "geometry" or str(frame[column].dtype) != "string":
            continue
        for fid, value in zip(frame["id"] if "id" in frame.columns else frame.index, frame[column], strict=True):
            if not pd.isna(value):
                try:
                    str(value).encode(codec)
                except UnicodeEncodeError as exc:
                    raise ExportError(
                        f"要素 {fid} 字段 {column} 含 {encoding} 无法表示的字符 {exc.object[exc.start : exc.end]!r} — "
                        f"feature {fid}, field {column}: text cannot be written in {encoding}; export with UTF-8"
                    ) from exc


def _write_shapefile(frame: gpd.GeoDataFrame, spec: LayerSpec, out: Path, encoding: str) -> None:
    """A zip of .shp/.shx/.dbf/.prj/.cpg; long names cut to 10 characters (unique per layer, see tests)."""
    renamed = frame.rename(columns={c: c[:SHP_NAME_LIMIT] for c in frame.columns if c != "geometry"})
    for col in renamed.columns:
        if str(renamed[col].dtype) == "boolean":  # DBF has no nullable boolean GDAL writes; 1/0 reads back
            renamed[col] = renamed[col].astype("Int64")
    # A Shapefile holds one geometry type: a layer with points and polygons (houses) becomes one file per family.
    families = [f for f in spec.families if renamed.geometry.geom_type.isin(GEOMETRY_TYPES[f]).any()]
    with tempfile.TemporaryDirectory() as tmp:
        for family in families or [spec.geometry]:
            part = renamed[renamed.geometry.geom_type.isin(GEOMETRY_TYPES[family]).to_numpy()] if families else renamed
            stem = spec.name if len(families) <= 1 else f"{spec.name}_{family}"
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                pyogrio.write_dataframe(part, Path(tmp) / f"{stem}.shp", driver="ESRI Shapefile", encoding=encoding)
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for part in sorted(Path(tmp).iterdir()):
                zf.write(part, part.name)


def _write_table(
    frame: gpd.GeoDataFrame, spec: LayerSpec, out: Path, kind: str, encoding: str, target: SourceCRS
) -> None:
    """A table with lon/lat (or x/y), WKT and a ``crs`` column, so geoplan re-imports it without ``--crs``."""
    projected = not target.crs.is_geographic
    table = pd.DataFrame(frame.drop(columns="geometry"))
    if spec.families == ("point",) or (len(frame) and frame.geometry.geom_type.eq("Point").all()):
        xs = frame.geometry.x
        ys = frame.geometry.y
        table["x" if projected else "lon"] = xs.to_numpy()
        table["y" if projected else "lat"] = ys.to_numpy()
    wkt = shapely.to_wkt(frame.geometry.values, rounding_precision=-1)
    if kind == "xlsx" and any(len(w) > EXCEL_CELL_LIMIT for w in wkt):
        raise ExportError(
            f"some {spec.name} geometries are too detailed for an Excel cell ({EXCEL_CELL_LIMIT} characters); "
            "export them as gpkg, shp or geojson"
        )
    table["wkt"] = wkt
    code = target.datum or (f"EPSG:{epsg}" if (epsg := target.crs.to_epsg()) else None)
    if code is not None:
        table["crs"] = code
    if kind == "csv":
        enc = "utf-8-sig" if encoding.upper().replace("-", "") == "UTF8" else encoding
        table.to_csv(out, index=False, encoding=enc)
    else:
        table.to_excel(out, index=False, sheet_name=spec.name[:31], engine="openpyxl")
