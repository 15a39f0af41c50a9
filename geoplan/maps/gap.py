"""The gap map: villages coloured by the composite score or one indicator, baseline or plan, from the analysis.

Classes come straight from :func:`geoplan.analysis.analyse`: an indicator's class is its status (达标 / 基本达标 /
未达标 / 未评估), the composite's class is its score band.  Village shapes are embedded once; a selector in the
page switches indicator and scenario by restyling them, and filters the uncovered settlements and catchments.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
from branca.element import MacroElement
from folium.template import Template

from geoplan.analysis import AnalysisResult, Indicator, Standards, status_label
from geoplan.analysis.projection import crs_for_geometries
from geoplan.analysis.scenario import mask
from geoplan.layers.catalogue import Catalogue, Lang, default_catalogue
from geoplan.maps.basemaps import add_basemaps
from geoplan.maps.compact import CompactLayer, compact_features, dumps
from geoplan.maps.geojson_layer import EMPTY, LABEL_AT, FieldPopup, LabelTooltip
from geoplan.maps.labels import count, number, text
from geoplan.maps.layers import DEFAULT_DISPLAY, Display, data_bounds, label_anchors
from geoplan.maps.overview import new_map

COMPOSITE = "composite"
STATUS_COLORS: dict[str, str] = {
    "met": "#1a9850",
    "nearly_met": "#fdae61",
    "not_met": "#d73027",
    "not_assessed": "#bdbdbd",
}
#: Composite score bands (lower bound, class, colour), best first; NaN → not_assessed.
COMPOSITE_BANDS: tuple[tuple[float, str, str], ...] = (
    (90.0, "c90", "#1a9850"),
    (75.0, "c75", "#a6d96a"),
    (60.0, "c60", "#fee08b"),
    (0.0, "c0", "#d73027"),
)
CATCHMENT_SIMPLIFY_M = 10.0
#: Segments per quarter circle of a catchment disc: a 32-gon is within 0.5 % of the radius (10 m at 2 km, the
#: simplification's own tolerance) and halves the vertices the union and simplification of many discs handle.
CATCHMENT_QUAD_SEGS = 8


def composite_class(score: float | None) -> str:
    """The band of a composite score (0–100); ``not_assessed`` when the village has no assessed indicator."""
    if score is None or (isinstance(score, float) and math.isnan(score)):
        return "not_assessed"
    for lower, cls, _ in COMPOSITE_BANDS:
        if score >= lower:
            return cls
    return COMPOSITE_BANDS[-1][1]


def class_legend(measure: str, lang: Lang = "zh") -> list[tuple[str, str, str]]:
    """(class, colour, label) rows of the legend for a measure, in reading order (best first)."""
    if measure == COMPOSITE:
        rows = []
        upper = 100.0
        for lower, cls, color in COMPOSITE_BANDS:
            label = f"≥ {lower:g}" if upper == 100.0 else (f"{lower:g}–{upper:g}" if lower > 0 else f"< {upper:g}")
            rows.append((cls, color, label))
            upper = lower
        return rows + [("not_assessed", STATUS_COLORS["not_assessed"], status_label("not_assessed", lang))]
    return [(s, c, status_label(s, lang)) for s, c in STATUS_COLORS.items()]


def village_classes(result: AnalysisResult, measure: str) -> dict[str, str]:
    """Village code → class for one measure of one analysis result (what the map colours)."""
    if measure == COMPOSITE:
        villages = result.villages
        codes = [str(c) for c in villages["village_code"].tolist()]
        return dict(zip(codes, map(composite_class, villages["composite"].tolist()), strict=True))
    rows = result.indicators[result.indicators["indicator"] == measure]
    if rows.empty:
        raise KeyError(f"indicator {measure!r} is not in the analysis result")
    codes = [str(c) for c in rows["village_code"].tolist()]
    return dict(zip(codes, (str(s) for s in rows["status"].tolist()), strict=True))


def _gap(value: Any, unit: str) -> str:
    """Blank when nothing is missing; otherwise the report's wording (231户, 1.4km)."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value == 0:
        return ""
    return count(value, unit)


def indicator_tables(result: AnalysisResult) -> dict[str, dict[str, list[str]]]:
    """Village code → indicator → [value, target, status, gap] display texts (one pass over the result)."""
    tables: dict[str, dict[str, list[str]]] = {}
    for r in result.indicators.itertuples():
        tables.setdefault(str(r.village_code), {})[str(r.indicator)] = [
            number(r.value, r.unit),
            number(r.target, r.unit),
            str(r.status),
            _gap(r.gap, r.gap_unit),
        ]
    return tables


