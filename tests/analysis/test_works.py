"""Works against targets on hand-made shapes whose lengths and areas are obvious (metres in CGCS2000 GK 108°E)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from geoplan.analysis import load_standards
from geoplan.analysis.works import M2_PER_MU, WorkTarget, check_works, works_progress
from geoplan.errors import CatalogueError
from geoplan.layers import LayerStore, default_catalogue
from tests.analysis.conftest import box, feature, line

CAT = default_catalogue()


def _lines(status: str, year: int, works: str = "three_lines") -> dict:
    return {"name": "线", "utility": "telecom", "laying": "overhead", "status": status, "year": year, "works": works}


@pytest.fixture
def works_frames(empty_store: LayerStore):
    store = empty_store
    store.insert_many(
        "utility_lines",
        [
            feature("l1", line((0, 0), (1000, 0)), **_lines("completed", 2026)),
            feature("l2", line((0, 100), (300, 100), (300, 300)), **_lines("planned", 2026)),
            feature("l3", line((0, 200), (250, 200)), **_lines("under_construction", 2026)),
            feature("l4", line((0, 300), (2000, 300)), **_lines("completed", 2025)),
            feature("l5", line((0, 400), (700, 400)), **_lines("completed", 2026, "grid_upgrade")),
        ],
    )  # fmt: skip
    store.insert_many(
        "farmland_projects",
        [
            feature("f1", box(0, 0, 200, 200), name="甲", status="completed", year=2025, works="dry_to_paddy"),
            feature("f2", box(300, 0, 400, 100), name="乙", status="planned", year=2025, works="dry_to_paddy"),
            feature("f3", box(500, 0, 600, 100), name="丙", status="completed", year=2025, works="high_standard"),
        ],
    )
    store.insert_many(
        "water_bodies",
        [
            feature("w1", box(0, 500, 100, 600), water_type="pond"),
            feature("w2", box(200, 500, 300, 600), water_type="pond"),
            feature("w3", box(0, 700, 1000, 800), water_type="river"),
        ],
    )
    return store.frames()


WORKS = (
    WorkTarget(key="tidy", name_zh="三线整治", name_en="Tidying", layer="utility_lines",
               where={"works": ("three_lines",)}, measure="length_km", year=2026, target=2.0),
    WorkTarget(key="paddy", name_zh="旱改水", name_en="Paddy", layer="farmland_projects",
               where={"works": ("dry_to_paddy",)}, measure="area_mu", year=2025, target=100),
    WorkTarget(key="water", name_zh="水域", name_en="Water", layer="water_bodies", measure="area_m2", by="water_type"),
    WorkTarget(key="n", name_zh="线路数", name_en="Lines", layer="utility_lines", measure="count"),
)  # fmt: skip


def test_lengths_and_areas_against_targets(works_frames) -> None:
    t = works_progress(works_frames, WORKS, CAT).set_index(["key", "group"])
    tidy = t.loc[("tidy", "")]
    # l1 1000 m done; l2 300 + 200 m planned; l3 250 m under construction; l4 is 2025, l5 another kind of works.
    assert tidy["done"] == pytest.approx(1.0, rel=1e-4)
    assert tidy["planned"] == pytest.approx(0.5, rel=1e-4)
    assert tidy["under_construction"] == pytest.approx(0.25, rel=1e-4)
    assert tidy["share"] == pytest.approx(0.5, rel=1e-4) and tidy["unit"] == "km" and tidy["features"] == 3
    paddy = t.loc[("paddy", "")]
    assert paddy["done"] == pytest.approx(200 * 200 / M2_PER_MU, rel=1e-4)  # 60 亩
    assert paddy["planned"] == pytest.approx(100 * 100 / M2_PER_MU, rel=1e-4)  # 15 亩
    assert paddy["share"] == pytest.approx(0.6, rel=1e-4) and paddy["unit"] == "亩"
    assert t.loc[("water", "水塘"), "done"] == pytest.approx(20_000, rel=1e-4)  # reference layer: all count as done
    assert t.loc[("water", "河流"), "done"] == pytest.approx(100_000, rel=1e-4)
    assert math.isnan(t.loc[("water", "水塘"), "target"])
    assert t.loc[("n", ""), "done"] == 3 and t.loc[("n", ""), "features"] == 5  # l1, l4, l5 completed
    assert t.loc[("n", ""), "under_construction"] == 1 and t.loc[("n", ""), "planned"] == 1


def test_missing_layers_measure_nothing() -> None:
    t = works_progress({}, WORKS, CAT, "en")
    assert (t["done"] == 0).all() and t.loc[t["key"] == "tidy", "share"].item() == 0
    assert t.loc[t["key"] == "paddy", "unit"].item() == "mu"


def test_works_are_checked_against_the_catalogue(tmp_path: Path) -> None:
    bad = [
        WorkTarget(key="a", name_zh="a", name_en="a", layer="nowhere", measure="count"),
        WorkTarget(key="b", name_zh="b", name_en="b", layer="water_bodies", measure="length_km"),
        WorkTarget(key="c", name_zh="c", name_en="c", layer="utility_lines", where={"works": ("magic",)},
                   measure="length_km"),
        WorkTarget(key="c", name_zh="c", name_en="c", layer="utility_lines", by="colour", measure="length_km"),
    ]  # fmt: skip
    problems = check_works(bad, CAT)
    assert "duplicate works keys: ['c']" in problems
    assert "works a: unknown layer 'nowhere'" in problems
    assert "works b: length_km needs a line layer" in problems
    assert "works c: utility_lines.works has no value 'magic'" in problems
    assert "works c: layer utility_lines has no field 'colour'" in problems
    path = tmp_path / "std.toml"
    shipped = Path(__file__).resolve().parents[2] / "geoplan" / "analysis" / "standards.toml"
    text = shipped.read_text(encoding="utf-8").replace(
        'measure = "area_mu"\nyear = 2025', 'measure = "length_km"\nyear = 2025'
    )
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CatalogueError, match="works dry_to_paddy_2025: length_km needs a line layer"):
        load_standards(path)


def test_the_shipped_standards_carry_the_seed_report_targets() -> None:
    works = {w.key: w for w in load_standards().works}
    assert works["dry_to_paddy_2025"].target == 300 and works["dry_to_paddy_2025"].measure == "area_mu"
    assert works["three_lines_2026"].year == 2026 and works["three_lines_2026"].measure == "length_km"
