"""Numbers as a Chinese report writes them: 1,234户, 56.7%, 12.3万元, 4.5km."""

from __future__ import annotations

import math


def _missing(x: float | None) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def pct(x: float | None, digits: int = 1) -> str:
    """A share 0–1 as a percentage; '—' when not assessed."""
    return "—" if _missing(x) else f"{x * 100:.{digits}f}%"


def count(x: float | None, unit: str = "") -> str:
    """Whole units with thousands separators (户, 人, 座, 村); km keeps one decimal."""
    if _missing(x):
        return "—"
    if unit == "km":
        return f"{x:,.1f}km"
    return f"{round(x):,}{unit}"


def wan(x: float | None) -> str:
    """An amount in 万元."""
    return "—" if _missing(x) else f"{x:,.1f}万元"


def value(x: float | None, unit: str) -> str:
    """An indicator value: a share as %, a count with its unit."""
    return pct(x) if unit == "%" else count(x, unit)
