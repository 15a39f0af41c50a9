"""Content-Security-Policy on every HTML page the API serves (maps, reports, HTML views).

Scripts may come from this server, or be the page's own inline scripts, each allowed by its SHA-256 hash
(folium writes its map set-up inline).  Hashes are computed from the page as served, so they always match what
the generator wrote; what the policy forbids is everything else: inline event handlers (``<img onerror=…>``,
the stored-XSS shape a planner-typed name would take if it ever reached the DOM as HTML), ``javascript:`` URLs,
``eval``, plugins, other origins' scripts and framing by other sites.  Styles stay ``'unsafe-inline'`` (Leaflet
positions everything with style attributes); images may come from basemap tile servers (https) and data: URIs.
"""

from __future__ import annotations

import base64
import hashlib
import re

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: An inline ``<script>`` element (no ``src``): its text is what the browser hashes.
_INLINE_SCRIPT = re.compile(rb"<script\b([^>]*)>(.*?)</script\s*>", re.IGNORECASE | re.DOTALL)
_SRC = re.compile(rb"\bsrc\s*=", re.IGNORECASE)

BASE_POLICY = (
    "default-src 'self'",
    "img-src 'self' data: blob: https:",
    "style-src 'self' 'unsafe-inline'",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'self'",
)


def policy_for(html: bytes) -> str:
    """The policy for one page: the base rules plus a hash for each of its inline scripts."""
    hashes = []
    for attrs, body in _INLINE_SCRIPT.findall(html):
        if _SRC.search(attrs):
            continue
        digest = base64.b64encode(hashlib.sha256(body).digest()).decode()
        hashes.append(f"'sha256-{digest}'")
    script_src = " ".join(["script-src 'self'", *dict.fromkeys(hashes)])
    return "; ".join([*BASE_POLICY, script_src])


class ContentSecurityPolicyMiddleware:
    """Buffers HTML responses (pages are at most a few MB) to add their Content-Security-Policy header."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        chunks: list[bytes] = []

        async def buffered(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                ctype = MutableHeaders(raw=list(message.get("headers", []))).get("content-type", "")
                if ctype.startswith("text/html"):
                    start = message
                    return
                await send(message)
                return
            if start is None or message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            html = b"".join(chunks)
            headers = MutableHeaders(raw=list(start.get("headers", [])))
            headers["Content-Security-Policy"] = policy_for(html)
            await send({**start, "headers": headers.raw})
            await send({"type": "http.response.body", "body": html, "more_body": False})

        await self.app(scope, receive, buffered)
