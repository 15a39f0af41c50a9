"""Read a planner's file into a frame of raw columns plus geometry, whatever format it came in.

Vector formats (GeoJSON, Shapefile — zipped or loose —, GeoPackage, KML/KMZ) are read with pyogrio; tables
(CSV, XLSX) with pandas, then their coordinate columns become geometry (:mod:`geoplan.transfer.tables`).
Nothing here maps fields or changes coordinates: the frame keeps the file's own CRS (or None) and columns.
"""

from __future__ import annotations

import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
from pyproj import CRS

from geoplan.transfer.errors import SourceUnreadable
from geoplan.transfer.tables import frame_from_table

#: Formats by file suffix.  ``.zip`` is looked into (a zipped Shapefile, usually).
SUFFIX_FORMATS = {
    ".geojson": "geojson",
    ".json": "geojson",
    ".shp": "shp",
    ".zip": "zip",
    ".gpkg": "gpkg",
    ".kml": "kml",
    ".kmz": "kmz",
    ".csv": "csv",
    ".txt": "csv",
    ".xlsx": "xlsx",
}
#: Shapefile code pages (.cpg contents, DBF language-driver ids) → the Python/iconv codec that reads them.
_CPG_CODECS = {
    "utf-8": "UTF-8", "utf8": "UTF-8", "65001": "UTF-8",
    "gbk": "GB18030", "gb2312": "GB18030", "gb18030": "GB18030", "936": "GB18030", "cp936": "GB18030",
    "cp_gbk": "GB18030", "ansi 936": "GB18030",
}  # fmt: skip
_LDID_GBK = 0x4D  # DBF header byte 29: code page 936


@dataclass
class SourceData:
    """A file as read: raw columns, geometry in the file's CRS (``crs`` None when it declares none).

    The frame's index is each record's position in the file (0 = first record), which gaps when blank rows
    were left out; problems are numbered from it.
    """

    frame: gpd.GeoDataFrame
    crs: CRS | None
    format: str
    table: str | None = None
    notes: list[str] = field(default_factory=list)


def detect_format(path: Path) -> str:
    fmt = SUFFIX_FORMATS.get(path.suffix.lower())
    if fmt is None:
        known = ", ".join(sorted(SUFFIX_FORMATS))
        raise SourceUnreadable(f"{path.name}: unknown file type {path.suffix!r} (geoplan reads {known})")
    return fmt


def read_source(path: Path, *, table: str | None = None, encoding: str | None = None) -> SourceData:
    """Read ``path``; ``table`` picks a GeoPackage table, KML folder, XLSX sheet or Shapefile inside a zip."""
    path = Path(path)
    if not path.is_file():
        raise SourceUnreadable(f"{path}: no such file")
    fmt = detect_format(path)
    if fmt in ("csv", "xlsx"):
        frame, notes = frame_from_table(path, fmt, sheet=table, encoding=encoding)
        return SourceData(frame, None, fmt, table, notes)
    if fmt == "zip":
        return _read_zip(path, table, encoding)
    if fmt == "shp":
        enc, notes = _shapefile_encoding(
            path.with_suffix(".dbf").read_bytes() if path.with_suffix(".dbf").exists() else b"",
            _sidecar_text(path.with_suffix(".cpg")),
            encoding,
        )
        return _read_vector(str(path), "shp", table, enc, notes)
    if fmt == "kmz":
        return _read_vector(str(path), "kmz", table, encoding, [])
    return _read_vector(str(path), fmt, table, encoding, [])


def _sidecar_text(path: Path) -> str | None:
    return path.read_text(encoding="ascii", errors="replace").strip() if path.exists() else None


