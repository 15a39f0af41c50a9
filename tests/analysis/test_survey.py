"""Data coverage: a county of 100 villages where one village was surveyed.

The county is a 10 × 10 grid of 1 km villages (metres in EPSG:4545 from the grid origin, stored as lon/lat).
Only village S (x 4000–5000, y 4000–5000) was surveyed: its houses (residential survey, no `households`; the
village has 12 户), roads, a water main, two dilapidated houses and its facilities.  Every village has `has_5g`.

    buildings (10 m squares, centres)   b1 (4100,4100)  b2 (4100,4550)  b3 (4500,4450)  b4 (4850,4200)
                                         b5 (4700,4800)  b6 (4300,4900)  b7 (4950,4950)  b8 (4600,4650)
                                         public: p1 (4120,4120), p2 (4500,4510)
    roads          paved y=4500, x 4010–4600;  earth x=4900, y 4010–4990
    water main     x=4130, y 4010–4990
    facilities     committee (4100,4900), bus stop (3500,5300) [outside S, declared with S's survey],
                   clinic (4200,4200), garbage (4500,4500), kindergarten (4400,4400)
    housing        h1 completed, h2 planned (C grade), in S

Expected answers are computed here independently with geopandas (distances in EPSG:4545), not by geoplan.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geoplan.analysis import analyse, load_standards
from geoplan.layers.survey import Survey
from tests.analysis.conftest import HOUSES, METRIC, S_CODE, S_HH, code, feature, point


@pytest.fixture(scope="module")
def standards():
    return load_standards()


def independent(frames: dict[str, gpd.GeoDataFrame]) -> dict[str, tuple[float, float]]:
    """(value, uncovered 户) of S's household indicators, computed directly with geopandas."""
    b = frames["buildings"]
    houses = b[b["use"].isna()].to_crs(METRIC)
    anchors = houses.geometry.representative_point()
    hh = pd.Series(S_HH / len(houses), index=houses.index)  # 12 户 spread over the 8 houses
    roads = frames["roads"].to_crs(METRIC)
    fac = frames["facilities"].to_crs(METRIC)
    water = frames["water_networks"].to_crs(METRIC)

    def share(targets: gpd.GeoSeries, metres: float) -> tuple[float, float]:
        covered = anchors.distance(targets.union_all()) <= metres
        return float(hh[covered].sum() / hh.sum()), float(hh[~covered].sum())

    return {
        "rai_2km": share(roads[roads["surface"] == "paved"].geometry, 2000),
        "road_access_100m": share(roads.geometry, 100),
        "tap_water": share(water.geometry, 50),
        "waste": share(fac[fac["kind"] == "garbage_station"].geometry, 200),
        "kindergarten": share(fac[fac["kind"] == "kindergarten"].geometry, 3000),
        "clinic": share(fac[fac["kind"] == "clinic"].geometry, 2000),
    }


def test_the_surveyed_village_matches_an_independent_computation(county, standards):
    frames = county.frames()
    result = analyse(frames, standards)
    t = result.indicators.set_index(["village_code", "indicator"])
    expected = independent(frames)
    for key, (value, uncovered) in expected.items():
        row = t.loc[(S_CODE, key)]
        assert row["value"] == pytest.approx(value), key
        assert row["uncovered"] == pytest.approx(uncovered), key
        assert row["covered"] + row["uncovered"] == pytest.approx(S_HH), key  # 户, not 8 footprints
    # the worked layout says the same: 4 of 8 houses near a road, 2 near the main, 2 near the garbage point
    assert expected["road_access_100m"] == (0.5, 6.0)
    assert expected["tap_water"] == (0.25, 9.0)
    assert expected["waste"] == (0.25, 9.0)
    # village bus from the committee: 721 m to the stop (the village's inner point would be 1281 m away)
    bus = t.loc[(S_CODE, "village_bus")]
    assert bus["status"] == "met" and bus["note"] == ""
    unc = result.uncovered
    assert unc[unc["village_code"] == S_CODE].groupby("indicator")["households"].sum().max() <= S_HH + 1e-9
    assert result.method["households_spread"] == 1


