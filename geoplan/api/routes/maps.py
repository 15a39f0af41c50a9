"""Live maps (/maps/...) built from the store once per data version (cached, ETag/304), and their assets."""

from __future__ import annotations

import math
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, Response

from geoplan.api.analysis_model import analysis_model
from geoplan.api.deps import ReaderDep, SettingsDep, StoreDep
from geoplan.api.pagecache import Page, cached_page, data_version
from geoplan.api.problems import ApiProblem
from geoplan.config import Settings
from geoplan.layers import LayerStore
from geoplan.maps.assets import LIVE_BASE_URL, find_assets_dir, vendor_file
from geoplan.maps.basemaps import BASEMAPS
from geoplan.maps.compact import CompactLayer, dumps
from geoplan.maps.drawing import STATIC_FILES, STATIC_URL, MapEditor
from geoplan.maps.gap import (
    CATCHMENTS_PATH,
    TABLES_PATH,
    UNCOVERED_PATH,
    catchment_layers,
    gap_tables,
    points_in_box,
    uncovered_points,
)
from geoplan.maps.layers import Display
from geoplan.maps.save import render_html
from geoplan.maps.township import TownshipMaps

router = APIRouter(tags=["maps"])

BasemapQuery = Annotated[
    str | None,
    Query(pattern="^(" + "|".join(BASEMAPS) + ")$", description="Basemap (default: the server's, GEOPLAN_BASEMAP)"),
]
LangQuery = Annotated[str | None, Query(pattern="^(zh|en)$", description="Label language")]


def township_maps(
    request: Request, store: StoreDep, settings: Settings, basemap: str | None, lang: str | None
) -> TownshipMaps:
    """The township's maps as this server shows them: detail layers by bbox from the API, the held analyses."""
    if lang is not None:
        settings = settings.with_overrides(lang=lang)
    # Detail layers (building footprints) are loaded by bounding box from this API as the planner pans.
    display = Display(detail_api=str(request.scope.get("root_path", "")).rstrip("/"))
    maps = TownshipMaps(store, settings, basemap=basemap or settings.basemap, display=display)
    # the analyses /villages, /gaps and the reports already hold for this data version, not two more runs
    model = analysis_model(request)
    maps.results = (model.result("baseline"), model.result("plan"))  # type: ignore[misc]
    return maps


def _assets_dir(settings: Settings) -> Path:
    return find_assets_dir(settings.assets_dir)


def map_page(m: object, maps: TownshipMaps, request: Request, drawing: bool) -> Page:
    """A built map as the served page: asset URLs (and the drawing panel's API) under the request's root path."""
    # behind a reverse proxy under a prefix (geoplan serve --root-path /geoplan) every URL carries the prefix
    root = str(request.scope.get("root_path", "")).rstrip("/")
    if drawing:
        MapEditor(maps.store.catalogue, lang=maps.settings.lang, api=root).add_to(m)  # type: ignore[arg-type]
    return Page(render_html(m, root + LIVE_BASE_URL).encode("utf-8"), "text/html; charset=utf-8")  # type: ignore[arg-type]


async def _cached(
    request: Request,
    store: LayerStore,
    settings: Settings,
    build: Callable[[], Page],
    basemap: str | None,
    lang: str | None,
) -> Response:
    variant = (basemap or settings.basemap, lang or settings.lang)
    return await cached_page(request, store, settings, build, variant=variant)


@router.get("/maps/overview", response_class=HTMLResponse)
async def overview_map(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    _: ReaderDep,
    basemap: BasemapQuery = None,
    lang: LangQuery = None,
) -> Response:
    """Township overview map with the drawing panel (planners save new features through the API)."""

    def build() -> Page:
        maps = township_maps(request, store, settings, basemap, lang)
        return map_page(maps.overview(), maps, request, drawing=True)

    return await _cached(request, store, settings, build, basemap, lang)


@router.get("/maps/gaps", response_class=HTMLResponse)
async def gap_map(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    _: ReaderDep,
    basemap: BasemapQuery = None,
    lang: LangQuery = None,
) -> Response:
    """Villages coloured by composite score or one indicator, baseline or plan."""

    def build() -> Page:
        maps = township_maps(request, store, settings, basemap, lang)
        return map_page(maps.gaps(), maps, request, drawing=False)

    return await _cached(request, store, settings, build, basemap, lang)


