"""OGC API – Features Part 3: CQL2 filters (text and JSON), parsed by pygeofilter, checked against the catalogue.

Parsing is pygeofilter's (no hand-written grammar).  Before evaluating, the tree is checked: every property must
be a queryable of the layer and every literal must fit the field's type, so a wrong filter gets a 400 that names
the property instead of a pandas TypeError.  Evaluation runs vectorised over the layer's property table.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pandas as pd
from pygeofilter import ast, values
from pygeofilter.backends.evaluator import handle
from pygeofilter.backends.geopandas.evaluate import GeoPandasEvaluator
from pygeofilter.parsers.cql2_json import parse as parse_cql2_json
from pygeofilter.parsers.cql2_text import parse as parse_cql2_text
from shapely.errors import ShapelyError
from shapely.geometry import Polygon, shape

from geoplan.api.crs import CRS84, geometry_to_crs84
from geoplan.api.like import MAX_PATTERN_CHARS, compile_like
from geoplan.api.problems import ApiProblem, bad_request
from geoplan.layers import LayerSpec

GEOMETRY = "geometry"
#: Longest filter text and deepest nesting of its expressions (stated in the OpenAPI document).
MAX_FILTER_CHARS = 8192
MAX_FILTER_DEPTH = 50
#: Rows matched between two looks at the clock.
_CLOCK_EVERY = 2048
FILTER_LANGS = ("cql2-text", "cql2-json")
#: Python literal types a field of each catalogue type may be compared with.
LITERALS: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "date": (str,),
    "datetime": (str,),
    "integer": (int, float),
    "number": (int, float),
    "boolean": (bool,),
}
SUPPORTED = (
    ast.Not,
    ast.And,
    ast.Or,
    ast.Comparison,
    ast.Between,
    ast.Like,
    ast.In,
    ast.IsNull,
    ast.SpatialComparisonPredicate,
    ast.Attribute,
)


def parse_filter(text: str, lang: str | None) -> ast.Node:
    """Parse a ``filter`` parameter; 400 naming the syntax problem."""
    lang = (lang or "cql2-text").lower()
    if lang not in FILTER_LANGS:
        raise bad_request(f"filter-lang: use {' or '.join(FILTER_LANGS)}, not {lang!r}")
    if len(text) > MAX_FILTER_CHARS:
        raise bad_request(f"filter has {len(text)} characters; the limit is {MAX_FILTER_CHARS}")
    try:
        node = parse_cql2_text(text) if lang == "cql2-text" else parse_cql2_json(text)
    except Exception as exc:  # lark/json raise many types; all mean "not a valid filter"
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise bad_request(f"filter is not valid {lang}: {first}") from exc
    if not isinstance(node, ast.Node):
        raise bad_request("filter must be a predicate (e.g. status = 'planned'), not a bare value")
    return node


def check_filter(node: Any, spec: LayerSpec, depth: int = 0) -> None:
    """400 for unknown properties, unsupported operators, literals of the wrong type, too deep or long patterns."""
    if depth > MAX_FILTER_DEPTH:
        raise bad_request(f"filter nests deeper than {MAX_FILTER_DEPTH} levels; simplify it (e.g. use IN)")
    if isinstance(node, ast.Function):
        if node.name.lower() == "bbox":
            return
        raise bad_request(f"filter: function {node.name}() is not supported")
    if isinstance(node, (ast.Arithmetic, ast.TemporalPredicate, ast.ArrayPredicate)):
        raise bad_request(f"filter: {type(node).__name__} expressions are not supported")
    if isinstance(node, ast.Node) and not isinstance(node, SUPPORTED):
        raise bad_request(f"filter: {type(node).__name__} is not supported")
    if isinstance(node, ast.Attribute):
        if node.name != GEOMETRY and not spec.has_field(node.name):
            known = ", ".join([*spec.field_names, GEOMETRY])
            raise bad_request(f"filter: {spec.name} has no queryable {node.name!r} (queryables: {known})")
        return
    if isinstance(node, ast.SpatialComparisonPredicate):
        if not (isinstance(node.lhs, ast.Attribute) and node.lhs.name == GEOMETRY):
            raise bad_request(f"filter: spatial predicates compare the '{GEOMETRY}' property with a geometry")
        if not isinstance(node.rhs, (values.Geometry, values.Envelope, ast.Function)):
            raise bad_request("filter: the second argument of a spatial predicate must be a geometry literal")
    lhs = getattr(node, "lhs", None)
    if isinstance(lhs, ast.Attribute) and lhs.name != GEOMETRY and spec.has_field(lhs.name):
        field = spec.field(lhs.name)
        if isinstance(node, ast.Like) and field.type != "string":
            raise bad_request(f"filter: LIKE needs a text property; {field.name} is {field.type}")
        if isinstance(node, ast.Like) and len(node.pattern) > MAX_PATTERN_CHARS:
            raise bad_request(f"filter: LIKE pattern longer than {MAX_PATTERN_CHARS} characters")
        literals = [v for v in node.get_sub_nodes() if not isinstance(v, (ast.Node, values.Geometry))]
        if isinstance(node, ast.Like):
            literals.append(node.pattern)
        for value in literals:
            if isinstance(value, str) and "\x00" in value:  # no stored text holds one (PostgreSQL text cannot)
                raise bad_request(f"filter: a text value for {field.name} contains a NUL character")
            ok = isinstance(value, LITERALS[field.type]) and not (
                field.type in ("integer", "number") and isinstance(value, bool)
            )
            if not ok:
                raise bad_request(f"filter: {field.name} is {field.type}, cannot compare it with {value!r}")
    elif (
        isinstance(lhs, ast.Attribute)
        and lhs.name == GEOMETRY
        and not isinstance(node, (ast.SpatialComparisonPredicate, ast.IsNull))
    ):
        raise bad_request(f"filter: '{GEOMETRY}' can only be used in spatial predicates")
    elif lhs is not None and not isinstance(lhs, ast.Node) and isinstance(node, ast.Comparison):
        raise bad_request("filter: the left side of a comparison must be a property")
    for sub in node.get_sub_nodes() if hasattr(node, "get_sub_nodes") else ():
        check_filter(sub, spec, depth + 1)


def too_slow(seconds: float) -> ApiProblem:
    return ApiProblem(
        422,
        "Query too expensive",
        f"the query ran longer than its budget of {seconds:g} s; narrow it (bbox, fewer wildcards, simpler filter)",
    )


class Deadline:
    """A per-request time budget: evaluation stops with a 422 once the clock passes it."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.at = time.monotonic() + seconds

    def check(self) -> None:
        if time.monotonic() >= self.at:
            raise too_slow(self.seconds)


