from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

from geoplan.errors import FeatureExists, FeatureNotFound, ValidationFailed, VersionConflict, VersionNotFound
from geoplan.layers import LayerStore
from geoplan.layers.changelog import ChangeLog
from geoplan.layers.files import read_collection

from ..conftest import stored_state
from .conftest import DLAT, DLON, LAT0, LON0, road


def test_insert_assigns_id_version_timestamp_and_village(two_villages: LayerStore):
    # The road's midpoint is 0.45 km east of the west village's edge: inside 422801105201.
    saved = two_villages.insert("roads", road())
    props = saved["properties"]
    assert saved["id"].startswith("road-")
    assert props["version"] == 1 and props["updated_at"].endswith("Z")
    assert props["village_code"] == "422801105201"
    assert two_villages.get("roads", saved["id"]) == saved


def test_village_code_follows_the_line_midpoint(two_villages: LayerStore):
    # From 0.9 km to 1.6 km east: midpoint at 1.25 km lies in the east village.
    coords = [[LON0 + 0.9 * DLON, LAT0 + 0.5 * DLAT], [LON0 + 1.6 * DLON, LAT0 + 0.5 * DLAT]]
    assert two_villages.insert("roads", road(coords=coords))["properties"]["village_code"] == "422801105202"


def test_given_village_code_is_kept(two_villages: LayerStore):
    assert two_villages.insert("roads", road(village_code="422801105299"))["properties"]["village_code"] == (
        "422801105299"
    )


def test_client_id_is_kept_and_duplicates_refused(two_villages: LayerStore):
    two_villages.insert("roads", road() | {"id": "road-0001"})
    with pytest.raises(FeatureExists):
        two_villages.insert("roads", road() | {"id": "road-0001"})
    with pytest.raises(ValidationFailed) as err:  # in a batch, every clash is listed with its row
        two_villages.insert_many("roads", [road(), road() | {"id": "road-0001"}])
    assert [(p.row, p.field) for p in err.value.problems] == [(2, "id")]


def test_readonly_fields_from_clients_are_overwritten(two_villages: LayerStore):
    saved = two_villages.insert("roads", road(version=99, updated_at="1999-01-01T00:00:00Z"))
    assert saved["properties"]["version"] == 1
    assert saved["properties"]["updated_at"] != "1999-01-01T00:00:00Z"


def test_float_years_from_gis_clients_are_stored_as_integers(two_villages: LayerStore):
    assert two_villages.insert("roads", road(year=2026.0))["properties"]["year"] == 2026


def test_coordinates_are_rounded_to_7_decimals(two_villages: LayerStore):
    coords = [[109.123456789, 30.000000049], [109.2, 30.1]]
    saved = two_villages.insert("roads", road(coords=coords))
    assert saved["geometry"]["coordinates"][0] == [109.1234568, 30.0]


def test_patch_replace_delete_and_versions(two_villages: LayerStore):
    fid = two_villages.insert("roads", road())["id"]
    patched = two_villages.patch("roads", fid, {"properties": {"width_m": 4.5, "year": 2026}}, if_match=1)
    assert patched["properties"]["version"] == 2 and patched["properties"]["width_m"] == 4.5
    # JSON merge patch: null removes a member.
    assert "width_m" not in two_villages.patch("roads", fid, {"properties": {"width_m": None}})["properties"]
    replaced = two_villages.replace("roads", fid, road(name="新路", status="completed"), if_match=3)
    assert replaced["properties"]["name"] == "新路" and replaced["properties"]["version"] == 4
    with pytest.raises(VersionConflict):
        two_villages.delete("roads", fid, if_match=3)
    two_villages.delete("roads", fid, if_match=4)
    with pytest.raises(FeatureNotFound):
        two_villages.get("roads", fid)


def test_invalid_patch_changes_nothing_stored(two_villages: LayerStore):
    fid = two_villages.insert("roads", road())["id"]
    before = stored_state(two_villages)
    with pytest.raises(ValidationFailed) as err:
        two_villages.patch("roads", fid, {"properties": {"surface": "marble"}})
    assert err.value.problems[0].field == "surface"
    assert stored_state(two_villages) == before


