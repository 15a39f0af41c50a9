"""OGC API – Features Part 2: the CRSs the API offers, and moving coordinates between them.

Stored data is CRS84 (lon/lat).  EPSG:4326 and EPSG:4490 (CGCS2000) are latitude-first by their definitions,
so serving them means swapping axes; pyproj does that (and any datum shift) from the CRS definitions rather
than by hand.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
import shapely
from pyproj import CRS, Transformer

from geoplan.api.problems import bad_request

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
#: URI → pyproj name of every CRS offered (storage CRS first).
SUPPORTED: dict[str, str] = {
    CRS84: "OGC:CRS84",
    "http://www.opengis.net/def/crs/EPSG/0/4326": "EPSG:4326",
    "http://www.opengis.net/def/crs/EPSG/0/4490": "EPSG:4490",
}
#: Short spellings clients use, mapped to the URIs above.
ALIASES: dict[str, str] = {
    "CRS84": CRS84,
    "OGC:CRS84": CRS84,
    "EPSG:4326": "http://www.opengis.net/def/crs/EPSG/0/4326",
    "EPSG:4490": "http://www.opengis.net/def/crs/EPSG/0/4490",
}


def parse_crs(value: str | None, param: str) -> str:
    """The CRS URI for a ``crs``/``bbox-crs``/``filter-crs`` value (default CRS84); 400 for anything else."""
    if value is None:
        return CRS84
    if not value.strip():
        raise bad_request(f"{param} is empty; leave it out for CRS84 or name one of {', '.join(SUPPORTED)}")
    uri = value.strip().strip("[]")
    uri = ALIASES.get(uri.upper() if ":" in uri and "/" not in uri else uri, uri)
    if uri.startswith("https://"):
        uri = "http://" + uri.removeprefix("https://")
    if uri not in SUPPORTED:
        raise bad_request(f"{param}: unsupported CRS {value!r}; use one of {', '.join(SUPPORTED)}")
    return uri


@cache
def _transformer(source: str, target: str) -> Transformer:
    return Transformer.from_crs(CRS.from_user_input(SUPPORTED[source]), CRS.from_user_input(SUPPORTED[target]))


def _move(geom: shapely.Geometry, source: str, target: str) -> shapely.Geometry:
    tr = _transformer(source, target)

    def move(xy: np.ndarray) -> np.ndarray:
        x, y = tr.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geom, move)


def transform_geometry(geojson: dict[str, Any], target: str) -> dict[str, Any]:
    """A GeoJSON geometry moved from CRS84 into ``target`` (axis order as ``target`` defines it)."""
    if target == CRS84:
        return geojson
    return shapely.geometry.mapping(_move(shapely.geometry.shape(geojson), CRS84, target))  # type: ignore[return-value]


def bbox_to_crs84(bbox: tuple[float, float, float, float], source: str) -> tuple[float, float, float, float]:
    """A bbox given in ``source`` as a CRS84 (lon/lat) bbox."""
    if source == CRS84:
        return bbox
    minx, miny, maxx, maxy = _transformer(source, CRS84).transform_bounds(*bbox)
    return (float(minx), float(miny), float(maxx), float(maxy))


def geometry_to_crs84(geom: shapely.Geometry, source: str) -> shapely.Geometry:
    return geom if source == CRS84 else _move(geom, source, CRS84)
