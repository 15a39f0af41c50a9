"""Benchmark: full analysis (every indicator, both scenarios, plan delta) vs a straightforward geopandas script.

Generates a county-scale township set (villages on a 2 km grid at ~109.5°E, ~100 households per village spread
over settlements and residential buildings, roads, water mains, sewers, facilities, houses to repair) as GeoJSON,
then measures in a fresh process per run, so each peak RSS is that run's alone:

* geoplan: LayerStore(dir).frames() → analyse(baseline) → analyse(plan) → compare(), i.e. what a report does:
  every indicator of the standards, both scenarios, the plan delta, reading the files through the store.
* baseline: four indicators the plain way — each reads its layers with geopandas, projects to UTM 49N and uses
  sjoin_nearest: households within 2 km of a road, within 500 m of a water main, dilapidated houses per village,
  distance to the nearest kindergarten.

Both sides read the same files from disk in a fresh spawned process that has imported the same modules
(geopandas, geoplan.analysis, geoplan.layers) before the clock starts; wall time is perf_counter around the run,
peak memory is the process's own VmHWM (peak resident set, imports included) measured the same way for both.

Usage: .venv/bin/python benchmarks/bench_analysis.py [--scales 12 300 3000]
"""

# ruff: noqa: E501  (the generator writes one feature per statement)
from __future__ import annotations

import argparse
import multiprocessing as mp
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

import orjson
from pyproj import Transformer

E0, N0, CELL = 400_000.0, 3_300_000.0, 2000.0
_TO_WGS84 = Transformer.from_crs("EPSG:4545", "EPSG:4326", always_xy=True)


def _ll(x: float, y: float) -> list[float]:
    lon, lat = _TO_WGS84.transform(E0 + x, N0 + y)
    return [round(lon, 7), round(lat, 7)]


def _feat(layer_prefix: str, n: int, geom: dict, **props) -> dict:
    return {"type": "Feature", "id": f"{layer_prefix}-{n:07d}", "geometry": geom,
            "properties": {"version": 1, **props}}  # fmt: skip


