"""Benchmark: ``geoplan plan --budget`` and network distances at county scale, beside the gap analysis itself.

On the synthetic ``county`` of ``synthetic.py`` (300 and 3,000 villages; 14 roads, 2 mains, 2 sewers and 6
settlements per village, 125 footprints in 4 villages of 5 — see there), each in a fresh spawned process reading
the same store (its columnar copies made beforehand), with the same modules imported before the clock starts:

* baseline: what a report does — frames, analyse(baseline), analyse(plan) (straight-line distances);
* network: the same analysis with every indicator that can measured along the roads (``with_distance("network")``);
* plan: ``plan(frames, standards, budget)`` — candidates from the plan scenario's gaps, the exact MILP (HiGHS;
  greedy if it cannot finish in 20 s), the chosen projects applied and the plan scenario analysed again;
* greedy: the same with ``method="greedy"``.

"of bound" is the chosen set's weighted households over the best any set could reach (the LP relaxation, or HiGHS's
dual bound): 1.0000 when the MILP proves its optimum.

The budget scales with the county (``--budget-per-village``, default 40 万元, i.e. 500 万元 for ~12 villages).
Ratios are against the baseline measured in the same run.  Run it alone: ``flock /work/bench.lock python ...``.

Usage: .venv/bin/python benchmarks/bench_plan.py [--scales 300 3000] [--budget-per-village 40]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_analysis import _peak_rss_mib  # noqa: E402
from synthetic import cached, copy_county  # noqa: E402


def run_baseline(data: Path, budget: float) -> dict:
    from geoplan.analysis import analyse, load_standards, prepare
    from geoplan.layers import LayerStore

    prepared = prepare(LayerStore(data).frames())
    s = load_standards()
    analyse(prepared, s, "baseline"), analyse(prepared, s, "plan")
    return {}


def run_network(data: Path, budget: float) -> dict:
    from geoplan.analysis import analyse, load_standards, prepare
    from geoplan.layers import LayerStore

    prepared = prepare(LayerStore(data).frames())
    s = load_standards().with_distance("network")
    analyse(prepared, s, "baseline"), analyse(prepared, s, "plan")
    return {}


def _plan(data: Path, budget: float, method: str) -> dict:
    from geoplan.analysis import load_standards
    from geoplan.analysis.plan import plan
    from geoplan.layers import LayerStore

    p = plan(LayerStore(data).frames(), load_standards(), budget, method=method)  # type: ignore[arg-type]
    return {
        "candidates": len(p.candidates),
        "pairs": len(p.candidates.pairs),
        "chosen": len(p.chosen),
        "cost": p.choice.cost,
        "value": p.choice.value,
        "bound": p.choice.bound,
        "method": p.choice.method,
    }


def run_plan(data: Path, budget: float) -> dict:
    return _plan(data, budget, "auto")


def run_greedy(data: Path, budget: float) -> dict:
    return _plan(data, budget, "greedy")


def _child(fn_name: str, data: str, budget: float, q: mp.Queue) -> None:
    import geopandas  # noqa: F401
    import pyarrow.parquet  # noqa: F401
    import scipy.optimize  # noqa: F401
    import scipy.sparse.csgraph  # noqa: F401

    import geoplan.analysis  # noqa: F401
    import geoplan.analysis.plan  # noqa: F401
    import geoplan.layers  # noqa: F401

    t0 = time.perf_counter()
    info = globals()[fn_name](Path(data), budget)
    q.put((time.perf_counter() - t0, _peak_rss_mib(), info))


def measure(fn_name: str, data: Path, budget: float) -> tuple[float, float, dict]:
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    p = ctx.Process(target=_child, args=(fn_name, str(data), budget, q))
    p.start()
    result = q.get()
    p.join()
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=int, nargs="+", default=[300, 3000])
    parser.add_argument("--budget-per-village", type=float, default=40.0)
    args = parser.parse_args(argv)
    print(f"{'villages':>8} {'budget':>8} {'baseline s':>10} {'network s':>9} {'ratio':>6} {'plan s':>8} {'ratio':>6} "
          f"{'MiB':>6} {'cands':>6} {'pairs':>8} {'chosen':>6} {'cost':>9} {'method':>7} {'of bound':>8} "
          f"{'greedy s':>8} {'greedy of bound':>15}")  # fmt: skip
    for n in args.scales:
        budget = args.budget_per_village * n
        with tempfile.TemporaryDirectory() as tmp:
            data = copy_county(cached(n, "county"), Path(tmp))
            measure("run_baseline", data, budget)  # makes the store's columnar copies: every run below reads them
            b_wall, _, _ = measure("run_baseline", data, budget)
            n_wall, _, _ = measure("run_network", data, budget)
            p_wall, p_mem, info = measure("run_plan", data, budget)
            g_wall, _, ginfo = measure("run_greedy", data, budget)
            print(f"{n:>8} {budget:>8.0f} {b_wall:>10.2f} {n_wall:>9.2f} {n_wall / b_wall:>6.2f} {p_wall:>8.2f} "
                  f"{p_wall / b_wall:>6.2f} {p_mem:>6.0f} {info['candidates']:>6} {info['pairs']:>8} "
                  f"{info['chosen']:>6} {info['cost']:>9.1f} {info['method']:>7} "
                  f"{info['value'] / max(info['bound'], 1e-9):>8.4f} {g_wall:>8.2f} "
                  f"{ginfo['value'] / max(ginfo['bound'], 1e-9):>15.4f}")  # fmt: skip
            sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
