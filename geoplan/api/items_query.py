"""The items query of OGC API – Features: parse the parameters strictly, answer from the layer's index.

Unknown parameters are a 400 (the standard says so; pygeoapi and TiPG answer 200 and silently ignore them, so
a typo like ``?staus=planned`` returns everything).  A query runs as: bbox via the STRtree → property,
datetime and CQL2 masks over the candidate rows → sort → page; the page's bytes were serialised at index time.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from pygeofilter import ast
from starlette.datastructures import QueryParams

from geoplan.api.cql import Deadline, check_filter, evaluate_filter, parse_filter
from geoplan.api.crs import CRS84, bbox_to_crs84, parse_crs
from geoplan.api.problems import bad_request
from geoplan.api.readmodel import LayerIndex
from geoplan.layers import FieldSpec, LayerSpec
from geoplan.layers.limits import python_pattern

DEFAULT_LIMIT = 100
MAX_LIMIT = 10_000
#: Parameters every items request may carry (property filters are added per layer).
ITEMS_PARAMS = (
    "f",
    "lang",
    "bbox",
    "bbox-crs",
    "crs",
    "limit",
    "offset",
    "cursor",
    "sortby",
    "filter",
    "filter-lang",
    "filter-crs",
)
#: Fields that are not enums but still make useful equality filters.
FILTER_FIELD_NAMES = ("code", "village_code", "year", "status")


def filter_fields(spec: LayerSpec) -> tuple[FieldSpec, ...]:
    """Fields offered as ``?name=value`` equality filters: enums, codes, year, flags."""
    return tuple(f for f in spec.fields if f.enum is not None or f.name in FILTER_FIELD_NAMES or f.type == "boolean")


def has_time(spec: LayerSpec) -> bool:
    return spec.has_field("year")


def allowed_params(spec: LayerSpec) -> set[str]:
    names = set(ITEMS_PARAMS) | {f.name for f in filter_fields(spec)}
    if has_time(spec):
        names.add("datetime")
    return names


def reject_unknown(params: QueryParams, allowed: set[str] | tuple[str, ...]) -> None:
    unknown = sorted(set(params.keys()) - set(allowed))
    if unknown:
        raise bad_request(
            f"unknown query parameter(s): {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}",
            unknown=unknown,
        )


def single(params: QueryParams, name: str) -> str | None:
    values = params.getlist(name)
    if len(values) > 1:
        raise bad_request(f"{name} given {len(values)} times; give it once")
    return values[0] if values else None


@dataclass
class ItemsQuery:
    bbox: tuple[float, float, float, float] | None = None  # CRS84
    years: tuple[int | None, int | None] | None = None
    equals: dict[str, Any] = field(default_factory=dict)
    cql: ast.Node | None = None
    filter_crs: str = CRS84
    sortby: list[tuple[str, bool]] = field(default_factory=list)  # (field, ascending)
    limit: int = DEFAULT_LIMIT
    offset: int = 0
    #: Keyset paging (from a next link): the page starts after the feature at this position of the layer's
    #: order — its insertion order on PostGIS (stable under concurrent writes), its file position on files.
    cursor: int | None = None
    crs: str = CRS84


def _int(value: str, name: str, minimum: int) -> int:
    try:
        number = int(value)
    except ValueError:
        raise bad_request(f"{name} must be an integer, not {value!r}") from None
    if number < minimum:
        raise bad_request(f"{name} must be at least {minimum}")
    return number


def parse_bbox(value: str) -> tuple[float, float, float, float]:
    try:
        nums = [float(v) for v in value.split(",")]
    except ValueError:
        raise bad_request(f"bbox must be 4 (or 6) comma-separated numbers, not {value!r}") from None
    if len(nums) == 6:  # minx,miny,minz,maxx,maxy,maxz: heights do not matter here
        nums = [nums[0], nums[1], nums[3], nums[4]]
    if len(nums) != 4 or not all(math.isfinite(n) for n in nums):
        raise bad_request(f"bbox must be 4 (or 6) comma-separated numbers, not {value!r}")
    minx, miny, maxx, maxy = nums
    if minx > maxx or miny > maxy:
        raise bad_request("bbox: lower corner must come first (minx,miny,maxx,maxy)")
    return (minx, miny, maxx, maxy)


_INSTANT = (
    r"[0-9]{4}(-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
    r"([Tt]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9]))?)?"
)
#: ``datetime`` as /api declares it: a year, an RFC 3339 date or date-time, or an interval of them (``..`` or
#: nothing for an open end).  Only the year is used (the layers' one time is the project year).
DATETIME_PATTERN = rf"^({_INSTANT}|({_INSTANT}|\.\.)?/({_INSTANT}|\.\.)?)$"
_DATETIME = re.compile(DATETIME_PATTERN.removeprefix("^").removesuffix("$"), re.ASCII)


def _year_of(text: str) -> int | None:
    return None if text in ("", "..") else int(text[:4])


def parse_datetime(value: str) -> tuple[int | None, int | None]:
    """``datetime`` as an inclusive range of project years (the layers' only time is ``year``)."""
    if _DATETIME.fullmatch(value) is None:
        raise bad_request(
            f"datetime: {value[:40]!r} is not a year, an RFC 3339 date or date-time, or an interval of them (a/b, "
            "'..' or nothing for an open end)"
        )
    if "/" in value:
        start_text, _, end_text = value.partition("/")
        start, end = _year_of(start_text), _year_of(end_text)
        if start is not None and end is not None and start > end:
            raise bad_request("datetime: interval start is after its end")
        return (start, end)
    return (int(value[:4]),) * 2


_INTEGER = re.compile(r"-?[0-9]{1,18}", re.ASCII)


def _typed(spec_field: FieldSpec, value: str, catalogue_enum: tuple[str, ...] | None) -> Any:
    """A ``?name=value`` filter value checked against the same field schema /api declares for it."""
    name = spec_field.name
    typed: Any = value
    if spec_field.type == "integer":
        if _INTEGER.fullmatch(value) is None:
            raise bad_request(f"{name} must be an integer, not {value!r}")
        typed = int(value)
    elif spec_field.type == "number":
        try:
            typed = float(value)
        except ValueError:
            typed = math.nan
        if not math.isfinite(typed) or "_" in value:
            raise bad_request(f"{name} must be a number, not {value!r}")
    elif spec_field.type == "boolean":
        if value not in ("true", "false"):
            raise bad_request(f"{name} must be true or false, not {value!r}")
        return value == "true"
    if isinstance(typed, (int, float)):
        if spec_field.minimum is not None and typed < spec_field.minimum:
            raise bad_request(f"{name} must be at least {spec_field.minimum:g}, not {value!r}")
        if spec_field.maximum is not None and typed > spec_field.maximum:
            raise bad_request(f"{name} must be at most {spec_field.maximum:g}, not {value!r}")
        return typed
    if spec_field.max_length is not None and len(value) > spec_field.max_length:
        raise bad_request(f"{name} must be at most {spec_field.max_length} characters")
    if spec_field.pattern is not None and re.search(python_pattern(spec_field.pattern), value) is None:
        raise bad_request(f"{name} must match {spec_field.pattern}, not {value[:40]!r}")
    if catalogue_enum is not None and value not in catalogue_enum:
        raise bad_request(f"{name} must be one of {', '.join(catalogue_enum)}, not {value!r}")
    return value


def parse_items_query(params: QueryParams, spec: LayerSpec, enum_values: dict[str, tuple[str, ...]]) -> ItemsQuery:
    """Every items parameter checked; the first bad one is a 400 naming it."""
    reject_unknown(params, allowed_params(spec))
    q = ItemsQuery()
    limit = single(params, "limit")
    if limit is not None:
        q.limit = min(_int(limit, "limit", 1), MAX_LIMIT)
    offset = single(params, "offset")
    if offset is not None:
        q.offset = _int(offset, "offset", 0)
    q.crs = parse_crs(single(params, "crs"), "crs")
    bbox = single(params, "bbox")
    bbox_crs = single(params, "bbox-crs")
    if bbox_crs is not None and bbox is None:
        raise bad_request("bbox-crs given without bbox")
    if bbox is not None:
        box = parse_bbox(bbox)
        source = parse_crs(bbox_crs, "bbox-crs")
        lat_range = (box[1], box[3]) if source == CRS84 else (box[0], box[2])
        if min(lat_range) < -90 or max(lat_range) > 90:
            raise bad_request("bbox: latitude outside -90..90 (CRS84 bbox is lon,lat; EPSG:4326/4490 lat,lon)")
        q.bbox = bbox_to_crs84(box, source)
    when = single(params, "datetime")
    if when is not None:
        q.years = parse_datetime(when)
    for f in filter_fields(spec):
        value = single(params, f.name)
        if value is not None:
            q.equals[f.name] = _typed(f, value, enum_values.get(f.enum) if f.enum else None)
    text = single(params, "filter")
    lang = single(params, "filter-lang")
    filter_crs = single(params, "filter-crs")
    if text is not None:
        q.cql = parse_filter(text, lang)
        check_filter(q.cql, spec)
        q.filter_crs = parse_crs(filter_crs, "filter-crs")
    elif lang is not None or filter_crs is not None:
        raise bad_request("filter-lang/filter-crs given without filter")
    sortby = single(params, "sortby")
    if sortby is not None:
        for part in (p.strip() for p in sortby.split(",")):
            name = part.lstrip("+-").strip()
            if name != "id" and not spec.has_field(name):
                raise bad_request(f"sortby: {spec.name} has no property {name!r}")
            q.sortby.append((name, not part.startswith("-")))
    cursor = single(params, "cursor")
    if cursor is not None:
        q.cursor = _int(cursor, "cursor", 0)
        if q.sortby:
            raise bad_request("cursor pages the layer's own order; with sortby, page with offset")
    return q


def run_query(index: LayerIndex, q: ItemsQuery, deadline: Deadline | None = None) -> np.ndarray:
    """Positions (in the layer's file order, or sorted) of every feature matching ``q``; 422 past ``deadline``."""
    if q.bbox is not None:
        hits = index.tree.query(shapely.box(*q.bbox), predicate="intersects")
        rows = np.sort(hits)
    else:
        rows = np.arange(index.size)
    if len(rows) and (q.equals or q.years or q.cql is not None):
        table = index.table.take(rows)
        mask = np.ones(len(rows), dtype=bool)
        for name, value in q.equals.items():
            mask &= np.asarray((table[name] == value).fillna(False), dtype=bool)
        if q.years is not None:
            start, end = q.years
            year = table["year"]
            if start is not None:
                mask &= np.asarray((year >= start).fillna(False), dtype=bool)
            if end is not None:
                mask &= np.asarray((year <= end).fillna(False), dtype=bool)
        if q.cql is not None:
            mask &= evaluate_filter(q.cql, table.reset_index(drop=True), q.filter_crs, deadline)
        rows = rows[mask]
    if q.sortby and len(rows):
        table = index.table.take(rows).reset_index(drop=True)
        names = [name for name, _ in q.sortby]
        order = table.sort_values(
            by=names, ascending=[asc for _, asc in q.sortby], na_position="last", kind="mergesort"
        ).index.to_numpy()
        rows = rows[order]
    return rows
