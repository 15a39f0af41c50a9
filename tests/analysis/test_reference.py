"""The optimised analysis gives the answers the first implementation gave (recorded runs, see reference.py).

Two inputs: the demo township (settlements only, every project layer, years) and a synthetic 8-village county
from the benchmark's generator (residential buildings in half the villages, planned roads and mains) — the path
the benchmark times.  Floats agree to 1e-9 relative (sums may add in another order), everything else exactly.
"""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import pytest

from tests.analysis.reference import digest, load, run

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).resolve().parents[2]


def _generator():
    spec = importlib.util.spec_from_file_location("bench_analysis", ROOT / "benchmarks" / "bench_analysis.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.generate


def _same(a, b) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        if a is None or b is None:
            return a is None and b is None
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9) or a == b
    return a == b


def _check(recorded: dict, now: dict) -> None:
    assert set(now) == set(recorded["tables"])
    for key, rows in recorded["tables"].items():
        table = key.rsplit("/", 1)[1]
        columns = recorded["columns"][table]
        assert len(now[key]) == len(rows), key
        for i, (want, got) in enumerate(zip(rows, now[key], strict=True)):
            bad = [c for c, x, y in zip(columns, want, got, strict=True) if not _same(x, y)]
            assert not bad, (key, i, dict(zip(columns, want, strict=True)), dict(zip(columns, got, strict=True)))


def test_demo_township_matches_the_recorded_run():
    recorded = load(DATA / "reference_demo.json.gz")
    data = ROOT / "data" / "geojson"
    if digest(data) != recorded["digest"]:
        pytest.fail("data/geojson changed since the reference was recorded; re-record (tests/analysis/reference.py)")
    _check(recorded, run(data, tuple(recorded["years"])))


def test_synthetic_county_matches_the_recorded_run(tmp_path):
    recorded = load(DATA / "reference_synthetic8.json.gz")
    _generator()(8, tmp_path)
    assert digest(tmp_path) == recorded["digest"], "the benchmark's generator changed; re-record the reference"
    now = run(tmp_path, tuple(recorded["years"]))
    _check(recorded, now)
    # the buildings path is really exercised: units are buildings, some covered via planned features
    coverage = now["None/plan/coverage"]
    assert any(str(row[2]).startswith("building-") for row in coverage)
