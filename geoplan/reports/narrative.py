"""Chinese (or English) headline sentences generated from the numbers — the one-page summary's text."""

from __future__ import annotations

import pandas as pd

from geoplan.reports.build import Report
from geoplan.reports.numbers import count, pct, wan


def headlines(report: Report, limit: int = 5) -> list[str]:
    """3–5 sentences: township figures, the worst indicators and their gaps, the plan's effect, the worst village."""
    r = report.result
    t = r.indicators
    n = len(r.villages)
    hh = r.villages["households"].sum()
    out: list[str] = []
    zh = report.lang == "zh"
    scen = ("规划情景" if r.scenario == "plan" else "现状") if zh else r.scenario
    assessed = t[t["status"] != "not_assessed"]
    total, done = len(report.standards.indicators), assessed["indicator"].nunique()
    # an indicator no village could be assessed on is not "evaluated": say how many lack data
    missing = (
        (f"，另有{total - done}项因缺少数据未评估" if zh else f"; {total - done} not assessed (missing data)")
        if done < total
        else ""
    )
    out.append(
        f"全乡{n}个行政村、{count(hh, '户')}（{scen}）共评估{done}项指标{missing}。"
        if zh
        else f"{n} villages, {count(hh)} households; {done} indicators assessed ({scen}){missing}."
    )
    short = (
        assessed[assessed["status"] == "not_met"]
        .groupby("indicator")
        .agg(villages=("village_code", "nunique"), gap=("gap", "sum"))
        .sort_values("villages", ascending=False)
    )
    for key, row in short.head(3).iterrows():
        ind = report.standards.indicator(str(key))
        name = ind.name(report.lang)
        target = pct(ind.target) if ind.unit == "%" else count(ind.target, ind.gap_unit, report.lang)
        gap = count(row["gap"], ind.gap_unit, report.lang)
        out.append(
            f"全乡{n}个行政村中，{int(row['villages'])}个村{name}未达到目标（{target}），缺口合计{gap}。"
            if zh
            else f"{int(row['villages'])} of {n} villages miss the {name} target ({target}); gap {gap}."
        )
    p = report.delta.projects
    if len(p):
        newly = p["newly_covered_households"].sum()
        budget = pd.to_numeric(p["budget_wan"], errors="coerce").sum()
        out.append(
            f"规划项目{len(p)}个，总投资{wan(budget)}，新增覆盖{count(newly, '户')}（各指标合计）。"
            if zh
            else f"{len(p)} planned projects, {wan(budget, 'en')}, newly covering {count(newly)} households."
        )
    worst = r.villages.sort_values("composite").head(1)
    if len(worst) and pd.notna(worst["composite"].iloc[0]):
        w = worst.iloc[0]
        out.append(
            f"综合得分最低的是{w['village_name']}（{w['composite']:.1f}分），应优先安排项目。"
            if zh
            else f"Lowest composite score: {w['village_name']} ({w['composite']:.1f})."
        )
    return out[:limit]
