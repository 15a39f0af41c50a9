"""The editor of the live map: select, edit, move, delete, draw and undo features through the API.

The form is generated from the catalogue (required fields, enum values with their labels, numbers), so a new
field in ``catalogue.toml`` appears in the form without touching this code.  The API validates, stores, checks
siting and says who changed a feature; the page (``static/editor.js``, served as a file so a Content-Security-
Policy without inline scripts of ours holds) shows its answers in the configured language.
"""

from __future__ import annotations

from typing import Any

from folium.elements import JSCSSMixin
from folium.template import Template

from geoplan.layers.catalogue import Catalogue, Lang
from geoplan.maps.compact import dumps
from geoplan.maps.labels import field_alias, popup_fields
from geoplan.maps.styles import layer_style

#: Where the API serves geoplan's own page scripts (``geoplan/maps/static``).
STATIC_URL = "/static/geoplan"
#: The page scripts the API may serve from there.
STATIC_FILES = frozenset({"editor.js"})

_TEXT: dict[Lang, dict[str, str]] = {
    "zh": {
        "panel": "要素属性",
        "newFeature": "新增要素",
        "layer": "图层",
        "chooseLayer": "请选择图层",
        "token": "规划员令牌",
        "save": "保存",
        "cancel": "取消",
        "close": "关闭",
        "move": "拖动位置",
        "reshape": "编辑形状",
        "geometryHint": "拖动顶点或点位修改图形,然后点“保存”。",
        "remove": "删除",
        "confirmRemove": "确认删除?",
        "removed": "已删除",
        "undo": "撤销",
        "undone": "已撤销",
        "saving": "正在保存…",
        "saved": "已保存",
        "failed": "保存失败",
        "loading": "正在加载…",
        "gone": "该要素已不存在(可能已被他人删除)",
        "version": "版本",
        "conflict": "该要素已被 {actor} 于 {at} 修改(当前版本 {version}),你的修改未保存。",
        "reload": "重新加载此要素",
        "reloaded": "已加载最新版本",
        "signin": "登录",
        "signout": "退出",
        "signinTitle": "规划员登录",
        "signinHelp": "输入管理员发给你的令牌。令牌只保存在本浏览器会话中,关闭浏览器即失效。",
        "badToken": "令牌无效或已停用",
        "need_signin": "需要规划员令牌:请先登录",
        "forbidden": "当前令牌没有编辑权限",
        "planner": "规划员",
        "viewer": "查看者",
        "yes": "是",
        "no": "否",
    },
    "en": {
        "panel": "Feature attributes",
        "newFeature": "New feature",
        "layer": "Layer",
        "chooseLayer": "Choose a layer",
        "token": "Planner token",
        "save": "Save",
        "cancel": "Cancel",
        "close": "Close",
        "move": "Move",
        "reshape": "Edit shape",
        "geometryHint": "Drag the vertices or the point, then Save.",
        "remove": "Delete",
        "confirmRemove": "Really delete?",
        "removed": "Deleted",
        "undo": "Undo",
        "undone": "Undone",
        "saving": "Saving…",
        "saved": "Saved",
        "failed": "Not saved",
        "loading": "Loading…",
        "gone": "This feature no longer exists (deleted by someone else?)",
        "version": "version",
        "conflict": "{actor} changed this feature at {at} (now version {version}); your change was not saved.",
        "reload": "Reload this feature",
        "reloaded": "Latest version loaded",
        "signin": "Sign in",
        "signout": "Sign out",
        "signinTitle": "Planner sign-in",
        "signinHelp": "Enter the token your administrator gave you. It is kept for this browser session only.",
        "badToken": "Unknown or revoked token",
        "need_signin": "A planner token is needed: sign in first",
        "forbidden": "This token may not edit",
        "planner": "Planner",
        "viewer": "Viewer",
        "yes": "yes",
        "no": "no",
    },
}

