"""Reports on a county where one village of 100 was surveyed: the 99 others are 未评估/未排名, grey, and absent
from every headline and total; no format shows more uncovered 户 than a village has."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest
from openpyxl import load_workbook

from geoplan.analysis import load_standards
from geoplan.layers import LayerStore
from geoplan.reports.build import build_report, write_report
from geoplan.reports.narrative import headlines
from geoplan.reports.tables import delta_table, summary_table
from tests.analysis.conftest import HOUSES, S_CODE, S_HH

S_NAME = "村44"


@pytest.fixture(scope="module")
def standards():
    return load_standards()


@pytest.fixture
def crowded(county: LayerStore) -> LayerStore:
    """The surveyed houses say 3 户 each: 24 户 in a village of 12."""
    for fid in HOUSES:
        county.patch("buildings", fid, {"properties": {"households": 3}})
    return county


def test_headlines_count_only_the_assessed_village(county, standards):
    report = build_report(county.frames(), standards, "baseline")
    lines = headlines(report)
    assert lines[0].startswith("全乡100个行政村中1个村已评估（12户，现状），99个村因缺少调查数据未评估、未排名")
    # 33 villages have no 5G, but none of them is assessed: no headline may count them
    assert not any(re.search(r"[1-9][0-9]个村", line) for line in lines[1:]), lines
    assert all("已评估的1个村中" in line for line in lines[1:] if "未达到目标" in line)
    en = headlines(build_report(county.frames(), standards, "baseline", "en"))
    assert en[0].startswith("1 of 100 villages assessed (12 households, baseline); 99 not assessed")


def test_summary_marks_the_unranked_and_totals_leave_them_out(county, standards):
    report = build_report(county.frames(), standards, "plan")
    summary = summary_table(report)
    assert (summary["短板排序(1=最差)"] == "未排名").sum() == 99
    assert summary.loc[summary["代码"] == S_CODE, "短板排序(1=最差)"].item() == "1"
    # the township 5G figure is the surveyed village's alone (it has 5G), not 66 of 100
    five_g = delta_table(report).set_index("指标").loc["行政村5G通达"]
    assert five_g["现状"] == "100.0%"


def _numbers_before_hu(text: str) -> list[int]:
    return [int(x.replace(",", "")) for x in re.findall(r"([\d,]+)户", text)]


def test_no_format_shows_more_uncovered_households_than_the_village_has(crowded, standards, tmp_path):
    report = build_report(crowded.frames(), standards, "baseline")
    out = tmp_path / "r"
    for fmt in ("xlsx", "html", "md", "json", "csv"):
        write_report(report, fmt, out)
    stem = out / "gap_report_baseline"
    # json: every indicator row of the village
    doc = json.loads(stem.with_suffix(".json").read_text("utf-8"))
    rows = [r for r in doc["indicators"] if r["village_code"] == S_CODE]
    assert max(r["uncovered"] or 0 for r in rows if r["gap_unit"] == "户") <= S_HH + 1e-9
    assert max(r["gap"] or 0 for r in rows if r["gap_unit"] == "户") <= S_HH
    # csv: the indicator table and the per-unit list of uncovered houses
    ind = pd.read_csv(out / "gap_report_baseline_indicators.csv", dtype={"village_code": str})
    mine = ind[(ind["village_code"] == S_CODE) & (ind["gap_unit"] == "户")]
    assert mine["uncovered"].max() <= S_HH + 1e-9 and (mine["covered"] + mine["uncovered"]).max() <= S_HH + 1e-6
    unc = pd.read_csv(out / "gap_report_baseline_uncovered.csv", dtype={"village_code": str})
    villages = pd.read_csv(out / "gap_report_baseline_villages.csv", dtype={"village_code": str})
    per = unc.groupby(["village_code", "indicator"])["households"].sum().reset_index()
    per = per.merge(villages[["village_code", "households"]], on="village_code", suffixes=("", "_village"))
    assert len(per) and (per["households"] <= per["households_village"] + 1e-9).all()
    # xlsx, html, md: every "N户" in the village's rows (gaps, households) is at most its 12 户
    wb = load_workbook(out / "gap_report_baseline.xlsx")
    cells = [str(c) for ws in wb for row in ws.iter_rows(values_only=True) if S_NAME in row for c in row if c]
    html = stem.with_suffix(".html").read_text("utf-8")
    html_rows = [r for r in re.findall(r"<tr>.*?</tr>", html) if f">{S_NAME}<" in r]
    md_rows = [line for line in stem.with_suffix(".md").read_text("utf-8").splitlines() if f"| {S_NAME} |" in line]
    for name, texts in (("xlsx", cells), ("html", html_rows), ("md", md_rows)):
        found = [n for t in texts for n in _numbers_before_hu(t)]
        assert found and max(found) <= S_HH, (name, found)


def test_method_notes_say_how_households_were_made(county, standards):
    from geoplan.reports.narrative import method_notes

    notes = method_notes(build_report(county.frames(), standards))
    assert "1个村的农房未填户数：按行政村户数在其住宅农房间平均分摊。" in notes
    assert any("村中心取村域内部点" in n for n in notes)