def indicator_rows(result: AnalysisResult, code: str) -> dict[str, list[str]]:
    """Indicator → [value, target, status, gap] display texts for one village."""
    return indicator_tables(result).get(code, {})


def uncovered_points(result: AnalysisResult) -> CompactLayer:
    """One point per uncovered unit, listing every indicator it fails (a household short of several services
    is one marker, not one per indicator)."""
    frame = result.uncovered
    if frame.empty:
        return compact_features(frame, [], simplify_m=0)
    # Grouped with numpy, not groupby(...).agg(list): that runs Python per unit (a minute at 300 villages).
    codes, units = pd.factorize(frame["unit_id"], sort=False)  # units in order of first appearance
    order = np.argsort(codes, kind="stable")  # rows of each unit together, in their original order
    ends = np.cumsum(np.bincount(codes, minlength=len(units)))
    starts = ends - np.bincount(codes, minlength=len(units))
    failed = np.asarray(frame["indicator"], dtype=object)[order].tolist()
    first = order[starts]  # a unit's name, households and place are the same on each of its rows
    points = gpd.GeoDataFrame(
        {
            "name": frame["name"].to_numpy()[first],
            "households": frame["households"].to_numpy()[first],
            "i": [failed[a:b] for a, b in zip(starts.tolist(), ends.tolist(), strict=True)],
        },
        geometry=frame.geometry.to_numpy()[first],
        crs=frame.crs,
        index=pd.Index(units, name="unit_id"),
    )
    return compact_features(points, ["name", "households", "i"], simplify_m=0)


@dataclass(frozen=True)
class GapData:
    """Everything the gap page embeds, kept in Python so tests can compare it with the analysis."""

    measures: list[tuple[str, str]]  # (key, label)
    scenarios: list[tuple[str, str]]
    classes: dict[tuple[str, str], dict[str, str]]  # (measure, scenario) → village code → class


def measure_label(ind: Indicator, lang: Lang = "zh") -> str:
    """The indicator's name, saying when its distances run along the roads (else they are straight lines)."""
    if ind.test == "distance" and ind.distance == "network":
        label = ind.distance_label(lang)
        return f"{ind.name(lang)}（{label}）" if lang == "zh" else f"{ind.name(lang)} ({label})"
    return ind.name(lang)


def gap_data(standards: Standards, results: Mapping[str, AnalysisResult], lang: Lang = "zh") -> GapData:
    measures = [(COMPOSITE, text("composite", lang))] + [(i.key, measure_label(i, lang)) for i in standards.indicators]
    scenarios = [(s, text(s, lang)) for s in results]
    classes = {(m, s): village_classes(results[s], m) for m, _ in measures for s in results}
    return GapData(measures, scenarios, classes)


def catchments(frames: Mapping[str, gpd.GeoDataFrame], standards: Standards, scenario: str) -> dict[str, CompactLayer]:
    """Indicator → the area within its threshold of its targets (dissolved into one shape, EPSG:4326)."""
    out: dict[str, CompactLayer] = {}
    for ind in standards.indicators:
        if ind.test != "distance" or not ind.threshold_m or ind.distance == "network":
            continue  # a network reach is no circle: drawing the straight-line one would mislead
        parts = []
        for sel in ind.targets:
            frame = frames.get(sel.layer)
            if frame is None or frame.empty:
                continue
            keep = mask(frame, scenario) if "status" in frame.columns else pd.Series(True, index=frame.index)
            keep = pd.Series(keep, index=frame.index)
            for field, allowed in sel.where.items():
                keep &= frame[field].isin(allowed) if field in frame.columns else False
            parts.append(frame[keep.to_numpy()].geometry)
        geoms = pd.concat(parts) if parts else gpd.GeoSeries([], crs="EPSG:4326")
        geoms = gpd.GeoSeries(geoms, crs="EPSG:4326")
        geoms = geoms[~geoms.is_empty & geoms.notna()]
        if geoms.empty:
            continue
        crs = crs_for_geometries(geoms.to_numpy())
        area = geoms.to_crs(crs).buffer(ind.threshold_m, quad_segs=CATCHMENT_QUAD_SEGS).union_all()
        area = area.simplify(CATCHMENT_SIMPLIFY_M)
        shape = gpd.GeoSeries([area], crs=crs).to_crs("EPSG:4326")
        out[ind.key] = compact_features(gpd.GeoDataFrame(geometry=shape), [], simplify_m=0)
    return out


