"""Benchmark CLI start-up: whole processes, hyperfine-style (warm-up, then repeated runs), side by side.

Each command runs as ``python -m geoplan …`` on a private copy of the demo township (12 villages) and on the
synthetic 300-village county (footprints), beside ``python -c pass`` (the interpreter alone), ``python -c
"import typer"`` (the CLI framework alone: the floor of any typer command) and ``python -c "import geopandas"``
(what every command paid when everything was imported up front), all measured in the same run.  The data has
been read once by an analysis before (the store's columnar copies exist), as after any report, map or server
start.  Wall time is what a user waits; CPU time (user + sys of the process) is printed beside it because on a
shared, loaded machine wall time mostly measures the wait for a core.

    .venv/bin/python benchmarks/bench_cli.py [--runs 10] [--scales 12 300]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "data" / "geojson"


def measure(argv: list[str], runs: int, env: dict[str, str], cwd: Path) -> tuple[float, float, float, float]:
    """(mean, standard deviation, min) wall time and mean CPU time (user + sys) in seconds after one warm-up run;
    a failing command stops."""
    times, cpu = [], []
    for i in range(runs + 1):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        done = subprocess.run(argv, env=env, cwd=cwd, capture_output=True)
        elapsed = time.perf_counter() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr.decode()[-400:]}")
        if i:  # the first run warms the page cache and .pyc files
            times.append(elapsed)
            cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    sd = statistics.stdev(times) if len(times) > 1 else 0.0
    return statistics.mean(times), sd, min(times), statistics.mean(cpu)


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
        rows: list[tuple[str, str, tuple[float, float, float, float]]] = []
        baseline = measure([py, "-c", "pass"], args.runs, env, base)
        rows.append(("-", "python -c pass (baseline)", baseline))
        for code in ("import typer", "import geopandas", "import geoplan.cli.main"):
            rows.append(("-", f'python -c "{code}"', measure([py, "-c", code], args.runs, env, base)))
        for scale in args.scales:
            data = base / f"data{scale}"
            if scale == 12:
                shutil.copytree(DEMO, data, ignore=shutil.ignore_patterns(".geoplan"))
            else:
                county(data, scale)
            # as after any analysis: the store's columnar copies of this version exist
            subprocess.run(
                [py, "-c", f"from geoplan.layers import LayerStore; LayerStore({str(data)!r}).frames()"],
                env=env, check=True,
            )  # fmt: skip
            for command in (["--help"], ["layers"], ["changes"]):
                argv = [py, "-m", "geoplan", *command]
                if command != ["--help"]:
                    argv += ["--data-dir", str(data)]
                rows.append((str(scale), "geoplan " + " ".join(command), measure(argv, args.runs, env, base)))
    typer_floor = rows[1][2]
    print(f"CLI start-up, {args.runs} runs each after one warm-up (whole processes; load average {_load()})")
    print(f"{'villages':>8}  {'command':<36} {'wall s':>7} {'± sd':>6} {'min s':>6} {'× pass':>7} {'× typer':>8} "
          f"{'CPU s':>6} {'× typer':>8}")  # fmt: skip
    for scale, name, (mean, sd, low, cpu) in rows:
        print(f"{scale:>8}  {name:<36} {mean:7.3f} {sd:6.3f} {low:6.3f} {mean / baseline[0]:6.1f}× "
              f"{mean / typer_floor[0]:7.2f}× {cpu:6.3f} {cpu / typer_floor[3]:7.2f}×")  # fmt: skip


def _load() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


if __name__ == "__main__":
    main()
