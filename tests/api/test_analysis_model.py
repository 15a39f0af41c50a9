"""Analysis results are computed once per data version and recomputed after any write."""

from __future__ import annotations

from pathlib import Path

from geoplan.api.analysis_model import AnalysisModel
from geoplan.config import Settings
from geoplan.layers import LayerStore


def test_results_are_cached_until_a_layer_changes(grid_dir: Path) -> None:
    store = LayerStore(grid_dir)
    model = AnalysisModel(store, Settings(data_dir=grid_dir))
    baseline = model.result("baseline")
    assert model.result("baseline") is baseline
    assert sorted(baseline.villages["village_code"]) == ["420000000001", "420000000002", "420000000003"]
    LayerStore(grid_dir).patch("roads", "road-2", {"properties": {"status": "completed"}}, actor="elsewhere")
    assert model.result("baseline") is not baseline
    assert model.delta() is model.delta()