class GapSelector(MacroElement):
    """Indicator and scenario pickers; restyles the villages, swaps legend, uncovered points and catchments."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function (map, villages, uncoveredGroup, catchmentGroup, cfg) {
            var measure = cfg.measures[0][0], scenario = cfg.scenarios[0][0], unpacked = {};
            Object.keys(cfg.uncovered).forEach(function (s) { unpacked[s] = geoplanUnpack(cfg.uncovered[s]); });
            function scenarioIndex() {
                return cfg.scenarios.findIndex(function (s) { return s[0] === scenario; });
            }
            function cls(props) {
                var k = props.k[measure];
                return k ? k[scenarioIndex()] : "not_assessed";
            }
            function colour(c) { return cfg.colors[c] || "#bdbdbd"; }
            function restyle() {
                villages.setStyle(function (f) {
                    return {color: "#444", weight: 1.5, fillColor: colour(cls(f.properties)), fillOpacity: 0.65};
                });
                var rows = cfg.legends[measure === "composite" ? "composite" : "status"];
                var html = "<h4>" + cfg.labels[measure] + " · " + cfg.scenarioLabels[scenario] + "</h4>";
                rows.forEach(function (r) {
                    html += '<div class="gp-row"><span><svg width="28" height="16"><rect x="2" y="2" width="24"' +
                        ' height="12" fill="' + r[1] + '" fill-opacity="0.65" stroke="#444"/></svg></span><span>' +
                        r[2] + "</span></div>";
                });
                // What the dots and circles on the map mean (they change with the indicator too).
                html += '<div class="gp-row"><span><svg width="28" height="16"><circle cx="14" cy="8" r="5"' +
                    ' fill="#ef3b2c" fill-opacity="0.8" stroke="#b2182b" stroke-width="2"/></svg></span><span>' +
                    cfg.uncoveredLabel + "</span></div>";
                if (Object.keys(cfg.catchments).length) {
                    html += '<div class="gp-row"><span><svg width="28" height="16"><circle cx="14" cy="8" r="7"' +
                        ' fill="#3182bd" fill-opacity="0.12" stroke="#3182bd" stroke-width="1"/></svg></span>' +
                        "<span>" + cfg.catchmentLabel + "</span></div>";
                }
                document.getElementById("gp-gap-legend").innerHTML = html;
                uncoveredGroup.clearLayers();
                var pts = unpacked[scenario] || {type: "FeatureCollection", features: []};
                L.geoJson(pts, {
                    filter: function (f) { return measure === "composite" || f.properties.i.indexOf(measure) >= 0; },
                    pointToLayer: function (f, ll) {
                        return L.circleMarker(ll, {radius: 5, color: "#b2182b", weight: 2, fillColor: "#ef3b2c",
                            fillOpacity: 0.9, renderer: cfg.canvas ? geoplanCanvas() : undefined});
                    },
                    onEachFeature: function (f, layer) {
                        var which = f.properties.i.map(function (k) { return cfg.labels[k]; }).join("、");
                        layer.bindTooltip(geoplanText(f.properties.name + " · " + which +
                            (f.properties.households ? " · " + f.properties.households + cfg.hh : "")));
                    }
                }).addTo(uncoveredGroup);
                catchmentGroup.clearLayers();
                var area = (cfg.catchments[scenario] || {})[measure];
                if (area) L.geoJson(geoplanUnpack(area), {style: {color: "#3182bd", weight: 1, fillOpacity: 0.12},
                                           interactive: false}).addTo(catchmentGroup);
            }
            villages.bindPopup(function (layer) {
                var p = layer.feature.properties, i = scenarioIndex();
                var rows = "";
                cfg.measures.slice(1).forEach(function (m) {
                    var r = (p.t[m[0]] || [])[i];
                    if (!r) return;
                    rows += "<tr><td>" + m[1] + "</td><td>" + geoplanEsc(r[0]) + "</td><td>" + geoplanEsc(r[1]) +
                        '</td><td class="gp-' +
                        r[2] + '">' + cfg.statusLabels[r[2]] + "</td><td>" + geoplanEsc(r[3]) + "</td></tr>";
                });
                var score = p.score[i];
                return '<div class="gp-popup"><h4>' + geoplanEsc(p.name) + " · " + cfg.scenarioLabels[scenario] +
                    "</h4>" +
                    "<div>" + cfg.labels.composite + ": " + (score === null ? "—" : score.toFixed(1)) + "</div>" +
                    '<table class="gp-table"><tr>' + cfg.head.map(function (h) { return "<th>" + h + "</th>"; })
                    .join("") + "</tr>" + rows + "</table></div>";
            }, {maxWidth: 520});
            var ctl = L.control({position: "topright"});
            ctl.onAdd = function () {
                var div = L.DomUtil.create("div", "gp-box gp-gap-picker");
                var sel = '<label>' + cfg.measureLabel + ' <select id="gp-measure">';
                cfg.measures.forEach(function (m) { sel += '<option value="' + m[0] + '">' + m[1] + "</option>"; });
                sel += "</select></label>";
                cfg.scenarios.forEach(function (s, i) {
                    sel += ' <label><input type="radio" name="gp-scenario" value="' + s[0] + '"' +
                        (i === 0 ? " checked" : "") + "> " + s[1] + "</label>";
                });
                div.innerHTML = sel;
                L.DomEvent.disableClickPropagation(div);
                div.querySelector("#gp-measure").addEventListener("change", function (e) {
                    measure = e.target.value; restyle();
                });
                div.querySelectorAll("input[name=gp-scenario]").forEach(function (r) {
                    r.addEventListener("change", function (e) { scenario = e.target.value; restyle(); });
                });
                return div;
            };
            ctl.addTo(map);
            var legend = L.control({position: "bottomleft"});
            legend.onAdd = function () {
                var div = L.DomUtil.create("div", "gp-box gp-legend");
                div.id = "gp-gap-legend";
                return div;
            };
            legend.addTo(map);
            restyle();
        })({{ this._parent.get_name() }}, {{ this.villages.get_name() }}, {{ this.uncovered.get_name() }},
           {{ this.catchments.get_name() }}, {{ this.config_json }});
        {% endmacro %}
        """
    )

    def __init__(
        self,
        villages: folium.GeoJson,
        uncovered: folium.FeatureGroup,
        catchment_group: folium.FeatureGroup,
        config: dict[str, Any],
    ) -> None:
        super().__init__()
        self._name = "GapSelector"
        self.villages = villages
        self.uncovered = uncovered
        self.catchments = catchment_group
        self.config = config

    @property
    def config_json(self) -> str:
        return dumps(self.config)


