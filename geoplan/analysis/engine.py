"""``analyse``: every indicator of the standards for one scenario, per administrative village."""

from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
from geopandas.array import from_shapely

from geoplan.analysis.indicators import Outcome, distance_jobs, evaluate
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
from geoplan.analysis.standards import Lang, Standards
from geoplan.layers import Catalogue

#: Prepared inputs of the last few datasets, keyed by a fingerprint of their content, so that analysing the
#: baseline and then the plan (or a report after the API) parses, projects and indexes the data only once.
_PREPARED: list[tuple[tuple, Prepared]] = []
_PREPARED_MAX = 2


def _column_hash(column: pd.Series) -> int:
    try:
        hashed = pd.util.hash_pandas_object(column, index=False)
    except TypeError:  # unhashable or mixed values: hash their text
        hashed = pd.util.hash_pandas_object(column.astype(str), index=False)
    return int(hashed.sum())


def _fingerprint(frames: Mapping[str, gpd.GeoDataFrame]) -> tuple:
    """Content fingerprint: attribute hashes, geometry bounds and survey declaration; an in-place edit changes it."""
    parts = []
    for name in sorted(frames):
        frame = frames[name]
        attrs = [c for c in frame.columns if c != frame.geometry.name]
        attr_hash = tuple(_column_hash(frame[c]) for c in attrs) if len(frame) else ()
        bounds = frame.geometry.bounds.to_numpy() if len(frame) else np.empty((0, 4))
        survey = frame.attrs.get("survey")
        declared = repr(survey.to_json()) if hasattr(survey, "to_json") else None
        parts.append((name, len(frame), tuple(attrs), attr_hash, hash(np.nan_to_num(bounds).tobytes()), declared))
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


def _households(out: Outcome) -> np.ndarray:
    """Households a unit stands for; nodes and counted features (reservoirs) stand for none."""
    if out.indicator.basis == "nodes" or out.indicator.test == "count":
        return np.zeros(len(out.units))
    return out.units.households


def _categorical(codes: np.ndarray, categories: pd.Index | pd.CategoricalDtype) -> pd.Categorical:
    dtype = categories if isinstance(categories, pd.CategoricalDtype) else pd.CategoricalDtype(categories)
    return pd.Categorical.from_codes(codes, dtype=dtype)


def _assessed(prep: Prepared, out: Outcome) -> np.ndarray:
    """Boolean per unit: its village is assessed on the indicator (not one of ``village_reasons``)."""
    if not out.village_reasons:
        return np.ones(len(out.units), dtype=bool)
    skipped = np.zeros(len(prep.codes) + 1, dtype=bool)
    skipped[prep.codes.get_indexer(list(out.village_reasons))] = True
    skipped[-1] = False
    return ~skipped[out.units.village]


def _coverage(prep: Prepared, outcomes: list[Outcome]) -> pd.DataFrame:
    """One row per unit and indicator in the villages it assesses; texts are categoricals over the registries."""
    parts = [(k, out, _assessed(prep, out)) for k, out in enumerate(outcomes) if out.reason is None and len(out.units)]
    parts = [(k, out, keep) for k, out, keep in parts if keep.any()]
    if not parts:
        return pd.DataFrame(columns=list(COVERAGE_COLUMNS))
    keys = pd.Index([out.indicator.key for out in outcomes], dtype=object)

    def cat(get) -> np.ndarray:  # noqa: ANN001 (a getter over outcomes)
        return np.concatenate([get(k, out)[keep] for k, out, keep in parts])

    ids = prep.dtype("ids")
    return pd.DataFrame(
        {
            "indicator": _categorical(cat(lambda k, o: np.full(len(o.units), k, dtype=np.int16)), keys),
            "village_code": _categorical(cat(lambda k, o: o.units.village), prep.dtype("codes")),
            "unit_id": pd.Categorical.from_codes(cat(lambda k, o: o.units.uid), dtype=ids),
            "name": _categorical(cat(lambda k, o: o.units.nid), prep.dtype("names")),
            "households": cat(lambda k, o: _households(o)),
            "covered": cat(lambda k, o: np.asarray(o.covered, dtype=bool)),
            "distance_m": cat(lambda k, o: o.distance.astype(np.float32)),
            "via_layer": _categorical(cat(lambda k, o: o.via_layer), pd.Index(prep.via_layers, dtype=object)),
            "via_id": pd.Categorical.from_codes(cat(lambda k, o: o.via_id), dtype=ids),
        },
        copy=False,
    )


