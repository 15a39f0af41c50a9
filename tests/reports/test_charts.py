"""The report's charts: ECharts options in the html page and native charts in the xlsx carry the analysis numbers.

The radar follows indicators.md §6 (theme scores per village, worst villages first).
"""

from __future__ import annotations

import json
import math
import re

import pytest
from openpyxl import load_workbook
from openpyxl.utils.cell import range_boundaries

from geoplan.analysis import load_standards
from geoplan.reports import build_report, write_report
from geoplan.reports.charts import radar_villages, theme_scores, village_radar
from geoplan.reports.html import ScriptLinks, chart_options, render_html
from geoplan.reports.tables import township_value
from geoplan.reports.xlsx import charted_indicators
from tests.analysis.conftest import CODES, NAMES

A, B, C = CODES["A"], CODES["B"], CODES["C"]


@pytest.fixture
def report(grid_frames):
    return build_report(grid_frames, load_standards(), "baseline")


def page_charts(html: str) -> dict:
    """The chart data the page's script draws, parsed back from the html."""
    block = re.search(r'<script type="application/json" id="geoplan-charts">(.*?)</script>', html, re.S)
    assert block is not None
    return json.loads(block.group(1))


def test_theme_scores_are_the_mean_of_assessed_indicator_scores(report):
    base = theme_scores(report, A, "baseline")
    assert list(base) == report.themes()
    # housing has one indicator: A repaired 2 of its 3 C/D houses → 2/3 of the target 1 → 66.7
    assert base["housing"] == pytest.approx(200 / 3)
    # water: tap water 0.8 of 0.96 (83.3), convenient water for 40 of 50 户 (80), one unsafe reservoir (100 / 2)
    assert base["water"] == pytest.approx((0.8 / 0.96 * 100 + 80 + 50) / 3)
    # tourism: A has no scenic spot, so nothing is assessed there
    assert math.isnan(base["tourism"])
    # the plan completes A's third house
    assert theme_scores(report, A, "plan")["housing"] == pytest.approx(100.0)


def test_radar_carries_both_scenarios_and_the_worst_villages_come_first(report):
    option = village_radar(report, A)
    assert option["title"]["text"] == NAMES["A"]
    base, plan = option["series"][0]["data"]
    themes = report.themes()
    assert base["name"] == "现状" and plan["name"] == "规划"
    housing = themes.index("housing")
    assert base["value"][housing] == pytest.approx(66.67) and plan["value"][housing] == pytest.approx(100.0)
    tourism = themes.index("tourism")
    assert base["value"][tourism] == 0.0  # nothing assessed: drawn at 0 and marked —
    assert option["radar"]["indicator"][tourism]["name"].endswith(" —")
    order = radar_villages(report)
    composite = report.result.villages.set_index("village_code")["composite"]
    assert order[0] == composite.idxmin() and sorted(order) == sorted([A, B, C])
    assert radar_villages(report, limit=2) == order[:2]


def test_html_page_charts_equal_the_analysis_numbers(report):
    html = render_html(report, ScriptLinks("/e.js", "/r.js"))
    data = page_charts(html)
    assert data == json.loads(json.dumps(chart_options(report)))
    charts = data["charts"]
    # one drawing place per chart, each with its data
    assert sorted(re.findall(r'data-chart="([^"]+)"', html)) == sorted(charts)
    assert sum(k.startswith("radar-") for k in charts) == 3
    # coverage bars: covered / uncovered 户 per village, as the analysis counted them (A: 40 of 50 on tap water)
    bars = charts["bars-tap_water"]
    rows = report.result.indicator_table("tap_water")
    assert bars["xAxis"]["data"] == list(rows["village_name"]) == [NAMES["A"], NAMES["B"], NAMES["C"]]
    assert bars["series"][0]["name"] == "已覆盖" and bars["series"][1]["name"] == "未覆盖"
    assert bars["series"][0]["data"] == list(rows["covered"]) and bars["series"][1]["data"] == list(rows["uncovered"])
    assert bars["series"][0]["data"][0] == 40 and bars["series"][1]["data"][0] == 10
    # township progress: Σ covered / Σ households of assessed villages, baseline and plan, and the target
    progress = charts["progress"]
    shares = [i for i in report.standards.indicators if i.unit == "%"]
    assert progress["yAxis"]["data"] == [i.name("zh") for i in shares]
    for n, ind in enumerate(shares):
        for series, scenario in ((0, "baseline"), (1, "plan")):
            expected = township_value(getattr(report, scenario).indicator_table(ind.key), "%")
            got = progress["series"][series]["data"][n]
            assert got is None if expected is None else got == pytest.approx(expected, abs=1e-4)
        assert progress["series"][2]["data"][n] == ind.target
    # theme maps: villages by code, coloured by the mean theme score; a theme with nothing assessed stays grey
    assert sorted(f["properties"]["name"] for f in data["map"]["features"]) == sorted([A, B, C])
    housing = charts[f"map-{report.themes().index('housing')}"]
    scores = {d["name"]: d["value"] for d in housing["series"][0]["data"]}
    assert scores[A] == pytest.approx(66.67)
    tourism = charts[f"map-{report.themes().index('tourism')}"]
    assert A not in {d["name"] for d in tourism["series"][0]["data"]}  # not assessed: no colour, not 0
    assert housing["geo"]["itemStyle"]["areaColor"] == "#e7e6e6"


