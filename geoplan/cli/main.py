"""The ``geoplan`` command.  ``main(argv) -> int`` is what tests call; ``run()`` is the console script.

Start-up matters (``geoplan --help`` should answer at once): command modules import geopandas, folium, fastapi,
matplotlib and the like inside the commands that use them, never at the top.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence

import typer
from rich.console import Console
from typer._click.exceptions import NoArgsIsHelpError, UsageError

from geoplan.cli.app import app, use_geoplan_commands
from geoplan.cli.usage import argv_lang, usage_hint, usage_message
from geoplan.errors import GeoplanError, ValidationFailed

#: Command modules; each registers its commands on ``app`` when imported.
COMMAND_MODULES = (
    "geoplan.cli.layers_cmd",
    "geoplan.cli.serve_cmd",
    "geoplan.cli.io_cmd",
    "geoplan.cli.map_cmd",
    "geoplan.cli.report_cmd",
    "geoplan.cli.qgis_cmd",
    "geoplan.cli.plan_cmd",
    "geoplan.cli.backup_cmd",
    "geoplan.cli.db_cmd",
)

for _module in COMMAND_MODULES:
    importlib.import_module(_module)
use_geoplan_commands()

err_console = Console(stderr=True)


def report_error(exc: GeoplanError, lang: str) -> None:
    """One clear line per problem on stderr, in ``lang``."""
    label = "错误" if lang == "zh" else "error"
    problems = exc.problems if isinstance(exc, ValidationFailed) else None
    if problems:
        for p in problems:
            err_console.print(f"{label}: {p.describe(lang)}", markup=False, soft_wrap=True, highlight=False)
    else:
        err_console.print(f"{label}: {exc.text(lang)}", markup=False, soft_wrap=True, highlight=False)


def report_usage_error(exc: UsageError, lang: str) -> None:
    """What was wrong with the command line (one line) and the command's usage, on stderr."""
    label = "错误" if lang == "zh" else "error"
    err_console.print(f"{label}: {usage_message(exc, lang)}", markup=False, soft_wrap=True, highlight=False)
    err_console.print(usage_hint(exc, lang), markup=False, soft_wrap=True, highlight=False)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return its exit code (domain errors → 1, usage errors → 2, each with a clear message)."""
    args = list(sys.argv[1:] if argv is None else argv)
    lang = argv_lang(args)
    try:
        result = app(args=args, prog_name="geoplan", standalone_mode=False)
    except GeoplanError as exc:
        report_error(exc, lang)
        return 1
    except NoArgsIsHelpError as exc:
        exc.show()
        return exc.exit_code
    except UsageError as exc:
        report_usage_error(exc, lang)
        return exc.exit_code
    except typer.Exit as exc:
        return int(exc.exit_code or 0)
    except typer.Abort:
        return 1
    except typer.TyperException as exc:  # e.g. a file typer could not open for an option
        err_console.print(f"{'错误' if lang == 'zh' else 'error'}: {exc}", markup=False, highlight=False)
        return exc.exit_code
    return int(result) if isinstance(result, int) else 0


def run() -> None:
    sys.exit(main())
