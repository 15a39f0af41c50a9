"""Analysis endpoints: villages with composite scores, one village's indicators, the gap list, gap reports."""

from __future__ import annotations

import math
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import FileResponse, Response

from geoplan.analysis import status_label
from geoplan.api.analysis_model import SCENARIOS, AnalysisModel, analysis_model
from geoplan.api.deps import ReaderDep, SettingsDep, StoreDep
from geoplan.api.formats import JSON, base_url, json_response, lang_of, link
from geoplan.api.items_query import reject_unknown, single
from geoplan.api.pagecache import Page, cached_page
from geoplan.api.problems import PROBLEM_JSON, ApiProblem, bad_request
from geoplan.config import Settings
from geoplan.layers import Catalogue, LayerStore

router = APIRouter(tags=["analysis"])

REPORT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "html": "text/html; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "md": "text/markdown; charset=utf-8",
}


def _model(request: Request, store: LayerStore, settings: Settings) -> AnalysisModel:
    return analysis_model(request)


def _scenario(request: Request) -> str:
    scenario = single(request.query_params, "scenario") or "baseline"
    if scenario not in SCENARIOS:
        raise bad_request(f"scenario must be {' or '.join(SCENARIOS)}, not {scenario!r}")
    return scenario


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON-ready dicts (NaN — "not assessed" — becomes null, never 0)."""
    return [
        {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}
        for row in frame.to_dict(orient="records")
    ]


def _labelled(frame: pd.DataFrame, model: AnalysisModel, lang: str) -> pd.DataFrame:
    names = {i.key: i.name(lang) for i in model.standards.indicators}  # type: ignore[arg-type]
    out = frame.copy()
    out["indicator_name"] = out["indicator"].map(names)
    out["status_label"] = [status_label(s, lang) for s in out["status"]]  # type: ignore[arg-type]
    return out


@router.get("/villages")
async def villages(request: Request, store: StoreDep, settings: SettingsDep, _: ReaderDep) -> Response:
    """Every village with its composite score (0–100) and rank (1 = largest gaps)."""
    reject_unknown(request.query_params, ("f", "lang", "scenario"))
    scenario = _scenario(request)
    lang_of(request, settings)  # the rows carry no labels, but ?lang=fr is still a 400 like everywhere else
    model = _model(request, store, settings)
    result = await run_in_threadpool(model.result, scenario)
    base = base_url(request)
    rows = _records(result.villages.sort_values("rank"))
    for row in rows:
        row["links"] = [link(f"{base}/villages/{row['village_code']}", "item", JSON)]
    return json_response({"scenario": scenario, "villages": rows, "links": [link(str(request.url), "self", JSON)]})


@router.get("/villages/{code}")
async def village(code: str, request: Request, store: StoreDep, settings: SettingsDep, _: ReaderDep) -> Response:
    """One village: every indicator under both scenarios, and what the plan changes."""
    reject_unknown(request.query_params, ("f", "lang"))
    lang = lang_of(request, settings)
    model = _model(request, store, settings)
    out: dict[str, Any] = {"village_code": code, "scenarios": {}}
    for scenario in SCENARIOS:
        result = await run_in_threadpool(model.result, scenario)
        row = result.villages[result.villages["village_code"] == code]
        if row.empty:
            raise ApiProblem(404, "Village not found", f"no village with code {code!r}")
        summary = _records(row)[0]
        out["village_name"] = summary["village_name"]
        indicators = _labelled(result.indicators[result.indicators["village_code"] == code], model, lang)
        out["scenarios"][scenario] = {
            "composite": summary["composite"],
            "rank": summary["rank"],
            "n_assessed": summary["n_assessed"],
            "indicators": _records(indicators.drop(columns=["village_code", "village_name"])),
        }
    delta = await run_in_threadpool(model.delta)
    out["plan_delta"] = _records(delta.villages[delta.villages["village_code"] == code])
    out["links"] = [link(str(request.url), "self", JSON), link(f"{base_url(request)}/villages", "collection", JSON)]
    return json_response(out)


@router.get("/gaps")
async def gaps(request: Request, store: StoreDep, settings: SettingsDep, _: ReaderDep) -> Response:
    """Every (village, indicator) short of its target, largest physical gap first; optionally one theme."""
    reject_unknown(request.query_params, ("f", "lang", "scenario", "theme"))
    scenario = _scenario(request)
    lang = lang_of(request, settings)
    model = _model(request, store, settings)
    theme = single(request.query_params, "theme")
    # Any catalogue theme (the one list /api declares); a theme without indicators simply has no gaps.
    themes = sorted(store.catalogue.themes)
    if theme is not None and theme not in themes:
        raise bad_request(f"theme must be one of {', '.join(themes)}, not {theme!r}")
    result = await run_in_threadpool(model.result, scenario)
    table = result.indicators
    table = table[table["status"].isin(["not_met", "nearly_met"])]
    if theme is not None:
        table = table[table["theme"] == theme]
    table = _labelled(table.sort_values(["gap", "village_code"], ascending=[False, True]), model, lang)
    return json_response({"scenario": scenario, "theme": theme, "count": len(table), "gaps": _records(table)})


#: Where the served report page loads its scripts (files, so the page needs no inline script).
REPORT_STATIC = "/static/reports"


@router.get("/reports/gaps")
async def gap_report(request: Request, store: StoreDep, settings: SettingsDep, _: ReaderDep) -> Response:
    """The gap report as a download: xlsx, html, csv (the indicator table), json or md."""
    reject_unknown(request.query_params, ("format", "scenario", "lang"))
    fmt = single(request.query_params, "format") or "html"
    if fmt not in REPORT_TYPES:
        raise bad_request(f"format must be one of {', '.join(REPORT_TYPES)}, not {fmt!r}")
    scenario = _scenario(request)
    lang = lang_of(request, settings)
    model = _model(request, store, settings)
    root = str(request.scope.get("root_path", "")).rstrip("/")

    def render() -> Page:
        # Imported on first use: the report renderers pull in openpyxl and jinja2, which the map/feature API
        # does not need at start-up.
        from geoplan.reports.build import Report, default_title, write_report
        from geoplan.reports.html import ScriptLinks, render_html

        baseline, plan = model.result("baseline", lang), model.result("plan", lang)  # shared with /villages
        frames, delta = store.frames(), model.delta(lang)
        report = Report(baseline, plan, delta, scenario, lang, frames, default_title(lang), store.catalogue)  # type: ignore[arg-type]
        stem = f"gap_report_{scenario}"
        if fmt == "html":
            links = ScriptLinks(f"{root}{REPORT_STATIC}/echarts.min.js", f"{root}{REPORT_STATIC}/report.js")
            name, data = f"{stem}.html", render_html(report, links).encode("utf-8")
        else:
            with tempfile.TemporaryDirectory() as tmp:
                paths = write_report(report, fmt, Path(tmp))
                chosen = next((p for p in paths if p.stem.endswith("_indicators")), paths[0])
                name, data = chosen.name, chosen.read_bytes()
        disposition = "inline" if fmt in ("html", "json", "md") else "attachment"
        return Page(data, REPORT_TYPES[fmt], {"Content-Disposition": f'{disposition}; filename="{name}"'})

    return await cached_page(request, store, settings, render, variant=(fmt, scenario, lang))


@router.get(REPORT_STATIC + "/{name}", include_in_schema=False)
async def report_script(name: str, settings: SettingsDep) -> Response:
    """The report page's scripts: ECharts (from node_modules) and geoplan's drawing script."""
    from geoplan.reports.html import echarts_file, report_script

    if name == "report.js":
        return Response(report_script(), media_type="text/javascript; charset=utf-8",
                        headers={"Cache-Control": "public, max-age=3600"})  # fmt: skip
    if name == "echarts.min.js":
        return FileResponse(echarts_file(settings.assets_dir), media_type="text/javascript; charset=utf-8",
                            headers={"Cache-Control": "public, max-age=86400"})  # fmt: skip
    raise ApiProblem(404, "Not found", f"no report asset {name!r}")


def openapi_paths(catalogue: Catalogue) -> dict[str, Any]:
    """These endpoints in the /api document (OpenAPI 3.0 path items)."""
    scenario = {"name": "scenario", "in": "query", "schema": {"type": "string", "enum": list(SCENARIOS)}}
    lang = {"name": "lang", "in": "query", "schema": {"type": "string", "enum": ["zh", "en"]}}
    theme = {"name": "theme", "in": "query", "schema": {"type": "string", "enum": sorted(catalogue.themes)}}
    fmt = {"name": "format", "in": "query", "schema": {"type": "string", "enum": list(REPORT_TYPES)}}
    code = {"name": "code", "in": "path", "required": True, "schema": {"type": "string"}}
    problem = {"$ref": "#/components/schemas/problem"}

    def op(summary: str, params: list[dict[str, Any]], content: dict[str, Any], *errors: int) -> dict[str, Any]:
        responses: dict[str, Any] = {"200": {"description": summary, "content": content}}
        for status in (400, *errors):
            responses[str(status)] = {"description": "Problem", "content": {PROBLEM_JSON: {"schema": problem}}}
        return {"get": {"summary": summary, "tags": ["analysis"], "parameters": params, "responses": responses}}

    obj = {"type": "object"}
    return {
        "/villages": op("Villages with composite scores", [scenario, lang], {JSON: {"schema": obj}}),
        "/villages/{code}": op("One village's indicators, both scenarios", [code, lang], {JSON: {"schema": obj}}, 404),
        "/gaps": op("Indicators short of target", [scenario, theme, lang], {JSON: {"schema": obj}}),
        "/reports/gaps": op(
            "Gap report download",
            [fmt, scenario, lang],
            {
                media.split(";")[0]: {"schema": obj if media == JSON else {"type": "string"}}
                for media in REPORT_TYPES.values()
            },
        ),
    }
