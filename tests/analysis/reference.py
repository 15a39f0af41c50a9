"""Recorded analysis runs, to check that a faster implementation still gives the same answers.

A record holds, for one input directory, every per-village indicator, village summary, per-unit coverage and
uncovered distance, and the plan delta, in both scenarios (and as of a year where the data has years), next to a
digest of the input files.  The files in tests/analysis/data/ were recorded by the implementation before the
speed-up (issue #3); ``test_reference.py`` compares today's results with them.  Not-assessed reasons are kept out:
their wording is not part of the contract (only that a row is not assessed).

Re-record (only when the inputs change on purpose)::

    .venv/bin/python -m tests.analysis.reference demo data/geojson tests/analysis/data/reference_demo.json.gz
"""

from __future__ import annotations

import gzip
import hashlib
import math
import sys
from pathlib import Path
from typing import Any

import orjson
import pandas as pd

from geoplan.analysis import analyse, compare, load_standards
from geoplan.layers import LayerStore

#: table → the columns recorded (floats compared to 1e-9 relative, texts and flags exactly)
COLUMNS: dict[str, tuple[str, ...]] = {
    "indicators": ("village_code", "indicator", "value", "status", "score", "gap", "covered", "uncovered"),
    "villages": ("village_code", "households", "population", "composite", "rank", "n_assessed"),
    "coverage": ("indicator", "village_code", "unit_id", "households", "covered", "distance_m", "via_layer", "via_id"),
    "uncovered": ("indicator", "village_code", "unit_id", "households", "distance_m"),
    "delta_villages": ("village_code", "indicator", "baseline", "plan", "delta", "newly_covered_households"),
    "delta_projects": ("layer", "id", "villages", "newly_covered_households", "budget_wan", "cost_per_household_wan"),
}


def digest(data_dir: Path) -> str:
    """sha256 over the layer files' names and bytes."""
    h = hashlib.sha256()
    for path in sorted(Path(data_dir).glob("*.geojson")):
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def _cell(value: Any) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    if hasattr(value, "item"):  # numpy scalar
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _rows(frame: pd.DataFrame, table: str) -> list[list[Any]]:
    cols = COLUMNS[table]
    data = frame[list(cols)].astype(object)
    return [[_cell(v) for v in row] for row in data.itertuples(index=False, name=None)]


def run(data_dir: Path, years: tuple[int | None, ...]) -> dict[str, list[list[Any]]]:
    """Every recorded table for ``data_dir``, keyed '<year>/<scenario>/<table>'."""
    frames = LayerStore(Path(data_dir)).frames()
    standards = load_standards()
    out: dict[str, list[list[Any]]] = {}
    for year in years:
        base, plan = analyse(frames, standards, "baseline", year), analyse(frames, standards, "plan", year)
        for name, result in (("baseline", base), ("plan", plan)):
            for table in ("indicators", "villages", "coverage", "uncovered"):
                out[f"{year}/{name}/{table}"] = _rows(getattr(result, table), table)
        delta = compare(base, plan, frames)
        out[f"{year}/delta/delta_villages"] = _rows(delta.villages, "delta_villages")
        out[f"{year}/delta/delta_projects"] = _rows(delta.projects, "delta_projects")
    return out


def record(data_dir: Path, out: Path, years: tuple[int | None, ...]) -> None:
    doc = {"digest": digest(data_dir), "years": list(years), "columns": COLUMNS, "tables": run(data_dir, years)}
    out.write_bytes(gzip.compress(orjson.dumps(doc), mtime=0))


def load(path: Path) -> dict[str, Any]:
    return orjson.loads(gzip.decompress(path.read_bytes()))


if __name__ == "__main__":
    _, _kind, data, target = sys.argv
    record(Path(data), Path(target), (None, 2025) if _kind == "demo" else (None,))
