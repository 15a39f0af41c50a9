"""Page furniture every geoplan map shares: its stylesheet, the legend control and the basemap-failure notice."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from importlib import resources

from branca.element import Element, Figure, MacroElement
from folium.template import Template

from geoplan.layers.catalogue import Lang
from geoplan.maps.compact import dumps
from geoplan.maps.labels import text


def _static(name: str) -> str:
    return resources.files("geoplan.maps").joinpath("static", name).read_text(encoding="utf-8")


#: The page itself: its language on <html> (screen readers, fonts, hyphenation) and a title (folium has neither).
_FIGURE = Template(
    "<!DOCTYPE html>\n"
    '<html lang="{{ this.geoplan_lang }}">\n'
    "<head>\n"
    '<meta charset="utf-8">\n'
    "{% if this.title %}<title>{{ this.title }}</title>{% endif %}"
    "    {{ this.header.render(**kwargs) }}\n"
    "</head>\n"
    "<body>\n"
    "    {{ this.html.render(**kwargs) }}\n"
    "</body>\n"
    "<script>\n"
    "    {{ this.script.render(**kwargs) }}\n"
    "</script>\n"
    "</html>\n"
)
#: A map pin as the tab icon, inline (a data: URL is no request, so an offline page shows it too).
FAVICON = (
    "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'%3E%3Cpath fill='%231a9850' "
    "d='M8 0a5.5 5.5 0 0 0-5.5 5.5C2.5 10 8 16 8 16s5.5-6 5.5-10.5A5.5 5.5 0 0 0 8 0zm0 8a2.5 2.5 0 1 1 0-5 2.5 2.5 "
    "0 0 1 0 5z'/%3E%3C/svg%3E"
)


class PageSupport(MacroElement):
    """geoplan's own stylesheet and page scripts (decoder, layer, popup; canvas, labels, detail layers), inlined
    once per page (no extra request), the page's language, title and icon, and the button that folds the layer
    list and legend away."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        geoplanPanels({{ this._parent.get_name() }}, {{ this.labels_json }});
        {% endmacro %}
        """
    )

    def __init__(self, lang: Lang = "zh", title: str | None = None) -> None:
        super().__init__()
        self._name = "PageSupport"
        self.lang = lang
        self.title = title

    @property
    def labels_json(self) -> str:
        return dumps({"panels": text("panels", self.lang)})

    def render(self, **kwargs: object) -> None:
        figure = self.get_root()
        assert isinstance(figure, Figure)
        figure._template = _FIGURE
        figure.geoplan_lang = "zh-CN" if self.lang == "zh" else "en"  # type: ignore[attr-defined]
        figure.title = escape(self.title) if self.title else None
        figure.header.add_child(Element(f'<link rel="icon" href="{FAVICON}">'), name="geoplan_favicon")
        css = "{% raw %}<style>" + _static("map.css") + "</style>{% endraw %}"
        js = "{% raw %}<script>" + _static("dense.js") + _static("page.js") + "</script>{% endraw %}"
        figure.header.add_child(Element(css), name="geoplan_map_css")
        figure.header.add_child(Element(js), name="geoplan_page_js")
        super().render(**kwargs)


class RawScript(Element):
    """Text put into the page as it is, never compiled as a template."""

    def __init__(self, script: str) -> None:
        super().__init__()
        self._name = "RawScript"
        self.script = script

    def render(self, **kwargs: object) -> str:
        return self.script


class RawMacro(MacroElement):
    """A folium element whose rendered macros go into the page as they are.

    ``MacroElement`` wraps each rendered macro in ``Element(text)``, which compiles the text as a Jinja template
    once more: a county's data then costs a second parse of megabytes, and a name a planner typed such as
    ``{{ … }}`` or ``{% … %}`` would be run on the server.  Put this base after folium's class (``class
    X(folium.GeoJson, RawMacro)``) so folium's own ``render`` still runs first.
    """

    def render(self, **kwargs: object) -> None:
        figure = self.get_root()
        assert isinstance(figure, Figure), "You cannot render this Element if it is not in a Figure."
        module = self._template.module.__dict__
        for part, target in (("header", figure.header), ("html", figure.html), ("script", figure.script)):
            macro = module.get(part)
            if macro is not None:
                target.add_child(RawScript(str(macro(self, kwargs))), name=self.get_name())
        for element in list(self._children.values()):
            element.render(**kwargs)


LegendGroup = tuple[str, Sequence[tuple[str, str]]]


class Legend(MacroElement):
    """A Leaflet control listing each group (layer title) with its symbols, in the map's language."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var legend = L.control({position: "{{ this.position }}"});
            legend.onAdd = function () {
                var div = L.DomUtil.create("div", "gp-box gp-legend");
                div.innerHTML = {{ this.html_json }};
                L.DomEvent.disableScrollPropagation(div);
                return div;
            };
            legend.addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}
        """
    )

    def __init__(self, groups: Sequence[LegendGroup], *, lang: Lang = "zh", position: str = "bottomleft") -> None:
        super().__init__()
        self._name = "Legend"
        self.groups = list(groups)
        self.position = position
        self.title = text("legend", lang)

    @property
    def html_json(self) -> str:
        return dumps(self.html)

    @property
    def html(self) -> str:
        parts = [f"<h4>{escape(self.title)}</h4>"]
        for group, rows in self.groups:
            parts.append(f'<div class="gp-group">{escape(group)}</div>')
            for symbol, label in rows:
                parts.append(f'<div class="gp-row"><span>{symbol}</span><span>{escape(label)}</span></div>')
        return "".join(parts)


class TileFailureNotice(MacroElement):
    """Says plainly, on the map, when basemap tiles cannot load (no internet); the data layers keep working."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function (map) {
            var shown = false;
            function warn() {
                if (shown) return;
                shown = true;
                var div = L.DomUtil.create("div", "gp-notice", map.getContainer());
                div.id = "gp-tile-notice";
                div.setAttribute("role", "status");
                div.textContent = {{ this.message | tojson }};
            }
            function watch(layer) { if (layer instanceof L.TileLayer) layer.on("tileerror", warn); }
            map.eachLayer(watch);
            map.on("layeradd", function (e) { watch(e.layer); });
        })({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, lang: Lang = "zh") -> None:
        super().__init__()
        self._name = "TileFailureNotice"
        self.message = text("tiles_failed", lang)


class MetricScale(MacroElement):
    """A scale bar in metres and kilometres only (folium's default adds miles and feet, which no planner here uses)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        L.control.scale({metric: true, imperial: false, maxWidth: 150}).addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "MetricScale"
