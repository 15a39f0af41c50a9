"""The layer catalogue: typed view of ``catalogue.toml``, the single declaration of every layer.

The TOML file is data; this module only parses it, checks it is coherent, and derives what other modules need
(a JSON Schema per layer for validation and API docs, labels in either language).  A deployment grows it without
editing the package: :func:`load_catalogue` merges a deployment catalogue file (more enum values, themes and
layers, wider geometry families, extra optional fields) into the shipped one — see :func:`merge_deployment`.
"""

from __future__ import annotations

import os
import tomllib
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

from geoplan.errors import CatalogueError, LayerNotFound
from geoplan.layers.listing import GEOMETRY_TYPES

FieldType = Literal["string", "integer", "number", "boolean", "date", "datetime"]
GeometryFamily = Literal["point", "line", "polygon"]
Lang = Literal["zh", "en"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class EnumValue(_Frozen):
    value: str
    zh: str
    en: str
    icon: str | None = None
    color: str | None = None
    #: Other ways planners write this value (祠堂 and 文化礼堂 for one kind); import accepts them.
    aliases: tuple[str, ...] = ()

    def label(self, lang: Lang = "zh") -> str:
        return self.zh if lang == "zh" else self.en


class FieldSpec(_Frozen):
    name: str
    type: FieldType
    zh: str
    en: str
    required: bool = False
    readonly: bool = False
    enum: str | None = None
    pattern: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    max_length: int | None = None
    unit: str | None = None
    description: str | None = None

    def title(self, lang: Lang = "zh") -> str:
        return self.zh if lang == "zh" else self.en


class Theme(_Frozen):
    zh: str
    en: str
    color: str


class LayerSpec(_Frozen):
    name: str
    kind: Literal["reference", "project"]
    theme: str
    #: The main geometry family (drawing order, export tables); ``families`` lists every family allowed.
    geometry: GeometryFamily
    families: tuple[GeometryFamily, ...] = ()
    id_prefix: str
    zh: str
    en: str
    style: dict[str, Any] = Field(default_factory=dict)
    description: str | None = None
    fields: tuple[FieldSpec, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _geometry_families(cls, data: Any) -> Any:
        """``geometry = "point"`` or ``geometry = ["point", "polygon"]`` (a survey's houses as points or outlines)."""
        if not isinstance(data, dict):
            return data
        geometry = data.get("geometry")
        if isinstance(geometry, (list, tuple)):
            if not geometry or len(set(geometry)) != len(geometry):
                raise ValueError(f"layer {data.get('name')}: geometry must list distinct families, got {geometry}")
            return {**data, "geometry": geometry[0], "families": tuple(geometry)}
        if not data.get("families"):
            return {**data, "families": (geometry,)}
        return data

    def title(self, lang: Lang = "zh") -> str:
        return self.zh if lang == "zh" else self.en

    @property
    def geometry_types(self) -> tuple[str, ...]:
        """Every GeoJSON geometry type the layer accepts, family by family."""
        return tuple(t for family in self.families for t in GEOMETRY_TYPES[family])

    def for_family(self, family: GeometryFamily) -> LayerSpec:
        """The same layer restricted to one geometry family (maps draw each family with its own style)."""
        return self.model_copy(update={"geometry": family, "families": (family,)})

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    def field(self, name: str) -> FieldSpec:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    def has_field(self, name: str) -> bool:
        return any(f.name == name for f in self.fields)


class Catalogue(_Frozen):
    """All layers, shared enums and themes, as declared in catalogue.toml."""

    layers: tuple[LayerSpec, ...]
    enums: dict[str, tuple[EnumValue, ...]]
    themes: dict[str, Theme]
    #: Derived objects (compiled validators …) memoised per catalogue instance.
    _derived: dict[Any, Any] = PrivateAttr(default_factory=dict)

    def memo(self, key: Any, build: Any) -> Any:
        """Return ``build()`` computed once per catalogue for ``key`` (the catalogue is immutable)."""
        if key not in self._derived:
            self._derived[key] = build()
        return self._derived[key]

    @model_validator(mode="after")
    def _coherent(self) -> Catalogue:
        names = [layer.name for layer in self.layers]
        if len(names) != len(set(names)):
            raise ValueError(f"duplicate layer names in catalogue: {names}")
        for layer in self.layers:
            if layer.theme not in self.themes:
                raise ValueError(f"layer {layer.name}: unknown theme {layer.theme!r}")
            seen: set[str] = set()
            for f in layer.fields:
                if f.name in seen:
                    raise ValueError(f"layer {layer.name}: field {f.name!r} declared twice")
                seen.add(f.name)
                if f.enum is not None and f.enum not in self.enums:
                    raise ValueError(f"layer {layer.name}: field {f.name} names unknown enum {f.enum!r}")
        for enum, values in self.enums.items():
            spelled: dict[str, str] = {}
            for v in values:
                for word in {v.value, v.zh, v.en, *v.aliases}:
                    if spelled.setdefault(word.casefold(), v.value) != v.value:
                        raise ValueError(f"enum {enum}: {word!r} names both {spelled[word.casefold()]} and {v.value}")
        return self

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(layer.name for layer in self.layers)

    def layer(self, name: str) -> LayerSpec:
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise LayerNotFound(name)

    def enum_choices(self, enum: str, lang: Lang = "zh") -> str:
        """``value(label)`` for every value of an enum, for error messages a planner can act on."""
        return ", ".join(f"{v.value}({v.label(lang)})" for v in self.enums.get(enum, ()))

    def enum_values(self, enum: str) -> tuple[str, ...]:
        return tuple(v.value for v in self.enums[enum])

    def enum_label(self, enum: str, value: str, lang: Lang = "zh") -> str:
        """Label of one enum value, or the raw value when it is not declared."""
        for v in self.enums.get(enum, ()):
            if v.value == value:
                return v.label(lang)
        return value

    def json_schema(self, layer_name: str) -> dict[str, Any]:
        """JSON Schema (draft 2020-12) of a layer's feature *properties*; drives validation and /schema."""
        layer = self.layer(layer_name)
        props: dict[str, Any] = {}
        for f in layer.fields:
            props[f.name] = self._field_schema(f)
        return {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": layer.zh,
            "description": layer.description or layer.en,
            "type": "object",
            "properties": props,
            "required": [f.name for f in layer.fields if f.required and not f.readonly],
            "additionalProperties": False,
        }

    def _field_schema(self, f: FieldSpec) -> dict[str, Any]:
        base: dict[str, Any] = {"title": f.zh, "description": f.description or f.en}
        if f.type == "date":
            base.update(type="string", format="date")
        elif f.type == "datetime":
            base.update(type="string", format="date-time")
        else:
            base["type"] = f.type
        if f.enum is not None:
            base["enum"] = list(self.enum_values(f.enum))
        if f.pattern is not None:
            base["pattern"] = f.pattern
        if f.minimum is not None:
            base["minimum"] = int(f.minimum) if f.type == "integer" else f.minimum
        if f.maximum is not None:
            base["maximum"] = int(f.maximum) if f.type == "integer" else f.maximum
        if f.max_length is not None:
            base["maxLength"] = f.max_length
        if f.unit is not None:
            base["x-unit"] = f.unit
        if f.readonly:
            base["readOnly"] = True
        # Optional fields may be null: GIS clients write null for empty attributes.
        if not f.required:
            base["type"] = [base["type"], "null"]
            if "enum" in base:
                base["enum"] = [*base["enum"], None]
        return base


def parse_catalogue(data: dict[str, Any]) -> Catalogue:
    """Build a Catalogue from the parsed TOML, adding the shared field groups to each layer."""
    try:
        common = data.get("common", {})
        record = common.get("record", [])
        project = common.get("project", [])
        layers = []
        for raw in data["layer"]:
            own = raw.get("fields", [])
            shared = project if raw.get("kind") == "project" else []
            own_names = {f["name"] for f in own}
            fields = [f for f in shared if f["name"] not in own_names] + own + record
            layers.append({**raw, "fields": fields})
        return Catalogue(layers=layers, enums=data.get("enums", {}), themes=data.get("themes", {}))
    except (KeyError, ValueError, TypeError, AttributeError) as exc:
        raise CatalogueError(f"invalid layer catalogue: {exc}") from exc


def load_catalogue_file(path: Path) -> Catalogue:
    with path.open("rb") as fh:
        return parse_catalogue(tomllib.load(fh))


#: What a deployment catalogue may contain (anything else is a typo and refused).
DEPLOYMENT_KEYS = ("enums", "themes", "layer", "extend")
#: What ``[extend.<layer>]`` may change on a shipped layer.
EXTEND_KEYS = ("geometry", "fields")


def merge_deployment(
    base: dict[str, Any], extra: dict[str, Any], source: str = "deployment catalogue"
) -> dict[str, Any]:
    """The shipped catalogue's TOML data grown by a deployment's: only additions, never changes.

    ``[[enums.<enum>]]`` adds values (a new facility kind with its labels and map icon) or a new enum;
    ``[themes.<theme>]`` and ``[[layer]]`` add themes and whole layers (they get the shared fields like shipped
    ones); ``[extend.<layer>]`` widens a layer's ``geometry`` families and adds optional ``[[extend.<layer>.fields]]``.
    Nothing declared may be redefined or narrowed — data valid under the shipped catalogue stays valid.
    """

    def fail(message: str) -> CatalogueError:
        return CatalogueError(f"{source}: {message}")

    unknown = sorted(set(extra) - set(DEPLOYMENT_KEYS))
    if unknown:
        raise fail(f"unknown section(s) {unknown}; a deployment catalogue may hold {list(DEPLOYMENT_KEYS)}")
    merged = dict(base)
    enums = {name: list(values) for name, values in base.get("enums", {}).items()}
    for name, values in extra.get("enums", {}).items():
        if not isinstance(values, list):
            raise fail(f"enums.{name} must be a list of [[enums.{name}]] tables")
        have = {str(v.get("value")) for v in enums.get(name, [])}
        for value in values:
            if not isinstance(value, dict) or "value" not in value:
                raise fail(f"enums.{name}: every entry needs value, zh and en")
            if str(value["value"]) in have:
                raise fail(f"enums.{name} already has the value {value['value']!r}")
            have.add(str(value["value"]))
        enums[name] = [*enums.get(name, []), *values]
    merged["enums"] = enums
    themes = dict(base.get("themes", {}))
    for name, theme in extra.get("themes", {}).items():
        if name in themes:
            raise fail(f"theme {name!r} is already declared")
        themes[name] = theme
    merged["themes"] = themes
    layers = [dict(layer) for layer in base.get("layer", [])]
    names = {layer.get("name") for layer in layers}
    for layer in extra.get("layer", []):
        if layer.get("name") in names:
            raise fail(f"layer {layer.get('name')!r} is already declared; use [extend.{layer.get('name')}] to widen it")
        names.add(layer.get("name"))
        layers.append(dict(layer))
    by_name = {layer["name"]: layer for layer in layers}
    for name, change in extra.get("extend", {}).items():
        if name not in by_name:
            raise fail(f"[extend.{name}]: no layer {name!r} to extend")
        bad = sorted(set(change) - set(EXTEND_KEYS))
        if bad:
            raise fail(f"[extend.{name}]: cannot change {bad}; only {list(EXTEND_KEYS)}")
        layer = by_name[name]
        if "geometry" in change:
            current = layer["geometry"] if isinstance(layer["geometry"], list) else [layer["geometry"]]
            wanted = change["geometry"] if isinstance(change["geometry"], list) else [change["geometry"]]
            unknown_families = [g for g in wanted if g not in GEOMETRY_TYPES]
            if unknown_families:
                raise fail(f"[extend.{name}]: unknown geometry family {unknown_families[0]!r} (point, line, polygon)")
            layer["geometry"] = current + [g for g in wanted if g not in current]
        added = change.get("fields", [])
        for f in added:
            if f.get("required"):
                raise fail(f"[extend.{name}]: field {f.get('name')!r} cannot be required (existing data lacks it)")
        layer["fields"] = [*layer.get("fields", []), *added]
    merged["layer"] = layers
    return merged


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError as exc:
        error = CatalogueError(f"catalogue file {path} does not exist (set --catalogue or GEOPLAN_CATALOGUE)")
        error.zh = f"图层目录文件 {path} 不存在(用 --catalogue 或 GEOPLAN_CATALOGUE 指定)"
        raise error from exc
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise CatalogueError(f"catalogue file {path}: cannot be read as TOML ({exc})") from exc


@lru_cache(maxsize=8)
def _deployment_catalogue(path: Path, signature: tuple[int, int]) -> Catalogue:
    del signature  # part of the cache key only: an edited file is read again
    base = tomllib.loads(_shipped_text())
    try:
        return parse_catalogue(merge_deployment(base, _read_toml(path), source=str(path)))
    except (TypeError, AttributeError, KeyError) as exc:
        raise CatalogueError(f"{path}: malformed deployment catalogue ({exc})") from exc
    except CatalogueError as exc:
        if str(path) in str(exc):
            raise
        raise CatalogueError(f"{path}: {exc}") from exc


def load_catalogue(path: Path | None = None) -> Catalogue:
    """The shipped catalogue, grown by the deployment catalogue at ``path`` when one is configured."""
    if path is None:
        return default_catalogue()
    try:
        st = os.stat(path)
    except OSError:
        _read_toml(path)  # raises the clear "does not exist" error
        raise
    return _deployment_catalogue(Path(path).resolve(), (st.st_mtime_ns, st.st_size))


def _shipped_text() -> str:
    return resources.files("geoplan.layers").joinpath("catalogue.toml").read_text(encoding="utf-8")


@cache
def default_catalogue() -> Catalogue:
    """The catalogue shipped with geoplan (parsed once; it is immutable)."""
    return parse_catalogue(tomllib.loads(_shipped_text()))
