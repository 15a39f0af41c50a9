"""analyse() on the hand-made grid township: every indicator, both scenarios, against worked answers."""

from __future__ import annotations

import math
import tomllib
from importlib import resources

import pytest

from geoplan.analysis import analyse, load_standards
from geoplan.analysis.standards import parse_standards
from geoplan.errors import GeoplanError
from tests.analysis.conftest import CODES

A, B, C = CODES["A"], CODES["B"], CODES["C"]


@pytest.fixture(scope="module")
def standards():
    return load_standards()


def row(result, indicator: str, village: str) -> dict:
    t = result.indicators
    hit = t[(t["indicator"] == indicator) & (t["village_code"] == village)]
    assert len(hit) == 1
    return hit.iloc[0].to_dict()


def check(result, indicator, village, value, status, gap=None, covered=None, uncovered=None):
    r = row(result, indicator, village)
    assert r["value"] == pytest.approx(value), (indicator, village, r)
    assert r["status"] == status, (indicator, village, r)
    if gap is not None:
        assert r["gap"] == pytest.approx(gap, abs=1e-3), (indicator, village, r)
    if covered is not None:
        assert (r["covered"], r["uncovered"]) == (covered, uncovered), (indicator, village, r)


# (indicator, village, value, status, gap, covered, uncovered) — worked out from the layout in conftest.py
BASELINE = [
    # roads: A1 50 m, A2 450 m, B1 50 m, B2 350 m, C1 901.39 m, C2 1375.7 m from the old paved road
    ("rai_2km", A, 1.0, "met", 0, 50, 0),
    ("rai_2km", C, 1.0, "met", 0, 40, 0),
    # any existing road within 100 m of the household: A1 and B1 (50 m) only
    ("road_access_100m", A, 0.8, "nearly_met", 10, 40, 10),
    ("road_access_100m", B, 50 / 70, "not_met", 20, 50, 20),
    ("road_access_100m", C, 0.0, "not_met", 40, 0, 40),
    ("settlement_hardened_road", A, 1.0, "met", 0, 40, 0),  # only A1 has ≥ 30 户
    ("settlement_hardened_road", C, 0.0, "not_met", (math.hypot(900, 50) - 100) / 1000, 0, 30),
    ("village_bus", A, 1.0, "met", 0, 50, 0),  # centre A1 100 m from the stop
    ("village_bus", B, 1.0, "met", 0, 70, 0),  # centre B1 900 m
    ("village_bus", C, 0.0, "not_met", 1, 0, 40),  # centre C1 1900 m → one stop missing
    # tap: A1 20 m from the main, A2 380 m; B by survey (B1 yes, B2 no); C nothing
    ("tap_water", A, 0.8, "nearly_met", 8, 40, 10),  # 0.96·50 = 48 → 8 more 户
    ("tap_water", B, 50 / 70, "not_met", 18, 50, 20),  # 0.96·70 = 67.2 → 18
    ("tap_water", C, 0.0, "not_met", 39, 0, 40),  # 0.96·40 = 38.4 → 39
    ("water_convenience", C, 1.0, "met", 0, 40, 0),  # both within 800 m of the source at (2900,500)
    ("water_convenience", A, 0.8, "nearly_met", 10, 40, 10),
    ("unsafe_reservoirs", A, 1, "not_met", 1, 0, 1),
    ("unsafe_reservoirs", B, 1, "not_met", 1, 0, 1),  # under reinforcement is still unsafe today
    ("unsafe_reservoirs", C, 0, "met", 0, 1, 0),
    ("housing_repair", A, 2 / 3, "not_met", 1, 2, 1),
    ("housing_repair", B, 1.0, "met", 0, 0, 0),  # nothing identified, nothing outstanding
    ("housing_repair", C, 0.0, "not_met", 2, 0, 2),
    ("sewage", A, 0.8, "met", 0, 40, 10),  # A1 10 m from the sewer
    ("sewage", B, 20 / 70, "not_met", 22, 20, 50),  # B2 50 m from the plant (300 m radius), B1 350 m
    ("waste", B, 50 / 70, "not_met", 13, 50, 20),  # B1 100 m, B2 300 m; 0.9·70 = 63 → 13
    ("waste", A, 0.0, "not_met", 45, 0, 50),
    ("public_toilet", A, 1.0, "met", 0, 1, 0),  # no node: centre A1, 300 m from the toilet
    ("public_toilet", B, 0.0, "not_met", 1, 0, 1),
    ("public_toilet", C, 0.0, "not_met", 1, 0, 1),  # the scenic spot is C's node
    ("kindergarten", C, 1.0, "met", 0, 40, 0),  # C2 1941 m < 3 km
    ("clinic", A, 0.0, "not_met", 50, 0, 50),  # only a planned clinic exists
    ("village_5g", A, 1.0, "met", 0, 50, 0),
    ("village_5g", B, 0.0, "not_met", 70, 0, 70),
    ("eco_village", A, 1.0, "met", 0, 50, 0),
    ("eco_village", C, 0.0, "not_met", 1, 0, 40),
    ("tourism_service", C, 0.0, "not_met", 1, 0, 1),  # parking 50 m, toilet 1100 m
]

