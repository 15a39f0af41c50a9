"""The report model (both scenarios, the plan delta, labels) and the one entry point that writes any format."""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Literal

import geopandas as gpd
import pandas as pd

from geoplan.analysis import AnalysisResult, PlanDelta, Standards, analyse, compare, prepare, status_label
from geoplan.errors import GeoplanError
from geoplan.layers import Catalogue, default_catalogue

Lang = Literal["zh", "en"]
FORMATS: tuple[str, ...] = ("xlsx", "html", "md", "json", "csv")


@dataclass(frozen=True)
class Report:
    """Everything a renderer needs; ``result`` is the scenario the report is about."""

    baseline: AnalysisResult
    plan: AnalysisResult
    delta: PlanDelta
    scenario: Literal["baseline", "plan"]
    lang: Lang
    frames: Mapping[str, gpd.GeoDataFrame]
    title: str
    #: The catalogue the frames were read with (a deployment's); None = the shipped one.
    catalogue: Catalogue | None = None

    @property
    def layer_catalogue(self) -> Catalogue:
        return self.catalogue or default_catalogue()

    @property
    def result(self) -> AnalysisResult:
        return self.plan if self.scenario == "plan" else self.baseline

    @property
    def standards(self) -> Standards:
        return self.result.standards

    def t(self, zh: str, en: str) -> str:
        return en if self.lang == "en" else zh

    def theme_name(self, theme: str) -> str:
        th = self.layer_catalogue.themes[theme]
        return th.en if self.lang == "en" else th.zh

    def themes(self) -> list[str]:
        """Themes in the standards' order."""
        return list(dict.fromkeys(i.theme for i in self.standards.indicators))

    @cached_property
    def _rows(self) -> dict[tuple[str, str], pd.DataFrame]:
        out: dict[tuple[str, str], pd.DataFrame] = {}
        for r in (self.baseline, self.plan):
            for key, rows in r.indicators.groupby("indicator", sort=False):
                out[(r.scenario, str(key))] = rows.reset_index(drop=True)
        return out

    def rows(self, key: str, scenario: str | None = None, *, ranked: bool = False) -> pd.DataFrame:
        """One indicator's rows (one per village) under ``scenario`` (default: the report's).

        Split once per report: a renderer asks per indicator many times, and filtering the whole table each time
        is what made a county's report slow.  ``ranked``: only the ranked villages' rows — what township figures,
        totals and charts count (a village 未排名 adds nothing to them: its missing data would read as a gap).
        """
        result = self.plan if (scenario or self.scenario) == "plan" else self.baseline
        rows = self._rows.get((result.scenario, key), result.indicators.iloc[:0])
        return rows[rows["village_code"].isin(self._ranked[result.scenario])] if ranked else rows

    @cached_property
    def _ranked(self) -> dict[str, pd.Index]:
        return {r.scenario: pd.Index(r.villages.loc[r.ranked, "village_code"]) for r in (self.baseline, self.plan)}

    @cached_property
    def _theme_means(self) -> dict[str, pd.DataFrame]:
        return {
            r.scenario: r.indicators[r.indicators["village_code"].isin(self._ranked[r.scenario])]
            .groupby(["village_code", "theme"])["score"]
            .mean()
            .unstack("theme")
            for r in (self.baseline, self.plan)
        }

    def theme_means(self, scenario: str | None = None) -> pd.DataFrame:
        """Mean score of the assessed indicators per ranked village (rows) and theme (columns); NaN: nothing
        assessed.  A village 未排名 has no row: it stays grey on the maps, whatever the few indicators known say."""
        return self._theme_means["plan" if (scenario or self.scenario) == "plan" else "baseline"]

    def assessed(self, result: AnalysisResult | None = None) -> pd.DataFrame:
        """Indicator rows of the ranked villages only — what headlines, totals and charts count.

        A village whose assessed indicators carry less than half the weight (未排名) stays in the village
        tables, grey, but adds nothing to a township figure: its missing data would read as a gap.
        """
        r = result or self.result
        ranked = r.villages.loc[r.ranked, "village_code"]
        return r.indicators[r.indicators["village_code"].isin(ranked)]

    def unranked(self, result: AnalysisResult | None = None) -> int:
        """How many villages are not assessed (未排名)."""
        r = result or self.result
        return int((~r.ranked).sum())

    def labelled(self) -> pd.DataFrame:
        """The indicator table with the indicator name and status label in the report language."""
        t = self.result.indicators.copy()
        names = {i.key: i.name(self.lang) for i in self.standards.indicators}
        t["name"] = t["indicator"].map(names)
        t["status_label"] = [status_label(s, self.lang) for s in t["status"]]
        return t


def build_report(
    frames: Mapping[str, gpd.GeoDataFrame],
    standards: Standards,
    scenario: Literal["baseline", "plan"] = "baseline",
    lang: Lang = "zh",
    title: str | None = None,
    catalogue: Catalogue | None = None,
) -> Report:
    """Analyse both scenarios (the plan delta is always part of the report) and bundle them for the renderers."""
    prepared = prepare(frames)  # parsed, projected and indexed once for both scenarios
    baseline = analyse(prepared, standards, "baseline", lang=lang, catalogue=catalogue)
    plan = analyse(prepared, standards, "plan", lang=lang, catalogue=catalogue)
    delta = compare(baseline, plan, frames, catalogue)
    return Report(baseline, plan, delta, scenario, lang, frames, title or default_title(lang), catalogue)


def default_title(lang: Lang) -> str:
    return "乡村基础设施短板分析报告" if lang == "zh" else "Village infrastructure gap report"


def write_report(report: Report, fmt: str, out_dir: Path, assets_dir: Path | None = None) -> list[Path]:
    """Write the report in one format under ``out_dir``; returns the files written.

    ``assets_dir`` is the node_modules folder the html page takes ECharts from (default: found as for maps).

    Files are rendered into a scratch folder beside them and moved into place only when all are complete, so a
    failure half-way (a full disk, a bad value) leaves no half-written report and no stray folder behind.
    """
    if fmt not in FORMATS:
        raise GeoplanError(f"unknown report format {fmt!r} (choose from {', '.join(FORMATS)})")
    created = not out_dir.exists()
    out_dir.mkdir(parents=True, exist_ok=True)
    try:
        with tempfile.TemporaryDirectory(prefix=".report-", dir=out_dir) as scratch:
            files = _render(report, fmt, Path(scratch), assets_dir)
            return [f.replace(out_dir / f.name) for f in files]
    except BaseException:
        if created and not any(out_dir.iterdir()):
            out_dir.rmdir()
        raise


def _render(report: Report, fmt: str, out_dir: Path, assets_dir: Path | None) -> list[Path]:
    stem = f"gap_report_{report.scenario}"
    if fmt == "xlsx":
        from geoplan.reports.xlsx import write_xlsx

        return [write_xlsx(report, out_dir / f"{stem}.xlsx")]
    if fmt == "html":
        from geoplan.reports.html import write_html

        return [write_html(report, out_dir / f"{stem}.html", assets_dir)]
    if fmt == "md":
        from geoplan.reports.markdown import write_markdown

        return [write_markdown(report, out_dir / f"{stem}.md")]
    from geoplan.reports.records import write_csv, write_json

    return [write_json(report, out_dir / f"{stem}.json")] if fmt == "json" else write_csv(report, out_dir, stem)
