"""Survey declarations: where a layer was surveyed, stored in the layer file, change-logged and undoable."""

from __future__ import annotations

import math
from typing import Any

import orjson
import pytest

from geoplan.errors import DataFileError
from geoplan.layers import LayerStore
from geoplan.layers.files import read_collection
from geoplan.layers.survey import Survey, SurveyError, describe, parse_codes_text, parse_option

from ..conftest import reopened
from .conftest import road

W, E = "422801105201", "422801105202"


def test_undeclared_layers_default_to_their_features(two_villages: LayerStore):
    assert two_villages.survey("roads") == Survey()
    assert not Survey().declared
    assert two_villages.frame("roads").attrs["survey"] == Survey()


@pytest.mark.files_only
def test_declaration_is_a_member_of_the_layer_file_and_a_logged_change(two_villages: LayerStore):
    two_villages.insert("roads", road() | {"id": "road-1"})
    change = two_villages.set_survey("roads", Survey("villages", (W,)), actor="alice")
    data = read_collection(two_villages.path("roads"))
    assert data["surveyed"] == {"scope": "villages", "villages": [W]}
    assert [f["id"] for f in data["features"]] == ["road-1"]  # features untouched
    assert data["last_change"] == change
    summary = two_villages.changes("roads")[-1]
    assert (summary.change, summary.op, summary.actor) == (change, "survey", "alice")
    # a fresh store (another process) reads the same declaration, and hands it to the analysis with the frame
    fresh = LayerStore(two_villages.data_dir)
    assert fresh.survey("roads") == Survey("villages", (W,))
    assert fresh.frame("roads").attrs["survey"] == Survey("villages", (W,))
    # feature history knows nothing of the layer record
    assert [v.version for v in fresh.history("roads", "road-1")] == [1]


def test_writes_keep_the_declaration_and_undo_restores_the_previous_one(two_villages: LayerStore):
    two_villages.set_survey("roads", Survey("all"))
    saved = two_villages.insert("roads", road())
    two_villages.patch("roads", saved["id"], {"properties": {"name": "新名"}})
    assert two_villages.survey("roads") == Survey("all")
    two_villages.set_survey("roads", Survey("villages", (E,)))
    two_villages.undo()
    assert reopened(two_villages).survey("roads") == Survey("all")
    assert two_villages.count("roads") == 1


def test_an_import_and_its_declaration_are_one_change(two_villages: LayerStore):
    done = two_villages.insert_many("roads", [road(), road()], survey=Survey("villages", (W,)))
    assert two_villages.survey("roads").villages == (W,)
    # a function extends the declaration read under the lock
    two_villages.insert_many("roads", [road()], survey=lambda s: Survey("villages", (*s.villages, E)))
    assert two_villages.survey("roads").villages == (W, E)
    two_villages.undo()
    two_villages.undo(done.change)
    assert two_villages.count("roads") == 0
    assert two_villages.survey("roads") == Survey()
    if isinstance(two_villages, LayerStore):
        assert "surveyed" not in read_collection(two_villages.path("roads"))


def test_residential_flag_and_area_round_trip(two_villages: LayerStore):
    area = {"type": "Polygon", "coordinates": [[[109, 30], [109.01, 30], [109.01, 30.01], [109, 30]]]}
    two_villages.set_survey("buildings", Survey("area", area=area, residential=True))
    got = reopened(two_villages).survey("buildings")
    assert got.scope == "area" and got.residential and got.area == area


def _ring(n: int) -> dict[str, Any]:
    """A valid polygon with ``n`` distinct vertices (n + 1 positions): a regular n-gon about (109.005, 30.005)."""
    pts = [[109.005 + 0.004 * math.cos(2 * math.pi * k / n), 30.005 + 0.004 * math.sin(2 * math.pi * k / n)]
           for k in range(n)]  # fmt: skip
    return {"type": "Polygon", "coordinates": [[*pts, pts[0]]]}


