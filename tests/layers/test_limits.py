"""The store's own limits (whoever calls it: API, CLI, import): id rule, geometry size and depth, safe numbers,
and orphaned temporary files of killed writers."""

from __future__ import annotations

import pytest

from geoplan.errors import ValidationFailed
from geoplan.layers import LayerStore
from geoplan.layers.limits import valid_id
from tests.layers.conftest import road


@pytest.mark.parametrize(
    ("fid", "ok"),
    [
        ("road-0001", True),
        ("a.b:c_d-1", True),
        ("_x", True),
        ("7", True),
        (7, True),
        ("", False),
        (".x", False),
        ("..", False),
        ("a/b", False),
        ("a\n", False),
        ("x" * 128, True),
        ("x" * 129, False),
        ("村道", False),
        (True, False),
        (-1, False),
    ],
)
def test_id_rule(fid, ok: bool) -> None:
    assert valid_id(fid) is ok


def test_store_refuses_ids_outside_the_rule(empty_store: LayerStore) -> None:
    with pytest.raises(ValidationFailed, match="id rule"):
        empty_store.insert("roads", road() | {"id": "a/../b"})
    assert empty_store.count("roads") == 0


def test_deep_coordinates_and_too_many_vertices_are_problems_not_crashes(empty_store: LayerStore) -> None:
    deep: list = [109.001, 30.001]
    for _ in range(900):
        deep = [deep]
    with pytest.raises(ValidationFailed, match="deeper than 4"):
        empty_store.insert("roads", road() | {"geometry": {"type": "LineString", "coordinates": deep}})
    small = LayerStore(empty_store.data_dir, max_vertices=3)
    line = [[109.0 + i * 0.001, 30.0] for i in range(4)]
    with pytest.raises(ValidationFailed, match="more than 3 vertices"):
        small.insert("roads", road(coords=line))
    small.insert("roads", road(coords=line[:3]))
    assert small.count("roads") == 1


def test_deep_merge_patch_is_refused(empty_store: LayerStore) -> None:
    fid = empty_store.insert("roads", road())["id"]
    nested: dict = {"a": 1}
    for _ in range(990):
        nested = {"a": nested}
    with pytest.raises(ValidationFailed, match="deeper than 16"):
        empty_store.patch("roads", fid, {"properties": {"name": nested}})


def test_numbers_outside_the_json_safe_range_are_refused(empty_store: LayerStore) -> None:
    for value in (1e30, 2**53, -(2**60)):
        with pytest.raises(ValidationFailed, match="width_m"):
            empty_store.insert("roads", road(width_m=value))
    assert empty_store.count("roads") == 0


def test_stale_temp_files_of_killed_writers_are_removed_under_the_lock(empty_store: LayerStore) -> None:
    data = empty_store.data_dir
    orphans = [data / ".roads.geojson.k1ll3d.tmp", data / ".roads.geojson.abc123.tmp"]
    other = data / ".villages.geojson.zzz999.tmp"  # another layer's: its own writer cleans it
    for p in [*orphans, other]:
        p.write_bytes(b"a full copy of a layer")
    empty_store.insert("roads", road())
    assert not any(p.exists() for p in orphans)
    assert other.exists()
    assert sorted(p.name for p in data.glob(".*.tmp")) == [other.name]
