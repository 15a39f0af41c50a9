"""The gap map's classes are the analysis results: statuses per indicator, score bands for the composite."""

from __future__ import annotations

import json

import numpy as np
import pytest
from pyproj import Transformer

from geoplan.analysis import analyse, load_standards
from geoplan.maps import build_overview_map
from geoplan.maps.compact import dumps
from geoplan.maps.gap import (
    COMPOSITE,
    GapSelector,
    VillageShapes,
    _masks,
    build_gap_map,
    catchment_layers,
    catchments,
    class_legend,
    composite_class,
    indicator_rows,
    uncovered_points,
    village_classes,
)
from geoplan.maps.labels import number
from geoplan.maps.save import render_html
from tests.maps.conftest import VILLAGE_CODES

EAST, MIDDLE, WEST = VILLAGE_CODES


@pytest.fixture
def results(tiny_frames):
    # the tiny township's data carries 44 % of the indicator weight; the map is about classes, not about the
    # share a village needs for a rank (50 % by default), so rank here from 40 %
    standards = load_standards().model_copy(update={"min_assessed_weight": 0.4})
    return analyse(tiny_frames, standards, "baseline"), analyse(tiny_frames, standards, "plan")


def _parts(m):
    children = list(m._children.values())
    shapes = next(c for c in children if isinstance(c, VillageShapes))
    selector = next(c for c in children if isinstance(c, GapSelector))
    return shapes, selector


def test_composite_bands() -> None:
    assert [composite_class(s) for s in (100, 90, 89.9, 75, 60, 59.9, 0)] == [
        "c90",
        "c90",
        "c75",
        "c75",
        "c60",
        "c0",
        "c0",
    ]
    assert composite_class(float("nan")) == "not_assessed"
    assert [label for _, _, label in class_legend(COMPOSITE)] == ["≥ 90", "75–90", "60–75", "< 60", "未评估"]


def test_indicator_classes_match_the_analysis(results) -> None:
    baseline, plan = results
    # Hand-checked on the grid: the west village's settlement is 500 m from the nearest paved road (the paved
    # road ends at x = 2 km), so it fails the 100 m test; the planned paved road through it closes that gap.
    assert village_classes(baseline, "settlement_hardened_road") == {EAST: "met", MIDDLE: "met", WEST: "not_met"}
    assert village_classes(plan, "settlement_hardened_road")[WEST] == "met"
    for ind in baseline.standards.indicators:
        expected = baseline.indicators[baseline.indicators["indicator"] == ind.key].set_index("village_code")["status"]
        assert village_classes(baseline, ind.key) == expected.to_dict()
    with pytest.raises(KeyError):
        village_classes(baseline, "no_such_indicator")


def _decode(mask: int | list[int], keys: list[str]) -> set[str]:
    """The indicators of a page mask (bit j = keys[j], or a list of indices)."""
    return {keys[j] for j in mask} if isinstance(mask, list) else {k for j, k in enumerate(keys) if mask >> j & 1}


def test_embedded_classes_are_the_analysis_classes(tiny_frames, results) -> None:
    baseline, plan = results
    shapes, selector = _parts(build_gap_map(tiny_frames, baseline, plan))
    assert [s for s, _ in selector.config["scenarios"]] == ["baseline", "plan"]
    measures = [m for m, _ in selector.config["measures"]]
    assert measures == [COMPOSITE, *baseline.standards.keys]
    by_code = {f["properties"]["code"]: f["properties"] for f in shapes.compact.features()}
    assert set(by_code) == set(VILLAGE_CODES)
    names = selector.config["classes"]
    for mi, measure in enumerate(measures):
        for si, result in enumerate(results):
            classes = village_classes(result, measure)
            assert {code: names[p["k"][mi * 2 + si]] for code, p in by_code.items()} == classes
    composite = baseline.villages.set_index("village_code")["composite"]
    assert names[by_code[WEST]["k"][0]] == composite_class(composite[WEST]) == "c0"
    assert by_code[WEST]["score"][0] == round(composite[WEST], 1)
    # The popup's table: value, target and gap texts as the village map writes them (status is the class).
    row = baseline.indicators.set_index(["village_code", "indicator"]).loc[(WEST, "tap_water")]
    j = baseline.standards.keys.index("tap_water")
    tables = selector.data["tables"]
    texts = [tables["strings"][i] for i in tables["rows"][WEST][j * 2 * 3 : j * 2 * 3 + 3]]
    assert texts == indicator_rows(baseline, WEST)["tap_water"][:2] + [indicator_rows(baseline, WEST)["tap_water"][3]]
    assert texts[0] == number(row["value"], row["unit"]) and row["status"] == "not_met"
    assert names[by_code[WEST]["k"][(j + 1) * 2]] == "not_met"


