"""The year's figures for the township work report (工作总结): what was done against what the year planned.

Per theme: the projects of the year (features whose ``year`` is the report year) — done (completed) against the
year's plan (every feature of that year: completed, under construction or planned) in km (lines), 户 (house
repairs), 亩 (farmland) or 座/个 (counted) — the standards file's ``[[works]]`` of that year with their own targets,
and each indicator's township value at the end of the year (baseline scenario, features up to that year, villages
assessed and ranked only) against its target, with the households still short of it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from geoplan.analysis.engine import analyse
from geoplan.analysis.projection import crs_for_geometries
from geoplan.analysis.scenario import status_of
from geoplan.analysis.standards import Lang, Standards
from geoplan.analysis.works import M2_PER_MU, works_progress
from geoplan.layers import Catalogue, default_catalogue

ITEM_COLUMNS = ("theme", "kind", "key", "name", "unit", "done", "target", "share", "short", "short_unit", "ongoing")
#: Counted features in a point layer: a facility is a 座, anything else a 个.
_COUNT_UNIT = {"facilities": "座", "reservoirs": "座", "eco_villages": "个村"}


@dataclass(frozen=True)
class AnnualFigures:
    """One row per item (project layer, works entry, indicator) with its theme, in report order."""

    year: int
    items: pd.DataFrame  # ITEM_COLUMNS
    themes: tuple[str, ...]
    #: Villages left out of the indicator figures (not assessed / not ranked).
    unranked: int


def _measure(layer: str, frame: gpd.GeoDataFrame, families: tuple[str, ...], crs: object) -> tuple[np.ndarray, str]:
    geom = frame.geometry
    if layer == "housing_repairs":
        hh = pd.to_numeric(frame["households"], errors="coerce") if "households" in frame.columns else None
        return (np.ones(len(frame)) if hh is None else hh.fillna(1).to_numpy(float)), "户"
    kinds = set(geom.geom_type.dropna())
    if kinds and kinds <= {"LineString", "MultiLineString"}:
        return geom.to_crs(crs).length.to_numpy() / 1000, "km"
    if kinds and kinds <= {"Polygon", "MultiPolygon"} and layer == "farmland_projects":
        return geom.to_crs(crs).area.to_numpy() / M2_PER_MU, "亩"
    return np.ones(len(frame)), _COUNT_UNIT.get(layer, "个")


def annual_figures(
    frames: Mapping[str, gpd.GeoDataFrame],
    standards: Standards,
    year: int,
    *,
    catalogue: Catalogue | None = None,
    lang: Lang = "zh",
) -> AnnualFigures:
    """The year's done-against-planned figures and the indicators at the year's end, per theme.

    Parameters
    ----------
    frames
        The layers (EPSG:4326).
    standards
        Indicators (targets), ``[[works]]`` (the year's measured tasks).
    year
        The report year.
    """
    catalogue = catalogue or default_catalogue()
    rows: list[dict] = []
    villages = frames.get("villages")
    crs = crs_for_geometries(villages.geometry.to_numpy()) if villages is not None and len(villages) else None
    works = [w for w in standards.works if w.year == year]
    works_layers = {w.layer for w in works}
    for spec in catalogue.layers:
        frame = frames.get(spec.name)
        if spec.kind != "project" or frame is None or not len(frame) or spec.name in works_layers:
            continue
        yr = pd.to_numeric(frame["year"], errors="coerce") if "year" in frame.columns else None
        if yr is None:
            continue
        status = status_of(frame).to_numpy()
        mine = (yr == year).to_numpy() & np.isin(status, ("completed", "under_construction", "planned"))
        mine &= ~(frame.geometry.isna() | frame.geometry.is_empty).to_numpy()
        if not mine.any():
            continue
        sub = frame[mine]
        amount, unit = _measure(spec.name, sub, spec.families, crs)
        st = status[mine]
        groups = [("", np.ones(len(sub), dtype=bool))]
        if spec.name == "facilities" and "kind" in sub.columns:
            groups = [(k, (sub["kind"] == k).to_numpy()) for k in dict.fromkeys(sub["kind"].dropna())]
        for kind, part in groups:
            label = catalogue.enum_label("facility_kind", kind, lang) if kind else spec.title(lang)
            done = float(amount[part & (st == "completed")].sum())
            target = float(amount[part].sum())
            rows.append(
                {
                    "theme": spec.theme, "kind": "projects", "key": f"{spec.name}{':' + kind if kind else ''}",
                    "name": label, "unit": unit, "done": done, "target": target,
                    "share": done / target if target else math.nan, "short": max(target - done, 0.0),
                    "short_unit": unit, "ongoing": float(amount[part & (st != "completed")].sum()),
                }
            )  # fmt: skip
    if works:
        progress = works_progress(frames, works, catalogue, lang)
        for w, row in zip(works, progress.itertuples(index=False), strict=False):
            spec = catalogue.layer(w.layer)
            target = row.target if row.target == row.target else math.nan
            rows.append(
                {
                    "theme": spec.theme, "kind": "works", "key": row.key, "name": row.name, "unit": row.unit,
                    "done": row.done, "target": target, "share": row.share,
                    "short": max(target - row.done, 0.0) if math.isfinite(target) else math.nan,
                    "short_unit": row.unit, "ongoing": row.under_construction + row.planned,
                }
            )  # fmt: skip
    result = analyse(frames, standards, "baseline", as_of_year=year, lang=lang)
    ranked = set(result.villages.loc[result.ranked, "village_code"])
    ind_rows = result.indicators[result.indicators["village_code"].isin(ranked) & result.indicators["value"].notna()]
    for ind in standards.indicators:
        mine = ind_rows[ind_rows["indicator"] == ind.key]
        if not len(mine) or ind.test == "count":
            continue
        if ind.basis in ("households", "settlements") or ind.test == "completion":
            covered, total = float(mine["covered"].sum()), float((mine["covered"] + mine["uncovered"]).sum())
            if total <= 0:
                continue
            value = covered / total
            short = max(0.0, math.ceil(ind.target * total - covered - 1e-9))
            unit = "户"
        else:  # per village (bus, 5G, eco village …): the share of villages that meet it
            met = float((mine["value"] >= ind.target - 1e-9).sum())
            value, total = met / len(mine), float(len(mine))
            short = max(0.0, math.ceil(ind.target * total - met - 1e-9))
            unit = "个村" if lang == "zh" else "villages"
        rows.append(
            {
                "theme": ind.theme, "kind": "indicator", "key": ind.key, "name": ind.name(lang), "unit": "%",
                "done": value, "target": ind.target, "share": value / ind.target if ind.target else math.nan,
                "short": short, "short_unit": unit, "ongoing": math.nan,
            }
        )  # fmt: skip
    items = pd.DataFrame(rows, columns=list(ITEM_COLUMNS))
    order = list(dict.fromkeys([*(i.theme for i in standards.indicators), *items["theme"]]))
    items["order"] = items["theme"].map({t: k for k, t in enumerate(order)})
    items["kind_order"] = items["kind"].map({"projects": 0, "works": 1, "indicator": 2})
    items = items.sort_values(["order", "kind_order"], kind="stable").drop(columns=["order", "kind_order"])
    themes = tuple(dict.fromkeys(items["theme"]))
    return AnnualFigures(year, items.reset_index(drop=True), themes, int((~result.ranked).sum()))
