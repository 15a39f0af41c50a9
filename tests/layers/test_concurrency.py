"""Many writer processes on one layer: the file lock must serialise them so that no write is lost."""

from __future__ import annotations

import multiprocessing as mp
from pathlib import Path

from geoplan.layers import LayerStore
from geoplan.layers.files import read_collection

from .conftest import road

WRITERS = 8
PER_WRITER = 50


def _writer(data_dir: str, writer: int) -> None:
    store = LayerStore(Path(data_dir))
    for i in range(PER_WRITER):
        store.insert("roads", road(name=f"w{writer}-{i}"))


def test_eight_processes_inserting_fifty_each(two_villages: LayerStore):
    two_villages.insert("roads", road(name="原有"))
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(str(two_villages.data_dir), w)) for w in range(WRITERS)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=300)
    assert [p.exitcode for p in procs] == [0] * WRITERS

    features = read_collection(two_villages.path("roads"))["features"]
    names = [f["properties"]["name"] for f in features]
    assert len(features) == 1 + WRITERS * PER_WRITER
    assert sorted(names[1:]) == sorted(f"w{w}-{i}" for w in range(WRITERS) for i in range(PER_WRITER))
    assert len({f["id"] for f in features}) == len(features)
    assert two_villages.validate_files().problems == []
    # Every insert is in the change log exactly once.
    assert len([c for c in two_villages.changes("roads") if c.op == "insert"]) == 1 + WRITERS * PER_WRITER
