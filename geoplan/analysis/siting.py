"""Siting checks for one feature before it is saved: does it sit where a township's projects belong?

They answer the questions a planner would ask of an edit on the map — outside every village? a road leaving the
township? a facility nobody can drive to? — as warnings, never refusals (a road to the county seat does leave the
township).  Distances are metres in the local projected CRS.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from geoplan.analysis.projection import crs_for_geometries
from geoplan.analysis.standards import Lang

SITING_TEXTS: dict[str, dict[str, str]] = {
    "outside_villages": {
        "zh": "位置不在任何行政村范围内",
        "en": "lies outside every village",
    },
    "crosses_boundary": {
        "zh": "道路穿越乡镇边界(约 {outside_m} 米在乡镇范围外)",
        "en": "road crosses the township boundary (about {outside_m} m outside the township)",
    },
    "far_from_road": {
        "zh": "距最近道路 {distance_m} 米,超过 {max_m} 米",
        "en": "{distance_m} m from the nearest road, more than {max_m} m",
    },
    "no_roads": {
        "zh": "没有道路数据,无法检查到道路的距离",
        "en": "no roads in the data: distance to a road not checked",
    },
}


@dataclass(frozen=True)
class SitingWarning:
    """One warning: a key of :data:`SITING_TEXTS` and the figures its wording needs."""

    code: str
    params: dict[str, str | int] = field(default_factory=dict)

    def text(self, lang: Lang = "zh") -> str:
        return SITING_TEXTS[self.code]["en" if lang == "en" else "zh"].format(**self.params)


def _metric(geoms: list[BaseGeometry | None], crs: object) -> list[BaseGeometry | None]:
    series = gpd.GeoSeries(geoms, crs="EPSG:4326").to_crs(crs)
    return list(series)


def siting_warnings(
    geometry: BaseGeometry,
    layer: str,
    villages: gpd.GeoDataFrame,
    roads: gpd.GeoDataFrame,
    *,
    facility_road_max_m: float,
    exclude_id: str | None = None,
) -> list[SitingWarning]:
    """Warnings for ``geometry`` (EPSG:4326) as a feature of ``layer``.

    Parameters
    ----------
    geometry
        The feature's geometry as it would be saved, lon/lat.
    layer
        Its layer: roads are checked against the township boundary (the union of the villages), facilities
        against the distance to the nearest road (``facility_road_max_m``).
    villages, roads
        The current layers (EPSG:4326).  ``exclude_id`` leaves the edited feature itself out of ``roads``.

    Returns
    -------
    list of SitingWarning
        Empty when nothing looks wrong.  Without villages nothing can be said about the township, so the village
        checks are skipped rather than flagging every feature.
    """
    if geometry is None or geometry.is_empty:
        return []
    village_geoms = [g for g in villages.geometry if g is not None and not g.is_empty] if len(villages) else []
    if exclude_id is not None and len(roads) and "id" in roads.columns:
        roads = roads[roads["id"].astype(str) != str(exclude_id)]
    road_geoms = [g for g in roads.geometry if g is not None and not g.is_empty] if len(roads) else []
    crs = crs_for_geometries(shapely.points([geometry.centroid.x], [geometry.centroid.y]))
    warnings: list[SitingWarning] = []
    (feature_m,) = _metric([geometry], crs)
    if village_geoms:
        township = shapely.union_all(_metric(village_geoms, crs))
        if not feature_m.intersects(township):
            warnings.append(SitingWarning("outside_villages"))
        elif layer == "roads" and not township.buffer(0.5).contains(feature_m):
            outside = feature_m.difference(township).length
            if outside >= 1:
                warnings.append(SitingWarning("crosses_boundary", {"outside_m": round(outside)}))
    if layer == "facilities":
        if not road_geoms:
            warnings.append(SitingWarning("no_roads"))
        else:
            nearest = float(shapely.distance(feature_m, np.asarray(_metric(road_geoms, crs), dtype=object)).min())
            if nearest > facility_road_max_m:
                warnings.append(
                    SitingWarning("far_from_road", {"distance_m": round(nearest), "max_m": round(facility_road_max_m)})
                )
    return warnings
