"""Styles from the catalogue: colour per layer/theme, status as line pattern, an icon per facility kind."""

from __future__ import annotations

from pathlib import Path

import geoplan.maps
from geoplan.layers import default_catalogue
from geoplan.maps.styles import layer_style, legend_rows

CAT = default_catalogue()


def test_line_layer_existing_solid_planned_dashed_under_construction_dotted() -> None:
    roads = CAT.layer("roads")
    style = layer_style(CAT, roads)
    assert style.key_fields == ("status",)
    existing = style.style_for({"status": "existing"})
    assert existing["color"] == roads.style["color"] == "#d95f02"
    assert existing["weight"] == roads.style["weight"]
    assert "dashArray" not in existing
    assert style.style_for({"status": "completed"}) == existing
    assert style.style_for({"status": "planned"})["dashArray"] == "8 6"
    building = style.style_for({"status": "under_construction"})
    assert building["dashArray"] == "2 6" and building["weight"] == existing["weight"] + 1


def test_planned_polygons_are_hollow() -> None:
    eco = CAT.layer("eco_villages")
    style = layer_style(CAT, eco)
    assert style.style_for({"status": "existing"})["fillOpacity"] == eco.style["fill_opacity"]
    assert style.style_for({"status": "planned"})["fillOpacity"] == 0.0


def test_facilities_get_the_icon_and_colour_of_their_kind() -> None:
    style = layer_style(CAT, CAT.layer("facilities"))
    assert style.marker == "icon"
    clinic = style.style_for({"status": "existing", "kind": "clinic"})
    assert clinic["color"] == "#d62728"
    assert "fa-plus-square" in clinic["html"] and "gp-st-existing" in clinic["html"] and "#d62728" in clinic["html"]
    planned = style.style_for({"status": "planned", "kind": "bus_stop"})
    assert "fa-bus" in planned["html"] and "gp-st-planned" in planned["html"]
    assert len(style.table) == len(CAT.enums["facility_kind"]) * len(CAT.enums["status"])


def test_icon_status_classes_are_drawn_by_the_stylesheet() -> None:
    css = (Path(geoplan.maps.__file__).parent / "static" / "map.css").read_text(encoding="utf-8")
    assert ".gp-st-planned { border-style: dashed; }" in css
    assert ".gp-st-under_construction { border-style: dotted; }" in css


def test_reference_layers_have_one_style_and_points_are_circles() -> None:
    villages = layer_style(CAT, CAT.layer("villages"))
    assert villages.key_fields == () and villages.table == {}
    assert villages.default["fillColor"] == "#f7f7f2"
    settlements = layer_style(CAT, CAT.layer("settlements"))
    assert settlements.marker == "circle" and settlements.default["radius"] == 4


def test_legend_lists_each_status_in_chinese_and_english() -> None:
    roads = CAT.layer("roads")
    zh = [label for _, label in legend_rows(CAT, roads, layer_style(CAT, roads), "zh")]
    en = [label for _, label in legend_rows(CAT, roads, layer_style(CAT, roads), "en")]
    assert zh == ["现状", "规划", "在建"]
    assert en == ["Existing", "Planned", "Under construction"]
    facilities = CAT.layer("facilities")
    labels = [label for _, label in legend_rows(CAT, facilities, layer_style(CAT, facilities), "zh")]
    assert "村卫生室" in labels and "幼儿园" in labels