def test_a_declared_area_obeys_the_vertex_bound_and_nothing_is_written(two_villages: LayerStore):
    two_villages.max_vertices = 8  # as GEOPLAN_MAX_VERTICES=8 would set it
    before = len(two_villages.changes())
    # 8 positions (7 vertices + the closing one) pass; 9 do not: the same count as a feature's geometry
    two_villages.set_survey("roads", Survey("area", area=_ring(7)))
    with pytest.raises(SurveyError) as err:
        two_villages.set_survey("buildings", Survey("area", area=_ring(8)))
    assert "more than 8 vertices" in str(err.value) and "顶点超过 8 个" in err.value.text("zh")
    # an import carrying the declaration is refused whole: no feature, no declaration
    with pytest.raises(SurveyError):
        two_villages.insert_many("roads", [road()], survey=Survey("area", area=_ring(50)))
    fresh = reopened(two_villages)
    assert fresh.survey("buildings") == Survey() and fresh.survey("roads").area == _ring(7)
    assert fresh.count("roads") == 0 and len(two_villages.changes()) == before + 1


def test_an_undo_restores_an_area_accepted_before_the_bound_was_lowered(two_villages: LayerStore):
    two_villages.set_survey("roads", Survey("area", area=_ring(50)))
    two_villages.set_survey("roads", Survey("all"))
    two_villages.max_vertices = 8
    two_villages.undo()  # what was accepted is not lost because the server's bound changed since
    assert reopened(two_villages).survey("roads").area == _ring(50)
    # reading a stored declaration never applies the bound (the file may come from a server with a larger one)
    assert Survey.from_json({"scope": "area", "area": _ring(50)}).area == _ring(50)
    with pytest.raises(SurveyError):
        Survey.from_json({"scope": "area", "area": _ring(50)}, max_vertices=8)


@pytest.mark.parametrize(
    "bad",
    [
        {"scope": "everywhere"},
        {"scope": "villages", "villages": []},
        {"scope": "villages", "villages": ["4228"]},
        {"scope": "villages", "villages": [422801105201]},
        {"scope": "area", "area": {"type": "Point", "coordinates": [109, 30]}},
        {"scope": "area", "area": {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}},
        {"scope": "area", "area": {"type": "Polygon", "coordinates": [[[500, 0], [501, 0], [501, 1], [500, 0]]]}},
        {"scope": "all", "villages": [W]},
        {"scope": "all", "residential": "yes"},
        {"scope": "all", "extra": 1},
        ["all"],
        {"scope": "villages", "villages": [W + "\n"]},  # $ in Python also matches before a last newline
    ],
)
def test_malformed_declarations_are_refused_in_both_languages(bad):
    with pytest.raises(SurveyError) as err:
        Survey.from_json(bad)
    assert err.value.text("zh") != str(err.value)


@pytest.mark.files_only
def test_a_tampered_file_is_reported_not_guessed(two_villages: LayerStore):
    two_villages.insert("roads", road())
    path = two_villages.path("roads")
    data = read_collection(path)
    data["surveyed"] = {"scope": "nowhere"}
    path.write_bytes(orjson.dumps(data))
    with pytest.raises(DataFileError, match="scope"):
        LayerStore(two_villages.data_dir).survey("roads")
    problems = LayerStore(two_villages.data_dir).validate_files().problems
    assert [p.field for p in problems] == ["surveyed"]


def test_option_and_text_parsing():
    assert parse_option("all") == Survey("all")
    assert parse_option(f"{E},{W}") == Survey("villages", (W, E))
    assert parse_codes_text(f"{W}\n{E}、{W}") == (W, E)
    with pytest.raises(SurveyError):
        parse_option("甲村")
    assert "全域" in describe(Survey("all"))
    assert "2 villages" in describe(Survey("villages", (W, E)), "en")
    assert "住宅" in describe(Survey("features", residential=True))
