"""Walks on slopes (``--dem``): Tobler's hiking function on hand-made DEMs whose answers are worked out by hand.

Tobler: W = 6·exp(−3.5·|s + 0.05|) km/h.  Flat: 6·e^−0.175.  A 10 % climb: 6·e^−0.525, so one metre up it is worth
e^0.35 = 1.41907 flat metres; a 10 % descent: |−0.1 + 0.05| = 0.05, the flat speed, 1 metre; a 5 % descent is the
fastest walk, e^−0.175 = 0.83946 flat metres.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import rasterio
from pyproj import CRS, Transformer
from rasterio.transform import from_origin

from geoplan.analysis import analyse, load_standards
from geoplan.analysis.network import RoadGraph, network_nearest, network_reach
from geoplan.analysis.terrain import Terrain, TerrainError, segment_costs, walk_factor
from geoplan.cli.main import main
from geoplan.layers.survey import Survey
from tests.analysis.conftest import E0, N0, box, facility, feature, line, point

UP10 = math.exp(0.35)  # 10 % climb
GK = CRS.from_epsg(4545)  # the grid township's CRS (CGCS2000 3° Gauss–Krüger CM 108°E)


def plane(x: np.ndarray) -> np.ndarray:
    """The hand-made mountainside: rising 10 % to the east (x in metres from the grid origin)."""
    return 0.1 * x


def write_dem(path: Path, crs: str = "EPSG:4545", nodata_west_of: float | None = None) -> Path:
    """A 10 m GeoTIFF of :func:`plane` over x −1000…3000 m, y −1000…2000 m of the grid (in ``crs``'s own units)."""
    width, height, cell = 400, 300, 10.0
    xs = -1000 + (np.arange(width) + 0.5) * cell
    z = np.tile(plane(xs), (height, 1)).astype("float32")
    if nodata_west_of is not None:
        z[:, xs < nodata_west_of] = -9999
    with rasterio.open(
        path, "w", driver="GTiff", width=width, height=height, count=1, dtype="float32", crs=crs,
        transform=from_origin(E0 - 1000, N0 + 2000, cell, cell), nodata=-9999,
    ) as ds:  # fmt: skip
        ds.write(z, 1)
    return path


def test_tobler_factors_by_hand() -> None:
    got = walk_factor(np.array([0.0, 0.1, -0.1, -0.05, 0.2]))
    assert got == pytest.approx([1.0, UP10, 1.0, math.exp(-0.175), math.exp(0.7)])


def test_segment_costs_up_and_down_a_plane() -> None:
    a, b = np.array([[0.0, 0.0], [0.0, 0.0]]), np.array([[1000.0, 0.0], [0.0, 500.0]])
    up, down = segment_costs(a, b, lambda xy: plane(xy[:, 0]), step_m=10)
    assert up == pytest.approx([1000 * UP10, 500])  # east: uphill; north: along the contour
    assert down == pytest.approx([1000, 500])


def test_the_dem_is_sampled_in_its_own_crs(tmp_path: Path) -> None:
    terrain = Terrain.read(write_dem(tmp_path / "dem.tif"), GK, (E0, N0, E0 + 2000, N0 + 1000))
    assert terrain.cell_m == pytest.approx(10.0)
    pts = np.array([[E0 + 123.4, N0 + 55.0], [E0 + 1999.0, N0 + 900.0], [E0 + 9000.0, N0]])
    z = terrain.sampler(GK)(pts)
    assert z[:2] == pytest.approx([12.34, 199.9], abs=1e-3)  # bilinear on a plane is exact
    assert np.isnan(z[2])  # outside the raster
    # The same points given in lon/lat reach the same cells.
    lon, lat = Transformer.from_crs(GK, "EPSG:4326", always_xy=True).transform(pts[:2, 0], pts[:2, 1])
    assert terrain.sampler(CRS.from_epsg(4326))(np.c_[lon, lat]) == pytest.approx([12.34, 199.9], abs=1e-3)


def test_no_data_cells_count_as_flat(tmp_path: Path) -> None:
    dem = write_dem(tmp_path / "dem.tif", nodata_west_of=500)
    terrain = Terrain.read(dem, GK, (E0, N0, E0 + 2000, N0 + 1000))
    up, _ = segment_costs(np.array([[E0 + 0.0, N0]]), np.array([[E0 + 1000.0, N0]]), terrain.sampler(GK), 10)
    # 0…500 m has no elevation (flat); the piece straddling 500 m has one end without a value (flat too)
    assert up[0] == pytest.approx(510 + 490 * UP10, abs=0.5)


def test_unusable_dems_are_refused_with_the_reason(tmp_path: Path) -> None:
    text = tmp_path / "dem.tif"
    text.write_text("not a raster", encoding="utf-8")
    with pytest.raises(TerrainError, match="cannot read the DEM"):
        Terrain.read(text, GK, (E0, N0, E0 + 1, N0 + 1))
    dem = write_dem(tmp_path / "far.tif")
    with pytest.raises(TerrainError, match="does not cover") as err:
        Terrain.read(dem, GK, (E0 + 50_000, N0 + 50_000, E0 + 51_000, N0 + 51_000))
    assert "未覆盖" in err.value.text("zh")


def test_network_walks_cost_more_uphill_than_down() -> None:
    g = RoadGraph.build(np.array([__import__("shapely").linestrings([(0, 0), (1000, 0), (2000, 0)])]))
    g = g.with_costs(lambda xy: plane(xy[:, 0]), step_m=10)
    units = np.array([[0.0, 10.0], [2000.0, 10.0], [900.0, 0.0]])
    d, i = network_nearest(g, units, targets_xy=np.array([[1000.0, 0.0]]))
    assert d == pytest.approx([10 + 1000 * UP10, 10 + 1000, 100 * UP10])  # the last one on the target's segment
    assert list(i) == [0, 0, 0]
    assert g.min_factor == pytest.approx(1.0)  # a 10 % descent is exactly the flat speed
    # Reach credits a site with the households that can walk to it within the limit (not those it walks to).
    u, s, dist = network_reach(g, units[:2], np.array([[1000.0, 0.0]]), limit=1200)
    assert dict(zip(u.tolist(), dist.tolist(), strict=True)) == pytest.approx({1: 1010.0})


def test_gentle_descents_reach_beyond_the_straight_line_filter() -> None:
    import shapely

    # Rising 5 % to the east: walking west is the fastest walk, 0.83946 flat metres per metre.
    g = RoadGraph.build(np.array([shapely.linestrings([(0, 0), (2300, 0)])]))
    g = g.with_costs(lambda xy: 0.05 * xy[:, 0], step_m=10)
    assert g.min_factor == pytest.approx(math.exp(-0.175))
    u, s, dist = network_reach(g, np.array([[2300.0, 0.0]]), np.array([[0.0, 0.0]]), limit=2000)
    assert list(u) == [0] and dist[0] == pytest.approx(2300 * math.exp(-0.175))  # 1,930.8 m: within 2 km


# ---------------------------------------------------------------------------------------------------------------
# Through the analysis and the CLI: a clinic 1,400 m up a 10 % road is 1,986.7 flat metres away, plus connectors.

CODE = "420000000001"


def hill_township(store) -> None:
    layers = {
        "villages": [feature("v", box(-100, -100, 2100, 1100), code=CODE, name="坡村")],
        "settlements": [
            feature("low", point(0, 10), name="坡下组", households=10),
            feature("high", point(2000, 10), name="坡上组", households=5),
        ],
        "roads": [
            feature(
                "r", line((0, 0), (2000, 0)), name="上山路", status="existing", road_class="village", surface="earth"
            )
        ],  # fmt: skip
        "facilities": [facility("clinic", "clinic", 1400, 10)],
    }
    for layer, feats in layers.items():
        store.insert_many(layer, feats, survey=Survey("all"))


def test_the_analysis_walks_up_the_hill(empty_store, tmp_path: Path) -> None:
    hill_township(empty_store)
    frames = empty_store.frames()
    dem = write_dem(tmp_path / "dem.tif")
    flat = load_standards().with_distance("network")
    hilly = flat.with_terrain(dem)
    assert hilly.indicator("clinic").dem == str(dem.resolve())
    assert hilly.indicator("clinic").distance_label("zh").endswith("按坡度折算为平地等效距离)")
    rows = {}
    for name, std in (("flat", flat), ("hilly", hilly)):
        r = analyse(frames, std)
        rows[name] = r.coverage[r.coverage["indicator"] == "clinic"].set_index("unit_id")
    assert rows["flat"].loc["low", "distance_m"] == pytest.approx(10 + 1400 + 10, abs=0.1)
    assert bool(rows["flat"].loc["low", "covered"])
    assert rows["hilly"].loc["low", "distance_m"] == pytest.approx(10 + 1400 * UP10 + 10, abs=0.1)  # 2,006.7
    assert not bool(rows["hilly"].loc["low", "covered"])
    assert rows["hilly"].loc["high", "distance_m"] == pytest.approx(10 + 600 + 10, abs=0.1)  # downhill: flat speed


def test_report_and_plan_take_a_dem(empty_store, tmp_path: Path, capsys) -> None:
    hill_township(empty_store)
    data = empty_store.data_dir
    dem = write_dem(tmp_path / "dem.tif")
    out = tmp_path / "out"
    args = ["report", "--format", "json", "--out", str(out), "--data-dir", str(data), "--lang", "en"]
    assert main([*args, "--dem", str(dem)]) == 0
    report = next(out.glob("*.json")).read_text(encoding="utf-8")
    assert "slope-weighted flat equivalent" in report
    assert main(["plan", "--budget", "100", "--data-dir", str(data), "--dem", str(dem)]) == 0
    capsys.readouterr()
    assert main([*args, "--dem", str(tmp_path / "missing.tif")]) != 0
    assert "no DEM file" in capsys.readouterr().err
    assert main([*args, "--dem", str(dem), "--distance", "straight"]) != 0
    assert "cannot go with --distance straight" in capsys.readouterr().err
