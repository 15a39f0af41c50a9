"""The Excel 台账: a summary sheet, a sheet per theme (a row per village), charts, plan effect and definitions.

Written in openpyxl's write-only mode (rows streamed, one shared style object per status colour): a county's
workbook of tens of thousands of cells takes a fraction of a second instead of several.  The charts are native
Excel charts over numeric tables on the 图表 sheet, so Excel/WPS draw them with the reader's fonts and a planner
can restyle or copy them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from copy import copy
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.chart import BarChart, Reference
from openpyxl.chart.data_source import AxDataSource, StrRef
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from geoplan.reports.build import Report
from geoplan.reports.narrative import headlines, method_notes
from geoplan.reports.numbers import unit_label
from geoplan.reports.tables import definitions_table, projects_table, summary_table, theme_table, township_value
from geoplan.reports.works import works_frame, works_sentences, works_table

#: Status colours (达标 green, 基本达标 amber, 未达标 red, 未评估 grey) — the same in every renderer.
STATUS_FILL = {"met": "C6EFCE", "nearly_met": "FFEB9C", "not_met": "FFC7CE", "not_assessed": "E7E6E6"}
_FILLS = {k: PatternFill("solid", fgColor=c) for k, c in STATUS_FILL.items()}
_HEADER = PatternFill("solid", fgColor="DDEBF7")
_BOLD = Font(bold=True)
_WRAP = Alignment(wrap_text=True, vertical="center")
#: Chart colours shared with the html report: baseline dark blue, plan light blue, target black; covered/uncovered.
_SERIES = {"baseline": "1565C0", "plan": "90CAF9", "target": "000000", "covered": "4CAF50", "uncovered": "E53935"}


def _cell_value(val: object) -> object:
    """What a cell can hold: no NaN, and text without the control characters Excel refuses.

    The store refuses such characters, but a layer file edited by another tool may still carry them.
    """
    if val is None or (not isinstance(val, str) and pd.isna(val)):
        return None
    return ILLEGAL_CHARACTERS_RE.sub("", val) if isinstance(val, str) else val


def _status_styles(ws: Any) -> dict[str, Any]:
    """Each status fill registered once in the workbook, as the style array a cell can take as is."""
    out = {}
    for key, fill in _FILLS.items():
        c = WriteOnlyCell(ws)
        c.fill = fill
        out[key] = c._style
    return out


def _header_cells(ws: Any, names: Iterable[object]) -> list[WriteOnlyCell]:
    cells = []
    for name in names:
        c = WriteOnlyCell(ws, value=_cell_value(str(name)))
        c.font, c.fill, c.alignment = _BOLD, _HEADER, _WRAP
        cells.append(c)
    return cells


def _sheet(wb: Workbook, title: str, table: pd.DataFrame, status: pd.DataFrame | None = None,
           top: Sequence[str] = ()) -> Any:  # fmt: skip
    ws = wb.create_sheet(title[:31])
    for j, col in enumerate(table.columns, start=1):
        ws.column_dimensions[get_column_letter(j)].width = max(10, min(40, len(str(col)) * 2))
    header_row = len(top) + (2 if top else 1)
    ws.freeze_panes = f"B{header_row + 1}"
    for line in top:
        ws.append([_cell_value(line)])
    if top:
        ws.append([])
    ws.append(_header_cells(ws, table.columns))
    values = [[_cell_value(v) for v in table[col].to_numpy(dtype=object)] for col in table.columns]
    keys = [
        status[col].to_numpy(dtype=object) if status is not None and col in status.columns else None
        for col in table.columns
    ]
    styles = _status_styles(ws)
    for i in range(len(table)):
        row: list[object] = []
        for j, column in enumerate(values):
            style = styles.get(keys[j][i]) if keys[j] is not None else None
            if style is None:
                row.append(column[i])
            else:
                c = WriteOnlyCell(ws, value=column[i])
                c._style = copy(style)  # the registered style itself: setting .fill hashes it per cell (seconds)
                row.append(c)
        ws.append(row)
    return ws


def sheet_names(report: Report) -> list[str]:
    """Sheet titles in order: summary, one per theme, charts and their data, plan effect, definitions."""
    return [
        report.t("汇总", "Summary"),
        *(report.theme_name(t) for t in report.themes()),
        report.t("图表", "Charts"),
        report.t("图表数据", "Chart data"),
        report.t("项目成效", "Plan effect"),
        report.t("指标说明", "Definitions"),
        *([works_sheet_name(report)] if report.standards.works else []),
    ]


def charted_indicators(report: Report) -> list[str]:
    """Indicators drawn as covered/uncovered bars per village: the first two of each theme (as in the html page)."""
    keys: list[str] = []
    for theme in report.themes():
        keys += [i.key for i in report.standards.indicators if i.theme == theme and i.test != "count"][:2]
    return keys


def _bar(title: str, y_title: str, horizontal: bool = False, stacked: bool = False) -> BarChart:
    chart = BarChart()
    chart.type = "bar" if horizontal else "col"
    chart.title, chart.y_axis.title = title, y_title
    chart.style = 10
    if stacked:
        chart.grouping, chart.overlap = "stacked", 100
    # openpyxl hides axes by default (delete=1); a planner needs the village names and the scale
    chart.x_axis.delete = chart.y_axis.delete = False
    return chart


def _text_categories(chart: BarChart, ref: Reference) -> None:
    """Village / indicator names as categories: a string reference (openpyxl's default is a numeric one)."""
    for series in chart.series:
        series.cat = AxDataSource(strRef=StrRef(f=str(ref)))


def _colour(chart: BarChart, keys: Sequence[str]) -> None:
    for series, key in zip(chart.series, keys, strict=True):
        series.graphicalProperties.solidFill = _SERIES[key]
        series.graphicalProperties.line.solidFill = _SERIES[key]


def _chart_sheets(wb: Workbook, titles: tuple[str, str], report: Report) -> None:
    """The 图表 sheet (native charts only) and the 图表数据 sheet with the numbers they draw.

    Chart data: township shares against target (top), then one row per village with covered / uncovered per
    charted indicator — one wide table, so a county costs a few thousand cells, not one block per indicator.
    """
    charts_ws, data_ws = wb.create_sheet(titles[0][:31]), wb.create_sheet(titles[1][:31])
    data_ws.column_dimensions["A"].width = 24
    rows: list[list[object]] = []
    shares = [i for i in report.standards.indicators if i.unit == "%"]
    rows.append(_header_cells(data_ws, [report.t("指标", "Indicator"), report.t("现状", "baseline"),
                                        report.t("规划", "plan"), report.t("目标", "target")]))  # fmt: skip
    for ind in shares:
        base = township_value(report.rows(ind.key, "baseline", ranked=True), "%")
        plan = township_value(report.rows(ind.key, "plan", ranked=True), "%")
        cells: list[object] = [ind.name(report.lang)]
        for v in (base, plan, float(ind.target)):
            c = WriteOnlyCell(data_ws, value=_cell_value(v))
            c.number_format = "0.0%"
            cells.append(c)
        rows.append(cells)
    progress = _bar(report.t("全乡指标与目标", "Township indicators against target"), "%", horizontal=True)
    progress.add_data(Reference(data_ws, min_col=2, max_col=4, min_row=1, max_row=len(shares) + 1),
                      titles_from_data=True)  # fmt: skip
    _text_categories(progress, Reference(data_ws, min_col=1, min_row=2, max_row=len(shares) + 1))
    progress.y_axis.scaling.min, progress.y_axis.scaling.max = 0, 1
    progress.y_axis.number_format = "0%"
    progress.x_axis.scaling.orientation = "maxMin"  # first indicator on top, as in the tables
    progress.height, progress.width = max(7.5, 0.6 * len(shares) + 2), 18
    _colour(progress, ["baseline", "plan", "target"])
    charts_ws.add_chart(progress, "A1")
    anchor = int(progress.height / 0.5) + 3  # a default row is ~0.5 cm high

    rows.append([])
    first = len(rows) + 1  # header row of the village table
    villages = report.result.villages[report.result.ranked]  # charts count the assessed (ranked) villages only
    keys = charted_indicators(report)
    header: list[object] = [report.t("行政村", "Village")]
    columns: list[list[object]] = [[_cell_value(n) for n in villages["village_name"]]]
    for key in keys:
        ind = report.standards.indicator(key)
        unit = unit_label(ind.gap_unit if ind.gap_unit == "座" else "户", report.lang)
        t = report.rows(key).set_index("village_code").reindex(villages["village_code"])
        header += [f"{ind.name(report.lang)} {report.t('已覆盖', 'covered')}({unit})",
                   f"{ind.name(report.lang)} {report.t('未覆盖', 'uncovered')}({unit})"]  # fmt: skip
        columns += [[_cell_value(x) for x in t["covered"]], [_cell_value(x) for x in t["uncovered"]]]
    rows.append(_header_cells(data_ws, header))
    rows += [list(r) for r in zip(*columns, strict=True)]
    last = len(rows)
    width = min(40, max(18, 0.25 * len(villages)))
    for n, key in enumerate(keys):
        ind = report.standards.indicator(key)
        unit = unit_label(ind.gap_unit if ind.gap_unit == "座" else "户", report.lang)
        chart = _bar(ind.name(report.lang), unit, stacked=True)
        col = 2 + 2 * n
        chart.add_data(Reference(data_ws, min_col=col, max_col=col + 1, min_row=first, max_row=last),
                       titles_from_data=True)  # fmt: skip
        _text_categories(chart, Reference(data_ws, min_col=1, min_row=first + 1, max_row=last))
        chart.height, chart.width = 7.5, width
        _colour(chart, ["covered", "uncovered"])
        charts_ws.add_chart(chart, f"A{anchor}")
        anchor += int(chart.height / 0.5) + 2
    for row in rows:
        data_ws.append(row)


def works_sheet_name(report: Report) -> str:
    """The works sheet, after the definitions (present when the standards declare works)."""
    return report.t("年度工程量", "Works")


def write_xlsx(report: Report, path: Path) -> Path:
    wb = Workbook(write_only=True)
    names = sheet_names(report)
    if report.standards.works:
        names = names[:-1]  # the works sheet comes last
    summary = summary_table(report)
    status_cols = pd.DataFrame(index=summary.index)
    st = report.result.indicators.pivot(index="village_code", columns="indicator", values="status")
    codes = summary[report.t("代码", "Code")]
    for ind in report.standards.indicators:
        status_cols[ind.name(report.lang)] = codes.map(st[ind.key]).to_numpy()
    _sheet(wb, names[0], summary, status_cols, top=[report.title, *headlines(report)])
    for name, theme in zip(names[1:-4], report.themes(), strict=True):
        table, status = theme_table(report, theme)
        _sheet(wb, name, table, status)
    _chart_sheets(wb, (names[-4], names[-3]), report)
    _sheet(wb, names[-2], projects_table(report))
    _sheet(wb, names[-1], definitions_table(report), top=method_notes(report))
    if report.standards.works:
        frame = works_frame(report)
        _sheet(wb, works_sheet_name(report), works_table(report, frame), top=works_sentences(report, frame))
    wb.save(path)
    return path
