"""Inserts splice the new lines into the old file's bytes: the file is exactly what a full rewrite gives."""

from __future__ import annotations

import orjson

from geoplan.layers import LayerStore
from geoplan.layers.files import append_encoded, encode_collection

from .conftest import road


def _rewritten(store: LayerStore, layer: str) -> bytes:
    """The layer file as a full encode of its parsed content would write it."""
    data = orjson.loads(store.path(layer).read_bytes())
    return encode_collection(layer, data["features"], {"last_change": data["last_change"]})


def test_inserts_give_the_bytes_of_a_full_rewrite(two_villages: LayerStore):
    a = two_villages.insert("roads", road(name="甲路"))  # into a missing file: encoded in full
    b = two_villages.insert("roads", road(name="乙路"))  # spliced
    many = two_villages.insert_many("roads", [road(name="丙路"), road(name="丁路")])  # spliced, one change
    raw = two_villages.path("roads").read_bytes()
    assert raw == _rewritten(two_villages, "roads")
    ids = [f["id"] for f in orjson.loads(raw)["features"]]
    assert ids == [a["id"], b["id"], *(f["id"] for f in many.features)]
    assert orjson.loads(raw)["last_change"] == many.change
    assert [f["id"] for f in LayerStore(two_villages.data_dir).features("roads")] == ids


def test_a_file_in_another_layout_is_rewritten_in_full(two_villages: LayerStore):
    first = two_villages.insert("roads", road(name="甲路"))
    path = two_villages.path("roads")
    doc = orjson.loads(path.read_bytes())
    path.write_bytes(orjson.dumps(doc))  # one line, as another tool writes it
    assert append_encoded(path.read_bytes(), "roads", 1, [road()], {"last_change": "x"}) is None
    second = two_villages.insert("roads", road(name="乙路"))
    raw = path.read_bytes()
    assert raw == _rewritten(two_villages, "roads")
    assert [f["id"] for f in orjson.loads(raw)["features"]] == [first["id"], second["id"]]


def test_splicing_checks_the_feature_count_and_handles_an_empty_layer():
    empty = encode_collection("roads", [], {"last_change": None})
    one = {"type": "Feature", "id": "r1", "geometry": None, "properties": {"name": "甲"}}
    assert append_encoded(empty, "roads", 0, [one], {"last_change": "c1"}) == encode_collection(
        "roads", [one], {"last_change": "c1"}
    )
    two = encode_collection("roads", [one, one | {"id": "r2"}], {"last_change": "c1"})
    assert append_encoded(two, "roads", 3, [one], {"last_change": "c2"}) is None  # not the snapshot's file
