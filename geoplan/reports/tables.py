"""The report's tables with headers in the report language: summary, one per theme, plan effect, definitions."""

from __future__ import annotations

import numpy as np
import pandas as pd

from geoplan.analysis import status_label
from geoplan.reports.build import Report
from geoplan.reports.numbers import count, pct, unit_label, value, wan


def summary_table(report: Report) -> pd.DataFrame:
    """A row per village: households, composite, rank and each indicator's status."""
    r = report.result
    v = r.villages.sort_values("rank")
    columns = {
        report.t("行政村", "Village"): v["village_name"].to_numpy(),
        report.t("代码", "Code"): v["village_code"].to_numpy(),
        report.t("户数(户)", "Households"): [count(x) for x in v["households"].tolist()],
        report.t("综合得分(0-100)", "Composite (0-100)"): [
            "—" if pd.isna(x) else f"{x:.1f}" for x in v["composite"].tolist()
        ],
        report.t("短板排序(1=最差)", "Rank (1 = worst)"): (
            v["rank"].astype("string").fillna(report.t("未排名", "not ranked")).to_numpy()
        ),
        report.t("已评估指标数", "Indicators assessed"): v["n_assessed"].to_numpy(),
    }
    codes = v["village_code"].tolist()
    labels = {s: status_label(s, report.lang) for s in r.indicators["status"].unique()}
    for ind in report.standards.indicators:
        rows = report.rows(ind.key)
        status = dict(zip(rows["village_code"].tolist(), rows["status"].tolist(), strict=True))
        columns[ind.name(report.lang)] = [labels.get(status.get(c)) for c in codes]
    # one frame built at once: inserting ~20 columns one by one cost a second at county scale
    return pd.DataFrame(columns)


def theme_table(report: Report, theme: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A row per village for one theme: value, target, status, gap (with unit) per indicator.

    Returns the display table and a same-shaped frame of status keys (for colouring cells).
    """
    r = report.result
    villages = r.villages[["village_code", "village_name"]]
    table: dict[str, object] = {report.t("行政村", "Village"): villages["village_name"].to_numpy()}
    status: dict[str, object] = {}
    for ind in report.standards.indicators:
        if ind.theme != theme:
            continue
        rows = report.rows(ind.key).set_index("village_code").reindex(villages["village_code"])
        name = ind.name(report.lang)
        unit = "%" if ind.unit == "%" else unit_label(ind.gap_unit, report.lang)
        gap_unit = unit_label(ind.gap_unit, report.lang)
        keys = rows["status"].tolist()
        labels = {s: status_label(s, report.lang) for s in set(keys)}
        cols = {
            f"{name} {report.t('现值', 'value')}({unit})": [
                value(x, ind.unit, report.lang) for x in rows["value"].tolist()
            ],
            f"{name} {report.t('目标', 'target')}": [value(ind.target, ind.unit, report.lang)] * len(rows),
            f"{name} {report.t('状态', 'status')}": [labels[s] for s in keys],
            f"{name} {report.t('缺口', 'gap')}({gap_unit})": [
                count(x, ind.gap_unit, report.lang) for x in rows["gap"].tolist()
            ],
            f"{name} {report.t('说明', 'note')}": rows["reason"]
            .fillna("")
            .where(rows["reason"].fillna("") != "", rows["note"].fillna(""))
            .to_numpy(),
        }
        table.update(cols)
        status.update(dict.fromkeys(cols, keys))
    frame = pd.DataFrame(table)
    return frame, pd.DataFrame(status, index=frame.index)


def projects_table(report: Report) -> pd.DataFrame:
    """Per planned project: villages, newly covered 户, budget, cost per 户."""
    p = report.delta.projects
    cat = report.layer_catalogue
    names = dict(zip(report.result.villages["village_code"], report.result.villages["village_name"], strict=False))
    return pd.DataFrame(
        {
            report.t("类别", "Layer"): p["layer"].map(lambda x: cat.layer(x).title(report.lang)),
            report.t("项目", "Project"): p["name"],
            report.t("涉及行政村", "Villages"): p["villages"].map(
                lambda s: "、".join(names.get(c, c) for c in str(s).split(",") if c)
            ),
            report.t("新增覆盖(户)", "Newly covered (households)"): p["newly_covered_households"].map(count),
            report.t("投资(万元)", "Budget"): p["budget_wan"].map(lambda x: wan(x, report.lang)),
            report.t("每户成本(万元/户)", "Cost per household"): p["cost_per_household_wan"].map(
                lambda x: "—" if pd.isna(x) else (f"{x:,.2f}" if report.lang == "zh" else wan(x, "en"))
            ),
        }
    )


def township_value(rows: pd.DataFrame, unit: str) -> float | None:
    """The township figure of one indicator: Σ covered / Σ all for shares, the sum for counts."""
    assessed = rows["status"].to_numpy(dtype=object) != "not_assessed"
    if not assessed.any():
        return None
    if unit != "%":
        return float(np.nansum(rows["value"].to_numpy(dtype=float)[assessed]))
    covered = float(np.nansum(rows["covered"].to_numpy(dtype=float)[assessed]))
    total = covered + float(np.nansum(rows["uncovered"].to_numpy(dtype=float)[assessed]))
    return covered / total if total > 0 else None


def delta_table(report: Report) -> pd.DataFrame:
    """Township-level Δ per indicator: baseline vs plan, and households newly covered."""
    plan_ranked = report.plan.villages.loc[report.plan.ranked, "village_code"]
    d = report.delta.villages
    newly_by = d[d["village_code"].isin(plan_ranked)].groupby("indicator")["newly_covered_households"].sum()
    rows = []
    for ind in report.standards.indicators:
        bv = township_value(report.rows(ind.key, "baseline", ranked=True), ind.unit)
        pv = township_value(report.rows(ind.key, "plan", ranked=True), ind.unit)
        newly = newly_by.get(ind.key, 0)
        rows.append(
            {
                report.t("指标", "Indicator"): ind.name(report.lang),
                report.t("现状", "Baseline"): value(bv, ind.unit),
                report.t("规划后", "Plan"): value(pv, ind.unit),
                report.t("新增覆盖(户)", "Newly covered (households)"): count(newly),
            }
        )
    return pd.DataFrame(rows)


def definitions_table(report: Report) -> pd.DataFrame:
    """Appendix: each indicator's definition, threshold, target, weight, provenance and source."""
    return pd.DataFrame(
        [
            {
                report.t("指标", "Indicator"): i.name(report.lang),
                report.t("代码", "Key"): i.key,
                report.t("专题", "Theme"): report.theme_name(i.theme),
                report.t("阈值", "Threshold"): "—" if i.threshold_m is None else count(i.threshold_m, "m"),
                report.t("距离", "Distance"): i.distance_label(report.lang) or "—",
                report.t("目标", "Target"): value(i.target, i.unit),
                report.t("权重", "Weight"): f"{i.weight:g}",
                report.t("可信度", "Provenance"): i.provenance,
                report.t("依据", "Source"): i.source,
            }
            for i in report.standards.indicators
        ]
    )


__all__ = ["definitions_table", "delta_table", "pct", "projects_table", "summary_table", "theme_table"]
