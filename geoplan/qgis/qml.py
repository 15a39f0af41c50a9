"""QGIS layer styles (QML) from the catalogue: the web maps' colours and status patterns, Chinese aliases.

A planner who opens the county in QGIS should see what the web map shows: existing works solid, planned ones
dashed and hollow, works under construction dotted; facilities coloured by kind and grouped by status in the
legend; enum fields edited through value maps that show 现状/规划 …, and every field named by its catalogue label.
The colours and patterns come from :mod:`geoplan.maps.styles`, so the two never drift apart.

Symbol layers are written with ``<prop k v>`` elements, which QGIS 3.x (3.22 included) reads everywhere.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from geoplan.layers.catalogue import Catalogue, Lang, LayerSpec
from geoplan.maps.styles import base_style, status_variant

#: QGIS's geometry names per catalogue geometry family (``<maplayer geometry=…>`` and symbol types).
QGIS_GEOMETRY = {"point": "Point", "line": "Line", "polygon": "Polygon"}
SYMBOL_TYPE = {"point": "marker", "line": "line", "polygon": "fill"}
#: Leaflet dashArray → QGIS pen style.
PEN = {None: "solid", "8 6": "dash", "2 6": "dot", "1 8": "dot"}
LABEL_FONT = "WenQuanYi Micro Hei"  # Debian's fonts-wqy-microhei; QGIS falls back to any CJK font it has


def rgba(color: str, opacity: float = 1.0) -> str:
    """``#rrggbb`` as QGIS's ``r,g,b,a``."""
    value = color.lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    r, g, b = (int(value[i : i + 2], 16) for i in (0, 2, 4))
    return f"{r},{g},{b},{round(max(0.0, min(1.0, opacity)) * 255)}"


def _props(parent: ET.Element, values: dict[str, Any]) -> None:
    for key, value in values.items():
        ET.SubElement(parent, "prop", k=key, v=str(value))


def symbol(name: str, geometry: str, style: dict[str, Any]) -> ET.Element:
    """One QGIS symbol drawn like the web map's Leaflet path options ``style``."""
    sym = ET.Element("symbol", type=SYMBOL_TYPE[geometry], name=name, alpha="1", clip_to_extent="1", force_rhr="0")
    pen = PEN.get(style.get("dashArray"), "dash")
    width_mm = round(float(style.get("weight", 2)) * 0.26, 2)  # Leaflet px → mm at 96 dpi
    stroke = rgba(style["color"], float(style.get("opacity", 1)))
    if geometry == "line":
        layer = ET.SubElement(sym, "layer", {"class": "SimpleLine", "enabled": "1", "locked": "0", "pass": "0"})
        _props(layer, {"line_color": stroke, "line_style": pen, "line_width": width_mm, "line_width_unit": "MM",
                       "capstyle": "round", "joinstyle": "round"})  # fmt: skip
    elif geometry == "polygon":
        layer = ET.SubElement(sym, "layer", {"class": "SimpleFill", "enabled": "1", "locked": "0", "pass": "0"})
        fill = rgba(style.get("fillColor", style["color"]), float(style.get("fillOpacity", 0.2)))
        _props(layer, {"color": fill, "style": "solid", "outline_color": stroke, "outline_style": pen,
                       "outline_width": width_mm, "outline_width_unit": "MM"})  # fmt: skip
    else:
        layer = ET.SubElement(sym, "layer", {"class": "SimpleMarker", "enabled": "1", "locked": "0", "pass": "0"})
        fill = rgba(style.get("fillColor", style["color"]), float(style.get("fillOpacity", 0.85)))
        _props(layer, {"name": "circle", "color": fill, "outline_color": stroke, "outline_style": pen,
                       "outline_width": max(width_mm, 0.4), "outline_width_unit": "MM",
                       "size": round(float(style.get("radius", 5)) * 0.5 + 1, 1), "size_unit": "MM"})  # fmt: skip
    return sym


