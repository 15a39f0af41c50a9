"""The budget plan: ``GET /plan`` proposes, ``POST /plan/accept`` writes it (one change), ``/maps/plan`` shows it.

A proposal is a pure function of the data and the query, and costs a whole plan (seconds at county scale), so both
GETs are served from the page cache keyed by data version and the resolved options: the same question asked again,
or by several readers at once, is answered once until a write changes the data.
"""

from __future__ import annotations

import math
import re
from typing import Any

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from geoplan.api.analysis_model import analysis_model
from geoplan.api.deps import PlannerDep, ReaderDep, SettingsDep, StoreDep
from geoplan.api.formats import JSON, json_response, lang_of
from geoplan.api.items_query import reject_unknown, single
from geoplan.api.pagecache import Page, cached_page
from geoplan.api.problems import PROBLEM_JSON, ApiProblem, bad_request
from geoplan.config import Settings
from geoplan.layers import Catalogue, LayerStore

router = APIRouter(tags=["plan"])

PARAMS = ("budget", "year", "theme", "distance", "only_candidates", "lang")
#: The largest budget taken (万元): far above any township's year, small enough to stay a plain number.
MAX_BUDGET = 10_000_000
_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?", re.ASCII)


def _options(request: Request, catalogue: Catalogue) -> dict[str, Any]:
    q = request.query_params
    reject_unknown(q, PARAMS)
    raw = single(q, "budget")
    if raw is None:
        raise bad_request("budget (万元) is required")
    # float() and int() also take "1_0", surrounding blanks and non-ASCII digits ("²" even fails later, a 500).
    if _NUMBER.fullmatch(raw) is None:
        raise bad_request(f"budget must be a number of 万元, not {raw[:40]!r}")
    budget = float(raw)
    if not (math.isfinite(budget) and 0 <= budget <= MAX_BUDGET):
        raise bad_request(f"budget must be between 0 and {MAX_BUDGET} 万元")
    year_raw = single(q, "year")
    year = None
    if year_raw is not None:
        if not (year_raw.isascii() and year_raw.isdigit()) or not 1949 <= int(year_raw) <= 2100:
            raise bad_request("year must be a year between 1949 and 2100")
        year = int(year_raw)
    themes = q.getlist("theme")
    for t in themes:
        if t not in catalogue.themes:
            raise bad_request(f"unknown theme {t[:40]!r} (one of {', '.join(sorted(catalogue.themes))})")
    distance = single(q, "distance")
    if distance not in (None, "straight", "network"):
        raise bad_request("distance must be straight or network")
    only = single(q, "only_candidates") or "false"
    if only not in ("true", "false"):
        raise bad_request("only_candidates must be true or false")
    return {"budget": budget, "year": year, "themes": themes or None, "distance": distance, "only": only == "true"}


def _propose(store: LayerStore, settings: Settings, request: Request, opts: dict[str, Any], lang: str):  # noqa: ANN202
    from geoplan.analysis.plan import plan

    standards = analysis_model(request).standards
    if opts["distance"]:
        standards = standards.with_distance(opts["distance"])
    return plan(
        store.frames(), standards, opts["budget"], year=opts["year"], themes=opts["themes"],
        generated=not opts["only"], catalogue=store.catalogue, lang=lang,
    )  # fmt: skip


def _variant(opts: dict[str, Any], lang: str) -> tuple[object, ...]:
    """The resolved options as a cache key: ``budget=500`` and ``budget=500.0`` are one proposal."""
    themes = tuple(sorted(set(opts["themes"]))) if opts["themes"] else None
    return (opts["budget"], opts["year"], themes, opts["distance"], opts["only"], lang)


def _document(p: Any) -> dict[str, Any]:
    from geoplan.analysis.plan import proposal_collection

    comp, changed = p.village_table()

    def clean(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in r.items()} for r in rows]

    doc = proposal_collection(p)
    doc["villages"] = clean(comp.to_dict(orient="records"))
    doc["indicators"] = clean(changed.to_dict(orient="records"))
    doc["skipped"] = [{"layer": a, "id": b, "reason": c} for a, b, c in p.candidates.skipped]
    return doc


