"""Options shared by every command, and the one place a command turns them into settings and a store."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from geoplan.cli.usage import LocalisedBadParameter
from geoplan.config import LANGS, Settings, load_settings
from geoplan.errors import GeoplanError

if TYPE_CHECKING:
    from geoplan.analysis.standards import Standards
    from geoplan.layers.backend import Store

#: ``geoplan --catalogue FILE <command>``: set by the app callback for this invocation, read by ``settings_from``.
_invocation: dict[str, Path | None] = {"catalogue": None}
#: ``geoplan --database-url URL <command>``: the layers are in that PostGIS database (else $GEOPLAN_DATABASE_URL).
_database: dict[str, str | None] = {"url": None}


def set_invocation_database(url: str | None) -> None:
    _database["url"] = url


def set_invocation_catalogue(path: Path | None) -> None:
    """Remember the global ``--catalogue`` option for this command (None = $GEOPLAN_CATALOGUE or none)."""
    _invocation["catalogue"] = path


def check_lang(value: str | None) -> str | None:
    """``--lang`` takes zh or en; anything else is a usage error, not silently Chinese."""
    if value is None or value in LANGS:
        return value
    raise LocalisedBadParameter(zh=f"只能是 zh 或 en,不能是 {value!r}", en=f"must be zh or en, not {value!r}")


DataDirOpt = Annotated[
    Path | None,
    typer.Option("--data-dir", help="Layer directory (default: $GEOPLAN_DATA_DIR or data/geojson)."),
]
#: One language option for every command that prints or writes labels.
LangOpt = Annotated[
    str | None,
    typer.Option(
        "--lang",
        metavar="zh|en",
        callback=check_lang,
        help="Language of labels and messages: zh (default, or $GEOPLAN_LANG) or en.",
    ),
]


DistanceOpt = Annotated[
    str | None,
    typer.Option(
        "--distance",
        metavar="straight|network",
        help="Measure every indicator that can be as a straight line or along the roads (default: as the "
        "standards file declares each one).",
    ),
]
#: A DEM for walks along the roads on slopes (Tobler); implies --distance network.
DemOpt = Annotated[
    Path | None,
    typer.Option(
        "--dem",
        metavar="FILE.tif",
        help="Elevation raster (GeoTIFF, any CRS): walks along the roads cost their slope-weighted flat-equivalent "
        "metres (Tobler's hiking function). Implies --distance network.",
    ),
]


def measured(std: Standards, distance: str | None, dem: Path | None) -> Standards:
    """The standards measured as ``--distance``/``--dem`` ask (a DEM measures walks along the roads)."""
    if distance not in (None, "straight", "network"):
        raise GeoplanError(f"unknown distance {distance!r} (straight or network)")
    if dem is not None and distance == "straight":
        raise GeoplanError("--dem weighs walks along the roads: it cannot go with --distance straight")
    if dem is not None:
        if not dem.is_file():
            raise GeoplanError(f"no DEM file {dem}")
        distance = "network"
    if distance is not None:
        std = std.with_distance(distance)  # type: ignore[arg-type]
    return std if dem is None else std.with_terrain(dem)


def settings_from(data_dir: Path | None = None, lang: str | None = None, **overrides: object) -> Settings:
    overrides.setdefault("catalogue_path", _invocation["catalogue"])
    overrides.setdefault("database_url", _database["url"])
    return load_settings(data_dir=data_dir, lang=lang, **overrides)


def _data_dir_error(en: str, zh: str) -> GeoplanError:
    error = GeoplanError(en)
    error.zh = zh
    return error


def store_from(settings: Settings, listing: bool = False) -> Store:
    """The configured store: the PostGIS database when one is set, else the data directory (which must exist).

    A typo should not look like empty layers, and a file or unreadable folder should say so in one line.
    ``listing``: the command only lists layers, counts and reads headers and logs (``layers``, ``changes``), so
    with the shipped catalogue the store gets its plain layer list (no pydantic models built: faster start-up).
    """
    if settings.database_url:
        from geoplan.layers.backend import open_store

        return open_store(settings)
    d = settings.data_dir
    hint_en, hint_zh = "set --data-dir or GEOPLAN_DATA_DIR", "用 --data-dir 或 GEOPLAN_DATA_DIR 指定"
    if not d.exists():
        raise _data_dir_error(f"data directory {d} does not exist ({hint_en})", f"数据目录 {d} 不存在({hint_zh})")
    if not d.is_dir():
        raise _data_dir_error(
            f"data directory {d} is a file, not a directory ({hint_en})", f"数据目录 {d} 是文件,不是目录({hint_zh})"
        )
    if not os.access(d, os.R_OK | os.X_OK):
        raise _data_dir_error(
            f"data directory {d} cannot be read (permission denied)", f"数据目录 {d} 无法读取(没有权限)"
        )
    # The catalogue's models are built when a command needs the store, not for --help.
    from geoplan.layers import LayerStore

    if listing and settings.catalogue_path is None:
        from geoplan.layers.listing import shipped_layers

        return LayerStore(d, shipped_layers(), max_vertices=settings.max_vertices)  # type: ignore[arg-type]
    from geoplan.layers.catalogue import load_catalogue

    return LayerStore(d, load_catalogue(settings.catalogue_path), max_vertices=settings.max_vertices)
