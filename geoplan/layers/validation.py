"""Validation of features against the catalogue: geometry (type, coordinates, validity) and properties.

Property rules come from the catalogue's JSON Schema (checked by ``jsonschema``); geometry rules by shapely.
Every check returns all problems, each naming the layer, feature and field, so one pass tells a planner
everything to fix.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator
from typing import Any

import shapely
from jsonschema import Draft202012Validator
from shapely.geometry import shape
from shapely.validation import explain_validity

from geoplan.errors import Problem
from geoplan.layers.catalogue import Catalogue, LayerSpec

#: Control characters other than tab and newlines: invisible in every client and refused by Excel (openpyxl).
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _validator(catalogue: Catalogue, layer: str) -> Draft202012Validator:
    def build() -> Draft202012Validator:
        schema = catalogue.json_schema(layer)
        Draft202012Validator.check_schema(schema)
        return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)

    return catalogue.memo(("validator", layer), build)


def _coords(value: Any) -> Iterator[Any]:
    """Yield every position of a GeoJSON coordinates array, however deeply nested."""
    if isinstance(value, (list, tuple)) and value and isinstance(value[0], (int, float)):
        yield value
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _coords(item)


def geometry_problems(spec: LayerSpec, feature_id: str | None, geometry: Any) -> list[Problem]:
    """Problems with one GeoJSON geometry for this layer (empty list = fine)."""

    def problem(message: str) -> Problem:
        return Problem(spec.name, feature_id, "geometry", message)

    if not isinstance(geometry, dict):
        return [problem("missing geometry (every feature needs one)")]
    gtype = geometry.get("type")
    if gtype not in spec.geometry_types:
        allowed = "/".join(spec.geometry_types)
        return [problem(f"geometry type {gtype!r} is not allowed in this layer (expects {allowed})")]
    for pos in _coords(geometry.get("coordinates")):
        # bool is an int in Python: JSON true/false must not pass as coordinates 1/0.
        if len(pos) < 2 or not all(
            isinstance(c, (int, float)) and not isinstance(c, bool) and math.isfinite(c) for c in pos
        ):
            return [problem(f"invalid position {pos!r}")]
        lon, lat = pos[0], pos[1]
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            return [
                problem(
                    f"coordinate ({lon}, {lat}) is outside lon/lat range; stored GeoJSON is WGS84 lon/lat "
                    "(RFC 7946) — reproject projected data on import"
                )
            ]
    try:
        geom = shape(geometry)
    except Exception as exc:  # shapely raises several types for malformed coordinates
        return [problem(f"malformed {gtype} coordinates: {exc}")]
    if geom.is_empty:
        return [problem("geometry is empty")]
    if not geom.is_valid:
        return [problem(f"invalid geometry: {explain_validity(geom)}")]
    if spec.geometry == "line" and shapely.length(geom) == 0:
        return [problem("line has zero length")]
    return []


def property_problems(catalogue: Catalogue, spec: LayerSpec, feature_id: str | None, props: Any) -> list[Problem]:
    """Problems with a feature's properties against the layer's schema."""
    if not isinstance(props, dict):
        return [Problem(spec.name, feature_id, "properties", "properties must be a JSON object")]
    problems = []
    for err in sorted(_validator(catalogue, spec.name).iter_errors(props), key=lambda e: list(e.path)):
        if err.validator == "additionalProperties":
            for extra in sorted(set(props) - set(spec.field_names)):
                problems.append(
                    Problem(spec.name, feature_id, extra, f"unknown field (layer {spec.name} has no field {extra!r})")
                )
        elif err.validator == "required":
            for missing in err.validator_value:
                if missing not in props:
                    problems.append(Problem(spec.name, feature_id, missing, "required field is missing"))
        else:
            field = str(err.path[0]) if err.path else None
            problems.append(Problem(spec.name, feature_id, field, f"{err.message}"))
    for name, value in props.items():
        if isinstance(value, str) and _CONTROL_CHARS.search(value):
            problems.append(
                Problem(spec.name, feature_id, name, "text contains control characters (e.g. \\x01); remove them")
            )
    # jsonschema reports `required` once for all missing names; de-duplicate while keeping order.
    return list(dict.fromkeys(problems))


def feature_problems(catalogue: Catalogue, spec: LayerSpec, feature: Any, row: int | None = None) -> list[Problem]:
    """Every problem with one GeoJSON Feature for this layer."""
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        return [Problem(spec.name, None, None, "not a GeoJSON Feature object", row=row)]
    fid = feature.get("id")
    fid_str = None if fid is None else str(fid)
    if fid is not None and not isinstance(fid, (str, int)):
        return [Problem(spec.name, None, "id", "feature id must be a string or number", row=row)]
    problems = geometry_problems(spec, fid_str, feature.get("geometry"))
    problems += property_problems(catalogue, spec, fid_str, feature.get("properties"))
    if row is not None:
        problems = [Problem(p.layer, p.feature, p.field, p.message, row=row) for p in problems]
    return problems


def collection_problems(catalogue: Catalogue, spec: LayerSpec, features: Iterable[Any]) -> list[Problem]:
    """Problems in a whole layer, including duplicate ids."""
    problems: list[Problem] = []
    seen: set[str] = set()
    for feature in features:
        problems += feature_problems(catalogue, spec, feature)
        fid = feature.get("id") if isinstance(feature, dict) else None
        if fid is None:
            problems.append(Problem(spec.name, None, "id", "feature has no id"))
        elif str(fid) in seen:
            problems.append(Problem(spec.name, str(fid), "id", "duplicate feature id"))
        else:
            seen.add(str(fid))
    return problems
