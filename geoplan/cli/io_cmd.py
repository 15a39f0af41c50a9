"""Import and export commands: planners' files in (all or nothing, undoable) and back out in bureaus' formats."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from geoplan.cli.app import app
from geoplan.cli.options import DataDirOpt, LangOpt, settings_from, store_from
from geoplan.errors import ValidationFailed
from geoplan.layers.survey import Survey, SurveyError, import_declaration

if TYPE_CHECKING:
    from geoplan.transfer import ImportPlan
    from geoplan.transfer.explain import Explanation

# geoplan.transfer (geopandas, pyogrio, openpyxl) is imported inside the commands: `geoplan --help` starts without it.
#: Export formats named in the help text; tests check this matches ``geoplan.transfer.EXPORT_FORMATS``.
EXPORT_FORMAT_NAMES = ("gpkg", "shp", "kml", "geojson", "csv", "xlsx")

console = Console()


def _print_plan(plan: ImportPlan, dry_run: bool, lang: str = "zh") -> None:
    table = Table(title=f"{plan.source} → {plan.layer} ({plan.format}, {plan.crs})")
    table.add_column("目标字段 field")
    table.add_column("来源列 source columns")
    for target, sources in plan.columns.items():
        table.add_row(target, ", ".join(sources))
    console.print(table)
    if plan.ignored:
        console.print(f"未导入的列 ignored columns: {', '.join(plan.ignored)}", markup=False)
    for note in plan.notes:
        console.print(f"说明 note: {note}", markup=False)
    console.print(
        f"{plan.rows} 行 rows, {plan.skipped} 行按预设跳过 skipped by preset, "
        f"{len(plan.features)} 行待导入 to import, {len({p.row for p in plan.problems})} 行有错 rows with problems",
        markup=False,
    )
    if plan.outside_villages:
        console.print(f"注意 {plan.outside_villages} 行不在任何行政村内 (no village_code will be filled)", markup=False)
    for warning in plan.warnings:
        console.print(("注意: " if lang == "zh" else "warning: ") + warning.text(lang), markup=False, soft_wrap=True)
    if dry_run and not plan.problems:
        console.print("试运行 dry run: 全部通过校验，未写入 all rows valid, nothing written")


def _print_explanation(ex: Explanation, lang: str) -> None:
    zh = lang == "zh"
    title = f"{ex.source} → {ex.layer} ({ex.format}, {ex.rows} {'行' if zh else 'rows'})"
    table = Table(title=title)
    for header in (("字段", "field"), ("来源列", "columns"), ("依据", "matched by"), ("示例(前几行)", "first rows")):
        table.add_column(header[0] if zh else header[1])
    for row in ex.fields:
        source = ", ".join(row.sources) or (f"--set/默认 {row.template}" if zh else f"--set/default {row.template}")
        if not row.sources and row.template is None:
            source = "—"
        name = f"{row.field} {row.title}" + (" *" if row.required else "")
        samples = " | ".join("" if v is None else str(v) for v in row.samples)
        table.add_row(name, source, ex.how_text(row, lang), samples)
    console.print(table, markup=False)
    if ex.ignored:
        console.print(("未导入的列: " if zh else "ignored columns: ") + ", ".join(ex.ignored), markup=False)
    if ex.missing_required:
        names = ", ".join(ex.missing_required)
        console.print(
            f"必填字段无来源(每行都会出错): {names} — 用 --field 列=字段 或 --set 字段=值"
            if zh
            else f"required fields with no source (every row would fail): {names} — use --field or --set",
            markup=False,
        )
    console.print("仅说明映射,未检查、未写入" if zh else "mapping only: nothing checked or written", markup=False)


def _survey_declaration(
    surveyed: str | None, codes_file: Path | None, residential: bool
) -> Callable[[Survey], Survey] | None:
    """What ``--surveyed``/``--surveyed-from-file``/``--residential-survey`` declare, checked before any reading."""
    text = None
    if codes_file is not None and surveyed is None:
        try:
            text = codes_file.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise SurveyError(
                f"--surveyed-from-file {codes_file}: {exc}", f"无法读取调查村代码文件 {codes_file}:{exc}"
            ) from exc
    elif codes_file is not None:
        text = ""  # both given: import_declaration refuses
    return import_declaration(surveyed, residential, text)


@app.command("import")
def import_command(
    file: Annotated[Path, typer.Argument(help="GeoJSON, Shapefile (.zip/.shp), GeoPackage, KML/KMZ, CSV or XLSX.")],
    layer: Annotated[str, typer.Option("--layer", help="Target layer (see `geoplan layers`).")],
    crs: Annotated[
        str | None,
        typer.Option("--crs", help="Source CRS: EPSG:4546, cgcs2000, wgs84, gcj02 (高德/腾讯), bd09 (百度)."),
    ] = None,
    field: Annotated[
        list[str] | None, typer.Option("--field", help="源字段=目标字段 column mapping; repeat as needed.")
    ] = None,
    status: Annotated[
        str | None, typer.Option("--status", help="Status for rows that give none, e.g. planned.")
    ] = None,
    table: Annotated[str | None, typer.Option("--table", help="GeoPackage table, XLSX sheet or KML folder.")] = None,
    encoding: Annotated[
        str | None, typer.Option("--encoding", help="Text encoding when not declared (e.g. GBK).")
    ] = None,
    preset: Annotated[
        str | None, typer.Option("--preset", help="Field-map preset (osm-roads, osm-buildings) or a TOML path.")
    ] = None,
    keep_ids: Annotated[bool, typer.Option("--keep-ids", help="Use the file's id column as feature ids.")] = False,
    allow_duplicates: Annotated[
        bool,
        typer.Option(
            "--allow-duplicates", help="Import rows with the same name and geometry as existing features too."
        ),
    ] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check every row and report; write nothing.")] = False,
    set_: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            help="字段=值 FIELD=VALUE for rows that give none; a {column} template is allowed (name={code}). Repeat.",
        ),
    ] = None,
    explain: Annotated[
        bool, typer.Option("--explain", help="Print the field mapping the import would use; check and write nothing.")
    ] = False,
    surveyed: Annotated[
        str | None,
        typer.Option(
            "--surveyed",
            metavar="all|CODES",
            help="Where the layer was surveyed: all (whole area) or village codes (comma separated); villages "
            "outside are 未评估, not 0 %. Default: the villages the layer's features fall in.",
        ),
    ] = None,
    surveyed_from_file: Annotated[
        Path | None,
        typer.Option("--surveyed-from-file", help="A text file of surveyed village codes (one column pasted)."),
    ] = None,
    residential_survey: Annotated[
        bool,
        typer.Option("--residential-survey", help="Buildings: a survey of houses, so rows without use are homes."),
    ] = False,
    data_dir: DataDirOpt = None,
    lang: LangOpt = None,
) -> None:
    """Import a file into a layer: every row or none, as one change that `geoplan undo` reverts."""
    from geoplan.transfer import ImportOptions, plan_import, write_plan
    from geoplan.transfer.fieldmap import parse_field_options, parse_set_options

    settings = settings_from(data_dir, lang)
    store = store_from(settings)
    survey = _survey_declaration(surveyed, surveyed_from_file, residential_survey)
    options = ImportOptions(
        layer=layer,
        crs=crs,
        fields=parse_field_options(field or []),
        status=status,
        table=table,
        encoding=encoding,
        preset=preset,
        keep_ids=keep_ids,
        allow_duplicates=allow_duplicates,
        sets=parse_set_options(set_ or []),
    )
    if explain:
        from geoplan.transfer.explain import explain_import

        _print_explanation(explain_import(store, file, options, lang=settings.lang), settings.lang)
        return
    plan = plan_import(store, file, options, survey=survey)
    _print_plan(plan, dry_run, settings.lang)
    if plan.problems:
        if not dry_run:
            console.print("未导入 nothing imported: fix the rows below and run again", markup=False)
        raise ValidationFailed(plan.problems)
    if dry_run:
        return
    done = write_plan(store, plan, actor="cli", survey=survey)
    console.print(
        f"已导入 {len(done.features)} 个要素到 {layer}(变更 {done.change};撤销:geoplan undo {done.change})"
        if settings.lang == "zh"
        else f"imported {len(done.features)} features into {layer} (change {done.change}; "
        f"undo: geoplan undo {done.change})",
        markup=False,
        soft_wrap=True,
    )


@app.command("export")
def export_command(
    layer: Annotated[str, typer.Argument(help="Layer to export.")],
    format: Annotated[str, typer.Option("--format", help=f"One of {', '.join(EXPORT_FORMAT_NAMES)}.")],
    crs: Annotated[
        str | None, typer.Option("--crs", help="Output CRS (default WGS84), e.g. EPSG:4546, cgcs2000, gcj02.")
    ] = None,
    village: Annotated[str | None, typer.Option("--village", help="Only this village (12-digit code).")] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Output file (default: LAYER.<suffix> in the current directory).")
    ] = None,
    labels: Annotated[
        bool,
        typer.Option(
            "--labels", help="Column headers and enum values as labels in the --lang language (re-importable)."
        ),
    ] = False,
    encoding: Annotated[str, typer.Option("--encoding", help="Shapefile/CSV text encoding: UTF-8 or GBK.")] = "UTF-8",
    data_dir: DataDirOpt = None,
    lang: LangOpt = None,
) -> None:
    """Export a layer as gpkg, shp (zipped), kml, geojson, csv or xlsx, into the current directory or --out."""
    from geoplan.transfer import EXPORT_FORMATS, export_layer

    settings = settings_from(data_dir, lang)
    store = store_from(settings)
    fmt = EXPORT_FORMATS.get(format.lower())
    target = out or Path(f"{layer}{fmt.suffix if fmt else '.' + format}")
    result = export_layer(
        store,
        layer,
        format,
        target,
        crs=crs,
        village=village,
        labels=settings.lang if labels else None,
        encoding=encoding,  # type: ignore[arg-type]
    )
    where = result.path.resolve()
    console.print(
        f"已导出 {result.count} 个要素 → {where}({result.format.name},{result.crs})"
        if settings.lang == "zh"
        else f"exported {result.count} features → {where} ({result.format.name}, {result.crs})",
        markup=False,
        soft_wrap=True,
    )
