"""An import that leaves analysis inputs unusable says so at import time, naming what is missing (zh and en).

Buildings without ``use`` and ``households`` count as homes only in a layer declared a residential survey;
villages without ``households`` are 未评估 on household-weighted indicators unless their settlements or
buildings say how many households live there.  The warnings are checked against what the analysis then does.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from geoplan.analysis import analyse, load_standards
from geoplan.api import create_app
from geoplan.cli.main import main
from geoplan.config import Settings
from geoplan.layers import LayerStore
from geoplan.transfer import ImportOptions, plan_import

PLANNER = {"Authorization": "Bearer p-secret"}
CODES = ["522301100201", "522301100202", "522301100203"]


def _square(i: int) -> list:
    x = 111.0 + i * 0.01
    return [[[x, 30.0], [x + 0.01, 30.0], [x + 0.01, 30.01], [x, 30.01], [x, 30.0]]]


def _write(path: Path, features: list[dict]) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False), "utf-8")
    return path


def _villages(path: Path, households: list) -> Path:
    return _write(
        path,
        [
            {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": _square(i)},
             "properties": {"code": c, "name": f"村{i}", "households": h}}
            for i, (c, h) in enumerate(zip(CODES, households, strict=True))
        ],
    )  # fmt: skip


def _houses(path: Path, props: list[dict]) -> Path:
    """House points in village 0 (111.000–111.010 E, 30.000–30.010 N)."""
    return _write(
        path,
        [
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": [111.002 + 0.0005 * k, 30.005]},
             "properties": p}
            for k, p in enumerate(props)
        ],
    )  # fmt: skip


@pytest.fixture
def data(tmp_path: Path) -> Path:
    d = tmp_path / "data"
    d.mkdir()
    return d


def test_villages_without_households_are_named_and_are_then_not_assessed(data: Path, tmp_path: Path, capsys):
    src = _villages(tmp_path / "v.geojson", [120, None, ""])
    assert main(["import", str(src), "--layer", "villages", "--data-dir", str(data)]) == 0
    out = capsys.readouterr().out
    assert "注意: 2 个行政村缺少户数(households)" in out and "未评估" in out
    # what the warning announces is what the analysis does: the two villages are 未评估 on household indicators
    store = LayerStore(data)
    houses = [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [111.005 + 0.01 * i, 30.005]},
         "properties": {"use": "residential"}}
        for i in range(3)
    ]  # fmt: skip
    store.insert_many("buildings", houses)  # one house in each village, without households
    store.insert(
        "roads",
        {"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[111.0, 30.004], [111.03, 30.004]]},
         "properties": {"name": "村道", "status": "existing", "surface": "paved", "road_class": "village"}},
    )  # fmt: skip
    result = analyse(store.frames(), load_standards(catalogue=store.catalogue))
    rai = result.indicators[result.indicators["indicator"] == "rai_2km"].set_index("village_code")
    assert rai.loc[CODES[0], "status"] != "not_assessed"
    assert list(rai.loc[CODES[1:], "status"]) == ["not_assessed", "not_assessed"]
    assert set(rai.loc[CODES[1:], "reason"]) == {"本村无自然村/农房户数数据"}


def test_english_wording_and_settlements_with_households_silence_the_village_warning(data: Path, tmp_path: Path):
    store = LayerStore(data)
    store.insert(
        "settlements",
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [111.015, 30.005]},
         "properties": {"name": "组1", "households": 40, "village_code": CODES[1]}},
    )  # fmt: skip
    plan = plan_import(store, _villages(tmp_path / "v.geojson", [120, None, None]), ImportOptions("villages"))
    assert [(w.code, w.count) for w in plan.warnings] == [("villages_without_households", 1)]  # village 1 is settled
    assert plan.warnings[0].text("en").startswith("1 villages have no households")
    assert plan.summary("en")["warnings"][0]["message"].startswith("1 villages have no households")


def test_buildings_without_use_warn_unless_the_layer_is_a_residential_survey(data: Path, tmp_path: Path, capsys):
    assert main(["import", str(_villages(tmp_path / "v.geojson", [3, 3, 3])), "--layer", "villages",
                 "--data-dir", str(data)]) == 0  # fmt: skip
    houses = _houses(
        tmp_path / "h.geojson",
        [{}, {}, {"use": "residential"}, {"households": 2}, {"use": "public"}, {"use": ""}],
    )
    base = ["import", str(houses), "--layer", "buildings", "--data-dir", str(data)]
    capsys.readouterr()
    assert main([*base, "--dry-run", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "warning: 3 buildings have no use and no households" in out  # {}, {}, use ""
    assert "--residential-survey" in out
    assert main([*base, "--dry-run"]) == 0
    assert "注意: 3 栋建筑缺少用途(use)且无户数(households)，分析时将不计入住户" in capsys.readouterr().out
    # declared a residential survey in the same import: nothing is unusable, and nothing is said
    assert main([*base, "--residential-survey"]) == 0
    assert "缺少用途" not in capsys.readouterr().out
    # a later import into the declared layer does not warn either (the declaration is the layer's)
    plan = plan_import(LayerStore(data), houses, ImportOptions("buildings", allow_duplicates=True))
    assert plan.warnings == []


def test_the_api_import_response_carries_the_warnings(data: Path, tmp_path: Path):
    settings = Settings(data_dir=data, tokens_env="planner:alice:p-secret")
    src = _villages(tmp_path / "v.geojson", [None, 5, 6])
    with TestClient(create_app(settings)) as client:
        with src.open("rb") as fh:
            r = client.post("/collections/villages/import", files={"file": ("v.geojson", fh)}, headers=PLANNER)
        assert r.status_code == 201, r.text
        assert r.json()["warnings"] == [
            {
                "code": "villages_without_households",
                "count": 1,
                "message": "1 个行政村缺少户数(households)：除非其自然村或农房记有户数，这些村的按户计指标将为未评估",
            }
        ]
        houses = _houses(tmp_path / "h.geojson", [{}, {}])
        for form, expected in (({"dry_run": "true"}, 1), ({"dry_run": "true", "residential_survey": "true"}, 0)):
            with houses.open("rb") as fh:
                r = client.post(
                    "/collections/buildings/import?lang=en", files={"file": ("h.geojson", fh)}, data=form,
                    headers=PLANNER,
                )  # fmt: skip
            assert r.status_code == 200, r.text
            assert len(r.json()["warnings"]) == expected
            if expected:
                assert r.json()["warnings"][0]["message"].startswith("2 buildings have no use")
        with houses.open("rb") as fh:
            r = client.post(
                "/collections/buildings/import", files={"file": ("h.geojson", fh)},
                data={"surveyed": "all", "residential_survey": "true"}, headers=PLANNER,
            )  # fmt: skip
        assert r.status_code == 201 and r.json()["warnings"] == []
        assert LayerStore(data).survey("buildings").to_json() == {"scope": "all", "residential": True}
        with houses.open("rb") as fh:
            r = client.post(
                "/collections/buildings/import", files={"file": ("h.geojson", fh)}, data={"surveyed": "甲村"},
                headers=PLANNER,
            )  # fmt: skip
        assert r.status_code == 422
