"""Choosing projects within a budget: the set of candidates that newly covers the most weighted households.

A budgeted maximum-coverage problem: binary x_c (candidate c is built), y_g in [0, 1] (the units of group g are
covered), maximise Σ w_g·y_g subject to y_g ≤ Σ_{c covers g} x_c and Σ cost_c·x_c ≤ budget.  Units covered by
exactly the same candidates form one group, so a county's thousands of households become a few thousand rows.
Solved exactly by HiGHS through :func:`scipy.optimize.milp` within a time limit; when it cannot prove the optimum in
time (or ``method="greedy"``), the better of the cost-effectiveness greedy and the best single affordable
candidate, with the LP relaxation's optimum as an upper bound on what any choice could reach.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix, csr_matrix

Method = Literal["auto", "exact", "greedy"]
#: Above this many variables (candidates + groups) ``auto`` does not hand the problem to HiGHS at all: its presolve
#: alone outlasts any time limit there (a 3,000-village county: 181,000 candidates, 248,000 groups).
EXACT_MAX_VARIABLES = 20_000


@dataclass(frozen=True)
class Choice:
    """Which candidates to build, the weighted households they cover and how sure we are it is the best."""

    chosen: np.ndarray  # bool per candidate
    value: float  # Σ weight of the covered groups
    cost: float
    #: Upper bound on the value of any choice within the budget (= value when proven optimal).
    bound: float
    method: str  # "exact" | "greedy"
    optimal: bool


def groups_of(pairs: pd.DataFrame, n: int) -> tuple[csr_matrix, np.ndarray]:
    """Group × candidate incidence (units covered by the same candidates form one group) and each group's weight."""
    if len(pairs) == 0:
        return csr_matrix((0, n)), np.zeros(0)
    keyed = pairs.assign(unit=pairs["indicator"].astype(str) + "\x1f" + pairs["unit_id"].astype(str))
    keyed = keyed.drop_duplicates(["unit", "cid"]).sort_values(["unit", "cid"])
    by_unit = keyed.groupby("unit", sort=True)
    per_unit = pd.DataFrame({"cids": by_unit["cid"].agg(tuple), "weight": by_unit["weight"].first()})
    grouped = per_unit.groupby("cids", sort=True)["weight"].sum()
    rows, cols = [], []
    for g, cids in enumerate(grouped.index):
        rows += [g] * len(cids)
        cols += list(cids)
    a = coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(grouped), n)).tocsr()
    return a, grouped.to_numpy(dtype=float)


def _value(a: csr_matrix, w: np.ndarray, x: np.ndarray) -> float:
    return float(w[(a @ x.astype(float)) > 0].sum()) if len(w) else 0.0


def greedy(a: csr_matrix, w: np.ndarray, cost: np.ndarray, budget: float) -> np.ndarray:
    """Cost-effectiveness greedy (lazy gains), then the best single candidate if that alone is worth more."""
    n = a.shape[1]
    chosen = np.zeros(n, dtype=bool)
    covered = np.zeros(a.shape[0], dtype=bool)
    at = a.tocsc()
    left = budget

    def gain(c: int) -> float:
        g = at.indices[at.indptr[c] : at.indptr[c + 1]]
        return float(w[g[~covered[g]]].sum())

    heap = [(-gain(c) / max(cost[c], 1e-9), c) for c in range(n) if cost[c] <= budget]
    heapq.heapify(heap)
    while heap:
        neg, c = heapq.heappop(heap)
        if cost[c] > left:
            continue
        now = -gain(c) / max(cost[c], 1e-9)
        if heap and now > heap[0][0] + 1e-12:  # stale: push back with its current ratio
            heapq.heappush(heap, (now, c))
            continue
        if now >= 0:
            break
        chosen[c] = True
        left -= cost[c]
        g = at.indices[at.indptr[c] : at.indptr[c + 1]]
        covered[g] = True
    affordable = np.flatnonzero(cost <= budget)
    if len(affordable):
        single = np.asarray(at[:, affordable].T @ w).ravel()
        best = affordable[int(np.argmax(single))]
        if single.max() > _value(a, w, chosen):
            chosen = np.zeros(n, dtype=bool)
            chosen[best] = True
    return chosen


