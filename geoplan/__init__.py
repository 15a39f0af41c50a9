"""geoplan: rural infrastructure planning on GeoJSON layers — which village still lacks what, and what closes the gap."""

__version__ = "0.1.0"
