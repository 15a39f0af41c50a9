"""RFC 7807 problem+json: the one table mapping domain errors to HTTP statuses, and the API's own problems.

Domain errors (:mod:`geoplan.errors`) know no HTTP; this module is the only place that decides their status.
Messages of ``GeoplanError`` are written for users, so they go out as ``detail``; anything else is a 500
whose internals stay in the server log.
"""

from __future__ import annotations

import logging
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.routing import Match

from geoplan.errors import (
    CatalogueError,
    ChangeNotFound,
    DataFileError,
    FeatureExists,
    FeatureNotFound,
    GeoplanError,
    LayerNotFound,
    NotFound,
    ValidationFailed,
    VersionConflict,
    VersionNotFound,
)
from geoplan.layers.survey import SurveyConflict, SurveyError

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger("geoplan.api")

#: Domain error → (status, title).  Subclasses are matched before their bases (first hit in MRO order wins).
STATUS_TABLE: dict[type[GeoplanError], tuple[int, str]] = {
    LayerNotFound: (404, "Collection not found"),
    FeatureNotFound: (404, "Feature not found"),
    VersionNotFound: (404, "Version not found"),
    ChangeNotFound: (404, "Change not found"),
    NotFound: (404, "Not found"),
    FeatureExists: (409, "Feature already exists"),
    ValidationFailed: (422, "Invalid feature"),
    SurveyConflict: (412, "Precondition failed: survey declaration has changed"),
    VersionConflict: (412, "Precondition failed: feature has changed"),
    SurveyError: (422, "Invalid survey declaration"),
    DataFileError: (500, "Layer file unreadable"),
    CatalogueError: (500, "Layer catalogue invalid"),
    GeoplanError: (400, "Bad request"),
}


class ApiProblem(Exception):
    """An HTTP-level problem raised by the API itself (bad parameter, missing token, body too large …)."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str | None = None,
        *,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail or title)
        self.status = status
        self.title = title
        self.detail = detail
        self.headers = headers or {}
        self.extra = extra


def bad_request(detail: str, **extra: Any) -> ApiProblem:
    return ApiProblem(400, "Bad request", detail, **extra)


def problem_response(
    status: int,
    title: str,
    detail: str | None = None,
    *,
    instance: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if instance:
        body["instance"] = instance
    body.update({k: v for k, v in extra.items() if v is not None})
    return Response(orjson.dumps(body), status_code=status, media_type=PROBLEM_JSON, headers=headers)


def status_of(exc: GeoplanError) -> tuple[int, str]:
    for cls in type(exc).__mro__:
        if cls in STATUS_TABLE:
            return STATUS_TABLE[cls]  # type: ignore[index]
    return 400, "Bad request"


def _domain_problem(request: Request, exc: GeoplanError) -> Response:
    status, title = status_of(exc)
    extra: dict[str, Any] = {}
    lang = _language(request)
    detail = exc.text(lang)
    if isinstance(exc, ValidationFailed):
        extra["problems"] = [
            {"layer": p.layer, "feature": p.feature, "field": p.field, "row": p.row, "code": p.code or None,
             "message": p.text(lang)}
            for p in exc.problems
        ]  # fmt: skip
        if exc.problems:
            more = len(exc.problems) - 1
            detail = exc.problems[0].describe(lang) + (f" (+{more})" if more else "")
    if isinstance(exc, VersionConflict):
        extra["current_version"] = exc.current
    if status >= 500:
        log.error("%s: %s", request.url.path, exc)
    return problem_response(status, title, detail, instance=request.url.path, **extra)


def _language(request: Request) -> str:
    """Problem texts follow ?lang=, else the server's configured language (Chinese by default)."""
    asked = request.query_params.get("lang")
    if asked in ("zh", "en"):
        return asked
    settings = getattr(request.app.state, "settings", None)
    return getattr(settings, "lang", "zh")


def install_problem_handlers(app: FastAPI) -> None:
    """Every error leaves the API as problem+json."""

    @app.exception_handler(GeoplanError)
    async def _geoplan(request: Request, exc: GeoplanError) -> Response:
        return _domain_problem(request, exc)

    @app.exception_handler(ApiProblem)
    async def _api(request: Request, exc: ApiProblem) -> Response:
        return problem_response(
            exc.status, exc.title, exc.detail, instance=request.url.path, headers=exc.headers, **exc.extra
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        title = {404: "Not found", 405: "Method not allowed"}.get(exc.status_code, "HTTP error")
        detail = exc.detail if isinstance(exc.detail, str) else None
        headers = getattr(exc, "headers", None)
        if exc.status_code == 405:
            headers = {**(headers or {}), "Allow": ", ".join(_methods_at(request))}
        return problem_response(exc.status_code, title, detail, instance=request.url.path, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        errors = [{"field": ".".join(str(p) for p in e.get("loc", ())), "message": e.get("msg")} for e in exc.errors()]
        return problem_response(400, "Bad request", "invalid request", instance=request.url.path, problems=errors)


_METHODS = ("DELETE", "GET", "OPTIONS", "PATCH", "POST", "PUT")


def _methods_at(request: Request) -> list[str]:
    """Every method some route serves at this path (RFC 9110: a 405 lists them all in Allow).

    Starlette's own Allow names only the first route whose path matched, and each method here is its own route;
    asking the router (``matches``, as it routes) keeps this right however FastAPI nests included routers.
    """
    routes = request.app.router.routes
    return [
        method
        for method in _METHODS
        if any(route.matches({**request.scope, "method": method})[0] == Match.FULL for route in routes)
    ]
