"""Map styles derived from the catalogue: a colour per layer/theme, the project status as the line pattern.

Existing and completed works are drawn solid; planned ones dashed and hollow; those under construction dotted
and half-filled, so a planner tells the plan from the ground at a glance.  Facilities carry a Font Awesome icon
and colour per kind (the catalogue's ``facility_kind`` enum).  A :class:`LayerStyle` is a small lookup table
keyed by a short per-feature style key, which the browser resolves — no style is repeated per feature.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from html import escape
from typing import Any, Literal

from geoplan.layers.catalogue import Catalogue, Lang, LayerSpec

Marker = Literal["circle", "icon"]

#: Project status → how its outline is drawn (Leaflet ``dashArray``; None = solid).
STATUS_DASH: dict[str, str | None] = {
    "existing": None,
    "completed": None,
    "planned": "8 6",
    "under_construction": "2 6",
    "candidate": "1 8",
}
DEFAULT_ICON = "map-marker"


@dataclass(frozen=True)
class LayerStyle:
    """Leaflet path options for every style key of one layer, plus how its points are drawn."""

    layer: str
    key_fields: tuple[str, ...]
    default: dict[str, Any]
    table: dict[str, dict[str, Any]] = field(default_factory=dict)
    marker: Marker | None = None

    def key(self, props: Mapping[str, Any]) -> str:
        """The style key of a feature's raw properties (e.g. ``planned`` or ``planned|clinic``)."""
        return "|".join("" if props.get(f) is None else str(props.get(f)) for f in self.key_fields)

    def style_for(self, props: Mapping[str, Any]) -> dict[str, Any]:
        """The options the browser applies to a feature with these raw properties."""
        return {**self.default, **self.table.get(self.key(props), {})}

    def as_js(self) -> dict[str, Any]:
        return {"default": self.default, "table": self.table}


def base_style(catalogue: Catalogue, spec: LayerSpec) -> dict[str, Any]:
    """The catalogue's style hint in Leaflet terms (theme colour when the layer names none)."""
    hint = spec.style
    color = hint.get("color") or catalogue.themes[spec.theme].color
    style: dict[str, Any] = {"color": color, "weight": hint.get("weight", 2), "opacity": 0.9}
    if spec.geometry == "polygon":
        style |= {"fillColor": hint.get("fill", color), "fillOpacity": hint.get("fill_opacity", 0.2)}
    elif spec.geometry == "point":
        style |= {
            "fillColor": hint.get("fill", color),
            "fillOpacity": 0.85,
            "radius": hint.get("radius", 5),
            "weight": hint.get("weight", 1.5),
        }
    if "point" in spec.families and spec.geometry != "point":
        style["radius"] = hint.get("radius", 5)  # points of a mixed layer (house points beside footprints)
    return style


def status_variant(style: dict[str, Any], status: str, geometry: str) -> dict[str, Any]:
    """``style`` adjusted for a project status: solid, dashed and hollow (planned), dotted (under construction)."""
    dash = STATUS_DASH.get(status)
    out = dict(style)
    if status in ("planned", "candidate"):
        out["dashArray"] = dash
        if status == "candidate":
            out["opacity"] = 0.6  # dotted and faint: a project under consideration, not yet in any plan
        if geometry == "polygon":
            out["fillOpacity"] = 0.0
        elif geometry == "point":
            out |= {"fillColor": "#ffffff", "fillOpacity": 0.9, "weight": 2}
    elif status == "under_construction":
        out |= {"dashArray": dash, "lineCap": "round", "weight": style.get("weight", 2) + 1}
        if geometry != "line":
            out["fillOpacity"] = round(style.get("fillOpacity", 0.2) / 2, 3)
    return out


def icon_html(icon: str, color: str, status: str | None) -> str:
    """A round Font Awesome marker; its class draws the status (dashed = planned, dotted = under construction)."""
    return (
        f'<span class="gp-icon gp-st-{escape(status or "none")}" style="--c:{escape(color)}">'
        f'<i class="fa fa-{escape(icon)}"></i></span>'
    )


def _statuses(catalogue: Catalogue) -> tuple[str, ...]:
    return catalogue.enum_values("status")


