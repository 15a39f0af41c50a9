"""Benchmark: geoplan's maps vs a plain folium map of the same layers, same county, same run, in headless Chromium.

For synthetic counties (``benchmarks/synthetic.py``, default 12 / 300 / 3,000 villages with 100 building
footprints in 4 villages of 5) it prints, per map:

* HTML size and build time (build + render to HTML, layers already loaded);
* first render: ``performance.now()`` in the page after the load event and two animation frames, i.e. from
  navigation start to the map's first painted frame, opened from disk (file://) in headless Chromium
  (/usr/bin/chromium, no request leaves the machine: every other URL is aborted);
* pan p95: 40 programmatic pans of 200 px (``map.panBy`` without animation), each timed until the second
  animation frame after it, i.e. until the panned view has been painted.

Maps: the baseline ``folium.GeoJson(frame, style_function=…, tooltip=…)`` per layer plus a LayerControl (what one
writes first); geoplan's overview as a file (footprints embedded, drawn from zoom 15 near the view); the served
overview (footprints fetched from the API by bounding box, so not in the page); the gap map.

``--maps`` picks maps by key (plain, overview-file, overview-served, gap); ``--before REF`` first runs this same
script on the code at git ``REF`` (``git archive`` into a temporary folder, its own process), so a map's figures
are printed beside the previous implementation's, measured in the same run.

Usage: .venv/bin/python benchmarks/bench_maps.py [--scales 12 300 3000] [--pans 40] [--no-baseline]
       [--maps gap ...] [--before REF]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable
from io import BytesIO
from pathlib import Path

import folium

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from synthetic import cached  # noqa: E402

from geoplan.analysis import analyse, load_standards  # noqa: E402
from geoplan.layers import LayerStore, default_catalogue  # noqa: E402
from geoplan.maps import Display, build_overview_map  # noqa: E402
from geoplan.maps.assets import copy_assets, find_assets_dir  # noqa: E402
from geoplan.maps.gap import build_gap_map  # noqa: E402
from geoplan.maps.save import render_html  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
OPEN_TIMEOUT_MS = 180_000

FIRST_RENDER = "new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(performance.now()))))"
PAN = """
async (n) => {
    const map = Object.keys(window).filter(k => k.startsWith("map_")).map(k => window[k])
        .find(v => v instanceof L.Map);
    const frame = () => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
    await frame();
    const times = [];
    for (let i = 0; i < n; i++) {
        const t = performance.now();
        map.panBy([i % 2 ? -200 : 200, i % 4 < 2 ? 120 : -120], {animate: false});
        await frame();
        times.push(performance.now() - t);
    }
    return times;
}
"""


def straightforward(frames: dict) -> folium.Map:
    """The first thing one writes: every layer straight from its GeoDataFrame, coloured, with a name tooltip."""
    catalogue = default_catalogue()
    m = folium.Map(tiles=None, control_scale=True)
    for spec in catalogue.layers:
        frame = frames.get(spec.name)
        if frame is None or frame.empty:
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


def build(make: Callable[[], folium.Map], out: Path) -> tuple[int, float]:
    """Build and render to HTML (assets linked from ``vendor/`` beside it); the file's size and the time taken."""
    start = time.perf_counter()
    html = render_html(make(), "vendor")
    took = time.perf_counter() - start
    out.write_text(html, encoding="utf-8")
    return len(html.encode()), took


def in_browser(browser, html: Path, pans: int) -> tuple[float | None, float | None, str]:
    """(first render s, pan p95 ms, note) of the page in a fresh tab; None where it did not open in time."""
    page = browser.new_page(viewport={"width": 1280, "height": 860})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file://") else route.abort())
    try:
        page.goto(html.as_uri(), wait_until="load", timeout=OPEN_TIMEOUT_MS)
        first = page.evaluate(FIRST_RENDER) / 1000
        times = sorted(page.evaluate(PAN, pans))
        p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
        return first, p95, "; ".join(errors)[:80]
    except Exception as exc:  # a page too big to open in time is a result, not a crash of the benchmark
        return None, None, f"did not open: {type(exc).__name__}"
    finally:
        page.close()


MAPS = ("plain", "overview-file", "overview-served", "gap")


