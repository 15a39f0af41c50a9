"""Health and readiness for a service manager or a reverse proxy: /healthz and /readyz.

Both answer without a token (they tell nothing about the data but its readability).  /healthz (liveness) reads
only each layer file's first line, so it stays cheap on a county's 300,000-footprint layer; /readyz also asks the
read model for every layer (cached per file version), so a layer that cannot be parsed makes the server unready.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from geoplan import __version__
from geoplan.api.deps import ReadModelDep, StoreDep
from geoplan.api.formats import JSON, json_response
from geoplan.api.items_query import reject_unknown
from geoplan.layers.backend import SqlReads
from geoplan.layers.catalogue import Catalogue

router = APIRouter()

NO_STORE = {"Cache-Control": "no-store"}


#: The backend each store class stands for (reported by /healthz).
BACKENDS = {"LayerStore": "geojson", "PostgisStore": "postgis"}


def _store_problems(store: Any) -> list[str]:
    """The store's own check; a backend without one is asked for one layer's count instead."""
    check = getattr(store, "health", None)
    if check is not None:
        return list(check())
    try:
        store.count(store.layer_names[0])
    except Exception as exc:  # whatever stops a read
        return [f"{type(exc).__name__}: {exc}"]
    return []


@router.get("/healthz")
def healthz(request: Request, store: StoreDep) -> Response:
    """Liveness: the store is readable (200) or not (503, with the problems); the geoplan version."""
    reject_unknown(request.query_params, ())
    problems = _store_problems(store)
    backend = BACKENDS.get(type(store).__name__, type(store).__name__)
    body = {
        "status": "ok" if not problems else "unavailable",
        "version": __version__,
        "store": {"backend": backend, "layers": len(store.layer_names), "readable": not problems},
        "problems": problems,
    }
    return json_response(body, status=503 if problems else 200, headers=NO_STORE)


@router.get("/readyz")
def readyz(request: Request, store: StoreDep, readmodel: ReadModelDep) -> Response:
    """Readiness: 200 once every layer is indexed and can be served; 503 while starting or when one cannot."""
    reject_unknown(request.query_params, ())
    warmed = request.app.state.warmed.is_set()
    problems = _store_problems(store)
    if warmed and not problems and not isinstance(store, SqlReads):  # a database answers reads itself
        for name in store.layer_names:  # cached per file version: cheap unless a layer changed
            try:
                readmodel.index(name)
            except Exception as exc:  # whatever stops this layer being served
                problems.append(f"{name}: {exc}")
    ready = warmed and not problems
    status = "ready" if ready else ("starting" if not problems else "unavailable")
    return json_response({"status": status, "problems": problems}, status=200 if ready else 503, headers=NO_STORE)


def _schema(required: list[str], props: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "required": required, "properties": props}


def openapi_paths(catalogue: Catalogue) -> dict[str, Any]:
    """/healthz and /readyz in the /api document."""
    problems = {"type": "array", "items": {"type": "string"}}
    health = _schema(
        ["status", "version", "store", "problems"],
        {
            "status": {"type": "string", "enum": ["ok", "unavailable"]},
            "version": {"type": "string"},
            "store": _schema(
                ["backend", "layers", "readable"],
                {"backend": {"type": "string"}, "layers": {"type": "integer"}, "readable": {"type": "boolean"}},
            ),
            "problems": problems,
        },
    )
    ready = _schema(
        ["status", "problems"],
        {"status": {"type": "string", "enum": ["ready", "starting", "unavailable"]}, "problems": problems},
    )
    bad = {"description": "Unknown query parameter", "content": {"application/problem+json": {"schema": {
        "$ref": "#/components/schemas/problem"}}}}  # fmt: skip

    def op(summary: str, schema: dict[str, Any], ok: str, down: str) -> dict[str, Any]:
        content = {JSON: {"schema": schema}}
        return {
            "get": {
                "summary": summary,
                "tags": ["service"],
                "responses": {
                    "200": {"description": ok, "content": content},
                    "400": bad,
                    "503": {"description": down, "content": content},
                },
            }
        }

    return {
        "/healthz": op("Health: store readable, geoplan version", health, "Healthy", "The store cannot be read"),
        "/readyz": op("Readiness to serve requests", ready, "Ready", "Starting (indexing layers) or unhealthy"),
    }
