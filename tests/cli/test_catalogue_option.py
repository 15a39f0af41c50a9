"""`geoplan --catalogue FILE …` and GEOPLAN_CATALOGUE: every command works over the grown catalogue."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from geoplan.cli.main import main
from geoplan.layers import LayerStore
from geoplan.layers.catalogue import load_catalogue
from tests.conftest import DEPLOYMENT_KINDS


def _geojson(path: Path, features: list[dict]) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False), "utf-8")
    return path


def _point(lon: float, lat: float, **props) -> dict:
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]}, "properties": props}


def _square(lon: float, lat: float, d: float, **props) -> dict:
    ring = [[lon, lat], [lon + d, lat], [lon + d, lat + d], [lon, lat + d], [lon, lat]]
    return {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]}, "properties": props}


@pytest.fixture
def data(tmp_path: Path) -> Path:
    d = tmp_path / "data"
    d.mkdir()
    return d


def test_county_kinds_import_with_the_option_and_with_the_environment(
    deployment_catalogue_file: Path, data: Path, tmp_path: Path, capsys, monkeypatch
) -> None:
    monkeypatch.delenv("GEOPLAN_CATALOGUE", raising=False)
    src = _geojson(
        tmp_path / "f.geojson",
        [
            _point(111.0 + i / 1000, 30.0, 名称=zh, 类型=zh, 状态="现状")
            for i, (_, zh, _, _) in enumerate(DEPLOYMENT_KINDS)
        ],
    )
    args = ["import", str(src), "--layer", "facilities", "--crs", "wgs84", "--data-dir", str(data)]
    assert main(args) == 1
    assert "戏台" in capsys.readouterr().err
    assert LayerStore(data).count("facilities") == 0

    assert main(["--catalogue", str(deployment_catalogue_file), *args, "--dry-run"]) == 0
    capsys.readouterr()
    monkeypatch.setenv("GEOPLAN_CATALOGUE", str(deployment_catalogue_file))
    assert main(args) == 0
    store = LayerStore(data, load_catalogue(deployment_catalogue_file))
    kinds = sorted(f["properties"]["kind"] for f in store.features("facilities"))
    assert kinds == sorted(v for v, _, _, _ in DEPLOYMENT_KINDS)

    assert main(["layers", "--data-dir", str(data)]) == 0
    out = capsys.readouterr().out
    assert "heritage_sites" in out and "文物保护单位" in out


def test_a_bad_catalogue_option_is_one_clear_line(data: Path, tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.delenv("GEOPLAN_CATALOGUE", raising=False)
    assert main(["--catalogue", str(tmp_path / "missing.toml"), "layers", "--data-dir", str(data)]) == 1
    err = capsys.readouterr().err
    assert "missing.toml" in err and "不存在" in err


def test_house_points_import_into_buildings_and_water_polygons_into_water_bodies(
    data: Path, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.delenv("GEOPLAN_CATALOGUE", raising=False)
    houses = _geojson(
        tmp_path / "houses.geojson",
        [_point(111.0, 30.0, 户数=2, 用途="住宅"), _point(111.001, 30.0, 户数=1, 用途="住宅"),
         _square(111.002, 30.0, 0.0001, 户数=1, 用途="住宅")],
    )  # fmt: skip
    assert main(["import", str(houses), "--layer", "buildings", "--crs", "wgs84", "--data-dir", str(data)]) == 0
    types = sorted(f["geometry"]["type"] for f in LayerStore(data).features("buildings"))
    assert types == ["Point", "Point", "Polygon"]
    water = _geojson(
        tmp_path / "water.geojson",
        [
            _square(111.0, 30.01, 0.002, 名称="青岩河", 类型="河流"),
            _square(111.01, 30.01, 0.0005, 名称="堰塘", 类型="山塘"),
        ],
    )
    assert main(["import", str(water), "--layer", "water_bodies", "--crs", "wgs84", "--data-dir", str(data)]) == 0
    stored = {f["properties"]["name"]: f["properties"]["water_type"] for f in LayerStore(data).features("water_bodies")}
    assert stored == {"青岩河": "river", "堰塘": "pond"}
