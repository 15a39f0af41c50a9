"""The result types of an analysis run: what the API, maps and reports read."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import geopandas as gpd
import pandas as pd

from geoplan.analysis.standards import Standards

Scenario = Literal["baseline", "plan"]

INDICATOR_COLUMNS = (
    "village_code", "village_name", "indicator", "theme", "value", "target", "unit", "status", "score",
    "gap", "gap_unit", "covered", "uncovered", "reason", "note",
)  # fmt: skip
VILLAGE_COLUMNS = (
    "village_code", "village_name", "households", "population", "composite", "rank", "n_assessed", "assessed_weight",
)  # fmt: skip
UNCOVERED_COLUMNS = ("village_code", "indicator", "unit_id", "name", "households", "distance_m")
COVERAGE_COLUMNS = (
    "indicator", "village_code", "unit_id", "name", "households", "covered", "distance_m", "via_layer", "via_id",
)  # fmt: skip
DELTA_VILLAGE_COLUMNS = ("village_code", "indicator", "baseline", "plan", "delta", "newly_covered_households")
DELTA_PROJECT_COLUMNS = (
    "layer", "id", "name", "villages", "newly_covered_households", "budget_wan", "cost_per_household_wan",
)  # fmt: skip


@dataclass(frozen=True)
class AnalysisResult:
    """Indicators per (village, indicator), the village summary and the uncovered units of one scenario.

    ``coverage`` holds one row per assessed unit and indicator (unit id, households, covered, distance and the
    feature that covers it); :func:`geoplan.analysis.compare` uses it to credit projects with newly covered 户.
    """

    indicators: pd.DataFrame
    villages: pd.DataFrame
    uncovered: gpd.GeoDataFrame
    scenario: Scenario
    standards: Standards
    coverage: pd.DataFrame
    as_of_year: int | None = None
    crs: str = ""
    #: How inputs were completed, counted in villages: ``households_spread`` (village households spread over
    #: buildings without a figure), ``households_scaled`` (units scaled down to the village's households),
    #: ``approximate_centres`` (no centre settlement or committee: a point inside the village).
    method: Mapping[str, int] = field(default_factory=dict)

    @property
    def ranked(self) -> pd.Series:
        """Boolean per row of ``villages``: scored and ranked (enough of the weight assessed)."""
        return self.villages["rank"].notna()

    def indicator_table(self, key: str) -> pd.DataFrame:
        """Rows of one indicator, one per village."""
        return self.indicators[self.indicators["indicator"] == key].reset_index(drop=True)


@dataclass(frozen=True)
class PlanDelta:
    """What the plan delivers: Δ per village and indicator, and newly covered households per project."""

    villages: pd.DataFrame
    projects: pd.DataFrame
