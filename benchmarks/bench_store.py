"""Benchmark the layer store: read, GeoDataFrame build and one validated, logged, atomic write, at several scales.

Baseline, measured in the same run on the same file: GDAL through pyogrio (``geopandas.read_file`` to read, and
``GeoDataFrame.to_file`` to rewrite the whole layer as GeoJSON — what a naive "edit = rewrite" store would do,
without validation, locking or a change log).

    .venv/bin/python benchmarks/bench_store.py [--scales 1000 10000 100000]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import numpy as np

from geoplan.layers import LayerStore
from geoplan.layers.files import atomic_write, encode_collection


def make_layer(directory: Path, n: int, seed: int = 7) -> Path:
    """A facilities layer of ``n`` points scattered over ~50 × 50 km around 109.5°E, 30.3°N."""
    rng = np.random.default_rng(seed)
    lon = 109.25 + rng.random(n) * 0.5
    lat = 30.05 + rng.random(n) * 0.45
    kinds = ["clinic", "public_toilet", "garbage_station", "bus_stop", "parking"]
    features = [
        {
            "type": "Feature",
            "id": f"facility-{i:06d}",
            "geometry": {"type": "Point", "coordinates": [round(float(x), 7), round(float(y), 7)]},
            "properties": {
                "name": f"设施{i}",
                "status": "existing",
                "year": 2020,
                "village_code": f"4228011052{i % 100:02d}",
                "kind": kinds[i % len(kinds)],
                "version": 1,
                "updated_at": "2025-12-31T00:00:00Z",
            },
        }
        for i, (x, y) in enumerate(zip(lon, lat, strict=True))
    ]
    path = directory / "facilities.geojson"
    atomic_write(path, encode_collection("facilities", features, {"last_change": None}))
    return path


def timed(fn: Callable[[], object], repeat: int) -> float:
    """Median wall time of ``repeat`` calls, in milliseconds."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def bench(n: int) -> dict[str, float]:
    tmp = Path(tempfile.mkdtemp(prefix="geoplan-bench-store-"))
    try:
        path = make_layer(tmp, n)
        repeat = 5 if n <= 10_000 else 3

        def store_read() -> None:
            LayerStore(tmp).features("facilities")

        def store_frame() -> None:
            LayerStore(tmp).frame("facilities")

        store = LayerStore(tmp)
        store.features("facilities")
        point = {"type": "Point", "coordinates": [109.5, 30.3]}

        props = {"name": "新卫生室", "status": "planned", "kind": "clinic", "village_code": "422801105201"}

        def store_insert() -> None:
            store.insert("facilities", {"type": "Feature", "geometry": point, "properties": props})

        def gdal_read() -> None:
            gpd.read_file(path, engine="pyogrio")

        frame = gpd.read_file(path, engine="pyogrio")
        out = tmp / "rewrite.geojson"

        def gdal_rewrite() -> None:
            frame.to_file(out, driver="GeoJSON", engine="pyogrio")

        return {
            "store read": timed(store_read, repeat),
            "store frame": timed(store_frame, repeat),
            "store insert": timed(store_insert, repeat),
            "gdal read": timed(gdal_read, repeat),
            "gdal rewrite": timed(gdal_rewrite, repeat),
            "MB": path.stat().st_size / 1e6,
        }
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    args = parser.parse_args()
    head = (
        f"{'features':>9} {'MB':>6} | {'store read':>10} {'gdal read':>9} {'ratio':>5} | {'store frame':>11} "
        f"{'ratio':>5} | {'store insert':>12} {'gdal rewrite':>12} {'ratio':>5}"
    )
    print("median ms; ratio = geoplan ÷ GDAL baseline (same run, same file)")
    print(head)
    print("-" * len(head))
    for n in args.scales:
        r = bench(n)
        print(
            f"{n:>9,} {r['MB']:>6.1f} | {r['store read']:>10.1f} {r['gdal read']:>9.1f} "
            f"{r['store read'] / r['gdal read']:>5.2f} | {r['store frame']:>11.1f} "
            f"{r['store frame'] / r['gdal read']:>5.2f} | {r['store insert']:>12.1f} {r['gdal rewrite']:>12.1f} "
            f"{r['store insert'] / r['gdal rewrite']:>5.2f}"
        )


if __name__ == "__main__":
    main()
