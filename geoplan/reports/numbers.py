"""Numbers as a Chinese report writes them (1,234户, 56.7%, 12.3万元, 4.5km) — and an English one does
(1,234 households, 56.7%, CNY 123,000, 4.5km): English has words for 户 and 万元, so it uses them."""

from __future__ import annotations

import math


def _missing(x: float | None) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def pct(x: float | None, digits: int = 1) -> str:
    """A share 0–1 as a percentage; '—' when not assessed."""
    return "—" if _missing(x) else f"{x * 100:.{digits}f}%"


#: English words for the Chinese measure words a report puts after a number.
UNIT_WORDS = {"户": "households", "人": "people", "座": "sites", "村": "villages"}


def unit_label(unit: str, lang: str = "zh") -> str:
    """A unit as a header shows it: 户 in Chinese, "households" in English (km, m, % as they are)."""
    return UNIT_WORDS.get(unit, unit) if lang == "en" else unit


def count(x: float | None, unit: str = "", lang: str = "zh") -> str:
    """Whole units with thousands separators (户, 人, 座, 村); km keeps one decimal."""
    if _missing(x):
        return "—"
    if unit == "km":
        return f"{x:,.1f}km"
    if lang == "en" and unit in UNIT_WORDS:
        return f"{round(x):,} {UNIT_WORDS[unit]}"
    return f"{round(x):,}{unit}"


def wan(x: float | None, lang: str = "zh") -> str:
    """An amount given in 万元 (10,000 yuan): 12.3万元, or CNY 123,000 in English."""
    if _missing(x):
        return "—"
    return f"CNY {x * 10_000:,.0f}" if lang == "en" else f"{x:,.1f}万元"


def value(x: float | None, unit: str, lang: str = "zh") -> str:
    """An indicator value: a share as %, a count with its unit."""
    return pct(x) if unit == "%" else count(x, unit, lang)
