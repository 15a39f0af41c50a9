"""The html report's charts and small theme maps as Apache ECharts options (plain data, drawn in the browser).

The server only computes numbers; the reader's browser draws the text with the reader's fonts, so Chinese labels
show wherever the report is opened, whatever fonts the server has, and a 300-village report costs no image
rendering.  Every option here is JSON-ready (no functions): ``geoplan/reports/static/report.js`` adds the few
callbacks (tooltips) when it draws them.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import shapely

from geoplan.reports.build import Report
from geoplan.reports.numbers import unit_label
from geoplan.reports.tables import township_value

#: Colours shared with the map legends: baseline dark blue, plan light blue, covered green, uncovered red.
BASELINE, PLAN, COVERED, UNCOVERED = "#1565c0", "#90caf9", "#4caf50", "#e53935"
#: Villages with nothing assessed in a theme (the same grey as 未评估 cells in the tables).
NOT_ASSESSED = "#e7e6e6"
#: Score colours of the theme maps, 0 → 100 (red → amber → green, as RdYlGn).
SCORE_COLOURS = ["#d73027", "#fc8d59", "#fee08b", "#d9ef8b", "#91cf60", "#1a9850"]
FONT = '"WenQuanYi Micro Hei","Noto Sans CJK SC","Microsoft YaHei","PingFang SC",sans-serif'
#: Villages on one screen of a bar chart; more get a zoom slider.
BARS_PER_SCREEN = 30
#: Outline simplification of the theme maps' villages, in degrees (~10 m: invisible at 320 px per county).
SIMPLIFY_DEG = 1e-4
#: Uncovered units drawn per theme map: a county has tens of thousands, the dots saturate long before.
MAX_POINTS = 5000

Option = dict[str, Any]


def _num(x: float | None, digits: int = 4) -> float | None:
    """A JSON number, or None (drawn as a gap, never as 0) for a missing value."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return None
    return round(float(x), digits)


def _base(title: str) -> Option:
    return {
        "title": {"text": title, "left": "center", "textStyle": {"fontSize": 13}},
        "textStyle": {"fontFamily": FONT},
        "tooltip": {},
        "animation": False,
    }


def target_progress(report: Report) -> Option:
    """Township value against target for every share indicator, baseline and plan (values 0–1)."""
    inds = [i for i in report.standards.indicators if i.unit == "%"]
    names = [i.name(report.lang) for i in inds]
    base = [_num(township_value(report.rows(i.key, "baseline", ranked=True), "%")) for i in inds]
    plan = [_num(township_value(report.rows(i.key, "plan", ranked=True), "%")) for i in inds]
    opt = _base(report.t("全乡指标与目标", "Township indicators against target"))
    opt.update(
        {
            "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
            "legend": {"bottom": 0},
            "grid": {"left": 8, "right": 24, "top": 36, "bottom": 36, "containLabel": True},
            "xAxis": {"type": "value", "min": 0, "max": 1, "axisLabel": {"formatter": "percent"}},
            "yAxis": {"type": "category", "inverse": True, "data": names},
            "series": [
                {"name": report.t("现状", "baseline"), "type": "bar", "data": base, "itemStyle": {"color": BASELINE}},
                {"name": report.t("规划", "plan"), "type": "bar", "data": plan, "itemStyle": {"color": PLAN}},
                {
                    "name": report.t("目标", "target"),
                    "type": "scatter",
                    "symbol": "rect",
                    "symbolSize": [3, 16],
                    "itemStyle": {"color": "#000"},
                    "data": [float(i.target) for i in inds],
                },
            ],
        }
    )
    return opt


def coverage_bars(report: Report, key: str) -> Option:
    """Stacked covered / uncovered households (or 座) per village for one indicator; missing values stay gaps."""
    t = report.rows(key, ranked=True)
    t = t[t["status"] != "not_assessed"]
    ind = report.standards.indicator(key)
    unit = unit_label(ind.gap_unit if ind.gap_unit == "座" else "户", report.lang)
    left_out = len(report.result.villages) - len(t)
    more = report.t(f"（另有{left_out}个村未评估）", f" ({left_out} villages not assessed)") if left_out else ""
    opt = _base(ind.name(report.lang) + more)
    opt.update(
        {
            "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
            "legend": {"top": 26},
            "grid": {"left": 8, "right": 16, "top": 64, "bottom": 8, "containLabel": True},
            "xAxis": {"type": "category", "data": [str(n) for n in t["village_name"]],
                      "axisLabel": {"rotate": 45, "fontSize": 10, "interval": 0}},  # fmt: skip
            "yAxis": {"type": "value", "name": unit, "minInterval": 1},  # whole 户 / 座, never 0.2 of one
            "series": [
                {"name": report.t("已覆盖", "covered"), "type": "bar", "stack": "hh",
                 "data": [_num(x, 2) for x in t["covered"]], "itemStyle": {"color": COVERED}},
                {"name": report.t("未覆盖", "uncovered"), "type": "bar", "stack": "hh",
                 "data": [_num(x, 2) for x in t["uncovered"]], "itemStyle": {"color": UNCOVERED}},
            ],
        }
    )  # fmt: skip
    if len(t) > BARS_PER_SCREEN:
        opt["dataZoom"] = [{"type": "slider", "start": 0, "end": 100 * BARS_PER_SCREEN / len(t), "bottom": 4}]
        opt["grid"]["bottom"] = 40
    return opt