def test_feature_edited_three_times_lists_and_restores_each_earlier_version(two_villages: LayerStore):
    fid = two_villages.insert("roads", road(width_m=3.0))["id"]
    for width in (4.0, 5.0, 6.0):
        two_villages.patch("roads", fid, {"properties": {"width_m": width}})
    history = two_villages.history("roads", fid)
    assert [(v.version, v.feature["properties"]["width_m"]) for v in history] == [
        (1, 3.0),
        (2, 4.0),
        (3, 5.0),
        (4, 6.0),
    ]
    for version, width in [(1, 3.0), (3, 5.0), (2, 4.0)]:
        restored = two_villages.restore("roads", fid, version)
        assert restored["properties"]["width_m"] == width
        assert two_villages.get("roads", fid)["properties"]["width_m"] == width
    assert two_villages.get("roads", fid)["properties"]["version"] == 7
    with pytest.raises(VersionNotFound):
        two_villages.restore("roads", fid, 42)


def test_history_of_a_feature_that_predates_the_log(tmp_path: Path, catalogue):
    """Files written by other tools (or the demo generator) have no log yet: the current version still shows."""
    store = LayerStore(tmp_path)
    fid = store.insert("roads", road(width_m=3.0))["id"]
    (tmp_path / ".geoplan" / "changes" / "roads.jsonl").unlink()
    store.patch("roads", fid, {"properties": {"width_m": 4.0}})
    assert [v.version for v in store.history("roads", fid)] == [1, 2]
    assert store.restore("roads", fid, 1)["properties"]["width_m"] == 3.0


def test_deleted_feature_can_be_restored(two_villages: LayerStore):
    fid = two_villages.insert("roads", road())["id"]
    two_villages.delete("roads", fid)
    assert two_villages.history("roads", fid)[-1].version == 1
    assert two_villages.restore("roads", fid, 1)["properties"]["version"] == 2


def test_insert_many_is_all_or_nothing_and_undoable(two_villages: LayerStore):
    two_villages.insert("roads", road(name="原有道路"))
    before = two_villages.features("roads")
    bad = [road(name=f"r{i}") for i in range(5)]
    bad[3]["properties"]["surface"] = "marble"
    with pytest.raises(ValidationFailed) as err:
        two_villages.insert_many("roads", bad)
    assert [(p.row, p.field) for p in err.value.problems] == [(4, "surface")]
    assert two_villages.features("roads") == before

    good = [road(name=f"r{i}") for i in range(5)]
    two_villages.insert_many("roads", good, actor="alice", message="import roads.shp")
    assert two_villages.count("roads") == 6
    change = two_villages.changes()[-1]
    assert (change.op, change.count, change.actor, change.layers) == ("import", 5, "alice", ("roads",))
    two_villages.undo()
    assert two_villages.features("roads") == before


def test_a_second_store_sees_writes_of_the_first(tmp_path: Path):
    """Two stores over one directory stand for two API workers: caches must follow the file."""
    a, b = LayerStore(tmp_path), LayerStore(tmp_path)
    assert b.count("roads") == 0
    a.insert("roads", road())
    assert b.count("roads") == 1
    fid = b.features("roads")[0]["id"]
    b.patch("roads", fid, {"properties": {"name": "改名"}})
    assert a.get("roads", fid)["properties"]["name"] == "改名"


def test_frame_has_every_catalogue_column(two_villages: LayerStore):
    two_villages.insert("roads", road(width_m=5.0))
    frame = two_villages.frame("roads")
    assert isinstance(frame, gpd.GeoDataFrame) and frame.crs.to_epsg() == 4326
    assert list(frame.columns) == ["id", *two_villages.spec("roads").field_names, "geometry"]
    assert frame.loc[0, "width_m"] == 5.0
    assert pd.isna(frame.loc[0, "budget_wan"])  # absent, not a made-up 0
    assert two_villages.frame("buildings").empty


