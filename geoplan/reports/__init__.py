"""Renderers of the gap report: xlsx 台账, one self-contained html page, md/json/csv — formatting only."""

from geoplan.reports.build import FORMATS, Report, build_report, write_report

__all__ = ["FORMATS", "Report", "build_report", "write_report"]