def _read_zip(path: Path, table: str | None, encoding: str | None) -> SourceData:
    try:
        with zipfile.ZipFile(path) as zf:
            names = [n for n in zf.namelist() if not n.endswith("/") and "__MACOSX" not in n]
            shps = [n for n in names if n.lower().endswith(".shp")]
            if shps:
                if table is not None:
                    shps = [n for n in shps if Path(n).stem == table] or shps[:0]
                    if not shps:
                        raise SourceUnreadable(f"{path.name}: no Shapefile named {table!r} inside")
                elif len(shps) > 1:
                    stems = ", ".join(Path(n).stem for n in shps)
                    raise SourceUnreadable(f"{path.name} holds several Shapefiles ({stems}); pick one with --table")
                shp = shps[0]
                stem = shp[: -len(".shp")]
                dbf = next((n for n in names if n.lower() == f"{stem}.dbf".lower()), None)
                cpg = next((n for n in names if n.lower() == f"{stem}.cpg".lower()), None)
                enc, notes = _shapefile_encoding(
                    zf.read(dbf) if dbf else b"",
                    zf.read(cpg).decode("ascii", errors="replace").strip() if cpg else None,
                    encoding,
                )
                return _read_vector(f"/vsizip/{path}/{shp}", "shp", None, enc, notes)
            others = [n for n in names if Path(n).suffix.lower() in (".gpkg", ".geojson", ".json", ".kml")]
            if len(others) == 1:
                inner = others[0]
                return _read_vector(
                    f"/vsizip/{path}/{inner}", SUFFIX_FORMATS[Path(inner).suffix.lower()], table, encoding, []
                )
    except zipfile.BadZipFile as exc:
        raise SourceUnreadable(f"{path.name}: not a valid zip file ({exc})") from exc
    raise SourceUnreadable(f"{path.name}: the zip holds no Shapefile (.shp with .dbf/.shx) or single GIS file")


def _shapefile_encoding(dbf: bytes, cpg: str | None, given: str | None) -> tuple[str | None, list[str]]:
    """The DBF's text encoding: as given, else from .cpg, else its language-driver byte, else sniffed.

    Without a .cpg GDAL assumes ISO-8859-1, which turns GBK Chinese into mojibake; sniffing whether the text
    is valid UTF-8 (GBK text almost never is) avoids that.
    """
    if given:
        return given, []
    if cpg:
        codec = _CPG_CODECS.get(cpg.strip().lower())
        return (codec or cpg.strip()), []
    if len(dbf) > 29 and dbf[29] == _LDID_GBK:
        return "GB18030", ["DBF 语言驱动标记为 GBK (language driver 936)"]
    try:
        _dbf_text(dbf).decode("utf-8")
    except UnicodeDecodeError:
        return "GB18030", ["无 .cpg 文件，按 GBK 读取属性 (no .cpg: text read as GBK/GB18030)"]
    return "UTF-8", []


def _dbf_text(dbf: bytes) -> bytes:
    """The DBF's text — field names and records — without its binary header numbers.

    A text field 254 wide has length byte 0xFE, which is never valid UTF-8: sniffing the raw header would
    take every UTF-8 file with such a field for GBK.
    """
    if len(dbf) < 32:
        return b""
    header_len = int.from_bytes(dbf[8:10], "little")
    names = []
    for start in range(32, min(header_len, len(dbf)) - 31, 32):
        if dbf[start] == 0x0D:  # end of the field descriptors
            break
        names.append(dbf[start : start + 11].split(b"\x00", 1)[0])
    return b" ".join(names) + b" " + dbf[header_len:]


def _read_vector(source: str, fmt: str, table: str | None, encoding: str | None, notes: list[str]) -> SourceData:
    try:
        layers = [str(name) for name, _ in pyogrio.list_layers(source)]
    except Exception as exc:  # pyogrio raises DataSourceError and friends
        raise SourceUnreadable(f"{Path(source).name}: cannot be read as {fmt} ({exc})") from exc
    if table is not None and table not in layers:
        raise SourceUnreadable(f"{Path(source).name}: no table {table!r}; it has {', '.join(layers)}")
    if table is None and len(layers) > 1 and fmt not in ("kml", "kmz"):
        raise SourceUnreadable(f"{Path(source).name} has several tables ({', '.join(layers)}); pick one with --table")
    # A KML's folders are not tables to a planner: read them all unless one is named.
    wanted = [table] if table is not None else layers
    frames = []
    crs: CRS | None = None
    for name in wanted:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                part = pyogrio.read_dataframe(source, layer=name, encoding=encoding)
        except Exception as exc:
            raise SourceUnreadable(f"{Path(source).name}: cannot read table {name!r} ({exc})") from exc
        if not isinstance(part, gpd.GeoDataFrame):  # a GeoPackage attribute table, a DBF without .shp …
            raise SourceUnreadable(f"{Path(source).name}: table {name!r} has no geometry (表中没有几何图形)")
        if part.crs is not None:
            crs = CRS.from_user_input(part.crs)
        frames.append(part)
    frame = frames[0] if len(frames) == 1 else gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=crs)
    frame = frame.reset_index(drop=True)
    if fmt in ("kml", "kmz"):
        # KML drivers add styling columns that are not attributes; drop the empty ones.
        frame = frame.drop(columns=[c for c in frame.columns if c != "geometry" and frame[c].isna().all()])
    return SourceData(frame, crs, fmt, table, notes)
