"""The demo township in data/geojson: the seed report's facts, read back through the store.

Every number here is queried from the layer files, never copied from scripts/build_demo.py, so the test checks
what a user of the demo actually gets.  Distances are computed in UTM 49N (metres).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

from geoplan.layers import LayerStore

REPO = Path(__file__).resolve().parents[1]
METRIC = "EPSG:32649"
BASELINE = ["existing", "completed"]
PLAN = [*BASELINE, "planned", "under_construction"]


@pytest.fixture(scope="module")
def store() -> LayerStore:
    return LayerStore(REPO / "data" / "geojson")


def metric(store: LayerStore, layer: str) -> gpd.GeoDataFrame:
    return store.frame(layer).to_crs(METRIC)


def household_share(settlements: gpd.GeoDataFrame, lines: gpd.GeoDataFrame, metres: float) -> pd.Series:
    """Share of each village's households in settlements within ``metres`` of any of the lines."""
    if lines.empty:
        covered = pd.Series(False, index=settlements.index)
    else:
        covered = settlements.geometry.distance(lines.geometry.union_all()) <= metres
    hh = settlements["households"]
    return (hh * covered).groupby(settlements["village_code"]).sum() / hh.groupby(settlements["village_code"]).sum()


def test_every_layer_file_is_valid(store: LayerStore) -> None:
    report = store.validate_files()
    # validate_files returns a FileReport (files checked + problems); older versions returned the list itself.
    problems = getattr(report, "problems", report)
    assert [str(p) for p in problems] == []
    if hasattr(report, "files"):
        assert len(report.files) == len(store.layer_names) - 1  # every layer but buildings


def test_every_layer_but_buildings_has_data(store: LayerStore) -> None:
    files = {p.name.removesuffix(".geojson") for p in store.data_dir.glob("*.geojson")}
    assert files == set(store.layer_names) - {"buildings"}
    assert all(store.count(name) > 0 for name in files)


def test_village_polygons_tile_without_overlap(store: LayerStore) -> None:
    villages = metric(store, "villages")
    assert len(villages) == 12 and villages["code"].is_unique
    assert villages["code"].str.fullmatch(r"4228011052\d\d").all()
    overlap = villages.geometry.area.sum() - villages.geometry.union_all().area
    assert overlap < 1.0  # m²: shared edges only


def test_settlements_lie_in_their_village(store: LayerStore) -> None:
    villages = store.frame("villages").set_index("code")
    settlements = store.frame("settlements")
    assert len(settlements) >= 60
    inside = [
        villages.geometry[code].contains(pt)
        for code, pt in zip(settlements["village_code"], settlements.geometry, strict=True)
    ]
    assert all(inside)
    assert (settlements.groupby("village_code")["is_village_centre"].sum() == 1).all()
    assert settlements["households"].between(10, 120).all()


def test_village_households_are_the_sum_of_their_settlements(store: LayerStore) -> None:
    villages = store.frame("villages").set_index("code")
    settlements = store.frame("settlements").groupby("village_code")[["households", "population"]].sum()
    assert villages["households"].sort_index().tolist() == settlements["households"].sort_index().tolist()
    assert villages["population"].sort_index().tolist() == settlements["population"].sort_index().tolist()


def test_fifty_houses_repaired_in_2025_and_more_identified(store: LayerStore) -> None:
    houses = store.frame("housing_repairs")
    done = houses[(houses["status"] == "completed") & (houses["year"] == 2025)]
    assert len(done) == 50
    assert (houses["status"] == "planned").sum() > 0  # the repair rate is below 100 %
    assert houses["danger_grade"].isin(["C", "D"]).all() and (houses["households"] == 1).all()


def test_water_plan_extends_pipes_in_exactly_five_villages(store: LayerStore) -> None:
    pipes = metric(store, "water_networks")
    planned = pipes[(pipes["status"] == "planned") & (pipes["year"] == 2026)]
    villages = set(planned["village_code"])
    assert len(villages) == 5
    settlements = metric(store, "settlements")
    before = household_share(settlements, pipes[pipes["status"].isin(BASELINE)], 50)
    after = household_share(settlements, pipes[pipes["status"].isin(PLAN)], 50)
    assert all(after[code] > before[code] for code in villages)
    assert (after < 0.96).any()  # some villages still lack piped water after the plan


def test_two_green_beautiful_eco_villages(store: LayerStore) -> None:
    eco = store.frame("eco_villages")
    done = eco[(eco["designation"] == "green_beautiful") & (eco["status"] == "completed") & (eco["year"] == 2025)]
    assert len(done) == 2


def test_planned_facilities_of_the_2026_plan(store: LayerStore) -> None:
    f = store.frame("facilities")
    planned = f[(f["status"] == "planned") & (f["year"] == 2026)]

    def kind(k: str) -> gpd.GeoDataFrame:
        return planned[planned["kind"] == k]

    assert len(kind("elderly_care")) == 2
    assert len(kind("kindergarten")) == 1 and kind("kindergarten")["name"].str.contains("第三幼儿园").all()
    assert len(kind("parking")) == 1 and kind("parking")["name"].str.contains("生态停车场").all()
    toilets = kind("public_toilet")
    assert len(toilets) == 2 and toilets["name"].str.contains("旅游公厕").all()
    existing = f[f["status"].isin(BASELINE)]
    assert (existing["kind"] == "health_centre").sum() == 1
    assert (existing["kind"] == "sewage_plant").sum() == 1


