"""Items read from a store that answers queries itself (PostGIS): the request in the store's terms, the page encoded.

The rule: a store with SQL reads (:class:`geoplan.layers.backend.SqlReads`) answers every items and item request
itself — nothing is held per layer, so a write by any process shows in the next read at the cost of that read
alone.  The file store keeps the in-memory read model (:mod:`geoplan.api.readmodel`).  Features are encoded as the
read model encodes them (a test compares the bytes both stores serve for the same layer).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
import shapely
from pygeofilter import ast, values
from shapely.errors import ShapelyError
from shapely.geometry import Polygon, mapping, shape

from geoplan.api.crs import CRS84, geometry_to_crs84
from geoplan.api.items_query import ItemsQuery
from geoplan.api.like import ESCAPE
from geoplan.api.problems import bad_request
from geoplan.layers import LayerSpec
from geoplan.layers.pgquery import FeatureQuery


def _in_crs84(node: Any, filter_crs: str) -> values.Geometry:
    """A spatial literal (geometry, envelope or BBOX()) as a CRS84 geometry literal."""
    if isinstance(node, ast.Function):  # BBOX(minx, miny, maxx, maxy) or its 6-number form
        args = node.arguments
        minx, miny, maxx, maxy = (args[0], args[1], args[3], args[4]) if len(args) == 6 else args
        geom = Polygon.from_bounds(minx, miny, maxx, maxy)
    else:
        geom = shape(node.geometry if isinstance(node, values.Envelope) else node.__geo_interface__)
    return values.Geometry(mapping(geometry_to_crs84(geom, filter_crs)))


def _sql_ready(node: Any, filter_crs: str) -> None:
    """Prepare a checked filter tree for the SQL translation, in place: spatial literals moved to CRS84 (the
    column's SRID), and a LIKE pattern's trailing escape made literal (as the file store's matcher reads it;
    PostgreSQL would refuse the pattern)."""
    if isinstance(node, ast.SpatialComparisonPredicate):
        node.rhs = _in_crs84(node.rhs, filter_crs)
    elif isinstance(node, ast.Like):
        trailing = len(node.pattern) - len(node.pattern.rstrip(ESCAPE))
        if trailing % 2:
            node.pattern += ESCAPE
    for sub in node.get_sub_nodes() if isinstance(node, ast.Node) else ():
        _sql_ready(sub, filter_crs)


def feature_query(q: ItemsQuery) -> FeatureQuery:
    """The items query as the store takes it; 400 when a geometry literal cannot be read."""
    cql = q.cql
    if cql is not None:
        if isinstance(cql, ast.Function):
            raise bad_request("filter: BBOX() must be used inside a spatial predicate")
        try:
            _sql_ready(cql, q.filter_crs or CRS84)
        except (TypeError, ValueError, ShapelyError) as exc:  # a malformed geometry literal
            raise bad_request(f"filter could not be applied: {exc}") from exc
    return FeatureQuery(
        bbox=q.bbox,
        years=q.years,
        equals=dict(q.equals),
        cql=cql,
        sortby=tuple(q.sortby),
        limit=q.limit,
        offset=0 if q.cursor is not None else q.offset,
        after=q.cursor,
    )


def encoded(spec: LayerSpec, rows: Sequence[Sequence[Any]]) -> list[bytes]:
    """The rows' features as served: the read model's encoding (every catalogue property, null when unset; the
    geometry as GEOS writes it), built straight from the database's values — no frame per request."""
    if not rows:
        return []
    names = spec.field_names
    shapes = shapely.to_geojson(shapely.from_wkb([bytes(r[-1]) for r in rows])).tolist()
    fragment = orjson.Fragment
    return [
        orjson.dumps(
            {
                "type": "Feature",
                "id": row[1],
                "geometry": fragment(shape),
                "properties": dict(zip(names, row[2:-1], strict=True)),
            }
        )
        for row, shape in zip(rows, shapes, strict=True)
    ]
