"""Entry point: the OGC API – Features web API (and analysis endpoints) over the layer store."""

from geoplan.api.app import create_app

__all__ = ["create_app"]
