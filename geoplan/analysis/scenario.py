"""Scenarios: which project features count — baseline (existing + completed) or plan (+ planned, under construction)."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

Scenario = Literal["baseline", "plan"]

BASELINE_STATUSES: tuple[str, ...] = ("existing", "completed")
PLAN_ONLY_STATUSES: tuple[str, ...] = ("under_construction", "planned")
SCENARIOS: tuple[str, ...] = ("baseline", "plan")


def statuses(scenario: Scenario) -> tuple[str, ...]:
    """Statuses whose features exist in the scenario."""
    if scenario == "baseline":
        return BASELINE_STATUSES
    if scenario == "plan":
        return BASELINE_STATUSES + PLAN_ONLY_STATUSES
    raise ValueError(f"unknown scenario {scenario!r} (baseline or plan)")


def status_of(frame: pd.DataFrame) -> pd.Series:
    """Each feature's status; reference layers without one count as existing."""
    if "status" not in frame.columns:
        return pd.Series("existing", index=frame.index, dtype=object)
    return frame["status"].astype(object).where(frame["status"].notna(), "existing")


def in_year(frame: pd.DataFrame, as_of_year: int | None) -> np.ndarray:
    """Features that exist by ``as_of_year`` (all of them without a year, or when the feature has no year)."""
    if as_of_year is None or "year" not in frame.columns:
        return np.ones(len(frame), dtype=bool)
    year = pd.to_numeric(frame["year"], errors="coerce")
    return (year.isna() | (year <= as_of_year)).to_numpy()


def mask(frame: pd.DataFrame, scenario: Scenario, as_of_year: int | None = None) -> np.ndarray:
    """Boolean mask of the features present in the scenario."""
    return status_of(frame).isin(statuses(scenario)).to_numpy() & in_year(frame, as_of_year)
