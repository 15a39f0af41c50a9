"""Catalogue layers onto a folium map: one toggleable group per layer, styled, labelled and compact."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import folium
import geopandas as gpd
import numpy as np
import shapely
from folium.plugins import MarkerCluster

from geoplan.layers.catalogue import GEOMETRY_TYPES, Catalogue, Lang, LayerSpec
from geoplan.maps.compact import DISPLAY_DECIMALS, SIMPLIFY_M, CompactLayer, compact_features
from geoplan.maps.geojson_layer import LABEL_AT, STYLE_KEY, FieldPopup, LabelTooltip, ThemedGeoJson
from geoplan.maps.labels import field_alias, formatter, popup_fields, text
from geoplan.maps.styles import LayerStyle, layer_style, legend_rows

#: The property holding a project feature's id in the embedded layer.
FEATURE_ID = "_id"

#: Drawing order: areas at the bottom, then lines, then points on top.
GEOMETRY_ORDER = {"polygon": 0, "line": 1, "point": 2}


@dataclass(frozen=True)
class Display:
    """How dense layers are drawn (thresholds in features) and how much geometry is simplified (metres).

    Above ``canvas_above`` features an area, line or circle layer is drawn on one shared canvas (thousands of SVG
    paths make panning stutter); above ``cluster_above`` icon markers are clustered.  A layer whose catalogue style
    names ``min_zoom`` (building footprints) is drawn only from that zoom, near the view.
    """

    simplify_m: float = SIMPLIFY_M
    cluster_above: int = 500
    canvas_above: int = 250
    #: Served maps: the API root ("" = the page's own server) from which detail layers are loaded by bounding box
    #: as the planner pans, instead of being embedded; None (files) embeds them.
    detail_api: str | None = None


DEFAULT_DISPLAY = Display()


def ordered_specs(catalogue: Catalogue, names: Iterable[str] | None = None) -> list[LayerSpec]:
    wanted = set(names) if names is not None else None
    specs = [s for s in catalogue.layers if wanted is None or s.name in wanted]
    return sorted(specs, key=lambda s: (GEOMETRY_ORDER[s.geometry], catalogue.layers.index(s)))


def family_parts(spec: LayerSpec, frame: gpd.GeoDataFrame) -> list[tuple[LayerSpec, gpd.GeoDataFrame]]:
    """The layer split by geometry family (houses as points and as outlines are styled and packed apart)."""
    if len(spec.families) == 1:
        return [(spec, frame)]
    types = frame.geometry.geom_type.to_numpy()
    parts = []
    for family in spec.families:
        part = frame[[t in GEOMETRY_TYPES[family] for t in types]]
        if len(part):
            parts.append((spec.for_family(family), part))
    return parts or [(spec.for_family(spec.geometry), frame)]


def layer_collection(
    catalogue: Catalogue,
    spec: LayerSpec,
    frame: gpd.GeoDataFrame,
    style: LayerStyle,
    *,
    lang: Lang = "zh",
    simplify_m: float = SIMPLIFY_M,
    labelled: bool = False,
) -> CompactLayer:
    """The layer's features as compact GeoJSON: popup fields as shown (labels), the style key, and where the
    permanent label goes when ``labelled``."""
    fields = popup_fields(spec)
    formatters = {f.name: fmt for f in fields if (fmt := formatter(catalogue, f, lang)) is not None}

    def style_key(rows: gpd.GeoDataFrame) -> dict[str, list]:
        out: dict[str, list] = {LABEL_AT: label_anchors(rows)} if labelled else {}
        if spec.kind == "project" and "id" in rows.columns:  # the live editor selects a feature by its id
            out[FEATURE_ID] = [str(v) for v in rows["id"]]
        if not style.key_fields:
            return out
        keys = [f for f in style.key_fields if f in rows.columns]
        return out | {STYLE_KEY: [style.key(r) for r in rows[keys].to_dict("records")]}

    return compact_features(
        frame, [f.name for f in fields], simplify_m=simplify_m, formatters=formatters, extra=style_key
    )


def value_tables(catalogue: Catalogue, spec: LayerSpec, lang: Lang = "zh") -> dict[str, dict[str, str] | int]:
    """How the browser shows raw values it loads from the API: enum value → label, boolean → 是/否, or the number
    of decimals for numbers (the same texts :func:`~geoplan.maps.labels.formatter` gives embedded features)."""
    tables: dict[str, dict[str, str] | int] = {}
    for f in popup_fields(spec):
        if f.enum is not None:
            tables[f.name] = {v.value: v.label(lang) for v in catalogue.enums[f.enum]}
        elif f.type == "boolean":
            tables[f.name] = {"true": text("yes", lang), "false": text("no", lang)}
        elif f.type == "number":
            tables[f.name] = 2
    return tables


def label_anchors(frame: gpd.GeoDataFrame) -> list[list[float] | None]:
    """Where each feature's permanent label sits: a point inside it ([lon, lat], ~1 m), so a concave village's
    name is never drawn over its neighbour."""
    points = shapely.point_on_surface(frame.geometry.to_numpy())
    xy = np.round(shapely.get_coordinates(points, include_z=False), DISPLAY_DECIMALS).tolist()
    return xy if len(xy) == len(frame) else [None] * len(frame)


def add_layer(
    parent: folium.Map | folium.FeatureGroup,
    catalogue: Catalogue,
    spec: LayerSpec,
    frame: gpd.GeoDataFrame,
    *,
    lang: Lang = "zh",
    display: Display = DEFAULT_DISPLAY,
    show: bool = True,
    labels: bool = False,
) -> folium.map.Layer:
    """Add one catalogue layer to ``parent`` as a layer-control entry named by the catalogue title."""
    parts = family_parts(spec, frame)
    served = spec.style.get("min_zoom") is not None and display.detail_api is not None
    if served or len(parts) == 1:  # served layers embed nothing: the browser draws each fetched feature by type
        part_spec = spec if served else parts[0][0]
        part = frame if served else parts[0][1]
        return _add_family(parent, catalogue, part_spec, part, lang=lang, display=display, show=show, labels=labels)
    # One entry in the layer control for the whole layer, one styled sub-layer per geometry family.
    group = folium.FeatureGroup(name=spec.title(lang), show=show)
    for part_spec, part in parts:
        _add_family(group, catalogue, part_spec, part, lang=lang, display=display, labels=labels, control=False)
    group.add_to(parent)
    return group


def _add_family(
    parent: folium.Map | folium.FeatureGroup,
    catalogue: Catalogue,
    spec: LayerSpec,
    frame: gpd.GeoDataFrame,
    *,
    lang: Lang = "zh",
    display: Display = DEFAULT_DISPLAY,
    show: bool = True,
    labels: bool = False,
    control: bool = True,
) -> folium.map.Layer:
    style = layer_style(catalogue, spec)
    label = "name" if labels and spec.has_field("name") else None
    data = layer_collection(
        catalogue, spec, frame, style, lang=lang, simplify_m=display.simplify_m, labelled=label is not None
    )
    n = len(data)
    title = spec.title(lang)
    min_zoom = spec.style.get("min_zoom")
    served = min_zoom is not None and display.detail_api is not None
    if served:  # loaded from the API by bounding box: nothing embedded, however many there are
        data = CompactLayer(data.geometries[:0], {k: [] for k in data.columns}, data.decimals)
        n = len(frame)
    cluster = style.marker == "icon" and n > display.cluster_above and min_zoom is None
    canvas = style.marker != "icon" and n > display.canvas_above
    geo = ThemedGeoJson(
        data,
        style,
        name=title,
        show=True if cluster else show,
        canvas=canvas,
        control=control and not cluster,
        label_field=label,
        min_zoom=min_zoom,
        items_url=f"{(display.detail_api or '').rstrip('/')}/collections/{spec.name}/items" if served else None,
        value_tables=value_tables(catalogue, spec, lang) if served else None,
    )
    fields = popup_fields(spec)
    geo.add_child(FieldPopup([f.name for f in fields], [field_alias(f, lang) for f in fields], title=title))
    if spec.has_field("name") and n and not label:
        geo.add_child(LabelTooltip("name"))
    if cluster:
        group = MarkerCluster(
            name=title, show=show, control=control, options={"disableClusteringAtZoom": 16, "chunkedLoading": True}
        )
        geo.add_to(group)
        group.add_to(parent)
        return group
    geo.add_to(parent)
    return geo


def add_layers(
    m: folium.Map,
    catalogue: Catalogue,
    frames: Mapping[str, gpd.GeoDataFrame],
    *,
    lang: Lang = "zh",
    display: Display = DEFAULT_DISPLAY,
    names: Iterable[str] | None = None,
) -> list[tuple[str, list[tuple[str, str]]]]:
    """Every catalogue layer present in ``frames``; returns the legend groups in drawing order."""
    legend: list[tuple[str, list[tuple[str, str]]]] = []
    for spec in ordered_specs(catalogue, names):
        frame = frames.get(spec.name)
        if frame is None:
            continue
        add_layer(m, catalogue, spec, frame, lang=lang, display=display, labels=spec.name == "villages")
        if len(frame):
            kinds = set(frame["kind"].dropna()) if "kind" in frame.columns else None
            rows = [
                row
                for part_spec, _ in family_parts(spec, frame)
                for row in legend_rows(catalogue, part_spec, layer_style(catalogue, part_spec), lang, kinds)
            ]
            legend.append((spec.title(lang), rows))
    return legend


def data_bounds(frames: Iterable[gpd.GeoDataFrame]) -> list[list[float]] | None:
    """[[south, west], [north, east]] of every non-empty frame, for ``fit_bounds``."""
    boxes = [f.total_bounds for f in frames if len(f) and not f.geometry.is_empty.all()]
    if not boxes:
        return None
    west = min(b[0] for b in boxes)
    south = min(b[1] for b in boxes)
    east = max(b[2] for b in boxes)
    north = max(b[3] for b in boxes)
    return [[float(south), float(west)], [float(north), float(east)]]
