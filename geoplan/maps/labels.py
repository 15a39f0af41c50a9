"""What a map says to a person: popup rows with catalogue labels and units, value labels, fixed UI text (zh/en)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from geoplan.layers.catalogue import Catalogue, FieldSpec, Lang, LayerSpec

#: Fixed texts of the map pages, in both languages.
TEXT: dict[str, dict[Lang, str]] = {
    "legend": {"zh": "图例", "en": "Legend"},
    "basemap_none": {"zh": "无底图(离线)", "en": "No basemap (offline)"},
    "basemap_osm": {"zh": "OpenStreetMap", "en": "OpenStreetMap"},
    "basemap_satellite": {"zh": "卫星影像", "en": "Satellite imagery"},
    "basemap_tianditu": {"zh": "天地图", "en": "Tianditu"},
    "tiles_failed": {
        "zh": "底图瓦片无法加载(可能没有互联网连接)。规划图层不受影响；可在右上角切换为“无底图”。",
        "en": "Basemap tiles cannot be loaded (no internet connection?). The planning layers are unaffected; "
        "choose “No basemap” in the layer control.",
    },
    "yes": {"zh": "是", "en": "yes"},
    "no": {"zh": "否", "en": "no"},
    "composite": {"zh": "综合得分", "en": "Composite score"},
    "baseline": {"zh": "现状", "en": "Baseline"},
    "plan": {"zh": "规划实施后", "en": "With the plan"},
    "measure": {"zh": "指标", "en": "Indicator"},
    "scenario": {"zh": "情景", "en": "Scenario"},
    "uncovered": {"zh": "未覆盖的自然村/农户", "en": "Uncovered settlements/households"},
    "catchment": {"zh": "服务半径", "en": "Service catchment"},
    "village": {"zh": "行政村", "en": "Village"},
    "value": {"zh": "现值", "en": "Value"},
    "target": {"zh": "目标", "en": "Target"},
    "status": {"zh": "状态", "en": "Status"},
    "gap": {"zh": "缺口", "en": "Gap"},
    "score": {"zh": "得分", "en": "Score"},
    "rank": {"zh": "排名(1=最差)", "en": "Rank (1 = worst)"},
    "indicators": {"zh": "指标表", "en": "Indicators"},
    "households": {"zh": "户数", "en": "Households"},
    "no_data": {"zh": "无数据", "en": "no data"},
    "panels": {"zh": "图层/图例", "en": "Layers/legend"},
    "title_overview": {"zh": "规划总览", "en": "Planning overview"},
    "title_gaps": {"zh": "村庄缺口地图", "en": "Village gap map"},
    "title_village": {"zh": "村庄地图", "en": "Village map"},
    "uncovered_dot": {"zh": "未覆盖的自然村/农户", "en": "Uncovered settlement/households"},
    "catchment_circle": {"zh": "设施服务半径", "en": "Facility service radius"},
    "uncovered_zoom": {"zh": "（放大到{zoom}级显示）", "en": " (shown from zoom {zoom})"},
    "village_boundary": {"zh": "本村边界", "en": "Village boundary"},
}


def text(key: str, lang: Lang = "zh") -> str:
    return TEXT[key][lang]


def popup_fields(spec: LayerSpec) -> tuple[FieldSpec, ...]:
    """The fields a feature's popup shows: every user field except bookkeeping and the village code."""
    return tuple(f for f in spec.fields if not f.readonly and f.name != "village_code")


def field_alias(field: FieldSpec, lang: Lang = "zh") -> str:
    """A popup row label: the catalogue title with its unit, e.g. ``投资(万元)``."""
    title = field.title(lang)
    if not field.unit:
        return title
    return f"{title}({field.unit})" if lang == "zh" else f"{title} ({field.unit})"


def formatter(catalogue: Catalogue, field: FieldSpec, lang: Lang = "zh") -> Callable[[Any], Any] | None:
    """How a raw value is shown: enum values by their label, booleans as 是/否."""
    if field.enum is not None:
        enum = field.enum
        return lambda v: catalogue.enum_label(enum, str(v), lang)
    if field.type == "boolean":
        return lambda v: text("yes" if v else "no", lang)
    if field.type == "number":
        return lambda v: round(float(v), 2)
    return None


def _missing(x: Any) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def count(x: Any, unit: str = "") -> str:
    """Whole units written as the gap report writes them (231户, 1座); km keeps one decimal (1.4km).

    The maps may not import the report package (tests/test_architecture.py), so the two formats are kept in
    step by tests/maps/test_village.py rather than shared.
    """
    if _missing(x):
        return "—"
    return f"{x:,.1f}km" if unit == "km" else f"{round(x):,}{unit}"


def number(x: Any, unit: str) -> str:
    """An indicator value: a share as a percentage with one decimal (44.4%), a count with its unit."""
    if _missing(x):
        return "—"
    return f"{x * 100:.1f}%" if unit == "%" else count(x, unit)
