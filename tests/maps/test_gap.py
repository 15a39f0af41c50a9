"""The gap map's classes are the analysis results: statuses per indicator, score bands for the composite."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from pyproj import Transformer

from geoplan.analysis import analyse, load_standards
from geoplan.maps.gap import (
    COMPOSITE,
    GapSelector,
    VillageShapes,
    build_gap_map,
    catchments,
    class_legend,
    composite_class,
    uncovered_points,
    village_classes,
)
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


def test_embedded_classes_are_the_analysis_classes(tiny_frames, results) -> None:
    baseline, plan = results
    shapes, selector = _parts(build_gap_map(tiny_frames, baseline, plan))
    assert [s for s, _ in selector.config["scenarios"]] == ["baseline", "plan"]
    assert [m for m, _ in selector.config["measures"]] == [COMPOSITE, *baseline.standards.keys]
    by_code = {f["properties"]["code"]: f["properties"] for f in shapes.compact.features()}
    assert set(by_code) == set(VILLAGE_CODES)
    for measure, _ in selector.config["measures"]:
        for i, result in enumerate(results):
            classes = village_classes(result, measure)
            assert {code: p["k"][measure][i] for code, p in by_code.items()} == classes
    composite = baseline.villages.set_index("village_code")["composite"]
    assert by_code[WEST]["k"][COMPOSITE][0] == composite_class(composite[WEST]) == "c0"
    assert by_code[WEST]["score"][0] == round(composite[WEST], 1)
    assert by_code[WEST]["t"]["tap_water"][0][2] == "not_met"


def test_uncovered_settlements_are_marked_per_indicator(tiny_frames, results) -> None:
    baseline, plan = results
    points = uncovered_points(baseline)
    props = [points.properties(i) for i in range(len(points))]
    tap = sorted(p["name"] for p in props if "tap_water" in p["i"])
    assert tap == ["西村一组", "西村二组"]
    # One marker per unit, listing every indicator it fails.
    assert len(points) == baseline.uncovered["unit_id"].nunique()
    west_one = next(p for p in props if p["name"] == "西村一组" and p["households"] == 40)
    assert set(west_one["i"]) == {"road_access_100m", "settlement_hardened_road", "tap_water", "kindergarten", "clinic"}
    _, selector = _parts(build_gap_map(tiny_frames, baseline, plan))
    assert selector.config["uncovered"]["baseline"] == points.packed()


def test_clinic_catchment_is_a_2_km_disc_around_the_clinic(tiny_frames, results) -> None:
    baseline, _ = results
    areas = catchments(tiny_frames, baseline.standards, "baseline")
    disc = areas["clinic"].geometries[0]
    to_m = Transformer.from_crs("EPSG:4326", "EPSG:4546", always_xy=True)
    metric = shapely.transform(disc, lambda xy: np.column_stack(to_m.transform(xy[:, 0], xy[:, 1])))
    assert metric.area == pytest.approx(math.pi * 2000**2, rel=0.01)
    assert metric.centroid.x - 500_000 == pytest.approx(400, abs=2)
    # The kindergarten is only planned: it has a catchment in the plan scenario alone.
    assert "kindergarten" not in areas
    assert "kindergarten" in catchments(tiny_frames, baseline.standards, "plan")


def test_without_plan_only_the_baseline_is_offered(tiny_frames, results) -> None:
    baseline, _ = results
    _, selector = _parts(build_gap_map(tiny_frames, baseline, with_catchments=False))
    assert [s for s, _ in selector.config["scenarios"]] == ["baseline"]
    assert selector.config["catchments"] == {}
