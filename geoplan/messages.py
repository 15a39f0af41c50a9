"""Validation messages in Chinese and English, keyed by problem code.

Problems carry a code and parameters; this table renders them for the planner's language. The English text is
also each problem's ``message`` (logs, English clients); a code missing here falls back to it.
"""

from __future__ import annotations

from collections.abc import Mapping

TEMPLATES: dict[str, dict[str, str]] = {
    "not_feature": {"zh": "不是 GeoJSON 要素(Feature)对象", "en": "not a GeoJSON Feature object"},
    "bad_id": {"zh": "要素编号必须是字符串或数字", "en": "feature id must be a string or a number"},
    "id_rule": {
        "zh": "要素编号 {value} 不合规:只能用英文字母、数字和 _ . : -,以字母、数字或 _ 开头,1–128 个字符",
        "en": "feature id {value} breaks the id rule: 1–128 ASCII letters, digits and _ . : -, starting with a "
        "letter, digit or _",
    },
    "too_deep": {
        "zh": "坐标数组嵌套超过 {limit} 层(GeoJSON 最多为多面 MultiPolygon 的 4 层)",
        "en": "coordinates nest deeper than {limit} levels (GeoJSON's deepest, MultiPolygon, has 4)",
    },
    "too_many_vertices": {
        "zh": "几何图形的顶点超过 {limit} 个;请先简化(或调整 GEOPLAN_MAX_VERTICES)",
        "en": "geometry has more than {limit} vertices; simplify it first (or raise GEOPLAN_MAX_VERTICES)",
    },
    "patch_too_deep": {
        "zh": "合并补丁(merge patch)嵌套超过 {limit} 层",
        "en": "merge patch nests deeper than {limit} levels",
    },
    "unsafe_number": {
        "zh": "数值超出 ±{limit},JSON 无法精确表示",
        "en": "number is beyond ±{limit} and cannot be represented exactly in JSON",
    },
    "no_id": {"zh": "要素缺少编号(id)", "en": "feature has no id"},
    "duplicate_id": {"zh": "要素编号重复", "en": "duplicate feature id"},
    "id_exists": {"zh": "已存在相同编号的要素", "en": "a feature with this id already exists"},
    "missing_geometry": {"zh": "缺少几何图形(每个要素都需要)", "en": "missing geometry (every feature needs one)"},
    "geometry_type": {
        "zh": "本图层不允许几何类型 {got}(应为 {expected})",
        "en": "geometry type {got} is not allowed in this layer (expects {expected})",
    },
    "bad_position": {"zh": "坐标无效:{position}", "en": "invalid position {position}"},
    "out_of_range": {
        "zh": "坐标 ({lon}, {lat}) 超出经纬度范围;图层按 WGS84 经纬度存储(RFC 7946),投影坐标请在导入时转换",
        "en": "coordinate ({lon}, {lat}) is outside lon/lat range; stored GeoJSON is WGS84 lon/lat (RFC 7946) — "
        "reproject projected data on import",
    },
    "malformed": {"zh": "{got} 坐标格式错误:{detail}", "en": "malformed {got} coordinates: {detail}"},
    "empty": {"zh": "几何图形为空", "en": "geometry is empty"},
    "invalid_geometry": {"zh": "几何图形无效:{reason}", "en": "invalid geometry: {reason}"},
    "zero_length": {"zh": "线的长度为零", "en": "line has zero length"},
    "not_object": {"zh": "属性(properties)必须是 JSON 对象", "en": "properties must be a JSON object"},
    "unknown_field": {
        "zh": "未知字段(图层 {layer_name} 没有字段 {name})",
        "en": "unknown field (layer {layer_name} has no field {name!r})",
    },
    "required": {"zh": "必填字段缺失", "en": "required field is missing"},
    "control_chars": {
        "zh": "文本含有控制字符(如 \\x01),请删除",
        "en": "text contains control characters (e.g. \\x01); remove them",
    },
    "enum": {"zh": "取值 {value} 不在允许范围内:{allowed}", "en": "{value} is not one of {allowed}"},
    "enum_labelled": {
        "zh": "取值 {value} 不在允许范围内,可填:{choices_zh}",
        "en": "{value} is not one of {choices_zh}",
    },
    "type": {"zh": "类型错误:{value} 应为 {expected}", "en": "{value} is not of type {expected}"},
    "minimum": {"zh": "{value} 小于最小值 {limit}", "en": "{value} is less than the minimum of {limit}"},
    "maximum": {"zh": "{value} 大于最大值 {limit}", "en": "{value} is greater than the maximum of {limit}"},
    "pattern": {"zh": "{value} 格式不符(应匹配 {limit})", "en": "{value} does not match {limit}"},
    "max_length": {"zh": "长度超过 {limit} 个字符", "en": "longer than {limit} characters"},
    "format": {"zh": "{value} 不是有效的{limit}", "en": "{value} is not a valid {limit}"},
    "row_crs": {
        "zh": "坐标 {position} 不符合坐标系 {crs}(其他行都符合),请检查这一行",
        "en": "coordinates {position} do not fit {crs} (the other rows do): check this row",
    },
    "duplicate_feature": {
        "zh": "与图层中已有的要素 {existing} 名称和几何完全相同(重复导入?);确需导入请加 --allow-duplicates",
        "en": "same name and geometry as feature {existing} already in the layer (imported before?); "
        "use --allow-duplicates to import it anyway",
    },
}

_FORMAT_ZH = {"date-time": "日期时间(如 2026-01-31T08:00:00Z)", "date": "日期(如 2026-01-31)"}


def render(code: str, params: Mapping[str, object], lang: str, fallback: str) -> str:
    """The message for ``code`` in ``lang`` ("zh" or "en"), or ``fallback`` when the code has no template."""
    if code == "enum" and "choices_zh" in params:
        code = "enum_labelled"  # the catalogue's labels are known: list them beside the codes
    template = TEMPLATES.get(code, {}).get("zh" if lang == "zh" else "en")
    if template is None:
        return fallback
    values = dict(params)
    if code == "format" and lang == "zh":
        values["limit"] = _FORMAT_ZH.get(str(values.get("limit")), values.get("limit"))
    try:
        return template.format(**values)
    except (KeyError, IndexError, ValueError):
        return fallback


#: How a problem's location reads in each language.
LOCATION = {
    "zh": {"row": "第{}行", "feature": "要素 {}", "field": "字段 {}", "sep": ",", "colon": ":"},
    "en": {"row": "row {}", "feature": "feature {}", "field": "field {}", "sep": ", ", "colon": ": "},
}
