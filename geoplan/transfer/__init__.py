"""Getting planners' files in and out: readers per format, CRS detection, Chinese web-map datums, field mapping,
all-or-nothing import through the store, and export to the formats bureaus use."""

from geoplan.transfer.exporter import EXPORT_FORMATS, ExportResult, export_geopackage, export_layer
from geoplan.transfer.importer import ImportOptions, ImportPlan, import_file, plan_import, write_plan

__all__ = [
    "EXPORT_FORMATS",
    "ExportResult",
    "ImportOptions",
    "ImportPlan",
    "export_geopackage",
    "export_layer",
    "import_file",
    "plan_import",
    "write_plan",
]
