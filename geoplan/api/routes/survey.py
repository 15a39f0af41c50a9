"""A layer's data coverage (调查范围): where it was surveyed, read by anyone, declared by a planner.

The declaration decides which villages the analysis may judge on the layer (see :mod:`geoplan.layers.survey`):
outside it a village is 未评估, never "worst".  A PUT is one change in the change log (``Geoplan-Change``), undone
like any other write; its ETag is a tag of the declaration, so If-Match keeps two planners from overwriting each
other's declaration.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from geoplan.api.body import json_body
from geoplan.api.deps import PlannerDep, ReaderDep, SettingsDep, StoreDep
from geoplan.api.formats import IF_MATCH_PATTERN, JSON, Lang, base_url, json_response, lang_of
from geoplan.api.items_query import reject_unknown
from geoplan.api.problems import PROBLEM_JSON, ApiProblem
from geoplan.api.routes.items import CHANGE_HEADER, check_write_params, parse_if_match
from geoplan.layers import Catalogue
from geoplan.layers.store import new_change_id
from geoplan.layers.survey import MAX_CODES, SCOPES, Survey, SurveyError, describe

router = APIRouter(tags=["survey"])


def survey_document(layer: str, survey: Survey, base: str, lang: Lang) -> dict[str, Any]:
    """The declaration with its one-line description in ``lang`` (the body of GET and PUT)."""
    url = f"{base}/collections/{layer}/survey"
    return {
        "layer": layer,
        "surveyed": survey.to_json(),
        "declared": survey.declared,
        "description": describe(survey, lang),
        "links": [
            {"href": url, "rel": "self", "type": JSON},
            {"href": f"{base}/collections/{layer}", "rel": "collection", "type": JSON},
        ],
    }


def _response(layer: str, survey: Survey, request: Request, lang: Lang, change: str | None = None) -> Response:
    response = json_response(survey_document(layer, survey, base_url(request), lang))
    response.headers["ETag"] = f'"{survey.tag}"'
    if change is not None:
        response.headers[CHANGE_HEADER] = change
    return response


@router.get("/collections/{layer}/survey")
async def get_survey(layer: str, request: Request, store: StoreDep, settings: SettingsDep, _: ReaderDep) -> Response:
    """Where the layer was surveyed; its ETag is what a PUT sends as If-Match."""
    reject_unknown(request.query_params, ("lang",))
    lang = lang_of(request, settings)
    survey = await run_in_threadpool(store.survey, layer)
    return _response(layer, survey, request, lang)


@router.put("/collections/{layer}/survey")
async def put_survey(layer: str, request: Request, store: StoreDep, settings: SettingsDep, who: PlannerDep) -> Response:
    """Declare where the layer was surveyed (one undoable change); If-Match guards against a lost update."""
    check_write_params(request, settings)
    lang = lang_of(request, settings)
    store.spec(layer)
    versions = parse_if_match(request, settings)
    survey = _declaration(await json_body(request), settings.max_vertices)
    current = await run_in_threadpool(store.survey, layer)
    expected: str | None = None
    if versions is not None:
        if not versions:
            raise ApiProblem(
                412, "Precondition failed", "If-Match names no current declaration (weak ETags never match)"
            )
        expected = current.tag if int(current.tag) in versions else str(versions[0])
    if survey == current and expected in (None, current.tag):
        return _response(layer, current, request, lang)  # nothing to change: no change is logged
    change = new_change_id()
    await run_in_threadpool(store.set_survey, layer, survey, actor=who.name, if_match=expected, change=change)
    return _response(layer, survey, request, lang, change)


def _declaration(body: Any, max_vertices: int) -> Survey:
    """The PUT body as a declaration; SurveyError (422) naming the problem.

    Stricter than a layer file's member: ``villages`` and ``area`` appear only with their own scope, as the
    OpenAPI document says.
    """
    if isinstance(body, dict):
        scope = body.get("scope", "features")
        for member in ("villages", "area"):
            if member in body and scope != member:
                raise SurveyError(f"'{member}' goes with scope '{member}'", f"{member} 仅用于 scope 为 {member} 时")
    return Survey.from_json(body, max_vertices)


def _declaration_schema() -> dict[str, Any]:
    """The PUT body: one object per scope (OpenAPI 3.0 has no if/then), as Survey.from_json accepts it."""
    residential = {"type": "boolean", "description": "Buildings: rows without `use` are houses (a house survey)."}
    codes = {"type": "string", "pattern": "^[0-9]{12}$"}
    polygon = {
        "type": "object",
        "required": ["type", "coordinates"],
        "properties": {
            "type": {"type": "string", "enum": ["Polygon", "MultiPolygon"]},
            "coordinates": {"type": "array"},
        },
        "description": "A valid lon/lat (Multi)Polygon; villages at least 90 % inside count as surveyed.",
    }
    return {
        "oneOf": [
            {
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    "scope": {"type": "string", "enum": ["features", "all"]},
                    "residential": residential,
                },
            },
            {
                "type": "object",
                "additionalProperties": False,
                "required": ["scope", "villages"],
                "properties": {
                    "scope": {"type": "string", "enum": ["villages"]},
                    "villages": {"type": "array", "minItems": 1, "maxItems": MAX_CODES, "items": codes},
                    "residential": residential,
                },
            },
            {
                "type": "object",
                "additionalProperties": False,
                "required": ["scope", "area"],
                "properties": {
                    "scope": {"type": "string", "enum": ["area"]},
                    "area": polygon,
                    "residential": residential,
                },
            },
        ],
        "description": f"scope: one of {', '.join(SCOPES)} (features = the villages the layer's features fall in).",
    }


def openapi_paths(catalogue: Catalogue) -> dict[str, Any]:
    """GET and PUT /collections/{layer}/survey in the /api document."""
    problem = {"content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/problem"}}}}
    doc = {
        "type": "object",
        "required": ["layer", "surveyed", "declared", "description"],
        "properties": {
            "layer": {"type": "string"},
            "surveyed": {"type": "object"},
            "declared": {"type": "boolean"},
            "description": {"type": "string"},
            "links": {"type": "array", "items": {"$ref": "#/components/schemas/link"}},
        },
    }
    etag = {"ETag": {"description": "Tag of the declaration; send it as If-Match", "schema": {"type": "string"}}}
    ok = {"description": "The layer's survey declaration", "headers": etag, "content": {JSON: {"schema": doc}}}
    lang = {"name": "lang", "in": "query", "required": False, "schema": {"type": "string", "enum": ["zh", "en"]}}
    if_match = {
        "name": "If-Match",
        "in": "header",
        "required": False,
        "description": "ETag of the declaration being replaced (412 when it has changed since).",
        "schema": {"type": "string", "pattern": IF_MATCH_PATTERN},
    }
    errors = {
        "400": {"description": "Bad request (unknown parameter, malformed If-Match or JSON)"} | problem,
        "401": {"description": "A planner's token is needed"} | problem,
        "403": {"description": "The token's role may not write"} | problem,
        "404": {"description": "No such collection"} | problem,
        "412": {"description": "The declaration changed since the ETag sent"} | problem,
        "413": {"description": "Request body too large"} | problem,
        "415": {"description": "Request body is not JSON"} | problem,
        "422": {"description": "The declaration is malformed (scope, village code, polygon)"} | problem,
        "428": {"description": "If-Match is required by this server's configuration"} | problem,
    }
    paths: dict[str, Any] = {}
    for spec in catalogue.layers:
        paths[f"/collections/{spec.name}/survey"] = {
            "get": {
                "summary": f"{spec.zh} {spec.en}: where the layer was surveyed (调查范围)",
                "tags": ["survey"],
                "parameters": [lang],
                "responses": {"200": ok, "400": errors["400"], "404": errors["404"]},
            },
            "put": {
                "summary": f"{spec.zh} {spec.en}: declare where the layer was surveyed (one undoable change)",
                "tags": ["survey"],
                "security": [{"bearerAuth": []}, {"basicAuth": []}],
                "parameters": [if_match, lang],
                "requestBody": {"required": True, "content": {JSON: {"schema": _declaration_schema()}}},
                "responses": {"200": ok | {"headers": etag | {CHANGE_HEADER: {"schema": {"type": "string"}}}}} | errors,
            },
        }
    return paths
