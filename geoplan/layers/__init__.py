"""Storage tier: the layer catalogue (declared specs), validation, and the store — the only code that opens data files."""

from geoplan.layers.catalogue import Catalogue, FieldSpec, LayerSpec, default_catalogue
from geoplan.layers.store import ChangeSummary, LayerSnapshot, LayerStore, Version

__all__ = [
    "Catalogue",
    "ChangeSummary",
    "FieldSpec",
    "LayerSnapshot",
    "LayerSpec",
    "LayerStore",
    "Version",
    "default_catalogue",
]
