"""Validation of features against the catalogue: geometry (type, coordinates, validity) and properties.

Property rules come from the catalogue's JSON Schema (checked by ``jsonschema``); geometry rules by shapely.
Every check returns all problems, each naming the layer, feature and field, so one pass tells a planner
everything to fix.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import replace
from typing import Any

import shapely
from jsonschema import Draft202012Validator
from shapely.geometry import shape
from shapely.validation import explain_validity

from geoplan.errors import Problem
from geoplan.layers.catalogue import Catalogue, LayerSpec
from geoplan.messages import render

#: Control characters other than tab and newlines: invisible in every client and refused by Excel (openpyxl).
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

from geoplan.layers.limits import (  # noqa: E402  (re-exported: the rules live in one light module)
    DEFAULT_MAX_VERTICES,
    MAX_COORDINATE_DEPTH,
    MAX_SAFE_NUMBER,
    coordinates_beyond,
    python_patterns,
    valid_id,
)


def coordinate_problems(
    spec: LayerSpec, feature_id: str | None, geometry: Any, max_vertices: int = DEFAULT_MAX_VERTICES
) -> list[Problem]:
    """Too deep or too many vertices, found without recursion (a 900-deep array must not crash the checker)."""
    if not isinstance(geometry, dict):
        return []
    beyond = coordinates_beyond(geometry.get("coordinates"), max_vertices)
    if beyond is None:
        return []
    limit = MAX_COORDINATE_DEPTH if beyond == "too_deep" else max_vertices
    return [problem(spec.name, feature_id, "geometry", beyond, limit=limit)]


def _validator(catalogue: Catalogue, layer: str) -> Draft202012Validator:
    def build() -> Draft202012Validator:
        schema = catalogue.json_schema(layer)
        Draft202012Validator.check_schema(schema)
        # jsonschema runs patterns with Python's re.search, where $ also matches before a last newline.
        return Draft202012Validator(python_patterns(schema), format_checker=Draft202012Validator.FORMAT_CHECKER)

    return catalogue.memo(("validator", layer), build)


def _coords(value: Any) -> Iterator[Any]:
    """Yield every position of a GeoJSON coordinates array, however deeply nested."""
    if isinstance(value, (list, tuple)) and value and isinstance(value[0], (int, float)):
        yield value
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _coords(item)


def problem(
    layer: str, feature: str | None, field: str | None, code: str, row: int | None = None, **params: object
) -> Problem:
    """A Problem with its English message rendered from the code's template (other languages via .text)."""
    frozen = tuple((k, str(v)) for k, v in params.items())
    return Problem(layer, feature, field, render(code, dict(frozen), "en", code), row, code, frozen)


def geometry_problems(
    spec: LayerSpec, feature_id: str | None, geometry: Any, max_vertices: int = DEFAULT_MAX_VERTICES
) -> list[Problem]:
    """Problems with one GeoJSON geometry for this layer (empty list = fine)."""

    def found(code: str, **params: object) -> list[Problem]:
        return [problem(spec.name, feature_id, "geometry", code, **params)]

    if not isinstance(geometry, dict):
        return found("missing_geometry")
    gtype = geometry.get("type")
    if gtype not in spec.geometry_types:
        return found("geometry_type", got=repr(gtype), expected="/".join(spec.geometry_types))
    shape_problems = coordinate_problems(spec, feature_id, geometry, max_vertices)
    if shape_problems:
        return shape_problems
    for pos in _coords(geometry.get("coordinates")):
        # bool is an int in Python: JSON true/false must not pass as coordinates 1/0.
        if len(pos) < 2 or not all(
            isinstance(c, (int, float)) and not isinstance(c, bool) and math.isfinite(c) for c in pos
        ):
            return found("bad_position", position=repr(pos))
        lon, lat = pos[0], pos[1]
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            return found("out_of_range", lon=lon, lat=lat)
    try:
        geom = shape(geometry)
    except Exception as exc:  # shapely raises several types for malformed coordinates
        return found("malformed", got=gtype, detail=exc)
    if geom.is_empty:
        return found("empty")
    if not geom.is_valid:
        return found("invalid_geometry", reason=explain_validity(geom))
    if gtype in ("LineString", "MultiLineString") and shapely.length(geom) == 0:
        return found("zero_length")
    return []


