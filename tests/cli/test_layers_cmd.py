from __future__ import annotations

import json
from pathlib import Path

import pytest

from geoplan.cli.main import main
from geoplan.layers import LayerStore
from tests.layers.conftest import road, square, village


def write_layer(directory: Path, layer: str, features: list[dict]) -> Path:
    path = directory / f"{layer}.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False), "utf-8")
    return path


@pytest.fixture
def broken_dir(tmp_path: Path) -> Path:
    """One layer file per kind of problem the validate command must name."""
    d = tmp_path / "broken"
    d.mkdir()
    bowtie = {"type": "Polygon", "coordinates": [[[109, 30], [109.01, 30.01], [109.01, 30], [109, 30.01], [109, 30]]]}
    write_layer(d, "villages", [village("422801105201", "茶园村", 0) | {"geometry": bowtie}])
    write_layer(
        d,
        "facilities",
        [
            {
                "type": "Feature",
                "id": "fac-1",
                "geometry": {"type": "Point", "coordinates": [200, 30]},
                "properties": {"name": "卫生室", "status": "existing", "kind": "clinic"},
            }
        ],
    )
    write_layer(d, "roads", [road(status="finished") | {"id": "road-1"}])
    write_layer(
        d,
        "settlements",
        [
            {
                "type": "Feature",
                "id": "st-1",
                "geometry": {"type": "Point", "coordinates": [109.001, 30.001]},
                "properties": {"name": "一组"},
            }
        ],
    )
    write_layer(
        d,
        "water_networks",
        [
            {
                "type": "Feature",
                "id": "w-1",
                "geometry": square(0),
                "properties": {"name": "主管", "status": "planned", "pipe_kind": "main"},
            }
        ],
    )
    (d / "reservoirs.geojson").write_text("{not json", "utf-8")
    return d


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("zh", {
            "villages.geojson": ("要素 422801105201", "字段 geometry", "几何图形无效", "Self-intersection"),
            "facilities.geojson": ("要素 fac-1", "字段 geometry", "超出经纬度范围", "200"),
            "roads.geojson": ("要素 road-1", "字段 status", "不在允许范围内", "finished"),
            "settlements.geojson": ("要素 st-1", "字段 households", "必填字段缺失"),
            "water_networks.geojson": ("要素 w-1", "字段 geometry", "Polygon", "LineString"),
            "reservoirs.geojson": ("not valid JSON",),
        }),
        ("en", {
            "villages.geojson": ("feature 422801105201", "field geometry", "Self-intersection"),
            "facilities.geojson": ("feature fac-1", "field geometry", "200"),
            "roads.geojson": ("feature road-1", "field status", "finished"),
            "settlements.geojson": ("feature st-1", "field households", "required"),
            "water_networks.geojson": ("feature w-1", "field geometry", "Polygon"),
            "reservoirs.geojson": ("not valid JSON",),
        }),
    ],
)  # fmt: skip
def test_validate_names_file_feature_and_field_for_each_problem(broken_dir: Path, capsys, monkeypatch, lang, expected):
    monkeypatch.setenv("GEOPLAN_LANG", lang)
    assert main(["validate", str(broken_dir)]) == 1
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    for filename, parts in expected.items():
        matching = [line for line in lines if filename in line]
        assert len(matching) == 1, (filename, lines)
        assert all(part in matching[0] for part in parts), matching[0]
    assert len(lines) == len(expected)


def test_validate_accepts_a_clean_directory(tmp_path: Path, capsys):
    store = LayerStore(tmp_path)
    store.insert("villages", village("422801105201", "茶园村", 0))
    store.insert("roads", road())
    assert main(["validate", "--data-dir", str(tmp_path)]) == 0
    assert "OK" in capsys.readouterr().out


def test_validate_on_the_bundled_demo_township(repo_root: Path, capsys, catalogue):
    demo = repo_root / "data" / "geojson"
    files = sorted(demo.glob("*.geojson"))
    assert len(files) >= len(catalogue.names) - 1  # every layer but the optional buildings survey
    assert main(["validate", "--data-dir", str(demo)]) == 0
    assert f"OK: {len(files)} " in capsys.readouterr().out


def test_layers_lists_every_layer_with_its_count(tmp_path: Path, capsys, catalogue):
    store = LayerStore(tmp_path)
    store.insert("villages", village("422801105201", "茶园村", 0))
    for _ in range(3):
        store.insert("roads", road())
    assert main(["layers", "--data-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    rows = {line.split("│")[1].strip(): line for line in out.splitlines() if line.count("│") >= 4}
    assert set(catalogue.names) <= set(rows)
    assert rows["roads"].split("│")[4].strip() == "3"
    assert rows["villages"].split("│")[4].strip() == "1"
    assert "道路" in rows["roads"]


def test_layers_recommends_postgresql_from_the_advised_size(tmp_path: Path, capsys, monkeypatch):
    import geoplan.layers.store as layers_store  # the command reads the limit from there when it runs

    store = LayerStore(tmp_path)
    store.insert("villages", village("422801105201", "茶园村", 0))
    for _ in range(3):
        store.insert("roads", road())
    monkeypatch.setattr(layers_store, "DATABASE_ADVISED_FEATURES", 3)  # a 100,000-feature file is slow to build
    assert main(["layers", "--data-dir", str(tmp_path), "--lang", "en"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "layers above 3 features belong in PostgreSQL/PostGIS" in out
    assert "Note: roads exceed 3 features" in out and "villages exceed" not in out
    monkeypatch.setattr(layers_store, "DATABASE_ADVISED_FEATURES", 4)
    assert main(["layers", "--data-dir", str(tmp_path)]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "超过 4 个要素的图层宜存入 PostgreSQL/PostGIS" in out and "提示" not in out


def test_missing_data_dir_is_an_error_not_empty_layers(tmp_path: Path, capsys, monkeypatch):
    assert main(["layers", "--data-dir", str(tmp_path / "nope")]) == 1
    assert "不存在" in capsys.readouterr().err
    monkeypatch.setenv("GEOPLAN_LANG", "en")
    assert main(["layers", "--data-dir", str(tmp_path / "nope")]) == 1
    assert "does not exist" in capsys.readouterr().err


def test_history_and_restore_from_the_command_line(tmp_path: Path, capsys):
    store = LayerStore(tmp_path)
    fid = store.insert("roads", road(name="一号路"))["id"]
    store.patch("roads", fid, {"properties": {"name": "二号路"}})
    assert main(["history", "roads", fid, "--data-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "一号路" in out and "二号路" in out
    assert main(["restore", "roads", fid, "1", "--data-dir", str(tmp_path)]) == 0
    assert store.get("roads", fid)["properties"]["name"] == "一号路"
    assert main(["restore", "roads", fid, "9", "--data-dir", str(tmp_path)]) == 1
    assert f"要素 {fid} 没有记录的版本 9" in capsys.readouterr().err


def test_undo_the_latest_change(tmp_path: Path, capsys):
    store = LayerStore(tmp_path)
    store.insert("roads", road())
    store.insert_many("roads", [road(name=f"r{i}") for i in range(4)])
    assert main(["changes", "--data-dir", str(tmp_path)]) == 0
    assert main(["undo", "--data-dir", str(tmp_path)]) == 0
    assert store.count("roads") == 1
