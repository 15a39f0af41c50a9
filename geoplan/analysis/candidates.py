"""Candidate projects: what could close each gap, at what cost, and whom each would newly cover.

Generated from the gaps of the plan scenario (what remains after the projects already planned): a paved link road
from each uncovered settlement to the nearest paved road, a main extension from each settlement without tap water
or sewage to the nearest pipe, a facility at each settlement too far from a clinic, bus stop, collection point …
Uncovered households of one village within one ``cluster_m`` square share one project, placed at the unit with the
most households.  Costs come from the standards file's ``[costs]`` (万元 per km by road class and per km of pipe,
per facility kind).  The planner's own candidates are the project features with status ``candidate``, at their
``budget_wan``.

Whom a candidate newly covers is measured as the indicator measures: a straight line from each uncovered unit to
the candidate's geometry within the threshold, or — for indicators measured along the roads — the units a new
facility reaches along the plan scenario's roads (:func:`geoplan.analysis.network.network_reach`); a new line (link
road, main) on such an indicator is credited with its own cluster only (the roads it adds are not searched here).
An indicator that falls back on another (water convenience on tap water) follows it.  The after-figures of a plan
are computed by the full analysis anyway (:func:`geoplan.analysis.plan.plan`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoplan.analysis.engine import analyse, prepare
from geoplan.analysis.inputs import WGS84, Prepared
from geoplan.analysis.network import network_reach
from geoplan.analysis.result import AnalysisResult
from geoplan.analysis.scenario import in_year, statuses
from geoplan.analysis.standards import Indicator, Selector, Standards
from geoplan.layers import Catalogue, default_catalogue

KINDS = ("road_link", "main_extension", "facility_site", "planner")
KIND_LABELS = {
    "road_link": {"zh": "通达硬化路", "en": "Paved link road"},
    "main_extension": {"zh": "管网延伸", "en": "Main extension"},
    "facility_site": {"zh": "新建设施", "en": "New facility"},
    "planner": {"zh": "候选项目", "en": "Planner's candidate"},
}
CANDIDATE_COLUMNS = (
    "cid", "layer", "kind", "name", "village_code", "length_m", "cost_wan", "source_id", "properties", "geometry",
)  # fmt: skip
PAIR_COLUMNS = ("cid", "indicator", "unit_id", "village_code", "households", "weight")


@dataclass(frozen=True)
class Candidates:
    """Candidate projects and, per candidate, the (indicator, unit) pairs it would newly cover."""

    #: One row per candidate (columns :data:`CANDIDATE_COLUMNS`, geometry in EPSG:4326); ``cid`` is its row.
    frame: gpd.GeoDataFrame
    #: One row per candidate and newly covered unit of an indicator; ``weight`` = indicator weight × 户.
    pairs: pd.DataFrame
    #: The plan-scenario analysis the gaps were read from (the "before" of the plan).
    before: AnalysisResult
    #: Planner's candidates left out, with the reason (no budget_wan, no geometry).
    skipped: tuple[tuple[str, str, str], ...] = ()

    def __len__(self) -> int:
        return len(self.frame)


def _selector_matches(sel: Selector, layer: str, props: Mapping) -> bool:
    return sel.layer == layer and all(props.get(f) in values for f, values in sel.where.items())


def _eligible(ind: Indicator, themes: Collection[str] | None) -> bool:
    """Indicators a spatial project can serve: distance tests to one kind of target, households or centres."""
    if themes and ind.theme not in themes:
        return False
    return ind.test == "distance" and ind.basis in ("households", "settlements", "centre") and len(ind.targets) == 1


def _feature_id(layer: str, prefix: str, geom: shapely.Geometry) -> str:
    digest = hashlib.sha1(layer.encode() + shapely.to_wkb(geom, output_dimension=2)).hexdigest()[:10]
    return f"{prefix}-plan-{digest}"


def generate(
    frames: Mapping[str, gpd.GeoDataFrame] | Prepared,
    standards: Standards,
    *,
    year: int | None = None,
    themes: Collection[str] | None = None,
    generated: bool = True,
    catalogue: Catalogue | None = None,
    lang: str = "zh",
) -> Candidates:
    """Candidate projects for the gaps of the plan scenario, with whom each would newly cover.

    Parameters
    ----------
    frames
        The layers (EPSG:4326), as :meth:`LayerStore.frames` returns them.
    standards
        Indicators and ``[costs]``; without costs only the planner's candidates are offered.
    year
        The plan year: features of later years do not count yet (``as_of_year``).
    themes
        Only indicators of these themes (transport, water, environment, public_service …).
    generated
        False: the planner's candidates only.
    """
    catalogue = catalogue or default_catalogue()
    prep = frames if isinstance(frames, Prepared) else prepare(frames)
    before = analyse(prep, standards, "plan", as_of_year=year, lang="en" if lang == "en" else "zh")
    inds = [i for i in standards.indicators if _eligible(i, themes)]
    eligible_keys = {i.key for i in inds}
    # or_indicator: covering tap water also gives water convenience (same units)
    followers = {
        i.or_indicator: i for i in standards.indicators if i.or_indicator and (not themes or i.theme in themes)
    }
    unc = before.uncovered
    completion = {i.key for i in standards.indicators if i.test == "completion" and (not themes or i.theme in themes)}
    unc = unc[unc["indicator"].astype(object).isin(eligible_keys | {f.key for f in followers.values()} | completion)]
    unc_xy = np.column_stack(
        [shapely.get_x(prep.project(unc.geometry.to_numpy())), shapely.get_y(prep.project(unc.geometry.to_numpy()))]
    ) if len(unc) else np.zeros((0, 2))  # fmt: skip
    unc = pd.DataFrame(
        {
            "indicator": unc["indicator"].astype(object).to_numpy(),
            "unit_id": unc["unit_id"].astype(object).to_numpy(),
            "name": unc["name"].astype(object).to_numpy(),
            "village_code": unc["village_code"].astype(object).to_numpy(),
            "households": unc["households"].to_numpy(dtype=float),
            "x": unc_xy[:, 0],
            "y": unc_xy[:, 1],
        }
    )
    unc = unc[np.isfinite(unc["x"]) & np.isfinite(unc["y"])].reset_index(drop=True)
    costs = standards.costs
    sts = statuses("plan")
    village_names = dict(zip(prep.village_codes, prep.village_names, strict=True))

    rows: list[dict] = []
    seen: dict[tuple[str, bytes], int] = {}
    #: (candidate row, indicator key, unit id) for every unit of a generated candidate's own cluster
    clusters: list[tuple[np.ndarray, str, np.ndarray]] = []

    def add(layer: str, kind: str, name: str, code: str, geom_m: shapely.Geometry, cost: float, props: dict,
            source_id: str | None = None) -> int:  # fmt: skip
        key = (layer, shapely.to_wkb(shapely.set_precision(geom_m, 0.01), output_dimension=2))
        if key in seen:
            return seen[key]
        seen[key] = len(rows)
        rows.append(
            {
                "layer": layer,
                "kind": kind,
                "name": name,
                "village_code": code,
                "length_m": float(shapely.length(geom_m)),
                "cost_wan": float(cost),
                "source_id": source_id,
                "properties": props,
                "geometry_m": geom_m,
            }
        )
        return seen[key]

    if generated and costs is not None:
        for ind in inds:
            mine = unc[unc["indicator"] == ind.key]
            if len(mine):
                _generate_for(ind, mine, prep, costs, catalogue, year, sts, village_names, lang, add, clusters)

    skipped: list[tuple[str, str, str]] = []
    for spec in catalogue.layers:
        if spec.kind != "project" or spec.name not in prep.frames:
            continue
        frame = prep.frame(spec.name)
        if not len(frame):
            continue
        rows_c = np.flatnonzero((prep.status(spec.name) == "candidate") & in_year(frame, year))
        geoms = prep.projected(spec.name)
        for r in rows_c:
            fid = str(frame["id"].iloc[r])
            budget = pd.to_numeric(pd.Series([frame["budget_wan"].iloc[r]]), errors="coerce").iloc[0] \
                if "budget_wan" in frame.columns else np.nan  # fmt: skip
            if geoms[r] is None or shapely.is_empty(geoms[r]):
                skipped.append((spec.name, fid, "no geometry"))
                continue
            if not (np.isfinite(budget) and budget >= 0):
                skipped.append((spec.name, fid, "no budget_wan"))
                continue
            props = {k: v for k, v in frame.iloc[r].drop(labels=["geometry"]).items() if _present(v)}
            name = str(props.get("name") or fid)
            code = props.get("village_code") or prep.village_of(spec.name)[r]
            add(spec.name, "planner", name, code, geoms[r], float(budget), props, source_id=fid)

    if not rows:
        frame = gpd.GeoDataFrame({c: [] for c in CANDIDATE_COLUMNS if c != "geometry"}, geometry=[], crs=WGS84)
        return Candidates(frame, pd.DataFrame(columns=list(PAIR_COLUMNS)), before, tuple(skipped))
    geoms_m = np.array([r.pop("geometry_m") for r in rows], dtype=object)
    pairs = _pairs(rows, geoms_m, unc, standards, inds, followers, clusters, prep, completion, year)
    wgs = gpd.GeoSeries(geoms_m, crs=prep.crs).to_crs(WGS84)
    frame = gpd.GeoDataFrame(pd.DataFrame(rows).assign(cid=np.arange(len(rows))), geometry=wgs.to_numpy(), crs=WGS84)
    return Candidates(frame[list(CANDIDATE_COLUMNS)], pairs, before, tuple(skipped))


def _xy_of(points: np.ndarray) -> np.ndarray:
    return np.column_stack([shapely.get_x(points), shapely.get_y(points)]) if len(points) else np.zeros((0, 2))


def _present(v: object) -> bool:
    if v is None:
        return False
    try:
        return not bool(pd.isna(v))
    except (TypeError, ValueError):
        return True


def _links(prep: Prepared, layer: str, present: np.ndarray, at: np.ndarray) -> np.ndarray:
    """For each point of ``at``: the straight line to the nearest point of the nearest present feature (None:
    no feature, or the point lies on one)."""
    out = np.full(len(at), None, dtype=object)
    rows = np.flatnonzero(present)
    geoms = prep.projected(layer)[rows] if len(rows) else np.zeros(0, dtype=object)
    geoms = geoms[~shapely.is_empty(geoms)] if len(geoms) else geoms
    if not len(geoms) or not len(at):
        return out
    inp, hit = shapely.STRtree(geoms).query_nearest(at, all_matches=False)
    lines = shapely.shortest_line(at[inp], geoms[hit])
    ok = shapely.length(lines) > 0
    out[inp[ok]] = lines[ok]
    return out


def _generate_for(
    ind: Indicator,
    mine: pd.DataFrame,
    prep: Prepared,
    costs: object,
    catalogue: Catalogue,
    year: int | None,
    sts: tuple[str, ...],
    village_names: Mapping,
    lang: str,
    add: Callable[..., int],
    clusters: list,
) -> None:
    """One indicator's generated candidates: one per cluster of its uncovered units (see the module docstring)."""
    sel = ind.targets[0]
    spec = catalogue.layer(sel.layer)
    frame = prep.frame(sel.layer)
    present = prep.select(sel) & np.isin(prep.status(sel.layer), sts) & in_year(frame, year)
    cell = costs.cluster_m  # type: ignore[attr-defined]
    cx, cy = np.floor(mine["x"].to_numpy() / cell), np.floor(mine["y"].to_numpy() / cell)
    group = mine.assign(cx=cx, cy=cy).groupby(["village_code", "cx", "cy"], sort=True).ngroup().to_numpy()
    order = np.lexsort((-mine["households"].to_numpy(), group))  # per cluster, the unit with most 户 first
    first = order[np.r_[True, group[order][1:] != group[order][:-1]]]
    anchors = mine.iloc[first]
    at = shapely.points(anchors[["x", "y"]].to_numpy())
    places = [
        n if isinstance(n, str) and n else (village_names.get(c) or c)
        for n, c in zip(anchors["name"], anchors["village_code"], strict=True)
    ]
    zh = lang == "zh"
    if sel.layer == "roads" or "line" in spec.families:
        is_road = sel.layer == "roads"
        cost_km = (
            costs.road_wan_per_km.get(costs.link_road_class)  # type: ignore[attr-defined]
            if is_road
            else costs.pipe_wan_per_km.get(sel.layer)  # type: ignore[attr-defined]
        )
        if cost_km is None:
            return
        geoms = _links(prep, sel.layer, present, at)
        if is_road:
            kind, props = "road_link", {"road_class": costs.link_road_class, "surface": "paved"}  # type: ignore[attr-defined]
            names = [f"{p}通硬化路" if zh else f"Paved link to {p}" for p in places]
        else:
            what = "供水管网延伸" if sel.layer == "water_networks" else "污水管网延伸"
            kind, props = "main_extension", {"pipe_kind": "branch"}
            names = [f"{p}{what}" if zh else f"Main extension to {p} ({sel.layer})" for p in places]
        costs_of = [None if g is None else g.length / 1000 * cost_km for g in geoms]
    elif spec.families == ("point",) and "kind" in sel.where:
        fkind = next((k for k in sel.where["kind"] if k in costs.facility_wan), None)  # type: ignore[attr-defined]
        if fkind is None:
            return
        label = catalogue.enum_label("facility_kind", fkind, "zh" if zh else "en")
        kind, props, geoms = "facility_site", {"kind": fkind}, at
        names = [f"{p}{label}" if zh else f"{label} at {p}" for p in places]
        costs_of = [costs.facility_wan[fkind]] * len(at)  # type: ignore[attr-defined]
    else:
        return
    cids = np.full(len(anchors), -1, dtype=np.int64)
    for k, (geom, cost) in enumerate(zip(geoms, costs_of, strict=True)):
        if geom is not None:
            cids[k] = add(sel.layer, kind, names[k], anchors["village_code"].iloc[k], geom, cost, dict(props))
    # ngroup numbers clusters 0..n-1 in sorted order, the order of ``first`` — so the k-th anchor is cluster k
    member_cid = cids[group]
    keep = member_cid >= 0
    clusters.append((member_cid[keep], ind.key, mine["unit_id"].to_numpy()[keep]))


