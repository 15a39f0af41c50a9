"""``geoplan map``: write the overview, gap and per-village maps to ``maps/``, each opening offline."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from geoplan.cli.app import app
from geoplan.cli.options import DataDirOpt, LangOpt, settings_from, store_from

console = Console()


@app.command("map")
def map_command(
    out: Annotated[
        Path | None, typer.Option("--out", help="Output folder (default: $GEOPLAN_MAPS_DIR or maps/).")
    ] = None,
    basemap: Annotated[str, typer.Option(help="none (offline), osm, satellite or tianditu (needs a key).")] = "none",
    assets: Annotated[
        Path | None, typer.Option("--assets", help="node_modules with the map assets (default: found).")
    ] = None,
    data_dir: DataDirOpt = None,
    lang: LangOpt = None,
) -> None:
    """Write overview.html, gaps.html and villages/<code>.html; scripts are copied to vendor/ beside them."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from geoplan.maps.assets import find_assets_dir  # folium, geopandas: imported only when maps are made
    from geoplan.maps.basemaps import check_basemap
    from geoplan.maps.save import save_map
    from geoplan.maps.township import TownshipMaps

    settings = settings_from(data_dir, lang, maps_dir=out)
    check_basemap(basemap, settings.tianditu_key)
    assets_dir = find_assets_dir(assets or settings.assets_dir)
    store = store_from(settings)
    maps = TownshipMaps(store, settings, basemap=basemap)
    target = settings.maps_dir
    vendor = target / "vendor"
    villages = list(maps.village_codes())
    written: list[Path] = []
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console
    ) as progress:
        task = progress.add_task("读取与分析 analysing", total=2 + len(villages))
        _ = maps.frames, maps.results
        progress.update(task, description="总览图 overview")
        written.append(save_map(maps.overview(), target / "overview.html", assets_dir, vendor))
        progress.advance(task)
        progress.update(task, description="短板图 gaps")
        written.append(save_map(maps.gaps(), target / "gaps.html", assets_dir, vendor))
        progress.advance(task)
        for code, name in villages:
            progress.update(task, description=f"村图 village {name}")
            written.append(save_map(maps.village(code), target / "villages" / f"{code}.html", assets_dir, vendor))
            progress.advance(task)
    size = sum(p.stat().st_size for p in written)
    console.print(
        f"已生成 wrote {len(written)} 张地图 maps ({size / 1e6:.1f} MB) → {target}/ (底图 basemap: {basemap})"
    )
