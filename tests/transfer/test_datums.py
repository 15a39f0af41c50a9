"""GCJ-02 / BD-09 conversions against published reference values (wandergis/coordTransform README)."""

from __future__ import annotations

import numpy as np
import pytest

from geoplan.transfer.datums import (
    bd09_to_gcj02,
    bd09_to_wgs84,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)

# Published vectors for input (116.404, 39.915) — Tiananmen — in coordTransform's README.
WGS84_TO_GCJ02 = (116.41024449916938, 39.91640428150164)
GCJ02_TO_BD09 = (116.41036949371029, 39.92133699351021)
WGS84_TO_BD09 = (116.41662724378733, 39.922699552216216)
# The README's inverses are the one-step approximations, off by up to ~1 m; ours iterate.
GCJ02_TO_WGS84_ROUGH = (116.39775550083061, 39.91359571849836)
BD09_TO_GCJ02_ROUGH = (116.39762729119315, 39.90865673957631)


@pytest.mark.parametrize(
    ("func", "expected"),
    [(wgs84_to_gcj02, WGS84_TO_GCJ02), (gcj02_to_bd09, GCJ02_TO_BD09), (wgs84_to_bd09, WGS84_TO_BD09)],
)
def test_forward_transforms_match_published_values(func, expected):
    lon, lat = func(116.404, 39.915)
    assert float(lon) == pytest.approx(expected[0], abs=1e-11)
    assert float(lat) == pytest.approx(expected[1], abs=1e-11)


@pytest.mark.parametrize(
    ("inverse", "forward", "rough"),
    [(gcj02_to_wgs84, wgs84_to_gcj02, GCJ02_TO_WGS84_ROUGH), (bd09_to_gcj02, gcj02_to_bd09, BD09_TO_GCJ02_ROUGH)],
)
def test_inverses_are_exact_and_close_to_the_published_approximation(inverse, forward, rough):
    lon, lat = inverse(116.404, 39.915)
    back = forward(lon, lat)
    assert float(back[0]) == pytest.approx(116.404, abs=1e-10)  # ~1e-5 m
    assert float(back[1]) == pytest.approx(39.915, abs=1e-10)
    # The one-step inverse is within a couple of metres (2e-5 degrees) of the exact one.
    assert float(lon) == pytest.approx(rough[0], abs=2e-5)
    assert float(lat) == pytest.approx(rough[1], abs=2e-5)
    assert (float(lon), float(lat)) != pytest.approx(rough, abs=1e-9)


def test_offset_is_hundreds_of_metres_in_china_and_zero_outside():
    lon, lat = wgs84_to_gcj02([111.0, 9.52], [30.0, 47.14])  # Hubei; Liechtenstein
    assert 0.001 < abs(float(lon[0]) - 111.0) < 0.01
    assert float(lon[1]) == 9.52 and float(lat[1]) == 47.14


def test_vectorised_round_trip_over_china():
    rng = np.random.default_rng(7)
    lon, lat = rng.uniform(75, 134, 500), rng.uniform(18, 53, 500)
    back_lon, back_lat = bd09_to_wgs84(*wgs84_to_bd09(lon, lat))
    assert np.max(np.abs(back_lon - lon)) < 1e-9
    assert np.max(np.abs(back_lat - lat)) < 1e-9