def generate(n_villages: int, out: Path, seed: int = 1) -> dict[str, int]:
    """Write a synthetic county into ``out``; returns feature counts."""
    rng = random.Random(seed)
    side = int(n_villages**0.5 + 0.999)
    layers: dict[str, list[dict]] = {k: [] for k in (
        "villages", "settlements", "buildings", "roads", "water_networks", "sewage_networks", "facilities",
        "housing_repairs", "reservoirs")}  # fmt: skip
    kinds = ["garbage_station", "garbage_station", "clinic", "bus_stop", "public_toilet", "water_source"]
    for v in range(n_villages):
        cx, cy = (v % side) * CELL, (v // side) * CELL
        code = f"4228{v:08d}"
        box = [_ll(cx, cy), _ll(cx + CELL, cy), _ll(cx + CELL, cy + CELL), _ll(cx, cy + CELL), _ll(cx, cy)]
        L = layers
        L["villages"].append(_feat("village", v, {"type": "Polygon", "coordinates": [box]}, code=code, name=f"村{v}",
                                   has_5g=rng.random() < 0.8))  # fmt: skip
        with_buildings = v % 2 == 0
        n_sett = 6
        for s in range(n_sett):
            x, y = cx + rng.uniform(100, CELL - 100), cy + rng.uniform(100, CELL - 100)
            hh = 0 if with_buildings else rng.randint(10, 24)
            L["settlements"].append(_feat("settlement", len(L["settlements"]), {"type": "Point", "coordinates": _ll(x, y)},
                                          name=f"组{s}", village_code=code, households=hh, is_village_centre=s == 0))  # fmt: skip
            if with_buildings:
                for _ in range(17):
                    bx, by = x + rng.uniform(-80, 80), y + rng.uniform(-80, 80)
                    ring = [_ll(bx, by), _ll(bx + 10, by), _ll(bx + 10, by + 10), _ll(bx, by + 10), _ll(bx, by)]
                    L["buildings"].append(_feat("building", len(L["buildings"]), {"type": "Polygon", "coordinates": [ring]},
                                                village_code=code, households=1, use="residential"))  # fmt: skip
        y0 = cy + rng.uniform(200, CELL - 200)
        L["roads"].append(_feat("road", len(L["roads"]), {"type": "LineString", "coordinates": [_ll(cx, y0), _ll(cx + CELL, y0)]},
                                name="路", status=rng.choice(["existing", "existing", "planned"]), road_class="village",
                                surface=rng.choice(["paved", "paved", "gravel"]), village_code=code, budget_wan=100.0))  # fmt: skip
        for layer, st in (("water_networks", ["existing", "existing", "planned"]), ("sewage_networks", ["existing", "planned"])):
            x0 = cx + rng.uniform(200, CELL - 200)
            L[layer].append(_feat(layer.split("_")[0], len(L[layer]), {"type": "LineString", "coordinates": [_ll(x0, cy), _ll(x0, cy + CELL)]},
                                  name="管", status=rng.choice(st), pipe_kind="main", village_code=code, budget_wan=40.0))  # fmt: skip
        fac = kinds + (["kindergarten"] if v % 5 == 0 else []) + (["elderly_care"] if v % 3 == 0 else [])
        for k in fac:
            L["facilities"].append(_feat("facility", len(L["facilities"]), {"type": "Point", "coordinates": _ll(cx + rng.uniform(0, CELL), cy + rng.uniform(0, CELL))},
                                         name=k, kind=k, status=rng.choice(["existing", "existing", "planned"]), village_code=code))  # fmt: skip
        for _ in range(3):
            L["housing_repairs"].append(_feat("house", len(L["housing_repairs"]), {"type": "Point", "coordinates": _ll(cx + rng.uniform(0, CELL), cy + rng.uniform(0, CELL))},
                                              name="危房", danger_grade="C", status=rng.choice(["completed", "planned"]), village_code=code, households=1))  # fmt: skip
        if v % 10 == 0:
            L["reservoirs"].append(_feat("reservoir", len(L["reservoirs"]), {"type": "Point", "coordinates": _ll(cx + 500, cy + 500)},
                                         name="库", status="existing", safety=rng.choice(["safe", "unsafe", "under_reinforcement"]), village_code=code))  # fmt: skip
    out.mkdir(parents=True, exist_ok=True)
    for name, feats in layers.items():
        (out / f"{name}.geojson").write_bytes(orjson.dumps({"type": "FeatureCollection", "features": feats}))
    return {k: len(v) for k, v in layers.items()}


def run_geoplan(data: Path) -> int:
    from geoplan.analysis import analyse, compare, load_standards
    from geoplan.layers import LayerStore

    frames = LayerStore(data).frames()
    s = load_standards()
    base, plan = analyse(frames, s, "baseline"), analyse(frames, s, "plan")
    compare(base, plan, frames)
    return len(base.indicators) + len(plan.indicators)


def run_straightforward(data: Path) -> int:
    import geopandas as gpd

    utm = "EPSG:32649"

    def households() -> gpd.GeoDataFrame:
        s = gpd.read_file(data / "settlements.geojson")
        b = gpd.read_file(data / "buildings.geojson")
        b = b.set_geometry(b.geometry.to_crs(utm).centroid)
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
    args = parser.parse_args(argv)
    print(f"{'villages':>8} {'households':>10} {'geoplan s':>10} {'MiB':>6} {'4-ind. baseline s':>18} {'MiB':>6} {'ratio':>6}")
    for n in args.scales:
        with tempfile.TemporaryDirectory() as tmp:
            data = Path(tmp)
            generate(n, data)
            g_wall, g_mem = measure("run_geoplan", data)
            b_wall, b_mem = measure("run_straightforward", data)
            hh_total = _households(data)
            print(f"{n:>8} {hh_total:>10} {g_wall:>10.2f} {g_mem:>6.0f} {b_wall:>18.2f} {b_mem:>6.0f} {g_wall / b_wall:>6.2f}")
            sys.stdout.flush()
    return 0


def _households(data: Path) -> int:
    s = orjson.loads((data / "settlements.geojson").read_bytes())["features"]
    b = orjson.loads((data / "buildings.geojson").read_bytes())["features"]
    return sum(f["properties"]["households"] for f in s) + sum(f["properties"]["households"] for f in b)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    raise SystemExit(main())
