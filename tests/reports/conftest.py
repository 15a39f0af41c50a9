"""The grid township and the one-village-surveyed county of tests/analysis, reused for the renderers."""

from tests.analysis.conftest import county, grid_frames, grid_store  # noqa: F401
