"""Storage tier: the layer catalogue (declared specs), validation and the store.

The store is the only code that opens layer files.  Names are loaded on first use (PEP 562), so importing one
light submodule (``geoplan.layers.survey``, ``geoplan.layers.store``'s constants) does not build the catalogue's
pydantic models: ``geoplan --help`` starts without them.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from geoplan.layers.catalogue import Catalogue, FieldSpec, LayerSpec, default_catalogue
    from geoplan.layers.store import ChangeSummary, FileReport, LayerSnapshot, LayerStore, Version, WriteResult

_WHERE = {
    "Catalogue": "catalogue",
    "FieldSpec": "catalogue",
    "LayerSpec": "catalogue",
    "default_catalogue": "catalogue",
    "ChangeSummary": "store",
    "FileReport": "store",
    "LayerSnapshot": "store",
    "LayerStore": "store",
    "Version": "store",
    "WriteResult": "store",
}

__all__ = [
    "Catalogue",
    "ChangeSummary",
    "FileReport",
    "FieldSpec",
    "LayerSnapshot",
    "LayerSpec",
    "LayerStore",
    "Version",
    "WriteResult",
    "default_catalogue",
]


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        value = getattr(import_module(f"geoplan.layers.{_WHERE[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'geoplan.layers' has no attribute {name!r}")
