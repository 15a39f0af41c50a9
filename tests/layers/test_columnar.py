"""The columnar copy of each layer: frames read from it equal frames parsed from the GeoJSON, and never go stale."""

from __future__ import annotations

import os
from pathlib import Path

import orjson
import pyarrow.parquet as pq
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal

from geoplan.layers import LayerStore, columnar
from geoplan.layers.files import encode_collection
from geoplan.layers.frames import to_frame

from .conftest import DLAT, DLON, LAT0, LON0, road, square


def _copies(store: LayerStore, layer: str) -> list[Path]:
    return sorted((store.data_dir / ".geoplan" / "cache").glob(f"{layer}.*.parquet"))


def _parsed(store: LayerStore, layer: str):
    """The frame built straight from the file's features, without any cache."""
    data = orjson.loads(store.path(layer).read_bytes())
    return to_frame(data["features"], store.spec(layer).field_names)


def test_every_demo_layer_reads_back_from_its_copy_unchanged(demo_data_dir: Path):
    first = LayerStore(demo_data_dir)
    for layer in first.layer_names:
        if not first.path(layer).exists():
            continue
        parsed = first.frame(layer)  # no copy yet: parsed from the GeoJSON, copy written
        assert len(_copies(first, layer)) == 1, layer
        from_copy = LayerStore(demo_data_dir).frame(layer)  # a new store: read from the copy
        assert_geodataframe_equal(from_copy, parsed, check_like=False)
        assert list(from_copy.dtypes) == list(parsed.dtypes), layer
        assert_geodataframe_equal(from_copy, _parsed(first, layer))


def test_a_write_makes_the_copy_stale_and_the_next_read_rebuilds_it(two_villages: LayerStore):
    two_villages.insert("roads", road(name="甲路"))
    assert list(two_villages.frame("roads")["name"]) == ["甲路"]
    old = _copies(two_villages, "roads")
    saved = two_villages.insert("roads", road(name="乙路"))
    # another process (a new store) must not see the old copy either
    frame = LayerStore(two_villages.data_dir).frame("roads")
    assert list(frame["name"]) == ["甲路", "乙路"] and saved["id"] in set(frame["id"])
    new = _copies(two_villages, "roads")
    assert len(new) == 1 and new != old


def test_a_file_replaced_by_hand_is_read_again(two_villages: LayerStore):
    two_villages.insert("roads", road(name="甲路"))
    two_villages.frame("roads")
    feats = orjson.loads(two_villages.path("roads").read_bytes())["features"]
    feats[0]["properties"]["name"] = "丙路"  # same length in bytes, same last_change: only mtime tells
    path = two_villages.path("roads")
    st = path.stat()
    path.write_bytes(encode_collection("roads", feats, {"last_change": None}))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
    assert list(LayerStore(two_villages.data_dir).frame("roads")["name"]) == ["丙路"]


def test_a_column_parquet_cannot_hold_is_read_without_a_copy(empty_store: LayerStore):
    # a hand-edited file mixing a number and a text in one field: no copy, the frame is still right
    feats = [
        {"type": "Feature", "id": "a", "geometry": {"type": "Point", "coordinates": [109.5, 30.3]},
         "properties": {"name": "甲", "year": 2020}},
        {"type": "Feature", "id": "b", "geometry": {"type": "Point", "coordinates": [109.6, 30.3]},
         "properties": {"name": "乙", "year": "二〇二一"}},
    ]  # fmt: skip
    empty_store.path("facilities").write_bytes(encode_collection("facilities", feats))
    frame = empty_store.frame("facilities")
    assert list(frame["year"]) == [2020, "二〇二一"]
    assert _copies(empty_store, "facilities") == []


def test_an_unwritable_cache_leaves_reads_working(two_villages: LayerStore):
    two_villages.insert("roads", road(name="甲路"))
    cache = two_villages.data_dir / ".geoplan" / "cache"
    assert not cache.exists()
    cache.write_text("not a directory")  # the cache folder cannot be made
    assert list(LayerStore(two_villages.data_dir).frame("roads")["name"]) == ["甲路"]
    assert cache.read_text() == "not a directory"


def _fresh(store: LayerStore) -> LayerStore:
    """Another process's store over the same files: nothing parsed yet."""
    return LayerStore(store.data_dir)


def test_count_of_a_version_read_before_comes_from_the_file_lines_and_matches(two_villages: LayerStore, monkeypatch):
    for name in ("甲路", "乙路", "丙路"):
        two_villages.insert("roads", road(name=name))
    two_villages.frame("roads")  # writes the copy of this version
    survey, changes = two_villages.snapshot("roads").survey, two_villages.changes("roads")
    assert len(changes) == 3
    fresh = _fresh(two_villages)
    monkeypatch.setattr(LayerStore, "snapshot", lambda *a: (_ for _ in ()).throw(AssertionError("parsed")))
    assert fresh.count("roads") == 3
    assert fresh.survey("roads") == survey
    assert fresh.changes("roads") == changes


