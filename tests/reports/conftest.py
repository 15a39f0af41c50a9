"""The grid township of tests/analysis, reused for the renderers."""

from tests.analysis.conftest import grid_frames, grid_store  # noqa: F401