@router.get(CATCHMENTS_PATH, include_in_schema=False)
async def gap_map_catchments(request: Request, store: StoreDep, settings: SettingsDep, _: ReaderDep) -> Response:
    """The gap map's catchment targets (the served page asks when its catchment layer is first shown)."""

    def build() -> Page:
        maps = township_maps(request, store, settings, None, None)
        baseline, plan = maps.results
        body = catchment_layers(maps.frames, baseline.standards, ["baseline", "plan"])
        return Page(dumps(body).encode("utf-8"), "application/json")

    return await cached_page(request, store, settings, build, variant=())


@router.get(TABLES_PATH, include_in_schema=False)
async def gap_map_tables(request: Request, store: StoreDep, settings: SettingsDep, _: ReaderDep) -> Response:
    """Every village's indicator table as the gap map's popups show it (asked for at the first popup)."""

    def build() -> Page:
        maps = township_maps(request, store, settings, None, None)
        baseline, plan = maps.results
        body = gap_tables({"baseline": baseline, "plan": plan}, baseline.standards.keys)
        return Page(dumps(body).encode("utf-8"), "application/json")

    return await cached_page(request, store, settings, build, variant=())


def _uncovered(request: Request, store: LayerStore, settings: Settings) -> CompactLayer:
    """Every uncovered point of both scenarios, made once per data version and kept for the bounding boxes."""
    version = data_version(store, settings)
    held = getattr(request.app.state, "gap_uncovered", None)
    if held is None or held[0] != version:
        maps = township_maps(request, store, settings, None, None)
        baseline, plan = maps.results
        held = (version, uncovered_points({"baseline": baseline, "plan": plan}, baseline.standards.keys))
        request.app.state.gap_uncovered = held
    return held[1]


def _bbox(text: str) -> tuple[float, float, float, float]:
    parts = text.split(",")
    try:
        box = tuple(float(p) for p in parts) if len(parts) == 4 else ()
    except ValueError:
        box = ()
    if len(box) != 4 or not all(math.isfinite(v) for v in box) or box[0] > box[2] or box[1] > box[3]:
        raise ApiProblem(400, "Bad bbox", "bbox is west,south,east,north in degrees (EPSG:4326)")
    return box  # type: ignore[return-value]


@router.get(UNCOVERED_PATH, include_in_schema=False)
async def gap_map_uncovered(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    _: ReaderDep,
    bbox: Annotated[str, Query(max_length=200)],
) -> Response:
    """The gap map's uncovered households in a bounding box (a served county map asks as the planner zooms in)."""
    box = _bbox(bbox)

    def build() -> Page:
        body = points_in_box(_uncovered(request, store, settings), box)
        return Page(dumps(body).encode("utf-8"), "application/json")

    return await cached_page(request, store, settings, build, variant=box)


@router.get("/maps/villages/{code}", response_class=HTMLResponse)
async def village_map(
    code: str,
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    _: ReaderDep,
    basemap: BasemapQuery = None,
    lang: LangQuery = None,
) -> Response:
    """One village zoomed in, with its projects and indicator table."""

    def build() -> Page:
        maps = township_maps(request, store, settings, basemap, lang)
        return map_page(maps.village(code), maps, request, drawing=True)  # VillageNotFound → 404 via the error table

    return await _cached(request, store, settings, build, basemap, lang)


@router.get(LIVE_BASE_URL + "/{path:path}", include_in_schema=False)
async def vendor_asset(path: str, settings: SettingsDep) -> FileResponse:
    """A vendored script, stylesheet, font or image (only files a map loads; nothing else under node_modules)."""
    file = vendor_file(_assets_dir(settings), path)
    if file is None:
        raise ApiProblem(404, "Not found", f"no map asset {path!r}")
    return FileResponse(file, headers={"Cache-Control": "public, max-age=86400"})


@router.get(STATIC_URL + "/{name}", include_in_schema=False)
async def page_script(name: str) -> Response:
    """geoplan's own page scripts (the editor), as files rather than inline, so a strict CSP can allow them."""
    if name not in STATIC_FILES:
        raise ApiProblem(404, "Not found", f"no page script {name!r}")
    body = resources.files("geoplan.maps").joinpath("static", name).read_bytes()
    return Response(body, media_type="text/javascript; charset=utf-8", headers={"Cache-Control": "no-cache"})