PLAN = [
    ("road_access_100m", C, 0.75, "not_met", 10, 30, 10),  # the planned road passes C1; C2 is 400 m away
    ("settlement_hardened_road", C, 1.0, "met", 0, 30, 0),  # the new road passes C1
    ("village_bus", C, 0.0, "not_met", 1, 0, 40),
    ("tap_water", A, 0.8, "nearly_met", 8, 40, 10),
    ("tap_water", B, 1.0, "met", 0, 70, 0),  # planned main 30 m from B2 overrides has_tap False
    ("tap_water", C, 0.0, "not_met", 39, 0, 40),
    ("unsafe_reservoirs", A, 1, "not_met", 1, 0, 1),
    ("unsafe_reservoirs", B, 0, "met", 0, 1, 0),
    ("housing_repair", A, 1.0, "met", 0, 3, 0),
    ("housing_repair", C, 1.0, "met", 0, 2, 0),
    ("public_toilet", C, 1.0, "met", 0, 1, 0),
    ("clinic", A, 0.0, "not_met", 50, 0, 50),  # A1 2002.5 m from the planned clinic
    ("clinic", B, 1.0, "met", 0, 70, 0),
    ("clinic", C, 1.0, "met", 0, 40, 0),
    ("eco_village", C, 1.0, "met", 0, 40, 0),
    ("tourism_service", C, 1.0, "met", 0, 1, 0),
]


@pytest.mark.parametrize(("indicator", "village", "value", "status", "gap", "covered", "uncovered"), BASELINE)
def test_baseline_indicator(grid_frames, standards, indicator, village, value, status, gap, covered, uncovered):
    check(analyse(grid_frames, standards, "baseline"), indicator, village, value, status, gap, covered, uncovered)


@pytest.mark.parametrize(("indicator", "village", "value", "status", "gap", "covered", "uncovered"), PLAN)
def test_plan_indicator(grid_frames, standards, indicator, village, value, status, gap, covered, uncovered):
    check(analyse(grid_frames, standards, "plan"), indicator, village, value, status, gap, covered, uncovered)


def test_missing_inputs_are_not_assessed_with_a_reason(grid_frames, standards):
    result = analyse(grid_frames, standards)
    elderly = result.indicator_table("elderly_care")
    assert set(elderly["status"]) == {"not_assessed"}
    assert elderly["value"].isna().all() and elderly["gap"].isna().all()
    assert elderly["reason"].str.contains("elderly_care").all()
    assert row(result, "village_5g", C)["status"] == "not_assessed"
    assert "has_5g" in row(result, "village_5g", C)["reason"]
    assert row(result, "tourism_service", A)["status"] == "not_assessed"
    # every row is either computed or says why not
    t = result.indicators
    assert ((t["status"] == "not_assessed") == (t["reason"] != "")).all()
    assert (t["value"].isna() == (t["status"] == "not_assessed")).all()


def test_empty_layers_are_not_assessed_never_zero(standards, grid_frames):
    frames = {"villages": grid_frames["villages"], "settlements": grid_frames["settlements"]}
    t = analyse(frames, standards).indicators
    assessed = set(t.loc[t["status"] != "not_assessed", "indicator"])
    assert assessed == {"village_5g"}  # only the village attribute is there
    assert not t.loc[t["status"] == "not_assessed", "value"].notna().any()


def test_distances_of_uncovered_units(grid_frames, standards):
    unc = analyse(grid_frames, standards).uncovered
    assert unc.crs.to_epsg() == 4326
    dist = unc.set_index(["indicator", "unit_id"])["distance_m"]
    assert dist[("tap_water", "A2")] == pytest.approx(380.0, abs=0.05)
    assert dist[("tap_water", "B2")] == pytest.approx(math.hypot(500, 420), abs=0.05)
    assert dist[("settlement_hardened_road", "C1")] == pytest.approx(math.hypot(900, 50), abs=0.05)
    assert dist[("village_bus", f"centre-{C}")] == pytest.approx(1900.0, abs=0.05)
    assert ("tap_water", "A1") not in dist.index
    assert unc.loc[unc["unit_id"] == "B2", "households"].iloc[0] == 20


