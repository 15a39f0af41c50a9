"""Storage tier: the layer catalogue (declared specs), validation and the store.

The store is the only code that opens layer files.
"""

from geoplan.layers.catalogue import Catalogue, FieldSpec, LayerSpec, default_catalogue
from geoplan.layers.store import ChangeSummary, FileReport, LayerSnapshot, LayerStore, Version, WriteResult

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
