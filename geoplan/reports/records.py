"""Machine formats for scripts and diffs: one JSON document, or CSV files (UTF-8 with BOM so Excel reads 中文)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd

from geoplan.reports.build import Report
from geoplan.reports.narrative import headlines, method_notes
from geoplan.reports.works import works_frame


def _records(frame: pd.DataFrame) -> list[dict]:
    out = []
    for rec in frame.to_dict(orient="records"):
        out.append({k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in rec.items()})
    return out


def report_document(report: Report) -> dict:
    """The report as plain data (stable keys, English field names, values as computed)."""
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
        "villages": _records(r.villages.astype({"rank": "float"})),
        "indicators": _records(r.indicators),
        "plan_delta": {"villages": _records(report.delta.villages), "projects": _records(report.delta.projects)},
        "standards": [i.model_dump(mode="json") for i in report.standards.indicators],
        "works": _records(works_frame(report)) if report.standards.works else [],
    }


def write_json(report: Report, path: Path) -> Path:
    path.write_text(json.dumps(report_document(report), ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    return path


def write_csv(report: Report, out_dir: Path, stem: str) -> list[Path]:
    """indicators, villages, projects and uncovered units, one CSV each."""
    r = report.result
    uncovered = pd.DataFrame(r.uncovered.drop(columns="geometry"))
    uncovered["lon"], uncovered["lat"] = r.uncovered.geometry.x, r.uncovered.geometry.y
    files = {
        "indicators": r.indicators,
        "villages": r.villages,
        "projects": report.delta.projects,
        "uncovered": uncovered,
    }
    paths = []
    for name, frame in files.items():
        path = out_dir / f"{stem}_{name}.csv"
        frame.to_csv(path, index=False, encoding="utf-8-sig", float_format="%.6g")
        paths.append(path)
    return paths
