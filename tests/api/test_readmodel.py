"""The read model indexes a layer once per file version and rebuilds after any writer's change."""

from __future__ import annotations

from pathlib import Path

import shapely
from shapely.geometry import Point

from geoplan.api.readmodel import ReadModel
from geoplan.layers import LayerStore
from tests.api.conftest import feature, grid_box


def test_index_is_reused_until_the_file_changes(grid_dir: Path) -> None:
    model = ReadModel(LayerStore(grid_dir))
    first = model.index("roads")
    assert model.index("roads") is first
    LayerStore(grid_dir).patch("roads", "road-1", {"properties": {"surface": "gravel"}}, actor="elsewhere")
    second = model.index("roads")
    assert second is not first
    assert second.feature(second.position("road-1"))["properties"]["surface"] == "gravel"


def test_index_holds_encoded_features_tree_and_extent(grid_dir: Path) -> None:
    index = ReadModel(LayerStore(grid_dir)).index("settlements")
    assert index.size == 6
    assert index.encoded([0])[0].startswith(b'{"type":"Feature","id":"settlement-11"')
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


def test_encoded_features_are_the_stored_features_completed(tmp_path: Path) -> None:
    """Every demo layer: each served feature parses to the stored one with every catalogue property present."""
    import shutil

    import numpy as np
    import orjson

    from geoplan.api.readmodel import complete

    for path in (Path(__file__).parents[2] / "data" / "geojson").glob("*.geojson"):
        shutil.copyfile(path, tmp_path / path.name)
    model = ReadModel(LayerStore(tmp_path))
    for layer in model.store.layer_names:
        path = tmp_path / f"{layer}.geojson"
        stored = orjson.loads(path.read_bytes())["features"] if path.exists() else []
        index = model.index(layer)
        rows = np.arange(index.size)
        on_demand = index.encoded(rows) if index.held is None else None
        index.encode_all()
        assert [orjson.loads(b) for b in index.encoded(rows)] == [complete(index.spec, f) for f in stored], layer
        if on_demand is not None:
            assert on_demand == index.encoded(rows)
        assert [index.position(f["id"]) for f in stored] == list(range(len(stored)))


def test_on_demand_pages_equal_the_encoded_layer_and_ids_are_looked_up_exactly(grid_dir: Path) -> None:
    store = LayerStore(grid_dir)
    store.insert("settlements", {**feature(Point(100, 100), name="甲", households=5), "id": "s:extra_1"})
    from geoplan.api.readmodel import build_index

    index = build_index(store.spec("settlements"), store.frame("settlements"), store.signature("settlements"))
    assert index.held is None
    pages = index.encoded([6, 0, 3])
    index.encode_all()
    assert pages == index.encoded([6, 0, 3])
    assert index.feature(6)["properties"]["name"] == "甲"
    assert index.position("s:extra_1") == 6
    assert index.position("settlement-11") == 0
    assert index.position("settlement-1") is None  # a prefix of an id is not that id
    assert index.position("settlement-11\0") is None
    assert index.position("zzz") is None and index.position("") is None
