"""``plan``: with this year's budget, which projects close the most gaps — and what the villages look like after.

Candidates (:mod:`geoplan.analysis.candidates`) are chosen within the budget (:mod:`geoplan.analysis.budget`); the
chosen ones become features with status ``planned`` (new ones get ids derived from their geometry, the planner's
candidates keep theirs), and the full analysis of the plan scenario is run again with them, so the before/after
figures per village are the engine's own (network distances included), not the optimiser's estimate.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoplan.analysis.budget import Choice, Method, choose
from geoplan.analysis.candidates import Candidates, feature_for, generate
from geoplan.analysis.engine import analyse
from geoplan.analysis.result import AnalysisResult
from geoplan.analysis.standards import Standards
from geoplan.layers import Catalogue, default_catalogue
from geoplan.layers.frames import to_frame

CHOSEN_COLUMNS = (
    "cid", "layer", "kind", "name", "village_code", "length_m", "cost_wan", "households", "weighted", "indicators",
    "feature_id",
)  # fmt: skip


@dataclass(frozen=True)
class PlanProposal:
    """The chosen projects, the features they become, and the villages before and after."""

    budget: float
    year: int | None
    candidates: Candidates
    choice: Choice
    #: Chosen candidates (columns :data:`CHOSEN_COLUMNS` + geometry, EPSG:4326): ``households`` newly covered
    #: (summed over indicators), ``weighted`` their weight × 户 as the optimiser counted them.
    chosen: gpd.GeoDataFrame
    #: Layer → features to insert (generated projects, status planned).
    inserts: Mapping[str, list[dict]]
    #: Layer → the planner's candidates as they become (status planned, same id).
    updates: Mapping[str, list[dict]]
    before: AnalysisResult
    after: AnalysisResult

    def village_table(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Per village: composite before and after, and every indicator value that changes (before → after)."""
        keys = ["village_code", "indicator"]
        b = self.before.indicators[[*keys, "village_name", "value", "gap"]]
        a = self.after.indicators[[*keys, "value", "gap"]]
        both = b.merge(a, on=keys, suffixes=("_before", "_after"))
        changed = both[~np.isclose(both["value_before"].fillna(-1), both["value_after"].fillna(-1))]
        comp = self.before.villages[["village_code", "village_name", "composite"]].merge(
            self.after.villages[["village_code", "composite"]], on="village_code", suffixes=("_before", "_after")
        )
        return comp, changed.reset_index(drop=True)


def _after_frames(
    frames: Mapping[str, gpd.GeoDataFrame], inserts: Mapping[str, list[dict]], updates: Mapping[str, list[dict]],
    catalogue: Catalogue,
) -> dict[str, gpd.GeoDataFrame]:  # fmt: skip
    out = dict(frames)
    for layer in set(inserts) | set(updates):
        base = frames.get(layer)
        columns = catalogue.layer(layer).field_names
        frame = base.copy() if base is not None else to_frame([], columns)
        if updates.get(layer):
            ids = {str(f["id"]) for f in updates[layer]}
            frame.loc[frame["id"].astype(str).isin(ids), "status"] = "planned"
        if inserts.get(layer):
            new = to_frame(inserts[layer], columns)
            frame = pd.concat([frame, new[[c for c in frame.columns if c in new.columns]]], ignore_index=True)
            frame = gpd.GeoDataFrame(frame, geometry="geometry", crs=new.crs)
        if base is not None:
            frame.attrs = dict(base.attrs)
        out[layer] = frame
    return out


