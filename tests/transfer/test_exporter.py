"""Export, and round trips through every format: geometry within 1 cm, every catalogue field, Chinese intact."""

from __future__ import annotations

import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from shapely.geometry import LineString, Point, box, mapping

from geoplan.layers import LayerStore, default_catalogue
from geoplan.transfer import EXPORT_FORMATS, ImportOptions, export_layer, import_file
from geoplan.transfer.errors import ExportError
from tests.transfer.conftest import GRID_CRS, VILLAGE_CODES, build_villages, grid_lonlat


def _feature(fid: str, geom, **props) -> dict:
    return {"type": "Feature", "id": fid, "geometry": mapping(grid_lonlat(geom)), "properties": props}


@pytest.fixture
def full_store(tmp_path: Path) -> LayerStore:
    """Villages, roads and facilities with every writable field set (and some left empty)."""
    data = tmp_path / "full"
    data.mkdir()
    store = LayerStore(data)
    build_villages(store)
    store.patch("villages", "village-1", {"properties": {"population": 180, "has_5g": True}})
    store.patch("villages", "village-2", {"properties": {"has_5g": False}})
    store.insert_many(
        "roads",
        [
            _feature("road-a", LineString([(100, 100), (400, 250), (900, 300)]), name="东岭村通组路（一期）",
                     status="planned", year=2026, budget_wan=85.5, note="含错车道 3 处；“硬化”", road_class="group",
                     surface="paved", width_m=4.5),
            _feature("road-b", shapely.MultiLineString([[(1100, 0), (1900, 10)], [(1200, 500), (1800, 520)]]),
                     name="县道X012", status="existing", year=2010, road_class="county", surface="gravel"),
        ],
    )  # fmt: skip
    store.insert_many(
        "facilities",
        [
            _feature("facility-a", Point(250, 250), name="村卫生室", status="existing", kind="clinic", capacity=4,
                     grade="甲等", year=2018, note="周二、周四坐诊（乡卫生院派驻）", label="卫生室"),
            _feature("facility-b", Point(1500, -300), name="旅游公厕", status="planned", kind="public_toilet",
                     grade="AA", budget_wan=30),
        ],
    )  # fmt: skip
    return store


def _writable(layer: str) -> list[str]:
    return [f.name for f in default_catalogue().layer(layer).fields if not f.readonly]


def _assert_same(original: LayerStore, copy: LayerStore, layer: str) -> None:
    a = {f["id"]: f for f in original.features(layer)}
    b = {f["id"]: f for f in copy.features(layer)}
    assert set(a) == set(b)
    for name in _writable(layer):  # else a field missing on both sides would pass unchecked
        assert any(f["properties"].get(name) is not None for f in a.values()), f"fixture leaves {layer}.{name} unset"
    for fid, fa in a.items():
        fb = b[fid]
        ga = gpd.GeoSeries([shapely.geometry.shape(fa["geometry"])], crs=4326).to_crs(GRID_CRS)[0]
        gb = gpd.GeoSeries([shapely.geometry.shape(fb["geometry"])], crs=4326).to_crs(GRID_CRS)[0]
        assert ga.geom_type == gb.geom_type, fid
        assert shapely.hausdorff_distance(ga, gb) < 0.01, fid  # 1 cm
        for name in _writable(layer):
            assert fb["properties"].get(name) == fa["properties"].get(name), (fid, name)


ROUND_TRIPS = [
    ("gpkg", {}, {}),
    ("shp", {}, {}),
    ("shp", {"encoding": "GBK"}, {}),
    ("kml", {}, {}),
    ("geojson", {}, {}),
    ("csv", {}, {"crs": "wgs84"}),
    ("csv", {"labels": "zh", "encoding": "GBK"}, {"crs": "wgs84"}),
    ("xlsx", {}, {"crs": "wgs84"}),
    ("xlsx", {"labels": "zh"}, {"crs": "wgs84"}),
    ("gpkg", {"crs": "EPSG:4546"}, {}),
    ("shp", {"crs": "EPSG:4525"}, {}),
    ("csv", {"crs": "gcj02"}, {"crs": "gcj02"}),
]


@pytest.mark.parametrize(("fmt", "export_opts", "import_opts"), ROUND_TRIPS)
@pytest.mark.parametrize("layer", ["villages", "roads", "facilities"])
def test_round_trip(full_store, tmp_path, layer, fmt, export_opts, import_opts):
    out = tmp_path / "out" / f"{layer}{EXPORT_FORMATS[fmt].suffix}"
    result = export_layer(full_store, layer, fmt, out, **export_opts)
    assert result.count == full_store.count(layer)
    copy = LayerStore(tmp_path / "copy")
    copy.data_dir.mkdir()
    import_file(copy, out, ImportOptions(layer, keep_ids=True, **import_opts))
    _assert_same(full_store, copy, layer)