def test_served_page_has_no_inline_script_and_a_file_inlines_echarts(report, tmp_path):
    served = render_html(report, ScriptLinks("/static/vendor/echarts/dist/echarts.min.js", "/static/reports/report.js"))
    scripts = re.findall(r"<script\b[^>]*>", served)
    assert scripts == [
        '<script src="/static/vendor/echarts/dist/echarts.min.js" defer>',
        '<script src="/static/reports/report.js" defer>',
        '<script type="application/json" id="geoplan-charts">',
    ]
    (path,) = write_report(report, "html", tmp_path)
    text = path.read_text("utf-8")
    # opens offline, alone: ECharts and the drawing script inline, nothing loaded from anywhere
    assert re.findall(r"<script\b[^>]*>", text) == ["<script>", "<script>", scripts[2]]
    assert "registerMap" in text and "echarts" in text


def test_hostile_village_names_stay_text(grid_frames):
    frames = dict(grid_frames)
    villages = frames["villages"].copy()
    villages.loc[0, "name"] = '</script><script>alert("x")</script><!--'
    frames["villages"] = villages
    report = build_report(frames, load_standards(), "baseline")
    html = render_html(report, ScriptLinks("/e.js", "/r.js"))
    # no element opened or closed early: the name is text in the tables and data in the JSON block
    assert html.count("<script") == 3 and html.count("</script") == 3 and "<!--" not in html
    names = {f["properties"]["village"] for f in page_charts(html)["map"]["features"]}
    assert villages.loc[0, "name"] in names


def test_xlsx_has_native_charts_over_the_analysis_numbers(grid_frames, tmp_path):
    report = build_report(grid_frames, load_standards(), "plan")
    (path,) = write_report(report, "xlsx", tmp_path)
    wb = load_workbook(path)
    charts = wb["图表"]._charts
    keys = charted_indicators(report)
    assert len(charts) == 1 + len(keys)

    def values(ref: str) -> list:
        sheet, cells = ref.rsplit("!", 1)
        min_col, min_row, max_col, max_row = range_boundaries(cells.replace("$", ""))
        ws = wb[sheet.strip("'")]
        return [ws.cell(row=r, column=min_col).value for r in range(min_row, max_row + 1)]

    def title(chart) -> str:
        return "".join(run.t for p in chart.title.tx.rich.p for run in (p.r or []))

    progress = charts[0]
    assert title(progress) == "全乡指标与目标"
    shares = [i for i in report.standards.indicators if i.unit == "%"]
    assert values(progress.series[0].cat.strRef.f) == [i.name("zh") for i in shares]
    for series, scenario in zip(progress.series[:2], ("baseline", "plan"), strict=True):
        for got, ind in zip(values(series.val.numRef.f), shares, strict=True):
            expected = township_value(getattr(report, scenario).indicator_table(ind.key), "%")
            assert got is None if expected is None else got == pytest.approx(expected)
    assert values(progress.series[2].val.numRef.f) == [i.target for i in shares]
    tap = charts[1 + keys.index("tap_water")]
    assert title(tap) == "自来水普及率" and tap.grouping == "stacked"
    rows = report.result.indicator_table("tap_water").set_index("village_name")
    assert values(tap.series[0].cat.strRef.f) == [NAMES["A"], NAMES["B"], NAMES["C"]]
    assert values(tap.series[0].val.numRef.f) == list(rows.loc[[NAMES[k] for k in "ABC"], "covered"])
    assert values(tap.series[1].val.numRef.f) == list(rows.loc[[NAMES[k] for k in "ABC"], "uncovered"])