def layer_style(catalogue: Catalogue, spec: LayerSpec) -> LayerStyle:
    """The complete style of one catalogue layer."""
    base = base_style(catalogue, spec)
    has_status = spec.has_field("status")
    icon = spec.style.get("icon")
    if "point" not in spec.families:
        marker: Marker | None = None
    elif spec.has_field("kind") and spec.field("kind").enum or icon:
        marker = "icon"
    else:
        marker = "circle"

    if marker == "icon" and spec.has_field("kind") and spec.field("kind").enum:
        enum = spec.field("kind").enum
        assert enum is not None
        table = {}
        for kind in catalogue.enums[enum]:
            color = kind.color or base["color"]
            for status in _statuses(catalogue) if has_status else ("",):
                key = f"{status}|{kind.value}" if has_status else kind.value
                table[key] = {"color": color, "html": icon_html(kind.icon or DEFAULT_ICON, color, status or None)}
        default = base | {"html": icon_html(icon or DEFAULT_ICON, base["color"], None)}
        keys = ("status", "kind") if has_status else ("kind",)
        return LayerStyle(spec.name, keys, default, table, marker)

    if marker == "icon":
        default = base | {"html": icon_html(icon or DEFAULT_ICON, base["color"], None)}
        table = {
            s: {"color": base["color"], "html": icon_html(icon or DEFAULT_ICON, base["color"], s)}
            for s in (_statuses(catalogue) if has_status else ())
        }
        return LayerStyle(spec.name, ("status",) if has_status else (), default, table, marker)

    if has_status:
        table = {s: status_variant(base, s, spec.geometry) for s in _statuses(catalogue)}
        return LayerStyle(spec.name, ("status",), base, table, marker)
    return LayerStyle(spec.name, (), base, {}, marker)


def swatch_html(style: Mapping[str, Any], geometry: str) -> str:
    """A small legend symbol in the map's colours and line pattern (drawn by CSS: a few dozen bytes each)."""
    color = escape(str(style.get("color", "#333")))
    dash = style.get("dashArray")
    line = "solid" if not dash else ("dotted" if str(dash).startswith(("1 ", "2 ")) else "dashed")
    if geometry == "line":
        return f'<i class="gp-sw-l" style="border-top:3px {line} {color}"></i>'
    fill = escape(str(style.get("fillColor", "transparent")))
    share = round(float(style.get("fillOpacity", 0)) * 100)
    background = f"color-mix(in srgb,{fill} {share}%,transparent)"
    shape = "gp-sw-a" if geometry == "polygon" else "gp-sw-p"
    return f'<i class="{shape}" style="border:2px {line} {color};background:{background}"></i>'


def legend_rows(
    catalogue: Catalogue,
    spec: LayerSpec,
    style: LayerStyle,
    lang: Lang = "zh",
    kinds: Collection[str] | None = None,
) -> list[tuple[str, str]]:
    """(symbol HTML, label) rows for one layer: a row per status, and per facility kind (``kinds``: those shown)."""
    rows: list[tuple[str, str]] = []
    if style.marker == "icon" and "kind" in style.key_fields:
        enum = spec.field("kind").enum
        assert enum is not None
        for kind in catalogue.enums[enum]:
            if kinds is not None and kind.value not in kinds:
                continue  # a county catalogue may declare dozens of kinds; the legend names those on the map
            key = "existing|" + kind.value if "status" in style.key_fields else kind.value
            rows.append((style.table[key]["html"], kind.label(lang)))
        if "status" in style.key_fields:
            sample = catalogue.enums[enum][0].value
            for status in ("planned", "under_construction"):
                rows.append((style.table[f"{status}|{sample}"]["html"], catalogue.enum_label("status", status, lang)))
        return rows
    if not style.key_fields:
        symbol = style.default["html"] if style.marker == "icon" else swatch_html(style.default, spec.geometry)
        return [(symbol, spec.title(lang))]
    for status in ("existing", "planned", "under_construction"):
        opts = style.style_for({"status": status})
        symbol = opts["html"] if style.marker == "icon" else swatch_html(opts, spec.geometry)
        rows.append((symbol, catalogue.enum_label("status", status, lang)))
    return rows
