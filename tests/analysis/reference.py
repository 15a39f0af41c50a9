"""Recorded analysis runs, to check that a faster implementation still gives the same answers.

A record holds, for one input directory, every per-village indicator, village summary, per-unit coverage and
uncovered distance, and the plan delta, in both scenarios (and as of a year where the data has years), next to a
digest of the input files.  The files in tests/analysis/data/ were recorded by the implementation before the
speed-up (issue #3); ``test_reference.py`` compares today's results with them.  Not-assessed reasons are kept out:
their wording is not part of the contract (only that a row is not assessed).

Re-record (only when the inputs change on purpose)::

    .venv/bin/python -m tests.analysis.reference demo data/geojson tests/analysis/data/reference_demo.json.gz

Counties too large for a JSON record (3,000 villages: millions of coverage rows) are recorded as one Parquet file
per table in a directory, with the digest beside them, and compared table by table (same tolerance)::

    .venv/bin/python -m tests.analysis.reference record-dir DATA_DIR OUT_DIR    # before a change, from main
    .venv/bin/python -m tests.analysis.reference check-dir DATA_DIR OUT_DIR     # after it: exit 1 on a difference
"""

from __future__ import annotations

import gzip
import hashlib
import math
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pandas as pd

from geoplan.analysis import analyse, compare, load_standards, point_layers
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


def tables(data_dir: Path, years: tuple[int | None, ...]) -> Iterator[tuple[str, pd.DataFrame]]:
    """Every recorded table for ``data_dir`` (its recorded columns), keyed '<year>/<scenario>/<table>'."""
    standards = load_standards()
    frames = LayerStore(Path(data_dir)).frames(anchors=point_layers(standards))  # as a report reads them
    for year in years:
        base, plan = analyse(frames, standards, "baseline", year), analyse(frames, standards, "plan", year)
        for name, result in (("baseline", base), ("plan", plan)):
            for table in ("indicators", "villages", "coverage", "uncovered"):
                yield f"{year}/{name}/{table}", getattr(result, table)[list(COLUMNS[table])]
        delta = compare(base, plan, frames)
        yield f"{year}/delta/delta_villages", delta.villages[list(COLUMNS["delta_villages"])]
        yield f"{year}/delta/delta_projects", delta.projects[list(COLUMNS["delta_projects"])]


def run(data_dir: Path, years: tuple[int | None, ...]) -> dict[str, list[list[Any]]]:
    """Every recorded table for ``data_dir`` as rows, keyed '<year>/<scenario>/<table>'."""
    return {key: _rows(frame, key.rsplit("/", 1)[1]) for key, frame in tables(data_dir, years)}


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Texts as plain objects (categoricals and string dtypes differ by implementation, not by answer)."""
    out = pd.DataFrame(index=pd.RangeIndex(len(frame)))
    for col in frame.columns:
        values = frame[col]
        if isinstance(values.dtype, pd.CategoricalDtype) or not pd.api.types.is_numeric_dtype(values.dtype):
            out[col] = values.astype(object).astype("string").to_numpy()
        else:
            out[col] = values.to_numpy(dtype=float, na_value=np.nan)
    return out


def record_dir(data_dir: Path, out: Path, years: tuple[int | None, ...] = (None,)) -> None:
    """Record every table as Parquet in ``out`` (for inputs too large for a JSON record)."""
    out.mkdir(parents=True, exist_ok=True)
    keys = []
    for key, frame in tables(data_dir, years):
        _plain(frame).to_parquet(out / (key.replace("/", "__") + ".parquet"), index=False)
        keys.append(key)
    (out / "record.json").write_bytes(orjson.dumps({"digest": digest(data_dir), "years": list(years), "keys": keys}))


def check_dir(data_dir: Path, recorded: Path) -> list[str]:
    """Differences between today's tables and a :func:`record_dir` record (empty when identical)."""
    meta = orjson.loads((recorded / "record.json").read_bytes())
    if digest(data_dir) != meta["digest"]:
        return [f"{data_dir} is not the input the record was made from"]
    problems = []
    seen = []
    for key, frame in tables(data_dir, tuple(meta["years"])):
        seen.append(key)
        want = pd.read_parquet(recorded / (key.replace("/", "__") + ".parquet"))
        try:
            pd.testing.assert_frame_equal(_plain(frame), want, check_exact=False, rtol=1e-9, atol=1e-9)
        except AssertionError as exc:
            problems.append(f"{key}: {exc}")
    if seen != meta["keys"]:
        problems.append(f"tables {seen} differ from the recorded {meta['keys']}")
    return problems


def record(data_dir: Path, out: Path, years: tuple[int | None, ...]) -> None:
    doc = {"digest": digest(data_dir), "years": list(years), "columns": COLUMNS, "tables": run(data_dir, years)}
    out.write_bytes(gzip.compress(orjson.dumps(doc), mtime=0))


def load(path: Path) -> dict[str, Any]:
    return orjson.loads(gzip.decompress(path.read_bytes()))


if __name__ == "__main__":
    _, _kind, data, target = sys.argv
    if _kind == "record-dir":
        record_dir(Path(data), Path(target))
    elif _kind == "check-dir":
        found = check_dir(Path(data), Path(target))
        print("\n".join(found) or f"identical to the record in {target}")
        sys.exit(1 if found else 0)
    else:
        record(Path(data), Path(target), (None, 2025) if _kind == "demo" else (None,))
