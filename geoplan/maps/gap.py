"""The gap map: villages coloured by the composite score or one indicator, baseline or plan, from the analysis.

Classes come straight from :func:`geoplan.analysis.analyse`: an indicator's class is its status (达标 / 基本达标 /
未达标 / 未评估), the composite's class is its score band.  Village shapes are embedded once; a selector in the
page switches indicator and scenario by restyling them, and filters the uncovered settlements and catchments.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Figure
from folium.template import Template

from geoplan.analysis import AnalysisResult, Indicator, Standards, status_label
from geoplan.analysis.scenario import mask
from geoplan.layers.catalogue import Catalogue, Lang, default_catalogue
from geoplan.maps.basemaps import add_basemaps
from geoplan.maps.compact import CompactLayer, compact_features, dumps
from geoplan.maps.geojson_layer import EMPTY, LABEL_AT, FieldPopup, LabelTooltip
from geoplan.maps.labels import count, number, text
from geoplan.maps.layers import DEFAULT_DISPLAY, Display, data_bounds, label_anchors
from geoplan.maps.overview import new_map
from geoplan.maps.page import RawMacro, RawScript

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
#: Catchment targets (lines) are simplified this much: the bands drawn around them are 30 m to 3 km wide.
CATCHMENT_SIMPLIFY_M = 10.0


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


def _bits(keys: Sequence[str]) -> bool:
    """Whether indicator sets fit a JavaScript bit mask (bitwise operators work on 32-bit integers)."""
    return len(keys) <= 30


def _masks(bits: np.ndarray, keys: Sequence[str]) -> list[Any]:
    """Per row and scenario, the indicators set in ``bits`` (rows × scenarios × indicators, bool): one integer
    (bit j = ``keys[j]``) when they fit, else the list of indices."""
    if _bits(keys):
        weights = np.left_shift(1, np.arange(len(keys), dtype=np.int64))
        return (bits.astype(np.int64) * weights).sum(axis=2).tolist()
    return [[np.flatnonzero(s).tolist() for s in row] for row in bits]


def _indicator_codes(column: pd.Series, keys: Sequence[str]) -> np.ndarray:
    """Each row's indicator as its index in ``keys`` (-1: not offered), from the categories when categorical."""
    at = {k: j for j, k in enumerate(keys)}
    if isinstance(column.dtype, pd.CategoricalDtype):
        lookup = np.array([at.get(str(c), -1) for c in column.cat.categories] + [-1], dtype=np.int64)
        return lookup[column.cat.codes.to_numpy()]  # code -1 (missing) → the trailing -1
    return np.array([at.get(str(k), -1) for k in column.tolist()], dtype=np.int64)


