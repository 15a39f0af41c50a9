"""Benchmark CLI start-up: whole processes, hyperfine-style (warm-up, then repeated runs), side by side.

Each command runs as ``python -m geoplan …`` on a private copy of the demo township (12 villages) and on the
synthetic 300-village county (footprints), beside ``python -c pass`` (the interpreter alone) and
``python -c "import geopandas"`` (what every command paid when everything was imported up front), all measured
in the same run.

    .venv/bin/python benchmarks/bench_cli.py [--runs 10] [--scales 12 300]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "data" / "geojson"


def measure(argv: list[str], runs: int, env: dict[str, str], cwd: Path) -> tuple[float, float, float]:
    """(mean, standard deviation, min) wall time in seconds after one warm-up run; a failing command stops."""
    times = []
    for i in range(runs + 1):
        t0 = time.perf_counter()
        done = subprocess.run(argv, env=env, cwd=cwd, capture_output=True)
        elapsed = time.perf_counter() - t0
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr.decode()[-400:]}")
        if i:  # the first run warms the page cache and .pyc files
            times.append(elapsed)
    return statistics.mean(times), statistics.stdev(times) if len(times) > 1 else 0.0, min(times)


def county(target: Path, villages: int) -> Path:
    """A writable copy of the benchmarks' synthetic county of ``villages`` villages (``benchmarks/synthetic.py``)."""
    sys.path.insert(0, str(REPO / "benchmarks"))
    from synthetic import cached, copy_county  # type: ignore[import-not-found]

    return copy_county(cached(villages), target)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--scales", type=int, nargs="+", default=[12, 300])
    args = parser.parse_args()
    py = sys.executable
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""), COLUMNS="200")
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        rows: list[tuple[str, str, tuple[float, float, float]]] = []
        baseline = measure([py, "-c", "pass"], args.runs, env, base)
        rows.append(("-", "python -c pass (baseline)", baseline))
        for label, code in (('python -c "import geopandas"', "import geopandas"), ("import geoplan.cli.main", None)):
            rows.append(("-", label, measure([py, "-c", code or "import geoplan.cli.main"], args.runs, env, base)))
        for scale in args.scales:
            data = base / f"data{scale}"
            if scale == 12:
                shutil.copytree(DEMO, data, ignore=shutil.ignore_patterns(".geoplan"))
            else:
                county(data, scale)
            for command in (["--help"], ["layers"], ["changes"]):
                argv = [py, "-m", "geoplan", *command]
                if command != ["--help"]:
                    argv += ["--data-dir", str(data)]
                rows.append((str(scale), "geoplan " + " ".join(command), measure(argv, args.runs, env, base)))
    print(f"CLI start-up, {args.runs} runs each after one warm-up (wall time, whole process)")
    print(f"{'villages':>8}  {'command':<32} {'mean s':>8} {'± sd':>7} {'min s':>7} {'× baseline':>11}")
    for scale, name, (mean, sd, low) in rows:
        print(f"{scale:>8}  {name:<32} {mean:8.3f} {sd:7.3f} {low:7.3f} {mean / baseline[0]:10.1f}×")


if __name__ == "__main__":
    main()
