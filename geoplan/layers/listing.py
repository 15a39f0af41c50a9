"""The shipped catalogue's layer list, read straight from its TOML: names, titles and geometry types.

``geoplan layers`` and ``geoplan changes`` need no more of the catalogue than this, and building its pydantic
models (importing pydantic alone takes ~0.1 s) was most of their start-up.  The shipped file is package data
that the test suite validates through :mod:`geoplan.layers.catalogue` (``test_listing`` checks both agree);
a deployment catalogue is always read through the models, which check it.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

from geoplan.errors import LayerNotFound

GEOMETRY_TYPES: dict[str, tuple[str, ...]] = {
    "point": ("Point", "MultiPoint"),
    "line": ("LineString", "MultiLineString"),
    "polygon": ("Polygon", "MultiPolygon"),
}


@dataclass(frozen=True)
class LayerEntry:
    """One layer as listed: what :class:`~geoplan.layers.catalogue.LayerSpec` says of its name, title, geometry."""

    name: str
    zh: str
    en: str
    families: tuple[str, ...]

    def title(self, lang: str = "zh") -> str:
        return self.zh if lang == "zh" else self.en

    @property
    def geometry_types(self) -> tuple[str, ...]:
        return tuple(t for family in self.families for t in GEOMETRY_TYPES[family])


@dataclass(frozen=True)
class LayerList:
    """The layers in catalogue order; ``layer(name)`` raises :class:`LayerNotFound` as the catalogue does."""

    layers: tuple[LayerEntry, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(layer.name for layer in self.layers)

    def layer(self, name: str) -> LayerEntry:
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise LayerNotFound(name)


@cache
def shipped_layers() -> LayerList:
    """The shipped catalogue's layers (parsed once)."""
    data = tomllib.loads(resources.files("geoplan.layers").joinpath("catalogue.toml").read_text(encoding="utf-8"))
    entries = []
    for raw in data["layer"]:
        geometry = raw["geometry"]
        families = tuple(geometry) if isinstance(geometry, list) else (geometry,)
        entries.append(LayerEntry(raw["name"], raw["zh"], raw["en"], families))
    return LayerList(tuple(entries))
