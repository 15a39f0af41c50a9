"""Works measured against the year's targets: km of lines tidied, 亩 of dry land converted, area of water.

Indicators answer "which village lacks what"; some of a township's yearly tasks are plain quantities instead
(完成全域"三线"整治, "旱改水"新增水田300亩).  Each ``[[works]]`` entry of the standards file names a layer, a
selection, a measure and optionally a year and a target; :func:`works_progress` measures the features — lengths
and areas in the local projected CRS, never degrees — split into done (completed, or existing where the layer
has no project status), under construction and planned.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from geoplan.analysis.projection import crs_for_geometries
from geoplan.analysis.scenario import status_of
from geoplan.layers import Catalogue

Measure = Literal["length_km", "area_mu", "area_m2", "count"]
Lang = Literal["zh", "en"]

#: 1 亩 = 10000/15 m² (666.67 m²).
M2_PER_MU = 10000 / 15
UNITS: dict[str, dict[str, str]] = {
    "length_km": {"zh": "km", "en": "km"},
    "area_mu": {"zh": "亩", "en": "mu"},
    "area_m2": {"zh": "m²", "en": "m²"},
    "count": {"zh": "个", "en": "features"},
}
WORKS_COLUMNS = (
    "key", "name", "layer", "group", "year", "unit", "done", "under_construction", "planned", "target", "share",
    "features", "source",
)  # fmt: skip


class WorkTarget(BaseModel):
    """One measured task from the standards file (``[[works]]``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name_zh: str
    name_en: str
    layer: str
    where: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    measure: Measure
    #: Only features of this year count (features without a year do not); None = every year.
    year: int | None = Field(default=None, ge=1949, le=2100)
    #: What the year's plan asks for, in the measure's unit; None = report the quantity alone.
    target: float | None = Field(default=None, ge=0)
    #: One row per value of this field (e.g. water_type: rivers, ponds, reservoir surfaces).
    by: str | None = None
    source: str = ""

    def name(self, lang: Lang = "zh") -> str:
        return self.name_en if lang == "en" else self.name_zh


def check_works(works: Sequence[WorkTarget], catalogue: Catalogue) -> list[str]:
    """Problems of the ``[[works]]`` entries against the catalogue (unknown layer, field, value; duplicate keys)."""
    problems: list[str] = []
    keys = [w.key for w in works]
    if len(keys) != len(set(keys)):
        problems.append(f"duplicate works keys: {sorted({k for k in keys if keys.count(k) > 1})}")
    for w in works:
        if w.layer not in catalogue.names:
            problems.append(f"works {w.key}: unknown layer {w.layer!r}")
            continue
        spec = catalogue.layer(w.layer)
        length = w.measure == "length_km"
        if (length and "line" not in spec.families) or (
            w.measure.startswith("area") and "polygon" not in spec.families
        ):
            problems.append(f"works {w.key}: {w.measure} needs a {'line' if length else 'polygon'} layer")
        for fname in [*w.where, *([w.by] if w.by else [])]:
            if not spec.has_field(fname):
                problems.append(f"works {w.key}: layer {w.layer} has no field {fname!r}")
        for fname, values in w.where.items():
            enum = spec.field(fname).enum if spec.has_field(fname) else None
            allowed = catalogue.enum_values(enum) if enum else None
            for v in values:
                if allowed is not None and v not in allowed:
                    problems.append(f"works {w.key}: {w.layer}.{fname} has no value {v!r}")
    return problems


def _measure(frame: gpd.GeoDataFrame, measure: Measure, crs: object) -> np.ndarray:
    if measure == "count" or len(frame) == 0:
        return np.ones(len(frame))
    metric = frame.geometry.to_crs(crs)
    if measure == "length_km":
        return metric.length.to_numpy() / 1000
    area = metric.area.to_numpy()
    return area / M2_PER_MU if measure == "area_mu" else area


def _selected(frame: gpd.GeoDataFrame, work: WorkTarget) -> gpd.GeoDataFrame:
    keep = np.ones(len(frame), dtype=bool)
    for fname, values in work.where.items():
        column = frame[fname] if fname in frame.columns else pd.Series(None, index=frame.index, dtype=object)
        keep &= column.isin(values).to_numpy()
    if work.year is not None:
        year = pd.to_numeric(frame["year"], errors="coerce") if "year" in frame.columns else None
        keep &= (year == work.year).to_numpy() if year is not None else False
    geoms = frame.geometry
    keep &= ~(geoms.isna() | geoms.is_empty).to_numpy()
    return frame[keep]


def works_progress(
    frames: Mapping[str, gpd.GeoDataFrame],
    works: Sequence[WorkTarget],
    catalogue: Catalogue,
    lang: Lang = "zh",
) -> pd.DataFrame:
    """Each task's quantity done, under construction and planned, beside its target (one row per ``by`` value).

    Parameters
    ----------
    frames
        Layer name → GeoDataFrame in EPSG:4326 (:meth:`LayerStore.frames`); a missing layer measures 0.
    works
        The standards file's ``[[works]]`` entries.
    catalogue
        Labels of the ``by`` values.
    lang
        Language of names, units and group labels.

    Returns
    -------
    pandas.DataFrame
        Columns ``WORKS_COLUMNS``; ``share`` = done / target (NaN without a target).  Lengths and areas are
        measured in the local projected CRS of the villages (of the measured features when there are none).
    """
    selected = {w.key: _selected(frames.get(w.layer, gpd.GeoDataFrame(geometry=[], crs=4326)), w) for w in works}
    # One CRS for the township (as the indicators use), else for what is measured.
    villages = frames.get("villages")
    geoms = [villages.geometry.to_numpy()] if villages is not None and len(villages) else []
    geoms = geoms or [f.geometry.to_numpy() for f in selected.values() if len(f)]
    crs = crs_for_geometries(np.concatenate(geoms)) if geoms else None
    rows = []
    for w in works:
        frame = selected[w.key]
        amount = _measure(frame, w.measure, crs)
        status = status_of(frame).to_numpy()
        spec = catalogue.layer(w.layer) if w.layer in catalogue.names else None
        has_status = spec is not None and spec.has_field("status")
        done_statuses = ("completed",) if has_status else ("existing",)
        groups: list[tuple[str, np.ndarray]] = [("", np.ones(len(frame), dtype=bool))]
        if w.by is not None:
            values = frame[w.by].astype(object).to_numpy() if w.by in frame.columns else np.full(len(frame), None)
            enum = spec.field(w.by).enum if spec is not None and spec.has_field(w.by) else None
            groups = [
                (catalogue.enum_label(enum, v, lang) if enum else str(v), values == v)
                for v in dict.fromkeys(x for x in values if x is not None)
            ]
        for label, part in groups:
            done = float(amount[part & np.isin(status, done_statuses)].sum())
            target = w.target if w.target is not None and w.by is None else math.nan
            rows.append(
                {
                    "key": w.key,
                    "name": w.name(lang),
                    "layer": w.layer,
                    "group": label,
                    "year": w.year,
                    "unit": UNITS[w.measure][lang],
                    "done": done,
                    "under_construction": float(amount[part & (status == "under_construction")].sum()),
                    "planned": float(amount[part & (status == "planned")].sum()),
                    "target": target,
                    "share": done / target if target and math.isfinite(target) else math.nan,
                    "features": int(part.sum()),
                    "source": w.source,
                }
            )
    return pd.DataFrame(rows, columns=list(WORKS_COLUMNS))
