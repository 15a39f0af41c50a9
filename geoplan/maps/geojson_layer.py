"""Folium elements for catalogue layers: compact embedded GeoJSON styled by a lookup table, and its popup.

:class:`ThemedGeoJson` is a ``folium.GeoJson`` whose data is written as compact JSON and whose style comes from
a :class:`~geoplan.maps.styles.LayerStyle` table keyed by each feature's ``_s`` property (folium's own
``style_function`` writes every feature id into a JavaScript ``switch``).  Large point layers are drawn on a
canvas, or as icon markers inside a marker cluster; detail layers only from their zoom (``static/dense.js``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import folium
from branca.element import MacroElement
from folium.template import Template

from geoplan.maps.compact import CompactLayer, dumps
from geoplan.maps.page import RawMacro
from geoplan.maps.styles import LayerStyle

#: The property holding a feature's style key.
STYLE_KEY = "_s"
#: The property holding where a feature's permanent label goes ([lon, lat]).
LABEL_AT = "_l"
EMPTY: dict[str, Any] = {"type": "FeatureCollection", "features": []}


class ThemedGeoJson(folium.GeoJson, RawMacro):
    """A catalogue layer on the map; ``style`` is inspectable in Python (tests) and shipped once to the browser."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = geoplanLayer({{ this.data_json }}, {{ this.styles_json }}, {{ this.opts_json }});
        {% endmacro %}
        """
    )

    def __init__(
        self,
        data: CompactLayer,
        style: LayerStyle,
        *,
        name: str,
        show: bool = True,
        canvas: bool = False,
        overlay: bool = True,
        control: bool = True,
        label_field: str | None = None,
        min_zoom: int | None = None,
        items_url: str | None = None,
        value_tables: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        # folium keeps GeoJSON in ``self.data``; the packed layer is kept apart and embedded at render time.
        super().__init__(EMPTY, name=name, show=show, overlay=overlay, control=control, **kwargs)
        self.compact = data
        self._name = "ThemedGeoJson"
        self.layer = style.layer
        self.style_spec = style
        self.marker = style.marker
        self.canvas = canvas
        #: Property shown as a permanent label where it fits and overlaps no other (village names).
        self.label_field = label_field
        #: Drawn only from this zoom on, near the view (building footprints); None = always.
        self.min_zoom = min_zoom
        #: Served detail layers: the API items URL they are loaded from by bounding box, and how raw values show.
        self.items_url = items_url
        self.value_tables = value_tables or {}

    @property
    def styles_json(self) -> str:
        """The style table, limited to the keys this layer's features use."""
        spec = self.style_spec.as_js()
        if self.items_url:  # features arrive later from the API: any key may turn up
            return dumps(spec)
        used = set(self.compact.columns.get(STYLE_KEY, ()))
        return dumps({"default": spec["default"], "table": {k: v for k, v in spec["table"].items() if k in used}})

    @property
    def data_json(self) -> str:
        return dumps(self.compact.packed())

    @property
    def opts_json(self) -> str:
        opts = {"layer": self.layer, "marker": self.marker, "canvas": self.canvas, "label": self.label_field}
        if self.min_zoom is not None:
            opts["minZoom"] = self.min_zoom
        if self.items_url:
            opts |= {"items": self.items_url, "keys": list(self.style_spec.key_fields), "values": self.value_tables}
        return dumps(opts)

    def _get_self_bounds(self) -> list[list[float | None]]:
        return self.compact.bounds() or [[None, None], [None, None]]

    def feature_style(self, feature: dict[str, Any]) -> dict[str, Any]:
        """What the browser applies to one embedded feature (the same lookup as the JavaScript above)."""
        return {**self.style_spec.default, **self.style_spec.table.get(feature["properties"].get(STYLE_KEY), {})}


class FieldPopup(folium.GeoJsonPopup):
    """A popup table of catalogue labels (with units) that skips the values a feature does not have."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.bindPopup(geoplanPopup({{ this.args_json }}),
            {{ this.popup_options | tojavascript }});
        {% endmacro %}
        """
    )

    def __init__(self, fields: Sequence[str], aliases: Sequence[str], title: str | None = None) -> None:
        super().__init__(fields=list(fields), aliases=list(aliases), max_width=360)
        self._name = "FieldPopup"
        self.title = title

    @property
    def args_json(self) -> str:
        return dumps([list(self.fields), list(self.aliases), self.title])[1:-1]

    def render(self, **kwargs: Any) -> None:
        # Skip folium's check that every field is on the first feature: missing values are simply left out.
        MacroElement.render(self, **kwargs)


class LabelTooltip(folium.GeoJsonTooltip):
    """One property (the name) as the hover tooltip; features without it simply show none."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.bindTooltip(function (l) {
            return geoplanText(l.feature.properties[{{ this.fields[0] | tojson }}] || ""); }, {sticky: true});
        {% endmacro %}
        """
    )

    def __init__(self, field: str) -> None:
        super().__init__(fields=[field], labels=False, sticky=True)

    def render(self, **kwargs: Any) -> None:
        MacroElement.render(self, **kwargs)
