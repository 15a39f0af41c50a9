"""Report renderers on the grid township: xlsx sheets and columns, md/json/csv content, html in headless Chromium."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook

from geoplan.analysis import load_standards
from geoplan.reports import build_report, write_report
from geoplan.reports.numbers import count, pct, wan
from geoplan.reports.xlsx import STATUS_FILL, sheet_names

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture
def report(grid_frames):
    return build_report(grid_frames, load_standards(), "plan")


def test_chinese_number_formats():
    assert count(1234, "户") == "1,234户"
    assert pct(0.5678) == "56.8%"
    assert wan(12.34) == "12.3万元"
    assert count(2.345, "km") == "2.3km"
    assert pct(float("nan")) == "—"


def test_headlines_give_the_worked_figures(report):
    from geoplan.reports.narrative import headlines

    lines = headlines(report)
    # 50 + 70 + 40 户; elderly care has no stations anywhere, so 16 of the 17 indicators are assessed
    assert lines[0] == "全乡3个行政村、160户（规划情景）共评估16项指标，另有1项因缺少数据未评估。"
    # waste (200 m, 90 %): nobody in A or C near the one station, B 50 of 70 → 45 + 13 + 36 户 short
    assert "全乡3个行政村中，3个村垃圾收运覆盖率未达到目标（90.0%），缺口合计94户。" in lines
    # budgets 120 + 40 + 3 + 5 + 50 + 30 万元 (the eco village has none)
    assert any(line.startswith("规划项目7个，总投资248.0万元") for line in lines)


def test_xlsx_has_summary_theme_sheets_and_colours(report, tmp_path):
    (path,) = write_report(report, "xlsx", tmp_path)
    wb = load_workbook(path)
    assert wb.sheetnames == sheet_names(report)
    assert wb.sheetnames[:3] == ["汇总", "交通", "水利供水"]
    water = wb["水利供水"]
    header = [c.value for c in water[1]]
    assert header[0] == "行政村"
    assert "自来水普及率 现值(%)" in header and "自来水普及率 缺口(户)" in header
    rows = {r[0]: r for r in water.iter_rows(min_row=2, values_only=True)}
    tap_gap = header.index("自来水普及率 缺口(户)")
    assert rows["乙村"][tap_gap] == "0户" and rows["丙村"][tap_gap] == "39户"  # plan scenario
    status_col = header.index("自来水普及率 状态") + 1
    fills = {water.cell(row=i, column=status_col).fill.fgColor.rgb[-6:] for i in range(2, 5)}
    assert fills == {STATUS_FILL["met"], STATUS_FILL["nearly_met"], STATUS_FILL["not_met"]}


def test_markdown_json_csv(report, tmp_path):
    (md,) = write_report(report, "md", tmp_path)
    text = md.read_text("utf-8")
    assert text.startswith("# 乡村基础设施短板分析报告")
    assert "全乡3个行政村" in text and "| 甲村 |" in text and "未评估" in text
    (js,) = write_report(report, "json", tmp_path)
    doc = json.loads(js.read_text("utf-8"))
    assert doc["scenario"] == "plan" and len(doc["indicators"]) == 3 * 17
    assert {p["id"] for p in doc["plan_delta"]["projects"]} >= {"water-B", "road-new"}
    csvs = write_report(report, "csv", tmp_path)
    names = ("indicators", "villages", "projects", "uncovered")
    assert [p.name for p in csvs] == [f"gap_report_plan_{n}.csv" for n in names]
    assert csvs[0].read_bytes().startswith(b"\xef\xbb\xbf")


@pytest.mark.parametrize("chunk", [1, 2, 7])
def test_json_and_csv_written_in_slices_equal_the_whole_tables(report, tmp_path, monkeypatch, chunk):
    """The JSON report streams its tables and the uncovered CSV is written in slices (bounded memory at county
    scale); whatever the slice size, the JSON is the document built whole and the CSV the frame written whole."""
    import pandas as pd

    from geoplan.reports import records

    monkeypatch.setattr(records, "CHUNK_ROWS", chunk)
    monkeypatch.setattr(records, "CSV_CHUNK_ROWS", chunk)
    (js,) = write_report(report, "json", tmp_path / str(chunk))
    text = js.read_text("utf-8")
    whole = json.loads(json.dumps(records.report_document(report), default=str))  # NaN → None as _records does
    assert json.loads(text) == whole
    assert "NaN" not in text and len(whole["indicators"]) == 51
    # one row per line: a diff of two reports shows the rows that changed
    assert sum(line.startswith('  {"village_code"') for line in text.splitlines()) >= 51
    csvs = write_report(report, "csv", tmp_path / f"csv{chunk}")
    r = report.result
    expected = pd.DataFrame(r.uncovered.drop(columns="geometry"))
    expected["lon"], expected["lat"] = r.uncovered.geometry.x, r.uncovered.geometry.y
    assert len(expected) > 2 * chunk  # the slices really cut the frame
    assert csvs[-1].read_text("utf-8-sig") == expected.to_csv(index=False, float_format="%.6g")


def test_unknown_format(report, tmp_path):
    from geoplan.errors import GeoplanError

    with pytest.raises(GeoplanError, match="unknown report format"):
        write_report(report, "docx", tmp_path / "out")
    assert not (tmp_path / "out").exists()


#: Coloured (not white, not transparent) pixels of a chart's canvas: > 0 once ECharts has drawn it.
PAINTED = """el => {
  const c = el.querySelector('canvas');
  if (!c) return 0;
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let n = 0;
  for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 0 && (d[i] < 240 || d[i + 1] < 240 || d[i + 2] < 240)) n++;
  return n;
}"""
#: The titles ECharts drew, read back from each chart instance.
CHART_TITLES = """() => Array.from(document.querySelectorAll('[data-chart]'))
  .map(el => echarts.getInstanceByDom(el).getOption().title[0].text)"""


@pytest.mark.browser
def test_html_renders_in_chromium(report, tmp_path):
    if not Path("/usr/bin/chromium").exists():
        if os.environ.get("GEOPLAN_REQUIRE_BROWSER"):
            pytest.fail("GEOPLAN_REQUIRE_BROWSER is set but /usr/bin/chromium is missing")
        pytest.skip("Debian chromium not installed")
    from playwright.sync_api import sync_playwright

    (path,) = write_report(report, "html", tmp_path)
    errors: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync"],
        )  # fmt: skip
        page = browser.new_page()
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        requests: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        page.goto(path.as_uri())
        assert page.locator("h1").inner_text() == "乡村基础设施短板分析报告"
        assert page.locator("section.theme").count() == len(report.themes())
        assert page.locator("#summary li").count() >= 3
        assert "共评估16项指标" in page.locator("#summary").inner_text()
        appendix = page.locator("#appendix").inner_text()
        assert "T/CHES 18-2018" in appendix and "可信度" in appendix  # provenance of each indicator
        assert "新增覆盖(户)" in page.locator("#plan").inner_text()
        # every chart and theme map drawn by ECharts on a canvas that is not blank, with its Chinese title
        charts = page.locator("[data-chart]")
        assert charts.count() > 5
        page.wait_for_function("document.querySelectorAll('[data-chart]:not([data-drawn])').length === 0")
        for i in range(charts.count()):
            assert charts.nth(i).evaluate(PAINTED) > 100
        titles = page.evaluate(CHART_TITLES)
        assert "全乡指标与目标" in titles and "自来水普及率" in titles and "水利供水" in titles
        assert page.evaluate("document.fonts.check('13px sans-serif', '乡村')")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "gap_report.png"), full_page=True)
        browser.close()
    assert errors == []
    assert all(url.startswith("file://") for url in requests), requests  # nothing fetched from anywhere
    shutil.copy(path, ARTIFACTS / "gap_report.html")


def test_a_failure_half_way_leaves_nothing_written(report, tmp_path, monkeypatch):
    import geoplan.reports.records as records

    real = records.write_csv

    def full_disk(rep, out_dir, stem):
        real(rep, out_dir, stem)  # every file written …
        raise OSError(28, "No space left on device")  # … then the disk fills up

    monkeypatch.setattr(records, "write_csv", full_disk)
    with pytest.raises(OSError, match="No space"):
        write_report(report, "csv", tmp_path / "new")
    assert not (tmp_path / "new").exists()
    kept = tmp_path / "old"
    kept.mkdir()
    (kept / "gap_report_plan_indicators.csv").write_text("yesterday's report", encoding="utf-8")
    with pytest.raises(OSError):
        write_report(report, "csv", kept)
    assert [p.name for p in kept.iterdir()] == ["gap_report_plan_indicators.csv"]
    assert (kept / "gap_report_plan_indicators.csv").read_text(encoding="utf-8") == "yesterday's report"


def test_english_number_formats_use_words_for_hu_and_wan():
    """Issue 13 finding 3: English has words for 户 and 万元."""
    assert count(1234, "户", "en") == "1,234 households"
    assert count(3, "座", "en") == "3 sites"
    assert count(1234, "户") == "1,234户"
    assert wan(12.34, "en") == "CNY 123,400"
    assert count(2.345, "km", "en") == "2.3km"


def test_english_report_has_no_chinese_units(grid_frames, tmp_path):
    """Headlines, the projects table and the Excel sheets of an English report carry no 户 or 万元."""
    from geoplan.reports.narrative import headlines
    from geoplan.reports.tables import projects_table

    report = build_report(grid_frames, load_standards(), "plan", "en")
    lines = headlines(report)
    assert "94 households" in " ".join(lines)  # the waste gap worked out above, in English
    assert any(line.startswith("7 planned projects, CNY 2,480,000") for line in lines)
    assert not any("户" in line or "万元" in line for line in lines)
    projects = projects_table(report)
    assert not any("万元" in str(c) for c in projects.columns)
    assert not projects.astype(str).apply(lambda col: col.str.contains("万元|户")).any().any()
    (path,) = write_report(report, "xlsx", tmp_path)
    book = load_workbook(path)
    units = {str(c.value) for ws in book.worksheets for row in ws.iter_rows(max_row=1) for c in row if c.value}
    assert not any("(户)" in u or "(万元)" in u for u in units), units
