"""The standards file: shipped defaults match indicators.md; a planner's copy is checked against the catalogue."""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path

import pytest

from geoplan.analysis import analyse, load_standards, status_label
from geoplan.errors import CatalogueError
from tests.analysis.conftest import CODES


def shipped() -> str:
    return resources.files("geoplan.analysis").joinpath("standards.toml").read_text("utf-8")


def test_shipped_defaults_follow_the_reference():
    s = load_standards()
    assert len(s.keys) == 17
    tap = s.indicator("tap_water")
    assert (tap.threshold_m, tap.target, tap.weight, tap.name_zh) == (50, 0.96, 8, "自来水普及率")
    assert s.indicator("rai_2km").threshold_m == 2000
    assert s.indicator("sewage").target == 0.6
    assert s.indicator("housing_repair").weight == 10
    assert s.indicator("unsafe_reservoirs").target == 0
    road = s.indicator("road_access_100m")  # beside the 2 km figure, informational (weight 0)
    assert (road.threshold_m, road.weight, s.keys.index("road_access_100m")) == (100, 0, 1)
    assert s.min_assessed_weight == 0.5
    assert all(i.provenance and i.source for i in s.indicators)


def test_status_labels():
    assert [status_label(x) for x in ("met", "nearly_met", "not_met", "not_assessed")] == [
        "达标", "基本达标", "未达标", "未评估",
    ]  # fmt: skip
    assert status_label("nearly_met", "en") == "nearly met"


def test_a_planners_copy_changes_results_without_code(tmp_path: Path, grid_frames):
    raised = shipped().replace("target = 0.96", "target = 0.8")
    path = tmp_path / "province.toml"
    path.write_text(raised, encoding="utf-8")
    s = load_standards(path)
    assert s.indicator("tap_water").target == 0.8
    t = analyse(grid_frames, s).indicators
    a_tap = t[(t["indicator"] == "tap_water") & (t["village_code"] == CODES["A"])].iloc[0]
    assert a_tap["status"] == "met" and a_tap["gap"] == 0  # 0.8 ≥ 0.8


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('layer = "sewage_networks"', 'layer = "sewers"', "unknown layer 'sewers'"),
        ('kind = ["bus_stop"]', 'kind = ["bus"]', "no value 'bus'"),
        ("threshold_m = 50\n", "threshold_m = -5\n", "threshold_m"),
        ("target = 0.96", "target = 96", "share between 0 and 1"),
        ('gap_unit = "km"', 'gap_unit = "miles"', "gap_unit"),
        ('theme = "tourism"', 'theme = "leisure"', "unknown theme"),
    ],
)
def test_bad_copies_fail_with_a_clear_message(tmp_path: Path, old: str, new: str, message: str):
    assert old in shipped()
    path = tmp_path / "bad.toml"
    path.write_text(shipped().replace(old, new, 1), encoding="utf-8")
    with pytest.raises(CatalogueError, match=message) as info:
        load_standards(path)
    assert str(path) in str(info.value)


def test_missing_and_malformed_files(tmp_path: Path):
    with pytest.raises(CatalogueError, match="cannot read"):
        load_standards(tmp_path / "nope.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[[indicator]\n", encoding="utf-8")
    with pytest.raises(CatalogueError, match="not valid TOML"):
        load_standards(bad)


def test_shipped_file_is_valid_toml_with_one_entry_per_indicator():
    data = tomllib.loads(shipped())
    assert [i["key"] for i in data["indicator"]] == list(load_standards().keys)
