"""Backups under load: every write acknowledged before the backup began is in it, and a restore is all or nothing."""

from __future__ import annotations

import io
import multiprocessing as mp
import tarfile
import time
from pathlib import Path

import pytest

from geoplan.layers import LayerStore
from geoplan.layers.backup import BackupError, read_manifest, restore_store
from geoplan.layers.files import read_collection

from .conftest import road

WRITERS = 3
BATCH = 3  # features per change of the batch writer: a restore must hold all of a change or none


def _writer(data_dir: str, writer: int, acks: str, stop: str) -> None:
    """Write until ``stop`` exists; after each write returns, append its change and ids to ``acks``."""
    store = LayerStore(Path(data_dir))
    n = 0
    with open(acks, "a", encoding="utf-8") as log:
        while not Path(stop).exists() and n < 400:
            if writer == 0:  # batches, like an import
                res = store.insert_many("roads", [road(name=f"w{writer}-{n}-{k}") for k in range(BATCH)])
                ids = [f["id"] for f in res.features]
                change = res.change
            else:
                f = store.insert("roads", road(name=f"w{writer}-{n}"))
                ids, change = [f["id"]], "-"
            log.write(f"{change} {' '.join(ids)}\n")
            log.flush()
            n += 1


def _acked(paths: list[Path]) -> list[list[str]]:
    """Each acknowledged write as [change, id, …] (only complete lines)."""
    out = []
    for p in paths:
        text = p.read_text(encoding="utf-8") if p.exists() else ""
        out += [line.split() for line in text.splitlines(keepends=True) if line.endswith("\n")]
    return out


def test_backup_during_concurrent_writes_keeps_every_acknowledged_write(two_villages: LayerStore, tmp_path: Path):
    data = two_villages.data_dir
    two_villages.insert("roads", road(name="原有"))
    ctx = mp.get_context("spawn")
    stop = tmp_path / "stop"
    acks = [tmp_path / f"acks{w}.txt" for w in range(WRITERS)]
    procs = [ctx.Process(target=_writer, args=(str(data), w, str(acks[w]), str(stop))) for w in range(WRITERS)]
    for p in procs:
        p.start()
    try:
        deadline = time.monotonic() + 120
        while len(_acked(acks)) < 30 and time.monotonic() < deadline:  # writers are running
            time.sleep(0.05)
        before = _acked(acks)  # acknowledged before the backup started
        archive = LayerStore(data).backup(tmp_path / "backup.tar.gz").path
        after_backup = len(_acked(acks))
        time.sleep(0.5)  # and they keep writing afterwards
    finally:
        stop.touch()
        for p in procs:
            p.join(timeout=120)
    assert [p.exitcode for p in procs] == [0] * WRITERS
    assert len(before) >= 30 and len(_acked(acks)) > after_backup  # writes went on during and after

    restored = restore_store(archive, tmp_path / "restored", two_villages.layer_names).data_dir
    store = LayerStore(restored)
    ids = {f["id"] for f in store.features("roads")}
    acked_ids = {i for line in before for i in line[1:]}
    assert acked_ids <= ids, f"{len(acked_ids - ids)} acknowledged writes missing from the backup"
    # nothing half-written: every batch is whole or absent, and the file and its change log agree
    for change, *batch in (line for line in _acked(acks) if line[0] != "-"):
        present = [i in ids for i in batch]
        assert all(present) or not any(present), f"change {change} restored in part"
    assert store.validate_files().problems == []
    inserts = [c for c in store.changes("roads") if c.op in ("insert", "import")]
    assert sum(c.count for c in inserts) == len(ids)
    assert read_collection(restored / "roads.geojson")["last_change"] == read_manifest(archive)["layers"]["roads"]
    # the snapshot is of one moment: the live layer has gone on past it
    assert len(LayerStore(data).features("roads")) > len(ids)


def test_backup_after_an_exact_undo_names_the_restored_header(two_villages: LayerStore, tmp_path: Path):
    """An undo that put a layer back as it was restores its header: the manifest says so, the log agrees."""
    kept = two_villages.insert("roads", road(name="保留"))
    first = two_villages.changes()[-1].change
    two_villages.insert("roads", road(name="撤销"))
    undo = two_villages.undo()
    archive = two_villages.backup(tmp_path / "b.tar.gz").path
    assert read_manifest(archive)["layers"]["roads"] == first
    restored = LayerStore(restore_store(archive, tmp_path / "restored", two_villages.layer_names).data_dir)
    assert restored.changes()[-1].change == undo.change  # committed, not taken for a crashed write
    assert [f["id"] for f in restored.features("roads")] == [kept["id"]]
    assert (tmp_path / "restored" / "roads.geojson").read_bytes() == two_villages.path("roads").read_bytes()


