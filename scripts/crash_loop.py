"""kill -9 during writes, again and again: no acknowledged write may be lost, no file may be left corrupt.

Each round forks a writer that inserts features one by one through the store and reports each id the store
acknowledged (``insert`` returned) on a pipe; the parent SIGKILLs it after a random moment — often in the middle
of a write (temp file half-written, change-log record appended but file not renamed, …).  After every kill the
layer file must parse and validate, and every acknowledged id must be there.  At the end the change log must
agree with the file and no temporary copy may be left behind.

    python scripts/crash_loop.py --kills 100            # prints acknowledged / present / lost / corrupt

The test suite runs a bounded version (tests/layers/test_crash_loop.py).
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

LAYER = "facilities"


@dataclass
class CrashReport:
    kills: int
    acknowledged: int  # inserts the store returned from before its writer was killed
    present: int  # of those, found in the layer file afterwards
    lost: int  # acknowledged but missing
    corrupt: int  # rounds after which the layer file did not parse or validate
    stale_temps: int  # temporary layer copies left after the final write
    log_mismatch: int  # features whose current version the change log does not know

    def line(self) -> str:
        return (
            f"kills={self.kills} acknowledged={self.acknowledged} present={self.present} lost={self.lost} "
            f"corrupt={self.corrupt} stale_temps={self.stale_temps} log_mismatch={self.log_mismatch}"
        )


def _writer(data_dir: Path, round_no: int, pipe: int) -> None:
    """Child: insert until killed, writing each acknowledged id to ``pipe``."""
    from geoplan.layers import LayerStore

    store = LayerStore(data_dir)
    n = 0
    while True:
        fid = f"crash-{round_no}-{n}"
        store.insert(
            LAYER,
            {
                "type": "Feature",
                "id": fid,
                "geometry": {"type": "Point", "coordinates": [111.0 + n * 1e-5, 30.0 + round_no * 1e-5]},
                "properties": {"name": f"设施{round_no}-{n}", "kind": "clinic", "status": "planned"},
            },
            actor="crash-loop",
        )
        os.write(pipe, (fid + "\n").encode())
        n += 1


def crash_loop(data_dir: Path, kills: int, *, seed: int = 11, max_delay: float = 1.0) -> CrashReport:
    """Run ``kills`` rounds of fork → write → SIGKILL over ``data_dir``; check the store after each."""
    from geoplan.layers import LayerStore

    rng = random.Random(seed)
    # A first write here: the layer exists, and every module a write needs is imported and warmed before the
    # forks, so each writer starts writing at once instead of spending its life importing.
    LayerStore(data_dir).insert(
        LAYER,
        {
            "type": "Feature",
            "id": "crash-seed",
            "geometry": {"type": "Point", "coordinates": [111.0, 29.9]},
            "properties": {"name": "起点", "kind": "clinic", "status": "planned"},
        },
    )
    acked: list[str] = []
    corrupt = 0
    for round_no in range(kills):
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the writer
            os.close(read_end)
            try:
                _writer(data_dir, round_no, write_end)
            finally:
                os._exit(1)
        os.close(write_end)
        time.sleep(rng.uniform(0.0, max_delay))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        with os.fdopen(read_end, "rb") as fh:
            acked += fh.read().decode().split()  # each id one write of < PIPE_BUF bytes: never torn
        report = LayerStore(data_dir).validate_files([data_dir / f"{LAYER}.geojson"])
        corrupt += bool(report.problems)
    store = LayerStore(data_dir)
    # One more write: it must repair whatever the last kill left (torn log tail, aborted change, temp files).
    store.insert(
        LAYER,
        {
            "type": "Feature",
            "id": "crash-final",
            "geometry": {"type": "Point", "coordinates": [111.0, 30.1]},
            "properties": {"name": "最后", "kind": "clinic", "status": "planned"},
        },
    )
    ids = {f["id"] for f in store.features(LAYER)}
    present = sum(1 for fid in acked if fid in ids)
    mismatch = 0
    for feature in store.features(LAYER):
        versions = [v.version for v in store.history(LAYER, feature["id"]) if v.change is not None]
        if int(feature["properties"]["version"]) not in versions:
            mismatch += 1
    temps = len(list(data_dir.glob(f".{LAYER}.geojson.*.tmp")))
    return CrashReport(kills, len(acked), present, len(acked) - present, corrupt, temps, mismatch)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=100)
    parser.add_argument("--max-delay", type=float, default=1.0, help="longest time a writer runs, in seconds")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="geoplan-crash-") as tmp:
        start = time.perf_counter()
        report = crash_loop(Path(tmp), args.kills, seed=args.seed, max_delay=args.max_delay)
        print(report.line(), f"seconds={time.perf_counter() - start:.1f}")
    return 0 if report.lost == report.corrupt == report.stale_temps == report.log_mismatch == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
