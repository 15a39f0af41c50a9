"""Map a file's columns and values onto a layer's catalogue fields and enums.

Column names are matched, in order, by: an explicit ``--field 源=目标``; a preset (a TOML field map shipped in
``presets/`` or given as a path); the catalogue itself (field name, its 10-character Shapefile truncation, its
Chinese or English label); and a dictionary of names common in Chinese planning spreadsheets. Values of enum
fields are matched by value, Chinese or English label, or common synonyms (已建 → existing …). Values that
cannot be read as the field's type are passed on unchanged, so validation names the row, field and reason.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from geoplan.layers.catalogue import Catalogue, FieldSpec, LayerSpec
from geoplan.transfer.errors import FieldMapError

#: Common column names in Chinese planning data, by catalogue field (used only when the layer has that field).
COLUMN_SYNONYMS: dict[str, tuple[str, ...]] = {
    "name": ("名称", "项目名称", "名字", "道路名称", "路名", "设施名称", "水库名称", "线路名称", "村名", "村庄名称",
             "自然村", "自然村名称", "户主", "户主姓名", "标题"),
    "code": ("行政区划代码", "区划代码", "统计用区划代码", "村代码", "代码", "行政村代码", "village_code", "djzqdm",
             "zqdm", "xzqdm", "xzqhdm", "cun_code", "村级代码", "地籍子区代码"),
    "status": ("状态", "建设状态", "项目状态", "建设性质", "现状/规划"),
    "year": ("年份", "年度", "建设年份", "建成年份", "实施年度", "计划年度", "建设年度"),
    "budget_wan": ("投资", "投资额", "总投资", "估算投资", "预算", "投资金额", "投资估算"),
    "village_code": ("所属行政村代码", "村代码", "行政村代码", "所属村代码", "区划代码", "行政区划代码"),
    "note": ("备注", "说明", "描述", "description"),
    "road_class": ("道路等级", "公路等级", "技术等级", "行政等级", "等级"),
    "surface": ("路面", "路面类型", "路面材质", "路面结构", "路面状况"),
    "width_m": ("路面宽度", "宽度", "路宽", "路基宽度"),
    "danger_grade": ("危房等级", "鉴定等级", "危险等级", "等级"),
    "households": ("户数", "农户数", "住户数"),
    "population": ("人口", "人数", "户籍人口", "常住人口", "人口数", "population_registered", "registered_population",
                   "hjrk", "总人口"),
    "water_type": ("水域类型", "水体类型", "水面类型", "类型", "类别"),
    "utility": ("线路类别", "线路类型", "管线类别", "类型"),
    "laying": ("敷设方式", "架设方式", "敷设", "埋设方式"),
    "works": ("工程类别", "项目类型", "建设内容", "工程类型"),
    "tidy_status": ("整治状况", "整治状态", "是否整治"),
    "area_mu": ("亩数", "申报面积", "新增水田面积", "改造面积"),
    "label": ("类型说明", "设施说明", "原类型", "调查类型"),
    "identified_year": ("鉴定年份", "鉴定年度", "认定年度"),
    "capacity_10k_m3": ("总库容", "库容"),
    "scale": ("规模", "工程规模", "水库规模"),
    "safety": ("安全状况", "安全鉴定", "大坝安全", "坝体安全", "安全类别"),
    "irrigated_area_mu": ("灌溉面积", "有效灌溉面积", "设计灌溉面积"),
    "pipe_kind": ("管道类别", "管网类别", "管道类型", "管线类别"),
    "diameter_mm": ("管径", "直径", "公称直径", "dn"),
    "material": ("管材", "材质", "管道材质"),
    "designation": ("称号", "荣誉称号", "创建称号"),
    "level": ("级别", "称号级别"),
    "route_type": ("线路类型", "类型"),
    "kind": ("设施类型", "类型", "类别", "设施类别"),
    "capacity": ("床位", "学位", "车位", "容量", "规模"),
    "grade": ("等级", "星级"),
    "use": ("用途", "房屋用途", "建筑用途"),
    "has_tap": ("通自来水", "已通自来水", "自来水", "是否通自来水"),
    "is_village_centre": ("村委会驻地", "是否村委会驻地"),
    "has_5g": ("5g", "5g通达", "5g覆盖", "通5g"),
}  # fmt: skip

#: Common ways of writing enum values, by enum (value and labels from the catalogue are always accepted).
VALUE_SYNONYMS: dict[str, dict[str, tuple[str, ...]]] = {
    "status": {
        "existing": ("已建", "现有", "已有", "既有", "建成", "已建成", "存量"),
        "under_construction": ("施工中", "正在建设", "建设中", "在建中"),
        "planned": ("规划新建", "拟建", "计划", "新建", "待建", "规划建设", "拟实施"),
        "completed": ("完工", "竣工", "已竣工", "完成", "已完成", "建成完工"),
    },
    "road_class": {
        "national": ("g", "国道公路"), "provincial": ("s",), "county": ("x", "县级公路"),
        "township": ("y", "乡级公路"), "village": ("c", "村级公路", "村组道路"), "group": ("通组路", "组级道路"),
    },
    "surface": {
        "paved": ("水泥", "水泥路", "水泥混凝土", "混凝土", "沥青", "沥青路", "沥青混凝土", "柏油", "硬化路", "已硬化"),
        "gravel": ("砂石路", "沙石", "碎石", "泥结碎石", "石子路"),
        "earth": ("土", "泥土", "土质", "土路面", "未硬化"),
    },
    "danger_grade": {"C": ("c级", "c级危房", "局部危房"), "D": ("d级", "d级危房", "整幢危房")},
    "reservoir_scale": {
        "small_2": ("小二型", "小(ii)型", "小ⅱ型", "小2型"), "small_1": ("小一型", "小(i)型", "小ⅰ型", "小1型"),
        "medium": ("中",), "large": ("大",),
    },
    "dam_safety": {
        "safe": ("一类坝", "安全"), "watch": ("二类坝", "基本安全"), "unsafe": ("三类坝", "病险", "病险水库"),
        "under_reinforcement": ("加固中",), "reinforced": ("已加固", "除险加固完成"),
    },
    "pipe_kind": {"main": ("干管", "主干管", "主管网"), "branch": ("支线", "入户管", "配水管")},
    "pipe_material": {
        "pe": ("pe", "hdpe", "聚乙烯"), "pvc": ("pvc", "upvc", "pvc-u"), "ductile_iron": ("球墨铸铁", "球墨管"),
        "steel": ("镀锌钢管", "钢"), "concrete": ("混凝土", "砼管"),
    },
    "building_use": {
        "residential": ("居住", "民房", "农房", "住房"), "public": ("公共", "公建"),
        "commercial": ("商铺", "商用", "经营"), "other": ("其它",),
    },
    "designation_level": {"county": ("县",), "city": ("市", "地市级"), "provincial": ("省",), "national": ("国家",)},
    "facility_kind": {
        "clinic": ("卫生室", "卫生所"), "health_centre": ("乡镇卫生院",), "public_toilet": ("公共厕所", "厕所"),
        "garbage_station": ("垃圾站", "垃圾收集站", "垃圾中转站"), "village_committee": ("村部", "村委"),
        "bus_stop": ("公交站", "招呼站", "候车亭"), "elderly_care": ("养老院", "幸福院", "日间照料中心"),
        "sewage_plant": ("污水处理站", "污水处理厂"), "water_plant": ("供水站",),
    },
}  # fmt: skip

_TRUE = {"true", "1", "yes", "y", "t", "是", "有", "√", "已通", "通"}
_FALSE = {"false", "0", "no", "n", "f", "否", "无", "×", "未通", "不通"}
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_UNIT_SUFFIX = re.compile(r"^([+-]?\d+(?:\.\d+)?)\s*(年|户|人|米|m|mm|毫米|万元|亩|座|个|万m³|万方)$", re.IGNORECASE)


def normalise_name(text: object) -> str:
    """Column names compared loosely: case, spaces, full-width brackets and a trailing unit do not matter."""
    s = re.sub(r"\s+", "", str(text)).lower().replace("（", "(").replace("）", ")")
    return re.sub(r"\((万元|元|m|米|mm|毫米|户|人|亩|万m³|万m3|km|公里)\)$", "", s)


def normalise_value(text: object) -> str:
    return re.sub(r"\s+", "", str(text)).lower().replace("（", "(").replace("）", ")")


@dataclass(frozen=True)
class Preset:
    """A named field map for one kind of source (e.g. OpenStreetMap roads), loaded from TOML."""

    name: str
    layer: str | None
    description: str
    #: target field → source columns, tried in order; the first whose value maps wins.
    fields: dict[str, tuple[str, ...]]
    #: target field → {source value → catalogue value}.
    values: dict[str, dict[str, str]]
    #: target field → value or ``str.format`` template over the source row, used when the row gives none.
    defaults: dict[str, str]
    #: source column → values whose rows are left out (counted in the report, not errors).
    skip: dict[str, tuple[str, ...]]


def preset_names() -> list[str]:
    """Presets shipped with geoplan (``geoplan/transfer/presets/*.toml``)."""
    folder = resources.files("geoplan.transfer").joinpath("presets")
    return sorted(p.name.removesuffix(".toml") for p in folder.iterdir() if p.name.endswith(".toml"))


def load_preset(name_or_path: str) -> Preset:
    """A shipped preset by name (``osm-roads``) or a TOML file by path."""
    path = Path(name_or_path)
    if path.suffix == ".toml" and path.is_file():
        text, name = path.read_text(encoding="utf-8"), path.stem
    else:
        name = name_or_path.replace("_", "-")
        res = resources.files("geoplan.transfer").joinpath("presets").joinpath(f"{name}.toml")
        if not res.is_file():
            raise FieldMapError(f"no preset {name_or_path!r}; shipped presets: {', '.join(preset_names())}")
        text = res.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise FieldMapError(f"preset {name}: not valid TOML ({exc})") from exc
    fields = {k: (v,) if isinstance(v, str) else tuple(v) for k, v in data.get("fields", {}).items()}
    values = {k: {str(a): str(b) for a, b in v.items()} for k, v in data.get("values", {}).items()}
    skip = {k: tuple(str(x) for x in v) for k, v in data.get("skip", {}).items()}
    defaults = {k: str(v) for k, v in data.get("defaults", {}).items()}
    return Preset(name, data.get("layer"), data.get("description", ""), fields, values, defaults, skip)


@dataclass
class FieldMap:
    """How one file's columns become one layer's properties."""

    layer: LayerSpec
    #: target field → source columns in the order they are tried.
    columns: dict[str, tuple[str, ...]]
    ignored: tuple[str, ...]
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    defaults: dict[str, str] = field(default_factory=dict)
    skip: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: target field → ``--set`` value or template, for rows whose columns give none.
    sets: dict[str, str] = field(default_factory=dict)
    #: target field → how its columns were chosen (field, preset, name, shapefile, label, synonym).
    how: dict[str, str] = field(default_factory=dict)


def parse_field_options(items: Iterable[str]) -> dict[str, str]:
    """``["名称=name", "LX=road_class"]`` → {source: target}; a clear error for anything else."""
    out: dict[str, str] = {}
    for item in items:
        source, sep, target = item.partition("=")
        if not sep or not source.strip() or not target.strip():
            raise FieldMapError(f"--field {item!r}: write it as 源字段=目标字段 (source column=catalogue field)")
        out[source.strip()] = target.strip()
    return out


def parse_set_options(items: Iterable[str]) -> dict[str, str]:
    """``["name={code}", "status=planned"]`` → {field: value or template}; a clear error for anything else."""
    out: dict[str, str] = {}
    for item in items:
        target, sep, value = item.partition("=")
        if not sep or not target.strip():
            raise FieldMapError(f"--set {item!r}: write it as 字段=值 (FIELD=VALUE, e.g. name={{code}})")
        template_fields(value)  # a bad template is refused before the file is read
        out[target.strip()] = value.strip()
    return out


#: Longest template accepted (a name or a note, never a program).
MAX_TEMPLATE = 200
_TEMPLATE_PART = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")


def template_fields(template: str) -> list[str]:
    """The column names a template refers to (``"{code}村"`` → ["code"]); only plain names are allowed.

    Expansion is plain substitution: no attribute or index access, no format specs or conversions — a template
    is planner input and must not reach into Python objects or build huge strings.  ``{{`` and ``}}`` are
    literal braces.
    """
    if len(template) > MAX_TEMPLATE:
        raise FieldMapError(f"template {template[:40]!r}…: longer than {MAX_TEMPLATE} characters")
    names = []
    for m in _TEMPLATE_PART.finditer(template):
        token = m.group(0)
        if token in ("{{", "}}"):
            continue
        name = m.group(1)
        if name is None or not name.strip() or any(c in name for c in ".[]:!"):
            raise FieldMapError(
                f"template {template!r}: {token!r} is not a plain column name in braces — write e.g. {{code}} "
                "(no attributes, indexes or format specs; {{ and }} for literal braces)"
            )
        names.append(name.strip())
    return names


def expand_template(template: str, row: Mapping[str, Any]) -> str:
    """``template`` with each ``{column}`` replaced by the row's value (blank when missing)."""

    def part(m: re.Match[str]) -> str:
        token = m.group(0)
        if token in ("{{", "}}"):
            return token[0]
        value = row.get(m.group(1).strip()) if m.group(1) is not None else None
        if _blank(value):
            return ""
        if isinstance(value, float) and value.is_integer():
            return str(int(value))  # Excel stores codes like 430123001001 as numbers
        return str(value)

    template_fields(template)  # refuses anything but plain names
    return _TEMPLATE_PART.sub(part, template)


def _target_field(layer: LayerSpec, target: str) -> str:
    """A catalogue field named by its name or its Chinese/English label."""
    key = normalise_name(target)
    for f in layer.fields:
        if not f.readonly and key in (f.name.lower(), normalise_name(f.zh), normalise_name(f.en)):
            return f.name
    names = ", ".join(f"{f.name} ({f.zh})" for f in layer.fields if not f.readonly)
    raise FieldMapError(f"layer {layer.name} has no field {target!r}; its fields: {names}")


def _auto_target(layer: LayerSpec, column: str) -> tuple[str, str] | None:
    """The field a column name means, and how that was decided (name, shapefile, label, synonym)."""
    key = normalise_name(column)
    writable = [f for f in layer.fields if not f.readonly]
    for f in writable:
        if key == f.name.lower():
            return f.name, "name"
    # Shapefile DBF names are cut to 10 characters (village_code → village_co).
    truncated = [f.name for f in writable if len(f.name) > 10 and key == f.name[:10].lower()]
    if len(truncated) == 1:
        return truncated[0], "shapefile"
    for f in writable:
        if key in (normalise_name(f.zh), normalise_name(f.en)):
            return f.name, "label"
    for f in writable:
        if key in (normalise_name(s) for s in COLUMN_SYNONYMS.get(f.name, ())):
            return f.name, "synonym"
    return None


def build_field_map(
    layer: LayerSpec,
    columns: Iterable[str],
    explicit: Mapping[str, str] | None = None,
    preset: Preset | None = None,
    sets: Mapping[str, str] | None = None,
) -> FieldMap:
    """Decide which column feeds which field; explicit choices first, then the preset, then by name.

    ``sets`` (``--set FIELD=VALUE``) give a value or a ``{column}`` template for rows whose columns give none.
    """
    cols = [str(c) for c in columns if str(c) != "geometry"]
    mapped: dict[str, list[str]] = {}
    how: dict[str, str] = {}
    used: set[str] = set()
    for source, target in (explicit or {}).items():
        if source not in cols:
            raise FieldMapError(
                f"--field {source}={target}: the file has no column {source!r}; it has {', '.join(cols)}"
            )
        mapped.setdefault(_target_field(layer, target), []).append(source)
        how[_target_field(layer, target)] = "field"
        used.add(source)
    values: dict[str, dict[str, str]] = {}
    defaults: dict[str, str] = {}
    skip: dict[str, tuple[str, ...]] = {}
    if preset is not None:
        for target, sources in preset.fields.items():
            name = _target_field(layer, target)
            if name in mapped:
                continue  # an explicit --field wins
            present = [s for s in sources if s in cols]
            if present:
                mapped[name] = present
                how[name] = "preset"
                used.update(present)
        values = {_target_field(layer, k): v for k, v in preset.values.items()}
        defaults = {_target_field(layer, k): v for k, v in preset.defaults.items()}
        for template in defaults.values():
            template_fields(template)
        skip = {k: v for k, v in preset.skip.items() if k in cols}
    for column in cols:
        if column in used or normalise_name(column) == "id":
            continue
        found = _auto_target(layer, column)
        if found is not None and found[0] not in mapped:
            mapped[found[0]] = [column]
            how[found[0]] = found[1]
            used.add(column)
    chosen: dict[str, str] = {}
    for target, template in (sets or {}).items():
        missing = [c for c in template_fields(template) if c not in cols]
        if missing:
            raise FieldMapError(
                f"--set {target}={template}: the file has no column {missing[0]!r}; it has {', '.join(cols)}"
            )
        chosen[_target_field(layer, target)] = template
    ignored = tuple(c for c in cols if c not in used and normalise_name(c) != "id")
    return FieldMap(
        layer, {k: tuple(v) for k, v in mapped.items()}, ignored, values, defaults, skip, sets=chosen, how=how
    )


def _blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, str) and value.strip() == ""


def enum_value(catalogue: Catalogue, enum: str, value: Any, extra: Mapping[str, str] | None = None) -> str | None:
    """The catalogue value a text means (``"已建"`` → ``"existing"``), or None when it means none."""
    raw = str(value).strip()
    if extra and raw in extra:
        return extra[raw]
    key = normalise_value(raw)
    if extra:
        for k, v in extra.items():
            if normalise_value(k) == key:
                return v
    for v in catalogue.enums.get(enum, ()):
        if key in (normalise_value(v.value), normalise_value(v.zh), normalise_value(v.en)):
            return v.value
    for v in catalogue.enums.get(enum, ()):
        if key in (normalise_value(a) for a in v.aliases):  # the catalogue's own synonyms (现状设施点, 祠堂 …)
            return v.value
    for target, words in VALUE_SYNONYMS.get(enum, {}).items():
        if key in (normalise_value(w) for w in words):
            return target
    return None


def _as_number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    s = str(value).strip().replace("，", ",")
    m = _UNIT_SUFFIX.match(s)
    if m:
        s = m.group(1)
    if re.fullmatch(r"\d{1,3}(,\d{3})+(\.\d+)?", s):
        s = s.replace(",", "")
    elif re.fullmatch(r"\d+,\d+", s):
        s = s.replace(",", ".")  # decimal comma, as in OSM's width=1,5
    return float(s) if _NUMBER.match(s) else None


def coerce(catalogue: Catalogue, spec: FieldSpec, value: Any, extra: Mapping[str, str] | None = None) -> Any:
    """``value`` as the field's type (and enum value); unreadable values come back unchanged for validation."""
    if spec.enum is not None:
        mapped = enum_value(catalogue, spec.enum, value, extra)
        return mapped if mapped is not None else str(value).strip()
    if extra and str(value).strip() in extra:
        value = extra[str(value).strip()]
    if spec.type in ("integer", "number"):
        n = _as_number(value)
        if n is None or not math.isfinite(n):
            return value if not isinstance(value, float) else str(value)
        if spec.type == "integer":
            return int(n) if n.is_integer() else n
        return int(n) if isinstance(value, int) and not isinstance(value, bool) else n
    if spec.type == "boolean":
        if isinstance(value, bool):
            return value
        key = normalise_value(value)
        if key.endswith(".0"):
            key = key[:-2]
        if key in _TRUE:
            return True
        if key in _FALSE:
            return False
        return str(value)
    if spec.type == "date" and isinstance(value, (datetime, date)):
        return value.date().isoformat() if isinstance(value, datetime) else value.isoformat()
    if spec.type == "datetime" and isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # Excel stores codes like 430123001001 as numbers
    text = str(value).strip()
    return text[:-2] if re.fullmatch(r"\d+\.0", text) else text


def map_row(catalogue: Catalogue, fmap: FieldMap, row: Mapping[str, Any]) -> dict[str, Any]:
    """One source row → catalogue properties (blank cells omitted, so optional fields stay absent)."""
    props: dict[str, Any] = {}
    for target, sources in fmap.columns.items():
        spec = fmap.layer.field(target)
        extra = fmap.values.get(target)
        chosen: Any = None
        for source in sources:
            value = row.get(source)
            if _blank(value):
                continue
            if len(sources) > 1 and extra is not None and spec.enum is not None:
                # Several columns feed one enum (OSM surface, then tracktype, then highway): take the first that maps.
                if enum_value(catalogue, spec.enum, value, extra) is None:
                    continue
            chosen = value
            break
        if chosen is not None:
            props[target] = coerce(catalogue, spec, chosen, extra)
    # --set values come before the preset's defaults (and --status): the planner said so for this file.
    for target, template in [*fmap.sets.items(), *fmap.defaults.items()]:
        if target not in props:
            text = expand_template(template, row).strip()
            if text:
                props[target] = coerce(catalogue, fmap.layer.field(target), text, fmap.values.get(target))
    return props


def skipped(fmap: FieldMap, row: Mapping[str, Any]) -> bool:
    """Whether a preset leaves this row out (e.g. footpaths when importing roads)."""
    return any(not _blank(row.get(col)) and str(row.get(col)).strip() in vals for col, vals in fmap.skip.items())
