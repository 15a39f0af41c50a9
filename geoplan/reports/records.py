"""Machine formats for scripts and diffs: one JSON document, or CSV files (UTF-8 with BOM so Excel reads 中文)."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

import orjson
import pandas as pd

from geoplan.reports.build import Report
from geoplan.reports.narrative import headlines, method_notes
from geoplan.reports.works import works_frame

#: Rows turned into Python dicts at a time when the JSON report is written (bounds the writer's memory).
CHUNK_ROWS = 2_000
#: Uncovered units copied (with lon/lat) at a time when the CSV is written.
CSV_CHUNK_ROWS = 100_000


def _records(frame: pd.DataFrame) -> list[dict]:
    out = []
    for rec in frame.to_dict(orient="records"):
        out.append({k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in rec.items()})
    return out


def report_document(report: Report, table: Callable[[pd.DataFrame], Any] = _records) -> dict:
    """The report as plain data (stable keys, English field names, values as computed).

    ``table`` turns each table (villages, indicators, plan delta, works) into its value: a list of records by
    default; :func:`write_json` passes a marker so those rows are streamed instead of held as dicts.
    """
    r = report.result
    return {
        "title": report.title,
        "scenario": r.scenario,
        "crs": r.crs,
        "distance": {
            i.key: (
                (f"network ({i.mode}, slope-weighted flat equivalent by Tobler)" if i.dem else f"network ({i.mode})")
                if i.distance == "network"
                else "straight line in the local projected CRS"
            )
            for i in report.standards.indicators
            if i.test == "distance"
        },
        "headlines": headlines(report),
        "method_notes": method_notes(report),
        "method": dict(r.method),
        "villages": table(r.villages.astype({"rank": "float"})),
        "indicators": table(r.indicators),
        "plan_delta": {"villages": table(report.delta.villages), "projects": table(report.delta.projects)},
        "standards": [i.model_dump(mode="json") for i in report.standards.indicators],
        "works": table(works_frame(report)) if report.standards.works else [],
    }


class _Rows:
    """A table to be written row by row (see :func:`write_json`)."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame


def _dumps(value: Any) -> bytes:
    # NaN and ±inf come out as null (orjson's rule, as _records does); anything else unknown as its text
    return orjson.dumps(value, default=str, option=orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS)


def _write(out: BinaryIO, value: Any, indent: int) -> None:
    """``value`` as JSON: one key per line for the document's frame, one line per table row.

    At 3,000 villages the tables hold ~130,000 rows: as dicts and one indented string they took ~400 MB on top of
    the analysis; a few thousand rows at a time, encoded by orjson, take a few MB, and a row per line diffs well.
    """
    pad, inner = b"\n" + b" " * indent, b"\n" + b" " * (indent + 1)
    if isinstance(value, _Rows):
        frame = value.frame
        if frame.empty:
            out.write(b"[]")
            return
        out.write(b"[")
        for start in range(0, len(frame), CHUNK_ROWS):
            rows = frame.iloc[start : start + CHUNK_ROWS].to_dict(orient="records")
            out.write((b"," if start else b"") + inner + (b"," + inner).join(_dumps(row) for row in rows))
        out.write(pad + b"]")
    elif isinstance(value, dict) and any(isinstance(v, (_Rows, dict)) for v in value.values()):
        out.write(b"{")
        for n, (key, item) in enumerate(value.items()):
            out.write((b"," if n else b"") + inner + _dumps(str(key)) + b": ")
            _write(out, item, indent + 1)
        out.write(pad + b"}")
    else:
        out.write(_dumps(value))


def write_json(report: Report, path: Path) -> Path:
    with path.open("wb") as out:
        _write(out, report_document(report, _Rows), 0)
        out.write(b"\n")
    return path


def write_csv(report: Report, out_dir: Path, stem: str) -> list[Path]:
    """indicators, villages, projects and uncovered units, one CSV each."""
    r = report.result
    files = {"indicators": r.indicators, "villages": r.villages, "projects": report.delta.projects}
    paths = []
    for name, frame in files.items():
        path = out_dir / f"{stem}_{name}.csv"
        frame.to_csv(path, index=False, encoding="utf-8-sig", float_format="%.6g")
        paths.append(path)
    # uncovered units (1.5 million rows at 3,000 villages) in slices: a whole copy with lon/lat took ~110 MB
    path = out_dir / f"{stem}_uncovered.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        for start in range(0, max(len(r.uncovered), 1), CSV_CHUNK_ROWS):
            part = r.uncovered.iloc[start : start + CSV_CHUNK_ROWS]
            rows = pd.DataFrame(part.drop(columns="geometry"))
            rows["lon"], rows["lat"] = part.geometry.x, part.geometry.y
            rows.to_csv(out, index=False, header=start == 0, float_format="%.6g")
    paths.append(path)
    return paths
