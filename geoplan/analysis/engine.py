"""``analyse``: every indicator of the standards for one scenario, per administrative village."""

from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd

from geoplan.analysis.indicators import Outcome, evaluate
from geoplan.analysis.inputs import WGS84, Prepared
from geoplan.analysis.result import (
    COVERAGE_COLUMNS,
    INDICATOR_COLUMNS,
    UNCOVERED_COLUMNS,
    VILLAGE_COLUMNS,
    AnalysisResult,
    Scenario,
)
from geoplan.analysis.scenario import statuses
from geoplan.analysis.scoring import composite, village_rows
from geoplan.analysis.standards import Standards

#: Prepared inputs of the last few datasets, keyed by a fingerprint of their content, so that analysing the
#: baseline and then the plan (or a report after the API) parses, projects and indexes the data only once.
_PREPARED: list[tuple[tuple, Prepared]] = []
_PREPARED_MAX = 2


def _fingerprint(frames: Mapping[str, gpd.GeoDataFrame]) -> tuple:
    """Content fingerprint: attribute hashes and geometry bounds; an in-place edit changes it."""
    parts = []
    for name in sorted(frames):
        frame = frames[name]
        attrs = frame.drop(columns=frame.geometry.name)
        attr_hash = int(pd.util.hash_pandas_object(attrs.astype(str), index=False).sum()) if len(attrs) else 0
        bounds = frame.geometry.bounds.to_numpy() if len(frame) else np.empty((0, 4))
        parts.append((name, len(frame), tuple(attrs.columns), attr_hash, hash(np.nan_to_num(bounds).tobytes())))
    return tuple(parts)


def prepare(frames: Mapping[str, gpd.GeoDataFrame]) -> Prepared:
    """Prepared inputs for ``frames`` (cached by content)."""
    key = _fingerprint(frames)
    for k, prep in _PREPARED:
        if k == key:
            return prep
    prep = Prepared(frames)
    _PREPARED.insert(0, (key, prep))
    del _PREPARED[_PREPARED_MAX:]
    return prep


def _households(out: Outcome) -> np.ndarray | float:
    """Households a unit stands for; nodes and counted features (reservoirs) stand for none."""
    if out.indicator.basis == "nodes" or out.indicator.test == "count":
        return 0.0
    return out.units.households


def _coverage(outcomes: list[Outcome]) -> pd.DataFrame:
    parts = []
    for out in outcomes:
        if out.reason or len(out.units) == 0:
            continue
        u = out.units
        parts.append(
            pd.DataFrame(
                {
                    "indicator": out.indicator.key, "village_code": u.village_code, "unit_id": u.unit_id,
                    "name": u.name, "households": _households(out),
                    "covered": out.covered, "distance_m": out.distance.astype("float32"),
                    "via_layer": out.via_layer, "via_id": out.via_id,
                }  # fmt: skip
            )
        )
    if not parts:
        return pd.DataFrame(columns=list(COVERAGE_COLUMNS))
    cov = pd.concat(parts, ignore_index=True)
    for col in ("indicator", "village_code", "via_layer"):
        cov[col] = cov[col].astype("category")
    return cov


def _uncovered(outcomes: list[Outcome]) -> gpd.GeoDataFrame:
    parts, geoms = [], []
    for out in outcomes:
        if out.reason or len(out.units) == 0:
            continue
        miss = ~out.covered
        if out.village_reasons:
            miss &= ~pd.Series(out.units.village_code).isin(list(out.village_reasons)).to_numpy()
        if not miss.any():
            continue
        u = out.units
        parts.append(
            pd.DataFrame(
                {
                    "village_code": u.village_code[miss], "indicator": out.indicator.key,
                    "unit_id": u.unit_id[miss], "name": u.name[miss], "households": u.households[miss],
                    "distance_m": np.where(np.isfinite(out.distance[miss]), out.distance[miss], np.nan),
                }  # fmt: skip
            )
        )
        geoms.append(u.points_wgs84[miss])
    if not parts:
        return gpd.GeoDataFrame({c: [] for c in UNCOVERED_COLUMNS}, geometry=[], crs=WGS84)
    frame = pd.concat(parts, ignore_index=True)
    frame["indicator"] = frame["indicator"].astype("category")
    return gpd.GeoDataFrame(frame, geometry=np.concatenate(geoms), crs=WGS84)


def analyse(
    frames: Mapping[str, gpd.GeoDataFrame],
    standards: Standards,
    scenario: Scenario = "baseline",
    as_of_year: int | None = None,
) -> AnalysisResult:
    """Compute every indicator of ``standards`` per administrative village for one scenario.

    Parameters
    ----------
    frames
        Layer name → GeoDataFrame in EPSG:4326, as :meth:`LayerStore.frames` returns them.  Only ``villages``
        is required; an indicator whose inputs are missing comes out ``not_assessed`` with the reason.
    standards
        Indicators, thresholds, targets and weights (:func:`load_standards`).
    scenario
        ``baseline`` (existing + completed features) or ``plan`` (+ planned and under construction).
    as_of_year
        Only features whose ``year`` is at most this (features without a year always count).

    Returns
    -------
    AnalysisResult
        Distances are straight lines measured in a local projected CRS (``result.crs``).
    """
    statuses(scenario)  # rejects an unknown scenario before any work
    prep = prepare(frames)
    outcomes: list[Outcome] = []
    done: dict[str, Outcome] = {}
    rows: list[dict] = []
    for ind in standards.indicators:
        out = evaluate(prep, ind, scenario, as_of_year, done)
        done[ind.key] = out
        outcomes.append(out)
        rows += village_rows(prep, out, standards.nearly_met_ratio)
    indicators = pd.DataFrame(rows, columns=list(INDICATOR_COLUMNS))
    villages = pd.DataFrame(
        {
            "village_code": prep.village_codes,
            "village_name": prep.village_names,
            "households": prep.village_households,
            "population": prep.village_population,
        }
    ).merge(composite(indicators, standards), on="village_code", how="left")
    return AnalysisResult(
        indicators=indicators,
        villages=villages[list(VILLAGE_COLUMNS)],
        uncovered=_uncovered(outcomes),
        scenario=scenario,
        standards=standards,
        coverage=_coverage(outcomes),
        as_of_year=as_of_year,
        crs=prep.crs.to_string(),
    )
