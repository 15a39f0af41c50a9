"""A Markdown report: headlines, the village summary, one table per theme, plan effect, definitions."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from geoplan.reports.build import Report
from geoplan.reports.narrative import headlines, method_notes
from geoplan.reports.tables import definitions_table, delta_table, projects_table, summary_table, theme_table
from geoplan.reports.works import works_frame, works_sentences, works_table


def _md(frame: pd.DataFrame) -> str:
    def cell(x: object) -> str:
        return ("—" if pd.isna(x) else str(x)).replace("|", "\\|").replace("\n", " ")  # type: ignore[arg-type]

    head = "| " + " | ".join(cell(c) for c in frame.columns) + " |"
    rule = "|" + "---|" * len(frame.columns)
    rows = ["| " + " | ".join(cell(x) for x in rec) + " |" for rec in frame.itertuples(index=False)]
    return "\n".join([head, rule, *rows])


def render_markdown(report: Report) -> str:
    parts = [f"# {report.title}", ""]
    parts += [f"- {s}" for s in headlines(report)]
    parts += ["", f"## {report.t('分村汇总', 'Villages')}", "", _md(summary_table(report))]
    for theme in report.themes():
        parts += ["", f"## {report.theme_name(theme)}", "", _md(theme_table(report, theme)[0])]
    parts += ["", f"## {report.t('规划成效', 'Plan effect')}", "", _md(delta_table(report))]
    parts += ["", _md(projects_table(report))]
    if report.standards.works:
        works = works_frame(report)
        parts += ["", f"## {report.t('年度工程量', 'Works this year')}", ""]
        parts += [f"- {s}" for s in works_sentences(report, works)]
        parts += ["", _md(works_table(report, works))]
    parts += ["", f"## {report.t('附录：指标定义与依据', 'Appendix: definitions')}", "", _md(definitions_table(report))]
    parts += ["", f"### {report.t('方法说明', 'Method notes')}", ""]
    parts += [f"- {note}" for note in method_notes(report)]
    parts += [""]
    return "\n".join(parts)


def write_markdown(report: Report, path: Path) -> Path:
    path.write_text(render_markdown(report), encoding="utf-8")
    return path
