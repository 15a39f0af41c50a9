"""Errors of import and export.  Like every geoplan error they know no HTTP; the API and CLI map them."""

from __future__ import annotations

from geoplan.errors import GeoplanError


class SourceUnreadable(GeoplanError):
    """The uploaded or named file is not something the importer can read (format, table, columns)."""


class CRSUndetermined(GeoplanError):
    """The file has no CRS, or one its coordinates do not fit: the importer will not guess, it lists candidates."""

    def __init__(self, message: str, candidates: list[str]) -> None:
        super().__init__(message)
        self.candidates = candidates


class FieldMapError(GeoplanError):
    """A ``--field`` mapping or a preset names a column or a catalogue field that does not exist."""


class ExportError(GeoplanError):
    """An export cannot be produced as asked (format, CRS or village unknown)."""
