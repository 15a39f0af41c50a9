"""``geoplan db``: keep the layers in PostgreSQL/PostGIS — create or migrate the schema, load, dump, check."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from geoplan.cli.app import app
from geoplan.cli.options import LangOpt, settings_from
from geoplan.errors import GeoplanError, ValidationFailed

console = Console()
db_app = typer.Typer(
    name="db",
    help="PostgreSQL/PostGIS backend: init (create/migrate tables), load, dump, check.",
    no_args_is_help=True,
)
app.add_typer(db_app)

UrlOpt = Annotated[
    str | None,
    typer.Option("--url", metavar="URL", help="Database URL (default: --database-url or $GEOPLAN_DATABASE_URL)."),
]


def _say(lang: str, zh: str, en: str) -> str:
    return zh if lang == "zh" else en


def _store(url: str | None, lang: str | None):  # -> PostgisStore (imported lazily: psycopg only when used)
    overrides = {"database_url": url} if url else {}
    settings = settings_from(None, lang, **overrides)
    if not settings.database_url:
        error = GeoplanError("no database given: use --database-url URL or set GEOPLAN_DATABASE_URL")
        error.zh = "没有指定数据库:用 --database-url URL 或设置 GEOPLAN_DATABASE_URL"
        raise error
    from geoplan.layers.catalogue import load_catalogue
    from geoplan.layers.pgstore import PostgisStore

    store = PostgisStore(settings.database_url, load_catalogue(settings.catalogue_path), settings.max_vertices)
    return settings, store


@db_app.command("init")
def init_command(
    load: Annotated[
        Path | None, typer.Option("--load", help="Then load this data directory's layer files (e.g. data/geojson).")
    ] = None,
    url: UrlOpt = None,
    lang: LangOpt = None,
) -> None:
    """Create the tables, constraints and triggers from the catalogue, or migrate them when it has grown."""
    settings, store = _store(url, lang)
    try:
        store.init_schema()
        console.print(
            _say(
                settings.lang,
                f"数据库已就绪:{len(store.layer_names)} 个图层表、变更记录表和触发器",
                f"database ready: {len(store.layer_names)} layer tables, the change log and triggers",
            )
        )
        if load is not None:
            _load(store, load, settings.lang)
    finally:
        store.close()


def _load(store, data_dir: Path, lang: str) -> None:
    from geoplan.layers.pgstore import load_files

    if not data_dir.is_dir():
        error = GeoplanError(f"data directory {data_dir} does not exist")
        error.zh = f"数据目录 {data_dir} 不存在"
        raise error
    counts = load_files(store, data_dir)
    total = sum(counts.values())
    console.print(
        _say(lang, f"已载入 {len(counts)} 个图层,共 {total} 个要素", f"loaded {len(counts)} layers, {total} features")
    )


@db_app.command("load")
def load_command(
    data_dir: Annotated[Path, typer.Argument(help="Data directory of layer files (e.g. data/geojson).")],
    url: UrlOpt = None,
    lang: LangOpt = None,
) -> None:
    """Copy layer files (with their change logs) into the database's empty layer tables, all or nothing."""
    settings, store = _store(url, lang)
    try:
        _load(store, data_dir, settings.lang)
    finally:
        store.close()


@db_app.command("dump")
def dump_command(
    out_dir: Annotated[Path, typer.Argument(help="Directory to write the layer files to.")],
    url: UrlOpt = None,
    lang: LangOpt = None,
) -> None:
    """Write the layers back as GeoJSON files with their change logs (the file store's layout)."""
    from geoplan.layers.pgstore import dump_files

    settings, store = _store(url, lang)
    try:
        counts = dump_files(store, out_dir)
    finally:
        store.close()
    total = sum(counts.values())
    console.print(
        _say(
            settings.lang,
            f"已写出 {len(counts)} 个图层文件到 {out_dir},共 {total} 个要素",
            f"wrote {len(counts)} layer files to {out_dir}, {total} features",
        )
    )


@db_app.command("check")
def check_command(url: UrlOpt = None, lang: LangOpt = None) -> None:
    """Check the schema matches the catalogue and every row keeps its rules (e.g. after edits in QGIS)."""
    from geoplan.layers.pgstore import schema_problems

    settings, store = _store(url, lang)
    try:
        missing = schema_problems(store)
        if missing:
            for line in missing:
                console.print(f"{_say(settings.lang, '错误', 'error')}: {line}", markup=False, soft_wrap=True)
            raise typer.Exit(1)
        problems = store.check_rows()
        if problems:
            raise ValidationFailed(problems)
        counts = {name: store.count(name) for name in store.layer_names}
    finally:
        store.close()
    console.print(
        _say(
            settings.lang,
            f"OK: 结构与图层目录一致,{sum(counts.values())} 个要素全部通过校验",
            f"OK: schema matches the catalogue, all {sum(counts.values())} features valid",
        )
    )
