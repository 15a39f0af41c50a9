"""The works section in every report format, on the demo township (figures recomputed here with geopandas)."""

from __future__ import annotations

import json

import pytest
from openpyxl import load_workbook

from geoplan.analysis import load_standards
from geoplan.analysis.projection import crs_for_geometries
from geoplan.layers import LayerStore
from geoplan.reports import build_report, write_report
from geoplan.reports.html import render_html
from geoplan.reports.markdown import render_markdown
from geoplan.reports.works import works_table


@pytest.fixture(scope="module")
def demo_report(repo_root):
    frames = LayerStore(repo_root / "data" / "geojson").frames()
    return build_report(frames, load_standards(), "plan")


def _expected(report) -> tuple[float, float]:
    """旱改水 亩 done in 2025 and 三线整治 km under way or planned for 2026, measured independently."""
    f, lines = report.frames["farmland_projects"], report.frames["utility_lines"]
    crs = crs_for_geometries(report.frames["villages"].geometry.to_numpy())
    paddy = f[(f["works"] == "dry_to_paddy") & (f["status"] == "completed") & (f["year"] == 2025)]
    mu = paddy.to_crs(crs).area.sum() / (10000 / 15)
    tidy = lines[(lines["works"] == "three_lines") & (lines["year"] == 2026)]
    km = tidy[tidy["status"].isin(["planned", "under_construction"])].to_crs(crs).length.sum() / 1000
    return mu, km


def test_markdown_states_the_targets_and_what_is_done(demo_report) -> None:
    mu, km = _expected(demo_report)
    md = render_markdown(demo_report)
    section = md[md.index("## 年度工程量") :]
    assert f"2025年“旱改水”新增水田:已完成{mu:,.1f}亩,年度目标300.0亩" in section
    assert f"2026年全域“三线”整治:已完成0.0km,年度目标8.1km,完成0.0%;在建及规划{km:,.1f}km。" in section
    assert "| 水域面积 | 河流 |" in section and "| 水域面积 | 水塘 |" in section


def test_english_and_the_other_formats(demo_report, tmp_path) -> None:
    en = build_report(demo_report.frames, demo_report.standards, "plan", "en")
    table = works_table(en)
    assert list(table.columns[:4]) == ["Task", "Group", "Year", "Done"]
    assert "Dry land converted to paddy 2025:" in render_markdown(en)
    (xlsx,) = write_report(demo_report, "xlsx", tmp_path)
    wb = load_workbook(xlsx)
    assert wb.sheetnames[-1] == "年度工程量"
    cells = [c.value for row in wb["年度工程量"].iter_rows() for c in row if c.value]
    assert "“旱改水”新增水田" in cells and "300.0亩" in cells
    (js,) = write_report(demo_report, "json", tmp_path)
    works = {w["key"]: w for w in json.loads(js.read_text(encoding="utf-8"))["works"] if not w["group"]}
    mu, km = _expected(demo_report)
    assert works["dry_to_paddy_2025"]["done"] == pytest.approx(mu) and works["dry_to_paddy_2025"]["target"] == 300
    tidy = works["three_lines_2026"]
    assert tidy["under_construction"] + tidy["planned"] == pytest.approx(km) and tidy["done"] == 0
    html = render_html(demo_report)
    assert '<section id="works"><h2>年度工程量</h2>' in html


def test_no_works_no_section(demo_report) -> None:
    bare = demo_report.standards.model_copy(update={"works": ()})
    report = build_report(demo_report.frames, bare, "plan")
    assert "年度工程量" not in render_markdown(report) and 'id="works"' not in render_html(report)
