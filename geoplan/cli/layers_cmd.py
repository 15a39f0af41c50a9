"""Layer commands: list layers, validate files, feature history, restore, change list and undo."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from geoplan.cli.app import app
from geoplan.cli.options import DataDirOpt, LangOpt, settings_from, store_from
from geoplan.errors import ValidationFailed

console = Console()


@app.command("layers")
def layers_command(data_dir: DataDirOpt = None, lang: LangOpt = None) -> None:
    """List every layer: name, title, geometry type and feature count."""
    settings = settings_from(data_dir, lang)
    store = store_from(settings)
    zh = settings.lang == "zh"
    table = Table(title="图层 Layers" if zh else "Layers")
    for col in (
        ("图层 layer", "名称 title", "几何 geometry", "要素数 features")
        if zh
        else ("layer", "title", "geometry", "features")
    ):
        table.add_column(col)
    for spec in store.catalogue.layers:
        table.add_row(spec.name, spec.title(settings.lang), "/".join(spec.geometry_types), str(store.count(spec.name)))
    console.print(table)


@app.command("validate")
def validate_command(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Layer files or directories (default: the data dir).")
    ] = None,
    data_dir: DataDirOpt = None,
) -> None:
    """Check layer files against the catalogue; exit 1 with one line per problem."""
    store = store_from(settings_from(data_dir))
    report = store.validate_files(paths or None)
    if report.problems:
        raise ValidationFailed(report.problems)
    console.print(f"OK: {len(report.files)} 个图层文件通过校验 (files valid)")


@app.command("history")
def history_command(layer: str, feature_id: str, data_dir: DataDirOpt = None) -> None:
    """List every recorded version of one feature."""
    store = store_from(settings_from(data_dir))
    table = Table(title=f"{layer} / {feature_id}")
    for col in ("版本 version", "时间 at", "操作 op", "操作人 actor", "名称 name", "状态 status"):
        table.add_column(col)
    for v in store.history(layer, feature_id):
        props = (v.feature or {}).get("properties", {})
        table.add_row(
            str(v.version),
            v.at or "",
            v.op or "",
            v.actor or "",
            str(props.get("name", "")),
            str(props.get("status", "")),
        )
    console.print(table)


@app.command("restore")
def restore_command(layer: str, feature_id: str, version: int, data_dir: DataDirOpt = None) -> None:
    """Make an earlier version of a feature current again (recorded as a new version)."""
    store = store_from(settings_from(data_dir))
    restored = store.restore(layer, feature_id, version, actor="cli")
    console.print(
        f"已恢复 restored {layer}/{feature_id} 版本 version {version} → 新版本 new version "
        f"{restored['properties']['version']}"
    )


@app.command("changes")
def changes_command(
    layer: Annotated[str | None, typer.Option(help="Only this layer.")] = None,
    last: Annotated[int, typer.Option(help="How many of the latest changes to show.")] = 20,
    data_dir: DataDirOpt = None,
) -> None:
    """List the latest changes in the change log (ids for undo)."""
    store = store_from(settings_from(data_dir))
    table = Table(title="变更记录 Changes")
    for col in ("变更 change", "时间 at", "操作 op", "图层 layers", "要素数 features", "操作人 actor", "说明 message"):
        table.add_column(col)
    for c in store.changes(layer)[-last:]:
        table.add_row(c.change, c.at, c.op, ",".join(c.layers), str(c.count), c.actor or "", c.message or "")
    console.print(table)


@app.command("undo")
def undo_command(
    change: Annotated[str | None, typer.Argument(help="Change id (default: the latest change).")] = None,
    data_dir: DataDirOpt = None,
) -> None:
    """Undo one change (an import, an edit …) by writing the earlier states back as a new change."""
    store = store_from(settings_from(data_dir))
    summary = store.undo(change, actor="cli")
    console.print(
        f"已撤销 undone: {summary.message} ({summary.count} 个要素 features, 新变更 new change {summary.change})"
    )
