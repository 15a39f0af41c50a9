"""`geoplan import` / `geoplan export` from the command line alone, on real OSM data and a dry run."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyogrio
from pyproj import CRS, Geod, Transformer

from geoplan.cli.main import main
from geoplan.layers import LayerStore


def test_liechtenstein_roads_and_buildings_import_export_undo(liechtenstein_dir: Path, tmp_path: Path, capsys):
    data = tmp_path / "li"
    data.mkdir()
    road_args = ["import", str(liechtenstein_dir / "roads.geojson"), "--layer", "roads", "--preset", "osm-roads"]
    assert main([*road_args, "--dry-run", "--data-dir", str(data)]) == 0
    assert "nothing written" in capsys.readouterr().out
    assert LayerStore(data).count("roads") == 0
    assert main([*road_args, "--data-dir", str(data)]) == 0
    assert main(["import", str(liechtenstein_dir / "buildings.geojson"), "--layer", "buildings",
                 "--preset", "osm-buildings", "--data-dir", str(data)]) == 0  # fmt: skip
    store = LayerStore(data)
    assert store.count("buildings") == 3719 and store.count("roads") > 2000
    out = tmp_path / "roads.zip"
    assert (
        main(["export", "roads", "--format", "shp", "--crs", "EPSG:32632", "--out", str(out), "--data-dir", str(data)])
        == 0
    )
    info = pyogrio.read_info(f"/vsizip/{out}/roads.shp")
    assert info["features"] == store.count("roads")
    assert CRS.from_user_input(info["crs"]).to_epsg() == 32632
    assert {"name", "road_class", "surface", "village_co"} <= set(info["fields"])
    assert main(["undo", "--data-dir", str(data)]) == 0  # the buildings import, as one change
    assert LayerStore(data).count("buildings") == 0 and LayerStore(data).count("roads") > 2000


def test_dry_run_lists_bad_rows_and_exit_code_is_1(tmp_path: Path, capsys, monkeypatch):
    monkeypatch.delenv("GEOPLAN_LANG", raising=False)  # Chinese, the default
    data = tmp_path / "d"
    data.mkdir()
    csv = tmp_path / "houses.csv"
    pd.DataFrame(
        {"户主": ["甲", "乙", "丙"], "危房等级": ["C级", "X级", "D级"], "lon": [111.0, 111.01, 111.02],
         "lat": [30.0, 30.0, 30.0]}
    ).to_csv(csv, index=False)  # fmt: skip
    args = ["import", str(csv), "--layer", "housing_repairs", "--crs", "wgs84", "--data-dir", str(data)]
    assert main([*args, "--dry-run", "--status", "planned"]) == 1
    err = capsys.readouterr().err
    assert (
        "housing_repairs,第2行,字段 danger_grade:取值 'X级' 不在允许范围内,可填:C(C级(局部危房)), D(D级(整幢危房))"
        in err
    )
    assert main(args) == 1  # no --status: all three rows lack the required status
    assert capsys.readouterr().err.count("字段 status:必填字段缺失") == 3
    assert LayerStore(data).count("housing_repairs") == 0
    assert main(["import", str(csv), "--layer", "housing_repairs", "--data-dir", str(data), "--status", "planned"]) == 1
    err = capsys.readouterr().err
    assert "Say which with --crs" in err and "请用 --crs 指定" in err


def test_survey_table_with_crs_and_field_options_then_undo(tmp_path: Path, capsys, monkeypatch):
    monkeypatch.delenv("GEOPLAN_LANG", raising=False)
    data = tmp_path / "d"
    data.mkdir()
    truth = [(111.0031234, 29.9978765), (111.0142345, 29.9986543)]
    xs, ys = Transformer.from_crs("EPSG:4326", "EPSG:4546", always_xy=True).transform(*zip(*truth, strict=True))
    csv = tmp_path / "危房台账.csv"
    pd.DataFrame(
        {"HZXM": ["张三", "李四"], "WFDJ": ["C级", "D级"], "ZT": ["规划", "完工"], "x": xs, "y": ys}
    ).to_csv(csv, index=False, encoding="gbk")  # fmt: skip  # Excel on Chinese Windows saves GBK
    args = ["import", str(csv), "--layer", "housing_repairs", "--crs", "EPSG:4546", "--data-dir", str(data),
            "--field", "HZXM=name", "--field", "WFDJ=危房等级", "--field", "ZT=status"]  # fmt: skip
    assert main(args) == 0
    assert "geoplan undo" in capsys.readouterr().out
    houses = {f["properties"]["name"]: f for f in LayerStore(data).features("housing_repairs")}
    assert {n: (f["properties"]["danger_grade"], f["properties"]["status"]) for n, f in houses.items()} == {
        "张三": ("C", "planned"), "李四": ("D", "completed")
    }  # fmt: skip
    geod = Geod(ellps="WGS84")
    for name, (lon, lat) in zip(("张三", "李四"), truth, strict=True):
        got = houses[name]["geometry"]["coordinates"]
        assert geod.inv(got[0], got[1], lon, lat)[2] < 0.1
    assert main(["undo", "--data-dir", str(data)]) == 0
    assert LayerStore(data).count("housing_repairs") == 0
    assert main([*args[:-2], "--field", "ZT=colour"]) == 1
    assert "has no field 'colour'" in capsys.readouterr().err
