"""One self-contained html page: summary with headlines, village table, charts, theme maps, plan effect, appendix."""

from __future__ import annotations

from pathlib import Path

import jinja2
import pandas as pd

from geoplan.reports.build import Report
from geoplan.reports.charts import coverage_bars, radar_villages, target_progress, theme_map, village_radar
from geoplan.reports.narrative import headlines
from geoplan.reports.tables import definitions_table, delta_table, projects_table, summary_table, theme_table
from geoplan.reports.xlsx import STATUS_FILL

_TEMPLATE = jinja2.Environment(autoescape=True).from_string(
    """<!doctype html>
<html lang="{{ lang }}"><head><meta charset="utf-8"><title>{{ title }}</title>
<style>
body{font-family:"WenQuanYi Micro Hei","Noto Sans CJK SC",sans-serif;margin:24px;color:#222}
table{border-collapse:collapse;font-size:12px;margin:8px 0}th,td{border:1px solid #ccc;padding:3px 6px}
th{background:#ddebf7}{% for k, c in fills.items() %}td.{{ k }}{background:#{{ c }}}{% endfor %}
.maps img{margin:4px;vertical-align:top;max-width:100%}.maps img.map{width:320px}section{margin-bottom:24px}
</style></head><body>
<h1>{{ title }}</h1>
<section id="summary"><h2>{{ t_summary }}</h2><ul>{% for s in headlines %}<li>{{ s }}</li>{% endfor %}</ul>
<img alt="progress" src="data:image/png;base64,{{ progress }}"></section>
<section id="villages"><h2>{{ t_villages }}</h2>{{ summary|safe }}</section>
{% for th in themes %}<section class="theme"><h2>{{ th.name }}</h2>{{ th.table|safe }}
<div class="maps"><img class="map" alt="map {{ th.name }}" src="data:image/png;base64,{{ th.map }}">
{% for c in th.charts %}<img alt="chart" src="data:image/png;base64,{{ c }}">{% endfor %}</div></section>{% endfor %}
<section id="radar"><h2>{{ t_radar }}</h2><div class="maps">{% for r in radars %}
<img alt="radar" src="data:image/png;base64,{{ r }}">{% endfor %}</div></section>
<section id="plan"><h2>{{ t_plan }}</h2>{{ delta|safe }}{{ projects|safe }}</section>
<section id="appendix"><h2>{{ t_appendix }}</h2>{{ definitions|safe }}<p>{{ note }}</p></section>
</body></html>"""
)


def _html_table(frame: pd.DataFrame, status: pd.DataFrame | None = None) -> str:
    esc = jinja2.filters.escape
    head = "".join(f"<th>{esc(c)}</th>" for c in frame.columns)
    rows = []
    for i, rec in enumerate(frame.itertuples(index=False)):
        cells = []
        for col, val in zip(frame.columns, rec, strict=True):
            cls = ""
            if status is not None and col in status.columns:
                cls = f' class="{status.iloc[i][col]}"'
            cells.append(f"<td{cls}>{esc('—' if pd.isna(val) else val)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def render_html(report: Report) -> str:
    themes = []
    for theme in report.themes():
        table, status = theme_table(report, theme)
        keys = [i.key for i in report.standards.indicators if i.theme == theme and i.test != "count"]
        themes.append(
            {
                "name": report.theme_name(theme),
                "table": _html_table(table, status),
                "map": theme_map(report, theme),
                "charts": [coverage_bars(report, k) for k in keys[:2]],
            }
        )
    return _TEMPLATE.render(
        lang=report.lang, title=report.title, fills=STATUS_FILL, headlines=headlines(report),
        progress=target_progress(report), summary=_html_table(summary_table(report)), themes=themes,
        delta=_html_table(delta_table(report)), projects=_html_table(projects_table(report)),
        definitions=_html_table(definitions_table(report)),
        t_summary=report.t("一页摘要", "Summary"), t_villages=report.t("分村指标总表", "Villages"),
        radars=[village_radar(report, code) for code in radar_villages(report)],
        t_radar=report.t("短板村画像（各专题平均得分，综合得分最低者在前）",
                         "Village profiles (mean score per theme, lowest composite first)"),
        t_plan=report.t("项目成效", "Plan effect"), t_appendix=report.t("附录：指标定义与依据", "Appendix"),
        note=report.t("距离为本地投影坐标系中的直线距离（非路网距离）；综合得分权重在可评估指标间重新归一。",
                      "Straight-line distances in a local projected CRS; weights renormalised over assessed ones."),
    )  # fmt: skip


def write_html(report: Report, path: Path) -> Path:
    path.write_text(render_html(report), encoding="utf-8")
    return path
