"""Network distance on hand-made road graphs whose shortest paths are worked out by hand (metres)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely

from geoplan.analysis import analyse, load_standards
from geoplan.analysis.network import RoadGraph, network_nearest, network_reach
from geoplan.errors import CatalogueError
from geoplan.layers.survey import Survey
from tests.analysis.conftest import box, facility, feature, line, point


def lines(*coords: list[tuple[float, float]]) -> np.ndarray:
    return np.array([shapely.LineString(c) for c in coords], dtype=object)


def xy(*pts: tuple[float, float]) -> np.ndarray:
    return np.array(pts, dtype=float)


def test_connectors_and_along_the_road() -> None:
    g = RoadGraph.build(lines([(0, 0), (1000, 0)]))
    d, i = network_nearest(g, xy((100, 50)), targets_xy=xy((900, -30)))
    # 50 m connector + 800 m along the road + 30 m connector (straight line: 804 m)
    assert d[0] == pytest.approx(880.0)
    assert i[0] == 0


def test_unit_and_target_on_one_segment_go_straight_along_it() -> None:
    g = RoadGraph.build(lines([(0, 0), (1000, 0)]))
    d, _ = network_nearest(g, xy((100, 10), (950, 5)), targets_xy=xy((300, 10)))
    assert d.tolist() == pytest.approx([10 + 200 + 10, 5 + 650 + 10])


def test_crossing_roads_are_joined_at_the_crossing() -> None:
    # an X of two roads with no shared vertex: the walk turns at (0, 0)
    g = RoadGraph.build(lines([(-500, 0), (500, 0)], [(0, -500), (0, 500)]))
    d, _ = network_nearest(g, xy((-500, 10)), targets_xy=xy((10, 500)))
    assert d[0] == pytest.approx(10 + 500 + 500 + 10)


def test_nearest_of_several_targets_by_network_not_by_line() -> None:
    # a U-shaped road: target 0 is near in a straight line but far round the U, target 1 the other way round
    g = RoadGraph.build(lines([(0, 0), (0, 1000), (2000, 1000), (2000, 0)]))
    d, i = network_nearest(g, xy((10, 0)), targets_xy=xy((1990, 0), (-20, 1500)))
    # up the left leg to the corner (0, 1000), which is also the foot of target 1's connector (20 m across, 500 up)
    assert d[0] == pytest.approx(10 + 1000 + math.hypot(20, 500))
    assert i[0] == 1


def test_disconnected_parts_cannot_reach() -> None:
    g = RoadGraph.build(lines([(0, 0), (100, 0)], [(1000, 0), (1100, 0)]))
    d, i = network_nearest(g, xy((0, 5), (1050, 5)), targets_xy=xy((1100, 5)))
    assert math.isinf(d[0]) and i[0] == -1
    assert d[1] == pytest.approx(5 + 50 + 5)


def test_walk_to_the_nearest_paved_road() -> None:
    earth, paved, far = [(0, 0), (0, 1500)], [(0, 1500), (3000, 1500)], [(5000, 0), (5000, 100)]
    g = RoadGraph.build(lines(earth, paved, far))
    target = np.array([False, True, True])
    d, i = network_nearest(g, xy((20, 0), (100, 1490)), target_roads=target)
    assert d[0] == pytest.approx(20 + 1500)  # up the earth road to where the paved one starts
    assert i[0] == 1
    assert d[1] == pytest.approx(10)  # its connector lands on the paved road
    assert i[1] == 1


def test_no_roads_no_distance() -> None:
    g = RoadGraph.build(np.array([], dtype=object))
    d, i = network_nearest(g, xy((0, 0)), targets_xy=xy((1, 1)))
    assert math.isinf(d[0]) and i[0] == -1


# ---------------------------------------------------------------------------------------------------------------
# Through the analysis: a household whose clinic is 1,980 m away in a straight line but 4,020 m by road.

CODE = "420000000001"


def u_township(store) -> dict:
    layers = {
        "villages": [feature("v", box(-100, -100, 2100, 1100), code=CODE, name="U村")],
        "settlements": [
            feature("s1", point(10, 0), name="河南组", households=10),
            feature("s2", point(1500, 1010), name="岭上组", households=5),
        ],
        "roads": [
            feature(
                "r",
                line((0, 0), (0, 1000), (2000, 1000), (2000, 0)),
                name="绕山路",
                status="existing",
                road_class="village",
                surface="earth",
            ),
        ],  # fmt: skip
        "facilities": [facility("clinic", "clinic", 1990, 0)],
    }
    for layer, feats in layers.items():
        store.insert_many(layer, feats, survey=Survey("all"))
    return store.frames()


def test_straight_line_passes_network_fails(empty_store) -> None:
    frames = u_township(empty_store)
    straight = load_standards()
    network = straight.with_distance("network")
    assert network.indicator("clinic").distance == "network"
    assert network.indicator("tap_water").distance == "straight"  # pipes are not reached along roads
    rows = {}
    for name, std in (("straight", straight), ("network", network)):
        r = analyse(frames, std)
        cov = r.coverage[r.coverage["indicator"] == "clinic"].set_index("unit_id")
        rows[name] = cov
        assert r.indicator_table("clinic")["value"].iloc[0] == pytest.approx(1.0 if name == "straight" else 5 / 15)
    assert rows["straight"].loc["s1", "distance_m"] == pytest.approx(1980.0, abs=0.05)
    assert bool(rows["straight"].loc["s1", "covered"])
    assert rows["network"].loc["s1", "distance_m"] == pytest.approx(10 + 1000 + 2000 + 1000 + 10, abs=0.05)
    assert not bool(rows["network"].loc["s1", "covered"])
    assert rows["network"].loc["s2", "distance_m"] == pytest.approx(10 + 500 + 1000 + 10, abs=0.05)
    assert rows["network"].loc["s2", "via_id"] == "clinic"


def test_network_needs_roads_and_their_survey(empty_store) -> None:
    frames = u_township(empty_store)
    frames = {**frames, "roads": frames["roads"].iloc[:0]}
    r = analyse(frames, load_standards().with_distance("network"))
    row = r.indicator_table("clinic").iloc[0]
    assert row["status"] == "not_assessed"
    assert "roads" in row["reason"]


def test_drive_mode_uses_paved_roads_only(empty_store) -> None:
    frames = u_township(empty_store)  # the only road is earth: no way to drive
    std = load_standards().with_distance("network")
    inds = tuple(i.model_copy(update={"mode": "drive"}) if i.key == "clinic" else i for i in std.indicators)
    r = analyse(frames, std.model_copy(update={"indicators": inds}))
    assert r.indicator_table("clinic")["status"].iloc[0] == "not_assessed"


def test_standards_refuse_network_to_pipes() -> None:
    import tomllib
    from importlib import resources

    from geoplan.analysis.standards import parse_standards

    data = tomllib.loads(resources.files("geoplan.analysis").joinpath("standards.toml").read_text("utf-8"))
    for ind in data["indicator"]:
        if ind["key"] == "tap_water":
            ind["distance"] = "network"
    with pytest.raises(CatalogueError, match="tap_water: network distance"):
        parse_standards(data)


def test_reach_lists_every_pair_within_the_limit_by_road() -> None:
    # the U-road: a source at the bottom of the right leg reaches its own leg, not the left one 1,980 m away
    g = RoadGraph.build(lines([(0, 0), (0, 1000), (2000, 1000), (2000, 0)]))
    units = xy((10, 0), (1990, 500), (1500, 1010))
    u, s, d = network_reach(g, units, xy((1990, 0), (10, 990)), limit=2000)
    got = {(int(a), int(b)): float(c) for a, b, c in zip(u, s, d, strict=True)}
    assert got.keys() == {(1, 0), (2, 0), (0, 1), (2, 1)}
    assert got[(1, 0)] == pytest.approx(10 + 500 + 10)  # same segment: straight along it
    assert got[(2, 0)] == pytest.approx(10 + 1000 + 500 + 10)
    assert got[(0, 1)] == pytest.approx(10 + 990 + 10)
    assert got[(2, 1)] == pytest.approx(10 + 10 + 1500 + 10)
