"""``geoplan report``: the gap report in the formats planners use."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from geoplan.cli.app import app
from geoplan.cli.options import DataDirOpt, DemOpt, DistanceOpt, LangOpt, measured, settings_from, store_from
from geoplan.errors import GeoplanError

# Analysis and report rendering (geopandas, scipy, matplotlib) are imported inside the command.
#: Report formats named in the help text; tests check this matches ``geoplan.reports.FORMATS``.
REPORT_FORMAT_NAMES = ("xlsx", "html", "md", "json", "csv")

console = Console()


@app.command("report")
def report_command(
    scenario: Annotated[str, typer.Option(help="baseline (existing + completed) or plan (+ planned).")] = "baseline",
    fmt: Annotated[
        list[str] | None, typer.Option("--format", help=f"One of {', '.join(REPORT_FORMAT_NAMES)}; repeatable.")
    ] = None,
    out: Annotated[Path, typer.Option("--out", help="Directory to write the report into.")] = Path("reports"),
    standards: Annotated[
        Path | None, typer.Option("--standards", help="Standards file (default: $GEOPLAN_STANDARDS or shipped).")
    ] = None,
    distance: DistanceOpt = None,
    dem: DemOpt = None,
    data_dir: DataDirOpt = None,
    lang: LangOpt = None,
) -> None:
    """Write the village gap report (xlsx 台账, html, md, json or csv)."""
    from rich.progress import Progress, SpinnerColumn, TextColumn

    from geoplan.analysis import load_standards, point_layers
    from geoplan.reports import FORMATS, build_report, write_report

    formats = fmt or ["xlsx"]
    bad = [f for f in formats if f not in FORMATS]
    if bad:
        raise GeoplanError(f"unknown report format {bad[0]!r} (choose from {', '.join(FORMATS)})")
    if scenario not in ("baseline", "plan"):
        raise GeoplanError(f"unknown scenario {scenario!r} (baseline or plan)")
    settings = settings_from(data_dir, lang, standards_path=standards)
    store = store_from(settings)
    std = measured(load_standards(settings.standards_path, store.catalogue), distance, dem)
    written: list[Path] = []
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), console=console, transient=True) as progress:
        task = progress.add_task("读取图层 reading layers …")
        frames = store.frames(anchors=point_layers(std))  # e.g. footprints as points: the report draws none
        progress.update(task, description="分析现状与规划 analysing baseline and plan …")
        report = build_report(frames, std, scenario, settings.lang, catalogue=store.catalogue)  # type: ignore[arg-type]
        for f in formats:
            progress.update(task, description=f"生成报告 writing {f} …")
            written += write_report(report, f, out, settings.assets_dir)
    for path in written:
        console.print(f"已生成 written: {path}")


@app.command("work-report")
def work_report_command(
    year: Annotated[int, typer.Option("--year", help="The report year.", min=1949, max=2100)],
    fmt: Annotated[
        list[str] | None, typer.Option("--format", help="md, html, json or docx (公文 layout); repeatable.")
    ] = None,
    out: Annotated[Path, typer.Option("--out", help="Directory to write into.")] = Path("reports"),
    title: Annotated[
        str | None, typer.Option("--title", help="Title (default: <year>年乡村基础设施建设工作实绩统计).")
    ] = None,
    standards: Annotated[
        Path | None, typer.Option("--standards", help="Standards file (default: $GEOPLAN_STANDARDS or shipped).")
    ] = None,
    data_dir: DataDirOpt = None,
    lang: LangOpt = None,
) -> None:
    """Annual work-report statistics (实绩 vs 目标 per theme): a paragraph and a table each; .docx in 公文 layout."""
    from geoplan.analysis import load_standards
    from geoplan.analysis.annual import annual_figures
    from geoplan.reports.annual import FORMATS, paragraphs, write_annual

    formats = fmt or ["md"]
    bad = [f for f in formats if f not in FORMATS]
    if bad:
        raise GeoplanError(f"unknown work-report format {bad[0]!r} (choose from {', '.join(FORMATS)})")
    settings = settings_from(data_dir, lang, standards_path=standards)
    store = store_from(settings)
    std = load_standards(settings.standards_path, store.catalogue)
    fig = annual_figures(store.frames(), std, year, catalogue=store.catalogue, lang=settings.lang)  # type: ignore[arg-type]
    for name, text in paragraphs(fig, store.catalogue, settings.lang):
        console.print(f"{name}: {text}", markup=False, soft_wrap=True, highlight=False)
    for f in formats:
        path = write_annual(fig, f, out, catalogue=store.catalogue, lang=settings.lang, title=title)
        console.print(f"已生成 written: {path}", markup=False, soft_wrap=True)
