"""Which administrative village a geometry lies in — used to fill ``village_code`` when a feature omits it."""

from __future__ import annotations

from collections.abc import Sequence

import shapely
from shapely.geometry.base import BaseGeometry


def anchor_point(geom: BaseGeometry) -> BaseGeometry:
    """The point that decides a feature's village: a line's midpoint, an area's representative point."""
    if geom.geom_type in ("LineString", "MultiLineString"):
        merged = shapely.line_merge(geom) if geom.geom_type == "MultiLineString" else geom
        return shapely.line_interpolate_point(merged, 0.5, normalized=True)
    return geom.representative_point()


class VillageLocator:
    """Point-in-polygon lookup over village boundaries (lon/lat; containment needs no projection)."""

    def __init__(self, codes: Sequence[str], polygons: Sequence[BaseGeometry]) -> None:
        self._codes = list(codes)
        self._polygons = list(polygons)
        self._tree = shapely.STRtree(self._polygons)

    def code_for(self, geom: BaseGeometry) -> str | None:
        """Village code containing the geometry's anchor point, or None outside every village."""
        if not self._codes:
            return None
        point = anchor_point(geom)
        hits = self._tree.query(point, predicate="intersects")
        if len(hits) == 0:
            return None
        return self._codes[int(min(hits))]
