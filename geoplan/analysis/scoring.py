"""Rolling unit outcomes up per village: value, status, score and the gap in physical units; composite and rank."""

from __future__ import annotations

import numpy as np
import pandas as pd

from geoplan.analysis.indicators import Outcome
from geoplan.analysis.inputs import Prepared
from geoplan.analysis.reasons import Reason
from geoplan.analysis.standards import Indicator, Lang, Standards
from geoplan.layers import Catalogue

_EPS = 1e-9


def village_rows(
    prep: Prepared, out: Outcome, nearly_ratio: float, lang: Lang = "zh", catalogue: Catalogue | None = None
) -> pd.DataFrame:
    """One row per village for one indicator (columns of :data:`INDICATOR_COLUMNS`), computed per column.

    Reasons are worded with ``catalogue``'s labels (a deployment's kinds and layers), default the shipped one.
    """
    ind = out.indicator
    units = out.units
    n = len(prep.village_codes)
    m = len(prep.codes)
    key = prep.village_key
    w = np.asarray(out.weight, dtype=float)
    covered_w = np.where(out.covered, w, 0.0)
    total = np.bincount(units.village, weights=w, minlength=m)[key]
    covered = np.bincount(units.village, weights=covered_w, minlength=m)[key]
    count = np.bincount(units.village, minlength=m).astype(float)[key]

    reason = np.full(n, "", dtype=object)
    if out.reason is not None:
        reason[:] = out.reason.text(lang, catalogue)
    elif out.village_reasons:
        # villages share a few Reason objects (one per cause): word each once, not once per village
        worded: dict[int, str] = {}
        texts = {}
        for code, why in out.village_reasons.items():
            if id(why) not in worded:
                worded[id(why)] = why.text(lang, catalogue)
            texts[code] = worded[id(why)]
        reason = pd.Series(prep.village_codes).map(texts).fillna("").to_numpy(dtype=object)
    if ind.test == "count":
        value = count - covered
        cov, uncov, gap = covered, value, np.maximum(0.0, value - ind.target)
    elif ind.basis == "centre" or ind.test in ("attribute", "designation"):
        hh = np.nan_to_num(prep.village_households)
        value = np.where(covered > 0, 1.0, 0.0)
        short = hh if ind.gap_unit == "户" else np.ones(n)
        gap = np.where(value >= ind.target - _EPS, 0.0, short)
        cov, uncov = hh * value, hh * (1 - value)
    else:
        empty = total <= 0
        if ind.test != "completion":
            reason = np.where(empty & (reason == ""), Reason("nothing_to_assess").text(lang), reason)
        with np.errstate(invalid="ignore", divide="ignore"):
            value = np.where(empty, 1.0, covered / np.where(empty, 1.0, total))  # completion: nothing outstanding
        short = np.maximum(0.0, np.ceil(ind.target * total - covered - _EPS))
        if ind.gap_unit == "km":
            beyond = np.where(out.covered, 0.0, (out.distance - float(ind.threshold_m or 0)) / 1000.0)
            gap = np.bincount(units.village, weights=beyond, minlength=m)[key] if len(units) else np.zeros(n)
        elif ind.gap_unit == "人":
            with np.errstate(invalid="ignore", divide="ignore"):
                hh_size = prep.village_population / np.where(
                    prep.village_households > 0, prep.village_households, np.nan
                )
            gap = short * hh_size
        else:
            gap = short
        cov, uncov = covered, total - covered
    assessed = reason == ""
    value = np.where(assessed, value, np.nan)
    note = np.full(n, "", dtype=object)
    if ind.basis == "centre" or (ind.basis == "nodes" and ind.nodes_fallback == "centre"):
        approximate = (prep.centre_source == 2) & assessed
        note[approximate] = Reason("approximate_centre").text(lang)
    return pd.DataFrame(
        {
            "village_code": prep.village_codes,
            "village_name": prep.village_names,
            "indicator": ind.key,
            "theme": ind.theme,
            "value": value,
            "target": float(ind.target),
            "unit": ind.unit,
            "status": statuses_for(value, ind, nearly_ratio),
            "score": scores_for(value, ind),
            "gap": np.where(assessed, gap, np.nan),
            "gap_unit": ind.gap_unit,
            "covered": np.where(assessed, cov, np.nan),
            "uncovered": np.where(assessed, uncov, np.nan),
            "reason": reason,
            "note": note,
        }
    )


def statuses_for(value: np.ndarray, ind: Indicator, nearly_ratio: float) -> np.ndarray:
    """met ≥ target; nearly met ≥ ratio · target; else not met (for counts: met when ≤ target); NaN: not assessed."""
    if ind.test == "count":
        status = np.where(value <= ind.target + _EPS, "met", "not_met")
    else:
        status = np.where(
            value >= ind.target - _EPS,
            "met",
            np.where(value >= nearly_ratio * ind.target - _EPS, "nearly_met", "not_met"),
        )
    return np.where(np.isnan(value), "not_assessed", status).astype(object)


def scores_for(value: np.ndarray, ind: Indicator) -> np.ndarray:
    """0–100: min(1, value/target)·100; for counts 100 at or below target, halving with each one over it (NaN stays)."""
    if ind.test == "count":
        return 100.0 / (1.0 + np.maximum(0.0, value - ind.target))
    if ind.target <= 0:
        return np.where(np.isnan(value), np.nan, 100.0)
    return np.minimum(1.0, value / ind.target) * 100.0


def composite(indicators: pd.DataFrame, standards: Standards) -> pd.DataFrame:
    """Weighted mean of assessed scores per village (weights renormalised over what was assessed); rank 1 = worst.

    A village is scored and ranked only when its assessed indicators carry at least
    ``standards.min_assessed_weight`` of the total weight; otherwise composite and rank stay empty (未排名):
    a village nobody surveyed is not the worst village.  ``assessed_weight`` is that share (0–1).
    """
    weights = {i.key: i.weight for i in standards.indicators}
    total = float(sum(w for w in weights.values() if w > 0))
    frame = indicators[["village_code", "indicator", "score"]].copy()
    frame["w"] = frame["indicator"].map(weights).astype(float)
    assessed = frame["score"].notna() & (frame["w"] > 0)
    frame["ws"] = np.where(assessed, frame["score"] * frame["w"], 0.0)
    frame["wa"] = np.where(assessed, frame["w"], 0.0)
    frame["na"] = frame["score"].notna().astype(int)
    g = frame.groupby("village_code", sort=False)[["ws", "wa", "na"]].sum()
    share = g["wa"] / total if total > 0 else g["wa"] * np.nan
    enough = share >= standards.min_assessed_weight - _EPS
    score = g["ws"] / g["wa"].replace(0, np.nan)
    out = pd.DataFrame({"village_code": g.index, "composite": score.where(enough)})
    out["n_assessed"] = g["na"].to_numpy()
    out["assessed_weight"] = share.to_numpy()
    out["rank"] = out["composite"].rank(method="min", ascending=True).astype("Int64")
    return out.reset_index(drop=True)
