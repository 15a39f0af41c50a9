"""Evaluating one indicator for one scenario: which units it looks at, and which of them are covered.

Each test type (distance, attribute, count, completion, designation) yields an :class:`Outcome`: per unit a
weight, the households it stands for, covered or not, the distance that decided it and the feature that covers
it.  Rolling outcomes up per village is :mod:`geoplan.analysis.scoring`'s job.

Per-unit arrays are numeric: the covering feature is a layer code (:data:`VIA_LAYERS`) and an id code
(:attr:`Prepared.ids`), so both scenarios of a county hold a few bytes per unit and indicator, not strings.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from geoplan.analysis.inputs import Prepared, Units
from geoplan.analysis.reasons import Reason, not_surveyed
from geoplan.analysis.scenario import BASELINE_STATUSES, PLAN_ONLY_STATUSES, Scenario, in_year, statuses
from geoplan.analysis.standards import Indicator, Selector
from geoplan.layers import default_catalogue

#: Where coverage can come from: a layer of the shipped catalogue, or the household survey (has_tap); a
#: deployment catalogue's layers follow (:attr:`Prepared.via_layers`).
VIA_LAYERS: tuple[str, ...] = (*default_catalogue().names, "survey")
_NONE = np.int16(-1)


@dataclass
class Outcome:
    """Per-unit result of one indicator in one scenario."""

    indicator: Indicator
    units: Units
    weight: np.ndarray
    covered: np.ndarray
    distance: np.ndarray
    #: int16 position in :attr:`Prepared.via_layers` of the layer that covers the unit (-1: none).
    via_layer: np.ndarray
    #: int32 code in :attr:`Prepared.ids` of the feature that covers the unit (-1: none).
    via_id: np.ndarray
    #: Why the whole indicator cannot be assessed (None when it can).
    reason: Reason | None = None
    #: Villages that cannot be assessed, with the reason.
    village_reasons: dict[str, Reason] = field(default_factory=dict)


def _empty_outcome(ind: Indicator, units: Units, reason: Reason) -> Outcome:
    n = len(units)
    return Outcome(
        ind, units, np.zeros(n), np.zeros(n, dtype=bool), np.full(n, np.nan),
        np.full(n, _NONE), np.full(n, -1, dtype=np.int32), reason=reason,
    )  # fmt: skip


def _ids(prep: Prepared, layer: str, idx: np.ndarray) -> np.ndarray:
    """Id codes of the features at rows ``idx`` of a layer (-1 where idx is -1)."""
    codes = prep.id_codes(layer)
    return np.where(idx >= 0, codes[np.maximum(idx, 0)] if len(codes) else -1, -1).astype(np.int32)


def _mark(
    prep: Prepared, covered: np.ndarray, layer: str, ids: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Via arrays for units covered by features of one layer (their own ids unless ``ids`` is given)."""
    via_layer = np.where(covered, prep.via(layer), _NONE).astype(np.int16)
    via_id = np.where(covered, ids, -1).astype(np.int32) if ids is not None else np.full(len(covered), -1, np.int32)
    return via_layer, via_id


def _units_for(
    prep: Prepared, ind: Indicator, scenario: Scenario, year: int | None
) -> tuple[str, Units, np.ndarray, dict[str, Reason]]:
    """The units a distance test looks at, their cache key, weights, and villages without any unit."""
    if ind.basis == "households":
        u = prep.households
        return "households", u, u.households, dict.fromkeys(prep.villages_without_households(), Reason("no_households"))
    if ind.basis == "settlements":
        u = prep.settlement_units(ind.min_households)
        why = Reason("no_large_settlement", {"min_households": ind.min_households})
        missing = dict.fromkeys(sorted(set(prep.village_codes) - set(u.village_code)), why)
        return f"settlements>={ind.min_households}", u, u.households, missing
    if ind.basis == "centre":
        return "centres", prep.centres, np.ones(len(prep.centres)), {}
    assert ind.nodes is not None
    frame = prep.frame(ind.nodes.layer)
    present = np.isin(prep.status(ind.nodes.layer), statuses(scenario)) & in_year(frame, year)
    u = prep.feature_units(ind.nodes.layer, prep.select(ind.nodes) & present)
    have = set(u.village_code)
    lacking = np.array([c not in have for c in prep.village_codes], dtype=bool)
    missing: dict[str, Reason] = {}
    if ind.nodes_fallback == "centre" and lacking.any():
        u = Units.concat([u, prep.centres.take(lacking)])
    else:
        why = Reason.about("no_node", ind.nodes)
        missing = dict.fromkeys(prep.village_codes[lacking], why)
    key = f"nodes:{ind.nodes.model_dump_json()}:{scenario}:{year}:{ind.nodes_fallback}"
    return key, u, np.ones(len(u)), missing