def test_count_parses_a_version_never_read_or_a_file_in_another_layout(two_villages: LayerStore):
    two_villages.insert("roads", road(name="甲路"))
    two_villages.frame("roads")
    two_villages.insert("roads", road(name="乙路"))  # new version: its copy does not exist yet
    assert _fresh(two_villages).count("roads") == 2
    path = two_villages.path("roads")
    # the same features pretty-printed by another tool (valid GeoJSON, not one feature per line), read once
    path.write_bytes(orjson.dumps(orjson.loads(path.read_bytes()), option=orjson.OPT_INDENT_2))
    assert len(_fresh(two_villages).frame("roads")) == 2 and len(_copies(two_villages, "roads")) == 1
    store = _fresh(two_villages)
    assert store._counted_lines("roads", path) is None  # a copy of this version exists, but lines are not features
    assert store.count("roads") == 2


def test_an_empty_layer_read_before_counts_zero_without_parsing(two_villages: LayerStore):
    two_villages.insert("roads", road(name="甲路"))
    fid = two_villages.features("roads")[0]["id"]
    two_villages.delete("roads", fid)
    two_villages.frame("roads")
    store = _fresh(two_villages)
    assert store._counted_lines("roads", store.path("roads")) == 0
    assert store.count("roads") == 0


def test_a_server_store_writes_the_copy_after_answering(demo_data_dir: Path):
    import threading

    store = LayerStore(demo_data_dir)
    store.background_copies = True
    frame = store.frame("villages")
    for thread in threading.enumerate():
        if thread.name.startswith("geoplan-copy-"):
            thread.join()
    assert len(_copies(store, "villages")) == 1
    assert_geodataframe_equal(LayerStore(demo_data_dir).frame("villages"), frame)
    assert "survey" in frame.attrs  # the declaration is the frame's, never written into the copy


def test_anchor_frames_hold_the_point_on_each_footprint_from_the_copy_or_the_file(two_villages: LayerStore):
    """Footprints read as anchor points: the centre of each square house (its point on surface), attributes kept."""
    houses = [
        {"type": "Feature", "geometry": square(col), "properties": {"village_code": code, "households": 2}}
        for col, code in ((0, "422801105201"), (1, "422801105202"))
    ]
    two_villages.insert_many("buildings", houses)
    want = [c for col in (0, 1) for c in (LON0 + (col + 0.5) * DLON, LAT0 + 0.5 * DLAT)]

    def check(frame) -> None:
        assert list(frame.geometry.geom_type) == ["Point", "Point"]
        # the store keeps 7 decimals
        assert [c for p in frame.geometry for c in (p.x, p.y)] == pytest.approx(want, abs=1e-7)
        assert list(frame["village_code"]) == ["422801105201", "422801105202"]
        assert list(frame["households"]) == [2, 2]

    cold = LayerStore(two_villages.data_dir).frame("buildings", anchors=True)  # parsed, copy written
    check(cold)
    (copy,) = _copies(two_villages, "buildings")
    assert columnar.ANCHOR in pq.read_schema(copy).names
    warm = LayerStore(two_villages.data_dir).frame("buildings", anchors=True)  # the copy's anchor column
    check(warm)
    assert_geodataframe_equal(warm, cold)
    whole = LayerStore(two_villages.data_dir)
    polygons = whole.frame("buildings")  # the polygons are unchanged by the extra column
    assert list(polygons.geometry.geom_type) == ["Polygon", "Polygon"]
    assert columnar.ANCHOR not in polygons.columns
    assert_geodataframe_equal(polygons, _parsed(whole, "buildings"))
    check(whole.frame("buildings", anchors=True))  # from the polygons held
    frames = whole.frames(anchors=("buildings",))
    assert list(frames["buildings"].geometry.geom_type) == ["Point", "Point"]
    assert list(frames["villages"].geometry.geom_type) == ["Polygon", "Polygon"]


def test_anchor_frames_of_a_copy_without_anchors_are_computed(two_villages: LayerStore):
    """A copy written before anchors were kept (or of a point layer) still gives every feature's anchor point."""
    two_villages.insert("roads", road(name="甲路"))
    frame = two_villages.frame("roads")
    (copy,) = _copies(two_villages, "roads")
    table = pq.read_table(copy)
    pq.write_table(table.drop_columns([columnar.ANCHOR]), copy)  # as an older version wrote it
    anchors = LayerStore(two_villages.data_dir).frame("roads", anchors=True)
    assert list(anchors.geometry) == list(shapely.point_on_surface(frame.geometry.to_numpy()))
    assert anchors.geometry[0].intersects(frame.geometry[0].buffer(1e-9))  # a point on the road
