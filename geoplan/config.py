"""Settings in one place, built by :func:`load_settings` when a command or app starts — never at import time."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from geoplan.errors import SettingsError

Lang = Literal["zh", "en"]
#: The languages of labels, messages and reports.
LANGS: tuple[Lang, ...] = ("zh", "en")

#: The repository's bundled demo township; used when nothing else is configured.
DEFAULT_DATA_DIR = Path("data/geojson")
DEFAULT_MAPS_DIR = Path("maps")


@dataclass(frozen=True)
class Settings:
    """Everything geoplan reads from its environment.  Tests build their own over ``tmp_path``."""

    data_dir: Path = DEFAULT_DATA_DIR
    maps_dir: Path = DEFAULT_MAPS_DIR
    #: Coverage standards file (indicators, thresholds, targets); None = the one shipped with geoplan.
    standards_path: Path | None = None
    #: Deployment catalogue (more facility kinds, layers, geometry families); None = the shipped catalogue only.
    catalogue_path: Path | None = None
    #: Token file (TOML) for the API; None = tokens only from GEOPLAN_TOKENS.
    tokens_path: Path | None = None
    #: Raw "role:name:token" entries from the environment (GEOPLAN_TOKENS, comma separated).
    tokens_env: str = ""
    #: Reads need a viewer (or planner) token.
    read_requires_token: bool = False
    #: PUT/PATCH/DELETE without If-Match get 428.
    require_if_match: bool = False
    #: Largest request body the API accepts, in bytes.
    max_body_bytes: int = 10 * 1024 * 1024
    #: Time budget of one query's filter evaluation, in seconds (past it: 422, and the worker is free again).
    query_seconds: float = 10.0
    #: Vertices one geometry may have (a write with more gets 422 naming the limit).
    max_vertices: int = 100_000
    cors_origins: tuple[str, ...] = ()
    lang: Lang = "zh"
    #: node_modules folder holding the maps' browser assets (Leaflet …); None = found beside the checkout.
    assets_dir: Path | None = None
    #: 天地图 key, enabling that basemap on maps.
    tianditu_key: str | None = None
    #: Basemap of the maps the API serves (none: no request leaves the server, as on an intranet).
    basemap: str = "none"
    #: PostgreSQL/PostGIS database holding the layers (``geoplan db init``); None = the files in ``data_dir``.
    database_url: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    def with_overrides(self, **changes: Any) -> Settings:
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def load_settings(env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Read settings from the environment (``GEOPLAN_*``), then apply explicit overrides (CLI options)."""
    env = os.environ if env is None else env
    lang = env.get("GEOPLAN_LANG", "").strip() or "zh"
    if lang not in LANGS and overrides.get("lang") is None:
        error = SettingsError(f"GEOPLAN_LANG must be zh or en, not {lang!r}")
        error.zh = f"GEOPLAN_LANG 只能是 zh 或 en,不能是 {lang!r}"
        raise error
    settings = Settings(
        data_dir=Path(env.get("GEOPLAN_DATA_DIR", str(DEFAULT_DATA_DIR))),
        maps_dir=Path(env.get("GEOPLAN_MAPS_DIR", str(DEFAULT_MAPS_DIR))),
        standards_path=Path(env["GEOPLAN_STANDARDS"]) if env.get("GEOPLAN_STANDARDS") else None,
        catalogue_path=Path(env["GEOPLAN_CATALOGUE"]) if env.get("GEOPLAN_CATALOGUE") else None,
        tokens_path=Path(env["GEOPLAN_TOKENS_FILE"]) if env.get("GEOPLAN_TOKENS_FILE") else None,
        tokens_env=env.get("GEOPLAN_TOKENS", ""),
        read_requires_token=_flag(env.get("GEOPLAN_READ_REQUIRES_TOKEN")),
        require_if_match=_flag(env.get("GEOPLAN_REQUIRE_IF_MATCH")),
        max_body_bytes=int(env.get("GEOPLAN_MAX_BODY_BYTES", 10 * 1024 * 1024)),
        query_seconds=float(env.get("GEOPLAN_QUERY_SECONDS", 10.0)),
        max_vertices=int(env.get("GEOPLAN_MAX_VERTICES", 100_000)),
        cors_origins=tuple(o.strip() for o in env.get("GEOPLAN_CORS_ORIGINS", "").split(",") if o.strip()),
        lang="en" if lang == "en" else "zh",
        assets_dir=Path(env["GEOPLAN_ASSETS_DIR"]) if env.get("GEOPLAN_ASSETS_DIR") else None,
        tianditu_key=env.get("GEOPLAN_TIANDITU_KEY") or None,
        basemap=env.get("GEOPLAN_BASEMAP") or "none",
        database_url=env.get("GEOPLAN_DATABASE_URL") or None,
    )
    return settings.with_overrides(**overrides)
