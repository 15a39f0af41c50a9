"""Benchmark: geoplan's overview map vs a straightforward folium map of the same layers, same data, same run.

For the demo township and the synthetic county of ``bench_analysis.py`` (default 300 villages) it prints the
HTML size and build time (build + render, layers already loaded) of

* geoplan: ``build_overview_map`` (compact GeoJSON, popup fields only, ~1 m coordinates, simplified lines,
  one style table per layer, clustering/canvas for dense point layers) and ``build_gap_map``;
* baseline: ``folium.GeoJson(frame, style_function=…, tooltip=…)`` per layer plus a LayerControl — what one
  writes first.

The acceptance bar: the overview is at most a third of the baseline's size.

Usage: .venv/bin/python benchmarks/bench_maps.py [--scales 300 1000] [--skip-demo]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import folium

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from bench_analysis import generate  # noqa: E402

from geoplan.analysis import analyse, load_standards  # noqa: E402
from geoplan.layers import LayerStore, default_catalogue  # noqa: E402
from geoplan.maps import build_overview_map  # noqa: E402
from geoplan.maps.gap import build_gap_map  # noqa: E402
from geoplan.maps.save import render_html  # noqa: E402


def straightforward(frames: dict) -> folium.Map:
    """The first thing one writes: every layer straight from its GeoDataFrame, coloured, with a name tooltip."""
    catalogue = default_catalogue()
    m = folium.Map(tiles=None, control_scale=True)
    for spec in catalogue.layers:
        frame = frames[spec.name]
        if frame.empty:
            continue
        color = spec.style.get("color", "#333")
        tooltip = folium.GeoJsonTooltip(["name"]) if "name" in frame.columns and frame["name"].notna().all() else None
        folium.GeoJson(
            frame, name=spec.zh, style_function=lambda _f, c=color: {"color": c, "weight": 2}, tooltip=tooltip
        ).add_to(m)
    folium.LayerControl().add_to(m)
    b = [f.total_bounds for f in frames.values() if len(f)]
    m.fit_bounds([[min(x[1] for x in b), min(x[0] for x in b)], [max(x[3] for x in b), max(x[2] for x in b)]])
    return m


def timed(build: Callable[[], folium.Map], base_url: str | None) -> tuple[int, float]:
    start = time.perf_counter()
    m = build()
    html = render_html(m, base_url) if base_url else m.get_root().render()
    return len(html.encode()), time.perf_counter() - start


def run(label: str, data: Path) -> bool:
    store = LayerStore(data)
    frames = store.frames()
    counts = {k: len(v) for k, v in frames.items() if len(v)}
    standards = load_standards()
    baseline_result = analyse(frames, standards, "baseline")
    plan_result = analyse(frames, standards, "plan")
    plain_size, plain_t = timed(lambda: straightforward(frames), None)
    ov_size, ov_t = timed(lambda: build_overview_map(frames), "/static/vendor")
    gap_size, gap_t = timed(lambda: build_gap_map(frames, baseline_result, plan_result), "/static/vendor")
    print(f"\n## {label}: {sum(counts.values())} features ({', '.join(f'{k} {n}' for k, n in counts.items())})")
    print(f"{'map':<34}{'HTML size':>14}{'build+render':>15}{'size vs baseline':>19}")
    print(f"{'baseline: plain folium.GeoJson':<34}{plain_size / 1e6:>11.2f} MB{plain_t:>13.2f} s{1:>18.2f}x")
    print(f"{'geoplan overview':<34}{ov_size / 1e6:>11.2f} MB{ov_t:>13.2f} s{ov_size / plain_size:>18.2f}x")
    print(f"{'geoplan gap map':<34}{gap_size / 1e6:>11.2f} MB{gap_t:>13.2f} s{gap_size / plain_size:>18.2f}x")
    ok = ov_size * 3 <= plain_size
    print(f"overview ≤ 1/3 of baseline: {'yes' if ok else 'NO'} (ratio {ov_size / plain_size:.3f})")
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=int, nargs="+", default=[300])
    parser.add_argument("--skip-demo", action="store_true")
    args = parser.parse_args(argv)
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        if not args.skip_demo and (REPO / "data/geojson/villages.geojson").exists():
            demo = Path(tmp) / "demo"
            shutil.copytree(REPO / "data/geojson", demo, ignore=shutil.ignore_patterns(".geoplan"))
            ok &= run("demo township", demo)
        for n in args.scales:
            out = Path(tmp) / f"county-{n}"
            out.mkdir()
            generate(n, out)
            ok &= run(f"synthetic county, {n} villages", out)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
