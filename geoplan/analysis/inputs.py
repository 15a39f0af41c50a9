"""The analysis inputs, prepared once: villages, household units, projected layers and a distance memo.

Preparing is what costs time (projection, spatial indexes, nearest-feature queries), so one ``Prepared`` serves
both scenarios and every threshold: a distance from a unit to a set of features is computed once per feature
status and the scenario's distance is the minimum over the statuses it includes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from geoplan.analysis.projection import crs_for_geometries
from geoplan.analysis.scenario import in_year, status_of
from geoplan.analysis.standards import Selector
from geoplan.errors import GeoplanError

WGS84 = "EPSG:4326"


@dataclass(frozen=True)
class Units:
    """Points that carry households (or count one each): ids, village, weights and geometry in both CRSs."""

    unit_id: np.ndarray  # object
    layer: np.ndarray  # object: settlements / buildings / facilities / villages
    village_code: np.ndarray  # object
    name: np.ndarray  # object
    households: np.ndarray  # float64
    points: np.ndarray  # shapely points, projected
    points_wgs84: np.ndarray  # shapely points, lon/lat

    def __len__(self) -> int:
        return len(self.unit_id)

    @staticmethod
    def concat(parts: list[Units]) -> Units:
        return Units(*(np.concatenate([getattr(p, f) for p in parts]) for f in Units.__dataclass_fields__))

    def take(self, idx: np.ndarray) -> Units:
        return Units(*(getattr(self, f)[idx] for f in self.__dataclass_fields__))  # type: ignore[arg-type]


def _text(series: pd.Series | None, n: int) -> np.ndarray:
    if series is None:
        return np.full(n, None, dtype=object)
    return series.astype(object).where(series.notna(), None).to_numpy(dtype=object)


def _numbers(series: pd.Series | None, n: int) -> np.ndarray:
    if series is None:
        return np.full(n, np.nan)
    return pd.to_numeric(series, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def _anchor_points(geoms: np.ndarray) -> np.ndarray:
    """A point per geometry: points stay, areas and lines give a point on themselves."""
    out = geoms.copy()
    not_point = shapely.get_type_id(geoms) != 0
    if not_point.any():
        out[not_point] = shapely.point_on_surface(geoms[not_point])
    return out


class Prepared:
    """Frames of one dataset made ready for every indicator and both scenarios."""

    def __init__(self, frames: Mapping[str, gpd.GeoDataFrame]) -> None:
        self.frames = dict(frames)
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
        self.village_attrs = villages
        self._projected: dict[str, np.ndarray] = {}
        self._village_of: dict[str, np.ndarray] = {}
        self._memo: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}
        self.households = self._household_units()
        self.village_households, self.village_population = self._village_totals()
        self.centres = self._centres()

    # ------------------------------------------------------------------ layers
    def frame(self, layer: str) -> gpd.GeoDataFrame:
        """The layer's frame, or an empty one when the dataset lacks it."""
        frame = self.frames.get(layer)
        if frame is None:
            return gpd.GeoDataFrame({"id": []}, geometry=[], crs=WGS84)
        return frame

    def project(self, geoms: np.ndarray) -> np.ndarray:
        return np.asarray(gpd.GeoSeries(geoms, crs=WGS84).to_crs(self.crs).to_numpy())

    def projected(self, layer: str) -> np.ndarray:
        """The layer's geometries in the local metric CRS (cached)."""
        if layer not in self._projected:
            self._projected[layer] = self.project(self.frame(layer).geometry.to_numpy())
        return self._projected[layer]

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
            self._village_of[layer] = codes
        return self._village_of[layer]

    def select(self, sel: Selector) -> np.ndarray:
        """Boolean mask of the layer's features matching the selector's ``where`` (any status)."""
        frame = self.frame(sel.layer)
        keep = np.ones(len(frame), dtype=bool) & frame.geometry.notna().to_numpy()
        for field, values in sel.where.items():
            if field not in frame.columns:
                return np.zeros(len(frame), dtype=bool)
            keep &= frame[field].isin(values).to_numpy()
        return keep

    # ------------------------------------------------------------------ units
    def _household_units(self) -> Units:
        """Residential buildings where a village has them, else its settlements; weighted by 户."""
        b = self.frame("buildings")
        b_hh = _numbers(b.get("households"), len(b))
        residential = (b.get("use").astype(object) == "residential").to_numpy() if "use" in b.columns else False
        b_keep = (b_hh > 0) | (np.isnan(b_hh) & residential)
        b_weight = np.where(np.isnan(b_hh), 1.0, b_hh)
        b_codes = self.village_of("buildings")
        b_keep &= pd.notna(b_codes)
        with_buildings = set(b_codes[b_keep])

        s = self.frame("settlements")
        s_codes = self.village_of("settlements")
        s_hh = _numbers(s.get("households"), len(s))
        s_keep = pd.notna(s_codes) & np.array([c not in with_buildings for c in s_codes], dtype=bool)
        s_keep &= s.geometry.notna().to_numpy()

        parts = []
        for layer, frame, keep, codes, weight in (
            ("settlements", s, s_keep, s_codes, np.nan_to_num(s_hh)),
            ("buildings", b, b_keep, b_codes, b_weight),
        ):
            if not keep.any():
                continue
            geoms = frame.geometry.to_numpy()[keep]
            pts = _anchor_points(geoms)
            parts.append(
                Units(
                    unit_id=_text(frame["id"], len(frame))[keep],
                    layer=np.full(int(keep.sum()), layer, dtype=object),
                    village_code=codes[keep],
                    name=_text(frame.get("name"), len(frame))[keep],
                    households=weight[keep].astype(float),
                    points=self.project(pts),
                    points_wgs84=pts,
                )
            )
        self.tap_attribute = self._tap_attribute(s, s_keep, b, b_keep)
        if not parts:
            empty = np.array([], dtype=object)
            return Units(empty, empty, empty, empty, np.array([], dtype=float), empty, empty)
        return Units.concat(parts)

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

    def settlement_units(self, min_households: int) -> Units:
        """Settlements with at least ``min_households`` 户 (the unit of the 'larger settlement' road test)."""
        s = self.frame("settlements")
        codes = self.village_of("settlements")
        hh = np.nan_to_num(_numbers(s.get("households"), len(s)))
        keep = pd.notna(codes) & (hh >= min_households) & (hh > 0) & s.geometry.notna().to_numpy()
        pts = s.geometry.to_numpy()[keep]
        return Units(
            unit_id=_text(s["id"], len(s))[keep],
            layer=np.full(int(keep.sum()), "settlements", dtype=object),
            village_code=codes[keep],
            name=_text(s.get("name"), len(s))[keep],
            households=hh[keep],
            points=self.projected("settlements")[keep],
            points_wgs84=pts,
        )

    def feature_units(self, layer: str, keep: np.ndarray, weight: np.ndarray | None = None) -> Units:
        """Features of a layer as units (nodes, houses, reservoirs), one each unless weighted."""
        frame = self.frame(layer)
        codes = self.village_of(layer)
        keep = keep & pd.notna(codes)
        geoms = frame.geometry.to_numpy()[keep]
        w = np.ones(len(frame)) if weight is None else weight
        return Units(
            unit_id=_text(frame["id"], len(frame))[keep],
            layer=np.full(int(keep.sum()), layer, dtype=object),
            village_code=codes[keep],
            name=_text(frame.get("name"), len(frame))[keep],
            households=np.asarray(w, dtype=float)[keep],
            points=_anchor_points(self.projected(layer)[keep]),
            points_wgs84=_anchor_points(geoms),
        )

    def _village_totals(self) -> tuple[np.ndarray, np.ndarray]:
        """Households and population per village: the village's own figures, else the sum over its units."""
        v = self.village_attrs
        hh = _numbers(v.get("households"), len(v))
        pop = _numbers(v.get("population"), len(v))
        unit_hh = pd.Series(self.households.households).groupby(self.households.village_code).sum(min_count=1)
        from_units = pd.Series(self.village_codes).map(unit_hh).to_numpy(dtype=float, na_value=np.nan)
        hh = np.where(np.isnan(hh), from_units, hh)
        s = self.frame("settlements")
        if "population" in s.columns:
            spop = pd.Series(_numbers(s["population"], len(s))).groupby(self.village_of("settlements")).sum(min_count=1)
            pop = np.where(np.isnan(pop), pd.Series(self.village_codes).map(spop).to_numpy(float, na_value=np.nan), pop)
        return hh, pop

    def _centres(self) -> Units:
        """One point per village: its centre settlement, else a point inside the village polygon."""
        s = self.frame("settlements")
        codes = self.village_of("settlements")
        pts = _anchor_points(self.village_geoms)
        names = self.village_names.copy()
        if "is_village_centre" in s.columns and len(s):
            flag = (s["is_village_centre"].astype(object) == True).to_numpy()  # noqa: E712 (nullable column)
            first = pd.Series(np.flatnonzero(flag & pd.notna(codes))).groupby(codes[flag & pd.notna(codes)]).min()
            pos = {c: i for i, c in enumerate(self.village_codes)}
            geoms = s.geometry.to_numpy()
            sname = _text(s.get("name"), len(s))
            for code, i in first.items():
                pts[pos[code]] = geoms[i]
                names[pos[code]] = sname[i]
        return Units(
            unit_id=np.array([f"centre-{c}" for c in self.village_codes], dtype=object),
            layer=np.full(len(pts), "villages", dtype=object),
            village_code=self.village_codes.copy(),
            name=names,
            households=np.nan_to_num(self.village_households),
            points=self.project(pts),
            points_wgs84=pts,
        )

    # ------------------------------------------------------------------ distances
    def distance(
        self, units_key: str, units: Units, sel: Selector, statuses: tuple[str, ...], as_of_year: int | None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Distance (m) from each unit to the nearest selected feature with one of ``statuses``, and its index.

        Computed per status and memoised, so the plan scenario reuses the baseline's work.  Units with no such
        feature get +inf and index -1.
        """
        best = np.full(len(units), np.inf)
        which = np.full(len(units), -1, dtype=np.int64)
        for status in statuses:
            d, i = self._distance_one(units_key, units, sel, status, as_of_year)
            closer = d < best
            best[closer] = d[closer]
            which[closer] = i[closer]
        return best, which

    def _distance_one(
        self, units_key: str, units: Units, sel: Selector, status: str, as_of_year: int | None
    ) -> tuple[np.ndarray, np.ndarray]:
        key = (units_key, sel.model_dump_json(), status, as_of_year)
        if key not in self._memo:
            frame = self.frame(sel.layer)
            keep = self.select(sel) & (status_of(frame) == status).to_numpy() & in_year(frame, as_of_year)
            dist = np.full(len(units), np.inf)
            idx = np.full(len(units), -1, dtype=np.int64)
            if keep.any() and len(units):
                feats = np.flatnonzero(keep)
                tree = shapely.STRtree(self.projected(sel.layer)[feats])
                (inp, hit), d = tree.query_nearest(units.points, return_distance=True, all_matches=False)
                dist[inp] = d
                idx[inp] = feats[hit]
            self._memo[key] = (dist, idx)
        return self._memo[key]
