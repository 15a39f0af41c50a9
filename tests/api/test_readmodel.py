"""The read model indexes a layer once per file version and rebuilds after any writer's change."""

from __future__ import annotations

from pathlib import Path

import shapely

from geoplan.api.readmodel import ReadModel
from geoplan.layers import LayerStore
from tests.api.conftest import grid_box


def test_index_is_reused_until_the_file_changes(grid_dir: Path) -> None:
    model = ReadModel(LayerStore(grid_dir))
    first = model.index("roads")
    assert model.index("roads") is first
    LayerStore(grid_dir).patch("roads", "road-1", {"properties": {"surface": "gravel"}}, actor="elsewhere")
    second = model.index("roads")
    assert second is not first
    assert second.features[second.position["road-1"]]["properties"]["surface"] == "gravel"


def test_index_holds_encoded_features_tree_and_extent(grid_dir: Path) -> None:
    index = ReadModel(LayerStore(grid_dir)).index("settlements")
    assert index.size == 6
    assert index.encoded[0].startswith(b'{"type":"Feature","id":"settlement-11"')
    hits = index.tree.query(shapely.box(*grid_box(0, 0, 1000, 1000)), predicate="intersects")
    assert sorted(index.table["id"].take(hits)) == ["settlement-11", "settlement-12"]
    minx, miny, maxx, maxy = index.bounds
    expected = grid_box(500, 250, 2500, 750)
    assert (minx, miny, maxx, maxy) == tuple(round(v, 7) for v in expected) or all(
        abs(a - b) < 1e-6 for a, b in zip((minx, miny, maxx, maxy), expected, strict=True)
    )


def test_years_and_empty_layers(grid_dir: Path) -> None:
    model = ReadModel(LayerStore(grid_dir))
    assert model.index("roads").years == (2015, 2027)
    assert model.index("villages").years is None
    empty = model.index("reservoirs")
    assert empty.size == 0 and empty.bounds is None
