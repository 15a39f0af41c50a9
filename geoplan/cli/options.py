"""Options shared by every command, and the one place a command turns them into settings and a store."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from geoplan.config import Settings, load_settings
from geoplan.errors import GeoplanError
from geoplan.layers import LayerStore

DataDirOpt = Annotated[
    Path | None,
    typer.Option("--data-dir", help="Layer directory (default: $GEOPLAN_DATA_DIR or data/geojson)."),
]
LangOpt = Annotated[str | None, typer.Option("--lang", help="zh (default) or en.")]


def settings_from(data_dir: Path | None = None, lang: str | None = None, **overrides: object) -> Settings:
    return load_settings(data_dir=data_dir, lang=lang if lang in ("zh", "en") else None, **overrides)


def store_from(settings: Settings) -> LayerStore:
    """The store over the configured data directory, which must exist (a typo should not look like empty layers)."""
    if not settings.data_dir.is_dir():
        error = GeoplanError(f"data directory {settings.data_dir} does not exist (set --data-dir or GEOPLAN_DATA_DIR)")
        error.zh = f"数据目录 {settings.data_dir} 不存在(用 --data-dir 或 GEOPLAN_DATA_DIR 指定)"
        raise error
    return LayerStore(settings.data_dir)