def test_gbk_shapefile_is_really_gbk_and_declared(full_store, tmp_path):
    out = export_layer(full_store, "roads", "shp", tmp_path / "roads.zip", encoding="GBK").path
    with zipfile.ZipFile(out) as zf:
        assert sorted(Path(n).suffix for n in zf.namelist()) == [".cpg", ".dbf", ".prj", ".shp", ".shx"]
        assert zf.read("roads.cpg").decode().strip().upper() in ("GBK", "CP936", "936")
        dbf = zf.read("roads.dbf")
    assert "东岭村通组路".encode("gbk") in dbf
    assert "东岭村通组路".encode() not in dbf


def test_shapefile_names_stay_unique_within_every_layer():
    for layer in default_catalogue().layers:
        cut = [f.name[:10] for f in layer.fields]
        assert len(cut) == len(set(cut)), layer.name


def test_village_filter_and_errors(full_store, tmp_path):
    one = export_layer(full_store, "roads", "geojson", tmp_path / "v1.geojson", village=VILLAGE_CODES[0])
    assert one.count == 1
    assert gpd.read_file(one.path)["name"].tolist() == ["东岭村通组路（一期）"]
    with pytest.raises(ExportError, match="no village"):
        export_layer(full_store, "roads", "gpkg", tmp_path / "x.gpkg", village="999999999999")
    with pytest.raises(ExportError, match="unknown export format"):
        export_layer(full_store, "roads", "dwg", tmp_path / "x.dwg")
    with pytest.raises(ExportError, match="KML is lon/lat only"):
        export_layer(full_store, "roads", "kml", tmp_path / "x.kml", crs="EPSG:4546")


def test_projected_export_is_in_metres(full_store, tmp_path):
    out = export_layer(full_store, "villages", "gpkg", tmp_path / "v.gpkg", crs="EPSG:4546").path
    frame = gpd.read_file(out)
    assert frame.crs.to_epsg() == 4546
    assert frame.geometry.area.tolist() == pytest.approx([2_000_000.0, 2_000_000.0], abs=10)  # 1 km × 2 km
    assert frame.total_bounds[0] == pytest.approx(500_000, abs=0.01)


def test_grid_fixture_village_box_is_what_the_test_says():
    assert grid_lonlat(box(0, 0, 1, 1)).is_valid


def test_a_failed_export_leaves_the_previous_file_and_no_partial_one(full_store, tmp_path, monkeypatch):
    out = tmp_path / "exports" / "roads.gpkg"
    out.parent.mkdir()
    out.write_bytes(b"last week's export")

    def crash(frame, path, **kwargs):
        Path(path).write_bytes(b"half a GeoPackage")
        raise OSError("disk full")

    monkeypatch.setattr("geoplan.transfer.exporter.pyogrio.write_dataframe", crash)
    with pytest.raises(OSError, match="disk full"):
        export_layer(full_store, "roads", "gpkg", out)
    assert out.read_bytes() == b"last week's export"
    assert [p.name for p in out.parent.iterdir()] == ["roads.gpkg"]


@pytest.mark.parametrize("fmt", ["shp", "csv"])
def test_text_gbk_cannot_hold_is_refused_not_dropped(full_store, tmp_path, fmt):
    # 𠀀 (CJK Extension B) turns up in householders' names; GDAL would silently drop it from a GBK Shapefile.
    full_store.patch("facilities", "facility-b", {"properties": {"name": "旅游公厕𠀀"}})
    out = tmp_path / f"facilities{EXPORT_FORMATS[fmt].suffix}"
    with pytest.raises(ExportError, match="facility-b.*name"):
        export_layer(full_store, "facilities", fmt, out, encoding="GBK")
    assert not out.exists() and list(tmp_path.iterdir()) == [full_store.data_dir]
    with pytest.raises(ExportError, match="unknown encoding"):
        export_layer(full_store, "facilities", fmt, out, encoding="BIG-FIVE-ISH")
    export_layer(full_store, "facilities", fmt, out)  # UTF-8 holds it
    back = gpd.read_file(f"/vsizip/{out}/facilities.shp") if fmt == "shp" else pd.read_csv(out, encoding="utf-8-sig")
    assert "旅游公厕𠀀" in back["name"].tolist()
