"""The report's section on the year's works: km of lines tidied, 亩 converted, water area — each against its target.

The quantities come from :func:`geoplan.analysis.works.works_progress`; this module only words and formats them.
"""

from __future__ import annotations

import math

import pandas as pd

from geoplan.analysis.works import works_progress
from geoplan.reports.build import Report
from geoplan.reports.numbers import pct


def works_frame(report: Report) -> pd.DataFrame:
    """The raw works table (numbers as computed) for the report's frames, standards and catalogue."""
    return works_progress(report.frames, report.standards.works, report.layer_catalogue, report.lang)


def _amount(x: float, unit: str) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    return f"{x:,.0f}{unit}" if unit in ("个", "features") else f"{x:,.1f}{unit}"


def works_table(report: Report, frame: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per task (and per group): done, under construction, planned, target and share, with units."""
    w = works_frame(report) if frame is None else frame
    t = report.t
    return pd.DataFrame(
        {
            t("任务", "Task"): w["name"],
            t("分类", "Group"): w["group"].replace("", "—"),
            t("年度", "Year"): [("—" if pd.isna(y) else str(int(y))) for y in w["year"]],
            t("已完成", "Done"): [_amount(x, u) for x, u in zip(w["done"], w["unit"], strict=True)],
            t("在建", "Under construction"): [
                _amount(x, u) for x, u in zip(w["under_construction"], w["unit"], strict=True)
            ],
            t("规划", "Planned"): [_amount(x, u) for x, u in zip(w["planned"], w["unit"], strict=True)],
            t("年度目标", "Target"): [_amount(x, u) for x, u in zip(w["target"], w["unit"], strict=True)],
            t("完成率", "Done share"): [pct(x) for x in w["share"]],
            t("依据", "Source"): w["source"],
        }
    )


def works_sentences(report: Report, frame: pd.DataFrame | None = None) -> list[str]:
    """A sentence per task with a target: what is done against what the year asks, and what is still under way."""
    w = works_frame(report) if frame is None else frame
    out = []
    for row in w.itertuples(index=False):
        if row.target is None or math.isnan(row.target):
            continue
        ongoing = row.under_construction + row.planned
        year = "" if row.year is None or math.isnan(row.year) else int(row.year)
        if report.lang == "en":
            text = (
                f"{row.name} {year}: {_amount(row.done, row.unit)} done of the {_amount(row.target, row.unit)} "
                f"target ({pct(row.share)})"
            )
            text += f"; {_amount(ongoing, row.unit)} under construction or planned." if ongoing else "."
        else:
            text = (
                f"{year}年{row.name}:已完成{_amount(row.done, row.unit)},年度目标{_amount(row.target, row.unit)},"
                f"完成{pct(row.share)}"
            )
            text += f";在建及规划{_amount(ongoing, row.unit)}。" if ongoing else "。"
        out.append(text)
    return out