class VillageShapes(folium.GeoJson):
    """Village polygons embedded as compact JSON (on the shared canvas when many), their names as labels that
    never overlap; styled by :class:`GapSelector`."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = geoplanLabelled(L.geoJson(null, {{ this.options_js }}), "name");
        {{ this.get_name() }}.addData(geoplanUnpack({{ this.data_json }}));
        {% endmacro %}
        """
    )

    def __init__(self, data: CompactLayer, name: str, *, canvas: bool = False) -> None:
        super().__init__(EMPTY, name=name)
        self._name = "VillageShapes"
        self.compact = data
        self.canvas = canvas

    @property
    def options_js(self) -> str:
        return '{className: "gp-layer-gap-villages"' + (", renderer: geoplanCanvas()}" if self.canvas else "}")

    @property
    def data_json(self) -> str:
        return dumps(self.compact.packed())


def build_gap_map(
    frames: Mapping[str, gpd.GeoDataFrame],
    baseline: AnalysisResult,
    plan: AnalysisResult | None = None,
    catalogue: Catalogue | None = None,
    *,
    basemap: str = "none",
    lang: Lang = "zh",
    tianditu_key: str | None = None,
    display: Display = DEFAULT_DISPLAY,
    with_catchments: bool = True,
    proposal: Mapping[str, Any] | None = None,
) -> folium.Map:
    """Villages classed by composite or indicator (selector), baseline vs plan, uncovered points, catchments.

    ``proposal``: the projects ``geoplan plan`` chose (:func:`geoplan.analysis.plan.proposal_collection`), drawn as
    their own layer (方案/proposal), dashed magenta, each with its cost and the households it newly covers.
    """
    catalogue = catalogue or default_catalogue()
    results = {"baseline": baseline} | ({"plan": plan} if plan is not None else {})
    data = gap_data(baseline.standards, results, lang)
    villages = frames.get("villages")
    if villages is None:
        villages = gpd.GeoDataFrame({"code": [], "name": []}, geometry=[], crs="EPSG:4326")
    m = new_map(data_bounds([villages]), lang=lang, title=f"{text('title_gaps', lang)} · geoplan")
    add_basemaps(m, basemap, tianditu_key=tianditu_key, lang=lang)
    scores = {s: {str(r.village_code): r.composite for r in res.villages.itertuples()} for s, res in results.items()}
    tables = {s: indicator_tables(res) for s, res in results.items()}

    def extra(rows: gpd.GeoDataFrame) -> dict[str, list[Any]]:
        k, t, score = [], [], []
        for code in rows["code"].astype(str):
            k.append(
                {m_: [data.classes[(m_, s)].get(code, "not_assessed") for s in results] for m_, _ in data.measures}
            )
            per = [tables[s].get(code, {}) for s in results]
            t.append({key: [p.get(key) for p in per] for key in per[0]})
            score.append([None if pd.isna(scores[s].get(code)) else round(float(scores[s][code]), 1) for s in results])
        return {"k": k, "t": t, "score": score, LABEL_AT: label_anchors(rows)}

    shapes = compact_features(villages, ["code", "name"], simplify_m=display.simplify_m, extra=extra)
    geo = VillageShapes(shapes, name=text("village", lang), canvas=len(shapes) > display.canvas_above)
    geo.add_to(m)
    uncovered_group = folium.FeatureGroup(name=text("uncovered", lang))
    uncovered_group.add_to(m)
    catchment_group = folium.FeatureGroup(name=text("catchment", lang), show=False)
    catchment_group.add_to(m)
    points = {s: uncovered_points(res) for s, res in results.items()}
    uncovered = {s: p.packed() for s, p in points.items()}
    config = {
        "measures": data.measures,
        "scenarios": data.scenarios,
        "scenarioLabels": dict(data.scenarios),
        "labels": dict(data.measures),
        "colors": STATUS_COLORS | {cls: color for _, cls, color in COMPOSITE_BANDS},
        "legends": {"composite": class_legend(COMPOSITE, lang), "status": class_legend("tap_water", lang)},
        "statusLabels": {s: status_label(s, lang) for s in STATUS_COLORS},
        "uncovered": uncovered,
        "canvas": any(len(p) > display.canvas_above for p in points.values()),
        "catchments": {
            s: {k: v.packed() for k, v in catchments(frames, baseline.standards, s).items()}
            for s in (results if with_catchments else ())
        },
        "measureLabel": text("measure", lang),
        "uncoveredLabel": text("uncovered_dot", lang),
        "catchmentLabel": text("catchment_circle", lang),
        "hh": "户" if lang == "zh" else " households",
        "head": [text(k, lang) for k in ("measure", "value", "target", "status", "gap")],
    }
    GapSelector(geo, uncovered_group, catchment_group, config).add_to(m)
    if proposal is not None:
        add_proposal(m, proposal, lang)
    folium.LayerControl(collapsed=False).add_to(m)
    return m


PROPOSAL_STYLE = {"color": "#c51b8a", "weight": 4, "dashArray": "8 6", "fillColor": "#fa9fb5", "fillOpacity": 0.9}


def add_proposal(m: folium.Map, proposal: Mapping[str, Any], lang: Lang = "zh") -> None:
    """The chosen projects as one toggleable layer; names are shown as text (popup and tooltip escape them)."""
    zh = lang == "zh"
    budget = proposal.get("budget_wan")
    name = f"规划方案(预算{budget:g}万元)" if zh else f"Proposal (budget {budget:g} 万元)"
    fields = ["name", "layer", "cost_wan", "households", "indicators"]
    aliases = ["项目", "图层", "投资(万元)", "新增覆盖(户)", "指标"] if zh else [
        "Project", "Layer", "Cost (万元)", "Newly covered (households)", "Indicators"
    ]  # fmt: skip
    layer = folium.GeoJson(
        {"type": "FeatureCollection", "features": list(proposal.get("features", []))},
        name=name,
        style_function=lambda _: PROPOSAL_STYLE,
        marker=folium.CircleMarker(radius=7),
    )
    LabelTooltip("name").add_to(layer)
    FieldPopup(fields, aliases, title=name).add_to(layer)
    layer.add_to(m)
