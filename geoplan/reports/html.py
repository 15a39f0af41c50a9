"""One html page: summary with headlines, village table, charts, theme maps, plan effect, appendix.

Charts and theme maps are drawn in the reader's browser by Apache ECharts from options computed here
(:mod:`geoplan.reports.charts`), so Chinese shows with the reader's fonts.  Nothing is fetched from the internet:
a page written to disk carries ECharts and its drawing script inline (it opens anywhere, offline); the API's page
links both as served files, so it needs no inline script at all (a strict Content-Security-Policy can hold).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from html import escape
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
import numpy as np
import pandas as pd

from geoplan.errors import GeoplanError
from geoplan.npm_assets import ECHARTS, INSTALL_HINT, candidate_dirs
from geoplan.reports.build import Report
from geoplan.reports.charts import (
    FONT,
    coverage_bars,
    radar_villages,
    target_progress,
    theme_map,
    village_radar,
    village_shapes,
)
from geoplan.reports.narrative import headlines, method_notes
from geoplan.reports.tables import definitions_table, delta_table, projects_table, summary_table, theme_table
from geoplan.reports.works import works_frame, works_sentences, works_table
from geoplan.reports.xlsx import STATUS_FILL

#: ECharts' minified build inside node_modules (npm package ``echarts``, pinned in package.json).
ECHARTS_FILE = ECHARTS.relpath

_TEMPLATE = jinja2.Environment(autoescape=True).from_string(
    """<!doctype html>
