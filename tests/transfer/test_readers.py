"""Readers: Shapefile encodings, GeoPackage tables, KMZ, and coordinate columns of tables."""

from __future__ import annotations

import zipfile

import pandas as pd
import pyogrio
import pytest
import shapely

from geoplan.transfer.errors import SourceUnreadable
from geoplan.transfer.readers import read_source
from tests.transfer.conftest import KNOWN_POINTS, points_frame, write_zipped_shapefile

NAMES = {"名称": ["东岭村卫生室", "西坡幼儿园", "南沟公厕"]}


@pytest.mark.parametrize("cpg", [True, False])
def test_gbk_shapefile_reads_chinese_with_or_without_cpg(tmp_path, cpg):
    zipped = write_zipped_shapefile(
        points_frame(4326, KNOWN_POINTS, NAMES), tmp_path / "gbk.zip", encoding="GBK", cpg=cpg
    )
    source = read_source(zipped)
    assert source.frame["名称"].tolist() == NAMES["名称"]
    assert source.crs is not None and source.crs.to_epsg() == 4326
    assert bool(source.notes) is not cpg  # guessing GBK is reported


def test_geopackage_with_several_tables_needs_one_named(tmp_path):
    gpkg = tmp_path / "survey.gpkg"
    frame = points_frame(4326, KNOWN_POINTS, NAMES)
    pyogrio.write_dataframe(frame, gpkg, layer="clinics")
    pyogrio.write_dataframe(frame.iloc[:1], gpkg, layer="schools")
    with pytest.raises(SourceUnreadable, match="several tables \\(clinics, schools\\)"):
        read_source(gpkg)
    assert len(read_source(gpkg, table="schools").frame) == 1
    with pytest.raises(SourceUnreadable, match="no table 'roads'"):
        read_source(gpkg, table="roads")
    pyogrio.write_dataframe(pd.DataFrame(NAMES), gpkg, layer="contacts")  # an attribute table, no geometry
    with pytest.raises(SourceUnreadable, match="table 'contacts' has no geometry"):
        read_source(gpkg, table="contacts")


def test_kmz_from_a_phone(tmp_path):
    kml = tmp_path / "doc.kml"
    pyogrio.write_dataframe(points_frame(4326, KNOWN_POINTS, {"name": NAMES["名称"]}), kml, driver="LIBKML")
    kmz = tmp_path / "track.kmz"
    with zipfile.ZipFile(kmz, "w") as zf:
        zf.write(kml, "doc.kml")
    frame = read_source(kmz).frame
    assert frame["Name"].tolist() == NAMES["名称"]
    assert shapely.get_coordinates(frame.geometry.values)[0].tolist() == pytest.approx(list(KNOWN_POINTS[0]))


def test_survey_table_with_x_as_northing_is_swapped(tmp_path):
    frame = points_frame(4546, KNOWN_POINTS, NAMES)
    csv = tmp_path / "测量.csv"
    # Chinese survey convention: X = northing, Y = easting. Written in GBK, as Excel does on Chinese Windows.
    pd.DataFrame({**NAMES, "X坐标": frame.geometry.y, "Y坐标": frame.geometry.x}).to_csv(
        csv, index=False, encoding="gbk"
    )
    source = read_source(csv)
    assert source.crs is None
    assert source.frame.geometry.x.tolist() == pytest.approx(frame.geometry.x.tolist())
    assert any("swapped" in n for n in source.notes)
    assert source.frame["名称"].tolist() == NAMES["名称"]


def test_table_without_coordinates_is_refused(tmp_path):
    csv = tmp_path / "list.csv"
    pd.DataFrame(NAMES).to_csv(csv, index=False)
    with pytest.raises(SourceUnreadable, match="no coordinate columns found"):
        read_source(csv)


def test_utf8_shapefile_without_cpg_and_a_wide_field_is_not_taken_for_gbk(tmp_path):
    # A text field 128+ bytes wide has a DBF length byte >= 0x80, not valid UTF-8 on its own: the sniffing must
    # skip the header's numbers.
    frame = points_frame(4326, KNOWN_POINTS, {**NAMES, "备注": ["长" * 80, "", "短"]})
    zipped = write_zipped_shapefile(frame, tmp_path / "utf8.zip", encoding="UTF-8", cpg=False)
    with zipfile.ZipFile(zipped) as zf:
        dbf = zf.read("utf8.dbf")
    assert dbf[64 + 16] >= 0x80  # 备注's width (240 bytes) in its field descriptor
    source = read_source(zipped)
    assert source.frame["名称"].tolist() == NAMES["名称"]
    assert source.frame["备注"].iloc[0] == "长" * 80
    assert source.notes == []  # nothing guessed
