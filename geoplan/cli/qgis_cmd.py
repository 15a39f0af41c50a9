"""``geoplan qgis-project``: a styled QGIS project of the county, reading the API or an exported GeoPackage."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from geoplan.cli.app import app
from geoplan.cli.options import DataDirOpt, LangOpt, settings_from, store_from
from geoplan.cli.usage import LocalisedBadParameter

console = Console()
SOURCES = ("api", "gpkg")


def check_source(value: str) -> str:
    if value in SOURCES:
        return value
    raise LocalisedBadParameter(zh=f"只能是 api 或 gpkg,不能是 {value!r}", en=f"must be api or gpkg, not {value!r}")


@app.command("qgis-project")
def qgis_project_command(
    out: Annotated[Path, typer.Option("--out", help="Project file to write, e.g. county.qgs.")] = Path("county.qgs"),
    source: Annotated[
        str,
        typer.Option(
            "--source",
            metavar="api|gpkg",
            callback=check_source,
            help="api: layers read (and edited) through a running geoplan server; gpkg: a GeoPackage beside "
            "the project, for offline use.",
        ),
    ] = "api",
    url: Annotated[str, typer.Option("--url", help="The geoplan server's address (with --source api).")] = (
        "http://127.0.0.1:8000"
    ),
    data_dir: DataDirOpt = None,
    lang: LangOpt = None,
) -> None:
    """Write a QGIS project with every layer, styled like the web maps, grouped by theme, in CGCS2000."""
    from geoplan.qgis.project import api_source, geopackage_source, project_document

    settings = settings_from(data_dir, lang)
    store = store_from(settings)
    names = list(store.layer_names)
    out = out if out.suffix.lower() == ".qgs" else out.with_suffix(".qgs")
    if source == "gpkg":
        from geoplan.transfer import export_geopackage

        gpkg = out.with_suffix(".gpkg")
        export_geopackage(store, gpkg, names)
        sources = {n: geopackage_source(f"./{gpkg.name}", n) for n in names}
    else:
        sources = {n: api_source(url, n) for n in names}
    title = settings.data_dir.resolve().name
    document = project_document(store.catalogue, sources, title, settings.lang)
    out.parent.mkdir(parents=True, exist_ok=True)
    part = out.with_name(f".{out.name}.part")
    part.write_text(document, encoding="utf-8")
    part.replace(out)
    where = out.resolve()
    console.print(
        f"已写出 QGIS 工程 → {where}({len(names)} 个图层,来源 {source})"
        if settings.lang == "zh"
        else f"wrote the QGIS project → {where} ({len(names)} layers, source {source})",
        markup=False,
    )