<html lang="{{ lang }}"><head><meta charset="utf-8"><title>{{ title }}</title>
<style>
body{font-family:{{ font|safe }};margin:24px;color:#222}
table{border-collapse:collapse;font-size:12px;margin:8px 0}th,td{border:1px solid #ccc;padding:3px 6px}
th{background:#ddebf7}{% for k, c in fills.items() %}td.{{ k }}{background:#{{ c }}}{% endfor %}
.charts{display:flex;flex-wrap:wrap;gap:8px}.chart{width:640px;height:300px;max-width:100%}
.chart.map{width:360px;height:380px}.chart.radar{width:300px;height:300px}.chart.progress{height:{{ progress_h }}px}
section{margin-bottom:24px}
</style>
{{ scripts|safe }}</head><body>
<h1>{{ title }}</h1>
<section id="summary"><h2>{{ t_summary }}</h2><ul>{% for s in headlines %}<li>{{ s }}</li>{% endfor %}</ul>
<div class="chart progress" data-chart="progress" role="img" aria-label="{{ t_progress }}"></div></section>
<section id="villages"><h2>{{ t_villages }}</h2>{{ summary|safe }}</section>
{% for th in themes %}<section class="theme"><h2>{{ th.name }}</h2>{{ th.table|safe }}
<div class="charts"><div class="chart map" data-chart="{{ th.map }}" role="img" aria-label="{{ th.name }}"></div>
{% for c in th.charts %}<div class="chart bars" data-chart="{{ c }}" role="img"></div>{% endfor %}</div></section>
{% endfor %}<section id="radar"><h2>{{ t_radar }}</h2><div class="charts">{% for r in radars %}
<div class="chart radar" data-chart="{{ r }}" role="img"></div>{% endfor %}</div></section>
<section id="plan"><h2>{{ t_plan }}</h2>{{ delta|safe }}{{ projects|safe }}</section>
{% if works %}<section id="works"><h2>{{ works.title }}</h2>
<ul>{% for s in works.sentences %}<li>{{ s }}</li>{% endfor %}</ul>{{ works.table|safe }}</section>{% endif %}
<section id="appendix"><h2>{{ t_appendix }}</h2>{{ definitions|safe }}
<ul id="method">{% for n in notes %}<li>{{ n }}</li>{% endfor %}</ul></section>
<script type="application/json" id="geoplan-charts">{{ charts|safe }}</script>
</body></html>"""
)


class ReportAssetsMissing(GeoplanError):
    """ECharts is not installed, so the html report's charts could not be drawn."""


@dataclass(frozen=True)
class ScriptLinks:
    """URLs the served page loads its two scripts from (the API serves both)."""

    echarts: str
    report: str


def report_script() -> str:
    """The page's drawing script (shipped with geoplan)."""
    return resources.files("geoplan.reports").joinpath("static/report.js").read_text(encoding="utf-8")


def _inline(code: str) -> str:
    # "</script" inside the code would end the element early; "<\\/" is the same string to JavaScript
    return "<script>" + code.replace("</script", "<\\/script").replace("<!--", "<\\!--") + "</script>"


def _scripts(links: ScriptLinks | None, assets_dir: Path | None) -> str:
    if links is not None:
        return "\n".join(f'<script src="{escape(src)}" defer></script>' for src in (links.echarts, links.report))
    echarts = echarts_file(assets_dir).read_text(encoding="utf-8")
    return _inline(echarts) + "\n" + _inline(report_script())


def echarts_file(assets_dir: Path | None = None, env: Mapping[str, str] | None = None) -> Path:
    """ECharts in ``assets_dir``, else where the maps look (:func:`geoplan.npm_assets.candidate_dirs`).

    (Not through ``geoplan.maps.assets``: importing the maps package loads folium, seconds on a busy machine.)
    """
    roots = [Path(assets_dir)] if assets_dir is not None else list(candidate_dirs(env))
    for root in roots:
        if (root / ECHARTS_FILE).is_file():
            return root / ECHARTS_FILE
    tried = ", ".join(str(r) for r in roots)
    raise ReportAssetsMissing(f"ECharts ({ECHARTS_FILE}) not found in {tried}: {INSTALL_HINT}")


def _json_block(data: Any) -> str:
    """JSON safe inside a <script type="application/json"> element, whatever names a planner typed."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _html_table(frame: pd.DataFrame, status: pd.DataFrame | None = None) -> str:
    """A table; cells of columns in ``status`` get their status key as class (coloured by the page's style)."""
    head = "".join(f"<th>{escape(str(c))}</th>" for c in frame.columns)
    columns = []
    for col in frame.columns:
        missing = frame[col].isna().to_numpy()
        values = frame[col].to_numpy(dtype=object)
        text = ["—" if m else escape(str(v)) for v, m in zip(values, missing, strict=True)]
        if status is not None and col in status.columns:
            keys = status[col].to_numpy(dtype=object)
            columns.append([f'<td class="{escape(str(k))}">{t}</td>' for k, t in zip(keys, text, strict=True)])
        else:
            columns.append([f"<td>{t}</td>" for t in text])
    rows = ["<tr>" + "".join(cells) + "</tr>" for cells in zip(*columns, strict=True)] if columns else []
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def chart_options(report: Report) -> dict[str, Any]:
    """Every chart of the page, keyed as the page's ``data-chart`` attributes name them, and the village map."""
    charts: dict[str, Any] = {"progress": target_progress(report)}
    for n, theme in enumerate(report.themes()):
        charts[f"map-{n}"] = theme_map(report, theme)
        keys = [i.key for i in report.standards.indicators if i.theme == theme and i.test != "count"]
        for key in keys[:2]:
            charts[f"bars-{key}"] = coverage_bars(report, key)
    for n, code in enumerate(radar_villages(report)):
        charts[f"radar-{n}"] = village_radar(report, code)
    return {"map": village_shapes(report), "charts": charts}


def render_html(report: Report, links: ScriptLinks | None = None, assets_dir: Path | None = None) -> str:
    """The page; ``links`` None inlines ECharts (from ``assets_dir``, see ``find_assets_dir``) for a file."""
    options = chart_options(report)
    themes = []
    for n, theme in enumerate(report.themes()):
        table, status = theme_table(report, theme)
        keys = [i.key for i in report.standards.indicators if i.theme == theme and i.test != "count"]
        themes.append(
            {
                "name": report.theme_name(theme),
                "table": _html_table(table, status),
                "map": f"map-{n}",
                "charts": [f"bars-{k}" for k in keys[:2]],
            }
        )
    works = None
    if report.standards.works:
        frame = works_frame(report)
        works = {
            "title": report.t("年度工程量", "Works this year"),
            "sentences": works_sentences(report, frame),
            "table": _html_table(works_table(report, frame)),
        }
    n_share = sum(1 for i in report.standards.indicators if i.unit == "%")
    return _TEMPLATE.render(
        lang=report.lang, works=works, title=report.title, fills=STATUS_FILL, headlines=headlines(report),
        scripts=_scripts(links, assets_dir), charts=_json_block(options), font=FONT,
        progress_h=int(np.clip(28 * n_share + 90, 200, 900)),
        t_progress=report.t("全乡指标与目标", "Township indicators against target"),
        summary=_html_table(summary_table(report)), themes=themes,
        delta=_html_table(delta_table(report)), projects=_html_table(projects_table(report)),
        definitions=_html_table(definitions_table(report)),
        t_summary=report.t("一页摘要", "Summary"), t_villages=report.t("分村指标总表", "Villages"),
        radars=[f"radar-{n}" for n in range(len(radar_villages(report)))],
        t_radar=report.t("短板村画像（各专题平均得分，综合得分最低者在前）",
                         "Village profiles (mean score per theme, lowest composite first)"),
        t_plan=report.t("项目成效", "Plan effect"), t_appendix=report.t("附录：指标定义与依据", "Appendix"),
        notes=method_notes(report),
    )  # fmt: skip


def write_html(report: Report, path: Path, assets_dir: Path | None = None) -> Path:
    path.write_text(render_html(report, assets_dir=assets_dir), encoding="utf-8")
    return path
