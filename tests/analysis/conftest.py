"""A hand-made township on a 1 km grid, written through the real store, with every expected answer worked out.

Three 1 km × 1 km villages side by side: A (x 0–1000 m), B (1000–2000 m), C (2000–3000 m), y 0–1000 m, laid out
in metres in CGCS2000 3° Gauss–Krüger CM 108°E (EPSG:4545) — the CRS geoplan itself picks for data at 108°E — and
stored as WGS84 lon/lat.  Positions are in metres from the grid origin (E 500 000, N 3 300 000).

    settlements (户)       A1 (500,500) 40 centre   A2 (500,900) 10
                           B1 (1500,500) 50 centre  B2 (1500,100) 20 has_tap False; B1 has_tap True
                           C1 (2500,500) 30 centre  C2 (2900,900) 10
    roads                  paved existing y=450, x 0–1600; paved planned x=2500, y 0–1000 (in C)
    water_networks         existing y=520, x 0–1000 (A); planned y=130, x 1000–2000 (B)
    sewage_networks        existing y=510, x 0–600 (A)
    facilities             bus_stop (600,500); garbage_station (1500,400); kindergarten (1000,500);
                           clinic planned (2500,600); public_toilet (500,800); public_toilet planned (2600,900);
                           scenic_spot (2500,900); parking (2500,950); water_source (2900,500);
                           sewage_plant (1500,150)
    reservoirs             A unsafe, B under_reinforcement, C safe (all existing)
    housing_repairs        A: 2 completed + 1 planned (1 户 each); C: 1 planned (2 户)
    villages.has_5g        A True, B False, C unknown
    eco_villages           A completed, C planned
"""

from __future__ import annotations

from typing import Any

import pytest
from pyproj import Transformer

from geoplan.layers import LayerStore
from geoplan.layers.survey import Survey

E0, N0 = 500_000.0, 3_300_000.0
CODES = {"A": "420000000001", "B": "420000000002", "C": "420000000003"}
NAMES = {"A": "甲村", "B": "乙村", "C": "丙村"}
_TO_WGS84 = Transformer.from_crs("EPSG:4545", "EPSG:4326", always_xy=True)


def lonlat(x: float, y: float) -> list[float]:
    lon, lat = _TO_WGS84.transform(E0 + x, N0 + y)
    return [lon, lat]


def point(x: float, y: float) -> dict[str, Any]:
    return {"type": "Point", "coordinates": lonlat(x, y)}


def line(*xy: tuple[float, float]) -> dict[str, Any]:
    return {"type": "LineString", "coordinates": [lonlat(x, y) for x, y in xy]}


def box(x0: float, y0: float, x1: float, y1: float) -> dict[str, Any]:
    ring = [lonlat(x, y) for x, y in ((x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0))]
    return {"type": "Polygon", "coordinates": [ring]}


def feature(fid: str, geometry: dict[str, Any], **props: Any) -> dict[str, Any]:
    return {"type": "Feature", "id": fid, "geometry": geometry, "properties": props}


def facility(fid: str, kind: str, x: float, y: float, status: str = "existing", **props: Any) -> dict[str, Any]:
    return feature(fid, point(x, y), name=f"{kind}-{fid}", kind=kind, status=status, **props)


def grid_layers() -> dict[str, list[dict[str, Any]]]:
    """The features of the grid township, layer by layer."""
    return {
        "villages": [
            feature("village-A", box(0, 0, 1000, 1000), code=CODES["A"], name=NAMES["A"], has_5g=True),
            feature("village-B", box(1000, 0, 2000, 1000), code=CODES["B"], name=NAMES["B"], has_5g=False),
            feature("village-C", box(2000, 0, 3000, 1000), code=CODES["C"], name=NAMES["C"]),
        ],
        "settlements": [
            feature("A1", point(500, 500), name="A1", households=40, population=120, is_village_centre=True),
            feature("A2", point(500, 900), name="A2", households=10, population=30),
            feature("B1", point(1500, 500), name="B1", households=50, is_village_centre=True, has_tap=True),
            feature("B2", point(1500, 100), name="B2", households=20, has_tap=False),
            feature("C1", point(2500, 500), name="C1", households=30, is_village_centre=True),
            feature("C2", point(2900, 900), name="C2", households=10),
        ],
        "roads": [
            feature(
                "road-old",
                line((0, 450), (1600, 450)),
                name="老路",
                status="existing",
                road_class="village",
                surface="paved",
            ),
            feature(
                "road-new",
                line((2500, 0), (2500, 1000)),
                name="新路",
                status="planned",
                road_class="village",
                surface="paved",
                budget_wan=120.0,
            ),
        ],  # fmt: skip
        "water_networks": [
            feature("water-A", line((0, 520), (1000, 520)), name="甲村主管", status="existing", pipe_kind="main"),
            feature(
                "water-B",
                line((1000, 130), (2000, 130)),
                name="乙村延伸",
                status="planned",
                pipe_kind="main",
                budget_wan=40.0,
            ),
        ],  # fmt: skip
        "sewage_networks": [
            feature("sewer-A", line((0, 510), (600, 510)), name="甲村污水管", status="existing", pipe_kind="main"),
        ],
        "facilities": [
            facility("bus", "bus_stop", 600, 500),
            facility("garbage", "garbage_station", 1500, 400),
            facility("kg", "kindergarten", 1000, 500),
            facility("clinic", "clinic", 2500, 600, status="planned", budget_wan=50.0),
            facility("toilet", "public_toilet", 500, 800),
            facility("toilet-new", "public_toilet", 2600, 900, status="planned", budget_wan=30.0),
            facility("spot", "scenic_spot", 2500, 900),
            facility("parking", "parking", 2500, 950),
            facility("source", "water_source", 2900, 500),
            facility("plant", "sewage_plant", 1500, 150),
        ],
        "reservoirs": [
            feature("res-A", point(200, 200), name="甲库", status="existing", safety="unsafe"),
            feature("res-B", point(1200, 200), name="乙库", status="existing", safety="under_reinforcement"),
            feature("res-C", point(2200, 200), name="丙库", status="existing", safety="safe"),
        ],
        "housing_repairs": [
            feature("h1", point(300, 300), name="h1", status="completed", danger_grade="C", households=1, year=2025),
            feature("h2", point(310, 300), name="h2", status="completed", danger_grade="D", households=1, year=2024),
            feature(
                "h3",
                point(320, 300),
                name="h3",
                status="planned",
                danger_grade="C",
                households=1,
                year=2026,
                budget_wan=3.0,
            ),
            feature(
                "h4",
                point(2300, 300),
                name="h4",
                status="planned",
                danger_grade="D",
                households=2,
                year=2026,
                budget_wan=5.0,
            ),
        ],  # fmt: skip
        "eco_villages": [
            feature("eco-A", box(0, 0, 1000, 1000), name="甲村示范", status="completed", designation="green_beautiful"),
            feature(
                "eco-C", box(2000, 0, 3000, 1000), name="丙村示范", status="planned", designation="green_beautiful"
            ),
        ],  # fmt: skip
    }