def run(n: int, browser, tmp: Path, pans: int, with_baseline: bool = True, only: tuple[str, ...] = MAPS) -> None:
    data = cached(n)
    frames = LayerStore(data).frames()
    counts = {k: len(v) for k, v in frames.items() if len(v)}
    standards = load_standards()
    baseline_result, plan_result = analyse(frames, standards, "baseline"), analyse(frames, standards, "plan")
    out = tmp / f"county-{n}"
    copy_assets(find_assets_dir(), out / "vendor")
    maps: list[tuple[str, Callable[[], folium.Map]]] = [
        ("baseline: plain folium.GeoJson", lambda: straightforward(frames)),
        ("geoplan overview (file)", lambda: build_overview_map(frames)),
        ("geoplan overview (served)", lambda: build_overview_map(frames, display=Display(detail_api=""))),
        ("geoplan gap map", lambda: build_gap_map(frames, baseline_result, plan_result)),
    ]
    maps = [m for key, m in zip(MAPS, maps, strict=True) if key in only]
    with_baseline = with_baseline and "plain" in only
    if not with_baseline:  # 3,000 villages: the plain map is ~200 MB of HTML; ratios are then left out
        maps = [m for m in maps if not m[0].startswith("baseline")]
    print(
        f"\n## {n} villages: {sum(counts.values()):,} features ({', '.join(f'{k} {v:,}' for k, v in counts.items())})"
    )
    print(
        f"{'map':<30}{'HTML':>10}{'build':>9}{'first render':>14}{'pan p95':>10}"
        f"{'size ×':>9}{'build ×':>9}{'render ×':>10}{'pan ×':>8}"
    )
    base: tuple[int, float, float | None, float | None] | None = None
    for i, (label, make) in enumerate(maps):
        html = out / f"map{i}.html"
        size, took = build(make, html)
        first, p95, note = in_browser(browser, html, pans)
        row = (size, took, first, p95)
        base = (base or row) if with_baseline else (0, 0.0, None, None)

        def ratio(a: float | None, b: float | None) -> str:
            return f"{a / b:.2f}" if a is not None and b else "—"

        print(
            f"{label:<30}{size / 1e6:>7.2f} MB{took:>7.2f} s"
            f"{(f'{first:.2f} s' if first is not None else '—'):>14}{(f'{p95:.0f} ms' if p95 is not None else '—'):>10}"
            f"{ratio(size, base[0]):>9}{ratio(took, base[1]):>9}{ratio(first, base[2]):>10}{ratio(p95, base[3]):>8}"
            + (f"  ({note})" if note else "")
        )
        sys.stdout.flush()
        html.unlink()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=int, nargs="+", default=[12, 300, 3000])
    parser.add_argument("--pans", type=int, default=40)
    parser.add_argument("--no-baseline", action="store_true", help="only geoplan's maps (no plain folium map)")
    parser.add_argument("--maps", nargs="+", choices=MAPS, default=list(MAPS), help="which maps to measure")
    parser.add_argument("--before", help="git ref: first run the same maps on that code, in its own process")
    args = parser.parse_args(argv)
    if args.before:
        before(
            args.before,
            [a for a in (argv if argv is not None else sys.argv[1:]) if a != args.before and a != "--before"],
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p, tempfile.TemporaryDirectory() as tmp:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        for n in args.scales:
            run(n, browser, Path(tmp), args.pans, with_baseline=not args.no_baseline, only=tuple(args.maps))
        browser.close()
    return 0


def before(ref: str, argv: list[str]) -> None:
    """This script, run on the ``geoplan`` package as of ``ref`` (the previous implementation)."""
    with tempfile.TemporaryDirectory(prefix="bench-maps-before-") as tmp:
        root = Path(tmp)
        archive = subprocess.run(["git", "-C", str(REPO), "archive", ref, "geoplan"], check=True, capture_output=True)
        with tarfile.open(fileobj=BytesIO(archive.stdout)) as tar:
            tar.extractall(root, filter="data")
        (root / "benchmarks").mkdir()
        for name in ("bench_maps.py", "synthetic.py"):
            shutil.copy(REPO / "benchmarks" / name, root / "benchmarks" / name)
        (root / "node_modules").symlink_to(REPO / "node_modules")
        print(f"# before: {ref}", flush=True)
        subprocess.run([sys.executable, str(root / "benchmarks" / "bench_maps.py"), *argv], check=True, cwd=root)
        print(f"\n# now: {REPO}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
