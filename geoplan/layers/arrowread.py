"""A layer file in the store's layout read into a frame by Arrow's JSON reader, without a Python object per feature.

The store's files hold one feature per line, so after the header line they are newline-delimited JSON but for
the comma ending each line.  Arrow parses that in C++ into columns: the properties (typed from the catalogue),
and the coordinates as nested lists whose flat values and offsets build every geometry in one call.  A county's
300,000 footprints: about 2 s instead of 4.5 s for orjson plus :func:`~geoplan.layers.frames.to_frame`, and
faster than pyogrio's GeoJSON driver on the same file (``benchmarks/bench_api.py --reads``).

Only what this path can read exactly is read here: every geometry of one type among Point, LineString, Polygon
and MultiPolygon in 2-D, closed rings, string ids, property values of their catalogue type.  Anything else
(a hand-edited file, mixed geometry types, 3-D coordinates, a number where the catalogue says text) returns
None and the caller parses the file as before, so the frame is the same either way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from geoplan.layers import columnar
from geoplan.layers.files import FeatureLines

if TYPE_CHECKING:
    import geopandas as gpd
    import pyarrow as pa

    from geoplan.layers.catalogue import LayerSpec

WGS84 = "EPSG:4326"


def _arrow_type(kind: str) -> pa.DataType:
    import pyarrow as pa

    return {  # "number" is inferred (see read_frame)
        "string": pa.string(),
        "date": pa.string(),
        "datetime": pa.string(),
        "integer": pa.int64(),
        "number": pa.float64(),
        "boolean": pa.bool_(),
    }[kind]


def read_frame(lines: FeatureLines, spec: LayerSpec) -> gpd.GeoDataFrame | None:
    """The layer's frame (``id``, one column per catalogue field, geometry), None when this path cannot read it."""
    import geopandas as gpd
    import pandas as pd
    import pyarrow as pa
    import pyarrow.json as pj

    if lines.count == 0:
        return None
    # as columnar.load: Arrow's own allocator would keep what the parse used for itself, not for the frames
    columnar.use_c_allocator()
    # the comma ending each line becomes a space: newline-delimited JSON, one copy and no search through strings
    # (a raw newline never occurs inside JSON text)
    body = bytearray(lines.raw[lines.head_end : lines.text_end])
    view = np.frombuffer(body, dtype=np.uint8)
    view[np.flatnonzero(view == 10) - 1] = 32
    # numbers are inferred, not declared: a field of whole numbers is int64 as a parse of the features gives it
    props = pa.struct([(f.name, _arrow_type(f.type)) for f in spec.fields if f.type != "number"])
    schema = pa.schema([("id", pa.string()), ("properties", props)])
    try:
        table = pj.read_json(
            pa.py_buffer(body),
            read_options=pj.ReadOptions(use_threads=True, block_size=16 << 20),
            parse_options=pj.ParseOptions(explicit_schema=schema, unexpected_field_behavior="infer"),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    del body, view
    if table.num_rows != lines.count or "geometry" not in table.column_names:
        return None
    geometry = _geometries(table.column("geometry").combine_chunks())
    ids = table.column("id")
    if geometry is None or ids.null_count:
        return None
    properties = table.column("properties").combine_chunks()
    if properties.null_count:
        return None
    columns = {"id": ids.to_pandas()}
    present = {properties.type.field(i).name for i in range(properties.type.num_fields)}
    for f in spec.fields:
        if f.name not in present:  # a number field no feature sets
            columns[f.name] = np.full(len(properties), None, dtype=object)
            continue
        values = properties.field(f.name)
        if f.type == "number" and not (pa.types.is_integer(values.type) or pa.types.is_floating(values.type)):
            if values.null_count != len(values):  # text or another type where the catalogue says number
                return None
        # a field no feature sets: None throughout, as a parse of the features gives it (not NaN)
        columns[f.name] = (
            np.full(len(values), None, dtype=object) if values.null_count == len(values) else values.to_pandas()
        )
    frame = pd.DataFrame(columns, columns=["id", *spec.field_names])
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geometry, crs=WGS84), crs=WGS84)


def _geometries(column: pa.Array) -> np.ndarray | None:
    """Shapely geometries from the parsed ``geometry`` structs, None unless all are of one supported 2-D type."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import shapely

    if column.null_count or not isinstance(column.type, pa.StructType):
        return None
    names = {column.type.field(i).name for i in range(column.type.num_fields)}
    if not {"type", "coordinates"} <= names:
        return None
    kinds = pc.unique(column.field("type")).to_pylist()
    if len(kinds) != 1:
        return None
    coords = column.field("coordinates")
    if coords.null_count:
        return None
    depth = {"Point": 1, "LineString": 2, "Polygon": 3, "MultiPolygon": 4}.get(kinds[0])
    offsets: list[np.ndarray] = []
    values = coords
    for _ in range(depth or 0):
        if not pa.types.is_list(values.type) or values.null_count:
            return None
        offsets.append(values.offsets.to_numpy())
        values = values.flatten()
    if depth is None or not pa.types.is_floating(values.type) and not pa.types.is_integer(values.type):
        return None
    if values.null_count:
        return None
    points = offsets.pop()  # each point's values: exactly x and y
    if not np.array_equal(np.diff(points), np.full(len(points) - 1, 2)):
        return None
    xy = values.to_numpy(zero_copy_only=False).astype(float, copy=False).reshape(-1, 2)
    if kinds[0] == "Point":
        return shapely.points(xy)
    if kinds[0] == "LineString":
        if np.diff(offsets[0]).min() < 2:
            return None
        return shapely.from_ragged_array(shapely.GeometryType.LINESTRING, xy, (offsets[0],))
    rings = offsets[-1]  # closed rings of 4+ points only, as GEOS's GeoJSON reader requires
    starts, ends = rings[:-1], rings[1:]
    if len(starts) == 0 or (ends - starts).min() < 4 or not np.array_equal(xy[starts], xy[ends - 1]):
        return None
    kind = shapely.GeometryType.POLYGON if kinds[0] == "Polygon" else shapely.GeometryType.MULTIPOLYGON
    return shapely.from_ragged_array(kind, xy, tuple(reversed(offsets)))