def write_grid(store: LayerStore) -> LayerStore:
    """Every layer written and declared surveyed across the whole township (the grid's data is complete)."""
    for layer, feats in grid_layers().items():
        store.insert_many(layer, feats, survey=Survey("all"))
    return store


@pytest.fixture
def grid_store(empty_store: LayerStore) -> LayerStore:
    """The grid township in a store over a temporary directory."""
    return write_grid(empty_store)


@pytest.fixture
def grid_frames(grid_store: LayerStore):
    return grid_store.frames()


# ---------------------------------------------------------------------------------------------------------------
# A county of 100 villages where one village was surveyed (tests/analysis/test_survey.py describes the layout).

METRIC = "EPSG:4545"
S_CODE = "420000000044"
S_HH = 12
HOUSES = {
    "b1": (4100, 4100), "b2": (4100, 4550), "b3": (4500, 4450), "b4": (4850, 4200),
    "b5": (4700, 4800), "b6": (4300, 4900), "b7": (4950, 4950), "b8": (4600, 4650),
}  # fmt: skip
PUBLIC = {"p1": (4120, 4120), "p2": (4500, 4510)}


def code(i: int) -> str:
    return f"4200000000{i:02d}"


def house(fid: str, x: float, y: float, **props) -> dict:
    return feature(fid, box(x - 5, y - 5, x + 5, y + 5), **props)


def county_layers() -> dict[str, list[dict]]:
    villages = [
        feature(f"v{i}", box((i % 10) * 1000, (i // 10) * 1000, (i % 10 + 1) * 1000, (i // 10 + 1) * 1000),
                code=code(i), name=f"村{i:02d}", households=S_HH if code(i) == S_CODE else 40 + i,
                has_5g=i % 3 != 0)
        for i in range(100)
    ]  # fmt: skip
    return {
        "villages": villages,
        "buildings": [house(k, *xy) for k, xy in HOUSES.items()]
        + [house(k, *xy, use="public") for k, xy in PUBLIC.items()],
        "roads": [
            feature(
                "paved",
                line((4010, 4500), (4600, 4500)),
                name="村道",
                status="existing",
                road_class="village",
                surface="paved",
            ),
            feature(
                "track",
                line((4900, 4010), (4900, 4990)),
                name="机耕道",
                status="existing",
                road_class="group",
                surface="earth",
            ),
        ],  # fmt: skip
        "water_networks": [
            feature("main", line((4130, 4010), (4130, 4990)), name="主管", status="existing", pipe_kind="main")
        ],
        "housing_repairs": [
            feature("h1", point(4300, 4300), name="h1", status="completed", danger_grade="C", households=1),
            feature("h2", point(4310, 4300), name="h2", status="planned", danger_grade="C", households=1),
        ],
        "facilities": [
            feature(fid, point(x, y), name=fid, kind=kind, status="existing")
            for fid, kind, x, y in (
                ("committee", "village_committee", 4100, 4900),
                ("bus", "bus_stop", 3500, 5300),
                ("clinic", "clinic", 4200, 4200),
                ("garbage", "garbage_station", 4500, 4500),
                ("kg", "kindergarten", 4400, 4400),
            )
        ],
    }


@pytest.fixture
def county(empty_store: LayerStore) -> LayerStore:
    """The county, written through the store with the survey declarations a planner would make."""
    layers = county_layers()
    for name, feats in layers.items():
        empty_store.insert_many(name, feats)
    empty_store.set_survey("buildings", Survey(residential=True))  # houses without `use` are houses
    empty_store.set_survey("facilities", Survey("villages", (S_CODE,)))  # the bus stop lies outside S
    return empty_store
