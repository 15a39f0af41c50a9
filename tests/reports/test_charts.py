"""The per-village radar (indicators.md §6): theme scores per village, drawn for the worst villages first."""

from __future__ import annotations

import base64
import io
import math

import pytest
from PIL import Image

from geoplan.analysis import load_standards
from geoplan.reports import build_report
from geoplan.reports.charts import radar_villages, theme_scores, village_radar
from geoplan.reports.html import render_html
from tests.analysis.conftest import CODES

A, B, C = CODES["A"], CODES["B"], CODES["C"]


@pytest.fixture
def report(grid_frames):
    return build_report(grid_frames, load_standards(), "baseline")


def test_theme_scores_are_the_mean_of_assessed_indicator_scores(report):
    base = theme_scores(report, A, "baseline")
    assert list(base) == report.themes()
    # housing has one indicator: A repaired 2 of its 3 C/D houses → 2/3 of the target 1 → 66.7
    assert base["housing"] == pytest.approx(200 / 3)
    # water: tap water 0.8 of 0.96 (83.3), convenient water for 40 of 50 户 (80), one unsafe reservoir (100 / 2)
    assert base["water"] == pytest.approx((0.8 / 0.96 * 100 + 80 + 50) / 3)
    # tourism: A has no scenic spot, so nothing is assessed there
    assert math.isnan(base["tourism"])
    # the plan completes A's third house
    assert theme_scores(report, A, "plan")["housing"] == pytest.approx(100.0)


def test_radar_is_a_png_and_the_worst_villages_come_first(report):
    png = base64.b64decode(village_radar(report, C))
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.width > 100 and image.height > 100
    order = radar_villages(report)
    composite = report.result.villages.set_index("village_code")["composite"]
    assert order[0] == composite.idxmin() and sorted(order) == sorted([A, B, C])
    assert radar_villages(report, limit=2) == order[:2]


def test_html_report_has_one_radar_per_drawn_village(report):
    html = render_html(report)
    section = html.split('<section id="radar">', 1)[1].split("</section>", 1)[0]
    assert section.count('alt="radar"') == 3
