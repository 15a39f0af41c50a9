"""The work-report statistics worded and laid out: Chinese paragraphs, tables, and the .docx in 公文 layout."""

from __future__ import annotations

import json

from docx import Document
from docx.shared import Pt

from geoplan.analysis import load_standards
from geoplan.analysis.annual import annual_figures
from geoplan.reports.annual import paragraphs, table, write_annual


def test_paragraphs_say_done_target_and_gap(grid_frames) -> None:
    fig = annual_figures(grid_frames, load_standards(), 2025)
    text = dict(paragraphs(fig))
    assert text["住房安全"] == (
        "2025年,农村危房改造完成1户(年度计划1户,完成100%);C/D级危房改造完成率达40%,距100%目标差3户。"
    )
    assert "生活污水治理率达37.5%,距60%目标差36户" in text["人居环境"]
    en = dict(paragraphs(annual_figures(grid_frames, load_standards(), 2025, lang="en"), lang="en"))
    assert "Sewage treatment coverage 37.5%, 36 households short of the 60% target" in en["Living environment"]
    t = table(fig, "housing")
    assert list(t.columns) == ["项目", "实绩", "目标", "完成率", "差距"]
    assert t.iloc[1].tolist() == ["C/D级危房改造完成率", "40%", "100%", "40%", "3户"]


def test_formats_and_the_docx_layout(grid_frames, tmp_path) -> None:
    fig = annual_figures(grid_frames, load_standards(), 2025)
    for fmt in ("md", "html", "json", "docx"):
        assert write_annual(fig, fmt, tmp_path).name == f"work_report_2025.{fmt}"
    assert "## 一、" in (tmp_path / "work_report_2025.md").read_text(encoding="utf-8")
    doc = json.loads((tmp_path / "work_report_2025.json").read_text(encoding="utf-8"))
    assert doc["year"] == 2025 and {t["theme"] for t in doc["themes"]} >= {"housing", "environment"}
    d = Document(str(tmp_path / "work_report_2025.docx"))
    sec = d.sections[0]
    margins = (sec.top_margin, sec.bottom_margin, sec.left_margin, sec.right_margin)
    assert [round(m.mm, 1) for m in margins] == [37, 35, 28, 26]  # GB/T 9704-2012 (stored in twips)
    assert round(sec.page_width.mm) == 210 and round(sec.page_height.mm) == 297
    title = d.paragraphs[0]
    assert title.text == "2025年乡村基础设施建设工作实绩统计" and title.runs[0].font.size == Pt(22)
    assert (
        title.runs[0]._element.rPr.rFonts.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia")
        == "方正小标宋简体"
    )
    body = next(p for p in d.paragraphs if p.text.startswith("2025年,农村危房改造"))
    assert body.paragraph_format.line_spacing == Pt(28.95) and body.runs[0].font.size == Pt(16)
    headings = [p.text for p in d.paragraphs if p.text[:2] in ("一、", "二、", "三、")]
    assert len(headings) == 3
    assert len(d.tables) == len(fig.themes)
    assert "PAGE" in sec.footer.paragraphs[0]._p.xml


def test_work_report_command_on_the_demo(demo_data_dir, tmp_path, capsys) -> None:
    from geoplan.cli.main import main

    out = tmp_path / "wr"
    args = ["work-report", "--year", "2025", "--data-dir", str(demo_data_dir), "--out", str(out)]
    assert main([*args, "--format", "docx", "--format", "md"]) == 0
    text = capsys.readouterr().out
    assert "农村危房改造完成50户(年度计划50户,完成100%)" in text  # the seed report's 50 house repairs of 2025
    assert "“旱改水”新增水田完成300亩" in text
    assert (out / "work_report_2025.docx").stat().st_size > 0 and (out / "work_report_2025.md").exists()
    assert main([*args, "--format", "pdf"]) == 1
