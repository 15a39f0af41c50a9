"""Benchmark: gap reports (html, xlsx) and the served gap map / report, now vs before, same data, same run.

For the demo township (12 villages) and synthetic counties (default 300 and 3,000 villages, ``synthetic.py``, the
counties the other benchmarks share) it prints, each in a fresh process per implementation:

* report build: seconds to render html and xlsx from a built report, renderer modules already imported, best of
  two (the analysis of both scenarios, the same for every renderer, is printed apart), for
    - ``now``: this checkout (ECharts options in the page, native Excel charts, write-only xlsx);
    - ``before``: the previous implementation (matplotlib PNG charts and maps), taken from git (``--before``,
      default: the commit before the ECharts change) — slow, so only at ``--before-scales`` (default 12 300);
    - ``plain``: pandas ``to_html`` / ``to_excel`` of the same tables, no charts and no colours — what one writes
      first, measured at every scale;
* served: ``/maps/gaps`` and ``/reports/gaps?format=html`` through the app (in-process HTTP client), first
  request (cold: analysis + build), second (warm) and a revalidation with If-None-Match, now vs before.

Usage: .venv/bin/python benchmarks/bench_reports.py [--scales 12 300 3000] [--before-scales 12 300] [--no-served]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_BEFORE = "5c81178~1"  # the last commit with matplotlib charts

#: Runs inside a child process with PYTHONPATH set to one implementation's source tree.
CHILD = r"""
import json, sys, tempfile, time
from pathlib import Path
mode, data, fmts, REPEAT = sys.argv[1], Path(sys.argv[2]), sys.argv[3].split(","), int(sys.argv[4])
out = {}
if mode in ("build", "plain"):
    from geoplan.analysis import load_standards
    from geoplan.layers import LayerStore
    from geoplan.reports import build_report, write_report
    t = time.perf_counter()
    frames = LayerStore(data).frames()
    out["read"] = time.perf_counter() - t
    t = time.perf_counter()
    report = build_report(frames, load_standards(), "plan", "zh")
    out["analysis"] = time.perf_counter() - t
    import geoplan.reports.html, geoplan.reports.xlsx  # imports are start-up, not rendering
    import pandas as pd
    from geoplan.reports.tables import summary_table, theme_table
    for fmt in fmts * REPEAT:  # best of REPEAT: the machine is shared
        with tempfile.TemporaryDirectory() as tmp:
            t = time.perf_counter()
            if mode == "build":
                paths = write_report(report, fmt, Path(tmp))
            else:
                tables = [summary_table(report)] + [theme_table(report, th)[0] for th in report.themes()]
                paths = [Path(tmp) / f"plain.{fmt}"]
                if fmt == "html":
                    paths[0].write_text("".join(t.to_html(index=False) for t in tables), encoding="utf-8")
                else:
                    with pd.ExcelWriter(paths[0], engine="openpyxl") as xw:
                        for n, table in enumerate(tables):
                            table.to_excel(xw, sheet_name=f"s{n}", index=False)
            out[fmt] = min(out.get(fmt, 1e9), time.perf_counter() - t)
            out[fmt + "_bytes"] = sum(p.stat().st_size for p in paths)
else:
    from fastapi.testclient import TestClient
    from geoplan.api import create_app
    from geoplan.config import Settings
    client = TestClient(create_app(Settings(data_dir=data)))
    for name, path in (("gaps", "/maps/gaps?basemap=none"), ("report", "/reports/gaps?format=html")):
        times, etag, status = [], None, None
        for headers in ({}, {}, "etag"):
            if headers == "etag":
                headers = {"If-None-Match": etag or '"none"'}
            t = time.perf_counter()
            r = client.get(path, headers=headers)
            times.append(time.perf_counter() - t)
            etag, status = r.headers.get("etag"), r.status_code
        out[name] = times
        out[name + "_revalidated"] = status