def uncovered_points(results: Mapping[str, AnalysisResult], keys: Sequence[str]) -> CompactLayer:
    """One point per unit uncovered in any scenario, with the indicators it fails in each (``m``, see
    :func:`_masks`): a household short of several services is one marker, not one per indicator and scenario."""
    frames = [r.uncovered for r in results.values()]
    rows = sum(len(f) for f in frames)
    if not rows:
        empty = gpd.GeoDataFrame({"name": [], "households": []}, geometry=[], crs="EPSG:4326")
        return compact_features(empty, ["name", "households"], simplify_m=0, extra=lambda _: {"m": []})
    # Whole columns with numpy (a county has millions of rows): groupby(...).agg(list) ran Python per unit.
    ids = np.concatenate([f["unit_id"].to_numpy() for f in frames])
    codes, units = pd.factorize(ids, sort=False)  # units in order of first appearance
    scenario = np.repeat(np.arange(len(frames)), [len(f) for f in frames])
    ind = np.concatenate([_indicator_codes(f["indicator"], keys) for f in frames])
    ok = ind >= 0  # an indicator no longer in the standards is not offered by the selector
    # A unit's name, households and place: its first row (first rows come in code order: codes number units by
    # first appearance).
    first = np.flatnonzero(~pd.Series(codes).duplicated().to_numpy())
    column = lambda name: np.concatenate([f[name].to_numpy() for f in frames])[first]  # noqa: E731
    points = gpd.GeoDataFrame(
        {"name": column("name"), "households": column("households")},
        geometry=np.concatenate([f.geometry.to_numpy() for f in frames])[first],
        crs=frames[0].crs,
        index=pd.Index(units, name="unit_id"),
    )
    if _bits(keys):  # each (unit, scenario, indicator) once, so a sum of distinct bits is their OR
        cells = pd.unique((codes[ok] * len(frames) + scenario[ok]) * len(keys) + ind[ok])
        bit = np.left_shift(1, cells % len(keys)).astype(np.float64)  # exact: below 2**31
        sums = np.bincount(cells // len(keys), weights=bit, minlength=len(units) * len(frames))
        masks = sums.astype(np.int64).reshape(len(units), len(frames)).tolist()
    else:
        bits = np.zeros((len(units), len(frames), len(keys)), dtype=bool)
        bits[codes[ok], scenario[ok], ind[ok]] = True
        masks = _masks(bits, keys)
    return compact_features(points, ["name", "households"], simplify_m=0, extra=lambda _: {"m": masks})


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


@dataclass(frozen=True)
class Reach:
    """What an indicator's catchment is drawn from: its targets (EPSG:4326) and its threshold in metres."""

    radius_m: float
    targets: gpd.GeoSeries


def _drawable(standards: Standards) -> list[Indicator]:
    """Indicators with a straight-line catchment (a network reach is no circle: drawing one would mislead)."""
    return [i for i in standards.indicators if i.test == "distance" and i.threshold_m and i.distance != "network"]


def _selected(frame: gpd.GeoDataFrame, sel: Any, scenario: str) -> np.ndarray:
    """Which features of ``frame`` a target selector picks in a scenario (present, matching its ``where``)."""
    keep = mask(frame, scenario) if "status" in frame.columns else np.ones(len(frame), dtype=bool)  # type: ignore[arg-type]
    keep = np.asarray(keep, dtype=bool).copy()
    for field, allowed in sel.where.items():
        keep &= frame[field].isin(allowed).to_numpy() if field in frame.columns else False
    return keep & ~(frame.geometry.isna() | frame.geometry.is_empty).to_numpy()


def catchments(frames: Mapping[str, gpd.GeoDataFrame], standards: Standards, scenario: str) -> dict[str, Reach]:
    """Indicator → the targets its catchment is drawn around and the radius, in a scenario.

    The area within the threshold of any target is drawn in the browser (:func:`catchment_layers`, gap.js):
    discs around points, round-capped bands along lines.  It used to be buffered and dissolved here, which took
    most of a county's gap map build and megabytes of polygon.
    """
    out: dict[str, Reach] = {}
    for ind in _drawable(standards):
        parts = []
        for sel in ind.targets:
            frame = frames.get(sel.layer)
            if frame is not None and not frame.empty:
                parts.append(frame.geometry[_selected(frame, sel, scenario)])
        if parts and sum(len(p) for p in parts):
            out[ind.key] = Reach(float(ind.threshold_m), gpd.GeoSeries(pd.concat(parts), crs="EPSG:4326"))  # type: ignore[arg-type]
    return out


def catchment_layers(
    frames: Mapping[str, gpd.GeoDataFrame], standards: Standards, scenarios: Sequence[str]
) -> dict[str, Any]:
    """The catchments of every drawable indicator and scenario, each target layer packed once: ``keys`` and
    ``radius`` (metres) of the indicators, ``layers`` packed with ``m``, per scenario the indicators (see
    :func:`_masks`) a feature is a target of."""
    drawable = _drawable(standards)
    keys = [i.key for i in drawable]
    layers = []
    for name in dict.fromkeys(sel.layer for ind in drawable for sel in ind.targets):
        frame = frames.get(name)
        if frame is None or frame.empty:
            continue
        bits = np.zeros((len(frame), len(scenarios), len(keys)), dtype=bool)
        for j, ind in enumerate(drawable):
            for sel in ind.targets:
                if sel.layer == name:
                    for s, scenario in enumerate(scenarios):
                        bits[:, s, j] |= _selected(frame, sel, scenario)
        rows = bits.any(axis=(1, 2))
        if not rows.any():
            continue
        masks = _masks(bits[rows], keys)
        part = gpd.GeoDataFrame(geometry=frame.geometry[rows].to_numpy(), crs=frame.crs)
        layers.append(
            compact_features(part, [], simplify_m=CATCHMENT_SIMPLIFY_M, extra=lambda _, m=masks: {"m": m}).packed()
        )
    return {"keys": keys, "radius": [float(i.threshold_m) for i in drawable], "layers": layers}  # type: ignore[arg-type]


def village_tables(
    results: Mapping[str, AnalysisResult], keys: Sequence[str]
) -> tuple[list[str], dict[str, list[int]]]:
    """The popup tables of every village, compact: the distinct display texts, and per village code, per
    indicator and scenario, the indices of its [value, target, gap] texts (-1: no row).  The status is the
    indicator's class, which the page has already."""
    strings: dict[str, int] = {}
    slot = {k: j for j, k in enumerate(keys)}
    width = len(keys) * len(results) * 3
    rows: dict[str, list[int]] = {}
    texts: dict[tuple[Any, Any], int] = {}

    def index(value: Any, unit: Any, gap: bool = False) -> int:
        key = (value, unit, gap)
        found = texts.get(key)  # type: ignore[arg-type]
        if found is None:
            shown = _gap(value, unit) if gap else number(value, unit)
            found = texts[key] = strings.setdefault(shown, len(strings))  # type: ignore[index]
        return found

    for s, result in enumerate(results.values()):
        frame = result.indicators
        names = ("village_code", "indicator", "value", "target", "unit", "gap", "gap_unit")
        columns = [frame[c].tolist() for c in names]
        for code, ind, value, target, unit, gap, gap_unit in zip(*columns, strict=True):
            j = slot.get(str(ind))
            if j is None:
                continue
            row = rows.get(str(code))
            if row is None:
                row = rows[str(code)] = [-1] * width
            base = (j * len(results) + s) * 3
            row[base : base + 3] = [index(value, unit), index(target, unit), index(gap, gap_unit, True)]
    return list(strings), rows


#: Where a served gap map fetches its catchments and popup tables (under the API root), each cached per data version.
CATCHMENTS_PATH = "/maps/gaps/catchments.json"
TABLES_PATH = "/maps/gaps/tables.json"
UNCOVERED_PATH = "/maps/gaps/uncovered.json"
#: Uncovered points one bounding box request answers at most (a view at zoom 14 holds a few thousand).
UNCOVERED_PAGE = 20_000


def uncovered_units(results: Mapping[str, AnalysisResult]) -> int:
    """Units uncovered in any scenario (the points :func:`uncovered_points` makes), counted without making them."""
    ids = [r.uncovered["unit_id"].to_numpy() for r in results.values()]
    return len(pd.unique(np.concatenate(ids))) if ids else 0


def points_in_box(points: CompactLayer, bbox: tuple[float, float, float, float]) -> dict[str, Any]:
    """The packed points inside ``bbox`` (west, south, east, north; EPSG:4326), at most :data:`UNCOVERED_PAGE`,
    and whether some were left out."""
    xy = shapely.get_coordinates(points.geometries) if len(points) else np.empty((0, 2))
    west, south, east, north = bbox
    inside = np.flatnonzero((xy[:, 0] >= west) & (xy[:, 0] <= east) & (xy[:, 1] >= south) & (xy[:, 1] <= north))
    keep = inside[:UNCOVERED_PAGE]
    part = CompactLayer(points.geometries[keep], {k: [v[i] for i in keep] for k, v in points.columns.items()})
    return {"points": part.packed(), "truncated": len(inside) > len(keep)}


def gap_tables(results: Mapping[str, AnalysisResult], keys: Sequence[str]) -> dict[str, Any]:
    """The village popup tables as the page reads them: ``strings`` and per village code ``rows``."""
    strings, rows = village_tables(results, keys)
    return {"strings": strings, "rows": rows}


class GapSelector(RawMacro):
    """Indicator and scenario pickers; restyles the villages, swaps legend, uncovered points and catchments
    (``static/gap.js``, inlined once), from labels (``config``) and compact data (classes, tables, points,
    catchment targets)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        geoplanGapMap({{ this._parent.get_name() }}, {{ this.villages.get_name() }},
            {{ this.uncovered.get_name() }}, {{ this.catchments.get_name() }}, {{ this.config_json }},
            {{ this.data_json }});
        {% endmacro %}
        """
    )

    def __init__(
        self,
        villages: folium.GeoJson,
        uncovered: folium.FeatureGroup,
        catchment_group: folium.FeatureGroup,
        config: dict[str, Any],
        data: dict[str, Any],
    ) -> None:
        super().__init__()
        self._name = "GapSelector"
        self.villages = villages
        self.uncovered = uncovered
        self.catchments = catchment_group
        self.config = config
        self.data = data

    @property
    def config_json(self) -> str:
        return dumps(self.config)

    @property
    def data_json(self) -> str:
        return dumps(self.data)

    def render(self, **kwargs: Any) -> None:
        figure = self.get_root()
        assert isinstance(figure, Figure)
        js = resources.files("geoplan.maps").joinpath("static", "gap.js").read_text(encoding="utf-8")
        figure.header.add_child(RawScript(f"<script>{js}</script>"), name="geoplan_gap_js")
        super().render(**kwargs)


