"""Evaluating one indicator for one scenario: which units it looks at, and which of them are covered.

Each test type (distance, attribute, count, completion, designation) yields an :class:`Outcome`: per unit a
weight, the households it stands for, covered or not, the distance that decided it and the feature that covers
it.  Rolling outcomes up per village is :mod:`geoplan.analysis.scoring`'s job.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from geoplan.analysis.inputs import Prepared, Units
from geoplan.analysis.scenario import BASELINE_STATUSES, PLAN_ONLY_STATUSES, Scenario, in_year, status_of, statuses
from geoplan.analysis.standards import Indicator, Selector
from geoplan.layers import default_catalogue


@dataclass
class Outcome:
    """Per-unit result of one indicator in one scenario."""

    indicator: Indicator
    units: Units
    weight: np.ndarray
    covered: np.ndarray
    distance: np.ndarray
    via_layer: np.ndarray
    via_id: np.ndarray
    #: Why the whole indicator cannot be assessed ("" when it can).
    reason: str = ""
    #: Villages that cannot be assessed, with the reason.
    village_reasons: dict[str, str] = field(default_factory=dict)


def describe(sel: Selector) -> str:
    """'客运招呼站 (facilities: bus_stop)' — what a selector picks, for not-assessed reasons."""
    cat = default_catalogue()
    spec = cat.layer(sel.layer)
    labels = []
    for fname, values in sel.where.items():
        enum = spec.field(fname).enum
        labels += [cat.enum_label(enum, v) if enum else v for v in values]
    zh = "/".join(labels) if labels else spec.zh
    en = f"{sel.layer}: {', '.join(v for vs in sel.where.values() for v in vs)}" if sel.where else sel.layer
    return f"{zh} ({en})"


def _missing(sel: Selector) -> str:
    return f"数据中没有{describe(sel)}要素 — no such features in the data"


def _empty_outcome(ind: Indicator, units: Units, reason: str) -> Outcome:
    n = len(units)
    return Outcome(
        ind, units, np.zeros(n), np.zeros(n, dtype=bool), np.full(n, np.nan),
        np.full(n, None, dtype=object), np.full(n, None, dtype=object), reason=reason,
    )  # fmt: skip


def _ids(prep: Prepared, layer: str, idx: np.ndarray) -> np.ndarray:
    ids = prep.frame(layer)["id"].astype(object).to_numpy()
    out = np.full(len(idx), None, dtype=object)
    ok = idx >= 0
    out[ok] = ids[idx[ok]]
    return out


def _units_for(
    prep: Prepared, ind: Indicator, scenario: Scenario, year: int | None
) -> tuple[str, Units, np.ndarray, dict[str, str]]:
    """The units a distance test looks at, their cache key, weights, and villages without any unit."""
    if ind.basis == "households":
        u = prep.households
        missing = dict.fromkeys(prep.village_codes, "本村无自然村/农房户数数据 — no settlements or households")
        for c in set(u.village_code[u.households > 0]):
            missing.pop(c, None)
        return "households", u, u.households, missing
    if ind.basis == "settlements":
        u = prep.settlement_units(ind.min_households)
        why = f"本村无{ind.min_households}户以上自然村 — no settlement of ≥{ind.min_households} households"
        missing = dict.fromkeys(sorted(set(prep.village_codes) - set(u.village_code)), why)
        return f"settlements>={ind.min_households}", u, u.households, missing
    if ind.basis == "centre":
        return "centres", prep.centres, np.ones(len(prep.centres)), {}
    assert ind.nodes is not None
    frame = prep.frame(ind.nodes.layer)
    keep = prep.select(ind.nodes) & status_of(frame).isin(statuses(scenario)).to_numpy() & in_year(frame, year)
    u = prep.feature_units(ind.nodes.layer, keep)
    have = set(u.village_code)
    lacking = np.array([c not in have for c in prep.village_codes], dtype=bool)
    missing: dict[str, str] = {}
    if ind.nodes_fallback == "centre" and lacking.any():
        u = Units.concat([u, prep.centres.take(lacking)])
    else:
        missing = {c: f"本村无{describe(ind.nodes)} — no such node in the village" for c in prep.village_codes[lacking]}
    key = f"nodes:{ind.nodes.model_dump_json()}:{scenario}:{year}:{ind.nodes_fallback}"
    return key, u, np.ones(len(u)), missing


def distance_test(
    prep: Prepared, ind: Indicator, scenario: Scenario, year: int | None, earlier: dict[str, Outcome]
) -> Outcome:
    """Covered when within ``threshold_m`` of every target (or by the alternative routes the indicator allows)."""
    key, units, weight, missing = _units_for(prep, ind, scenario, year)
    for sel in ind.targets:
        if not prep.select(sel).any():
            return _empty_outcome(ind, units, _missing(sel))
    thr = float(ind.threshold_m or 0)
    sts = statuses(scenario)
    dists, vias = [], []
    for sel in ind.targets:
        d, i = prep.distance(key, units, sel, sts, year)
        dists.append(d)
        vias.append((sel.layer, _ids(prep, sel.layer, i)))
    stack = np.vstack(dists)
    binding = stack.argmax(axis=0)
    distance = stack.max(axis=0)
    covered = distance <= thr
    via_layer = np.array([vias[b][0] for b in binding], dtype=object)
    via_id = np.array([vias[b][1][k] for k, b in enumerate(binding)], dtype=object)

    if ind.or_attribute and ind.basis == "households" and len(units):
        attr = prep.tap_attribute
        surveyed = ~np.isnan(attr)
        covered = np.where(surveyed, attr == 1.0, covered)
        via_layer[surveyed] = "survey"
        via_id[surveyed] = None
        if scenario == "plan":
            # The survey describes today; a planned network reaching an unserved household still serves it.
            d_new, i_new = prep.distance(key, units, ind.targets[0], PLAN_ONLY_STATUSES, year)
            newly = surveyed & (attr != 1.0) & (d_new <= thr)
            covered = covered | newly
            via_layer[newly] = ind.targets[0].layer
            via_id[newly] = _ids(prep, ind.targets[0].layer, i_new)[newly]
    if ind.or_indicator and ind.or_indicator in earlier and len(earlier[ind.or_indicator].covered) == len(units):
        alt = earlier[ind.or_indicator]
        use = alt.covered & ~covered
        covered = covered | alt.covered
        via_layer[use] = alt.via_layer[use]
        via_id[use] = alt.via_id[use]
    if ind.or_within is not None and prep.select(ind.or_within).any():
        d_w, i_w = prep.distance(key, units, ind.or_within, sts, year)
        use = (d_w <= ind.or_within.radius_m) & ~covered
        covered = covered | use
        via_layer[use] = ind.or_within.layer
        via_id[use] = _ids(prep, ind.or_within.layer, i_w)[use]
    return Outcome(ind, units, weight, covered, distance, via_layer, via_id, village_reasons=missing)


def count_test(prep: Prepared, ind: Indicator, scenario: Scenario, year: int | None) -> Outcome:
    """Bad features per village (e.g. unsafe reservoirs); the plan resolves those with a fix under way or planned."""
    sel = ind.targets[0]
    frame = prep.frame(sel.layer)
    present = prep.select(sel) & status_of(frame).isin(statuses(scenario)).to_numpy() & in_year(frame, year)
    units = prep.feature_units(sel.layer, present)
    if not prep.select(sel).any():
        return _empty_outcome(ind, units, _missing(sel))
    bad = prep.select(Selector(layer=sel.layer, where=ind.count_where))
    if scenario == "plan":
        resolved = status_of(frame).isin(PLAN_ONLY_STATUSES).to_numpy().copy()
        if ind.plan_resolves:
            resolved |= prep.select(Selector(layer=sel.layer, where=ind.plan_resolves))
        bad &= ~resolved
    codes_ok = pd.notna(prep.village_of(sel.layer))
    covered = ~bad[present & codes_ok]
    n = len(units)
    return Outcome(
        ind, units, np.ones(n), covered, np.full(n, np.nan),
        np.where(covered, sel.layer, None).astype(object), np.where(covered, units.unit_id, None).astype(object),
    )  # fmt: skip


def completion_test(prep: Prepared, ind: Indicator, scenario: Scenario, year: int | None) -> Outcome:
    """Identified project features (all statuses) and the share completed — e.g. C/D houses repaired."""
    sel = ind.targets[0]
    frame = prep.frame(sel.layer)
    identified = prep.select(sel)
    if year is not None and "identified_year" in frame.columns:
        iy = pd.to_numeric(frame["identified_year"], errors="coerce")
        identified &= (iy.isna() | (iy <= year)).to_numpy()
    hh = pd.to_numeric(frame.get("households"), errors="coerce") if "households" in frame.columns else None
    weight = np.ones(len(frame)) if hh is None else hh.fillna(1).to_numpy(dtype=float)
    units = prep.feature_units(sel.layer, identified, weight)
    if not identified.any() and not prep.select(sel).any():
        return _empty_outcome(ind, units, _missing(sel))
    done_statuses = ("completed",) + (PLAN_ONLY_STATUSES if scenario == "plan" else ())
    done = status_of(frame).isin(done_statuses).to_numpy() & in_year(frame, year)
    keep = identified & pd.notna(prep.village_of(sel.layer))
    covered = done[keep]
    n = len(units)
    return Outcome(
        ind, units, units.households, covered, np.full(n, np.nan),
        np.where(covered, sel.layer, None).astype(object), np.where(covered, units.unit_id, None).astype(object),
    )  # fmt: skip


def village_test(prep: Prepared, ind: Indicator, scenario: Scenario, year: int | None) -> Outcome:
    """A yes/no per village: an attribute (5G) or a designation feature covering it (eco village)."""
    units = prep.centres
    n = len(units)
    sel = ind.targets[0]
    if ind.test == "attribute":
        col = prep.village_attrs.get(ind.attribute or "")
        values = pd.Series([None] * n, dtype=object) if col is None else col.astype(object)
        known = values.notna().to_numpy()
        if not known.any():
            return _empty_outcome(ind, units, f"行政村属性{ind.attribute}均未填写 — villages.{ind.attribute} is empty")
        covered = (values == True).to_numpy() & known  # noqa: E712 (object column of booleans)
        why = f"本村属性{ind.attribute}未填写 — villages.{ind.attribute} not recorded"
        reasons = dict.fromkeys(prep.village_codes[~known], why)
        via = np.where(covered, "villages", None).astype(object)
        return Outcome(ind, units, np.ones(n), covered, np.full(n, np.nan), via, units.unit_id.copy(),
                       village_reasons=reasons)  # fmt: skip
    frame = prep.frame(sel.layer)
    if not prep.select(sel).any():
        return _empty_outcome(ind, units, _missing(sel))
    present = prep.select(sel) & status_of(frame).isin(statuses(scenario)).to_numpy() & in_year(frame, year)
    codes = prep.village_of(sel.layer)
    by_code = pd.Series(frame["id"].astype(object).to_numpy()[present]).groupby(codes[present]).first()
    via_id = pd.Series(units.village_code).map(by_code).astype(object).to_numpy()
    covered = pd.notna(via_id)
    via_layer = np.where(covered, sel.layer, None).astype(object)
    return Outcome(ind, units, np.ones(n), covered, np.full(n, np.nan), via_layer, np.where(covered, via_id, None))


def evaluate(
    prep: Prepared, ind: Indicator, scenario: Scenario, year: int | None, earlier: dict[str, Outcome]
) -> Outcome:
    """One indicator, one scenario."""
    if ind.test == "distance":
        return distance_test(prep, ind, scenario, year, earlier)
    if ind.test == "count":
        return count_test(prep, ind, scenario, year)
    if ind.test == "completion":
        return completion_test(prep, ind, scenario, year)
    return village_test(prep, ind, scenario, year)


__all__ = ["BASELINE_STATUSES", "Outcome", "describe", "evaluate"]
