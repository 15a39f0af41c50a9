"""Several layers written as one change: all or nothing, and one undo takes it back."""

from __future__ import annotations

import pytest

from geoplan.errors import ValidationFailed
from geoplan.layers import LayerStore

ROAD = {"type": "Feature", "id": "road-x", "geometry": {"type": "LineString", "coordinates": [[108, 30], [108.01, 30]]},
        "properties": {"name": "新路", "status": "planned", "road_class": "village", "surface": "paved"}}  # fmt: skip
CLINIC = {"type": "Feature", "id": "clinic-x", "geometry": {"type": "Point", "coordinates": [108.005, 30.001]},
          "properties": {"name": "卫生室", "status": "planned", "kind": "clinic"}}  # fmt: skip


def test_one_change_over_two_layers_and_one_undo(empty_store: LayerStore) -> None:
    result = empty_store.write_change({"roads": [ROAD], "facilities": [CLINIC]})
    summary = [c for c in empty_store.changes() if c.change == result.change]
    assert len(summary) == 1 and set(summary[0].layers) == {"roads", "facilities"} and summary[0].count == 2
    empty_store.undo(result.change)
    assert empty_store.count("roads") == 0 and empty_store.count("facilities") == 0


def test_a_bad_feature_in_one_layer_writes_nothing_anywhere(empty_store: LayerStore) -> None:
    bad = {**CLINIC, "properties": {**CLINIC["properties"], "kind": "spaceport"}}
    with pytest.raises(ValidationFailed):
        empty_store.write_change({"roads": [ROAD], "facilities": [bad]})
    assert empty_store.count("roads") == 0 and empty_store.changes() == []


def test_replace_turns_a_candidate_planned(empty_store: LayerStore) -> None:
    empty_store.insert("facilities", {**CLINIC, "properties": {**CLINIC["properties"], "status": "candidate"}})
    result = empty_store.write_change({}, {"facilities": [CLINIC]})
    assert empty_store.get("facilities", "clinic-x")["properties"]["status"] == "planned"
    empty_store.undo(result.change)
    assert empty_store.get("facilities", "clinic-x")["properties"]["status"] == "candidate"