def test_provincial_road_under_construction(store: LayerStore) -> None:
    roads = store.frame("roads")
    section = roads[(roads["road_class"] == "provincial") & (roads["status"] == "under_construction")]
    assert len(section) >= 1 and (section["year"] == 2026).all()
    assert section["name"].str.contains("省道S").all()


def test_tourism_road_is_a_road_and_a_route(store: LayerStore) -> None:
    roads, routes = store.frame("roads"), store.frame("tourism_routes")
    assert ((roads["status"] == "planned") & roads["name"].str.contains("旅游公路")).sum() == 1
    assert ((routes["status"] == "planned") & routes["name"].str.contains("旅游公路")).sum() == 1
    assert (routes["name"] == "樱花观光带").sum() == 1


def test_reservoir_safety_has_a_gap(store: LayerStore) -> None:
    r = store.frame("reservoirs")
    assert ((r["safety"] == "reinforced") & (r["status"] == "completed") & (r["year"] == 2025)).sum() == 1
    assert (r["safety"] == "under_reinforcement").sum() == 1
    assert (r["safety"] == "unsafe").sum() >= 1


def test_road_gaps_exist(store: LayerStore) -> None:
    roads = metric(store, "roads")
    paved = roads[roads["status"].isin(BASELINE) & (roads["surface"] == "paved")]
    settlements = metric(store, "settlements")
    big = settlements[settlements["households"] >= 30]
    reached = big.geometry.distance(paved.geometry.union_all()) <= 100
    assert 0.75 < reached.mean() < 1.0


def test_sewage_coverage_is_below_sixty_percent_in_most_villages(store: LayerStore) -> None:
    sewers = metric(store, "sewage_networks")
    share = household_share(metric(store, "settlements"), sewers[sewers["status"].isin(BASELINE)], 30)
    assert (share < 0.6).sum() > len(share) / 2
    assert share.max() > 0.6  # the seat is sewered


def test_garbage_points_cover_about_ninety_percent_of_households(store: LayerStore) -> None:
    f = metric(store, "facilities")
    points = f[(f["kind"] == "garbage_station") & f["status"].isin(BASELINE)]
    settlements = metric(store, "settlements")
    covered = settlements.geometry.distance(points.geometry.union_all()) <= 200
    share = (settlements["households"] * covered).sum() / settlements["households"].sum()
    assert 0.85 <= share <= 0.95


def test_generator_reproduces_the_committed_files(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, str(REPO / "scripts" / "build_demo.py"), "--out", str(tmp_path), "--quiet"],
        check=True,
        cwd=tmp_path,
    )
    committed = sorted(p.name for p in (REPO / "data" / "geojson").glob("*.geojson"))
    generated = sorted(p.name for p in tmp_path.glob("*.geojson"))
    assert generated == committed
    for name in committed:
        assert (tmp_path / name).read_bytes() == (REPO / "data" / "geojson" / name).read_bytes(), name


def test_dry_land_converted_to_paddy_in_2025_is_300_mu(store: LayerStore) -> None:
    """扎实推进"旱改水"项目新增水田面积300亩 — measured from the polygons (1 亩 = 10000/15 m²), not the attribute."""
    farmland = metric(store, "farmland_projects")
    done = farmland[
        (farmland["works"] == "dry_to_paddy") & (farmland["status"] == "completed") & (farmland["year"] == 2025)
    ]
    assert done.geometry.area.sum() / (10000 / 15) == pytest.approx(300, rel=0.002)
    assert done["area_mu"].sum() == 300


def test_rural_grid_done_in_2025_and_three_lines_tidying_planned_for_2026(store: LayerStore) -> None:
    """完成新一轮农村电网改造升级 (2025); 集镇"三线"下地 under way; 完成全域"三线"整治 planned for 2026."""
    lines = metric(store, "utility_lines")
    grid = lines[lines["works"] == "grid_upgrade"]
    assert set(grid["status"]) == {"completed"} and set(grid["year"]) == {2025} and set(grid["utility"]) == {"power"}
    tidy = lines[lines["works"] == "three_lines"]
    assert set(tidy["status"]) == {"planned", "under_construction"} and set(tidy["year"]) == {2026}
    seat = tidy[tidy["village_code"] == "422801105201"]
    assert set(seat["laying"]) == {"buried"} and set(seat["status"]) == {"under_construction"}
    assert 5_000 < tidy.geometry.length.sum() < 12_000


def test_water_bodies_hold_the_river_ponds_and_every_reservoir_surface(store: LayerStore) -> None:
    water = store.frame("water_bodies")
    assert set(water["water_type"]) == {"river", "pond", "reservoir"}
    reservoirs = store.frame("reservoirs")
    surfaces = water[water["water_type"] == "reservoir"]
    assert len(surfaces) == len(reservoirs)
    for _, r in reservoirs.iterrows():
        assert surfaces.geometry.contains(r.geometry).any(), r["name"]
