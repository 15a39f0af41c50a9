"""What the plan delivers: Δ of each indicator per village, and the households each planned project newly covers."""

from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd

from geoplan.analysis.result import DELTA_PROJECT_COLUMNS, DELTA_VILLAGE_COLUMNS, AnalysisResult, PlanDelta
from geoplan.analysis.scenario import PLAN_ONLY_STATUSES, status_of
from geoplan.layers import default_catalogue


def _newly_covered(baseline: AnalysisResult, plan: AnalysisResult) -> pd.DataFrame:
    """Coverage rows covered in the plan but not in the baseline (or absent from it)."""
    cols = ["indicator", "unit_id", "covered"]
    b = baseline.coverage[cols].astype({"indicator": str}).rename(columns={"covered": "base"})
    p = plan.coverage.astype({"indicator": str, "village_code": str, "via_layer": object})
    both = p.merge(b, on=["indicator", "unit_id"], how="left")
    base = both["base"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    return both[both["covered"].to_numpy(dtype=bool) & ~base]


def compare(
    baseline: AnalysisResult, plan: AnalysisResult, frames: Mapping[str, gpd.GeoDataFrame]
) -> PlanDelta:
    """Per village and indicator: baseline, plan, Δ and newly covered 户; per planned project: whom it newly covers.

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
    new = _newly_covered(baseline, plan)
    per_village = new.groupby(["village_code", "indicator"])["households"].sum().rename("newly_covered_households")
    villages = villages.merge(per_village.reset_index(), on=keys, how="left")
    villages["newly_covered_households"] = villages["newly_covered_households"].fillna(0.0)

    credited = new[new["via_id"].notna() & new["via_layer"].notna()]
    credited = credited.assign(via_layer=credited["via_layer"].astype(str), via_id=credited["via_id"].astype(str))
    per_unit = credited.drop_duplicates(["via_layer", "via_id", "unit_id"])
    households = per_unit.groupby(["via_layer", "via_id"])["households"].sum().to_dict()
    villages_of = credited.groupby(["via_layer", "via_id"])["village_code"].agg(lambda c: set(c)).to_dict()
    cat = default_catalogue()
    rows = []
    for spec in cat.layers:
        if spec.kind != "project" or spec.name not in frames or len(frames[spec.name]) == 0:
            continue
        frame = frames[spec.name]
        planned = frame[status_of(frame).isin(PLAN_ONLY_STATUSES).to_numpy()]
        budgets = pd.to_numeric(planned.get("budget_wan"), errors="coerce") if "budget_wan" in planned else None
        blank = pd.Series(None, index=planned.index, dtype=object)
        own_codes = planned["village_code"] if "village_code" in planned.columns else blank
        names = planned["name"] if "name" in planned.columns else blank
        for k, fid in enumerate(planned["id"].astype(str)):
            key = (spec.name, fid)
            hh = float(households.get(key, 0.0))
            budget = float(budgets.iloc[k]) if budgets is not None else np.nan
            own = own_codes.iloc[k]
            codes = set(villages_of.get(key, set())) | ({own} if pd.notna(own) else set())
            rows.append(
                {
                    "layer": spec.name, "id": fid, "name": names.iloc[k],
                    "villages": ",".join(sorted(str(c) for c in codes)),
                    "newly_covered_households": hh, "budget_wan": budget,
                    "cost_per_household_wan": budget / hh if hh > 0 else np.nan,
                }  # fmt: skip
            )
    projects = pd.DataFrame(rows, columns=list(DELTA_PROJECT_COLUMNS))
    return PlanDelta(villages=villages[list(DELTA_VILLAGE_COLUMNS)], projects=projects)
