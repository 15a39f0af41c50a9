"""App factory: settings and store on ``app.state``, routers mounted from one list, errors mapped in one table."""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from starlette.middleware.cors import CORSMiddleware

from geoplan.api.auth import TokenRegistry
from geoplan.api.body import BodyLimitMiddleware
from geoplan.api.csp import ContentSecurityPolicyMiddleware
from geoplan.api.formats import check_common_params
from geoplan.api.problems import install_problem_handlers
from geoplan.api.readmodel import ReadModel
from geoplan.config import Settings, load_settings
from geoplan.layers.backend import SqlReads, open_store

#: Router modules (each exposes ``router``), mounted in this order.  Another resource = one more line here.
#: A module may also define ``openapi_paths(catalogue) -> dict`` (OpenAPI 3.0 path items) to appear in /api.
ROUTERS: tuple[str, ...] = (
    "geoplan.api.routes.landing",
    "geoplan.api.routes.collections",
    "geoplan.api.routes.survey",
    "geoplan.api.routes.items",
    "geoplan.api.routes.analysis",
    "geoplan.api.routes.maps",
    "geoplan.api.routes.editing",
    "geoplan.api.routes.transfer",
    "geoplan.api.routes.styles",
    "geoplan.api.routes.plan",
    "geoplan.api.routes.health",
)


log = logging.getLogger("geoplan.api")


def _warm(readmodel: ReadModel, done: threading.Event) -> None:
    """Index every layer in the background, so the first request for a large layer does not pay the parse.

    Largest file first: it takes longest, and a request for it then waits for a build already under way instead
    of starting its own while the warm-up competes for the interpreter.  ``done`` is set once every layer is
    indexed and encoded (also after a failure): /readyz answers 200 from then on.  A store with SQL reads
    (PostGIS) is ready at once.
    """
    store = readmodel.store
    if isinstance(store, SqlReads):  # reads are answered by SQL: nothing to index or hold
        done.set()
        return
    try:
        for name in sorted(store.layer_names, key=lambda n: -((store.signature(n) or (0, 0, 0))[1])):
            try:
                readmodel.index(name)
            except Exception as exc:  # a broken file is reported when a request asks for it
                log.warning("could not index %s at start-up: %s", name, exc)
        for name in store.layer_names:  # large layers encode in the background: ready once they are done
            held = readmodel.held(name)
            if held is not None:
                held.encode_all()
        for thread in threading.enumerate():  # the columnar copies written meanwhile
            if thread.name.startswith("geoplan-copy-"):
                thread.join()
        _release_free_memory()
    finally:
        done.set()


def _release_free_memory() -> None:
    """Hand the memory the warm-up freed back to the system (glibc keeps it in its arenas otherwise).

    Parsing and encoding a county's layers in several threads leaves ~200 MiB free but held by the C allocator's
    per-thread arenas, counted in the server's resident memory; ``malloc_trim`` returns it.  Elsewhere a no-op.
    """
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
        trim = getattr(libc, "malloc_trim", None)
    except OSError:
        trim = None
    if trim is not None:
        trim(0)


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    warm = threading.Thread(
        target=_warm, args=(app.state.readmodel, app.state.warmed), name="geoplan-warm", daemon=True
    )
    warm.start()
    yield
    close = getattr(app.state.store, "close", None)  # a database store's connection pool
    if close is not None:
        close()


def create_app(settings: Settings) -> FastAPI:
    """Build the API over the settings' store (files or database); nothing is read from the environment here."""
    app = FastAPI(
        title="geoplan — 乡村基础设施规划 OGC API – Features",
        version="1.0.0",
        # /api serves our own OpenAPI 3.0 document; FastAPI's 3.1 one would confuse GDAL and validators.
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
        lifespan=_lifespan,
        dependencies=[Depends(check_common_params)],
    )
    app.state.settings = settings
    app.state.store = open_store(settings)
    if hasattr(app.state.store, "background_copies"):  # the file store: columnar copies after the first answer
        app.state.store.background_copies = True
    app.state.readmodel = ReadModel(app.state.store)
    app.state.warmed = threading.Event()  # set once every layer is indexed (see /readyz)
    app.state.tokens = TokenRegistry.from_settings(settings)
    install_problem_handlers(app)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(ContentSecurityPolicyMiddleware)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
            allow_headers=["Authorization", "Content-Type", "If-Match", "Accept"],
            expose_headers=["ETag", "Location", "Content-Crs", "Geoplan-Change"],
        )
    for module in ROUTERS:
        app.include_router(importlib.import_module(module).router)
    return app


def create_app_from_env() -> FastAPI:
    """Factory for ``uvicorn --factory`` (each worker process builds its app from ``GEOPLAN_*``)."""
    return create_app(load_settings())
