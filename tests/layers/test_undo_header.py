"""An undo that takes a layer back exactly to its state before a change leaves the file byte-identical, header too.

The header's ``last_change`` also tells a committed change-log tail from one whose layer file never landed, so the
crash windows of such an undo are checked here: killed after the log append and before the rename, the undo is
not committed and the layer is as it was; killed after the rename, it is committed.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import orjson
import pytest

from geoplan.layers import LayerStore
from geoplan.layers.changelog import ChangeLog
from geoplan.layers.files import read_head
from geoplan.layers.survey import Survey

from .conftest import road


def files(data: Path, *, orphans: bool = True) -> dict[str, bytes]:
    """Every file of the data directory but the store's bookkeeping (change logs, locks, cache); without
    ``orphans``, also without the temporary copy a killed writer leaves (the next writer removes it)."""
    return {
        p.relative_to(data).as_posix(): p.read_bytes()
        for p in sorted(data.rglob("*"))
        if p.is_file()
        and ".geoplan" not in p.relative_to(data).parts
        and (orphans or not (p.name.startswith(".") and p.name.endswith(".tmp")))
    }


def header(store: LayerStore, layer: str) -> str | None:
    return read_head(store.path(layer)).get("last_change")


@pytest.fixture
def roads(two_villages: LayerStore) -> LayerStore:
    """Two villages and one road: the roads file exists and its header names a change."""
    two_villages.insert("roads", road("原有"))
    return two_villages


def facility(name: str = "新卫生室") -> dict:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [109.45, 30.33]},
        "properties": {"name": name, "kind": "clinic", "status": "planned"},
    }


def test_post_then_undo_leaves_every_demo_file_byte_identical(demo_store: LayerStore) -> None:
    data = demo_store.data_dir
    before = files(data)
    assert read_head(demo_store.path("facilities"))["last_change"] is None  # as shipped
    fid = demo_store.insert("facilities", facility(), actor="alice")["id"]
    assert files(data) != before and header(demo_store, "facilities") == demo_store.changes()[-1].change
    undo = demo_store.undo(actor="alice")
    assert files(data) == before
    # the undo is still a committed change in the log, and the feature's history is kept
    assert [(c.op, c.count) for c in demo_store.changes()] == [("insert", 1), ("undo", 1)]
    assert demo_store.changes()[-1].change == undo.change
    assert [v.version for v in demo_store.history("facilities", fid)] == [1]
    assert demo_store.snapshot("facilities").get(fid) is None
    # a later write goes on from there, named by its own change, and undoing it is exact again
    other = demo_store.insert("facilities", facility("另一处"))
    assert header(demo_store, "facilities") == demo_store.changes()[-1].change != undo.change
    assert other["properties"]["version"] == 1
    demo_store.undo()
    assert files(data) == before


def test_stacked_undos_go_back_one_file_at_a_time(roads: LayerStore) -> None:
    two_villages, data = roads, roads.data_dir
    start = files(data)
    a = two_villages.insert_many("roads", [road("甲路"), road("乙路")]).change
    after_a = files(data)
    b = two_villages.insert_many("roads", [road("丙路")]).change
    two_villages.undo(b)
    assert files(data) == after_a and header(two_villages, "roads") == a
    two_villages.undo(a)  # no longer the log's last change, but the file is as it left it
    assert files(data) == start
    ops = ["insert", "import", "import", "undo", "undo"]
    assert [c.op for c in two_villages.changes("roads")] == ops
    fresh = LayerStore(data)  # another process reads the same: every change committed, nothing pending
    assert [c.op for c in fresh.changes("roads")] == ops
    assert ChangeLog(data / ".geoplan" / "changes" / "roads.jsonl").uncommitted_tail(header(fresh, "roads")) is None


def test_an_undo_that_does_not_restore_the_previous_state_names_itself(roads: LayerStore) -> None:
    """Today's behaviour where the file cannot go back: not the state the change left, or new versions."""
    two_villages = roads
    first = two_villages.insert("roads", road("先"))["id"]
    two_villages.insert("roads", road("后"))
    undo_first = two_villages.undo(two_villages.changes()[-2].change)  # the layer has moved on since
    assert header(two_villages, "roads") == undo_first.change
    assert first not in {f["id"] for f in two_villages.features("roads")}

    fid = two_villages.features("roads")[0]["id"]
    two_villages.patch("roads", fid, {"properties": {"name": "改名"}})
    undo_patch = two_villages.undo()  # the latest change, but the name comes back as a new version
    assert header(two_villages, "roads") == undo_patch.change
    assert two_villages.get("roads", fid)["properties"]["version"] == 3

    two_villages.delete("roads", fid)
    undo_delete = two_villages.undo()
    assert header(two_villages, "roads") == undo_delete.change
    assert two_villages.get("roads", fid)["properties"]["version"] == 4  # versions never repeat