def distance_jobs(
    prep: Prepared, indicators: tuple[Indicator, ...], scenario: Scenario, year: int | None
) -> list[tuple[str, Units, Selector, tuple[str, ...], int | None]]:
    """Every nearest-feature query the distance tests of one scenario will make (for :meth:`Prepared.prefetch`)."""
    jobs = []
    for ind in indicators:
        if ind.test != "distance" or ind.distance == "network":
            continue  # network distances are memoised per scenario graph, computed on demand
        if not all(prep.select(sel).any() for sel in ind.targets):
            continue
        key, units, _, _ = _units_for(prep, ind, scenario, year)
        extra = [ind.or_within] if ind.or_within is not None and prep.select(ind.or_within).any() else []
        jobs += [(key, units, sel, statuses(scenario), year) for sel in [*ind.targets, *extra]]
    return jobs


def distance_test(
    prep: Prepared, ind: Indicator, scenario: Scenario, year: int | None, earlier: dict[str, Outcome]
) -> Outcome:
    """Covered when within ``threshold_m`` of every target (or by the alternative routes the indicator allows)."""
    key, units, weight, missing = _units_for(prep, ind, scenario, year)
    for sel in ind.targets:
        if not prep.select(sel).any():
            return _empty_outcome(ind, units, Reason.about("no_features", sel))
    thr = float(ind.threshold_m or 0)
    sts = statuses(scenario)
    network = ind.distance == "network"
    if network and prep.road_graph(ind.mode, sts, year, ind.dem)[0].tree is None:
        roads = Selector(layer="roads", where={"surface": ("paved",)} if ind.mode == "drive" else {})
        return _empty_outcome(ind, units, Reason.about("no_features", roads))
    dists, layers, ids = [], [], []
    for sel in ind.targets:
        if network:
            d, i = prep.network_distance(key, units, sel, sts, year, ind.mode, ind.dem)
        else:
            d, i = prep.distance(key, units, sel, sts, year)
        dists.append(d)
        layers.append(prep.via(sel.layer))
        ids.append(_ids(prep, sel.layer, i))
    stack = np.vstack(dists)
    binding = stack.argmax(axis=0)
    distance = stack.max(axis=0)
    covered = distance <= thr
    n = len(units)
    via_layer = np.asarray(layers, dtype=np.int16)[binding]
    via_id = np.vstack(ids)[binding, np.arange(n)] if n else np.zeros(0, dtype=np.int32)

    if ind.or_attribute and ind.basis == "households" and n:
        attr = prep.tap_attribute
        surveyed = ~np.isnan(attr)
        covered = np.where(surveyed, attr == 1.0, covered)
        via_layer[surveyed] = prep.via("survey")
        via_id[surveyed] = -1
        if scenario == "plan":
            # The survey describes today; a planned network reaching an unserved household still serves it.
            d_new, i_new = prep.distance(key, units, ind.targets[0], PLAN_ONLY_STATUSES, year)
            newly = surveyed & (attr != 1.0) & (d_new <= thr)
            covered = covered | newly
            via_layer[newly] = prep.via(ind.targets[0].layer)
            via_id[newly] = _ids(prep, ind.targets[0].layer, i_new)[newly]
    if ind.or_indicator and ind.or_indicator in earlier and len(earlier[ind.or_indicator].covered) == n:
        alt = earlier[ind.or_indicator]
        use = alt.covered & ~covered
        covered = covered | alt.covered
        via_layer[use] = alt.via_layer[use]
        via_id[use] = alt.via_id[use]
    if ind.or_within is not None and prep.select(ind.or_within).any():
        d_w, i_w = prep.distance(key, units, ind.or_within, sts, year)
        use = (d_w <= ind.or_within.radius_m) & ~covered
        covered = covered | use
        via_layer[use] = prep.via(ind.or_within.layer)
        via_id[use] = _ids(prep, ind.or_within.layer, i_w)[use]
    return Outcome(ind, units, weight, covered, distance, via_layer, via_id, village_reasons=missing)


def count_test(prep: Prepared, ind: Indicator, scenario: Scenario, year: int | None) -> Outcome:
    """Bad features per village (e.g. unsafe reservoirs); the plan resolves those with a fix under way or planned."""
    sel = ind.targets[0]
    frame = prep.frame(sel.layer)
    status = prep.status(sel.layer)
    bad = prep.select(Selector(layer=sel.layer, where=ind.count_where)).copy()
    # A bad feature exists today whatever its project status: a dam whose reinforcement is under construction
    # or planned is still an unsafe dam in the baseline (the status describes the fix, not the dam).
    present = prep.select(sel) & ((np.isin(status, statuses(scenario)) & in_year(frame, year)) | bad)
    units = prep.feature_units(sel.layer, present)
    if not prep.select(sel).any():
        return _empty_outcome(ind, units, Reason.about("no_features", sel))
    if scenario == "plan":
        resolved = np.isin(status, PLAN_ONLY_STATUSES)
        if ind.plan_resolves:
            resolved |= prep.select(Selector(layer=sel.layer, where=ind.plan_resolves))
        bad &= ~resolved
    codes_ok = pd.notna(prep.village_of(sel.layer))
    covered = ~bad[present & codes_ok]
    n = len(units)
    return Outcome(ind, units, np.ones(n), covered, np.full(n, np.nan), *_mark(prep, covered, sel.layer, units.uid))