def village_shapes(report: Report) -> dict[str, Any]:
    """The villages as a small GeoJSON for ECharts' ``registerMap`` (outlines simplified, ~1 m coordinates).

    Each feature is named by its code (names repeat across a county); ``village`` carries the display name.
    """
    villages = report.frames["villages"]
    geoms = shapely.simplify(np.asarray(villages.geometry.values), SIMPLIFY_DEG, preserve_topology=True)
    geoms = shapely.set_precision(geoms, 1e-5)
    features = []
    for code, name, geom in zip(villages["code"], villages["name"], geoms, strict=True):
        if geom is None or geom.is_empty:
            continue
        features.append(
            {
                "type": "Feature",
                "properties": {"name": str(code), "village": str(name)},
                "geometry": shapely.geometry.mapping(geom),
            }
        )
    return {"type": "FeatureCollection", "features": features}


def _aspect(report: Report) -> float:
    """Horizontal scale of lon/lat degrees at the villages' latitude, so the map is not stretched."""
    b = report.frames["villages"].total_bounds
    lat = (b[1] + b[3]) / 2 if np.isfinite(b).all() else 0.0
    return round(max(0.1, math.cos(math.radians(lat))), 4)


def theme_map(report: Report, theme: str) -> Option:
    """Villages coloured by the theme's mean score (grey: nothing assessed) and the theme's uncovered units in red.

    Draws on the map ``villages`` registered from :func:`village_shapes`.
    """
    r = report.result
    means = report.theme_means()
    scores = means[theme] if theme in means.columns else pd.Series(dtype=float)
    names = dict(zip(report.frames["villages"]["code"], report.frames["villages"]["name"], strict=False))
    data = [
        {"name": str(code), "value": round(float(s), 2), "village": str(names.get(code, code))}
        for code, s in scores.items()
        if not math.isnan(s)
    ]
    keys = [i.key for i in report.standards.indicators if i.theme == theme]
    unc = r.uncovered[r.uncovered["indicator"].isin(keys) & r.uncovered["village_code"].isin(means.index)]
    pts = unc.geometry.head(MAX_POINTS)
    points = np.round(np.column_stack([pts.x.to_numpy(), pts.y.to_numpy()]), 5).tolist() if len(pts) else []
    opt = _base(report.theme_name(theme))
    opt.update(
        {
            "tooltip": {"trigger": "item"},
            "geo": {
                "map": "villages",
                "roam": True,
                "aspectScale": _aspect(report),
                "top": 56,
                "bottom": 48,
                "itemStyle": {"areaColor": NOT_ASSESSED, "borderColor": "#444", "borderWidth": 0.6},
                "emphasis": {"label": {"show": False}},
            },
            "visualMap": {
                "type": "continuous",
                "min": 0,
                "max": 100,
                "seriesIndex": 0,
                "orient": "horizontal",
                "left": "center",
                "bottom": 0,
                "itemHeight": 120,
                "text": ["100", report.t("专题平均得分 0", "mean theme score 0")],
                "inRange": {"color": SCORE_COLOURS},
            },
            "legend": {"top": 28, "left": 4, "data": [report.t("未覆盖", "uncovered")]},
            "graphic": [{"type": "text", "right": 4, "top": 30, "style": {
                "text": report.t("灰色：未评估", "grey: not assessed"), "fontSize": 11, "fill": "#666"}}],
            "series": [
                {"name": report.theme_name(theme), "type": "map", "geoIndex": 0, "data": data},
                {"name": report.t("未覆盖", "uncovered"), "type": "scatter", "coordinateSystem": "geo",
                 "symbolSize": 4, "large": len(points) > 2000, "itemStyle": {"color": "#d32f2f"}, "data": points},
            ],
        }
    )  # fmt: skip
    return opt


#: Villages drawn as radars in the html report: the lowest composite scores first (a county has thousands).
RADAR_VILLAGES = 12


def theme_scores(report: Report, code: str, scenario: str) -> dict[str, float]:
    """Mean score (0–100) of a village's assessed indicators per theme, in the standards' theme order (NaN: none)."""
    means = report.theme_means(scenario)
    row = means.loc[code] if code in means.index else pd.Series(dtype=float)
    return {theme: float(row.get(theme, math.nan)) for theme in report.themes()}


def village_radar(report: Report, code: str) -> Option:
    """One village's theme scores as a radar, baseline and plan; a theme with nothing assessed sits at 0, marked —."""
    themes = report.themes()
    base, plan = theme_scores(report, code, "baseline"), theme_scores(report, code, "plan")
    names = dict(zip(report.result.villages["village_code"], report.result.villages["village_name"], strict=False))
    labels = [report.theme_name(th) + ("" if not math.isnan(base[th]) else " —") for th in themes]

    def values(scores: dict[str, float]) -> list[float]:
        return [0.0 if math.isnan(scores[th]) else round(scores[th], 2) for th in themes]

    opt = _base(str(names.get(code) or code))
    opt.update(
        {
            "legend": {"bottom": 0},
            "radar": {"indicator": [{"name": n, "max": 100} for n in labels], "radius": "58%",
                      "center": ["50%", "54%"], "axisName": {"fontSize": 10, "color": "#333"}},
            "series": [{"type": "radar", "data": [
                {"name": report.t("现状", "baseline"), "value": values(base),
                 "itemStyle": {"color": BASELINE}, "areaStyle": {"opacity": 0.25}},
                {"name": report.t("规划", "plan"), "value": values(plan),
                 "itemStyle": {"color": PLAN}, "areaStyle": {"opacity": 0.25}},
            ]}],
        }
    )  # fmt: skip
    return opt


def radar_villages(report: Report, limit: int = RADAR_VILLAGES) -> list[str]:
    """Codes of the villages to draw: the lowest composite scores of the report's scenario, worst first."""
    v = report.result.villages[report.result.ranked]
    v = v.sort_values(["composite", "village_code"], na_position="last", kind="stable")
    return [str(c) for c in v["village_code"].head(limit)]
