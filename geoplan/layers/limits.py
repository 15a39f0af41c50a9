"""Size and shape limits every write obeys, in a module light enough for the store to import at start-up.

The id rule, the vertex and nesting bounds and the JSON-safe number range are stated here once; validation, the
store, the API's checks and its OpenAPI document all read them from here.
"""

from __future__ import annotations

import re
from typing import Any

#: The one feature-id rule (also in the OpenAPI document and the README): ASCII letters, digits and ``_ . : -``,
#: 1–128 characters, not starting with ``.``, ``:`` or ``-``.  An id is a URL path segment: ``/``, ``..``, spaces,
#: control characters or markup would make a feature that can never be read, edited or deleted through the API.
#: Chinese is not allowed: ids are keys for machines (Chinese belongs in ``name``), and non-ASCII ids invite
#: look-alike and Unicode-normalisation duplicates.
ID_PATTERN = "^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,127}$"
_ID = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.:-]{0,127}", re.ASCII)
#: Vertices one geometry may have unless configured otherwise (``GEOPLAN_MAX_VERTICES``).
DEFAULT_MAX_VERTICES = 100_000
#: Nesting of a GeoJSON ``coordinates`` array: MultiPolygon → polygon → ring → position is 4 levels.
MAX_COORDINATE_DEPTH = 4
#: Largest magnitude a number may have and still round-trip through JSON exactly (JavaScript's safe integers).
MAX_SAFE_NUMBER = 2**53 - 1


def deeper_than(value: Any, limit: int) -> bool:
    """True when JSON-like ``value`` nests lists/objects more than ``limit`` levels (checked without recursion)."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            if depth >= limit:
                return True
            stack.extend((v, depth + 1) for v in (item.values() if isinstance(item, dict) else item))
    return False


def coordinates_beyond(coordinates: Any, max_vertices: int, max_depth: int = MAX_COORDINATE_DEPTH) -> str | None:
    """``"too_deep"`` or ``"too_many_vertices"`` when a ``coordinates`` array breaks a bound, else None.

    Walked without recursion and before any geometry library sees the array: a 900-deep or million-vertex
    array must cost a counter, not a stack overflow or a GEOS build.
    """
    if not isinstance(coordinates, list):
        return None
    stack: list[tuple[Any, int]] = [(coordinates, 1)]
    vertices = 0
    while stack:
        value, depth = stack.pop()
        if not isinstance(value, list):
            continue
        if depth > max_depth:
            return "too_deep"
        nested = [v for v in value if isinstance(v, list)]
        if not nested:
            vertices += 1
            if vertices > max_vertices:
                return "too_many_vertices"
        stack.extend((v, depth + 1) for v in nested)
    return None


def valid_id(fid: Any) -> bool:
    """True for an id that follows :data:`ID_PATTERN` (a string, or a non-negative integer)."""
    if isinstance(fid, bool) or not isinstance(fid, (str, int)):
        return False
    return _ID.fullmatch(str(fid)) is not None


def python_pattern(pattern: str) -> str:
    """A JSON Schema (ECMA-262) ``pattern`` as Python must run it to accept the same strings.

    In ECMA-262 ``$`` is the very end of the string; in Python it also matches before a final newline, so
    ``^[0-9]{12}$`` would let ``"420000000001\\n"`` through as a village code.
    """
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        return pattern[:-1] + r"\Z"
    return pattern


def python_patterns(schema: Any) -> Any:
    """A copy of a JSON Schema with every ``pattern`` made :func:`python_pattern` (for the jsonschema package)."""
    if isinstance(schema, dict):
        return {
            k: python_pattern(v) if k == "pattern" and isinstance(v, str) else python_patterns(v)
            for k, v in schema.items()
        }
    if isinstance(schema, list):
        return [python_patterns(v) for v in schema]
    return schema
