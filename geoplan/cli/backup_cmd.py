"""``geoplan backup`` and ``geoplan restore-backup``: a consistent snapshot while the server runs, and its return."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from geoplan.cli.app import app
from geoplan.cli.options import DataDirOpt, LangOpt, settings_from, store_from
from geoplan.errors import GeoplanError

if TYPE_CHECKING:
    from geoplan.config import Settings

console = Console()


def _say(lang: str, zh: str, en: str) -> None:
    console.print(zh if lang == "zh" else en, highlight=False, markup=False, soft_wrap=True)


def database_url(settings: Settings) -> str | None:
    """The PostgreSQL backend's URL when one is configured (--database-url / GEOPLAN_DATABASE_URL)."""
    return getattr(settings, "database_url", None) or os.environ.get("GEOPLAN_DATABASE_URL") or None


@app.command("backup")
def backup_command(
    out: Annotated[Path, typer.Argument(help="Archive to write, e.g. geoplan-2026-12-02.tar.gz.")],
    data_dir: DataDirOpt = None,
    lang: LangOpt = None,
) -> None:
    """Back up every layer and its change log (plus the deployment catalogue and standards files in use) as one
    tar.gz, consistently, while the server keeps running: writers wait only while the files are copied."""
    settings = settings_from(data_dir, lang)
    url = database_url(settings)
    if url:  # the PostgreSQL backend: pg_dump's one-transaction snapshot
        from geoplan.layers.pgbackup import backup_database

        summary = backup_database(url, out)
        size = f"{summary.bytes / 1e6:.1f} MB"
        _say(
            settings.lang,
            f"已用 pg_dump 备份数据库({size})到 {summary.path}",
            f"backed up the database with pg_dump ({size}) to {summary.path}",
        )
        return
    store = store_from(settings)
    config = {"catalogue.toml": settings.catalogue_path, "standards.toml": settings.standards_path}
    if not hasattr(store, "backup"):  # the PostgreSQL backend: its own tools keep a consistent dump
        error = GeoplanError(f"{type(store).__name__} is backed up with pg_dump (docs/zh/部署运维手册.md, section 7)")
        error.zh = "PostgreSQL 后端请用 pg_dump 备份(见 docs/zh/部署运维手册.md 第 7 节)"
        raise error
    summary = store.backup(out, {k: v for k, v in config.items() if v is not None})
    size = f"{summary.bytes / 1e6:.1f} MB"
    _say(
        settings.lang,
        f"已备份 {len(summary.layers)} 个图层({summary.files} 个文件,{size})到 {summary.path}",
        f"backed up {len(summary.layers)} layers ({summary.files} files, {size}) to {summary.path}",
    )


@app.command("restore-backup")
def restore_backup_command(
    archive: Annotated[Path, typer.Argument(help="A tar.gz written by `geoplan backup`.")],
    data_dir: DataDirOpt = None,
    lang: LangOpt = None,
) -> None:
    """Replace the data directory with a backup, all at once; the current directory is kept beside it.

    Stop the service first (systemctl stop geoplan): a running server would keep its cached reads."""
    from geoplan.layers.backup import restore_store
    from geoplan.layers.catalogue import load_catalogue

    settings = settings_from(data_dir, lang)
    url = database_url(settings)
    if url:
        from geoplan.layers.pgbackup import restore_database

        manifest = restore_database(archive, url)
        taken = manifest.get("taken_at", "?")
        _say(
            settings.lang,
            f"已从 {archive}(备份时间 {taken})恢复数据库",
            f"restored the database from {archive} (taken {taken})",
        )
        return
    names = load_catalogue(settings.catalogue_path).names
    summary = restore_store(archive, settings.data_dir, names)
    taken = summary.manifest.get("taken_at", "?")
    _say(
        settings.lang,
        f"已从 {archive}(备份时间 {taken})恢复到 {summary.data_dir}",
        f"restored {summary.data_dir} from {archive} (taken {taken})",
    )
    if summary.previous is not None:
        _say(
            settings.lang,
            f"原数据目录保留为 {summary.previous}",
            f"the previous data directory is kept as {summary.previous}",
        )
    for path in summary.config:
        _say(
            settings.lang,
            f"备份中的配置文件已放在 {path}(请按需复制到服务读取的位置)",
            f"a configuration file from the backup is at {path} (copy it to where the service reads it if needed)",
        )