import geoplan
out["source"] = geoplan.__file__
print("RESULT " + json.dumps(out))
"""


def source_tree(ref: str, into: Path) -> Path:
    """The ``geoplan`` package as of ``ref`` (``git archive``), so the old code runs beside the new."""
    blob = subprocess.run(["git", "-C", str(REPO), "archive", ref, "geoplan"], check=True, capture_output=True).stdout
    with tarfile.open(fileobj=BytesIO(blob)) as tar:
        tar.extractall(into, filter="data")
    return into


def run(root: Path, mode: str, data: Path, fmts: str = "html,xlsx", repeat: int = 2) -> dict:
    env = {"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin", "GEOPLAN_ASSETS_DIR": str(REPO / "node_modules")}
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, mode, str(data), fmts, str(repeat)],
        env=env,
        cwd=root,  # `python -c` puts the working directory first on sys.path: it must be the implementation's
        capture_output=True,
        text=True,
    )
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")), None)
    if proc.returncode != 0 or line is None:
        raise RuntimeError(f"{mode} in {root} failed:\n{proc.stderr[-3000:]}")
    result = json.loads(line.removeprefix("RESULT "))
    assert Path(result["source"]).is_relative_to(root), f"ran {result['source']}, not the code in {root}"
    return result


def county(n: int, tmp: Path) -> Path:
    """The demo township for 12, else a writable copy of the shared synthetic county (``synthetic.py``)."""
    if n == 12:
        return REPO / "data" / "geojson"
    sys.path.insert(0, str(REPO / "benchmarks"))
    from synthetic import cached, copy_county  # type: ignore[import-not-found]

    return copy_county(cached(n), tmp / f"county{n}")


def ratio(a: float | None, b: float | None) -> str:
    return "—" if not a or not b else f"{a / b:.3g}×"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=int, nargs="+", default=[12, 300, 3000], help="villages (12 = the demo)")
    parser.add_argument("--before", default=DEFAULT_BEFORE, help="git ref of the previous implementation")
    parser.add_argument("--before-scales", type=int, nargs="+", default=[12, 300])
    parser.add_argument("--no-served", action="store_true", help="skip the served map/report timings")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-reports-") as tmp_name:
        tmp = Path(tmp_name)
        before = source_tree(args.before, tmp / "before")
        print(f"before = {args.before}; times in seconds, each implementation in its own process\n")
        print("villages | analysis | html now | html before | html plain | now/before | now/plain "
              "| xlsx now | xlsx before | xlsx plain | now/before | now/plain | html MB now/before")  # fmt: skip
        served_rows = []
        for n in args.scales:
            data = county(n, tmp)
            now = run(REPO, "build", data)
            plain = run(REPO, "plain", data)
            old = run(before, "build", data, repeat=1) if n in args.before_scales else {}  # minutes per run
            h, x = (now["html"], old.get("html"), plain["html"]), (now["xlsx"], old.get("xlsx"), plain["xlsx"])
            size = (
                f"{now['html_bytes'] / 1e6:.1f}/{old['html_bytes'] / 1e6:.1f}"
                if old
                else f"{now['html_bytes'] / 1e6:.1f}/—"
            )
            fmt = lambda v: "—" if v is None else f"{v:.2f}"  # noqa: E731
            print(f"{n:>8} | {now['analysis']:8.2f} | {fmt(h[0])} | {fmt(h[1])} | {fmt(h[2])} | "
                  f"{ratio(h[0], h[1])} | {ratio(h[0], h[2])} | {fmt(x[0])} | {fmt(x[1])} | {fmt(x[2])} | "
                  f"{ratio(x[0], x[1])} | {ratio(x[0], x[2])} | {size}", flush=True)  # fmt: skip
            if not args.no_served and n in args.before_scales + [300]:
                served_rows.append((n, run(REPO, "serve", data), run(before, "serve", data)))
        if served_rows:
            print("\nserved (in-process client): first (cold) / second (warm) / with If-None-Match → status")
            print("villages | page | now cold | now warm | now revalidate | before 1st | before 2nd | warm now/before")
            for n, now_s, old_s in served_rows:
                for page in ("gaps", "report"):
                    c, w, r = now_s[page]
                    b1, b2, _ = old_s[page]
                    print(f"{n:>8} | {page:6} | {c:8.2f} | {w:8.3f} | {r:.3f} → {now_s[page + '_revalidated']} | "
                          f"{b1:10.2f} | {b2:10.2f} | {ratio(w, b2)}", flush=True)  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
