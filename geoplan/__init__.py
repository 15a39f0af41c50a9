"""geoplan: rural infrastructure planning on GeoJSON layers.

It answers the planner's question: which village still lacks what, how badly, and what closes the gap.
"""

__version__ = "0.1.0"
