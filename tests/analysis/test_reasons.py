"""Not-assessed reasons are worded per language, Chinese by default, and always name the data to fix."""

from __future__ import annotations

import re
import string

import pytest

from geoplan.analysis import REASON_TEXTS, Reason, analyse, load_standards, reason_text
from tests.analysis.conftest import CODES

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def standards():
    return load_standards()


def _reasons(result, indicator: str, village: str) -> str:
    t = result.indicators
    return t[(t["indicator"] == indicator) & (t["village_code"] == village)]["reason"].iloc[0]


def test_every_reason_has_both_languages_with_the_same_fields():
    for key, texts in REASON_TEXTS.items():
        assert set(texts) == {"zh", "en"}, key
        # a field may come in the text's own language (layers_zh / layers_en): compare without the suffix
        fields = [
            {f.removesuffix("_zh").removesuffix("_en") for _, f, _, _ in string.Formatter().parse(t) if f}
            for t in texts.values()
        ]
        assert fields[0] == fields[1] or {"what"} <= fields[0], key
        assert CJK.search(texts["zh"]) and not CJK.search(texts["en"]), key


def test_reasons_are_chinese_by_default_and_english_on_request(grid_frames, standards):
    zh = analyse(grid_frames, standards)
    en = analyse(grid_frames, standards, lang="en")
    # elderly care: no such facility in the data at all; C has no has_5g value
    assert _reasons(zh, "elderly_care", CODES["A"]) == "数据中没有养老服务站要素 (facilities: elderly_care)"
    assert _reasons(en, "elderly_care", CODES["A"]).startswith("no ")
    assert "facilities: elderly_care" in _reasons(en, "elderly_care", CODES["A"])
    assert _reasons(zh, "village_5g", CODES["C"]) == "本村属性has_5g未填写"
    assert _reasons(en, "village_5g", CODES["C"]) == "villages.has_5g not recorded"
    t_zh, t_en = zh.indicators, en.indicators
    assert not t_en["reason"].str.contains(CJK).any()
    assert ((t_zh["reason"] != "") == (t_en["reason"] != "")).all()
    # only the wording differs
    assert t_zh.drop(columns="reason").equals(t_en.drop(columns="reason"))


def test_reason_text_fills_parameters():
    why = Reason("no_large_settlement", {"min_households": 30})
    assert reason_text(why) == "本村无30户以上自然村"
    assert why.text("en") == "no settlement of at least 30 households in the village"