#: Leaflet.draw's toolbar and tooltips in Chinese (its own locale object, ``L.drawLocal``); English is built in.
DRAW_LOCAL_ZH: dict[str, Any] = {
    "draw": {
        "toolbar": {
            "actions": {"title": "取消绘制", "text": "取消"},
            "finish": {"title": "完成绘制", "text": "完成"},
            "undo": {"title": "删除最后一个点", "text": "删除最后一点"},
            "buttons": {
                "polyline": "绘制线(道路、管网、线路)",
                "polygon": "绘制面",
                "rectangle": "绘制矩形",
                "circle": "绘制圆",
                "marker": "绘制点(设施、水库等)",
                "circlemarker": "绘制圆点",
            },
        },
        "handlers": {
            "circle": {"tooltip": {"start": "按住并拖动以绘制圆。"}, "radius": "半径"},
            "circlemarker": {"tooltip": {"start": "单击地图放置圆点。"}},
            "marker": {"tooltip": {"start": "单击地图放置点。"}},
            "polygon": {
                "tooltip": {
                    "start": "单击开始绘制面。",
                    "cont": "单击继续绘制面。",
                    "end": "单击第一个点闭合此面。",
                }
            },
            "polyline": {
                "error": "<strong>错误:</strong>边不能交叉!",
                "tooltip": {
                    "start": "单击开始绘制线。",
                    "cont": "单击继续绘制线。",
                    "end": "单击最后一个点完成绘制。",
                },
            },
            "rectangle": {"tooltip": {"start": "按住并拖动以绘制矩形。"}},
            "simpleshape": {"tooltip": {"end": "松开鼠标完成绘制。"}},
        },
    },
    "edit": {
        "toolbar": {
            "actions": {
                "save": {"title": "保存修改", "text": "保存"},
                "cancel": {"title": "取消编辑,放弃所有修改", "text": "取消"},
                "clearAll": {"title": "清除所有图层", "text": "全部清除"},
            },
            "buttons": {"edit": "编辑图层", "editDisabled": "没有可编辑的图层", "remove": "删除图层",
                        "removeDisabled": "没有可删除的图层"},
        },
        "handlers": {
            "edit": {"tooltip": {"text": "拖动控制点或标记以编辑要素。", "subtext": "点击“取消”撤销修改。"}},
            "remove": {"tooltip": {"text": "单击要素将其删除。"}},
        },
    },
}  # fmt: skip


def editor_config(catalogue: Catalogue, lang: Lang = "zh", api: str = "") -> dict[str, Any]:
    """What the editor needs from the catalogue: each project layer's form fields, labels and full style table."""
    layers = []
    for spec in catalogue.layers:
        if spec.kind != "project":
            continue
        form = []
        every: dict[str, dict[str, Any]] = {}
        for f in spec.fields:
            entry: dict[str, Any] = {"name": f.name, "label": field_alias(f, lang), "type": f.type}
            if f.enum:
                entry["enum"] = [[v.value, v.label(lang)] for v in catalogue.enums[f.enum]]
            if f.unit:
                entry["unit"] = f.unit
            every[f.name] = {**entry, "label": f.title(lang)}
            if f.readonly or f.name == "village_code":  # the store fills the village from the geometry
                continue
            form.append({**entry, "required": True} if f.required else entry)
        style = layer_style(catalogue, spec)
        layers.append(
            {
                "name": spec.name,
                "title": spec.title(lang),
                "geometry": spec.geometry,
                "families": list(spec.families),
                "fields": form,
                "formFields": {f["name"]: True for f in form},
                "all": every,
                "shown": [f.name for f in popup_fields(spec)],
                "styles": {"key_fields": list(style.key_fields), "table": style.table},
            }
        )
    return {
        "api": api.rstrip("/"),
        "layers": layers,
        "text": _TEXT[lang],
        "drawLocal": DRAW_LOCAL_ZH if lang == "zh" else {},
    }


class MapEditor(JSCSSMixin):
    """Leaflet.draw (toolbar and vertex editing) plus geoplan's editor (only on maps served live by the API)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        geoplanEditor({{ this._parent.get_name() }}, {{ this.config_json }});
        {% endmacro %}
        """
    )
    # Same names as folium's Draw plugin, so assets.localise() serves them locally.
    default_js = [("leaflet_draw_js", "https://cdnjs.cloudflare.com/ajax/libs/leaflet.draw/1.0.2/leaflet.draw.js")]
    default_css = [("leaflet_draw_css", "https://cdnjs.cloudflare.com/ajax/libs/leaflet.draw/1.0.2/leaflet.draw.css")]

    def __init__(self, catalogue: Catalogue, *, lang: Lang = "zh", api: str = "") -> None:
        super().__init__()
        self._name = "MapEditor"
        self.config = editor_config(catalogue, lang, api)
        self.default_js = [*type(self).default_js, ("geoplan_editor_js", f"{api.rstrip('/')}{STATIC_URL}/editor.js")]

    @property
    def config_json(self) -> str:
        return dumps(self.config)