def test_ninety_nine_unsurveyed_villages_are_not_assessed_and_not_ranked(county, standards):
    result = analyse(county.frames(), standards)
    v = result.villages.set_index("village_code")
    others = v.drop(index=S_CODE)
    assert len(others) == 99
    assert others["composite"].isna().all() and others["rank"].isna().all()  # 未排名, never "worst"
    assert v.loc[S_CODE, "rank"] == 1 and v.loc[S_CODE, "assessed_weight"] >= 0.5
    t = result.indicators
    rest = t[t["village_code"] != S_CODE]
    # only the village attribute (5G) is known everywhere; every other indicator says why it is not assessed
    assert set(rest.loc[rest["status"] != "not_assessed", "indicator"]) == {"village_5g"}
    bus = rest[rest["indicator"] == "village_bus"]
    assert (bus["reason"] == "本村未调查公共服务设施").all()
    road = rest[rest["indicator"] == "rai_2km"]
    assert road["reason"].str.contains("未调查道路").all()
    en = analyse(county.frames(), standards, lang="en").indicators
    assert "Public facilities not surveyed in this village" in set(en["reason"])
    # nothing of the 99 villages reaches the per-unit tables the totals and the plan delta are made of
    cov = result.coverage[result.coverage["indicator"] != "village_5g"]
    assert set(cov["village_code"].astype(str)) == {S_CODE}
    unc = result.uncovered[result.uncovered["indicator"] != "village_5g"]
    assert set(unc["village_code"]) == {S_CODE}


def test_a_surveyed_area_polygon_counts_the_villages_mostly_inside(county, standards):
    # a rough polygon around S (and a sliver of its neighbours): S is surveyed, the neighbours are not
    from tests.analysis.conftest import box as square

    county.set_survey("facilities", Survey("area", area=square(3950, 3950, 5050, 5050)))
    t = analyse(county.frames(), standards).indicators.set_index(["village_code", "indicator"])
    assert t.loc[(S_CODE, "clinic"), "status"] == "met"
    assert t.loc[(code(45), "village_bus"), "status"] == "not_assessed"
    county.set_survey("facilities", Survey("all"))
    t = analyse(county.frames(), standards).indicators.set_index(["village_code", "indicator"])
    assert t.loc[(code(45), "village_bus"), "status"] != "not_assessed"  # now known: no stop within 1 km


def test_village_centre_falls_back_from_committee_to_an_approximate_point(county, standards):
    county.delete("facilities", "committee")
    t = analyse(county.frames(), standards).indicators.set_index(["village_code", "indicator"])
    bus = t.loc[(S_CODE, "village_bus")]
    assert bus["status"] == "not_met"  # the inner point (4500,4500) is 1281 m from the stop
    assert "近似" in bus["note"]
    county.insert("settlements", feature("s1", point(3900, 4000 + 990), name="村部", households=12,
                                         village_code=S_CODE, is_village_centre=True))  # fmt: skip
    t = analyse(county.frames(), standards).indicators.set_index(["village_code", "indicator"])
    assert t.loc[(S_CODE, "village_bus"), "status"] == "met" and t.loc[(S_CODE, "village_bus"), "note"] == ""


def test_buildings_without_use_are_not_houses_unless_declared(county, standards):
    county.set_survey("buildings", Survey())
    t = analyse(county.frames(), standards).indicators.set_index(["village_code", "indicator"])
    assert t.loc[(S_CODE, "rai_2km"), "status"] == "not_assessed"
    assert t.loc[(S_CODE, "rai_2km"), "reason"] == "本村无自然村/农房户数数据"


def test_units_never_add_up_to_more_households_than_the_village_has(county, standards):
    # the survey counted 3 户 in each house: 24 户 in a village of 12 — scaled to the village's figure
    for fid in HOUSES:
        county.patch("buildings", fid, {"properties": {"households": 3}})
    result = analyse(county.frames(), standards)
    t = result.indicators[result.indicators["village_code"] == S_CODE]
    hh = t[t["indicator"].isin(["rai_2km", "road_access_100m", "tap_water", "waste"])]
    assert (hh["covered"] + hh["uncovered"]).to_numpy() == pytest.approx(np.full(len(hh), S_HH))
    assert (t["gap"].where(t["gap_unit"] == "户", 0).fillna(0) <= S_HH).all()
    assert result.method["households_scaled"] == 1
    per = result.uncovered.groupby(["village_code", "indicator"])["households"].sum().reset_index()
    village_hh = result.villages.set_index("village_code")["households"]
    assert (per["households"] <= per["village_code"].map(village_hh) + 1e-9).all()


def test_survey_reasons_do_not_hide_whole_indicator_reasons(county, standards):
    t = analyse(county.frames(), standards).indicators
    elderly = t[t["indicator"] == "elderly_care"]
    assert elderly["reason"].str.startswith("数据中没有").all()  # no such facility anywhere: said once, plainly
    assert shapely is not None
