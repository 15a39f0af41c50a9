"""QML styles from the catalogue: colours and patterns as on the web map, aliases and value maps in Chinese."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from geoplan.layers.catalogue import Catalogue
from geoplan.qgis.qml import qml, rgba


@pytest.mark.parametrize(
    ("color", "opacity", "expected"),
    [("#444444", 0.15, "68,68,68,38"), ("#d62728", 1.0, "214,39,40,255"), ("#fff", 0.5, "255,255,255,128")],
)
def test_rgba(color: str, opacity: float, expected: str) -> None:
    assert rgba(color, opacity) == expected


def _doc(catalogue: Catalogue, layer: str, lang: str = "zh") -> ET.Element:
    text = qml(catalogue, catalogue.layer(layer), lang)  # type: ignore[arg-type]
    assert text.startswith("<!DOCTYPE qgis")
    return ET.fromstring(text.split("\n", 1)[1])


def test_roads_are_categorised_by_status_with_the_web_maps_patterns(catalogue: Catalogue) -> None:
    root = _doc(catalogue, "roads")
    renderer = root.find("renderer-v2")
    assert renderer is not None and renderer.get("type") == "categorizedSymbol" and renderer.get("attr") == "status"
    cats = {c.get("value"): (c.get("label"), c.get("symbol")) for c in renderer.iter("category")}
    assert cats == {"existing": ("现状", "0"), "planned": ("规划", "1"), "under_construction": ("在建", "2"),
                    "completed": ("已完工", "3"), "candidate": ("候选", "4")}  # fmt: skip
    pens = {}
    for sym in renderer.find("symbols") or []:
        props = {p.get("k"): p.get("v") for p in sym.iter("prop")}
        pens[sym.get("name")] = props["line_style"]
    assert pens == {"0": "solid", "1": "dash", "2": "dot", "3": "solid", "4": "dot"}


def test_facilities_rules_nest_kinds_under_statuses(catalogue: Catalogue) -> None:
    root = _doc(catalogue, "facilities", "en")
    rules = root.find("renderer-v2/rules")
    assert rules is not None
    kinds = catalogue.enums[catalogue.layer("facilities").field("kind").enum or ""]
    by_status = {r.get("label"): [c.get("label") for c in r] for r in rules}
    assert by_status == {catalogue.enum_label("status", s, "en"): [k.en for k in kinds]
                         for s in catalogue.enum_values("status")}  # fmt: skip
    clinic = next(k for k in kinds if k.value == "clinic")
    existing_clinic = next(r for r in rules.iter("rule") if r.get("key") == "existing-clinic")
    symbol = root.find(f"renderer-v2/symbols/symbol[@name='{existing_clinic.get('symbol')}']")
    assert symbol is not None
    props = {p.get("k"): p.get("v") for p in symbol.iter("prop")}
    assert props["outline_color"].startswith(rgba(clinic.color or "", 1).rsplit(",", 1)[0])
    planned_clinic = next(r for r in rules.iter("rule") if r.get("key") == "planned-clinic")
    planned = root.find(f"renderer-v2/symbols/symbol[@name='{planned_clinic.get('symbol')}']")
    assert planned is not None
    planned_props = {p.get("k"): p.get("v") for p in planned.iter("prop")}
    assert planned_props["outline_style"] == "dash" and planned_props["color"].startswith("255,255,255")
    # an apostrophe or quote in a value could not break out of the filter expression
    assert all(r.get("filter", "").count("'") % 2 == 0 for r in rules.iter("rule"))


def test_aliases_and_value_maps_come_from_the_catalogue(catalogue: Catalogue) -> None:
    root = _doc(catalogue, "roads")
    spec = catalogue.layer("roads")
    aliases = {a.get("field"): a.get("name") for a in root.iter("alias")}
    assert aliases["name"] == spec.field("name").zh
    assert aliases["budget_wan"] == f"{spec.field('budget_wan').zh} (万元)"
    status = root.find("fieldConfiguration/field[@name='status']/editWidget")
    assert status is not None and status.get("type") == "ValueMap"
    pairs = {o.get("name"): o.get("value") for o in status.iter("Option") if o.get("type") == "QString"}
    assert pairs == {catalogue.enum_label("status", v): v for v in catalogue.enum_values("status")}
    editable = {f.get("name"): f.get("editable") for f in root.iter("field") if f.get("editable") is not None}
    assert editable["version"] == "0" and editable["name"] == "1"