def completion_test(prep: Prepared, ind: Indicator, scenario: Scenario, year: int | None) -> Outcome:
    """Identified project features (all statuses) and the share completed — e.g. C/D houses repaired."""
    sel = ind.targets[0]
    frame = prep.frame(sel.layer)
    identified = prep.select(sel).copy()
    if year is not None and "identified_year" in frame.columns:
        iy = pd.to_numeric(frame["identified_year"], errors="coerce")
        identified &= (iy.isna() | (iy <= year)).to_numpy()
    hh = pd.to_numeric(frame.get("households"), errors="coerce") if "households" in frame.columns else None
    weight = np.ones(len(frame)) if hh is None else hh.fillna(1).to_numpy(dtype=float)
    units = prep.feature_units(sel.layer, identified, weight)
    if not identified.any() and not prep.select(sel).any():
        return _empty_outcome(ind, units, Reason.about("no_features", sel))
    done_statuses = ("completed",) + (PLAN_ONLY_STATUSES if scenario == "plan" else ())
    done = np.isin(prep.status(sel.layer), done_statuses) & in_year(frame, year)
    keep = identified & pd.notna(prep.village_of(sel.layer))
    covered = done[keep]
    n = len(units)
    return Outcome(
        ind, units, units.households, covered, np.full(n, np.nan), *_mark(prep, covered, sel.layer, units.uid)
    )


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
            return _empty_outcome(ind, units, Reason("attribute_empty", {"attribute": ind.attribute or ""}))
        covered = (values == True).to_numpy() & known  # noqa: E712 (object column of booleans)
        why = Reason("attribute_missing", {"attribute": ind.attribute or ""})
        reasons = dict.fromkeys(prep.village_codes[~known], why)
        via_layer, _ = _mark(prep, covered, "villages")
        return Outcome(ind, units, np.ones(n), covered, np.full(n, np.nan), via_layer, units.uid.copy(),
                       village_reasons=reasons)  # fmt: skip
    frame = prep.frame(sel.layer)
    if not prep.select(sel).any():
        return _empty_outcome(ind, units, Reason.about("no_features", sel))
    present = prep.select(sel) & np.isin(prep.status(sel.layer), statuses(scenario)) & in_year(frame, year)
    codes = prep.village_of(sel.layer)
    rows = np.flatnonzero(present)
    first = pd.Series(rows).groupby(codes[present]).first()
    row = pd.Series(units.village_code).map(first).to_numpy(dtype=float, na_value=np.nan)
    covered = ~np.isnan(row)
    ids = _ids(prep, sel.layer, np.where(covered, row, -1).astype(np.int64))
    return Outcome(ind, units, np.ones(n), covered, np.full(n, np.nan), *_mark(prep, covered, sel.layer, ids))


def input_layers(ind: Indicator, earlier: dict[str, Outcome]) -> list[str]:
    """The layers an indicator's answer depends on (besides villages and the household units), in order.

    A village outside the survey of any of them cannot be assessed: a missing feature there may just be
    unrecorded.  An indicator that falls back on another (water convenience on tap water) inherits its layers.
    """
    layers: list[str] = []
    if ind.basis == "settlements":
        layers.append("settlements")
    if ind.nodes is not None:
        layers.append(ind.nodes.layer)
    layers += [sel.layer for sel in ind.targets]
    if ind.test == "distance" and ind.distance == "network":
        layers.append("roads")  # the walk follows the roads: unsurveyed roads would read as a long way round
    if ind.or_within is not None:
        layers.append(ind.or_within.layer)
    if ind.or_indicator and ind.or_indicator in earlier:
        layers += input_layers(earlier[ind.or_indicator].indicator, earlier)
    return [name for name in dict.fromkeys(layers) if name != "villages"]


def _outside_survey(prep: Prepared, layers: list[str]) -> dict[str, Reason]:
    """Villages outside the survey of any of ``layers``, with the reason naming the layers not surveyed."""
    if not layers:
        return {}
    masks = np.vstack([~prep.surveyed(name) for name in layers])
    out: dict[str, Reason] = {}
    for combo in np.unique(masks[:, masks.any(axis=0)], axis=1).T:
        why = not_surveyed([name for name, miss in zip(layers, combo, strict=True) if miss])
        rows = (masks == combo[:, None]).all(axis=0)
        out.update(dict.fromkeys(prep.village_codes[rows], why))
    return out


def evaluate(
    prep: Prepared, ind: Indicator, scenario: Scenario, year: int | None, earlier: dict[str, Outcome]
) -> Outcome:
    """One indicator, one scenario; villages outside the survey of its inputs are not assessed."""
    if ind.test == "distance":
        out = distance_test(prep, ind, scenario, year, earlier)
    elif ind.test == "count":
        out = count_test(prep, ind, scenario, year)
    elif ind.test == "completion":
        out = completion_test(prep, ind, scenario, year)
    else:
        out = village_test(prep, ind, scenario, year)
    if out.reason is None:
        outside = _outside_survey(prep, input_layers(ind, earlier))
        if outside:
            out.village_reasons = out.village_reasons | outside
    return out


__all__ = ["BASELINE_STATUSES", "VIA_LAYERS", "Outcome", "distance_jobs", "evaluate", "input_layers"]
