"""The analysis inputs, prepared once: villages, household units, projected layers and a distance memo.

Preparing is what costs time (projection, spatial indexes, nearest-feature queries), so one ``Prepared`` serves
both scenarios and every threshold: a distance from a unit to a set of features is computed once per feature
status and the scenario's distance is the minimum over the statuses it includes.

Texts that repeat in every per-unit table (feature ids, names, village codes) are numbered once here, so the
tables hold integer codes (pandas categoricals) rather than a Python string per row.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Transformer
from scipy.spatial import cKDTree

from geoplan.analysis.network import RoadGraph, network_nearest, snap
from geoplan.analysis.projection import crs_for_geometries
from geoplan.analysis.scenario import BASELINE_STATUSES, PLAN_ONLY_STATUSES, in_year, status_of
from geoplan.analysis.standards import Selector, Standards
from geoplan.analysis.terrain import Terrain
from geoplan.errors import GeoplanError
from geoplan.layers.catalogue import default_catalogue
from geoplan.layers.survey import AREA_SHARE, Survey

WGS84 = "EPSG:4326"
#: Vertex spacing (m) when lines and areas are densified for the k-d tree that bounds their distance.
_DENSIFY_M = 100.0
#: Nearest-feature queries run at once (each holds its own result arrays, so more threads cost memory too).
_MAX_WORKERS = 4
#: Units searched at once against lines and areas (their point objects exist only for that slice).
_SLICE = 65_536


@dataclass(frozen=True)
class Units:
    """Points that carry households (or count one each): ids, village, weights and geometry in both CRSs."""

    unit_id: np.ndarray  # object
    layer: np.ndarray  # object: settlements / buildings / facilities / villages
    village_code: np.ndarray  # object
    name: np.ndarray  # object
    households: np.ndarray  # float64
    xy: np.ndarray  # float64 (n, 2): projected coordinates (NaN for an empty point)
    points_wgs84: np.ndarray  # shapely points, lon/lat
    uid: np.ndarray  # int32: code of unit_id in Prepared.ids
    nid: np.ndarray  # int32: code of name in Prepared.names, -1 without a name
    village: np.ndarray  # int32: code of village_code in Prepared.codes

    def __len__(self) -> int:
        return len(self.unit_id)

    @cached_property
    def points(self) -> np.ndarray:
        """The projected points as shapely geometries (made once, when a line or area target needs them)."""
        return shapely.points(self.xy)

    @staticmethod
    def concat(parts: list[Units]) -> Units:
        return Units(*(np.concatenate([getattr(p, f) for p in parts]) for f in Units.__dataclass_fields__))

    def take(self, idx: np.ndarray) -> Units:
        return Units(*(getattr(self, f)[idx] for f in self.__dataclass_fields__))  # type: ignore[arg-type]


@dataclass(frozen=True)
class _Targets:
    """The features one distance is measured to, indexed for nearest-feature queries.

    Points: a k-d tree gives the exact Euclidean nearest neighbour.  Lines and areas: the nearest vertex of the
    densified geometries (k-d tree) bounds each unit's distance from above, since every vertex lies on its
    feature; GEOS then measures the exact distance to the few features within that bound (STRtree ``dwithin``)
    and the nearest wins (between equally near ones, GEOS's own nearest search decides).  Both are exact, and
    several times faster than a GEOS nearest-neighbour search per unit.
    """

    feats: np.ndarray  # row of each target in its layer
    geoms: np.ndarray  # projected
    kd: cKDTree
    owner: np.ndarray | None  # target of each k-d tree vertex (None: the targets are the points themselves)
    tree: shapely.STRtree | None

    @staticmethod
    def build(geoms: np.ndarray, feats: np.ndarray) -> _Targets:
        if bool(np.all(shapely.get_type_id(geoms) == 0)):
            return _Targets(feats, geoms, cKDTree(shapely.get_coordinates(geoms)), None, None)
        vertices, owner = shapely.get_coordinates(shapely.segmentize(geoms, _DENSIFY_M), return_index=True)
        tree = shapely.STRtree(geoms)
        tree.query(geoms[:1])  # built now, before threads share it
        return _Targets(feats, geoms, cKDTree(vertices), owner, tree)

    def nearest_unique(self, xy: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Like :meth:`nearest`, plus a mask of the points whose nearest distance two or more targets share.

        Where one target alone is nearest, any search that finds the minimum finds it; where several are, which
        one wins depends on the search, so the caller settles those points the way :meth:`nearest` would.
        Point objects are made a slice at a time and dropped (a county's households would otherwise be kept as
        300,000 of them for the whole analysis).
        """
        if self.tree is None or self.owner is None:
            if len(self.feats) < 2:
                bound, vertex = self.kd.query(xy, k=1)
                return bound, vertex, np.zeros(len(xy), dtype=bool)
            bound, vertex = self.kd.query(xy, k=2)
            return bound[:, 0], vertex[:, 0], bound[:, 0] == bound[:, 1]
        bound, vertex = self.kd.query(xy, k=1)
        dist = bound.copy()
        which = self.owner[vertex]
        ambiguous = np.zeros(len(xy), dtype=bool)
        for lo in range(0, len(xy), _SLICE):
            sl = slice(lo, lo + _SLICE)
            points = shapely.points(xy[sl])
            inp, hit = self.tree.query(points, predicate="dwithin", distance=bound[sl] * (1 + 1e-9) + 1e-6)
            d = shapely.distance(points[inp], self.geoms[hit])
            del points
            order = np.lexsort((d, inp))
            inp, hit, d = inp[order] + lo, hit[order], d[order]
            first = np.r_[True, inp[1:] != inp[:-1]] if len(inp) else np.zeros(0, dtype=bool)
            dist[inp[first]] = d[first]
            which[inp[first]] = hit[first]
            second = np.flatnonzero(first[:-1] & ~first[1:]) + 1  # each point's second nearest candidate
            ambiguous[inp[second[d[second] == d[second - 1]]]] = True
        return dist, which, ambiguous

    def nearest(self, xy: np.ndarray, points: Callable[[], np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        """Distance to the nearest target and its position in ``feats``, for each point (finite coordinates).

        ``points`` gives the same points as shapely geometries, needed for lines and areas only.
        """
        bound, vertex = self.kd.query(xy, k=1)
        if self.tree is None or self.owner is None:
            return bound, vertex
        points = points()
        inp, hit = self.tree.query(points, predicate="dwithin", distance=bound * (1 + 1e-9) + 1e-6)
        d = shapely.distance(points[inp], self.geoms[hit])
        order = np.lexsort((hit, d, inp))
        inp, hit, d = inp[order], hit[order], d[order]
        first = np.r_[True, inp[1:] != inp[:-1]] if len(inp) else np.zeros(0, dtype=bool)
        dist = bound.copy()
        which = self.owner[vertex]
        dist[inp[first]] = d[first]
        which[inp[first]] = hit[first]
        # equally near features (lines meeting at a junction): let GEOS choose, as its own nearest search does
        tied = np.unique(inp[1:][~first[1:] & (d[1:] == d[:-1])])
        if len(tied):
            (i, j) = self.tree.query_nearest(points[tied], all_matches=False)
            which[tied[i]] = j
        return dist, which


def point_layers(standards: Standards) -> tuple[str, ...]:
    """Layers the analysis of ``standards`` reads as points only, so a store may hand them over as anchor points.

    House footprints count only as household units at a point on each (``point_on_surface``, the store's anchor
    point): the polygons are never measured, unless an indicator measures to or from buildings, or a yearly
    work counts them.  At county scale, 300,000 footprints not decoded nor held.
    """
    named = {w.layer for w in standards.works}
    for ind in standards.indicators:
        named |= {s.layer for s in (*ind.targets, ind.nodes, ind.or_within) if s is not None}
    return tuple(layer for layer in ("buildings",) if layer not in named)


def _text(series: pd.Series | None, n: int) -> np.ndarray:
    if series is None:
        return np.full(n, None, dtype=object)
    return series.astype(object).where(series.notna(), None).to_numpy(dtype=object)


def _numbers(series: pd.Series | None, n: int) -> np.ndarray:
    if series is None:
        return np.full(n, np.nan)
    return pd.to_numeric(series, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def _xy(points: np.ndarray) -> np.ndarray:
    """(n, 2) coordinates of points, NaN for empty or missing ones."""
    if len(points) == 0:
        return np.zeros((0, 2))
    return np.column_stack([shapely.get_x(points), shapely.get_y(points)]).astype(float)


def _anchor_points(geoms: np.ndarray) -> np.ndarray:
    """A point per geometry: points stay, areas and lines give a point on themselves."""
    out = geoms.copy()
    not_point = shapely.get_type_id(geoms) != 0
    if not_point.any():
        out[not_point] = shapely.point_on_surface(geoms[not_point])
    return out


def _lookup(texts: pd.Index, codes: np.ndarray) -> np.ndarray:
    """The texts of int codes (None for -1), as an object array sharing the registry's string objects."""
    values = np.asarray(texts, dtype=object)
    if len(values) == 0:
        return np.full(len(codes), None, dtype=object)
    return np.where(codes >= 0, values[np.maximum(codes, 0)], None).astype(object)


def _registry(arrays: list[np.ndarray]) -> tuple[list[np.ndarray], pd.Index]:
    """Number the distinct texts of several object arrays: each array's int32 codes (-1 for None), and the texts."""
    if not arrays or sum(len(a) for a in arrays) == 0:
        return [np.full(len(a), -1, dtype=np.int32) for a in arrays], pd.Index([], dtype=object)
    codes, uniques = pd.factorize(np.concatenate(arrays), use_na_sentinel=True)
    bounds = np.cumsum([0, *(len(a) for a in arrays)])
    codes = codes.astype(np.int32)
    return [codes[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True)], pd.Index(uniques, dtype=object)


class Prepared:
    """Frames of one dataset made ready for every indicator and both scenarios."""

    def __init__(self, frames: Mapping[str, gpd.GeoDataFrame]) -> None:
        self.frames = dict(frames)
        #: Layers a unit may be covered by: the shipped catalogue's, the household survey, then any other layer
        #: of the frames (a deployment catalogue's); a unit's ``via_layer`` is a position in this tuple.
        self.via_layers: tuple[str, ...] = tuple(dict.fromkeys((*default_catalogue().names, "survey", *self.frames)))
        self._via = {name: np.int16(i) for i, name in enumerate(self.via_layers)}
        villages = self.frames.get("villages")
        if villages is None or len(villages) == 0:
            raise GeoplanError("analysis needs the villages layer (行政村), which is empty")
        villages = villages[villages.geometry.notna() & ~villages.geometry.is_empty].reset_index(drop=True)
        self.crs: CRS = crs_for_geometries(villages.geometry.to_numpy())
        self.village_codes = villages["code"].astype(str).to_numpy(dtype=object)
        self.village_names = _text(villages.get("name"), len(villages))
        self.village_geoms = villages.geometry.to_numpy()
        self._village_tree = shapely.STRtree(self.village_geoms)
        self._code_set = set(self.village_codes)
        village_key, codes = pd.factorize(self.village_codes)
        #: Distinct village codes; ``village_key[k]`` is village k's position in it.
        self.codes = pd.Index(codes, dtype=object)
        self.village_key = village_key.astype(np.int32)
        self.village_attrs = villages
        self._projected: dict[str, np.ndarray] = {}
        self._village_of: dict[str, np.ndarray] = {}
        self._selected: dict[str, np.ndarray] = {}
        self._status: dict[str, np.ndarray] = {}
        self._trees: dict[tuple, tuple[shapely.STRtree, np.ndarray]] = {}
        #: Nearest-feature indexes of target sets, held while one scenario is analysed (:meth:`release_indexes`).
        self._indexes: dict[tuple, _Targets | None] = {}
        self._memo: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}
        self._dtypes: dict[str, pd.CategoricalDtype] = {}
        self._surveyed: dict[str, np.ndarray] = {}
        #: How the household weights were made, counted in villages (the report's method notes say so).
        self.method: dict[str, int] = {}
        self._number_texts()
        self.households = self._household_units()
        self.village_households, self.village_population = self._village_totals()
        self.centres = self._centres()

    # ------------------------------------------------------------------ texts
    def _number_texts(self) -> None:
        """Registries of every feature id (and village centre id) and every name, with each layer's codes."""
        layers = [name for name, frame in self.frames.items() if frame is not None and len(frame)]
        ids = [_text(self.frames[name].get("id"), len(self.frames[name])) for name in layers]
        centre_ids = np.array([f"centre-{c}" for c in self.village_codes], dtype=object)
        id_codes, self.ids = _registry([*ids, centre_ids])
        self._id_codes = dict(zip([*layers, "centres"], id_codes, strict=True))
        names = [_text(self.frames[name].get("name"), len(self.frames[name])) for name in layers]
        name_codes, self.names = _registry(names)
        self._name_codes = dict(zip(layers, name_codes, strict=True))

    def dtype(self, registry: str) -> pd.CategoricalDtype:
        """The categorical dtype over a registry (``ids``, ``names``, ``codes``), made once: pandas checks a new
        dtype's categories are unique, a hash of every id at county scale, and both scenarios' tables share it."""
        if registry not in self._dtypes:
            self._dtypes[registry] = pd.CategoricalDtype(getattr(self, registry))
        return self._dtypes[registry]

    def id_codes(self, layer: str) -> np.ndarray:
        """Each feature's id as its int32 code in :attr:`ids`."""
        return self._id_codes.get(layer, np.zeros(0, dtype=np.int32))

    def name_codes(self, layer: str) -> np.ndarray:
        """Each feature's name as its int32 code in :attr:`names` (-1 without a name)."""
        return self._name_codes.get(layer, np.zeros(0, dtype=np.int32))

    def village_index(self, codes: np.ndarray) -> np.ndarray:
        """Village codes (object) as int32 positions in :attr:`codes` (-1 for none)."""
        return self.codes.get_indexer(codes).astype(np.int32) if len(codes) else np.zeros(0, dtype=np.int32)

    # ------------------------------------------------------------------ layers
    def frame(self, layer: str) -> gpd.GeoDataFrame:
        """The layer's frame, or an empty one when the dataset lacks it."""
        frame = self.frames.get(layer)
        if frame is None:
            return gpd.GeoDataFrame({"id": []}, geometry=[], crs=WGS84)
        return frame

    def project(self, geoms: np.ndarray) -> np.ndarray:
        return np.asarray(gpd.GeoSeries(geoms, crs=WGS84).to_crs(self.crs).to_numpy())

    def project_xy(self, points: np.ndarray) -> np.ndarray:
        """(n, 2) projected coordinates of lon/lat points (NaN for empty ones), without making point objects.

        The same transformation :meth:`project` applies (``always_xy``), on the coordinates alone: at county
        scale that saves building (and freeing) a projected point object per household.
        """
        xy = _xy(points)
        if len(xy) == 0:
            return xy
        x, y = Transformer.from_crs(CRS(WGS84), self.crs, always_xy=True).transform(xy[:, 0], xy[:, 1])
        out = np.column_stack([x, y]).astype(float)
        out[~np.isfinite(xy).all(axis=1)] = np.nan
        return out

    def projected(self, layer: str) -> np.ndarray:
        """The layer's geometries in the local metric CRS (cached)."""
        if layer not in self._projected:
            self._projected[layer] = self.project(self.frame(layer).geometry.to_numpy())
        return self._projected[layer]

    def status(self, layer: str) -> np.ndarray:
        """Each feature's status (object array, cached); see :func:`status_of`."""
        if layer not in self._status:
            self._status[layer] = status_of(self.frame(layer)).to_numpy(dtype=object)
        return self._status[layer]

    def locate(self, geoms: np.ndarray) -> np.ndarray:
        """Village code containing each geometry's anchor point (None outside every village)."""
        codes = np.full(len(geoms), None, dtype=object)
        if len(geoms) == 0:
            return codes
        points = _anchor_points(np.asarray(geoms))
        inp, tree = self._village_tree.query(points, predicate="within")
        first = pd.Series(tree).groupby(inp).min()
        codes[first.index.to_numpy()] = self.village_codes[first.to_numpy()]
        return codes

    def village_of(self, layer: str) -> np.ndarray:
        """Each feature's village: its valid ``village_code``, else the village its geometry lies in."""
        if layer not in self._village_of:
            frame = self.frame(layer)
            given = _text(frame.get("village_code"), len(frame))
            known = np.array([c in self._code_set for c in given], dtype=bool)
            codes = given.copy()
            if (~known).any():
                codes[~known] = self.locate(frame.geometry.to_numpy()[~known])
            # one string object per village, not one per feature (300,000 footprints)
            self._village_of[layer] = _lookup(self.codes, self.village_index(codes))
        return self._village_of[layer]

    def select(self, sel: Selector) -> np.ndarray:
        """Boolean mask of the layer's features matching the selector's ``where`` (any status; cached, read-only)."""
        key = sel.model_dump_json()
        if key not in self._selected:
            frame = self.frame(sel.layer)
            keep = np.ones(len(frame), dtype=bool) & frame.geometry.notna().to_numpy()
            for field, values in sel.where.items():
                if field not in frame.columns:
                    keep = np.zeros(len(frame), dtype=bool)
                    break
                keep &= frame[field].isin(values).to_numpy()
            keep.flags.writeable = False
            self._selected[key] = keep
        return self._selected[key]

    # ------------------------------------------------------------------ units
    def _units(
        self, layer: str, keep: np.ndarray, codes: np.ndarray, households: np.ndarray, xy: np.ndarray,
        points_wgs84: np.ndarray,
    ) -> Units:  # fmt: skip
        """Units made of the kept features of one layer (``xy``: their projected coordinates)."""
        uid, nid = self.id_codes(layer)[keep], self.name_codes(layer)[keep]
        return Units(
            unit_id=_lookup(self.ids, uid),  # the registry's strings, not a new one per unit
            layer=np.full(len(uid), layer, dtype=object),
            village_code=codes[keep],
            name=_lookup(self.names, nid),
            households=np.asarray(households, dtype=float)[keep],
            xy=xy,
            points_wgs84=points_wgs84,
            uid=uid,
            nid=nid,
            village=self.village_index(codes[keep]),
        )

    def survey(self, layer: str) -> Survey:
        """The layer's survey declaration (``frame.attrs["survey"]``, set by the store; default: its features)."""
        survey = self.frame(layer).attrs.get("survey")
        return survey if isinstance(survey, Survey) else Survey()

    def surveyed(self, layer: str) -> np.ndarray:
        """Boolean per village (in ``village_codes`` order): was the layer surveyed there? (cached, read-only)

        ``all``: every village; ``villages``: the listed codes; ``area``: villages with at least
        :data:`AREA_SHARE` of their area inside the polygon; default: the villages the layer's features fall in
        (lines: every village they cross).
        """
        if layer not in self._surveyed:
            survey = self.survey(layer)
            n = len(self.village_codes)
            if survey.scope == "all":
                mask = np.ones(n, dtype=bool)
            elif survey.scope == "villages":
                mask = np.isin(self.village_codes, np.asarray(survey.villages, dtype=object))
            elif survey.scope == "area":
                area = self.project(np.array([shapely.geometry.shape(survey.area)], dtype=object))[0]
                villages = self.projected_villages
                inside = shapely.area(shapely.intersection(villages, area))
                with np.errstate(invalid="ignore", divide="ignore"):
                    mask = inside / shapely.area(villages) >= AREA_SHARE - 1e-9
            else:
                mask = self._villages_with_features(layer)
            mask.flags.writeable = False
            self._surveyed[layer] = mask
        return self._surveyed[layer]

    def via(self, layer: str) -> np.int16:
        """Code of ``layer`` among :attr:`via_layers`."""
        return self._via[layer]

    def _villages_with_features(self, layer: str) -> np.ndarray:
        """Villages holding at least one of the layer's features (its village; lines: every village crossed)."""
        m = len(self.codes)
        idx = self.village_index(self.village_of(layer))
        have = np.bincount(idx[idx >= 0], minlength=m) > 0
        geoms = self.frame(layer).geometry.to_numpy()
        lines = np.isin(shapely.get_type_id(geoms), (1, 2, 5)) if len(geoms) else np.zeros(0, dtype=bool)
        if lines.any():
            _, hit = self._village_tree.query(geoms[lines], predicate="intersects")
            have[self.village_key[np.unique(hit)]] = True
        return have[self.village_key]

    @cached_property
    def projected_villages(self) -> np.ndarray:
        return self.project(self.village_geoms)

    def _declared_households(self) -> np.ndarray:
        """Households per distinct village code from the villages layer (NaN where not given)."""
        v = self.village_attrs
        hh = _numbers(v.get("households"), len(v))
        out = np.full(len(self.codes), np.nan)
        order = np.arange(len(hh))[::-1]  # the first row of a repeated code wins
        out[self.village_key[order]] = hh[order]
        return out

    def _building_weights(
        self, b_hh: np.ndarray, b_keep: np.ndarray, b_codes: np.ndarray, known: np.ndarray
    ) -> np.ndarray:
        """Households of each kept building: its own figure, else the village's households spread over them.

        ``known`` is each village's households (declared, else its settlements' sum).  The households the
        buildings with a figure do not account for are spread evenly over the village's residential buildings
        without one; where the village's figure is unknown they get the mean of its buildings that carry one,
        and none (0) where nothing at all says how many households live there.
        """
        m = len(self.codes)
        bi = self.village_index(b_codes)
        has = b_keep & (b_hh > 0)
        missing = b_keep & np.isnan(b_hh)
        given_sum = np.bincount(bi[has], weights=b_hh[has], minlength=m)
        n_given = np.bincount(bi[has], minlength=m)
        n_missing = np.bincount(bi[missing], minlength=m)
        with np.errstate(invalid="ignore", divide="ignore"):
            spread = np.where(
                np.isnan(known),
                given_sum / np.where(n_given > 0, n_given, np.nan),
                np.maximum(known - given_sum, 0.0) / np.where(n_missing > 0, n_missing, np.nan),
            )
        weight = np.where(missing, np.nan_to_num(spread[np.maximum(bi, 0)]), np.nan_to_num(b_hh))
        self.method["households_spread"] = int(((n_missing > 0) & (spread > 0)).sum())
        return weight

    def _household_units(self) -> Units:
        """Residential buildings where a village has them, else its settlements; weighted by 户.

        A building is a household unit when it carries households, or has none recorded but is residential
        (``use`` residential, or no ``use`` in a layer declared a residential survey).  Where the units of a
        village add up to more households than the village declares, they are scaled down to its figure: no
        table may show more uncovered households than the village has.
        """
        b = self.frame("buildings")
        b_hh = _numbers(b.get("households"), len(b))
        if "use" in b.columns:
            use = b["use"].astype(object)
            residential = (use == "residential").to_numpy().copy()
            if self.survey("buildings").residential:
                residential |= use.isna().to_numpy()
        else:
            residential = np.full(len(b), self.survey("buildings").residential)
        b_codes = self.village_of("buildings")
        b_keep = ((b_hh > 0) | (np.isnan(b_hh) & residential)) & pd.notna(b_codes) & b.geometry.notna().to_numpy()

        s = self.frame("settlements")
        s_codes = self.village_of("settlements")
        s_hh = np.nan_to_num(_numbers(s.get("households"), len(s)))
        m = len(self.codes)
        si = self.village_index(s_codes)
        s_ok = (si >= 0) & s.geometry.notna().to_numpy()
        s_sum = np.bincount(si[s_ok], weights=s_hh[s_ok], minlength=m)
        has_s = np.bincount(si[s_ok], minlength=m) > 0
        declared = self._declared_households()
        known = np.where(np.isnan(declared), np.where(has_s, s_sum, np.nan), declared)
        b_weight = self._building_weights(b_hh, b_keep, b_codes, known)

        with_buildings = np.zeros(m + 1, dtype=bool)  # last slot: no village
        with_buildings[self.village_index(b_codes[b_keep])] = True
        s_keep = s_ok & ~with_buildings[si]

        parts = []
        for layer, frame, keep, codes, weight in (
            ("settlements", s, s_keep, s_codes, s_hh),
            ("buildings", b, b_keep, b_codes, b_weight),
        ):
            if not keep.any():
                continue
            pts = _anchor_points(frame.geometry.to_numpy()[keep])
            parts.append(self._units(layer, keep, codes, weight, self.project_xy(pts), pts))
        self.tap_attribute = self._tap_attribute(s, s_keep, b, b_keep)
        if not parts:
            none = np.zeros(len(s), dtype=bool)
            return self._units("settlements", none, s_codes, s_hh, np.zeros((0, 2)), np.array([], dtype=object))
        units = Units.concat(parts)
        total = np.bincount(units.village, weights=units.households, minlength=m)
        with np.errstate(invalid="ignore", divide="ignore"):
            factor = np.where(total > declared + 1e-9, declared / total, 1.0)  # NaN declared: no scaling
        self.method["households_scaled"] = int((factor < 1.0).sum())
        if (factor < 1.0).any():
            units = replace(units, households=units.households * factor[units.village])
        return units

    @staticmethod
    def _tap_attribute(s: pd.DataFrame, s_keep: np.ndarray, b: pd.DataFrame, b_keep: np.ndarray) -> np.ndarray:
        """The survey attribute has_tap per household unit: 1.0 / 0.0, NaN where not surveyed."""
        out = []
        for frame, keep in ((s, s_keep), (b, b_keep)):
            if not np.any(keep):
                continue
            col = frame.get("has_tap")
            vals = np.full(len(frame), np.nan) if col is None else col.map({True: 1.0, False: 0.0}).to_numpy(float)
            out.append(np.asarray(vals, dtype=float)[keep])
        return np.concatenate(out) if out else np.array([], dtype=float)

    def villages_without_households(self) -> list[str]:
        """Codes of the villages with no household unit carrying 户 (cached)."""
        if not hasattr(self, "_without_households"):
            u = self.households
            have = np.bincount(u.village[u.households > 0], minlength=len(self.codes)) > 0
            self._without_households = [
                c for c, k in zip(self.village_codes, self.village_key, strict=True) if not have[k]
            ]
        return self._without_households

    def settlement_units(self, min_households: int) -> Units:
        """Settlements with at least ``min_households`` 户 (the unit of the 'larger settlement' road test)."""
        s = self.frame("settlements")
        codes = self.village_of("settlements")
        hh = np.nan_to_num(_numbers(s.get("households"), len(s)))
        keep = pd.notna(codes) & (hh >= min_households) & (hh > 0) & s.geometry.notna().to_numpy()
        pts = s.geometry.to_numpy()[keep]
        return self._units("settlements", keep, codes, hh, _xy(self.projected("settlements")[keep]), pts)

    def feature_units(self, layer: str, keep: np.ndarray, weight: np.ndarray | None = None) -> Units:
        """Features of a layer as units (nodes, houses, reservoirs), one each unless weighted."""
        frame = self.frame(layer)
        codes = self.village_of(layer)
        keep = keep & pd.notna(codes)
        w = np.ones(len(frame)) if weight is None else weight
        xy = _xy(_anchor_points(self.projected(layer)[keep]))
        return self._units(layer, keep, codes, w, xy, _anchor_points(frame.geometry.to_numpy()[keep]))

    def _village_totals(self) -> tuple[np.ndarray, np.ndarray]:
        """Households and population per village: the village's own figures, else the sum over its units."""
        v = self.village_attrs
        hh = _numbers(v.get("households"), len(v))
        pop = _numbers(v.get("population"), len(v))
        u = self.households
        unit_hh = np.bincount(u.village, weights=u.households, minlength=len(self.codes))
        has_units = np.bincount(u.village[u.households > 0], minlength=len(self.codes)) > 0
        from_units = np.where(has_units, unit_hh, np.nan)[self.village_key]
        hh = np.where(np.isnan(hh), from_units, hh)
        s = self.frame("settlements")
        if "population" in s.columns:
            spop = pd.Series(_numbers(s["population"], len(s))).groupby(self.village_of("settlements")).sum(min_count=1)
            pop = np.where(np.isnan(pop), pd.Series(self.village_codes).map(spop).to_numpy(float, na_value=np.nan), pop)
        return hh, pop

    def _centres(self) -> Units:
        """One point per village: the settlement flagged as village centre, else the village committee (a
        facility inside the village), else a point inside the village polygon — the last marked approximate
        in :attr:`centre_source` (0 settlement, 1 committee, 2 approximate)."""
        m = len(self.codes)
        pts = _anchor_points(self.village_geoms)
        names = self.village_names.copy()
        source = np.full(len(pts), 2, dtype=np.int8)
        pos = np.full(m, -1, dtype=np.int64)
        pos[self.village_key[::-1]] = np.arange(len(self.village_key))[::-1]  # first village row per code

        def take(layer: str, flag: np.ndarray, code: int) -> None:
            frame = self.frame(layer)
            idx = self.village_index(self.village_of(layer))
            rows = np.flatnonzero(flag & (idx >= 0) & frame.geometry.notna().to_numpy())
            if not len(rows):
                return
            first = pd.Series(rows).groupby(idx[rows]).min()
            target = pos[first.index.to_numpy()]
            free = source[target] > code
            target, rows = target[free], first.to_numpy()[free]
            pts[target] = _anchor_points(frame.geometry.to_numpy()[rows])
            sname = _text(frame.get("name"), len(frame))[rows]
            names[target] = np.where(pd.notna(sname), sname, names[target])
            source[target] = code

        s = self.frame("settlements")
        if "is_village_centre" in s.columns and len(s):
            take("settlements", (s["is_village_centre"].astype(object) == True).to_numpy(), 0)  # noqa: E712
        f = self.frame("facilities")
        if "kind" in f.columns and len(f):
            committee = (f["kind"].astype(object) == "village_committee").to_numpy()
            take("facilities", committee & np.isin(self.status("facilities"), ("existing", "completed")), 1)
        self.centre_source = source
        self.method["approximate_centres"] = int((source == 2).sum())
        return Units(
            unit_id=np.array([f"centre-{c}" for c in self.village_codes], dtype=object),
            layer=np.full(len(pts), "villages", dtype=object),
            village_code=self.village_codes.copy(),
            name=names,
            households=np.nan_to_num(self.village_households),
            xy=self.project_xy(pts),
            points_wgs84=pts,
            uid=self.id_codes("centres"),
            nid=self.names.get_indexer(names).astype(np.int32),
            village=self.village_key.copy(),
        )

    # ------------------------------------------------------------------ distances
    def distance(
        self, units_key: str, units: Units, sel: Selector, statuses: tuple[str, ...], as_of_year: int | None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Distance (m) from each unit to the nearest selected feature with one of ``statuses``, and its index.

        The first status (in ``statuses`` order) holding a nearest feature wins.  Computed per group of statuses
        (baseline, plan-only) and memoised, so the plan scenario reuses the baseline's work.  Units with no such
        feature get +inf and index -1.
        """
        best = np.full(len(units), np.inf)
        which = np.full(len(units), -1, dtype=np.int64)
        for group in status_groups(statuses):
            d, i = self._distance_group(units_key, units, sel, group, as_of_year)
            closer = d < best
            best[closer] = d[closer]
            which[closer] = i[closer]
        return best, which

    def _tree(self, sel: Selector, group: tuple[str, ...], as_of_year: int | None) -> _Targets | None:
        """Spatial indexes of the selected features with a status of ``group`` (cached; shared by every unit
        set)."""
        key = (sel.model_dump_json(), group, as_of_year)
        if key not in self._indexes:
            self._indexes[key] = self._targets(sel, group, as_of_year)
        return self._indexes[key]

    def release_indexes(self) -> None:
        """Drop the target sets' nearest-feature indexes (~55 MB at county scale).

        Their distances stay memoised, so the next scenario builds only the indexes its new queries need (the
        plan-only features'); without this the baseline's indexes would outlive every query that used them.
        """
        self._indexes.clear()

    def _targets(self, sel: Selector, group: tuple[str, ...], as_of_year: int | None) -> _Targets | None:
        """Spatial indexes of the selected features with a status of ``group`` (None without any)."""
        frame = self.frame(sel.layer)
        geoms = self.projected(sel.layer)
        keep = self.select(sel) & np.isin(self.status(sel.layer), group) & in_year(frame, as_of_year)
        feats = np.flatnonzero(keep & ~shapely.is_empty(geoms))
        return _Targets.build(geoms[feats], feats) if len(feats) else None

    def prefetch(self, jobs: list[tuple[str, Units, Selector, tuple[str, ...], int | None]]) -> None:
        """Compute the distances ``jobs`` will ask for, several nearest-feature queries at a time.

        scipy and GEOS release the GIL while they search, so the queries of one scenario (one per target and
        status group) share the machine's cores; results land in the memo :meth:`distance` reads.
        """
        todo: dict[tuple, tuple[Units, Selector, tuple[str, ...], int | None]] = {}
        for units_key, units, sel, statuses, year in jobs:
            for group in status_groups(statuses):
                key = (units_key, sel.model_dump_json(), group, year)
                if key in self._memo or not len(units) or key in todo:
                    continue
                if self._tree(sel, group, year) is not None:
                    todo[key] = (units, sel, group, year)
        workers = min(len(todo), os.cpu_count() or 1, _MAX_WORKERS)
        if workers <= 1:
            return  # computed on demand
        with ThreadPoolExecutor(workers) as pool:
            done = pool.map(lambda args: self._nearest(*args), todo.values())
            for key, result in zip(todo, done, strict=True):
                self._memo[key] = result

    def _nearest(
        self, units: Units, sel: Selector, group: tuple[str, ...], as_of_year: int | None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Nearest feature with a status of ``group`` (the first status wins between equally near features).

        One search over the whole group; the few units whose nearest distance several features share are
        settled status by status, as a search per status would (so the answer does not depend on grouping).
        """
        dist = np.full(len(units), np.inf)
        idx = np.full(len(units), -1, dtype=np.int32)
        targets = self._tree(sel, group, as_of_year)
        if targets is None or not len(units):
            return dist, idx
        inp = np.flatnonzero(np.isfinite(units.xy).all(axis=1))
        d, hit, ambiguous = targets.nearest_unique(units.xy[inp])
        dist[inp] = d
        idx[inp] = targets.feats[hit]
        tied = inp[ambiguous]
        if len(tied):
            best = np.full(len(tied), np.inf)
            which = np.full(len(tied), -1, dtype=np.int32)
            xy = units.xy[tied]
            for status in group:
                one = self._targets(sel, (status,), as_of_year)  # not kept: a few units use it
                if one is None:
                    continue
                d_s, hit_s = one.nearest(xy, lambda: shapely.points(xy))
                closer = d_s < best
                best[closer] = d_s[closer]
                which[closer] = one.feats[hit_s[closer]]
            dist[tied] = best
            idx[tied] = which
        return dist, idx

    def _distance_group(
        self, units_key: str, units: Units, sel: Selector, group: tuple[str, ...], as_of_year: int | None
    ) -> tuple[np.ndarray, np.ndarray]:
        key = (units_key, sel.model_dump_json(), group, as_of_year)
        if key not in self._memo:
            self._memo[key] = self._nearest(units, sel, group, as_of_year)
        return self._memo[key]

    # ------------------------------------------------------------------ network distances
    def road_graph(
        self, mode: str, statuses: tuple[str, ...], as_of_year: int | None, dem: str | None = None
    ) -> tuple[RoadGraph, np.ndarray]:
        """The roads of a scenario as a graph (``walk``: every road; ``drive``: paved ones) and their layer rows.

        Cached per mode, statuses, year and DEM: planned roads shorten walks in the plan scenario only; with a DEM
        a walk costs its Tobler flat-equivalent metres (:mod:`geoplan.analysis.terrain`).
        """
        key = ("graph", mode, statuses, as_of_year, dem if mode == "walk" else None)
        if key not in self._trees:
            if key[-1] is not None:
                graph, rows = self.road_graph(mode, statuses, as_of_year)
                if graph.tree is not None:
                    terrain = self._terrain(key[-1], graph.nodes)
                    graph = graph.with_costs(terrain.sampler(self.crs), terrain.cell_m)
                self._trees[key] = (graph, rows)  # type: ignore[assignment]
                return self._trees[key]  # type: ignore[return-value]
            frame = self.frame("roads")
            keep = np.isin(self.status("roads"), statuses) & in_year(frame, as_of_year)
            keep &= frame.geometry.notna().to_numpy()
            if mode == "drive":
                keep &= (frame["surface"] == "paved").to_numpy() if "surface" in frame.columns else False
            rows = np.flatnonzero(keep)
            self._trees[key] = (RoadGraph.build(self.projected("roads")[rows]), rows)  # type: ignore[assignment]
        return self._trees[key]  # type: ignore[return-value]

    def _terrain(self, dem: str, nodes: np.ndarray) -> Terrain:
        """The DEM window under the road network (read once per DEM; the roads of every scenario lie in it)."""
        key = ("terrain", dem)
        if key not in self._trees:
            roads = self.projected("roads")
            x0, y0, x1, y1 = shapely.total_bounds(roads[~shapely.is_missing(roads)])
            if not np.isfinite([x0, y0, x1, y1]).all():
                (x0, y0), (x1, y1) = nodes.min(axis=0), nodes.max(axis=0)
            bounds = (float(x0), float(y0), float(x1), float(y1))
            self._trees[key] = Terrain.read(Path(dem), self.crs, bounds)  # type: ignore[assignment,arg-type]
        return self._trees[key]  # type: ignore[return-value]

    def network_distance(
        self, units_key: str, units: Units, sel: Selector, statuses: tuple[str, ...], as_of_year: int | None,
        mode: str = "walk", dem: str | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
        """Distance (m) along the roads from each unit to the nearest selected feature, and the feature's row.

        See :mod:`geoplan.analysis.network`; +inf and -1 where no such feature is reachable.  With a DEM (walks
        only) the distance is the Tobler flat-equivalent one.
        """
        dem = dem if mode == "walk" else None
        key = ("network", units_key, sel.model_dump_json(), statuses, as_of_year, mode, dem)
        if key not in self._memo:
            graph, rows = self.road_graph(mode, statuses, as_of_year, dem)
            snap_key = ("snap", units_key, mode, statuses, as_of_year)
            if snap_key not in self._memo:
                self._memo[snap_key] = snap(graph, units.xy)  # type: ignore[assignment]
            where = self._memo[snap_key]
            frame = self.frame(sel.layer)
            present = self.select(sel) & np.isin(self.status(sel.layer), statuses) & in_year(frame, as_of_year)
            if sel.layer == "roads":
                d, i = network_nearest(graph, units.xy, target_roads=present[rows], units_snap=where)  # type: ignore[arg-type]
                self._memo[key] = (d, np.where(i >= 0, rows[np.maximum(i, 0)], -1))
            else:
                feats = np.flatnonzero(present & ~shapely.is_empty(self.projected(sel.layer)))
                xy = _xy(_anchor_points(self.projected(sel.layer)[feats]))
                d, i = network_nearest(graph, units.xy, targets_xy=xy, units_snap=where)  # type: ignore[arg-type]
                self._memo[key] = (d, np.where(i >= 0, feats[np.maximum(i, 0)] if len(feats) else -1, -1))
        return self._memo[key]


def status_groups(statuses: tuple[str, ...]) -> list[tuple[str, ...]]:
    """``statuses`` cut into the groups searched together: the baseline's and the plan-only statuses (in order);
    any other status alone."""
    out: list[tuple[str, ...]] = []
    rest = tuple(statuses)
    while rest:
        for group in (BASELINE_STATUSES, PLAN_ONLY_STATUSES):
            if rest[: len(group)] == group:
                break
        else:
            group = rest[:1]
        out.append(group)
        rest = rest[len(group) :]
    return out
