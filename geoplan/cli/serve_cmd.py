"""``geoplan serve``: the OGC API – Features (and analysis) web API under uvicorn."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from geoplan import __version__
from geoplan.cli.app import app
from geoplan.cli.options import DataDirOpt, LangOpt, settings_from, store_from

console = Console()
#: uvicorn's factory; every worker process builds its own app from the GEOPLAN_* environment.
APP_FACTORY = "geoplan.api.app:create_app_from_env"


def auth_notice(tokens_env: str, tokens_file: Path | None) -> str:
    """How writes are authorised on this server (printed at start; no default secret ever grants writes)."""
    configured = [e.split(":", 1)[0] for e in tokens_env.split(",") if e.strip()]
    if "planner" in configured or tokens_file is not None:
        source = f"token file {tokens_file}" if tokens_file else "GEOPLAN_TOKENS"
        return f"写入需要规划员令牌 Writes need a planner token (from {source}): 'Authorization: Bearer <token>'."
    import secrets  # hmac and hashlib: not for `geoplan --help`

    example = secrets.token_urlsafe(18)
    return (
        "只读 Read-only: no planner token is configured, so every write gets 401. To allow edits, restart with e.g.\n"
        f"  GEOPLAN_TOKENS='planner:yourname:{example}' geoplan serve\n"
        "(or GEOPLAN_TOKENS_FILE=tokens.toml with [[tokens]] name/role/sha256 entries)."
    )


def token_file_warning(tokens_file: Path | None) -> str | None:
    """A warning when the token file can be read by users other than its owner (the service user)."""
    if tokens_file is None or not tokens_file.exists():
        return None
    mode = tokens_file.stat().st_mode & 0o777
    if not mode & 0o077:
        return None
    return (
        f"警告 Warning: token file {tokens_file} is readable by other users (mode {mode:o}); "
        f"make it readable by the service user only: chmod 600 {tokens_file}"
    )


@app.command("serve")
def serve_command(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes (the store locks files for writes).")] = 1,
    root_path: Annotated[
        str, typer.Option("--root-path", help="URL prefix a reverse proxy serves geoplan under, e.g. /geoplan.")
    ] = "",
    proxy_headers: Annotated[
        bool,
        typer.Option(
            "--proxy-headers/--no-proxy-headers",
            help="Take client address and scheme from X-Forwarded-For/-Proto (only from --forwarded-allow-ips).",
        ),
    ] = True,
    forwarded_allow_ips: Annotated[
        str,
        typer.Option("--forwarded-allow-ips", help="Proxies trusted for X-Forwarded-* (comma separated, or '*')."),
    ] = "127.0.0.1",
    access_log: Annotated[bool, typer.Option("--access-log/--no-access-log", help="Log every request.")] = True,
    log_config: Annotated[
        Path | None,
        typer.Option("--log-config", help="uvicorn logging config (.json/.yaml/.ini): access log format, files."),
    ] = None,
    tokens_file: Annotated[
        Path | None, typer.Option("--tokens-file", help="TOML token file (default: $GEOPLAN_TOKENS_FILE).")
    ] = None,
    data_dir: DataDirOpt = None,
    lang: LangOpt = None,
) -> None:
    """Serve the layers as OGC API – Features (default: the bundled demo on http://127.0.0.1:8000)."""
    import uvicorn

    from geoplan.api.auth import TokenRegistry

    settings = settings_from(data_dir, lang, tokens_path=tokens_file)
    store_from(settings)  # fail now, with one clear line, if the data directory is missing
    TokenRegistry.from_settings(settings)  # a malformed token entry should stop the start, not every request
    if root_path and (not root_path.startswith("/") or root_path.endswith("/") and root_path != "/"):
        raise typer.BadParameter(f"--root-path must look like /geoplan, not {root_path!r}", param_hint="--root-path")
    if log_config is not None and not log_config.is_file():
        raise typer.BadParameter(f"{log_config} does not exist", param_hint="--log-config")
    os.environ["GEOPLAN_DATA_DIR"] = str(settings.data_dir.resolve())
    os.environ["GEOPLAN_LANG"] = settings.lang  # the pages' and messages' default language in every worker
    if settings.database_url:
        os.environ["GEOPLAN_DATABASE_URL"] = settings.database_url
    if settings.catalogue_path is not None:
        os.environ["GEOPLAN_CATALOGUE"] = str(settings.catalogue_path.resolve())
    if settings.tokens_path is not None:
        os.environ["GEOPLAN_TOKENS_FILE"] = str(settings.tokens_path.resolve())
    prefix = root_path.rstrip("/")
    source = "the database" if settings.database_url else settings.data_dir
    console.print(
        f"geoplan {__version__}: serving {source} on http://{host}:{port}{prefix}/ (OpenAPI: {prefix}/api, "
        f"health: {prefix}/healthz), {workers} worker(s)",
        highlight=False,
        soft_wrap=True,
    )
    console.print(auth_notice(settings.tokens_env, settings.tokens_path), highlight=False, markup=False, soft_wrap=True)
    warning = token_file_warning(settings.tokens_path)
    if warning:
        console.print(warning, highlight=False, markup=False, soft_wrap=True)
    options: dict[str, object] = {}
    if log_config is not None:
        options["log_config"] = str(log_config)
    uvicorn.run(
        APP_FACTORY,
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        root_path=prefix,
        proxy_headers=proxy_headers,
        forwarded_allow_ips=forwarded_allow_ips,
        access_log=access_log,
        **options,  # type: ignore[arg-type]
    )
