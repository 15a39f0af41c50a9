"""What a map editor needs besides the item routes: who am I, a feature's history, undo, and siting checks.

The map page asks ``/whoami`` to decide whether to show editing tools, reads ``…/history`` to say who changed a
feature it tried to save over (412), undoes a save it made (``Geoplan-Change`` header of every write) and asks
``…/checks`` for warnings before saving.
"""

from __future__ import annotations

from typing import Any

import shapely.geometry
from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from geoplan.analysis import Standards, load_standards
from geoplan.analysis.siting import siting_warnings
from geoplan.api.auth import principal_from
from geoplan.api.body import json_body
from geoplan.api.deps import PlannerDep, ReaderDep, SettingsDep, StoreDep
from geoplan.api.formats import JSON, json_response, lang_of
from geoplan.api.items_query import reject_unknown
from geoplan.api.problems import PROBLEM_JSON, ApiProblem, bad_request
from geoplan.config import Settings
from geoplan.errors import ChangeNotFound, ValidationFailed
from geoplan.layers import Catalogue
from geoplan.layers.limits import ID_PATTERN
from geoplan.layers.validation import geometry_problems

router = APIRouter(tags=["editing"])

#: Undo from the page is for one's own recent edit; a planner undoing a colleague's change uses the CLI.
_NOT_YOURS = {
    "zh": "只能撤销自己的修改:变更 {change} 由 {actor} 完成",
    "en": "you may only undo your own changes: {change} was made by {actor}",
}


@router.get("/whoami")
def whoami(request: Request, settings: SettingsDep) -> Response:
    """The caller's name and role (viewer, planner, or null without a token) and whether the server takes writes."""
    reject_unknown(request.query_params, ("lang",))
    principal = principal_from(request)  # 401 for a token nobody issued
    return json_response(
        {
            "name": principal.name if principal else None,
            "role": principal.role if principal else None,
            "writable": request.app.state.tokens.has_planners,
            "lang": lang_of(request, settings),
        }
    )


@router.get("/collections/{layer}/items/{feature_id}/history")
def feature_history(layer: str, feature_id: str, request: Request, store: StoreDep, _: ReaderDep) -> Response:
    """Every recorded version of a feature, oldest first: who saved it, when, how, and under which change."""
    reject_unknown(request.query_params, ("lang",))
    store.spec(layer)
    versions = [
        {"version": v.version, "at": v.at, "actor": v.actor, "op": v.op, "change": v.change}
        for v in store.history(layer, feature_id)
    ]
    return json_response({"layer": layer, "id": feature_id, "versions": versions})


@router.post("/changes/{change}/undo")
async def undo_change(
    change: str, request: Request, store: StoreDep, settings: SettingsDep, who: PlannerDep
) -> Response:
    """Undo one of the caller's own changes, unless a feature of it has been changed since (412)."""
    reject_unknown(request.query_params, ("lang",))
    lang = lang_of(request, settings)
    target = next((c for c in await run_in_threadpool(store.changes) if c.change == change), None)
    if target is None:
        raise ChangeNotFound(change)
    if target.actor != who.name:
        raise ApiProblem(403, "Forbidden", _NOT_YOURS[lang].format(change=change, actor=target.actor or "?"))
    done = await run_in_threadpool(store.undo, change, actor=who.name, only_if_current=True)
    return json_response(
        {"change": done.change, "undid": change, "layers": list(done.layers), "count": done.count}, status=200
    )


def _standards(request: Request, settings: Settings) -> Standards:
    cached = getattr(request.app.state, "siting_standards", None)
    if cached is None:
        cached = request.app.state.siting_standards = load_standards(settings.standards_path)
    return cached


@router.post("/collections/{layer}/checks")
async def check_feature(layer: str, request: Request, store: StoreDep, settings: SettingsDep, _: ReaderDep) -> Response:
    """Siting warnings before a save: outside every village, leaving the township, far from a road."""
    reject_unknown(request.query_params, ("lang",))
    lang = lang_of(request, settings)
    spec = store.spec(layer)
    body = await json_body(request)
    geometry = body.get("geometry") if isinstance(body, dict) else None
    if not isinstance(geometry, dict):
        raise bad_request("send a GeoJSON Feature with a geometry")
    # The same geometry rules as a save (type, positions, lon/lat ranges, vertices, validity): 422 naming them.
    problems = geometry_problems(spec, None, geometry, settings.max_vertices)
    if problems:
        raise ValidationFailed(problems)
    shape = shapely.geometry.shape(geometry)
    feature_id = body.get("id") if isinstance(body, dict) else None
    standards = _standards(request, settings)

    def run() -> list[dict[str, Any]]:
        frames = {name: store.frame(name) for name in ("villages", "roads") if name in store.layer_names}
        empty = store.frame(layer).iloc[0:0]
        found = siting_warnings(
            shape,
            layer,
            frames.get("villages", empty),
            frames.get("roads", empty),
            facility_road_max_m=standards.facility_road_max_m,
            exclude_id=str(feature_id) if feature_id is not None else None,
        )
        return [{"code": w.code, "message": w.text(lang), **w.params} for w in found]

    return json_response({"warnings": await run_in_threadpool(run)})


def openapi_paths(catalogue: Catalogue) -> dict[str, Any]:
    """These endpoints in the /api document (OpenAPI 3.0 path items)."""
    obj = {"type": "object"}
    problem = {
        "description": "Problem",
        "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/problem"}}},
    }
    path = {"in": "path", "required": True, "schema": {"type": "string"}}
    feature_id = {"in": "path", "required": True, "schema": {"type": "string", "pattern": ID_PATTERN}}
    ok = {"200": {"description": "OK", "content": {JSON: {"schema": obj}}}}
    paths: dict[str, Any] = {
        "/whoami": {"get": {"summary": "The caller's name and role", "tags": ["editing"], "responses": ok}},
        "/changes/{change}/undo": {
            "post": {
                "summary": "Undo one of the caller's own changes (planner token)",
                "tags": ["editing"],
                "parameters": [{"name": "change", **path}],
                "responses": {**ok, "401": problem, "403": problem, "404": problem, "412": problem},
            }
        },
    }
    for name in catalogue.names:
        paths[f"/collections/{name}/items/{{featureId}}/history"] = {
            "get": {
                "summary": "Every recorded version of a feature (who, when, which change)",
                "tags": ["editing"],
                "parameters": [{"name": "featureId", **feature_id}],
                "responses": {**ok, "404": problem},
            }
        }
        paths[f"/collections/{name}/checks"] = {
            "post": {
                "summary": "Siting warnings for a feature before it is saved",
                "tags": ["editing"],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/geo+json": {
                            "schema": {
                                "type": "object",
                                "required": ["geometry"],
                                "properties": {
                                    "geometry": {
                                        "oneOf": [
                                            {"$ref": f"#/components/schemas/geometry-{gtype}"}
                                            for gtype in catalogue.layer(name).geometry_types
                                        ]
                                    }
                                },
                            }
                        }
                    },
                },
                "responses": {**ok, "400": problem, "413": problem, "415": problem, "422": problem},
            }
        }
    return paths
