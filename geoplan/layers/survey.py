"""Data coverage: which villages a layer was surveyed for, kept by the store beside the layer's features.

A layer that holds no clinic in a village says nothing about that village unless somebody looked there. The
declaration says where somebody looked: the whole area, a list of village codes, or a polygon. Without one, a
layer counts as surveyed only in the villages its own features fall in (so a facilities file for one village
makes one village assessable, not a hundred villages "without a clinic"); a planner declares a project layer
complete for the whole area explicitly.

The declaration is stored as the ``surveyed`` member of the layer file (RFC 7946 allows foreign members), so it
is written atomically with the features and recorded in the same change log.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Literal

from geoplan.errors import GeoplanError, VersionConflict
from geoplan.layers.limits import coordinates_beyond

Scope = Literal["features", "all", "villages", "area"]
SCOPES: tuple[str, ...] = ("features", "all", "villages", "area")
#: Top-level member of a layer file that holds the declaration.
MEMBER = "surveyed"
#: A village counts as surveyed by an ``area`` declaration when at least this share of it lies inside.
AREA_SHARE = 0.9
#: Upper bound on codes in one declaration (a county has a few thousand villages).
MAX_CODES = 100_000
_CODE = re.compile(r"^[0-9]{12}$")


class SurveyError(GeoplanError):
    """A survey declaration is malformed (unknown scope, bad village code, not a polygon …)."""

    def __init__(self, message: str, zh: str) -> None:
        super().__init__(message)
        self.zh = zh


class SurveyConflict(VersionConflict):
    """A declaration was written against one that is no longer current (If-Match on the survey's ETag)."""

    def __init__(self, layer: str, expected: str, current: str) -> None:
        GeoplanError.__init__(
            self, f"layer {layer}: the survey declaration has changed (now {current}, not {expected}); reload and retry"
        )
        self.zh = f"图层 {layer}:调查范围声明已被修改(当前 {current},不是 {expected});请重新读取后再修改"
        self.current = current


@dataclass(frozen=True)
class Survey:
    """Where a layer was surveyed, and (buildings) whether features without ``use`` are residential."""

    scope: Scope = "features"
    villages: tuple[str, ...] = ()
    #: GeoJSON Polygon or MultiPolygon in lon/lat (scope ``area``).
    area: dict[str, Any] | None = None
    #: The layer is a residential survey: buildings without ``use`` are houses.
    residential: bool = False

    def __deepcopy__(self, memo: dict) -> Survey:
        return self  # immutable; pandas deep-copies frame.attrs on every operation

    @property
    def declared(self) -> bool:
        """False for the default (the villages the features fall in)."""
        return self.scope != "features" or self.residential

    @property
    def tag(self) -> str:
        """A version tag of the declaration (digits, for an ETag): the same declaration always has the same tag."""
        import hashlib
        import json

        text = json.dumps(self.to_json(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return str(int(hashlib.sha256(text.encode()).hexdigest()[:12], 16))

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"scope": self.scope}
        if self.scope == "villages":
            out["villages"] = list(self.villages)
        if self.scope == "area":
            out["area"] = self.area
        if self.residential:
            out["residential"] = True
        return out

    @staticmethod
    def from_json(data: Any, max_vertices: int | None = None) -> Survey:
        """Parse and check a declaration (a layer file's member, an API body); SurveyError when malformed.

        ``max_vertices`` bounds an ``area`` polygon for a new declaration (a stored one is read whatever the
        server's current bound).
        """
        if data is None:
            return Survey()
        if not isinstance(data, dict):
            raise SurveyError("survey declaration must be an object", "调查范围声明必须是对象")
        unknown = set(data) - {"scope", "villages", "area", "residential"}
        if unknown:
            names = ", ".join(sorted(map(str, unknown)))
            raise SurveyError(f"survey declaration: unknown member(s) {names}", f"调查范围声明：未知字段 {names}")
        scope = data.get("scope", "features")
        if scope not in SCOPES:
            raise SurveyError(
                f"survey scope must be one of {', '.join(SCOPES)}, not {str(scope)[:40]!r}",
                f"调查范围 scope 须为 {', '.join(SCOPES)} 之一，而不是 {str(scope)[:40]!r}",
            )
        residential = data.get("residential", False)
        if not isinstance(residential, bool):
            raise SurveyError("survey 'residential' must be true or false", "调查范围 residential 须为 true 或 false")
        villages: tuple[str, ...] = ()
        area = None
        if scope == "villages":
            villages = check_codes(data.get("villages"))
        elif "villages" in data and data["villages"] not in (None, []):
            raise SurveyError("'villages' goes with scope 'villages'", "villages 仅用于 scope 为 villages 时")
        if scope == "area":
            area = check_area(data.get("area"), max_vertices)
        elif data.get("area") is not None:
            raise SurveyError("'area' goes with scope 'area'", "area 仅用于 scope 为 area 时")
        return Survey(scope, villages, area, residential)  # type: ignore[arg-type]


def check_codes(codes: Any) -> tuple[str, ...]:
    """Village codes as a sorted tuple of distinct 12-digit strings; SurveyError naming the first bad one."""
    if not isinstance(codes, (list, tuple)) or not codes:
        raise SurveyError("scope 'villages' needs a non-empty list of village codes", "需要至少一个行政村代码")
    if len(codes) > MAX_CODES:
        raise SurveyError(f"at most {MAX_CODES} village codes", f"行政村代码最多 {MAX_CODES} 个")
    for code in codes:
        if not isinstance(code, str) or not _CODE.fullmatch(code):
            shown = repr(code)[:40]
            raise SurveyError(
                f"village code {shown} is not a 12-digit division code", f"行政村代码 {shown} 不是12位区划代码"
            )
    return tuple(sorted(set(codes)))


def check_area(area: Any, max_vertices: int | None = None) -> dict[str, Any]:
    """A valid GeoJSON (Multi)Polygon in lon/lat, within ``max_vertices`` when given; SurveyError otherwise.

    The bounds are counted before shapely sees the array: a declaration is kept in the layer and intersected with
    every village on each analysis, so it obeys the same vertex bound as a feature (``GEOPLAN_MAX_VERTICES``).
    """
    import shapely
    import shapely.geometry

    if not isinstance(area, dict) or area.get("type") not in ("Polygon", "MultiPolygon"):
        raise SurveyError("scope 'area' needs a GeoJSON Polygon or MultiPolygon", "area 须为 GeoJSON 面 (Polygon)")
    beyond = coordinates_beyond(area.get("coordinates"), sys.maxsize if max_vertices is None else max_vertices)
    if beyond == "too_deep":
        raise SurveyError("survey area: coordinates nested too deep", "调查范围面：坐标嵌套层数过多")
    if beyond == "too_many_vertices":
        raise SurveyError(
            f"survey area has more than {max_vertices} vertices; simplify it first (or raise GEOPLAN_MAX_VERTICES)",
            f"调查范围面的顶点超过 {max_vertices} 个;请先简化(或调整 GEOPLAN_MAX_VERTICES)",
        )
    try:
        geom = shapely.geometry.shape(area)
    except Exception:  # noqa: BLE001 (shapely raises several types for malformed coordinates)
        raise SurveyError("survey area: malformed coordinates", "调查范围面：坐标格式错误") from None
    minx, miny, maxx, maxy = geom.bounds if not geom.is_empty else (0, 0, 0, 0)
    if geom.is_empty or not geom.is_valid or minx < -180 or maxx > 180 or miny < -90 or maxy > 90:
        raise SurveyError("survey area: not a valid lon/lat polygon", "调查范围面无效（须为经纬度坐标的有效面）")
    return {"type": area["type"], "coordinates": area["coordinates"]}


def parse_codes_text(text: str) -> tuple[str, ...]:
    """Village codes from free text: separated by commas, semicolons, whitespace or 、 (a pasted column)."""
    parts = [p for p in re.split(r"[\s,;、，；]+", text) if p]
    return check_codes(parts)


def parse_option(value: str) -> Survey:
    """The ``--surveyed`` option: ``all``, ``features`` or comma-separated village codes."""
    value = value.strip()
    if value in ("all", "features"):
        return Survey(value)  # type: ignore[arg-type]
    return Survey("villages", parse_codes_text(value))


def import_declaration(
    surveyed: str | None, residential: bool, codes_text: str | None = None
) -> Callable[[Survey], Survey] | None:
    """What an import's ``surveyed`` (``all``/codes), codes text (a pasted column) and residential flag declare.

    Returned as a function of the layer's current declaration, so the residential flag alone keeps its scope;
    None when nothing is declared.  SurveyError (before anything is read) for a bad option.
    """
    if surveyed is not None and codes_text is not None:
        raise SurveyError(
            "give --surveyed or --surveyed-from-file, not both", "--surveyed 与 --surveyed-from-file 只能给一个"
        )
    scope: Survey | None = parse_option(surveyed) if surveyed is not None else None
    if codes_text is not None:
        scope = Survey("villages", parse_codes_text(codes_text))
    if scope is None and not residential:
        return None

    def declare(current: Survey) -> Survey:
        return replace(scope or current, residential=residential or current.residential)

    return declare


def describe(survey: Survey, lang: str = "zh") -> str:
    """One line for `geoplan layers`."""
    zh = lang == "zh"
    if survey.scope == "all":
        text = "全域" if zh else "whole area"
    elif survey.scope == "villages":
        n = len(survey.villages)
        shown = ",".join(survey.villages[:3]) + ("…" if n > 3 else "")
        text = f"{n}个村 ({shown})" if zh else f"{n} villages ({shown})"
    elif survey.scope == "area":
        text = "指定范围面" if zh else "a surveyed polygon"
    else:
        text = "要素所在村(默认)" if zh else "villages with features (default)"
    if survey.residential:
        text += "；住宅调查" if zh else "; residential survey"
    return text
