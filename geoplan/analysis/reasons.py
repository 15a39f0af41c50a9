"""Why an indicator, or one village's value, is not assessed: a key with its parameters, worded in zh or en.

Outcomes carry a :class:`Reason`; the indicator table carries its text in the language the analysis was asked
for (Chinese by default), the way status keys turn into labels with :func:`~geoplan.analysis.status_label`.
Layer, field and value names stay in the text in both languages, so a planner can find the data to fix.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from geoplan.analysis.standards import Lang, Selector
from geoplan.layers import Catalogue, default_catalogue

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
    """A not-assessed reason: a key of :data:`REASON_TEXTS` and the values its wording needs.

    Labels of layers and enum values are looked up when the text is made, in the catalogue of the data (a
    deployment catalogue's kinds read in Chinese like the shipped ones, never as their codes).
    """

    key: str
    params: dict[str, str | int] = field(default_factory=dict)
    #: The features a ``no_features``/``no_node`` reason is about (worded with the catalogue's labels).
    selector: Selector | None = None
    #: The layers a ``not_surveyed`` reason names.
    layers: tuple[str, ...] = ()

    def text(self, lang: Lang = "zh", catalogue: Catalogue | None = None) -> str:
        return reason_text(self, lang, catalogue)

    @staticmethod
    def about(key: str, sel: Selector) -> Reason:
        """A reason naming the features a selector picks ('养老服务站' / 'elderly-care station')."""
        return Reason(key, {"what_key": selector_key(sel)}, selector=sel)


def not_surveyed(layers: list[str]) -> Reason:
    """The village lies outside the survey of these layers: 本村未调查公共服务设施."""
    return Reason("not_surveyed", {"layers": ", ".join(layers)}, layers=tuple(layers))


def reason_text(reason: Reason, lang: Lang = "zh", catalogue: Catalogue | None = None) -> str:
    """Chinese (default) or English wording of a reason, with labels from ``catalogue`` (default: the shipped one)."""
    params = dict(reason.params)
    if reason.selector is not None:
        params["what_zh"] = describe(reason.selector, "zh", catalogue)
        params["what_en"] = describe(reason.selector, "en", catalogue)
    if reason.layers:
        cat = catalogue or default_catalogue()
        params["layers_zh"] = "、".join(_layer_title(cat, name, "zh") for name in reason.layers)
        params["layers_en"] = ", ".join(_layer_title(cat, name, "en") for name in reason.layers)
    return REASON_TEXTS[reason.key]["en" if lang == "en" else "zh"].format(**params)


def _layer_title(cat: Catalogue, name: str, lang: Lang) -> str:
    return cat.layer(name).title(lang) if name in cat.names else name


def describe(sel: Selector, lang: Lang = "zh", catalogue: Catalogue | None = None) -> str:
    """What a selector picks in words: the enum labels of its values, else the layer's title."""
    cat = catalogue or default_catalogue()
    if sel.layer not in cat.names:
        return selector_key(sel)
    spec = cat.layer(sel.layer)
    labels = []
    for fname, values in sel.where.items():
        enum = spec.field(fname).enum if spec.has_field(fname) else None
        labels += [cat.enum_label(enum, v, lang) if enum else v for v in values]
    return "/".join(labels) if labels else spec.title(lang)


def selector_key(sel: Selector) -> str:
    """'facilities: elderly_care' — the layer and values, as they are spelt in the data."""
    return f"{sel.layer}: {', '.join(v for vs in sel.where.values() for v in vs)}" if sel.where else sel.layer
