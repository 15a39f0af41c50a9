"""Why an indicator, or one village's value, is not assessed: a key with its parameters, worded in zh or en.

Outcomes carry a :class:`Reason`; the indicator table carries its text in the language the analysis was asked
for (Chinese by default), the way status keys turn into labels with :func:`~geoplan.analysis.status_label`.
Layer, field and value names stay in the text in both languages, so a planner can find the data to fix.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from geoplan.analysis.standards import Lang, Selector
from geoplan.layers import default_catalogue

REASON_TEXTS: dict[str, dict[str, str]] = {
    "no_features": {"zh": "数据中没有{what_zh}要素 ({what_key})", "en": "no {what_en} in the data ({what_key})"},
    "no_households": {
        "zh": "本村无自然村/农房户数数据",
        "en": "no settlements or households recorded in the village",
    },
    "no_large_settlement": {
        "zh": "本村无{min_households}户以上自然村",
        "en": "no settlement of at least {min_households} households in the village",
    },
    "no_node": {"zh": "本村无{what_zh} ({what_key})", "en": "no {what_en} in the village ({what_key})"},
    "attribute_empty": {"zh": "行政村属性{attribute}均未填写", "en": "villages.{attribute} is empty in every village"},
    "attribute_missing": {"zh": "本村属性{attribute}未填写", "en": "villages.{attribute} not recorded"},
    "nothing_to_assess": {"zh": "本村无可评估对象", "en": "nothing to assess in the village"},
    "approximate_centre": {
        "zh": "村中心为近似位置（村域内部点；未标注村委会驻地）",
        "en": "village centre approximate (a point inside the village; no centre settlement or committee recorded)",
    },
    "not_surveyed": {"zh": "本村未调查{layers_zh}", "en": "{layers_en} not surveyed in this village"},
}


@dataclass(frozen=True)
class Reason:
    """A not-assessed reason: a key of :data:`REASON_TEXTS` and the values its wording needs."""

    key: str
    params: dict[str, str | int] = field(default_factory=dict)

    def text(self, lang: Lang = "zh") -> str:
        return reason_text(self, lang)

    @staticmethod
    def about(key: str, sel: Selector) -> Reason:
        """A reason naming the features a selector picks ('养老服务站' / 'elderly-care station')."""
        return Reason(
            key, {"what_zh": describe(sel, "zh"), "what_en": describe(sel, "en"), "what_key": selector_key(sel)}
        )


def not_surveyed(layers: list[str]) -> Reason:
    """The village lies outside the survey of these layers: 本村未调查公共服务设施."""
    cat = default_catalogue()
    return Reason(
        "not_surveyed",
        {
            "layers_zh": "、".join(cat.layer(name).title("zh") for name in layers),
            "layers_en": ", ".join(cat.layer(name).title("en") for name in layers),
            "layers": ", ".join(layers),
        },
    )


def reason_text(reason: Reason, lang: Lang = "zh") -> str:
    """Chinese (default) or English wording of a reason."""
    return REASON_TEXTS[reason.key]["en" if lang == "en" else "zh"].format(**reason.params)


def describe(sel: Selector, lang: Lang = "zh") -> str:
    """What a selector picks in words: the enum labels of its values, else the layer's title."""
    cat = default_catalogue()
    spec = cat.layer(sel.layer)
    labels = []
    for fname, values in sel.where.items():
        enum = spec.field(fname).enum
        labels += [cat.enum_label(enum, v, lang) if enum else v for v in values]
    return "/".join(labels) if labels else spec.title(lang)


def selector_key(sel: Selector) -> str:
    """'facilities: elderly_care' — the layer and values, as they are spelt in the data."""
    return f"{sel.layer}: {', '.join(v for vs in sel.where.values() for v in vs)}" if sel.where else sel.layer
