"""Nearest-feature queries: the k-d tree + GEOS scheme equals GEOS's own nearest search, ties included."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from geoplan.analysis.inputs import _Targets


def _geos(points: np.ndarray, geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    (i, j), d = shapely.STRtree(geoms).query_nearest(points, return_distance=True, all_matches=False)
    dist, which = np.full(len(points), np.inf), np.full(len(points), -1)
    dist[i], which[i] = d, j
    return dist, which


def _ours(xy: np.ndarray, geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    targets = _Targets.build(geoms, np.arange(len(geoms)))
    return targets.nearest(xy, lambda: shapely.points(xy))


@pytest.fixture
def rng():
    return np.random.default_rng(7)


def _lines(rng, n: int) -> np.ndarray:
    """Polylines of 2–6 vertices, some kilometres long, over a 20 km square."""
    out = []
    for _ in range(n):
        k = rng.integers(2, 7)
        start = rng.uniform(0, 20_000, 2)
        out.append(shapely.LineString(start + np.cumsum(rng.normal(0, 900, (k, 2)), axis=0)))
    return np.array(out, dtype=object)


def test_points_to_points_is_exact(rng):
    xy = rng.uniform(0, 20_000, (3000, 2))
    targets = shapely.points(rng.uniform(0, 20_000, (200, 2)))
    d, j = _ours(xy, targets)
    d_ref, j_ref = _geos(shapely.points(xy), targets)
    np.testing.assert_allclose(d, d_ref, rtol=1e-12)
    assert (j == j_ref).all()


def test_points_to_lines_and_areas_is_exact(rng):
    xy = rng.uniform(-2_000, 22_000, (3000, 2))  # some far outside every feature
    lines = _lines(rng, 150)
    areas = shapely.buffer(shapely.points(rng.uniform(0, 20_000, (40, 2))), rng.uniform(50, 800, 40))
    geoms = np.concatenate([lines, areas])
    d, j = _ours(xy, geoms)
    d_ref, j_ref = _geos(shapely.points(xy), geoms)
    assert (d == d_ref).all()  # the same GEOS distance, bit for bit
    assert (j == j_ref).all()
    assert (d == 0).any()  # points inside areas are at distance 0


def test_ties_at_a_junction_are_broken_as_geos_does():
    # four roads meeting at (1000, 1000); houses on the diagonals are equally near to two or four of them
    centre = (1000.0, 1000.0)
    roads = np.array(
        [shapely.LineString([centre, end]) for end in ((0, 1000), (2000, 1000), (1000, 0), (1000, 2000))],
        dtype=object,
    )
    xy = np.array([[1000.0, 1000.0], [1300.0, 1300.0], [700.0, 1300.0], [200.0, 200.0], [1000.0, 1500.0]])
    d, j = _ours(xy, roads)
    d_ref, j_ref = _geos(shapely.points(xy), roads)
    assert (d == d_ref).all() and (j == j_ref).all()
    assert d[1] == pytest.approx(300.0)  # (1300, 1300) is 300 m from the eastern and the northern road