def test_moving_a_planned_road_to_completed_changes_only_its_village(grid_store, standards):
    before = analyse(grid_store.frames(), standards).indicators.set_index(["village_code", "indicator"])
    grid_store.patch("roads", "road-new", {"properties": {"status": "completed"}})
    after = analyse(grid_store.frames(), standards).indicators.set_index(["village_code", "indicator"])
    changed = before.index[(before["value"] != after["value"]) & before["value"].notna()]
    assert list(changed) == [(C, "road_access_100m"), (C, "settlement_hardened_road")]
    assert after.loc[(C, "settlement_hardened_road"), "status"] == "met"


def test_as_of_year_drops_later_completions(grid_frames, standards):
    result = analyse(grid_frames, standards, "baseline", as_of_year=2024)
    check(result, "housing_repair", A, 1 / 3, "not_met", 2, 1, 2)  # h1 was completed in 2025


def test_composite_renormalises_over_assessed_indicators(grid_frames, tmp_path):
    data = tomllib.loads(resources.files("geoplan.analysis").joinpath("standards.toml").read_text("utf-8"))
    data["indicator"] = [i for i in data["indicator"] if i["key"] in ("tap_water", "sewage", "elderly_care")]
    small = parse_standards(data)
    villages = analyse(grid_frames, small).villages.set_index("village_code")
    # A: tap 0.8/0.96 → 83.33 (weight 8), sewage met → 100 (weight 10); elderly care not assessed (weight 5)
    assert villages.loc[A, "composite"] == pytest.approx((8 * 0.8 / 0.96 * 100 + 10 * 100) / 18)
    assert villages.loc[A, "n_assessed"] == 2
    # C: both 0 → composite 0, the worst
    assert villages.loc[C, "composite"] == pytest.approx(0.0)
    assert villages.loc[C, "rank"] == 1 and villages.loc[A, "rank"] == 3


def test_result_columns_follow_the_contract(grid_frames, standards):
    result = analyse(grid_frames, standards, "plan")
    assert list(result.indicators.columns) == [
        "village_code", "village_name", "indicator", "theme", "value", "target", "unit", "status", "score",
        "gap", "gap_unit", "covered", "uncovered", "reason", "note",
    ]  # fmt: skip
    assert list(result.villages.columns) == [
        "village_code", "village_name", "households", "population", "composite", "rank", "n_assessed",
        "assessed_weight",
    ]  # fmt: skip
    assert {"village_code", "indicator", "unit_id", "name", "households", "distance_m"} <= set(result.uncovered)
    assert result.scenario == "plan" and result.crs == "EPSG:4545"
    assert len(result.indicators) == 3 * len(standards.indicators)
    hh = result.villages.set_index("village_code")["households"]
    assert hh.to_dict() == {A: 50, B: 70, C: 40}


def test_villages_are_required(standards):
    with pytest.raises(GeoplanError, match="villages"):
        analyse({}, standards)


def test_unknown_scenario_is_rejected(grid_frames, standards):
    with pytest.raises(ValueError, match="scenario"):
        analyse(grid_frames, standards, "dream")  # type: ignore[arg-type]


def test_reinforcement_under_construction_counts_unsafe_today_and_resolved_in_plan(grid_store, standards):
    # the demo's 白果坪水库: the reservoir feature carries the reinforcement project's status
    grid_store.patch("reservoirs", "res-B", {"properties": {"status": "under_construction"}})
    grid_store.patch("reservoirs", "res-A", {"properties": {"status": "planned"}})
    frames = grid_store.frames()
    base, plan = analyse(frames, standards, "baseline"), analyse(frames, standards, "plan")
    check(base, "unsafe_reservoirs", A, 1, "not_met", 1, 0, 1)  # unsafe dam, reinforcement only planned
    check(base, "unsafe_reservoirs", B, 1, "not_met", 1, 0, 1)
    check(plan, "unsafe_reservoirs", A, 0, "met", 0, 1, 0)
    check(plan, "unsafe_reservoirs", B, 0, "met", 0, 1, 0)
    check(plan, "unsafe_reservoirs", C, 0, "met", 0, 1, 0)


def test_footprints_are_read_as_points_unless_the_standards_measure_buildings(standards):
    """House footprints only become household units at a point each, unless an indicator or work names buildings."""
    from geoplan.analysis import point_layers
    from geoplan.analysis.standards import Selector

    assert point_layers(standards) == ("buildings",)
    first = standards.indicators[0]
    to_houses = first.model_copy(update={"targets": (Selector(layer="buildings"),)})
    measured = standards.model_copy(update={"indicators": (to_houses, *standards.indicators[1:])})
    assert point_layers(measured) == ()
    from_houses = first.model_copy(update={"nodes": Selector(layer="buildings")})
    assert point_layers(standards.model_copy(update={"indicators": (from_houses,)})) == ()
    assert point_layers(standards.model_copy(update={"works": ()})) == ("buildings",)
