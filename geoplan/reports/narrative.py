"""Chinese (or English) headline sentences generated from the numbers — the one-page summary's text."""

from __future__ import annotations

import pandas as pd

from geoplan.reports.build import Report
from geoplan.reports.numbers import count, pct, wan

#: Method notes that count villages: (key in the result's method counts, Chinese, English), ``{n}`` the count.
METHOD_COUNTS: tuple[tuple[str, str, str], ...] = (
    (
        "households_spread",
        "{n}个村的农房未填户数：按行政村户数在其住宅农房间平均分摊。",
        "{n} villages' buildings carry no households: the village's households are spread evenly over its "
        "residential buildings.",
    ),
    (
        "households_scaled",
        "{n}个村的农房/自然村户数合计多于行政村户数：按行政村户数等比例缩减。",
        "{n} villages' buildings or settlements add up to more households than the village has: scaled down to "
        "the village's figure.",
    ),
    (
        "approximate_centres",
        "{n}个村未标注村委会驻地（自然村is_village_centre或村委会设施）：村中心取村域内部点，为近似位置。",
        "{n} villages record no centre settlement or village committee: their centre is a point inside the "
        "village (approximate).",
    ),
)


def headlines(report: Report, limit: int = 5) -> list[str]:
    """3–5 sentences: township figures, the worst indicators and their gaps, the plan's effect, the worst village.

    Only ranked villages are counted (:meth:`Report.assessed`); the first sentence says how many were not.
    """
    r = report.result
    t = report.assessed()
    n_all = len(r.villages)
    skipped = report.unranked()
    n = n_all - skipped
    hh = r.villages.loc[r.ranked, "households"].sum()
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
    if skipped:
        out.append(
            f"全乡{n_all}个行政村中{n}个村已评估（{count(hh, '户')}，{scen}），{skipped}个村因缺少调查数据未评估、"
            f"未排名，不计入以下合计；共评估{done}项指标{missing}。"
            if zh
            else f"{n} of {n_all} villages assessed ({count(hh)} households, {scen}); {skipped} not assessed "
            f"(data not surveyed) and left out of every total below; {done} indicators assessed{missing}."
        )
    else:
        out.append(
            f"全乡{n}个行政村、{count(hh, '户')}（{scen}）共评估{done}项指标{missing}。"
            if zh
            else f"{n} villages, {count(hh)} households; {done} indicators assessed ({scen}){missing}."
        )
    where = (f"全乡{n}个行政村中" if not skipped else f"已评估的{n}个村中") if zh else ""
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
            f"{where}，{int(row['villages'])}个村{name}未达到目标（{target}），缺口合计{gap}。"
            if zh
            else f"{int(row['villages'])} of {n} {'' if not skipped else 'assessed '}villages miss the {name} "
            f"target ({target}); gap {gap}."
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
    worst = r.villages[r.ranked].sort_values("composite").head(1)
    if len(worst) and pd.notna(worst["composite"].iloc[0]):
        w = worst.iloc[0]
        out.append(
            f"综合得分最低的是{w['village_name']}（{w['composite']:.1f}分），应优先安排项目。"
            if zh
            else f"Lowest composite score: {w['village_name']} ({w['composite']:.1f})."
        )
    return out[:limit]


def method_notes(report: Report) -> list[str]:
    """How the inputs were completed (the appendix's method notes): straight-line distances, renormalised
    weights, households spread over or scaled to the village's figure, approximate village centres."""
    m = report.result.method
    zh = report.lang == "zh"
    network = [i for i in report.standards.indicators if i.test == "distance" and i.distance == "network"]
    if not network:
        distance = (
            "距离为本地投影坐标系中的直线距离（非路网距离）；"
            if zh
            else "Straight-line distances in a local projected CRS; "
        )
    else:
        names = "、".join(i.name("zh") for i in network) if zh else ", ".join(i.name("en") for i in network)
        distance = (
            f"{names}按路网距离计（农户经最近路段接入道路，沿道路步行；车行仅走硬化路），其余距离为本地投影坐标系中的"
            "直线距离；"
            if zh
            else f"{names}: network distance (a connector from each household to the nearest road segment, then along "
            "the roads; driving on paved roads only); other distances are straight lines in a local projected CRS; "
        )
        if any(i.dem for i in network):
            distance += (
                "步行距离按高程数据(DEM)的坡度以Tobler步行函数折算为平地等效距离（上坡更远，缓下坡略近）；"
                if zh
                else "walks are weighted by the DEM's slopes with Tobler's hiking function, as the flat distance "
                "walked in the same time (uphill longer, gentle descents a little shorter); "
            )
    notes = [
        distance + ("综合得分权重在可评估指标间重新归一。" if zh else "weights renormalised over assessed indicators."),
        f"已评估指标权重不足{report.standards.min_assessed_weight:.0%}的行政村不计综合得分、不排名（未排名），"
        "也不计入摘要与合计。"
        if zh
        else f"Villages whose assessed indicators carry less than {report.standards.min_assessed_weight:.0%} of the "
        "weight get no composite and no rank, and are left out of the summary and totals.",
    ]
    for key, zh_text, en_text in METHOD_COUNTS:
        if m.get(key):
            notes.append((zh_text if zh else en_text).format(n=m[key]))
    return notes
