"""Import-time warnings: rows that import fine but that the analysis will not be able to use.

A building without ``use`` or ``households`` is a valid feature, yet the analysis counts it as a home only in a
layer declared a residential survey; a village without ``households`` is valid, yet every household-weighted
indicator is 未评估 there unless its settlements or buildings say how many households live in it.  Importing such
rows silently and dropping them later is what made planners distrust the report, so the import says so, naming
what is missing and how to fix it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from geoplan.layers import LayerStore
from geoplan.layers.survey import Survey


@dataclass(frozen=True)
class ImportWarning:
    """One kind of unusable row: a code, how many rows, and the sentence in Chinese and English."""

    code: str
    count: int
    zh: str
    en: str

    def text(self, lang: str = "zh") -> str:
        return self.en if lang == "en" else self.zh

    def to_json(self, lang: str = "zh") -> dict[str, Any]:
        return {"code": self.code, "count": self.count, "message": self.text(lang)}


def _number(value: Any) -> float | None:
    """A positive household figure, or None (absent, blank, zero or not a number)."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        n = float(value)
    except (TypeError, ValueError):
        return None
    return n if n > 0 else None


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _settled_villages(store: LayerStore) -> set[str]:
    """Village codes whose settlements already carry households (those villages need no figure of their own)."""
    out: set[str] = set()
    for f in store.features("settlements"):
        props = f.get("properties") or {}
        if _number(props.get("households")) and props.get("village_code"):
            out.add(str(props["village_code"]))
    return out


def analysis_warnings(
    store: LayerStore, layer: str, features: Sequence[dict[str, Any]], survey: Survey
) -> list[ImportWarning]:
    """What the analysis will not use among ``features`` about to be imported into ``layer`` (declared ``survey``)."""
    props = [f.get("properties") or {} for f in features]
    found: list[ImportWarning] = []
    if layer == "buildings" and not survey.residential:
        n = sum(1 for p in props if _blank(p.get("use")) and _number(p.get("households")) is None)
        if n:
            found.append(
                ImportWarning(
                    "buildings_unusable",
                    n,
                    f"{n} 栋建筑缺少用途(use)且无户数(households)，分析时将不计入住户；若本文件为农房调查，"
                    "请声明住宅调查(--residential-survey)，或填写 use/households",
                    f"{n} buildings have no use and no households: the analysis will not count them as homes; if "
                    "this file is a house survey, declare it (--residential-survey) or fill in use/households",
                )
            )
    elif layer == "villages":
        settled = _settled_villages(store)
        missing = [p for p in props if _number(p.get("households")) is None]
        n = sum(1 for p in missing if str(p.get("code")) not in settled)
        if n:
            found.append(
                ImportWarning(
                    "villages_without_households",
                    n,
                    f"{n} 个行政村缺少户数(households)：除非其自然村或农房记有户数，这些村的按户计指标将为未评估",
                    f"{n} villages have no households: unless their settlements or buildings record households, "
                    "every household-weighted indicator will be not assessed (未评估) for them",
                )
            )
    elif layer == "settlements":
        n = sum(1 for p in props if _number(p.get("households")) is None)
        if n:
            found.append(
                ImportWarning(
                    "settlements_without_households",
                    n,
                    f"{n} 个自然村缺少户数(households)，按户计的指标不计入这些自然村",
                    f"{n} settlements have no households: household-weighted indicators will not count them",
                )
            )
    return found
