"""The ``geoplan`` command.  ``main(argv) -> int`` is what tests call; ``run()`` is the console script."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence

import typer
from rich.console import Console

from geoplan.cli.app import app
from geoplan.config import load_settings
from geoplan.errors import GeoplanError, ValidationFailed

#: Command modules; each registers its commands on ``app`` when imported.
COMMAND_MODULES = (
    "geoplan.cli.layers_cmd",
    "geoplan.cli.serve_cmd",
    "geoplan.cli.io_cmd",
    "geoplan.cli.map_cmd",
    "geoplan.cli.report_cmd",
)

for _module in COMMAND_MODULES:
    importlib.import_module(_module)

err_console = Console(stderr=True)


def report_error(exc: GeoplanError) -> None:
    """One clear line per problem on stderr, in GEOPLAN_LANG (Chinese by default)."""
    lang = load_settings().lang  # read now, never at import
    label = "错误" if lang == "zh" else "error"
    problems = exc.problems if isinstance(exc, ValidationFailed) else None
    if problems:
        for p in problems:
            err_console.print(f"{label}: {p.describe(lang)}", markup=False, soft_wrap=True)
    else:
        err_console.print(f"{label}: {exc.text(lang)}", markup=False, soft_wrap=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return its exit code (domain errors → 1 with a clear message)."""
    try:
        result = app(args=list(argv) if argv is not None else None, standalone_mode=False)
    except GeoplanError as exc:
        report_error(exc)
        return 1
    except typer.Exit as exc:
        return int(exc.exit_code or 0)
    except typer.Abort:
        return 1
    except Exception as exc:  # click usage errors
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            return exc.exit_code
        raise
    return int(result) if isinstance(result, int) else 0


def run() -> None:
    sys.exit(main())
