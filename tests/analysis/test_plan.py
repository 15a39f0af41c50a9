"""Choosing projects within a budget: hand-made cases whose optimum is worked out by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geoplan.analysis import load_standards
from geoplan.analysis.budget import choose
from geoplan.analysis.plan import plan, proposal_collection
from geoplan.layers.survey import Survey
from tests.analysis.conftest import box, facility, feature, line, point

CODE = "420000000001"


def pairs(cover: dict[int, list[tuple[str, float]]]) -> pd.DataFrame:
    rows = [(cid, "waste", unit, hh * 5.0) for cid, units in cover.items() for unit, hh in units]
    return pd.DataFrame(rows, columns=["cid", "indicator", "unit_id", "weight"])


# A 300 万元 covers 200 户; B and C 250 万元 cover 160 户 each; D 260 万元 covers B's households.  Budget 500:
# the cost-effectiveness greedy takes A (0.67 户/万元) and then nothing fits: 200 户.  The optimum is B + C: 320 户.
KNAPSACK = {0: [("s1", 200)], 1: [("s2", 160)], 2: [("s3", 160)], 3: [("s2", 160)]}
COSTS = np.array([300.0, 250.0, 250.0, 260.0])


def test_exact_finds_the_optimum_greedy_misses() -> None:
    exact = choose(pairs(KNAPSACK), COSTS, 500)
    assert exact.method == "exact" and exact.optimal
    assert np.flatnonzero(exact.chosen).tolist() == [1, 2]
    assert exact.value == pytest.approx(320 * 5) and exact.cost == pytest.approx(500)
    greedy = choose(pairs(KNAPSACK), COSTS, 500, method="greedy")
    assert np.flatnonzero(greedy.chosen).tolist() == [0]
    assert greedy.value == pytest.approx(200 * 5)
    # the LP relaxation: A whole and 200/250 of B → (200 + 128) · 5, above the optimum as a bound must be
    assert greedy.bound == pytest.approx(328 * 5) and not greedy.optimal


def test_households_two_projects_cover_count_once() -> None:
    cover = {0: [("s1", 100), ("s2", 50)], 1: [("s2", 50)], 2: [("s3", 40)]}
    c = choose(pairs(cover), np.array([100.0, 10.0, 60.0]), 160)
    # 0 + 2 = 190 户 for 160; 0 + 1 adds nothing new for its 10 万元
    assert np.flatnonzero(c.chosen).tolist() == [0, 2]
    assert c.value == pytest.approx(190 * 5)


def test_nothing_affordable_nothing_chosen() -> None:
    c = choose(pairs(KNAPSACK), COSTS, 100)
    assert not c.chosen.any() and c.value == 0 and c.cost == 0


def _write(store, layers: dict) -> dict:
    for layer, feats in layers.items():
        store.insert_many(layer, feats, survey=Survey("all"))
    return store.frames()


def test_planner_candidates_known_optimum(empty_store) -> None:
    # four settlements 1 km apart; waste collection points serve 200 m; one existing point far from all
    frames = _write(
        empty_store,
        {
            "villages": [feature("v", box(0, 0, 4000, 1000), code=CODE, name="甲村")],
            "settlements": [
                feature("s1", point(500, 500), name="一组", households=200),
                feature("s2", point(1500, 500), name="二组", households=160),
                feature("s3", point(2500, 500), name="三组", households=160),
                feature("s4", point(3500, 500), name="四组", households=10),
            ],
            "facilities": [
                facility("old", "garbage_station", 3950, 950),
                facility("A", "garbage_station", 500, 510, status="candidate", budget_wan=300),
                facility("B", "garbage_station", 1500, 510, status="candidate", budget_wan=250),
                facility("C", "garbage_station", 2500, 510, status="candidate", budget_wan=250),
                facility("D", "garbage_station", 1510, 500, status="candidate", budget_wan=260),
            ],
        },
    )
    stages: list[str] = []
    p = plan(frames, load_standards(), 500, year=2026, generated=False, progress=stages.append)
    assert stages == ["candidates", "choose", "after"]  # what the CLI's progress line shows, in order
    assert sorted(p.chosen["feature_id"]) == ["B", "C"]
    assert p.choice.method == "exact" and p.choice.value == pytest.approx(320 * 5)
    assert sorted(f["id"] for f in p.updates["facilities"]) == ["B", "C"]
    assert all(f["properties"]["status"] == "planned" for f in p.updates["facilities"])
    for f in p.updates["facilities"]:  # the stored geometry, untouched
        assert list(f["geometry"]["coordinates"]) == empty_store.get("facilities", f["id"])["geometry"]["coordinates"]
    assert not p.inserts
    # after: s2 and s3 covered → 330 of 530 户
    waste = p.after.indicator_table("waste").iloc[0]
    assert waste["value"] == pytest.approx(320 / 530)
    assert p.before.indicator_table("waste").iloc[0]["value"] == pytest.approx(0.0)
    # candidates count in neither scenario before they are accepted
    assert p.before.indicator_table("waste").iloc[0]["covered"] == 0


def test_generated_link_road_length_and_cost(empty_store) -> None:
    # a 40-户 settlement 2.5 km north of the only paved road: a link straight south, 2.5 km × 80 万元/km
    frames = _write(
        empty_store,
        {
            "villages": [feature("v", box(0, 0, 2000, 3000), code=CODE, name="甲村")],
            "settlements": [
                feature("far", point(1000, 2500), name="岭上组", households=40),
                feature("near", point(200, 50), name="河边组", households=10),
            ],
            "roads": [
                feature(
                    "r", line((0, 0), (2000, 0)), name="乡道", status="existing", road_class="township", surface="paved"
                ),
            ],  # fmt: skip
        },
    )
    std = load_standards()
    p = plan(frames, std, 200.5, themes=["transport"])
    roads = p.candidates.frame[p.candidates.frame["layer"] == "roads"]
    assert len(roads) == 1  # the same link serves every road indicator: proposed once
    link = roads.iloc[0]
    assert link["length_m"] == pytest.approx(2500, abs=0.1)
    assert link["cost_wan"] == pytest.approx(200, abs=0.01)
    assert link["kind"] == "road_link" and link["name"] == "岭上组通硬化路"
    assert p.chosen["cid"].tolist() == [link["cid"]]
    ins = p.inserts["roads"][0]
    assert ins["properties"].items() >= {"status": "planned", "surface": "paved", "road_class": "village"}.items()
    assert ins["id"].startswith("road-plan-")
    rows = p.after.indicator_table("settlement_hardened_road").iloc[0]
    assert rows["value"] == pytest.approx(1.0)
    assert p.before.indicator_table("rai_2km").iloc[0]["value"] == pytest.approx(10 / 50)
    assert p.after.indicator_table("rai_2km").iloc[0]["value"] == pytest.approx(1.0)
    doc = proposal_collection(p)
    assert doc["features"][0]["properties"]["cost_wan"] == pytest.approx(200, abs=0.01)
    # 199 万元 cannot pay for it
    assert plan(frames, std, 199, themes=["transport"]).chosen.empty


def test_network_indicators_credit_what_a_facility_reaches_by_road(empty_store) -> None:
    from tests.analysis.test_network import u_township

    frames = u_township(empty_store)  # 河南组 (s1) is 4,020 m from the clinic by road, 1,980 m in a line
    extra = [
        facility("far", "clinic", 1980, 0, status="candidate", budget_wan=50),  # 1,970 m in a line, ~4 km by road
        facility("near", "clinic", 20, 10, status="candidate", budget_wan=100),
    ]
    empty_store.insert_many("facilities", extra)
    frames = empty_store.frames()
    network = load_standards().with_distance("network")
    p = plan(frames, network, 60, themes=["public_service"], generated=False)
    pairs = p.candidates.pairs
    cid = dict(zip(p.candidates.frame["source_id"], p.candidates.frame["cid"], strict=True))
    assert set(pairs.loc[pairs["cid"] == cid["near"], "unit_id"]) == {"s1"}
    assert pairs.loc[pairs["cid"] == cid["far"]].empty  # close in a straight line, not along the roads
    assert p.chosen.empty
    p = plan(frames, network, 150, themes=["public_service"], generated=False)
    assert p.chosen["feature_id"].tolist() == ["near"]
    assert p.after.indicator_table("clinic")["value"].iloc[0] == pytest.approx(1.0)


def test_knapsack_bound_is_an_upper_bound() -> None:
    from geoplan.analysis.budget import _knapsack_bound, groups_of

    a, w = groups_of(pairs(KNAPSACK), 4)
    # alone: A 1000, B 800, C 800, D 800 (D = B's households); by ratio A (300), then 200/250 of B → 1000 + 640
    assert _knapsack_bound(a, w, COSTS, 500) == pytest.approx(1640)
    assert _knapsack_bound(a, w, COSTS, 500) >= choose(pairs(KNAPSACK), COSTS, 500).value


def test_auto_goes_greedy_on_problems_too_big_for_the_solver(monkeypatch) -> None:
    import geoplan.analysis.budget as budget

    monkeypatch.setattr(budget, "EXACT_MAX_VARIABLES", 3)
    c = choose(pairs(KNAPSACK), COSTS, 500)
    assert c.method == "greedy" and np.flatnonzero(c.chosen).tolist() == [0]
    assert c.bound == pytest.approx(1640)  # the knapsack bound: no LP either
