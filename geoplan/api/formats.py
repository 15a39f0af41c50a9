"""Output formats: ``f=json|html`` (or the Accept header), response helpers and the links OGC clients follow."""

from __future__ import annotations

from typing import Any, Literal

import orjson
from fastapi import Request
from starlette.responses import Response

from geoplan.api.problems import bad_request
from geoplan.config import Settings

GEOJSON = "application/geo+json"
JSON = "application/json"
HTML = "text/html"
OPENAPI_JSON = "application/vnd.oai.openapi+json;version=3.0"
SCHEMA_JSON = "application/schema+json"
Lang = Literal["zh", "en"]


def wants_html(request: Request) -> bool:
    """``f`` decides; without it a browser's Accept (HTML before JSON) does."""
    f = request.query_params.get("f")
    if f is not None:
        if f not in ("json", "html", "geojson"):
            raise bad_request(f"f must be json or html, not {f!r}")
        return f == "html"
    accept = request.headers.get("accept", "")
    return "text/html" in accept and "json" not in accept.split("text/html")[0]


def lang_of(request: Request, settings: Settings) -> Lang:
    lang = request.query_params.get("lang")
    if lang is None:
        return settings.lang
    if lang not in ("zh", "en"):
        raise bad_request(f"lang must be zh or en, not {lang!r}")
    return lang  # type: ignore[return-value]


#: What an If-Match may say: * or a list of ETags this server issues (a version number, strong or weak).
IF_MATCH_PATTERN = r'^(\*|(W/)?"[0-9]{1,15}"( *, *(W/)?"[0-9]{1,15}")*)$'


def check_common_params(request: Request) -> None:
    """Parameters every endpoint reads the same way, checked once for all so no endpoint forgets one."""
    for lang in request.query_params.getlist("lang"):
        if lang not in ("zh", "en"):
            raise bad_request(f"lang must be zh or en, not {lang[:20]!r}")
    for name in ("crs", "bbox-crs", "filter-crs"):
        for value in request.query_params.getlist(name):
            if not value.strip():
                raise bad_request(f"{name} is empty; leave it out for CRS84 or name a CRS")


def base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def json_response(
    data: Any, *, media_type: str = JSON, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    return Response(orjson.dumps(data), status_code=status, media_type=media_type, headers=headers)


def link(href: str, rel: str, type_: str, title: str | None = None) -> dict[str, str]:
    out = {"href": href, "rel": rel, "type": type_}
    if title:
        out["title"] = title
    return out


def self_links(request: Request, json_type: str = JSON, title: str | None = None) -> list[dict[str, str]]:
    """``self`` and the HTML/JSON ``alternate`` of the current URL."""
    html = wants_html(request)
    as_json = str(request.url.include_query_params(f="json"))
    as_html = str(request.url.include_query_params(f="html"))
    return [
        link(as_html if html else as_json, "self", HTML if html else json_type, title),
        link(as_json if html else as_html, "alternate", json_type if html else HTML, title),
    ]