def _knapsack_bound(a: csr_matrix, w: np.ndarray, cost: np.ndarray, budget: float) -> float:
    """An upper bound: the fractional knapsack over each candidate's value alone (overlaps only lower the truth)."""
    alone = np.asarray(a.tocsc().T @ w).ravel()
    ok = (cost <= budget) & (alone > 0)
    free = ok & (cost <= 0)
    value, left = float(alone[free].sum()), budget
    rest = np.flatnonzero(ok & ~free)
    for k in rest[np.argsort(-alone[rest] / cost[rest], kind="stable")]:
        take = min(1.0, left / cost[k])
        value += take * alone[k]
        left -= take * cost[k]
        if left <= 0:
            break
    return min(value, float(w.sum()))


def choose(
    pairs: pd.DataFrame, cost: np.ndarray, budget: float, *, method: Method = "auto", time_limit: float = 20.0
) -> Choice:
    """The candidates to build within ``budget`` (万元) that newly cover the most weighted households.

    Parameters
    ----------
    pairs
        (cid, indicator, unit_id, weight) rows: candidate ``cid`` would newly cover the unit (see
        :class:`geoplan.analysis.candidates.Candidates`).
    cost
        Cost of each candidate (万元), indexed by cid.
    budget
        The budget (万元).
    method
        ``exact`` / ``auto``: the MILP (auto falls back to greedy when HiGHS cannot prove the optimum within
        ``time_limit`` seconds, and goes straight to greedy above :data:`EXACT_MAX_VARIABLES`); ``greedy``: greedy
        only, with the LP bound (or, when the LP does not finish within ``time_limit``, the fractional-knapsack
        bound over each candidate's value alone).
    """
    cost = np.asarray(cost, dtype=float)
    n = len(cost)
    a, w = groups_of(pairs, n)
    m = len(w)
    if n == 0 or m == 0:
        return Choice(np.zeros(n, dtype=bool), 0.0, 0.0, 0.0, "exact", True)
    # Among choices of equal value, prefer the cheaper one: a cost term too small to outweigh any value.
    eps = 1e-7 * float(w[w > 0].min() if (w > 0).any() else 1.0) / max(float(cost.sum()), 1.0)
    c = np.concatenate([eps * cost, -w])
    link = coo_matrix(
        (np.concatenate([np.ones(m), -a.data]), (np.concatenate([np.arange(m), a.nonzero()[0]]),
                                                  np.concatenate([n + np.arange(m), a.nonzero()[1]]))),
        shape=(m, n + m),
    )  # fmt: skip
    spend = coo_matrix((cost, (np.zeros(n, dtype=int), np.arange(n))), shape=(1, n + m))
    cons = [LinearConstraint(link, -np.inf, 0.0), LinearConstraint(spend, -np.inf, budget)]
    upper = np.concatenate([(cost <= budget).astype(float), np.ones(m)])
    bounds = Bounds(np.zeros(n + m), upper)
    if method == "auto" and n + m > EXACT_MAX_VARIABLES:
        pick = greedy(a, w, cost, budget)
        value = _value(a, w, pick)
        bound = max(_knapsack_bound(a, w, cost, budget), value)
        return Choice(pick, value, float(cost[pick].sum()), bound, "greedy", value >= bound - 1e-9)
    relaxed = milp(c, constraints=cons, bounds=bounds, integrality=np.zeros(n + m), options={"time_limit": time_limit})
    if relaxed.status == 0 and relaxed.x is not None:
        bound = float(-(relaxed.fun - eps * float(cost @ relaxed.x[:n])))
    else:  # the LP did not finish in time: a looser bound that costs one sort
        bound = _knapsack_bound(a, w, cost, budget)
    best_x: np.ndarray | None = None
    if method in ("auto", "exact"):
        res = milp(
            c, constraints=cons, bounds=bounds, integrality=np.concatenate([np.ones(n), np.zeros(m)]),
            options={"time_limit": time_limit},
        )  # fmt: skip
        if res.x is not None:
            best_x = res.x[:n] > 0.5
            if res.status == 0:
                value = _value(a, w, best_x)
                return Choice(best_x, value, float(cost[best_x].sum()), value, "exact", True)
            dual = getattr(res, "mip_dual_bound", None)
            if dual is not None and np.isfinite(dual):
                bound = min(bound, float(-dual) + eps * float(cost.sum()))
    pick = greedy(a, w, cost, budget)
    if best_x is not None and _value(a, w, best_x) > _value(a, w, pick):
        pick = best_x
    value = _value(a, w, pick)
    return Choice(pick, value, float(cost[pick].sum()), max(bound, value), "greedy", value >= bound - 1e-9)