def _objects(texts: np.ndarray) -> pd.Series:
    """A text column kept as references to the units' strings (shared by every row of a unit and indicator).

    Letting pandas infer its string dtype would copy every row's text into a new buffer: at county scale a
    million rows per scenario, seconds of work and tens of MB per column.
    """
    return pd.Series(texts, dtype=object, copy=False)


def _uncovered(prep: Prepared, outcomes: list[Outcome]) -> gpd.GeoDataFrame:
    """Units an indicator leaves uncovered (in villages it assesses), with their lon/lat point.

    Built straight from the unit arrays into one frame, without intermediate frames: at county scale this
    table has a row per household building and failed indicator.
    """
    parts = []
    for out in outcomes:
        if out.reason is not None or len(out.units) == 0:
            continue
        miss = ~out.covered & _assessed(prep, out)
        if miss.any():
            parts.append((out, np.flatnonzero(miss)))
    if not parts:
        return gpd.GeoDataFrame({c: [] for c in UNCOVERED_COLUMNS}, geometry=[], crs=WGS84)
    keys = pd.Index([out.indicator.key for out, _ in parts], dtype=object)
    distance = np.concatenate([out.distance[rows] for out, rows in parts])
    distance[~np.isfinite(distance)] = np.nan
    geoms = np.concatenate([out.units.points_wgs84[rows] for out, rows in parts])
    return gpd.GeoDataFrame(
        {
            "village_code": _objects(np.concatenate([out.units.village_code[rows] for out, rows in parts])),
            "indicator": _categorical(
                np.repeat(np.arange(len(parts), dtype=np.int16), [len(r) for _, r in parts]), keys
            ),  # fmt: skip
            "unit_id": _objects(np.concatenate([out.units.unit_id[rows] for out, rows in parts])),
            "name": _objects(np.concatenate([out.units.name[rows] for out, rows in parts])),
            "households": np.concatenate([out.units.households[rows] for out, rows in parts]),
            "distance_m": distance,
            "geometry": from_shapely(geoms, crs=WGS84),
        },
        crs=WGS84,
        copy=False,
    )


def analyse(
    frames: Mapping[str, gpd.GeoDataFrame] | Prepared,
    standards: Standards,
    scenario: Scenario = "baseline",
    as_of_year: int | None = None,
    lang: Lang = "zh",
    catalogue: Catalogue | None = None,
) -> AnalysisResult:
    """Compute every indicator of ``standards`` per administrative village for one scenario.

    Parameters
    ----------
    frames
        Layer name → GeoDataFrame in EPSG:4326, as :meth:`LayerStore.frames` returns them.  Only ``villages``
        is required; an indicator whose inputs are missing comes out ``not_assessed`` with the reason.  A
        :class:`Prepared` (from :func:`prepare`) skips the content check that finds cached preparations.
    standards
        Indicators, thresholds, targets and weights (:func:`load_standards`).
    scenario
        ``baseline`` (existing + completed features) or ``plan`` (+ planned and under construction).
    as_of_year
        Only features whose ``year`` is at most this (features without a year always count).
    lang
        Language of the not-assessed ``reason`` texts: Chinese (default) or English.
    catalogue
        The store's catalogue (with a deployment's kinds and layers), for the labels in those texts; default:
        the shipped one.

    Returns
    -------
    AnalysisResult
        Distances are straight lines measured in a local projected CRS (``result.crs``).
    """
    statuses(scenario)  # rejects an unknown scenario before any work
    prep = frames if isinstance(frames, Prepared) else prepare(frames)
    prep.prefetch(distance_jobs(prep, standards.indicators, scenario, as_of_year))
    outcomes: list[Outcome] = []
    done: dict[str, Outcome] = {}
    tables: list[pd.DataFrame] = []
    for ind in standards.indicators:
        out = evaluate(prep, ind, scenario, as_of_year, done)
        done[ind.key] = out
        outcomes.append(out)
        tables.append(village_rows(prep, out, standards.nearly_met_ratio, lang, catalogue))
    prep.release_indexes()  # every distance of this scenario is memoised
    indicators = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame(columns=list(INDICATOR_COLUMNS))
    villages = pd.DataFrame(
        {
            "village_code": prep.village_codes,
            "village_name": prep.village_names,
            "households": prep.village_households,
            "population": prep.village_population,
        }
    ).merge(composite(indicators, standards), on="village_code", how="left")
    return AnalysisResult(
        indicators=indicators[list(INDICATOR_COLUMNS)],
        villages=villages[list(VILLAGE_COLUMNS)],
        uncovered=_uncovered(prep, outcomes),
        scenario=scenario,
        standards=standards,
        coverage=_coverage(prep, outcomes),
        as_of_year=as_of_year,
        crs=prep.crs.to_string(),
        method=dict(prep.method),
    )
