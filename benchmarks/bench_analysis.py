"""Benchmark: full analysis (every indicator, both scenarios, plan delta) vs a straightforward geopandas script.

Two synthetic counties from ``synthetic.py`` (generated once per scale and cached, see there), ~100 households per
village on a 2 km grid: ``county`` — 125 residential footprints of 1 household in 4 villages of 5, settlements in
the others, 14 roads and 4 pipes per village (3,000 villages: 300,000 footprints, 42,000 roads, 12,000 pipes);
``mixed`` — households as settlements in half the villages, 17 footprints per settlement in the other half.
Each scale works on a fresh copy of the files (no columnar copies yet): geoplan runs twice, ``cold`` (parsing the
GeoJSON and writing the store's columnar copies, as after a write) then warm (reading the copies); each run is a
fresh process, so each peak RSS is that run's alone:

* geoplan: LayerStore(dir).frames(anchors=point_layers(standards)) → analyse(baseline) → analyse(plan) →
  compare(), i.e. what a report does:
  every indicator of the standards, both scenarios, the plan delta, reading the files through the store.
* baseline: four indicators the plain way — each reads its layers with geopandas, projects to UTM 49N and uses
  sjoin_nearest: households within 2 km of a road, within 500 m of a water main, dilapidated houses per village,
  distance to the nearest kindergarten.

Both sides read the same files from disk in a fresh spawned process that has imported the same modules
(geopandas, geoplan.analysis, geoplan.layers) before the clock starts; wall time is perf_counter around the run,
peak memory is the process's own VmHWM (peak resident set, imports included) measured the same way for both.

Usage: .venv/bin/python benchmarks/bench_analysis.py [--scales 12 300 3000] [--kinds county mixed]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import resource
import sys
import tempfile
import time
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synthetic import cached, copy_county, mixed  # noqa: E402

#: The older generator, kept under its old name (tests/analysis and bench_maps import it from here).
generate = mixed


def run_geoplan(data: Path) -> int:
    from geoplan.analysis import analyse, compare, load_standards, point_layers, prepare
    from geoplan.layers import LayerStore

    s = load_standards()
    frames = LayerStore(data).frames(anchors=point_layers(s))  # as the report reads them
    prepared = prepare(frames)  # as the report does
    base, plan = analyse(prepared, s, "baseline"), analyse(prepared, s, "plan")
    compare(base, plan, frames)
    return len(base.indicators) + len(plan.indicators)


def run_straightforward(data: Path) -> int:
    import geopandas as gpd

    utm = "EPSG:32649"

    def households() -> gpd.GeoDataFrame:
        """Residential buildings (1 household each) where a village has them, else its settlements."""
        s = gpd.read_file(data / "settlements.geojson")
        b = gpd.read_file(data / "buildings.geojson")
        b = b.set_geometry(b.geometry.to_crs(utm).centroid)
        s = s[~s["village_code"].isin(set(b["village_code"]))]
        hh = gpd.GeoDataFrame(
            {"village_code": list(s["village_code"]) + list(b["village_code"]),
             "households": list(s["households"]) + list(b["households"])},
            geometry=list(s.geometry.to_crs(utm)) + list(b.geometry), crs=utm,
        )  # fmt: skip
        return hh[hh["households"] > 0]

    def share_within(layer: str, dist: float, **where: str) -> float:
        hh = households()
        target = gpd.read_file(data / f"{layer}.geojson")
        target = target[target["status"].isin(["existing", "completed"])]
        for k, v in where.items():
            target = target[target[k] == v]
        j = gpd.sjoin_nearest(hh, target.to_crs(utm)[["geometry"]], distance_col="d")
        j = j[~j.index.duplicated()]
        j["ok"] = (j["d"] <= dist) * j["households"]
        g = j.groupby("village_code")[["ok", "households"]].sum()
        return float((g["ok"] / g["households"]).mean())

    road = share_within("roads", 2000, surface="paved")
    water = share_within("water_networks", 500)
    houses = gpd.read_file(data / "housing_repairs.geojson")
    dilapidated = houses[houses["status"] != "completed"].groupby("village_code").size()
    kg = gpd.read_file(data / "facilities.geojson")
    kg = kg[(kg["kind"] == "kindergarten") & kg["status"].isin(["existing", "completed"])].to_crs(utm)
    near = gpd.sjoin_nearest(households(), kg[["geometry"]], distance_col="d")
    return int(road > 0) + int(water > 0) + len(dilapidated) + int(near["d"].mean() > 0)


def _child(fn_name: str, data: str, q: mp.Queue) -> None:
    import geopandas  # noqa: F401  (imports are not what we measure, for either side)
    import pyarrow.parquet  # noqa: F401  (geoplan reads the store's columnar copies with it)
    import pyogrio  # noqa: F401  (the plain script reads GeoJSON with it)

    import geoplan.analysis  # noqa: F401
    import geoplan.layers  # noqa: F401

    t0 = time.perf_counter()
    globals()[fn_name](Path(data))
    wall = time.perf_counter() - t0
    q.put((wall, _peak_rss_mib()))


def _peak_rss_mib() -> float:
    """This process's own peak resident set (VmHWM): the same measure for both sides.

    ``ru_maxrss`` can carry the parent's peak across fork + exec; VmHWM belongs to the process's own address
    space, which exec replaced, so it holds only the run's own imports, data and work.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(fn_name: str, data: Path) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one run in a fresh process."""
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    p = ctx.Process(target=_child, args=(fn_name, str(data), q))
    p.start()
    result = q.get()
    p.join()
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=int, nargs="+", default=[12, 300, 3000])
    parser.add_argument("--kinds", nargs="+", default=["county", "mixed"], choices=["county", "mixed"])
    args = parser.parse_args(argv)
    print(f"{'kind':>6} {'villages':>8} {'buildings':>9} {'households':>10} {'geoplan s':>10} {'MiB':>6} "
          f"{'cold s':>7} {'MiB':>6} {'4-ind. baseline s':>18} {'MiB':>6} {'ratio':>6} {'cold':>6}")  # fmt: skip
    for kind in args.kinds:
        for n in args.scales:
            with tempfile.TemporaryDirectory() as tmp:
                # a private copy: the store's columnar copies start absent, as after a write (cold); the second
                # run reads them (warm, the usual case: a layer is read far more often than written)
                data = copy_county(cached(n, kind), Path(tmp))
                c_wall, c_mem = measure("run_geoplan", data)
                g_wall, g_mem = measure("run_geoplan", data)
                b_wall, b_mem = measure("run_straightforward", data)
                n_b, hh_total = _households(data)
                print(f"{kind:>6} {n:>8} {n_b:>9} {hh_total:>10} {g_wall:>10.2f} {g_mem:>6.0f} {c_wall:>7.2f} "
                      f"{c_mem:>6.0f} {b_wall:>18.2f} {b_mem:>6.0f} {g_wall / b_wall:>6.2f} "
                      f"{c_wall / b_wall:>6.2f}")  # fmt: skip
                sys.stdout.flush()
    return 0


def _households(data: Path) -> tuple[int, int]:
    """Residential buildings, and households as the baseline script counts them."""
    s = orjson.loads((data / "settlements.geojson").read_bytes())["features"]
    b = orjson.loads((data / "buildings.geojson").read_bytes())["features"]
    with_b = {f["properties"]["village_code"] for f in b}
    hh = sum(f["properties"]["households"] for f in b)
    return len(b), hh + sum(f["properties"]["households"] for f in s if f["properties"]["village_code"] not in with_b)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    raise SystemExit(main())
