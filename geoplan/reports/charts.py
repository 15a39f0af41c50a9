"""Static charts and small theme maps (matplotlib, Agg) embedded in the html report as base64 PNG."""

from __future__ import annotations

import base64
import io
import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

from geoplan.reports.build import Report  # noqa: E402
from geoplan.reports.tables import township_value  # noqa: E402

plt.rcParams["font.sans-serif"] = ["WenQuanYi Micro Hei", "Noto Sans CJK SC", "DejaVu Sans"]
plt.rcParams["axes.unicode_minus"] = False


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def coverage_bars(report: Report, key: str) -> str:
    """Stacked covered / uncovered households per village for one indicator."""
    t = report.result.indicator_table(key)
    fig, ax = plt.subplots(figsize=(7, 3))
    ax.bar(t["village_name"], t["covered"].fillna(0), color="#4caf50", label=report.t("已覆盖", "covered"))
    ax.bar(t["village_name"], t["uncovered"].fillna(0), bottom=t["covered"].fillna(0), color="#e53935",
           label=report.t("未覆盖", "uncovered"))  # fmt: skip
    ind = report.standards.indicator(key)
    ax.set_title(ind.name(report.lang))
    ax.set_ylabel(ind.gap_unit if ind.gap_unit in ("座",) else report.t("户", "households"))
    ax.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))  # whole 户 / 座, never 0.2 of one
    ax.tick_params(axis="x", rotation=45, labelsize=8)
    plt.setp(ax.get_xticklabels(), ha="right", rotation_mode="anchor")
    ax.legend(fontsize=8)
    return _png(fig)


def target_progress(report: Report) -> str:
    """Township value against target for every share indicator (baseline and plan)."""
    inds = [i for i in report.standards.indicators if i.unit == "%"]
    names = [i.name(report.lang) for i in inds]
    base = [township_value(report.baseline.indicator_table(i.key), "%") for i in inds]
    plan = [township_value(report.plan.indicator_table(i.key), "%") for i in inds]
    fig, ax = plt.subplots(figsize=(7, 0.35 * len(inds) + 1))
    y = range(len(inds))
    ax.barh([k + 0.2 for k in y], [p or 0 for p in plan], height=0.4, color="#90caf9", label=report.t("规划", "plan"))
    ax.barh([k - 0.2 for k in y], [b or 0 for b in base], height=0.4, color="#1565c0",
            label=report.t("现状", "baseline"))  # fmt: skip
    ax.scatter([i.target for i in inds], list(y), marker="|", s=300, color="black", label=report.t("目标", "target"))
    ax.set_yticks(list(y), names, fontsize=8)
    ax.set_xlim(0, 1.05)
    ax.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    # below the axes: inside, it hid the bars of the first indicators
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.06), ncol=3, frameon=False)
    return _png(fig)


def theme_map(report: Report, theme: str) -> str:
    """Villages coloured by the theme's mean score; uncovered units of the theme's indicators in red."""
    import geopandas as gpd

    r = report.result
    villages = report.frames["villages"]
    scores = r.indicators[r.indicators["theme"] == theme].groupby("village_code")["score"].mean()
    v = gpd.GeoDataFrame(villages[["code"]].copy(), geometry=villages.geometry, crs=villages.crs)
    v["score"] = v["code"].map(scores)
    fig, ax = plt.subplots(figsize=(4, 4))
    v.plot(ax=ax, column="score", cmap="RdYlGn", vmin=0, vmax=100, edgecolor="#444", linewidth=0.6,
           missing_kwds={"color": "#eeeeee"})  # fmt: skip
    keys = [i.key for i in report.standards.indicators if i.theme == theme]
    unc = r.uncovered[r.uncovered["indicator"].isin(keys)]
    if len(unc):
        unc.plot(ax=ax, color="#d32f2f", markersize=6)
    ax.set_title(report.theme_name(theme), fontsize=10)
    ax.set_axis_off()
    # without a key the colours mean nothing to a reader: score scale, red dots, grey villages
    bar = fig.colorbar(plt.cm.ScalarMappable(norm=plt.Normalize(0, 100), cmap="RdYlGn"), ax=ax, shrink=0.6, pad=0.02)
    bar.set_label(report.t("专题平均得分", "mean theme score"), fontsize=8)
    bar.ax.tick_params(labelsize=7)
    handles = [
        Line2D([], [], marker="o", linestyle="", color="#d32f2f", markersize=4, label=report.t("未覆盖", "uncovered")),
        Patch(facecolor="#eeeeee", edgecolor="#444", label=report.t("未评估", "not assessed")),
    ]
    ax.legend(handles=handles, fontsize=7, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=2, frameon=False)
    return _png(fig)


#: Villages drawn as radars in the html report: the lowest composite scores first (a county has thousands).
RADAR_VILLAGES = 12


def theme_scores(report: Report, code: str, scenario: str) -> dict[str, float]:
    """Mean score (0–100) of a village's assessed indicators per theme, in the standards' theme order (NaN: none)."""
    result = report.plan if scenario == "plan" else report.baseline
    t = result.indicators[result.indicators["village_code"] == code]
    means = t.groupby("theme")["score"].mean()
    return {theme: float(means.get(theme, math.nan)) for theme in report.themes()}


def village_radar(report: Report, code: str) -> str:
    """One village's theme scores as a radar, baseline and plan; a theme with nothing assessed sits at 0, marked —."""
    themes = report.themes()
    base, plan = theme_scores(report, code, "baseline"), theme_scores(report, code, "plan")
    angles = np.linspace(0, 2 * np.pi, len(themes), endpoint=False)
    closed = np.concatenate([angles, angles[:1]])
    fig, ax = plt.subplots(figsize=(3.2, 3.2), subplot_kw={"projection": "polar"})
    series = ((plan, "#90caf9", report.t("规划", "plan")), (base, "#1565c0", report.t("现状", "baseline")))
    for scores, colour, label in series:
        values = [0.0 if math.isnan(scores[th]) else scores[th] for th in themes]
        ax.plot(closed, values + values[:1], color=colour, linewidth=1.5, label=label)
        ax.fill(closed, values + values[:1], color=colour, alpha=0.25)
    labels = [report.theme_name(th) + ("" if not math.isnan(base[th]) else " —") for th in themes]
    ax.set_xticks(angles, labels, fontsize=7)
    ax.set_ylim(0, 100)
    ax.set_yticks([50, 100], ["50", "100"], fontsize=6)
    names = dict(zip(report.result.villages["village_code"], report.result.villages["village_name"], strict=False))
    ax.set_title(str(names.get(code) or code), fontsize=9)
    ax.legend(fontsize=6, loc="lower right", bbox_to_anchor=(1.25, -0.1))
    return _png(fig)


def radar_villages(report: Report, limit: int = RADAR_VILLAGES) -> list[str]:
    """Codes of the villages to draw: the lowest composite scores of the report's scenario, worst first."""
    v = report.result.villages.sort_values(["composite", "village_code"], na_position="last", kind="stable")
    return [str(c) for c in v["village_code"].head(limit)]