def plan(
    frames: Mapping[str, gpd.GeoDataFrame],
    standards: Standards,
    budget: float,
    *,
    year: int | None = None,
    themes: Collection[str] | None = None,
    generated: bool = True,
    method: Method = "auto",
    time_limit: float = 20.0,
    catalogue: Catalogue | None = None,
    lang: str = "zh",
    progress: Callable[[str], None] | None = None,
) -> PlanProposal:
    """Choose the candidate projects that newly cover the most weighted households within ``budget`` (万元).

    Parameters
    ----------
    frames
        The layers (EPSG:4326).
    standards
        Indicators (their weights weigh the households) and ``[costs]``.
    budget
        What may be spent, 万元.
    year
        The plan year: the chosen projects are planned for it; later features do not count yet.
    themes
        Only gaps of these themes.
    generated
        False: choose among the planner's own candidates (status ``candidate``) only.
    method
        ``auto`` (exact MILP, greedy when it cannot finish in ``time_limit`` s), ``exact`` or ``greedy``.
    progress
        Told each stage as it starts (``candidates``, ``choose``, ``after``): a county's plan takes minutes.

    Returns
    -------
    PlanProposal
        The chosen set, the features to write, and the plan scenario before and after.
    """
    if not (np.isfinite(budget) and budget >= 0):
        raise ValueError("the budget must be a non-negative number of 万元")
    catalogue = catalogue or default_catalogue()
    stage = progress or (lambda _: None)
    stage("candidates")
    cands = generate(frames, standards, year=year, themes=themes, generated=generated, catalogue=catalogue, lang=lang)
    frame = cands.frame
    stage("choose")
    choice = choose(cands.pairs, frame["cost_wan"].to_numpy(dtype=float), budget, method=method, time_limit=time_limit)
    picked = frame[choice.chosen].copy()
    pairs = cands.pairs[cands.pairs["cid"].isin(picked["cid"])]
    # a unit two chosen projects both cover counts once
    once = pairs.drop_duplicates(["indicator", "unit_id"])
    per = once.groupby("cid").agg(households=("households", "sum"), weighted=("weight", "sum"))
    inds = pairs.groupby("cid")["indicator"].agg(lambda s: ",".join(sorted(set(map(str, s)))))
    picked["households"] = picked["cid"].map(per["households"]).fillna(0.0)
    picked["weighted"] = picked["cid"].map(per["weighted"]).fillna(0.0)
    picked["indicators"] = picked["cid"].map(inds).fillna("")
    note = (
        f"geoplan plan: {year or ''}年预算{budget:g}万元自动生成的项目"
        if lang == "zh"
        else f"proposed by geoplan plan (budget {budget:g} 万元{f', {year}' if year else ''})"
    )
    inserts: dict[str, list[dict]] = {}
    updates: dict[str, list[dict]] = {}
    ids = []
    for _, row in picked.iterrows():
        feat = feature_for(row, catalogue.layer(row["layer"]).id_prefix, year, note)
        if row["kind"] == "planner":  # its own stored geometry, not one that went through the projection and back
            own = frames[row["layer"]]
            geom = own.geometry[own["id"].astype(str) == str(row["source_id"])].iloc[0]
            feat["geometry"] = shapely.geometry.mapping(geom)
        (updates if row["kind"] == "planner" else inserts).setdefault(row["layer"], []).append(feat)
        ids.append(feat["id"])
    picked["feature_id"] = ids
    chosen = gpd.GeoDataFrame(picked[[*CHOSEN_COLUMNS, "geometry"]], geometry="geometry", crs=frame.crs)
    after_frames = _after_frames(frames, inserts, updates, catalogue)
    stage("after")
    after = analyse(after_frames, standards, "plan", as_of_year=year, lang="en" if lang == "en" else "zh")
    return PlanProposal(
        budget, year, cands, choice, chosen.reset_index(drop=True), inserts, updates, cands.before, after
    )


def proposal_collection(proposal: PlanProposal) -> dict:
    """The chosen projects as a GeoJSON FeatureCollection (EPSG:4326) — the proposal layer of maps and the API."""
    import shapely

    feats = []
    for row in proposal.chosen.itertuples(index=False):
        feats.append(
            {
                "type": "Feature",
                "id": row.feature_id,
                "geometry": shapely.geometry.mapping(row.geometry),
                "properties": {
                    "layer": row.layer,
                    "kind": row.kind,
                    "name": row.name,
                    "village_code": row.village_code,
                    "length_m": round(float(row.length_m), 1),
                    "cost_wan": round(float(row.cost_wan), 2),
                    "households": round(float(row.households), 1),
                    "indicators": row.indicators,
                },
            }
        )
    c = proposal.choice
    return {
        "type": "FeatureCollection",
        "budget_wan": proposal.budget,
        "year": proposal.year,
        "cost_wan": round(c.cost, 2),
        "weighted_households": round(c.value, 1),
        "bound": round(c.bound, 1),
        "method": c.method,
        "optimal": c.optimal,
        "candidates": len(proposal.candidates),
        "features": feats,
    }