@router.get("/plan")
async def propose(request: Request, store: StoreDep, settings: SettingsDep, _: ReaderDep) -> Response:
    """The projects that newly cover the most weighted households within the budget, and the villages after."""
    opts = _options(request, store.catalogue)
    lang = lang_of(request, settings)

    def build() -> Page:
        return Page(orjson.dumps(_document(_propose(store, settings, request, opts, lang))), JSON)

    return await cached_page(request, store, settings, build, variant=_variant(opts, lang))


@router.post("/plan/accept")
async def accept(request: Request, store: StoreDep, settings: SettingsDep, who: PlannerDep) -> Response:
    """Write the proposal into the layers (status planned) as one change, undone by POST /changes/{change}/undo."""
    opts = _options(request, store.catalogue)
    lang = lang_of(request, settings)
    p = await run_in_threadpool(_propose, store, settings, request, opts, lang)
    if not len(p.chosen):
        raise ApiProblem(422, "Nothing to accept", "no project fits the budget")
    message = f"plan {opts['budget']:g} 万元" + (f" {opts['year']}" if opts["year"] else "")
    result = await run_in_threadpool(
        store.write_change, dict(p.inserts), dict(p.updates), actor=who.name, op="plan", message=message
    )
    doc = _document(p)
    layers = sorted(set(p.inserts) | set(p.updates))
    body = {"change": result.change, "layers": layers, "count": len(result.features), "proposal": doc}
    return json_response(body, status=201, headers={"Geoplan-Change": result.change})


@router.get("/maps/plan", response_class=HTMLResponse, include_in_schema=False)
async def proposal_map(request: Request, store: StoreDep, settings: SettingsDep, _: ReaderDep) -> Response:
    """The gap map with the proposal as its own layer."""
    from geoplan.analysis.plan import proposal_collection
    from geoplan.api.routes.maps import map_page, township_maps

    opts = _options(request, store.catalogue)
    lang = lang_of(request, settings)

    def build() -> Page:
        p = _propose(store, settings, request, opts, lang)
        # the served gap map (detail by bbox, assets under the root path) with the proposal as its own layer
        maps = township_maps(request, store, settings, None, lang)
        return map_page(maps.gaps(proposal=proposal_collection(p)), maps, request, drawing=False)

    return await cached_page(request, store, settings, build, variant=_variant(opts, lang))


def openapi_paths(catalogue: Catalogue) -> dict[str, Any]:
    """These endpoints in the /api document (OpenAPI 3.0 path items)."""

    def q(name: str, schema: dict[str, Any], required: bool = False) -> dict[str, Any]:
        return {"name": name, "in": "query", "required": required, "schema": schema}

    params = [
        q("budget", {"type": "number", "minimum": 0, "maximum": MAX_BUDGET}, required=True),
        q("year", {"type": "integer", "minimum": 1949, "maximum": 2100}),
        q("theme", {"type": "string", "enum": sorted(catalogue.themes)}),
        q("distance", {"type": "string", "enum": ["straight", "network"]}),
        q("only_candidates", {"type": "string", "enum": ["true", "false"]}),
        q("lang", {"type": "string", "enum": ["zh", "en"]}),
    ]
    problem = {
        "description": "Problem",
        "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/problem"}}},
    }
    obj = {"type": "object"}
    etag = {"ETag": {"description": "Data version and options; send as If-None-Match", "schema": {"type": "string"}}}
    return {
        "/plan": {
            "get": {
                "summary": "Projects within a budget that newly cover the most weighted households",
                "tags": ["plan"],
                "parameters": params,
                "responses": {
                    "200": {"description": "The proposal", "headers": etag, "content": {JSON: {"schema": obj}}},
                    "304": {"description": "Not modified: the data and the options are as when the ETag was sent"},
                    "400": problem,
                },  # fmt: skip
            }
        },
        "/plan/accept": {
            "post": {
                "summary": "Write the proposal into the layers (status planned) as one undoable change",
                "tags": ["plan"],
                "security": [{"bearerAuth": []}, {"basicAuth": []}],
                "parameters": params,
                "responses": {
                    "201": {"description": "Written", "content": {JSON: {"schema": obj}}},
                    **{str(s): problem for s in (400, 401, 403, 409, 422)},
                },
            }
        },
    }