#: jsonschema keyword → problem code (the others keep jsonschema's English message).
_KEYWORD_CODES = {
    "enum": "enum",
    "type": "type",
    "minimum": "minimum",
    "maximum": "maximum",
    "pattern": "pattern",
    "maxLength": "max_length",
    "format": "format",
}


def property_problems(catalogue: Catalogue, spec: LayerSpec, feature_id: str | None, props: Any) -> list[Problem]:
    """Problems with a feature's properties against the layer's schema."""
    if not isinstance(props, dict):
        return [problem(spec.name, feature_id, "properties", "not_object")]
    problems = []
    for err in sorted(_validator(catalogue, spec.name).iter_errors(props), key=lambda e: list(e.path)):
        field = str(err.path[0]) if err.path else None
        if err.validator == "additionalProperties":
            for extra in sorted(set(props) - set(spec.field_names)):
                found = problem(spec.name, feature_id, extra, "unknown_field", layer_name=spec.name, name=extra)
                problems.append(found)
        elif err.validator == "required":
            for missing in err.validator_value:
                if missing not in props:
                    problems.append(problem(spec.name, feature_id, missing, "required"))
        elif err.validator in _KEYWORD_CODES:
            limit = err.validator_value
            labelled: dict[str, str] = {}
            if err.validator == "enum":
                limit = [v for v in limit if v is not None]
                enum = spec.field(field).enum if field and spec.has_field(field) else None
                if enum is not None:
                    # Planners know the labels (现状, 规划 …), not the codes: name both.
                    labelled = {"choices_zh": catalogue.enum_choices(enum, "zh")}
            if err.validator == "type":
                limit = [t for t in ([limit] if isinstance(limit, str) else limit) if t != "null"][0]
            problems.append(
                problem(
                    spec.name,
                    feature_id,
                    field,
                    _KEYWORD_CODES[err.validator],
                    value=repr(err.instance),
                    limit=limit,
                    allowed=limit,
                    expected=limit,
                    **labelled,
                )  # fmt: skip
            )
        else:
            problems.append(Problem(spec.name, feature_id, field, err.message))
    for name, value in props.items():
        if isinstance(value, str) and _CONTROL_CHARS.search(value):
            problems.append(problem(spec.name, feature_id, name, "control_chars"))
        if isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value) > MAX_SAFE_NUMBER:
            problems.append(problem(spec.name, feature_id, name, "unsafe_number", limit=MAX_SAFE_NUMBER))
    # jsonschema reports `required` once for all missing names; de-duplicate while keeping order.
    return list(dict.fromkeys(problems))


def feature_problems(
    catalogue: Catalogue,
    spec: LayerSpec,
    feature: Any,
    row: int | None = None,
    max_vertices: int = DEFAULT_MAX_VERTICES,
) -> list[Problem]:
    """Every problem with one GeoJSON Feature for this layer."""
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        return [problem(spec.name, None, None, "not_feature", row=row)]
    fid = feature.get("id")
    fid_str = None if fid is None else str(fid)
    if fid is not None and (isinstance(fid, bool) or not isinstance(fid, (str, int))):
        return [problem(spec.name, None, "id", "bad_id", row=row)]
    if fid is not None and not valid_id(fid):
        return [problem(spec.name, None, "id", "id_rule", row=row, value=repr(fid_str[:40]))]
    problems = geometry_problems(spec, fid_str, feature.get("geometry"), max_vertices)
    problems += property_problems(catalogue, spec, fid_str, feature.get("properties"))
    if row is not None:
        problems = [replace(p, row=row) for p in problems]
    return problems


def collection_problems(catalogue: Catalogue, spec: LayerSpec, features: Iterable[Any]) -> list[Problem]:
    """Problems in a whole layer, including duplicate ids."""
    problems: list[Problem] = []
    seen: set[str] = set()
    for feature in features:
        problems += feature_problems(catalogue, spec, feature)
        fid = feature.get("id") if isinstance(feature, dict) else None
        if fid is None:
            problems.append(problem(spec.name, None, "id", "no_id"))
        elif str(fid) in seen:
            problems.append(problem(spec.name, str(fid), "id", "duplicate_id"))
        else:
            seen.add(str(fid))
    return problems
