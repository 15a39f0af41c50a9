"""The Typer application object that every command module registers on, and how its commands show usage."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperArgument, TyperCommand, TyperOption

app = typer.Typer(
    name="geoplan",
    help="geoplan — 乡村基础设施规划: layers, village coverage gaps, maps and reports.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


class GeoplanCommand(TyperCommand):
    """A command whose usage line reads ``geoplan import [OPTIONS] FILE`` and whose flags show no ``<bool>``.

    Typer ≥ 0.2x writes required arguments as ``{file}`` and gives every flag a ``<bool>`` type column, which
    reads as if ``--dry-run`` wanted a value.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for param in self.params:
            _plain_flag(param)

    def get_help_option(self, ctx: Any) -> TyperOption | None:
        option = super().get_help_option(ctx)
        if option is not None:
            _plain_flag(option)
        return option

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if isinstance(param, TyperArgument):
                name = (param.metavar or param.name or "").upper()
                name += "..." if param.nargs != 1 else ""
                pieces.append(name if param.required else f"[{name}]")
        return pieces


def _plain_flag(param: Any) -> None:
    if isinstance(param, TyperOption) and param.is_flag and param.metavar is None:
        param.metavar = ""


def use_geoplan_commands() -> None:
    """Give every registered command :class:`GeoplanCommand` (called once all command modules are imported)."""
    for info in app.registered_commands:
        if info.cls in (None, TyperCommand):  # typer fills in its own class when a command names none
            info.cls = GeoplanCommand


@app.callback()
def _global_options(
    catalogue: Annotated[
        Path | None,
        typer.Option(
            "--catalogue",
            help="Deployment catalogue (TOML) adding facility kinds, layers or geometry families "
            "(default: $GEOPLAN_CATALOGUE).",
        ),
    ] = None,
    database_url: Annotated[
        str | None,
        typer.Option(
            "--database-url",
            metavar="URL",
            help="Keep the layers in this PostgreSQL/PostGIS database instead of files "
            "(default: $GEOPLAN_DATABASE_URL; set up with `geoplan db init`).",
        ),
    ] = None,
) -> None:
    """geoplan — 乡村基础设施规划: layers, village coverage gaps, maps and reports."""
    from geoplan.cli.options import set_invocation_catalogue, set_invocation_database

    set_invocation_catalogue(catalogue)
    set_invocation_database(database_url)