def _quoted(field: str) -> str:
    return '"' + field.replace('"', '""') + '"'


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def renderer(catalogue: Catalogue, spec: LayerSpec, lang: Lang = "zh") -> ET.Element:
    """The layer's renderer: by status (categorised), facilities by status then kind (rules), else one symbol."""
    base = base_style(catalogue, spec)
    has_status = spec.has_field("status")
    kind_enum = spec.field("kind").enum if spec.has_field("kind") else None
    statuses = catalogue.enum_values("status")
    symbols = ET.Element("symbols")
    if kind_enum and has_status:
        out = ET.Element("renderer-v2", type="RuleRenderer", symbollevels="0", enableorderby="0", forceraster="0")
        root = ET.SubElement(out, "rules", key="root")
        n = 0
        for status in statuses:
            parent = ET.SubElement(
                root, "rule", key=f"status-{status}", label=catalogue.enum_label("status", status, lang),
                filter=f"{_quoted('status')} = {_literal(status)}",
            )  # fmt: skip
            for kind in catalogue.enums[kind_enum]:
                style = status_variant({**base, "color": kind.color or base["color"]}, status, spec.geometry)
                if status != "planned":
                    style["fillColor"] = kind.color or base["color"]
                ET.SubElement(
                    parent, "rule", key=f"{status}-{kind.value}", label=kind.label(lang), symbol=str(n),
                    filter=f"{_quoted('kind')} = {_literal(kind.value)}",
                )  # fmt: skip
                symbols.append(symbol(str(n), spec.geometry, style))
                n += 1
        out.append(symbols)
        return out
    if has_status:
        out = ET.Element(
            "renderer-v2", type="categorizedSymbol", attr="status", symbollevels="0", enableorderby="0",
            forceraster="0",
        )  # fmt: skip
        categories = ET.SubElement(out, "categories")
        for n, status in enumerate(statuses):
            ET.SubElement(
                categories, "category", render="true", symbol=str(n), value=status,
                label=catalogue.enum_label("status", status, lang),
            )  # fmt: skip
            symbols.append(symbol(str(n), spec.geometry, status_variant(base, status, spec.geometry)))
        out.append(symbols)
        ET.SubElement(out, "source-symbol").append(symbol("0", spec.geometry, base))
        return out
    out = ET.Element("renderer-v2", type="singleSymbol", symbollevels="0", enableorderby="0", forceraster="0")
    symbols.append(symbol("0", spec.geometry, base))
    out.append(symbols)
    return out


def labeling(spec: LayerSpec) -> ET.Element | None:
    """Village names always, other names from 1:25,000 in: readable at county scale, complete up close."""
    if not spec.has_field("name"):
        return None
    out = ET.Element("labeling", type="simple")
    settings = ET.SubElement(out, "settings", calloutType="simple")
    ET.SubElement(settings, "text-style", fieldName="name", isExpression="0", fontFamily=LABEL_FONT,
                  fontSize="10" if spec.name == "villages" else "8", fontSizeUnit="Point",
                  textColor="40,40,40,255", fontWeight="75" if spec.name == "villages" else "50")  # fmt: skip
    ET.SubElement(settings, "text-buffer", bufferDraw="1", bufferSize="0.8", bufferSizeUnits="MM",
                  bufferColor="255,255,255,230")  # fmt: skip
    placement = {"point": "0", "line": "2", "polygon": "1"}[spec.geometry]  # around point / curved / horizontal
    ET.SubElement(settings, "placement", placement=placement, dist="1", distUnits="MM")
    scaled = "0" if spec.name == "villages" else "1"
    ET.SubElement(settings, "rendering", scaleVisibility=scaled, scaleMin="1", scaleMax="25000", obstacle="1")
    return out


def field_setup(catalogue: Catalogue, spec: LayerSpec, lang: Lang = "zh") -> list[ET.Element]:
    """Aliases from the catalogue's labels and value maps for enums (edit forms show 现状/规划, store the code)."""
    aliases = ET.Element("aliases")
    configuration = ET.Element("fieldConfiguration")
    for index, field in enumerate(spec.fields):
        unit = f" ({field.unit})" if field.unit else ""
        ET.SubElement(aliases, "alias", field=field.name, index=str(index), name=field.title(lang) + unit)
        entry = ET.SubElement(configuration, "field", name=field.name, configurationFlags="None")
        if field.enum is None:
            widget = ET.SubElement(entry, "editWidget", type="TextEdit")
            ET.SubElement(ET.SubElement(widget, "config"), "Option")
            continue
        widget = ET.SubElement(entry, "editWidget", type="ValueMap")
        config = ET.SubElement(ET.SubElement(widget, "config"), "Option", type="Map")
        values = ET.SubElement(config, "Option", type="List", name="map")
        for item in catalogue.enums[field.enum]:
            pair = ET.SubElement(values, "Option", type="Map")
            ET.SubElement(pair, "Option", type="QString", name=item.label(lang), value=item.value)
    readonly = ET.Element("editable")
    for field in spec.fields:
        ET.SubElement(readonly, "field", name=field.name, editable="0" if field.readonly else "1")
    return [configuration, aliases, readonly]


def style_elements(catalogue: Catalogue, spec: LayerSpec, lang: Lang = "zh") -> list[ET.Element]:
    """Everything a layer's style holds, as children of a ``<maplayer>`` or a QML ``<qgis>`` root."""
    out = [renderer(catalogue, spec, lang)]
    label = labeling(spec)
    if label is not None:
        out.append(label)
    return out + field_setup(catalogue, spec, lang)


def qml(catalogue: Catalogue, spec: LayerSpec, lang: Lang = "zh") -> str:
    """A QML style file for one layer (Layer Properties → Style → Load Style, or ``loadNamedStyle``)."""
    root = ET.Element("qgis", version="3.22.0", styleCategories="AllStyleCategories",
                      labelsEnabled="1" if spec.has_field("name") else "0")  # fmt: skip
    root.extend(style_elements(catalogue, spec, lang))
    ET.indent(root)
    return "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n" + ET.tostring(root, encoding="unicode")