def test_undo_of_an_exact_undo_redoes_with_new_versions(roads: LayerStore) -> None:
    two_villages = roads
    seeded = header(roads, "roads")
    fid = two_villages.insert("roads", road("重做"))["id"]
    undo = two_villages.undo()
    assert header(two_villages, "roads") == seeded
    redo = two_villages.undo(undo.change)
    assert two_villages.get("roads", fid)["properties"]["version"] == 2
    assert header(two_villages, "roads") == redo.change
    assert [v.version for v in two_villages.history("roads", fid)] == [1, 2]
    # and restoring the first version is a write like any other
    assert two_villages.restore("roads", fid, 1)["properties"]["version"] == 3
    assert header(two_villages, "roads") == two_villages.changes()[-1].change


def test_survey_declaration_undone_restores_the_file(roads: LayerStore) -> None:
    two_villages, data = roads, roads.data_dir
    before = files(data)
    two_villages.set_survey("roads", Survey.from_json({"scope": "all"}))
    assert files(data) != before
    two_villages.undo()
    assert files(data) == before


KILL_SCRIPT = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    import geoplan.layers.files as files
    from geoplan.layers import LayerStore

    def die(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGKILL)

    if sys.argv[2] == "before-rename":  # the undo's records are logged, its file is staged, not renamed
        files.os.replace = die
    else:  # the file is renamed into place; the process dies before anything else
        files._fsync_dir = die
    LayerStore(Path(sys.argv[1])).undo()
    """
)


@pytest.fixture(params=["demo", "roads"], ids=["header-null", "header-a-change"])
def crashable(request: pytest.FixtureRequest) -> tuple[LayerStore, str, dict]:
    """A store, a layer and a feature to insert: the demo's facilities (header null) or a road (header a change)."""
    if request.param == "demo":
        return request.getfixturevalue("demo_store"), "facilities", facility()
    return request.getfixturevalue("roads"), "roads", road("将撤销")


def _killed_undo(data: Path, where: str) -> None:
    proc = subprocess.run([sys.executable, "-c", KILL_SCRIPT, str(data), where], capture_output=True, timeout=120)
    assert proc.returncode == -9, proc.stderr.decode()


def _log(data: Path, layer: str) -> ChangeLog:
    return ChangeLog(data / ".geoplan" / "changes" / f"{layer}.jsonl")


def _log_tail(data: Path, layer: str) -> dict:
    return orjson.loads(_log(data, layer).path.read_bytes().splitlines()[-1])


def test_killed_before_the_rename_the_undo_is_not_committed(crashable) -> None:
    store, layer, feature = crashable
    data = store.data_dir
    start = files(data)
    fid = store.insert(layer, feature)["id"]
    inserted = files(data)
    _killed_undo(data, "before-rename")
    assert files(data, orphans=False) == inserted  # the layer is unchanged …
    tail = _log_tail(data, layer)
    assert tail["op"] == "undo" and tail["header"]["before"] == header(store, layer)  # … its record was appended
    fresh = LayerStore(data)
    assert _log(data, layer).uncommitted_tail(header(fresh, layer)) == tail["change"]
    assert _log(data, layer).committed(header(fresh, layer))[-1].op == "insert"
    assert all(c.op != "undo" for c in fresh.changes())
    assert fresh.get(layer, fid)["properties"]["version"] == 1
    assert [v.version for v in fresh.history(layer, fid)] == [1]
    # the next writer marks it aborted; the undo, done again, is exact
    again = fresh.undo()
    assert again.change != tail["change"] and files(data) == start
    assert [c.op for c in LayerStore(data).changes(layer)][-2:] == ["insert", "undo"]
    assert _log(data, layer).uncommitted_tail(header(fresh, layer)) is None


def test_killed_after_the_rename_the_undo_is_committed(crashable) -> None:
    store, layer, feature = crashable
    data = store.data_dir
    start = files(data)
    fid = store.insert(layer, feature)["id"]
    _killed_undo(data, "after-rename")
    assert files(data) == start
    fresh = LayerStore(data)
    tail = _log_tail(data, layer)
    assert tail["op"] == "undo" and tail["header"]["after"] == header(fresh, layer)
    assert _log(data, layer).uncommitted_tail(header(fresh, layer)) is None
    assert fresh.changes()[-1].change == tail["change"]
    assert fresh.snapshot(layer).get(fid) is None and [v.version for v in fresh.history(layer, fid)] == [1]
    # the next write goes on from there; its record says what the header was
    fresh.insert(layer, feature | {"id": None})
    assert _log_tail(data, layer)["header"]["before"] == tail["header"]["after"]
    assert [c.op for c in fresh.changes(layer)][-3:] == ["insert", "undo", "insert"]
