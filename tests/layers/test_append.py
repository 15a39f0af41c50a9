"""Writes splice the touched lines into the old file's bytes: the file is exactly what a full rewrite gives."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pandas as pd
import pytest

from geoplan.errors import DataFileError, FeatureExists, FeatureNotFound, VersionConflict
from geoplan.layers import LayerStore
from geoplan.layers import store as store_module
from geoplan.layers.files import FeatureLines, encode_collection, read_collection

from .conftest import road


def _rewritten(store: LayerStore, layer: str) -> bytes:
    """The layer file as a full encode of its parsed content would write it."""
    data = orjson.loads(store.path(layer).read_bytes())
    head = {k: v for k, v in data.items() if k not in ("type", "name", "features")}
    return encode_collection(layer, data["features"], head)


def _content(path: Path) -> list[tuple[Any, ...]]:
    """What a layer holds, without what differs between two runs of the same writes (timestamps)."""
    out = []
    for f in orjson.loads(path.read_bytes())["features"]:
        props = {k: v for k, v in f["properties"].items() if k != "updated_at"}
        out.append((f["id"], f["geometry"], props))
    return out


@pytest.fixture
def spliced(monkeypatch: pytest.MonkeyPatch) -> None:
    """No layer is kept parsed after a write, as for a county's footprints: every later write splices lines."""
    monkeypatch.setattr(store_module, "KEEP_PARSED_FEATURES", 0)


def _writes(store: LayerStore, check: Any) -> None:
    """Inserts, replaces, patches, deletes (first, middle, last line) and a re-insert, checking after each."""
    a = store.insert("roads", road(name="甲路") | {"id": "road-1"})
    check()
    store.insert("roads", road(name="乙路") | {"id": "road-10"})  # an id that road-1 is a prefix of
    check()
    store.insert_many("roads", [road(name="丙路") | {"id": "road-2"}, road(name="丁路") | {"id": "road-3"}])
    check()
    store.patch("roads", "road-10", {"properties": {"width_m": 4.5}}, if_match=1)  # a middle line
    check()
    store.replace("roads", "road-3", road(name="戊路"))  # the last line
    check()
    store.delete("roads", a["id"])  # the first line
    check()
    store.insert("roads", road(name="甲路") | {"id": "road-1"})  # re-inserted: appended, its version goes on
    check()
    store.delete("roads", "road-1")  # now the last line
    check()
    store.write_change(
        {"roads": [road(name="己路") | {"id": "road-4"}]}, {"roads": [road(name="乙路") | {"id": "road-10"}]}
    )
    check()


