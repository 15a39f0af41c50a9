"""Rolling unit outcomes up per village: value, status, score and the gap in physical units; composite and rank."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from geoplan.analysis.indicators import Outcome
from geoplan.analysis.inputs import Prepared
from geoplan.analysis.standards import Indicator, Standards

_EPS = 1e-9


def status_for(value: float, ind: Indicator, nearly_ratio: float) -> str:
    """met ≥ target; nearly met ≥ ratio · target; else not met (for counts: met when ≤ target)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "not_assessed"
    if ind.test == "count":
        return "met" if value <= ind.target + _EPS else "not_met"
    if value >= ind.target - _EPS:
        return "met"
    if value >= nearly_ratio * ind.target - _EPS:
        return "nearly_met"
    return "not_met"


def score_for(value: float, ind: Indicator) -> float:
    """0–100: min(1, value/target)·100; for counts 100 at or below target, halving with each one over it."""
    if value is None or math.isnan(value):
        return math.nan
    if ind.test == "count":
        excess = max(0.0, value - ind.target)
        return 100.0 / (1.0 + excess)
    if ind.target <= 0:
        return 100.0
    return min(1.0, value / ind.target) * 100.0


def village_rows(prep: Prepared, out: Outcome, nearly_ratio: float) -> list[dict]:
    """One row per village for one indicator."""
    ind = out.indicator
    units = out.units
    codes = units.village_code
    w = out.weight
    frame = pd.DataFrame({"code": codes, "w": w, "cov": np.where(out.covered, w, 0.0), "n": 1})
    sums: dict = {}
    if len(frame):
        g = frame.groupby("code", sort=False)[["w", "cov", "n"]].sum()
        sums = dict(zip(g.index, zip(g["w"], g["cov"], g["n"], strict=True), strict=True))
    gap_km = None
    if ind.gap_unit == "km" and len(units):
        beyond = np.where(out.covered, 0.0, (out.distance - float(ind.threshold_m or 0)) / 1000.0)
        gap_km = pd.Series(beyond).groupby(codes).sum().to_dict()
    hh_size = prep.village_population / np.where(prep.village_households > 0, prep.village_households, np.nan)
    rows = []
    for k, code in enumerate(prep.village_codes):
        row = {
            "village_code": code, "village_name": prep.village_names[k], "indicator": ind.key, "theme": ind.theme,
            "value": math.nan, "target": float(ind.target), "unit": ind.unit, "status": "not_assessed",
            "score": math.nan, "gap": math.nan, "gap_unit": ind.gap_unit, "covered": math.nan,
            "uncovered": math.nan, "reason": "",
        }  # fmt: skip
        reason = out.reason or out.village_reasons.get(code, "")
        if reason:
            row["reason"] = reason
            rows.append(row)
            continue
        total, covered, count = (float(x) for x in sums.get(code, (0.0, 0.0, 0.0)))
        if ind.test == "count":
            value = count - covered
            row.update(value=value, covered=covered, uncovered=value, gap=max(0.0, value - ind.target))
        elif ind.basis == "centre" or ind.test in ("attribute", "designation"):
            hh = float(np.nan_to_num(prep.village_households[k]))
            value = 1.0 if covered > 0 else 0.0
            gap = 0.0 if value >= ind.target - _EPS else (hh if ind.gap_unit == "户" else 1.0)
            row.update(value=value, covered=hh * value, uncovered=hh * (1 - value), gap=gap)
        else:
            if total <= 0:
                if ind.test != "completion":
                    row["reason"] = "本村无可评估对象 — nothing to assess in the village"
                    rows.append(row)
                    continue
                value = 1.0  # nothing identified, nothing outstanding
            else:
                value = covered / total
            short = max(0.0, math.ceil(ind.target * total - covered - _EPS))
            if ind.gap_unit == "km":
                gap = float(gap_km.get(code, 0.0)) if gap_km is not None else 0.0
            elif ind.gap_unit == "人":
                gap = short * float(hh_size[k]) if not math.isnan(hh_size[k]) else math.nan
            else:
                gap = float(short)
            row.update(value=value, covered=covered, uncovered=total - covered, gap=gap)
        row["status"] = status_for(row["value"], ind, nearly_ratio)
        row["score"] = score_for(row["value"], ind)
        rows.append(row)
    return rows


def composite(indicators: pd.DataFrame, standards: Standards) -> pd.DataFrame:
    """Weighted mean of assessed scores per village (weights renormalised over what was assessed); rank 1 = worst."""
    weights = {i.key: i.weight for i in standards.indicators}
    frame = indicators[["village_code", "indicator", "score"]].copy()
    frame["w"] = frame["indicator"].map(weights).astype(float)
    assessed = frame["score"].notna() & (frame["w"] > 0)
    frame["ws"] = np.where(assessed, frame["score"] * frame["w"], 0.0)
    frame["wa"] = np.where(assessed, frame["w"], 0.0)
    frame["na"] = frame["score"].notna().astype(int)
    g = frame.groupby("village_code", sort=False)[["ws", "wa", "na"]].sum()
    out = pd.DataFrame({"village_code": g.index, "composite": g["ws"] / g["wa"].replace(0, np.nan)})
    out["n_assessed"] = g["na"].to_numpy()
    out["rank"] = out["composite"].rank(method="min", ascending=True).astype("Int64")
    return out.reset_index(drop=True)
