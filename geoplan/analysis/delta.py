"""What the plan delivers: Δ of each indicator per village, and the households each planned project newly covers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geoplan.analysis.result import DELTA_PROJECT_COLUMNS, DELTA_VILLAGE_COLUMNS, AnalysisResult, PlanDelta
from geoplan.analysis.scenario import PLAN_ONLY_STATUSES, status_of
from geoplan.layers import Catalogue, default_catalogue


def _objects(texts: Any) -> pd.Series:
    """Texts as an object column (no copy of each row's string into a new string buffer)."""
    return pd.Series(np.asarray(texts, dtype=object), dtype=object, copy=False)


def _codes_in(column: pd.Series, index: pd.Index) -> np.ndarray:
    """int64 positions of a column's values in ``index`` (-1 for missing or absent values)."""
    cat = column.array if isinstance(column.dtype, pd.CategoricalDtype) else pd.Categorical(column)
    codes = np.asarray(cat.codes)
    if cat.categories is index or cat.categories.equals(index):
        return codes
    where = index.get_indexer(cat.categories)
    return np.where(codes >= 0, where[np.maximum(codes, 0)] if len(where) else -1, -1)


def _categories(column: pd.Series) -> np.ndarray:
    """The distinct values of a column (its categories when it is categorical)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return np.asarray(column.cat.categories, dtype=object)
    return np.asarray(column.dropna().unique(), dtype=object)


def _newly_covered(baseline: AnalysisResult, plan: AnalysisResult) -> np.ndarray:
    """Rows of the plan's coverage that are covered there but not in the baseline (or absent from it).

    Rows are matched on (indicator, unit id) through integer codes, one indicator at a time: both results of
    one dataset share their categories, so matching compares no strings and copies no table.
    """
    p, b = plan.coverage, baseline.coverage
    if len(p) == 0:
        return np.zeros(0, dtype=np.int64)
    indicators = pd.Index(pd.unique(np.concatenate([_categories(p["indicator"]), _categories(b["indicator"])])))
    p_unit = p["unit_id"]
    units = p_unit.cat.categories if isinstance(p_unit.dtype, pd.CategoricalDtype) else pd.Index(p_unit.unique())
    p_ind, b_ind = _codes_in(p["indicator"], indicators), _codes_in(b["indicator"], indicators)
    p_units = _codes_in(p_unit, units)
    b_units = _codes_in(b["unit_id"], units) if len(b) else np.zeros(0, dtype=np.int64)
    p_cov = p["covered"].to_numpy(dtype=bool)
    b_cov = b["covered"].to_numpy(dtype=bool) if len(b) else np.zeros(0, dtype=bool)
    rows = []
    for k in range(len(indicators)):
        mine = np.flatnonzero((p_ind == k) & p_cov)
        before = b_units[(b_ind == k) & b_cov & (b_units >= 0)]
        rows.append(mine[~np.isin(p_units[mine], before)] if len(before) else mine)
    return np.sort(np.concatenate(rows))


def compare(
    baseline: AnalysisResult,
    plan: AnalysisResult,
    frames: Mapping[str, gpd.GeoDataFrame],
    catalogue: Catalogue | None = None,
) -> PlanDelta:
    """Per village and indicator: baseline, plan, Δ and newly covered 户; per planned project: whom it newly covers.

    Projects are the planned features of every project layer of ``catalogue`` (the store's, so a deployment
    catalogue's layers are listed too; default: the shipped one).

    A newly covered unit is credited to the feature that covers it in the plan scenario (the nearest one within
    the threshold).  A project's households are counted once even when it serves several indicators, and its
    cost per household is ``budget_wan`` / newly covered households (NaN when it covers none).
    """
    if baseline.scenario != "baseline" or plan.scenario != "plan":
        raise ValueError("compare(baseline, plan): pass the baseline result first, then the plan result")
    keys = ["village_code", "indicator"]
    b = baseline.indicators[[*keys, "value"]].rename(columns={"value": "baseline"})
    p = plan.indicators[[*keys, "value"]].rename(columns={"value": "plan"})
    villages = b.merge(p, on=keys, how="outer")
    villages["delta"] = villages["plan"] - villages["baseline"]
    rows = _newly_covered(baseline, plan)
    cov = plan.coverage
    texts = {
        col: cov[col].iloc[rows].astype(object).to_numpy()
        for col in ("village_code", "indicator", "unit_id", "via_layer", "via_id")
    }
    hh = cov["households"].to_numpy(dtype=float)[rows]
    # texts stay references to the categories' strings (pandas would otherwise copy each row's text)
    new_keys = pd.DataFrame({"village_code": _objects(texts["village_code"]), "indicator": _objects(texts["indicator"]),
                             "households": hh})  # fmt: skip
    per_village = new_keys.groupby(keys)["households"].sum().rename("newly_covered_households")
    villages = villages.merge(per_village.reset_index(), on=keys, how="left")
    villages["newly_covered_households"] = villages["newly_covered_households"].fillna(0.0)

    ok = pd.notna(texts["via_id"]) & pd.notna(texts["via_layer"])
    via = pd.DataFrame(
        {
            "via_layer": _objects([str(x) for x in texts["via_layer"][ok]]),
            "via_id": _objects([str(x) for x in texts["via_id"][ok]]),
            "unit_id": _objects(texts["unit_id"][ok]),
            "village_code": _objects(texts["village_code"][ok]),
            "households": hh[ok],
        }
    )
    per_unit = via.drop_duplicates(["via_layer", "via_id", "unit_id"])
    households = per_unit.groupby(["via_layer", "via_id"])["households"].sum().to_dict()
    served = via.drop_duplicates(["via_layer", "via_id", "village_code"])
    villages_of: dict[tuple[str, str], set] = {}
    for layer, fid, code in zip(served["via_layer"], served["via_id"], served["village_code"], strict=True):
        villages_of.setdefault((layer, fid), set()).add(code)
    rows = []
    for spec in (catalogue or default_catalogue()).layers:
        if spec.kind != "project" or spec.name not in frames or len(frames[spec.name]) == 0:
            continue
        frame = frames[spec.name]
        planned = frame[status_of(frame).isin(PLAN_ONLY_STATUSES).to_numpy()]
        n = len(planned)
        budgets = (
            pd.to_numeric(planned["budget_wan"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
            if "budget_wan" in planned else np.full(n, np.nan)
        )  # fmt: skip
        own_codes = (
            planned["village_code"].astype(object).to_numpy() if "village_code" in planned.columns else [None] * n
        )
        names = planned["name"].astype(object).to_numpy() if "name" in planned.columns else [None] * n
        for fid, name, own, budget in zip(planned["id"].astype(str), names, own_codes, budgets, strict=True):
            key = (spec.name, fid)
            hh = float(households.get(key, 0.0))
            codes = set(villages_of.get(key, set())) | ({own} if pd.notna(own) else set())
            rows.append(
                {
                    "layer": spec.name,
                    "id": fid,
                    "name": name,
                    "villages": ",".join(sorted(str(c) for c in codes)),
                    "newly_covered_households": hh,
                    "budget_wan": float(budget),
                    "cost_per_household_wan": budget / hh if hh > 0 else np.nan,
                }  # fmt: skip
            )
    projects = pd.DataFrame(rows, columns=list(DELTA_PROJECT_COLUMNS))
    return PlanDelta(villages=villages[list(DELTA_VILLAGE_COLUMNS)], projects=projects)
