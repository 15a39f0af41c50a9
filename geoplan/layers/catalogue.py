"""The layer catalogue: typed view of ``catalogue.toml``, the single declaration of every layer.

The TOML file is data; this module only parses it, checks it is coherent, and derives what other modules need
(a JSON Schema per layer for validation and API docs, labels in either language).
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

from geoplan.errors import CatalogueError, LayerNotFound

FieldType = Literal["string", "integer", "number", "boolean", "date", "datetime"]
GeometryFamily = Literal["point", "line", "polygon"]
Lang = Literal["zh", "en"]

GEOMETRY_TYPES: dict[str, tuple[str, ...]] = {
    "point": ("Point", "MultiPoint"),
    "line": ("LineString", "MultiLineString"),
    "polygon": ("Polygon", "MultiPolygon"),
}


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class EnumValue(_Frozen):
    value: str
    zh: str
    en: str
    icon: str | None = None
    color: str | None = None

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
    geometry: GeometryFamily
    id_prefix: str
    zh: str
    en: str
    style: dict[str, Any] = Field(default_factory=dict)
    description: str | None = None
    fields: tuple[FieldSpec, ...] = ()

    def title(self, lang: Lang = "zh") -> str:
        return self.zh if lang == "zh" else self.en

    @property
    def geometry_types(self) -> tuple[str, ...]:
        return GEOMETRY_TYPES[self.geometry]

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
        return self

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(layer.name for layer in self.layers)

    def layer(self, name: str) -> LayerSpec:
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise LayerNotFound(name)

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
    except (KeyError, ValueError) as exc:
        raise CatalogueError(f"invalid layer catalogue: {exc}") from exc


def load_catalogue_file(path: Path) -> Catalogue:
    with path.open("rb") as fh:
        return parse_catalogue(tomllib.load(fh))


@cache
def default_catalogue() -> Catalogue:
    """The catalogue shipped with geoplan (parsed once; it is immutable)."""
    text = resources.files("geoplan.layers").joinpath("catalogue.toml").read_text(encoding="utf-8")
    return parse_catalogue(tomllib.loads(text))
