"""compare(): Δ per village and the households each planned project newly covers, with cost per household."""

from __future__ import annotations

import pandas as pd
import pytest

from geoplan.analysis import analyse, compare, load_standards
from tests.analysis.conftest import CODES

A, B, C = CODES["A"], CODES["B"], CODES["C"]


@pytest.fixture
def delta(grid_frames):
    s = load_standards()
    return compare(analyse(grid_frames, s), analyse(grid_frames, s, "plan"), grid_frames)


def test_village_delta(delta):
    v = delta.villages.set_index(["village_code", "indicator"])
    assert v.loc[(B, "tap_water"), "baseline"] == pytest.approx(50 / 70)
    assert v.loc[(B, "tap_water"), "delta"] == pytest.approx(20 / 70)
    assert v.loc[(B, "tap_water"), "newly_covered_households"] == 20  # B2
    assert v.loc[(C, "settlement_hardened_road"), "newly_covered_households"] == 30  # C1
    assert v.loc[(A, "rai_2km"), "delta"] == 0 and v.loc[(A, "rai_2km"), "newly_covered_households"] == 0
    assert v.loc[(C, "unsafe_reservoirs"), "delta"] == 0
    assert v.loc[(B, "unsafe_reservoirs"), "delta"] == -1


def test_project_credit_and_cost(delta):
    p = delta.projects.set_index("id")
    assert set(p.index) == {"road-new", "water-B", "clinic", "toilet-new", "h3", "h4", "eco-C"}
    assert p.loc["water-B", "newly_covered_households"] == 20
    assert p.loc["water-B", "cost_per_household_wan"] == pytest.approx(40.0 / 20)
    assert p.loc["road-new", "newly_covered_households"] == 30  # C1 (C2 was already within 2 km)
    assert p.loc["road-new", "villages"] == C
    # the clinic covers B (70) and C (40); A1 is 2002.5 m away
    assert p.loc["clinic", "newly_covered_households"] == 110
    assert p.loc["clinic", "villages"] == f"{B},{C}"
    assert p.loc["h4", "newly_covered_households"] == 2
    # a toilet serves a node, not households: no cost per household
    assert p.loc["toilet-new", "newly_covered_households"] == 0
    assert p.loc["toilet-new", "cost_per_household_wan"] != p.loc["toilet-new", "cost_per_household_wan"]


def test_arguments_in_order(grid_frames):
    s = load_standards()
    b, p = analyse(grid_frames, s), analyse(grid_frames, s, "plan")
    with pytest.raises(ValueError, match="baseline result first"):
        compare(p, b, grid_frames)


def test_results_of_differently_ordered_inputs_compare_the_same(grid_frames):
    """Coverage tables number units per prepared dataset; compare() matches them by id all the same."""
    standards = load_standards()
    base, plan = analyse(grid_frames, standards), analyse(grid_frames, standards, "plan")
    shuffled = {name: frame.iloc[::-1].reset_index(drop=True) for name, frame in grid_frames.items()}
    plan_shuffled = analyse(shuffled, standards, "plan")
    assert list(plan_shuffled.coverage["unit_id"].cat.categories) != list(plan.coverage["unit_id"].cat.categories)
    want, got = compare(base, plan, grid_frames), compare(base, plan_shuffled, shuffled)
    keys = ["village_code", "indicator"]
    pd.testing.assert_frame_equal(
        want.villages.sort_values(keys).reset_index(drop=True), got.villages.sort_values(keys).reset_index(drop=True)
    )
    pd.testing.assert_frame_equal(
        want.projects.sort_values("id").reset_index(drop=True), got.projects.sort_values("id").reset_index(drop=True)
    )
