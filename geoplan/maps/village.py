"""One village's map: zoomed to its boundary, its projects and reference layers, its indicator table in a panel."""

from __future__ import annotations

from collections.abc import Mapping
from html import escape

import folium
import geopandas as gpd
from branca.element import MacroElement
from folium.template import Template

from geoplan.analysis import AnalysisResult, status_label
from geoplan.errors import NotFound
from geoplan.layers.catalogue import Catalogue, Lang, default_catalogue
from geoplan.maps.basemaps import add_basemaps
from geoplan.maps.compact import dumps
from geoplan.maps.gap import indicator_rows
from geoplan.maps.labels import text
from geoplan.maps.layers import DEFAULT_DISPLAY, Display, add_layers, data_bounds
from geoplan.maps.overview import new_map
from geoplan.maps.page import Legend

#: The highlighted village boundary: bold, in a colour no layer style uses.
BOUNDARY_STYLE = {"color": "#e6550d", "weight": 4, "opacity": 0.95, "fill": False}


class VillageNotFound(NotFound):
    def __init__(self, code: str) -> None:
        super().__init__(f"no village with code {code!r} in the villages layer")
        self.zh = f"行政村图层中没有代码为 {code!r} 的村"
        self.code = code


def village_frames(frames: Mapping[str, gpd.GeoDataFrame], code: str) -> dict[str, gpd.GeoDataFrame]:
    """Each layer cut to one village: its polygon, and the features assigned to it or lying in it."""
    villages = frames.get("villages")
    if villages is None or villages.empty or code not in set(villages["code"].astype(str)):
        raise VillageNotFound(code)
    own = villages[villages["code"].astype(str) == code]
    outline = own.geometry.union_all()
    out = {"villages": own}
    for name, frame in frames.items():
        if name == "villages" or frame.empty:
            continue
        assigned = frame["village_code"].astype(str) == code if "village_code" in frame.columns else False
        inside = frame.geometry.intersects(outline)
        out[name] = frame[assigned | inside]
    return out


class IndicatorPanel(MacroElement):
    """The village's indicator table (baseline, and plan when given) as a collapsible map panel."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var panel = L.control({position: "topright"});
            panel.onAdd = function () {
                var div = L.DomUtil.create("div", "gp-box gp-indicators");
                div.id = "gp-indicator-panel";
                div.innerHTML = {{ this.html_json }};
                L.DomEvent.disableClickPropagation(div);
                L.DomEvent.disableScrollPropagation(div);
                return div;
            };
            panel.addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}
        """
    )

    def __init__(self, html: str) -> None:
        super().__init__()
        self._name = "IndicatorPanel"
        self.html = html

    @property
    def html_json(self) -> str:
        return dumps(self.html)


def indicator_table_html(
    name: str, code: str, baseline: AnalysisResult, plan: AnalysisResult | None, lang: Lang = "zh"
) -> str:
    """HTML table: indicator, value, target, status, gap (baseline), and the value/status with the plan."""
    base = indicator_rows(baseline, code)
    after = indicator_rows(plan, code) if plan is not None else {}
    head = [text(k, lang) for k in ("measure", "value", "target", "status", "gap")]
    if plan is not None:
        head += [text("plan", lang)]
    rows = []
    for ind in baseline.standards.indicators:
        r = base.get(ind.key)
        if r is None:
            continue
        cells = [ind.name(lang), r[0], r[1], f'<span class="gp-{r[2]}">{status_label(r[2], lang)}</span>', r[3]]
        if plan is not None and ind.key in after:
            p = after[ind.key]
            cells.append(f'{p[0]} <span class="gp-{p[2]}">{status_label(p[2], lang)}</span>')
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    v = baseline.villages[baseline.villages["village_code"].astype(str) == code]
    score = "" if v.empty or v["composite"].isna().all() else f"{float(v['composite'].iloc[0]):.1f}"
    title = f"{escape(name)} · {text('indicators', lang)}"
    return (
        f"<h4>{title}</h4><div>{text('composite', lang)}: {score}</div>"
        f'<table class="gp-table"><tr>{"".join(f"<th>{h}</th>" for h in head)}</tr>{"".join(rows)}</table>'
    )


def build_village_map(
    frames: Mapping[str, gpd.GeoDataFrame],
    code: str,
    baseline: AnalysisResult | None = None,
    plan: AnalysisResult | None = None,
    catalogue: Catalogue | None = None,
    *,
    basemap: str = "none",
    lang: Lang = "zh",
    tianditu_key: str | None = None,
    display: Display = DEFAULT_DISPLAY,
) -> folium.Map:
    """The village ``code`` zoomed in, with every layer's features there and its indicator table."""
    catalogue = catalogue or default_catalogue()
    own = village_frames(frames, code)
    name = str(own["villages"]["name"].iloc[0])
    m = new_map(data_bounds([own["villages"]]), lang=lang, title=f"{name} · {text('title_village', lang)} · geoplan")
    add_basemaps(m, basemap, tianditu_key=tianditu_key, lang=lang)
    legend = add_layers(m, catalogue, own, lang=lang, display=display)
    # The village's own boundary, bold and on top of everything, so it reads at a glance on any basemap.
    outline = gpd.GeoSeries([own["villages"].geometry.union_all().boundary], crs=own["villages"].crs)
    folium.GeoJson(
        outline.__geo_interface__,
        name=text("village_boundary", lang),
        style_function=lambda _: BOUNDARY_STYLE,
        interactive=False,
        control=False,
    ).add_to(m)
    swatch = f'<span class="gp-sw-l" style="border-top: 4px solid {BOUNDARY_STYLE["color"]}"></span>'
    legend.insert(0, (text("village_boundary", lang), [(swatch, name)]))
    Legend(legend, lang=lang).add_to(m)
    if baseline is not None:
        IndicatorPanel(indicator_table_html(name, code, baseline, plan, lang)).add_to(m)
    folium.LayerControl(collapsed=True).add_to(m)
    return m