class VillageShapes(folium.GeoJson, RawMacro):
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


#: Above this many uncovered points they are drawn only from :data:`UNCOVERED_MIN_ZOOM` on, near the view (a
#: county's 300,000 households would be one red smear at its overview zoom, and slow to pan).
UNCOVERED_DETAIL_ABOVE = 5000
UNCOVERED_MIN_ZOOM = 14


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
    uncovered_detail_above: int | None = None,
) -> folium.Map:
    """Villages classed by composite or indicator (selector), baseline vs plan, uncovered points, catchments.

    ``proposal``: the projects ``geoplan plan`` chose (:func:`geoplan.analysis.plan.proposal_collection`), drawn as
    their own layer (方案/proposal), dashed magenta, each with its cost and the households it newly covers.
    """
    catalogue = catalogue or default_catalogue()
    results = {"baseline": baseline} | ({"plan": plan} if plan is not None else {})
    data = gap_data(baseline.standards, results, lang)
    keys = [k for k, _ in data.measures[1:]]
    villages = frames.get("villages")
    if villages is None:
        villages = gpd.GeoDataFrame({"code": [], "name": []}, geometry=[], crs="EPSG:4326")
    m = new_map(data_bounds([villages]), lang=lang, title=f"{text('title_gaps', lang)} · geoplan")
    add_basemaps(m, basemap, tianditu_key=tianditu_key, lang=lang)
    class_names = list(STATUS_COLORS) + [cls for _, cls, _ in COMPOSITE_BANDS]
    class_at = {c: i for i, c in enumerate(class_names)}
    scores = {
        s: dict(zip(res.villages["village_code"].astype(str), res.villages["composite"], strict=True))
        for s, res in results.items()
    }
    measure_classes = [[data.classes[(m_, s)] for s in results] for m_, _ in data.measures]
    unassessed = class_at["not_assessed"]

    def extra(rows: gpd.GeoDataFrame) -> dict[str, list[Any]]:
        k, score = [], []
        for code in rows["code"].astype(str):
            # class of measure i in scenario s at i * len(scenarios) + s
            k.append([class_at.get(by_code.get(code, ""), unassessed) for per in measure_classes for by_code in per])
            score.append([None if pd.isna(v := scores[s].get(code)) else round(float(v), 1) for s in results])
        return {"k": k, "score": score, LABEL_AT: label_anchors(rows)}

    shapes = compact_features(villages, ["code", "name"], simplify_m=display.simplify_m, extra=extra)
    geo = VillageShapes(shapes, name=text("village", lang), canvas=len(shapes) > display.canvas_above)
    geo.add_to(m)
    uncovered_group = folium.FeatureGroup(name=text("uncovered", lang))
    uncovered_group.add_to(m)
    catchment_group = folium.FeatureGroup(name=text("catchment", lang), show=False)
    catchment_group.add_to(m)
    detail_above = UNCOVERED_DETAIL_ABOVE if uncovered_detail_above is None else uncovered_detail_above
    # A served map with many uncovered units fetches them by bounding box once zoomed in; others carry them.
    api = display.detail_api
    fetch_points = api is not None and uncovered_units(results) > detail_above
    points = uncovered_points({} if fetch_points else results, keys)
    # Served maps fetch the popup tables and the (hidden at first) catchments when they are first wanted; files
    # written by `geoplan map` carry them.
    drawable = with_catchments and any(
        len(frames.get(sel.layer, ())) for ind in _drawable(baseline.standards) for sel in ind.targets
    )
    reach = catchment_layers(frames, baseline.standards, list(results)) if drawable and api is None else None
    config = {
        "measures": data.measures,
        "scenarios": data.scenarios,
        "scenarioLabels": dict(data.scenarios),
        "labels": dict(data.measures),
        "classes": class_names,
        "colors": STATUS_COLORS | {cls: color for _, cls, color in COMPOSITE_BANDS},
        "legends": {"composite": class_legend(COMPOSITE, lang), "status": class_legend("tap_water", lang)},
        "statusLabels": {s: status_label(s, lang) for s in STATUS_COLORS},
        "canvas": fetch_points or len(points) > display.canvas_above,
        "detailZoom": UNCOVERED_MIN_ZOOM if fetch_points or len(points) > detail_above else None,
        "measureLabel": text("measure", lang),
        "uncoveredLabel": text("uncovered_dot", lang),
        "uncoveredZoomLabel": text("uncovered_zoom", lang).format(zoom=UNCOVERED_MIN_ZOOM),
        "catchmentLabel": text("catchment_circle", lang),
        "hh": "户" if lang == "zh" else " households",
        "head": [text(k, lang) for k in ("measure", "value", "target", "status", "gap")],
    }
    if api is not None:
        config |= {"catchmentsUrl": f"{api}{CATCHMENTS_PATH}" if drawable else None, "tablesUrl": f"{api}{TABLES_PATH}"}
        config |= {"uncoveredUrl": f"{api}{UNCOVERED_PATH}" if fetch_points else None}
    page_data = {
        "uncovered": points.packed(),
        "catchments": reach if reach is not None and reach["layers"] else None,
        "tables": gap_tables(results, keys) if api is None else None,
    }
    GapSelector(geo, uncovered_group, catchment_group, config, page_data).add_to(m)
    if proposal is not None:
        add_proposal(m, proposal, lang)
    folium.LayerControl(collapsed=False).add_to(m)
    return m


class ProposalLayer(folium.GeoJson, RawMacro):
    """folium's GeoJson layer, its data (project names) never compiled as a template (:class:`RawMacro`)."""


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
    layer = ProposalLayer(
        {"type": "FeatureCollection", "features": list(proposal.get("features", []))},
        name=name,
        style_function=lambda _: PROPOSAL_STYLE,
        marker=folium.CircleMarker(radius=7),
    )
    LabelTooltip("name").add_to(layer)
    FieldPopup(fields, aliases, title=name).add_to(layer)
    layer.add_to(m)
