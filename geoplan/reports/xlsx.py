"""The Excel 台账: a summary sheet, a sheet per theme (a row per village), plan effect and definitions."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from geoplan.reports.build import Report
from geoplan.reports.narrative import headlines
from geoplan.reports.tables import definitions_table, projects_table, summary_table, theme_table

#: Status colours (达标 green, 基本达标 amber, 未达标 red, 未评估 grey) — the same in every renderer.
STATUS_FILL = {"met": "C6EFCE", "nearly_met": "FFEB9C", "not_met": "FFC7CE", "not_assessed": "E7E6E6"}
_HEADER = PatternFill("solid", fgColor="DDEBF7")


def _cell_value(val: object) -> object:
    """What a cell can hold: no NaN, and text without the control characters Excel refuses.

    The store refuses such characters, but a layer file edited by another tool may still carry them.
    """
    if val is None or (not isinstance(val, str) and pd.isna(val)):
        return None
    return ILLEGAL_CHARACTERS_RE.sub("", val) if isinstance(val, str) else val


def _sheet(wb: Workbook, title: str, table: pd.DataFrame, status: pd.DataFrame | None = None, top: list[str] = ()):
    ws = wb.create_sheet(title[:31])
    row0 = 1
    for line in top:
        ws.cell(row=row0, column=1, value=line)
        row0 += 1
    if top:
        row0 += 1
    for j, col in enumerate(table.columns, start=1):
        c = ws.cell(row=row0, column=j, value=str(col))
        c.font, c.fill = Font(bold=True), _HEADER
        c.alignment = Alignment(wrap_text=True, vertical="center")
        ws.column_dimensions[get_column_letter(j)].width = max(10, min(40, len(str(col)) * 2))
    for i, rec in enumerate(table.itertuples(index=False), start=row0 + 1):
        for j, val in enumerate(rec, start=1):
            ws.cell(row=i, column=j, value=_cell_value(val))
            if status is not None and table.columns[j - 1] in status.columns:
                key = status.iloc[i - row0 - 1][table.columns[j - 1]]
                if key in STATUS_FILL:
                    ws.cell(row=i, column=j).fill = PatternFill("solid", fgColor=STATUS_FILL[key])
    ws.freeze_panes = ws.cell(row=row0 + 1, column=2)
    return ws


def sheet_names(report: Report) -> list[str]:
    """Sheet titles in order: summary, one per theme, plan effect, definitions."""
    return [
        report.t("汇总", "Summary"),
        *(report.theme_name(t) for t in report.themes()),
        report.t("项目成效", "Plan effect"),
        report.t("指标说明", "Definitions"),
    ]


def write_xlsx(report: Report, path: Path) -> Path:
    wb = Workbook()
    wb.remove(wb.active)
    names = sheet_names(report)
    summary = summary_table(report)
    status_cols = pd.DataFrame(index=summary.index)
    st = report.result.indicators.pivot(index="village_code", columns="indicator", values="status")
    codes = summary[report.t("代码", "Code")]
    for ind in report.standards.indicators:
        status_cols[ind.name(report.lang)] = codes.map(st[ind.key]).to_numpy()
    _sheet(wb, names[0], summary, status_cols, top=[report.title, *headlines(report)])
    for name, theme in zip(names[1:-2], report.themes(), strict=True):
        table, status = theme_table(report, theme)
        _sheet(wb, name, table, status)
    _sheet(wb, names[-2], projects_table(report))
    _sheet(wb, names[-1], definitions_table(report))
    wb.save(path)
    return path
