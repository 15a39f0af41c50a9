"""The drawing panel of the live map: draw, pick a layer, fill the catalogue's fields, save through the API.

The form is generated from the catalogue (required fields, enum values with their labels, numbers), so a new
field in ``catalogue.toml`` appears in the form without touching this code.  The API validates and stores;
its problem+json errors are shown in the panel.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

from branca.element import Element, Figure
from folium.elements import JSCSSMixin
from folium.template import Template

from geoplan.layers.catalogue import Catalogue, Lang
from geoplan.maps.compact import dumps
from geoplan.maps.labels import field_alias

_TEXT: dict[Lang, dict[str, str]] = {
    "zh": {
        "title": "新增要素",
        "layer": "图层",
        "token": "规划员令牌",
        "save": "保存",
        "cancel": "取消",
        "saving": "正在保存…",
        "saved": "已保存",
        "failed": "保存失败",
        "yes": "是",
        "no": "否",
    },
    "en": {
        "title": "New feature",
        "layer": "Layer",
        "token": "Planner token",
        "save": "Save",
        "cancel": "Cancel",
        "saving": "Saving…",
        "saved": "Saved",
        "failed": "Not saved",
        "yes": "yes",
        "no": "no",
    },
}


def drawing_config(catalogue: Catalogue, lang: Lang = "zh", api: str = "") -> dict[str, Any]:
    """What the panel needs from the catalogue: the project layers, their fields, enum labels, field labels."""
    layers = []
    labels: dict[str, str] = {}
    for spec in catalogue.layers:
        if spec.kind != "project":
            continue
        fields = []
        for f in spec.fields:
            if f.readonly or f.name == "village_code":  # the store fills the village from the geometry
                continue
            entry: dict[str, Any] = {"name": f.name, "label": field_alias(f, lang), "type": f.type}
            if f.required:
                entry["required"] = True
            if f.enum:
                entry["enum"] = [[v.value, v.label(lang)] for v in catalogue.enums[f.enum]]
            fields.append(entry)
            labels[f"{spec.name}.{f.name}"] = f.title(lang)
        layers.append(
            {
                "name": spec.name,
                "title": spec.title(lang),
                "geometry": spec.geometry,
                "families": list(spec.families),
                "fields": fields,
            }
        )
    return {"api": api.rstrip("/"), "layers": layers, "labels": labels, "text": _TEXT[lang]}


class DrawingPanel(JSCSSMixin):
    """Leaflet.draw toolbar plus the save form (only on maps served live by the API)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        geoplanDrawing({{ this._parent.get_name() }}, {{ this.config_json }});
        {% endmacro %}
        """
    )
    # Same names as folium's Draw plugin, so assets.localise() serves them locally.
    default_js = [("leaflet_draw_js", "https://cdnjs.cloudflare.com/ajax/libs/leaflet.draw/1.0.2/leaflet.draw.js")]
    default_css = [("leaflet_draw_css", "https://cdnjs.cloudflare.com/ajax/libs/leaflet.draw/1.0.2/leaflet.draw.css")]

    def __init__(self, catalogue: Catalogue, *, lang: Lang = "zh", api: str = "") -> None:
        super().__init__()
        self._name = "DrawingPanel"
        self.config = drawing_config(catalogue, lang, api)

    @property
    def config_json(self) -> str:
        return dumps(self.config)

    def render(self, **kwargs: Any) -> None:
        super().render(**kwargs)
        figure = self.get_root()
        assert isinstance(figure, Figure)
        source = resources.files("geoplan.maps").joinpath("static/drawing.js").read_text(encoding="utf-8")
        figure.header.add_child(
            Element("{% raw %}<script>" + source + "</script>{% endraw %}"), name="geoplan_drawing_js"
        )