class _Evaluator(GeoPandasEvaluator):
    """pygeofilter's GeoPandas evaluator, plus CQL2's BBOX(), geometry literals in ``filter-crs``, a linear LIKE
    and a time budget."""

    def __init__(self, df: pd.DataFrame, filter_crs: str, deadline: Deadline | None) -> None:
        super().__init__(df, {name: name for name in df.columns})
        self.filter_crs = filter_crs
        self.deadline = deadline

    def evaluate(self, node: Any, adopt_result: bool = True) -> Any:
        if self.deadline is not None:
            self.deadline.check()
        return super().evaluate(node, adopt_result)

    @handle(ast.Like)
    def like(self, node: ast.Like, lhs: Any) -> Any:
        # CQL2: % any run, _ one character, \\ escape (pygeofilter's own translation backtracks exponentially).
        matches = compile_like(node.pattern, nocase=node.nocase)
        if not isinstance(lhs, pd.Series):  # a literal on the left: one answer for every row
            return (lhs is not None) and matches(str(lhs)) != node.not_
        values = lhs.astype("string")
        out = np.zeros(len(values), dtype=bool)
        known = ~np.asarray(values.isna(), dtype=bool)
        for i, text in enumerate(values.to_numpy(dtype=object)):
            if known[i]:
                out[i] = matches(text)
            if self.deadline is not None and i % _CLOCK_EVERY == _CLOCK_EVERY - 1:
                self.deadline.check()
        result = pd.array(out, dtype="boolean")
        result[~known] = pd.NA
        return pd.Series(~result if node.not_ else result, index=values.index)

    @handle(ast.Function)
    def function(self, node: ast.Function, *args: Any) -> Any:
        minx, miny, maxx, maxy = (args[0], args[1], args[3], args[4]) if len(args) == 6 else args
        return geometry_to_crs84(Polygon.from_bounds(minx, miny, maxx, maxy), self.filter_crs)

    @handle(values.Geometry)
    def geometry(self, node: values.Geometry) -> Any:
        return geometry_to_crs84(shape(node.geometry), self.filter_crs)


def evaluate_filter(
    node: ast.Node, table: pd.DataFrame, filter_crs: str = CRS84, deadline: Deadline | None = None
) -> np.ndarray:
    """Boolean mask over ``table``'s rows; unknown (NA) counts as no match, as in SQL."""
    if isinstance(node, ast.Function) and node.name.lower() == "bbox":
        raise bad_request("filter: BBOX() must be used inside a spatial predicate")
    try:
        result = _Evaluator(table, filter_crs, deadline).evaluate(node)
    except (TypeError, ValueError, ShapelyError) as exc:  # ShapelyError: a malformed geometry literal
        raise bad_request(f"filter could not be applied: {exc}") from exc
    if isinstance(result, (pd.Series, pd.api.extensions.ExtensionArray, np.ndarray)):
        return np.asarray(pd.Series(result).fillna(False).astype(bool))
    return np.full(len(table), bool(result))