def test_restore_replaces_the_directory_and_keeps_the_old_one(two_villages: LayerStore, tmp_path: Path):
    data = two_villages.data_dir
    kept = two_villages.insert("roads", road(name="备份前"))
    archive = two_villages.backup(tmp_path / "b.tar.gz").path
    two_villages.insert("roads", road(name="备份后"))
    summary = restore_store(archive, data, two_villages.layer_names)
    names = {f["properties"]["name"] for f in LayerStore(data).features("roads")}
    assert names == {"备份前"} and kept["id"] in {f["id"] for f in LayerStore(data).features("roads")}
    assert summary.previous is not None and summary.previous.name.startswith(f"{data.name}.before-restore-")
    assert {f["properties"]["name"] for f in LayerStore(summary.previous).features("roads")} == {"备份前", "备份后"}
    assert not any(p.name.startswith(f".{data.name}.restore-") for p in data.parent.iterdir())  # scratch removed


def _rewrite(archive: Path, out: Path, change) -> Path:
    """A copy of ``archive`` with its members passed through ``change(name, bytes) -> bytes | None``."""
    with tarfile.open(archive) as src, tarfile.open(out, "w:gz") as dst:
        for m in src.getmembers():
            body = change(m.name, src.extractfile(m).read())
            if body is not None:
                m.size = len(body)
                dst.addfile(m, io.BytesIO(body))
    return out


@pytest.mark.parametrize(
    "damage",
    [
        lambda name, body: body[:-10] if name == "data/roads.geojson" else body,  # a file cut short
        lambda name, body: None if name.startswith("data/.geoplan/changes/") else body,  # a file missing
        "truncated",  # the archive itself cut off
    ],
    ids=["cut-file", "missing-file", "truncated-archive"],
)
def test_a_damaged_backup_restores_nothing(two_villages: LayerStore, tmp_path: Path, damage):
    data = two_villages.data_dir
    two_villages.insert("roads", road(name="现有"))
    archive = two_villages.backup(tmp_path / "b.tar.gz").path
    if damage == "truncated":
        bad = tmp_path / "bad.tar.gz"
        bad.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    else:
        bad = _rewrite(archive, tmp_path / "bad.tar.gz", damage)
    before = {p: p.read_bytes() for p in sorted(data.rglob("*")) if p.is_file()}
    with pytest.raises(BackupError):
        restore_store(bad, data, two_villages.layer_names)
    assert {p: p.read_bytes() for p in sorted(data.rglob("*")) if p.is_file()} == before
    assert not any(".restore-" in p.name or ".before-restore-" in p.name for p in data.parent.iterdir())


def test_an_archive_escaping_its_layout_is_refused(two_villages: LayerStore, tmp_path: Path):
    archive = two_villages.backup(tmp_path / "b.tar.gz").path
    evil = tmp_path / "evil.tar.gz"
    with tarfile.open(archive) as src, tarfile.open(evil, "w:gz") as dst:
        for m in src.getmembers():
            dst.addfile(m, src.extractfile(m))
        info = tarfile.TarInfo("data/../../escaped.txt")
        info.size = 1
        dst.addfile(info, io.BytesIO(b"x"))
    with pytest.raises(BackupError, match="outside"):
        restore_store(evil, tmp_path / "target", two_villages.layer_names)
    assert not (tmp_path / "escaped.txt").exists() and not (tmp_path / "target").exists()


def test_backup_leaves_out_locks_cache_and_stale_temporaries(two_villages: LayerStore, tmp_path: Path):
    data = two_villages.data_dir
    two_villages.insert("roads", road())
    two_villages.frame("roads")  # builds the columnar read cache
    (data / ".roads.geojson.abc.tmp").write_bytes(b"half")  # a killed writer's leftover
    names = set(read_manifest(two_villages.backup(tmp_path / "b.tar.gz").path)["files"])
    assert "data/roads.geojson" in names and "data/.geoplan/changes/roads.jsonl" in names
    assert not any("/locks/" in n or "/cache/" in n or n.endswith(".tmp") for n in names)
