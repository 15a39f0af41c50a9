"""Served maps and reports cached by data version: an ETag per (page, query, data version), 304, a bounded cache.

A page is a pure function of the layer files, the settings it reads and the request's query, so the data
version is every layer's file signature (inode, size, mtime — the store stats each file on every read anyway)
plus the standards file's.  A write through the API, the CLI or any other process changes a signature, so the
next request computes a new key: nothing is ever served from before a write, and no messaging between workers
is needed.  Entries of an older data version are dropped as soon as a newer one is seen.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from fastapi import Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from geoplan.config import Settings
from geoplan.layers import LayerStore

#: Pages kept at most, and their total size: a county's gap map is a few MB, its html report ~3 MB.
MAX_ENTRIES = 64
MAX_BYTES = 256 * 1024 * 1024


@dataclass(frozen=True)
class Page:
    """One rendered response body with what it is served as."""

    body: bytes
    media_type: str
    headers: dict[str, str] = field(default_factory=dict)


class PageCache:
    """Least-recently-used pages of the current data version, bounded in count and bytes; thread-safe."""

    def __init__(self, max_entries: int = MAX_ENTRIES, max_bytes: int = MAX_BYTES) -> None:
        self.max_entries, self.max_bytes = max_entries, max_bytes
        self._pages: OrderedDict[str, Page] = OrderedDict()
        self._bytes = 0
        self._version: str | None = None
        self._lock = threading.Lock()
        self._building: dict[str, threading.Lock] = {}

    def __len__(self) -> int:
        return len(self._pages)

    @property
    def size(self) -> int:
        """Bytes held."""
        return self._bytes

    def _see(self, version: str) -> None:
        if version != self._version:  # the data changed: nothing cached before can be served again
            self._pages.clear()
            self._bytes, self._version = 0, version

    def get(self, key: str, version: str) -> Page | None:
        with self._lock:
            self._see(version)
            page = self._pages.get(key)
            if page is not None:
                self._pages.move_to_end(key)
            return page

    def put(self, key: str, version: str, page: Page) -> None:
        with self._lock:
            self._see(version)
            if len(page.body) > self.max_bytes or key in self._pages:
                return
            self._pages[key] = page
            self._bytes += len(page.body)
            while len(self._pages) > self.max_entries or self._bytes > self.max_bytes:
                _, old = self._pages.popitem(last=False)
                self._bytes -= len(old.body)

    def get_or_build(self, key: str, version: str, build: Callable[[], Page]) -> Page:
        """The cached page, or ``build()`` once however many requests for it arrive meanwhile."""
        page = self.get(key, version)
        if page is not None:
            return page
        with self._lock:
            building = self._building.setdefault(key, threading.Lock())
        with building:
            page = self.get(key, version)
            if page is None:
                page = build()
                self.put(key, version, page)
        with self._lock:
            self._building.pop(key, None)
        return page


def data_version(store: LayerStore, settings: Settings) -> str:
    """Every layer file's signature and the standards file's: changes whenever any data a page shows changes."""
    parts = [repr(store.signature(name)) for name in store.layer_names]  # a stat each: no layer is parsed
    standards = settings.standards_path
    if standards is not None:
        try:
            st = os.stat(standards)
            parts.append(repr((str(standards), st.st_ino, st.st_size, st.st_mtime_ns)))
        except OSError:
            parts.append(str(standards))
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]


def _page_key(request: Request, settings: Settings, version: str, variant: tuple[object, ...] | None) -> str:
    """The page's identity: path, query (the route's resolved parameters, or the raw query order-free), root path,
    settings that change a page, code version, data version."""
    query = variant if variant is not None else sorted(request.query_params.multi_items())
    parts = (
        request.url.path,
        repr(query),
        str(request.scope.get("root_path", "")),
        settings.lang,
        str(settings.assets_dir),
        "tianditu" if settings.tianditu_key else "",
        _code_version(),
        version,
    )
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:32]


def _code_version() -> str:
    """geoplan's version, so a browser's copy from before an upgrade is not revalidated as current."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("geoplan")
    except PackageNotFoundError:
        return "dev"


def _matches(if_none_match: str | None, etag: str) -> bool:
    """Weak comparison (RFC 9110 §13.1.2), as GET revalidation uses: W/ prefixes ignored, lists and * accepted."""
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    opaque = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == opaque for tag in if_none_match.split(","))


def page_cache(request: Request) -> PageCache:
    cache = getattr(request.app.state, "pages", None)
    if cache is None:
        cache = request.app.state.pages = PageCache()
    return cache


async def cached_page(
    request: Request,
    store: LayerStore,
    settings: Settings,
    build: Callable[[], Page],
    variant: tuple[object, ...] | None = None,
) -> Response:
    """Answer with the page for this request and data version: 304 when the client has it, else from the cache
    or ``build`` (run in a worker thread).

    ``variant``: the request's parameters as the route resolved them (defaults filled in), so ``?format=html``
    and no query share one entry.  Parameters are validated before this; errors raised by ``build`` (404s) are
    answered as usual and cache nothing.
    """
    version = await run_in_threadpool(data_version, store, settings)
    key = _page_key(request, settings, version, variant)
    # weak: a map page rebuilt from the same data differs in folium's random element ids, not in content
    etag = f'W/"{key}"'
    # the reader's browser revalidates every time (a write must show in the next load), and a token-protected
    # page stays in that browser only
    headers = {"ETag": etag, "Cache-Control": "private, no-cache", "Vary": "Authorization"}
    if _matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    page = await run_in_threadpool(page_cache(request).get_or_build, key, version, build)
    return Response(page.body, media_type=page.media_type, headers={**page.headers, **headers})