@pytest.mark.files_only
def test_exception_mid_write_leaves_the_file_intact(two_villages: LayerStore, monkeypatch):
    two_villages.insert("roads", road())
    path = two_villages.path("roads")
    before = path.read_bytes()

    def failing_append(self, records):
        raise OSError("disk full")

    monkeypatch.setattr(ChangeLog, "append", failing_append)
    with pytest.raises(OSError):
        two_villages.insert("roads", road(name="另一条"))
    assert path.read_bytes() == before
    assert not list(path.parent.glob(".roads.geojson.*.tmp"))  # the temporary file is cleaned up


KILL_SCRIPT = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    import geoplan.layers.files as files
    from geoplan.layers import LayerStore

    def die(*args, **kwargs):  # killed after the new file is staged and logged, before it is renamed into place
        os.kill(os.getpid(), signal.SIGKILL)

    files.os.replace = die
    store = LayerStore(Path(sys.argv[1]))
    fid = sys.argv[2]
    store.patch("roads", fid, {"properties": {"name": "killed"}})
    """
)


@pytest.mark.files_only
def test_killed_process_leaves_previous_file_and_history_consistent(two_villages: LayerStore):
    fid = two_villages.insert("roads", road(name="原名"))["id"]
    path = two_villages.path("roads")
    before = path.read_bytes()
    proc = subprocess.run([sys.executable, "-c", KILL_SCRIPT, str(two_villages.data_dir), fid], capture_output=True)
    assert proc.returncode == -9, proc.stderr.decode()
    assert path.read_bytes() == before
    assert read_collection(path)["features"][0]["properties"]["name"] == "原名"
    # The logged-but-never-landed change is not part of history …
    assert [v.version for v in two_villages.history("roads", fid)] == [1]
    assert all(c.op != "patch" for c in two_villages.changes())
    # … and the next write goes on from the file as it is.
    assert two_villages.patch("roads", fid, {"properties": {"name": "新名"}})["properties"]["version"] == 2
    assert [v.feature["properties"]["name"] for v in two_villages.history("roads", fid)] == ["原名", "新名"]


@pytest.mark.files_only
def test_written_file_is_rfc7946_one_feature_per_line(two_villages: LayerStore):
    two_villages.insert("roads", road())
    two_villages.insert("roads", road(name="第二条"))
    text = two_villages.path("roads").read_text(encoding="utf-8")
    lines = text.splitlines()
    assert len(lines) == 4 and lines[-1] == "]}"
    data = json.loads(text)
    assert data["type"] == "FeatureCollection" and "crs" not in data
    assert "第二条" in text  # UTF-8, not \\u escapes


@pytest.mark.files_only
def test_layer_files_keep_ordinary_permissions(two_villages: LayerStore):
    path = two_villages.path("villages")
    assert path.stat().st_mode & 0o644 == 0o644  # readable by a web server, not 0600 like a temp file


def test_datetime_fields_are_checked(catalogue):
    from geoplan.layers.validation import property_problems

    spec = catalogue.layer("roads")
    props = road()["properties"] | {"updated_at": "not-a-date"}
    assert [p.field for p in property_problems(catalogue, spec, "r", props)] == ["updated_at"]


def test_insert_many_returns_its_change_and_labels_problems_with_source_rows(two_villages: LayerStore):
    written = two_villages.insert_many("roads", [road(name="a"), road(name="b")])
    assert two_villages.changes()[-1].change == written.change
    assert [f["properties"]["name"] for f in written.features] == ["a", "b"]
    bad = [road(name="c"), road(name="d", surface="marble")]
    with pytest.raises(ValidationFailed) as err:
        two_villages.insert_many("roads", bad, row_numbers=[17, 512])
    assert [(p.row, p.field) for p in err.value.problems] == [(512, "surface")]


def test_an_id_that_is_not_a_string_or_number_is_refused(two_villages: LayerStore):
    for bad in ({}, [1], True):
        with pytest.raises(ValidationFailed) as err:
            two_villages.insert("roads", road() | {"id": bad})
        assert err.value.problems[0].field == "id"
    assert two_villages.count("roads") == 0
