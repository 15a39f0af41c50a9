"""A torn last record in the change log (power loss, full disk) is ignored by readers and cut off by the next writer.

Before, a partial record glued itself to the next append: that next change vanished from ``changes``/``history``,
the previous real change was taken for aborted and ``undo`` reverted the wrong change.
"""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

import orjson
import pytest

from geoplan.layers import LayerStore
from tests.layers.conftest import road

TORN_CHANGE = "20991231T235959000000-dead00"


@pytest.fixture
def logged(empty_store: LayerStore) -> tuple[LayerStore, str, list[str], bytes]:
    """A road inserted then renamed (changes A, B); and the bytes of a record a crashed third write had begun."""
    store = empty_store
    fid = store.insert("roads", road("旧名") | {"id": "r1"})["id"]
    store.patch("roads", fid, {"properties": {"name": "新名"}})
    ids = [c.change for c in store.changes()]
    log = store.data_dir / ".geoplan" / "changes" / "roads.jsonl"
    last = orjson.loads(log.read_bytes().splitlines()[-1])
    torn = orjson.dumps(last | {"change": TORN_CHANGE, "after": {**last["after"], "id": "r1"}}) + b"\n"
    return store, fid, ids, torn


def _reset(data: Path, pristine: Path, torn: bytes) -> None:
    shutil.rmtree(data)
    shutil.copytree(pristine, data)
    with (data / ".geoplan" / "changes" / "roads.jsonl").open("ab") as fh:
        fh.write(torn)


def test_every_torn_length_keeps_changes_history_and_undo_right(logged, tmp_path: Path, caplog, monkeypatch) -> None:
    store, fid, ids, record = logged
    monkeypatch.setattr(os, "fsync", lambda fd: None)  # durability is not under test; hundreds of rounds are
    data = store.data_dir
    pristine = tmp_path / "pristine"
    shutil.copytree(data, pristine)
    log = data / ".geoplan" / "changes" / "roads.jsonl"
    caplog.set_level(logging.WARNING, logger="geoplan.layers")
    for cut in range(1, len(record)):  # every length short of the full line (with its newline)
        _reset(data, pristine, record[:cut])
        s = LayerStore(data)
        assert [c.change for c in s.changes()] == ids, cut
        assert [v.feature["properties"]["name"] for v in s.history("roads", fid)] == ["旧名", "新名"], cut

        s.patch("roads", fid, {"properties": {"name": "第三名"}})
        after = [c.change for c in s.changes()]
        assert after[:2] == ids and len(after) == 3, cut
        assert log.read_bytes().endswith(b"\n") and all(orjson.loads(x) for x in log.read_bytes().splitlines())
        assert [v.version for v in s.history("roads", fid)] == [1, 2, 3], cut
        # undo writes like patch does (same repaired log): checked on a quarter of the lengths and the last few,
        # where the torn record is whole JSON missing only its newline.
        if cut % 4 == 0 or cut > len(record) - 8:
            undone = s.undo()
            assert undone.message == f"undo {after[2]}", cut  # the change just made, not the one before it
            assert s.get("roads", fid)["properties"]["name"] == "新名", cut
            assert [c.op for c in s.changes()] == ["insert", "patch", "patch", "undo"], cut
    assert sum("torn last record" in r.getMessage() for r in caplog.records) == len(record) - 1


def test_a_whole_record_glued_to_a_torn_one_by_an_old_writer_is_recovered(logged) -> None:
    store, fid, ids, record = logged
    log = store.data_dir / ".geoplan" / "changes" / "roads.jsonl"
    lines = log.read_bytes().splitlines(keepends=True)
    log.write_bytes(lines[0] + record[:40] + lines[1])  # what the old append did after a torn write
    s = LayerStore(store.data_dir)
    assert [c.change for c in s.changes()] == ids
    assert [v.version for v in s.history("roads", fid)] == [1, 2]
