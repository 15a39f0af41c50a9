"""Local metric CRS: CGCS2000 3° Gauss–Krüger inside China, UTM elsewhere."""

from __future__ import annotations

import pytest

from geoplan.analysis.projection import local_crs


@pytest.mark.parametrize(
    ("lon", "lat", "epsg"),
    [(111.0, 30.0, 4546), (109.5, 30.3, 4545), (108.0, 29.8, 4545), (75.2, 39.0, 4534), (135.0, 48.0, 4554),
     (9.52, 47.14, 32632), (-70.0, -33.0, 32719)],
)  # fmt: skip
def test_zone_choice(lon, lat, epsg):
    assert local_crs(lon, lat).to_epsg() == epsg


def test_gauss_kruger_names_its_central_meridian():
    assert "CM 111E" in local_crs(111.2, 30.0).name
