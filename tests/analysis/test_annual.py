"""The year's figures on the grid township, worked out by hand (tests/analysis/conftest.py lays it out)."""

from __future__ import annotations

import pytest

from geoplan.analysis import load_standards
from geoplan.analysis.annual import annual_figures


def item(fig, key: str):
    rows = fig.items[fig.items["key"] == key]
    assert len(rows) == 1, key
    return rows.iloc[0]


def test_done_against_the_years_plan_and_indicators_at_year_end(grid_frames) -> None:
    fig = annual_figures(grid_frames, load_standards(), 2025)
    repairs = item(fig, "housing_repairs")  # h1 (1 户) completed in 2025: the year's only repair
    assert (repairs["done"], repairs["target"], repairs["unit"], repairs["theme"]) == (1, 1, "户", "housing")
    rate = item(fig, "housing_repair")  # end of 2025: h1, h2 done (1 户 each); h3 (1), h4 (2) not → 2 of 5
    assert rate["done"] == pytest.approx(2 / 5) and rate["short"] == 3 and rate["short_unit"] == "户"
    sewage = item(fig, "sewage")  # A 40/50, B 20/70, C 0/40 → 60/160; 60 % of 160 = 96 → 36 户 short
    assert sewage["done"] == pytest.approx(60 / 160) and sewage["target"] == 0.6 and sewage["short"] == 36
    later = annual_figures(grid_frames, load_standards(), 2026)
    plan = item(later, "housing_repairs")  # h3 (1 户) and h4 (2 户) planned for 2026
    assert (plan["done"], plan["target"], plan["ongoing"]) == (0, 3, 3)
    assert item(later, "housing_repair")["done"] == pytest.approx(2 / 5)  # nothing more completed by 2026