def _pairs(
    rows: list[dict],
    geoms_m: np.ndarray,
    unc: pd.DataFrame,
    standards: Standards,
    inds: list[Indicator],
    followers: Mapping[str, Indicator],
    clusters: list[tuple[np.ndarray, str, np.ndarray]],
    prep: Prepared,
    completion: set[str],
    year: int | None,
) -> pd.DataFrame:
    """(candidate, indicator, unit) pairs: uncovered units the candidate would bring within the threshold."""
    tree = shapely.STRtree(geoms_m)
    is_point = shapely.get_type_id(geoms_m) == 0
    parts = []
    cluster_of = pd.concat(
        [pd.DataFrame({"cid": c, "indicator": key, "unit_id": u}) for c, key, u in clusters]
        or [pd.DataFrame(columns=["cid", "indicator", "unit_id"])],
        ignore_index=True,
    )
    for ind in inds:
        mine = unc[unc["indicator"] == ind.key]
        if not len(mine):
            continue
        sel = ind.targets[0]
        fits = np.array([_selector_matches(sel, r["layer"], r["properties"]) for r in rows], dtype=bool)
        if not fits.any():
            continue
        pts = shapely.points(mine[["x", "y"]].to_numpy())
        ui, ci = tree.query(pts, predicate="dwithin", distance=float(ind.threshold_m or 0))
        keep = fits[ci]
        ui, ci = ui[keep], ci[keep]
        found = pd.DataFrame(
            {
                "cid": ci,
                "indicator": ind.key,
                "unit_id": mine["unit_id"].to_numpy()[ui],
                "village_code": mine["village_code"].to_numpy()[ui],
                "households": mine["households"].to_numpy()[ui],
            }
        )
        if ind.distance == "network":
            # Points (new facilities): every unit they reach along the plan scenario's roads within the threshold.
            # Lines (link roads, mains): the candidate's own cluster (see the module docstring).
            graph, _ = prep.road_graph(ind.mode, statuses("plan"), year, ind.dem)
            points = np.flatnonzero(fits & is_point)
            pu, pc, _ = network_reach(graph, mine[["x", "y"]].to_numpy(), _xy_of(geoms_m[points]),
                                      float(ind.threshold_m or 0))  # fmt: skip
            by_road = pd.DataFrame(
                {
                    "cid": points[pc],
                    "indicator": ind.key,
                    "unit_id": mine["unit_id"].to_numpy()[pu],
                    "village_code": mine["village_code"].to_numpy()[pu],
                    "households": mine["households"].to_numpy()[pu],
                }
            )
            own = cluster_of[cluster_of["indicator"] == ind.key].assign(own=True)
            lines = found[~is_point[found["cid"].to_numpy(dtype=np.int64)]]
            lines = lines.merge(own, on=["cid", "indicator", "unit_id"], how="left")
            lines = lines[lines["own"].notna().to_numpy()].drop(columns="own")
            found = pd.concat([by_road, lines], ignore_index=True)
        parts.append(found)
        follower = followers.get(ind.key)
        if follower is not None:
            theirs = unc[unc["indicator"] == follower.key][["unit_id", "village_code", "households"]]
            also = found[["cid", "unit_id"]].merge(theirs, on="unit_id")
            parts.append(also.assign(indicator=follower.key))
    # the planner's candidate repairs: a house repair covers its own house (completion indicators)
    for ind in standards.indicators:
        if ind.key not in completion:
            continue
        layer = ind.targets[0].layer
        own = [(cid, r["source_id"]) for cid, r in enumerate(rows) if r["kind"] == "planner" and r["layer"] == layer]
        open_units = set(unc.loc[unc["indicator"] == ind.key, "unit_id"])
        own = [(c, s) for c, s in own if s in open_units]
        if not own:
            continue
        hh = prep.frame(layer)
        weight = pd.to_numeric(hh["households"], errors="coerce").fillna(1) if "households" in hh.columns else None
        ids = hh["id"].astype(str)
        by_id = dict(zip(ids, weight if weight is not None else np.ones(len(hh)), strict=True))
        codes = dict(zip(ids, prep.village_of(layer), strict=True))
        parts.append(
            pd.DataFrame(
                {
                    "cid": [c for c, _ in own],
                    "indicator": ind.key,
                    "unit_id": [s for _, s in own],
                    "village_code": [codes.get(s) for _, s in own],
                    "households": [float(by_id.get(s, 1.0)) for _, s in own],
                }
            )
        )
    if not parts:
        return pd.DataFrame(columns=list(PAIR_COLUMNS))
    pairs = pd.concat(parts, ignore_index=True).drop_duplicates(["cid", "indicator", "unit_id"])
    weights = {i.key: i.weight for i in standards.indicators}
    pairs["weight"] = pairs["indicator"].map(weights).astype(float) * pairs["households"].astype(float)
    return pairs[list(PAIR_COLUMNS)].reset_index(drop=True)


def feature_for(row: pd.Series, layer_prefix: str, year: int | None, note: str) -> dict:
    """The GeoJSON feature (status planned) a chosen candidate becomes in its layer."""
    geom = row.geometry
    props = {k: v for k, v in dict(row["properties"]).items() if k not in ("version", "updated_at", "id")}
    props |= {"name": row["name"], "status": "planned", "budget_wan": round(float(row["cost_wan"]), 2)}
    if year is not None and (row["kind"] != "planner" or not props.get("year")):
        props["year"] = int(year)
    if row["village_code"] and row["kind"] != "planner":
        props["village_code"] = str(row["village_code"])
    if row["kind"] != "planner":
        props["note"] = note
    fid = row["source_id"] if row["kind"] == "planner" else _feature_id(row["layer"], layer_prefix, geom)
    return {"type": "Feature", "id": fid, "geometry": shapely.geometry.mapping(geom), "properties": props}