def test_spliced_writes_give_the_bytes_and_content_of_full_rewrites(
    two_villages: LayerStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    # the same writes through the parsed snapshot (a small layer's way) as the reference
    reference = LayerStore(tmp_path / "reference")
    reference.data_dir.mkdir()
    (reference.data_dir / "villages.geojson").write_bytes(two_villages.path("villages").read_bytes())
    _writes(reference, lambda: None)

    monkeypatch.setattr(store_module, "KEEP_PARSED_FEATURES", 0)
    path = two_villages.path("roads")

    def check() -> None:
        raw = path.read_bytes()
        assert raw == _rewritten(two_villages, "roads")
        assert "roads" not in two_villages._cache  # nothing per feature held after the write

    _writes(two_villages, check)
    assert _content(path) == _content(reference.path("roads"))
    assert [f["id"] for f in LayerStore(two_villages.data_dir).features("roads")] == [
        "road-10",
        "road-2",
        "road-3",
        "road-4",
    ]


def test_spliced_writes_check_existence_and_versions_of_the_touched_ids(two_villages: LayerStore, spliced: None):
    two_villages.insert_many("roads", [road() | {"id": "road-1"}, road() | {"id": "road-10"}])
    with pytest.raises(FeatureExists):
        two_villages.insert("roads", road() | {"id": "road-10"})
    with pytest.raises(FeatureNotFound):
        two_villages.patch("roads", "road-", {"properties": {"width_m": 3}})
    with pytest.raises(VersionConflict):
        two_villages.delete("roads", "road-1", if_match=2)
    assert (
        two_villages.patch("roads", "road-1", {"properties": {"width_m": 3}}, if_match=1)["properties"]["version"] == 2
    )


def test_a_large_layer_is_written_without_parsing_it(
    two_villages: LayerStore, spliced: None, monkeypatch: pytest.MonkeyPatch
):
    two_villages.insert_many("roads", [road(name=f"路{i}") for i in range(50)])
    fid = two_villages.features("roads")[17]["id"]
    store = LayerStore(two_villages.data_dir)
    store.frame("roads")  # a server's first read: parses the file whole once (and keeps its columnar copy)

    def no_parse(path: Path) -> dict[str, Any]:
        assert path.name != "roads.geojson", "the written layer was parsed whole"
        return read_collection(path)  # the villages: read to place a feature in its village

    monkeypatch.setattr(store_module, "read_collection", no_parse)
    store.patch("roads", fid, {"properties": {"width_m": 6.0}})
    store.insert("roads", road(name="新路"))
    store.delete("roads", fid)
    monkeypatch.undo()
    assert store.path("roads").read_bytes() == _rewritten(store, "roads")
    assert len(store.features("roads")) == 50


def test_a_damaged_file_never_parsed_whole_is_refused_not_spliced(two_villages: LayerStore, spliced: None):
    two_villages.insert_many("roads", [road(), road()])
    path = two_villages.path("roads")
    lines = path.read_bytes().split(b"\n")
    lines[1] = (
        lines[1][:-30] + b"," if lines[1].endswith(b",") else lines[1][:-30]
    )  # a cut line, still a feature's start
    damaged = b"\n".join(lines)
    path.write_bytes(damaged)
    with pytest.raises(DataFileError):
        LayerStore(two_villages.data_dir).insert("roads", road())
    assert path.read_bytes() == damaged


def test_a_file_in_another_layout_is_rewritten_in_full(two_villages: LayerStore, spliced: None):
    first = two_villages.insert("roads", road(name="甲路"))
    path = two_villages.path("roads")
    doc = orjson.loads(path.read_bytes())
    path.write_bytes(orjson.dumps(doc))  # one line, as another tool writes it
    assert FeatureLines.of(path.read_bytes()) is None
    second = two_villages.insert("roads", road(name="乙路"))
    raw = path.read_bytes()
    assert raw == _rewritten(two_villages, "roads")
    assert [f["id"] for f in orjson.loads(raw)["features"]] == [first["id"], second["id"]]


def test_feature_lines_find_whole_ids_and_refuse_other_layouts():
    one = {"type": "Feature", "id": "r1", "geometry": None, "properties": {"name": "甲"}}
    empty = encode_collection("roads", [], {"last_change": None})
    lines = FeatureLines.of(empty)
    assert lines is not None and lines.count == 0 and lines.find("r1") is None
    assert b"".join(lines.spliced("roads", {"last_change": "c1"}, {}, [one])) == encode_collection(
        "roads", [one], {"last_change": "c1"}
    )
    three = [one, one | {"id": "r10", "properties": {"name": "乙"}}, one | {"properties": {"name": "丙"}}]
    lines = FeatureLines.of(encode_collection("roads", three, {"last_change": "c1"}))
    assert (
        lines is not None
        and lines.count == 3
        and lines.head == {"type": "FeatureCollection", "name": "roads", "last_change": "c1"}
    )
    assert lines.feature("r1") == three[2]  # the last of a repeated id, as a whole parse keeps
    assert lines.feature("r10") == three[1] and lines.feature("r") is None and lines.feature("1") is None
    start, end = lines.find("r10")  # type: ignore[misc]
    assert b"".join(lines.spliced("roads", None, {start: (end, None)}, [])) == encode_collection(
        "roads", [one, three[2]]
    )
    numeric = encode_collection("roads", [one | {"id": 7}], None)  # a number id: not found by its text
    assert FeatureLines.of(numeric) is None
    assert FeatureLines.of(orjson.dumps({"type": "FeatureCollection", "features": [one]})) is None
    assert FeatureLines.of(encode_collection("roads", three)[:-1]) is None  # no closing newline


def test_the_frame_after_a_spliced_write_is_the_held_one_patched(
    two_villages: LayerStore, spliced: None, monkeypatch: pytest.MonkeyPatch
):
    two_villages.insert_many("roads", [road(name=f"路{i}", width_m=float(i)) for i in range(6)])
    ids = [f["id"] for f in two_villages.features("roads")]
    store = LayerStore(two_villages.data_dir)
    store.frame("roads")  # held, as a server holds it

    def no_parse(path: Path) -> dict[str, Any]:
        assert path.name != "roads.geojson", "the written layer was parsed whole"
        return read_collection(path)

    monkeypatch.setattr(store_module, "read_collection", no_parse)
    store.patch("roads", ids[2], {"properties": {"width_m": 9.5, "name": "改路"}})
    store.delete("roads", ids[0])
    store.insert("roads", road(name="新路") | {"id": "road-new"})
    store.delete("roads", ids[5])
    patched = store.frame("roads")
    monkeypatch.undo()
    parsed = LayerStore(store.data_dir).frame("roads")
    assert patched["id"].tolist() == [ids[1], ids[2], ids[3], ids[4], "road-new"] == parsed["id"].tolist()
    for column in ["name", "width_m", "version", "village_code"]:
        pd.testing.assert_series_equal(patched[column], parsed[column])  # values and dtype (NaN where unset)
    assert patched.geometry.geom_equals_exact(parsed.geometry, tolerance=0).all()
    assert patched.attrs["survey"] == parsed.attrs["survey"]


def test_ids_written_with_escapes_are_not_spliced(two_villages: LayerStore, spliced: None):
    """Another tool may write an id as ``"road\\u002d1"``: the splice finds ids as orjson writes them, so such a
    file goes the whole-parse way, and an insert of the same id is still refused, never a duplicate."""
    two_villages.insert("roads", road(name="甲路") | {"id": "road-1"})
    path = two_villages.path("roads")
    escaped = path.read_bytes().replace(b'"id":"road-1"', b'"id":"road\\u002d1"')
    path.write_bytes(escaped)
    assert FeatureLines.of(escaped) is None
    store = LayerStore(two_villages.data_dir)
    store.frame("roads")  # parsed whole once, as a server's first read does
    with pytest.raises(FeatureExists):
        store.insert("roads", road(name="乙路") | {"id": "road-1"})
    assert [f["id"] for f in orjson.loads(path.read_bytes())["features"]] == ["road-1"]
    assert store.patch("roads", "road-1", {"properties": {"width_m": 3.0}})["properties"]["version"] == 2
