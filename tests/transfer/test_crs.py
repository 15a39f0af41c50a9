"""CRS parsing, candidates for files without a CRS, and refusal when declared coordinates do not fit."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely
from pyproj import CRS

from geoplan.transfer.crs import GK3_CM, GK3_ZONES, GK6_CM, GK6_ZONES, candidates, parse_crs, resolve
from geoplan.transfer.errors import CRSUndetermined


@pytest.mark.filterwarnings("ignore:You will likely lose important projection information")
def test_zone_tables_agree_with_the_epsg_registry():
    for zone, code in {**GK3_ZONES, **GK6_ZONES}.items():
        params = CRS.from_epsg(code).to_dict()
        assert params["x_0"] == zone * 1_000_000 + 500_000
    for cm, code in {**GK3_CM, **GK6_CM}.items():
        params = CRS.from_epsg(code).to_dict()
        assert (params["lon_0"], params["x_0"]) == (cm, 500_000)
    assert GK3_ZONES[37] == 4525 and GK3_CM[111] == 4546


@pytest.mark.parametrize(
    ("text", "code", "datum"),
    [("EPSG:4525", 4525, None), ("4546", 4546, None), ("cgcs2000", 4490, None), ("WGS84", 4326, None),
     ("gcj02", 4326, "gcj02"), ("高德", 4326, "gcj02"), ("BD-09", 4326, "bd09")],
)  # fmt: skip
def test_parse_crs(text, code, datum):
    parsed = parse_crs(text)
    assert parsed.crs.to_epsg() == code
    assert parsed.datum == datum


def test_parse_crs_rejects_nonsense():
    with pytest.raises(CRSUndetermined, match="unknown CRS"):
        parse_crs("EPSG:999999")


def test_zone_number_in_easting_names_exactly_one_zone():
    assert candidates((37_499_000, 3_319_000, 37_502_000, 3_321_000)) == ["EPSG:4525"]
    assert candidates((19_499_000, 3_319_000, 19_502_000, 3_321_000)) == ["EPSG:4497"]


def test_zone_less_eastings_are_narrowed_by_the_township_extent():
    found = candidates((499_000, 3_319_000, 502_000, 3_321_000), reference=(110.98, 29.98, 111.03, 30.02))
    assert found == ["EPSG:4546", "EPSG:4508", "EPSG:32649"]  # 3° and 6° GK with CM 111E, UTM 49N


def test_lon_lat_in_china_could_be_any_geographic_system():
    assert candidates((111.0, 30.0, 111.1, 30.1)) == ["EPSG:4326", "EPSG:4490", "gcj02", "bd09"]
    assert candidates((9.5, 47.0, 9.6, 47.2)) == ["EPSG:4326", "EPSG:4490"]


def test_resolve_refuses_a_file_without_crs_and_names_candidates():
    geoms = gpd.GeoSeries([shapely.Point(37_500_100, 3_320_100)])
    with pytest.raises(CRSUndetermined) as info:
        resolve(None, None, geoms)
    assert info.value.candidates == ["EPSG:4525"]
    assert "EPSG:4525 (CGCS2000 / 3-degree Gauss-Kruger zone 37)" in str(info.value)
    assert "--crs" in str(info.value)


def test_resolve_refuses_a_declared_crs_the_coordinates_do_not_fit():
    geoms = gpd.GeoSeries([shapely.Point(37_500_100, 3_320_100)])  # zone number in the easting
    with pytest.raises(CRSUndetermined, match="do not fit EPSG:4546") as info:
        resolve(parse_crs("EPSG:4546"), None, geoms)
    assert info.value.candidates == ["EPSG:4525"]
    projected_as_lonlat = gpd.GeoSeries([shapely.Point(500_100, 3_320_100)])
    with pytest.raises(CRSUndetermined, match="do not fit EPSG:4326"):
        resolve(None, CRS.from_epsg(4326), projected_as_lonlat)


def test_declared_crs_wins_over_the_files():
    geoms = gpd.GeoSeries([shapely.Point(111.0, 30.0)])
    assert resolve(parse_crs("gcj02"), CRS.from_epsg(4326), geoms).datum == "gcj02"
