"""Layer commands: list layers, validate files, feature history, restore, change list and undo."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from geoplan.cli.app import app
from geoplan.cli.options import DataDirOpt, LangOpt, settings_from, store_from
from geoplan.errors import ChangeNotFound, DataFileError, GeoplanError, ValidationFailed
from geoplan.layers.survey import describe as describe_survey

if TYPE_CHECKING:
    from geoplan.layers import ChangeSummary, LayerStore, Version

console = Console()
err_console = Console(stderr=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON (for scripts) instead of a table.")]

#: Fields every write sets; a change to only these is no change a planner made.
_BOOKKEEPING = ("version", "updated_at")


def _say(lang: str, zh: str, en: str) -> str:
    return zh if lang == "zh" else en


@app.command("layers")
def layers_command(data_dir: DataDirOpt = None, lang: LangOpt = None) -> None:
    """List every layer: name, title, geometry type and feature count."""
    from geoplan.layers.store import DATABASE_ADVISED_FEATURES  # the store module: not for `geoplan --help`

    settings = settings_from(data_dir, lang)
    store = store_from(settings, listing=True)
    zh = settings.lang == "zh"
    table = Table(title="图层 Layers" if zh else "Layers")
    for i, col in enumerate(
        ("图层 layer", "名称 title", "几何 geometry", "要素数 features", "调查范围 surveyed")
        if zh
        else ("layer", "title", "geometry", "features", "surveyed")
    ):
        # the layer name is what commands take: never cut; the rest folds on narrow terminals
        table.add_column(col, no_wrap=i == 0, overflow="fold")
    unreadable: list[DataFileError] = []
    large: list[str] = []
    for spec in store.catalogue.layers:
        surveyed = ""
        try:
            n = store.count(spec.name)
            count = str(n)
            surveyed = describe_survey(store.survey(spec.name), settings.lang)
            if n >= DATABASE_ADVISED_FEATURES:
                large.append(spec.name)
        except DataFileError as exc:  # one bad file should not hide the other layers
            unreadable.append(exc)
            count = "无法读取" if zh else "unreadable"
        table.add_row(spec.name, spec.title(settings.lang), "/".join(spec.geometry_types), count, surveyed)
    limit = f"{DATABASE_ADVISED_FEATURES:,}"
    table.caption = _say(
        settings.lang,
        f"建议：超过 {limit} 个要素的图层宜存入 PostgreSQL/PostGIS（每次编辑都会重写整个 GeoJSON 文件）",
        f"Recommended: layers above {limit} features belong in PostgreSQL/PostGIS (each edit rewrites the file)",
    )
    console.print(table)
    if large:
        console.print(
            _say(
                settings.lang,
                f"提示：{'、'.join(large)} 已超过 {limit} 个要素，编辑会变慢；建议迁入 PostgreSQL 后端。",
                f"Note: {', '.join(large)} exceed {limit} features; edits slow down — consider the PostgreSQL backend.",
            ),
            markup=False,
        )
    for exc in unreadable:
        err_console.print(
            f"{_say(settings.lang, '错误', 'error')}: {exc.text(settings.lang)}", markup=False, soft_wrap=True
        )
    if unreadable:
        raise typer.Exit(1)


@app.command("validate")
def validate_command(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Layer files or directories (default: the data dir).")
    ] = None,
    data_dir: DataDirOpt = None,
    lang: LangOpt = None,
) -> None:
    """Check layer files against the catalogue; exit 1 with one line per problem."""
    settings = settings_from(data_dir, lang)
    store = store_from(settings)
    report = store.validate_files(paths or None)
    if report.problems:
        raise ValidationFailed(report.problems)
    console.print(
        _say(settings.lang, f"OK: {len(report.files)} 个图层文件通过校验", f"OK: {len(report.files)} files valid")
    )


def version_changes(before: dict[str, Any] | None, after: dict[str, Any] | None, lang: str) -> str:
    """What changed from one version of a feature to the next, e.g. ``status: planned → completed; geometry``."""
    if after is None:
        return _say(lang, "删除", "deleted")
    if before is None:
        return _say(lang, "新建", "created")
    old, new = before.get("properties") or {}, after.get("properties") or {}
    parts = []
    for key in dict.fromkeys([*old, *new]):
        if key in _BOOKKEEPING or old.get(key) == new.get(key):
            continue
        parts.append(f"{key}: {_short(old.get(key))} → {_short(new.get(key))}")
    if before.get("geometry") != after.get("geometry"):
        parts.append(_say(lang, "几何图形", "geometry"))
    return "; ".join(parts) or _say(lang, "无变化", "no change")


def _short(value: Any, limit: int = 40) -> str:
    text = "—" if value is None else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


@app.command("history")
def history_command(
    layer: Annotated[str, typer.Argument(help="Layer name.")],
    feature_id: Annotated[str, typer.Argument(help="Feature id.")],
    json_out: JsonOpt = False,
    data_dir: DataDirOpt = None,
    lang: LangOpt = None,
) -> None:
    """List every recorded version of one feature, with its full time and what changed from the version before."""
    settings = settings_from(data_dir, lang)
    store = store_from(settings)
    versions = store.history(layer, feature_id)
    rows = _history_rows(versions, settings.lang)
    if json_out:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    zh = settings.lang == "zh"
    table = Table(title=f"{layer} / {feature_id}")
    heads = ("版本", "时间", "操作", "名称", "变化") if zh else ("version", "at", "op", "name", "what changed")
    for i, col in enumerate(heads):
        table.add_column(col, no_wrap=i < 2, overflow="fold")
    for r in rows:
        op = " ".join(x for x in (r["op"], f"({r['actor']})" if r["actor"] else None) if x)
        table.add_row(str(r["version"]), r["at"] or "", op, r["name"], r["changed"])
    console.print(table)
    console.print(
        _say(
            settings.lang,
            f"恢复某个版本:geoplan restore {layer} {feature_id} 版本号",
            f"restore one: geoplan restore {layer} {feature_id} VERSION",
        ),
        markup=False,
        soft_wrap=True,
    )


def _history_rows(versions: list[Version], lang: str) -> list[dict[str, Any]]:
    rows = []
    previous: dict[str, Any] | None = None
    for v in versions:
        props = (v.feature or {}).get("properties") or {}
        rows.append(
            {
                "version": v.version,
                "at": v.at,
                "op": v.op,
                "actor": v.actor,
                "change": v.change,
                "name": str(props.get("name", "")),
                "changed": version_changes(previous, v.feature, lang),
            }
        )
        previous = v.feature
    return rows


@app.command("restore")
def restore_command(
    layer: Annotated[str, typer.Argument(help="Layer name.")],
    feature_id: Annotated[str, typer.Argument(help="Feature id.")],
    version: Annotated[int, typer.Argument(help="Version to make current (see `geoplan history`).")],
    data_dir: DataDirOpt = None,
    lang: LangOpt = None,
) -> None:
    """Make an earlier version of a feature current again (recorded as a new version)."""
    settings = settings_from(data_dir, lang)
    store = store_from(settings)
    restored = store.restore(layer, feature_id, version, actor="cli")
    new = restored["properties"]["version"]
    console.print(
        _say(
            settings.lang,
            f"已恢复 {layer}/{feature_id} 的版本 {version},成为新版本 {new}",
            f"restored {layer}/{feature_id} version {version} as new version {new}",
        ),
        markup=False,
        soft_wrap=True,
    )


def _change_dict(c: ChangeSummary) -> dict[str, Any]:
    return {
        "change": c.change,
        "at": c.at,
        "op": c.op,
        "layers": list(c.layers),
        "count": c.count,
        "actor": c.actor,
        "message": c.message,
    }


@app.command("changes")
def changes_command(
    layer: Annotated[str | None, typer.Option(help="Only this layer.")] = None,
    last: Annotated[int, typer.Option(min=1, help="How many of the latest changes to show.")] = 20,
    json_out: JsonOpt = False,
    data_dir: DataDirOpt = None,
    lang: LangOpt = None,
) -> None:
    """List the latest changes in the change log, with the full ids `geoplan undo` takes (a unique prefix will do)."""
    settings = settings_from(data_dir, lang)
    store = store_from(settings, listing=True)
    changes = store.changes(layer)[-last:]
    if json_out:
        print(json.dumps([_change_dict(c) for c in changes], ensure_ascii=False, indent=2))
        return
    if not changes:
        console.print(
            _say(
                settings.lang,
                "变更记录是空的:还没有通过 geoplan 修改过图层(导入、编辑、恢复、撤销都会记在这里)。",
                "The change log is empty: no layer has been changed through geoplan yet "
                "(imports, edits, restores and undos are recorded here).",
            ),
            markup=False,
            soft_wrap=True,
        )
        return
    zh = settings.lang == "zh"
    table = Table(title="变更记录" if zh else "Changes")
    heads = ("变更编号", "时间", "内容", "操作人") if zh else ("change", "at", "what", "actor")
    for i, col in enumerate(heads):
        table.add_column(col, no_wrap=i < 2, overflow="fold")
    for c in changes:
        what = f"{c.op} {','.join(c.layers)} ×{c.count}" + (f": {c.message}" if c.message else "")
        table.add_row(c.change, c.at, what, c.actor or "")
    console.print(table)
    console.print(
        _say(
            settings.lang,
            "撤销某个变更:geoplan undo 变更编号(或其唯一前缀)",
            "undo one: geoplan undo CHANGE (or a unique prefix of it)",
        ),
        markup=False,
        soft_wrap=True,
    )


def resolve_change(store: LayerStore, prefix: str) -> str:
    """The full change id that ``prefix`` starts (a unique prefix is enough, like a git commit)."""
    ids = [c.change for c in store.changes()]
    if prefix in ids:
        return prefix
    matches = [cid for cid in ids if cid.startswith(prefix)] if prefix else []
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise ChangeNotFound(prefix)
    error = GeoplanError(f"{prefix!r} starts {len(matches)} changes ({', '.join(matches[:3])} …); give more of the id")
    error.zh = f"{prefix!r} 是 {len(matches)} 个变更的开头({', '.join(matches[:3])} …);请多写几位"
    raise error


@app.command("undo")
def undo_command(
    change: Annotated[
        str | None, typer.Argument(help="Change id or a unique prefix (default: the latest change).")
    ] = None,
    data_dir: DataDirOpt = None,
    lang: LangOpt = None,
) -> None:
    """Undo one change (an import, an edit …) by writing the earlier states back as a new change."""
    settings = settings_from(data_dir, lang)
    store = store_from(settings)
    if change is None and not store.changes():
        error = GeoplanError("the change log is empty: there is nothing to undo")
        error.zh = "变更记录是空的,没有可撤销的变更"
        raise error
    summary = store.undo(resolve_change(store, change) if change is not None else None, actor="cli")
    console.print(
        _say(
            settings.lang,
            f"已撤销:{summary.message}({summary.count} 个要素,新变更 {summary.change})",
            f"undone: {summary.message} ({summary.count} features, new change {summary.change})",
        ),
        markup=False,
        soft_wrap=True,
    )
