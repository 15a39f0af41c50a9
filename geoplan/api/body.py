"""Request bodies: capped in size (413) before anyone parses them, and parsed as JSON with clear 4xx errors."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from geoplan.api.problems import ApiProblem, problem_response
from geoplan.layers.limits import deeper_than

JSON_TYPES = ("application/json", "application/geo+json", "application/merge-patch+json")
#: Deepest JSON body accepted: a MultiPolygon feature nests 7 levels; deeper is an attack on recursive code.
MAX_JSON_DEPTH = 16


def too_large(max_bytes: int) -> ApiProblem:
    return ApiProblem(413, "Payload too large", f"request body exceeds the limit of {max_bytes} bytes")


class BodyLimitMiddleware:
    """Rejects bodies over ``max_bytes``: by Content-Length up front, and while streaming when it is absent/false."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = 0
                if declared > self.max_bytes:
                    p = too_large(self.max_bytes)
                    response = problem_response(p.status, p.title, p.detail, instance=scope.get("path"))
                    await response(scope, receive, send)
                    return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise too_large(self.max_bytes)
            return message

        await self.app(scope, counted, send)


async def json_body(request: Request) -> Any:
    """The request body as JSON; 415 for another media type, 400 naming the parse error for broken JSON."""
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype and ctype not in JSON_TYPES:
        raise ApiProblem(415, "Unsupported media type", f"send {' or '.join(JSON_TYPES)}, not {ctype}")
    raw = await request.body()
    if not raw.strip():
        raise ApiProblem(400, "Bad request", "request body is empty; send a GeoJSON Feature")
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise ApiProblem(400, "Bad request", f"request body is not valid JSON: {exc}") from exc
    if deeper_than(value, MAX_JSON_DEPTH):
        raise ApiProblem(400, "Bad request", f"request body nests deeper than {MAX_JSON_DEPTH} levels")
    return value