def test_uncovered_settlements_are_marked_per_indicator(tiny_frames, results) -> None:
    baseline, plan = results
    keys = list(baseline.standards.keys)
    points = uncovered_points({"baseline": baseline, "plan": plan}, keys)
    props = [points.properties(i) for i in range(len(points))]
    tap = sorted(p["name"] for p in props if "tap_water" in _decode(p["m"][0], keys))
    assert tap == ["西村一组", "西村二组"]
    # One marker per unit, listing every indicator it fails, per scenario.
    assert len(points) == len(set(baseline.uncovered["unit_id"]) | set(plan.uncovered["unit_id"]))
    west_one = next(p for p in props if p["name"] == "西村一组" and p["households"] == 40)
    assert _decode(west_one["m"][0], keys) == {
        "road_access_100m", "settlement_hardened_road", "tap_water", "kindergarten", "clinic"
    }  # fmt: skip
    unit = baseline.uncovered.loc[baseline.uncovered["name"] == "西村一组", "unit_id"].iloc[0]
    assert _decode(west_one["m"][1], keys) == set(plan.uncovered.loc[plan.uncovered["unit_id"] == unit, "indicator"])
    assert "settlement_hardened_road" not in _decode(west_one["m"][1], keys)  # the planned paved road reaches it
    _, selector = _parts(build_gap_map(tiny_frames, baseline, plan))
    assert selector.data["uncovered"] == points.packed()


def test_uncovered_masks_fall_back_to_index_lists_beyond_30_indicators() -> None:
    bits = np.zeros((1, 2, 33), dtype=bool)
    bits[0, 0, [1, 32]] = True
    keys = [f"k{i}" for i in range(33)]
    assert _masks(bits, keys) == [[[1, 32], []]]
    assert _masks(bits[:, :, :3], keys[:3]) == [[2, 0]]


def test_clinic_catchment_is_drawn_2_km_around_the_clinic(tiny_frames, results) -> None:
    baseline, _ = results
    reach = catchments(tiny_frames, baseline.standards, "baseline")
    assert reach["clinic"].radius_m == 2000
    to_m = Transformer.from_crs("EPSG:4326", "EPSG:4546", always_xy=True)
    (clinic,) = reach["clinic"].targets
    x, y = to_m.transform(clinic.x, clinic.y)
    assert (x - 500_000, y - 3_320_000) == (pytest.approx(400, abs=0.01), pytest.approx(400, abs=0.01))
    # The kindergarten is only planned: it has a catchment in the plan scenario alone.
    assert "kindergarten" not in reach
    assert "kindergarten" in catchments(tiny_frames, baseline.standards, "plan")
    # Packed for the page: the clinic is a target of the clinic indicator in both scenarios.
    packed = catchment_layers(tiny_frames, baseline.standards, ["baseline", "plan"])
    j = packed["keys"].index("clinic")
    assert packed["radius"][j] == 2000
    facilities = next(layer for layer in packed["layers"] if layer["g"] == "POINT")
    masks = [_decode(m[0], packed["keys"]) for (m,) in facilities["p"]]
    assert sum("clinic" in m for m in masks) == 1 and not any("kindergarten" in m for m in masks)
    assert sum("kindergarten" in _decode(m[1], packed["keys"]) for (m,) in facilities["p"]) == 1


def test_without_plan_only_the_baseline_is_offered(tiny_frames, results) -> None:
    baseline, _ = results
    _, selector = _parts(build_gap_map(tiny_frames, baseline, with_catchments=False))
    assert [s for s, _ in selector.config["scenarios"]] == ["baseline"]
    assert selector.data["catchments"] is None


def test_names_are_never_run_as_templates(tiny_frames, results) -> None:
    """folium compiles each rendered macro as a Jinja template again: a name like {{ 7*7 }} must stay text."""
    hostile = "{{ 7*7 }}{% if true %}ran{% endif %}{# c #}"
    frames = dict(tiny_frames)
    villages = frames["villages"].copy()
    villages.loc[villages["code"] == WEST, "name"] = hostile
    frames["villages"] = villages
    baseline, plan = results
    point = {"type": "Point", "coordinates": [111.0, 30.0]}
    feature = {"type": "Feature", "geometry": point, "properties": {"name": hostile, "cost_wan": 1.0}}
    gap = render_html(build_gap_map(frames, baseline, plan, proposal={"budget_wan": 100.0, "features": [feature]}))
    overview = render_html(build_overview_map(frames))
    for html in (gap, overview):
        assert "49ran" not in html  # what the template engine would have made of the name
        assert dumps(hostile) in html  # the name as JSON, its braces escaped
    assert json.dumps(hostile, ensure_ascii=False) in gap  # the proposal layer: folium's JSON, never compiled
