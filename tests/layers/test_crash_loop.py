"""kill -9 during writes (bounded: 30 kills): nothing acknowledged is lost, no file corrupt, no temp copy left."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "crash_loop.py"


@pytest.mark.skipif(sys.platform == "win32", reason="needs fork and SIGKILL")
def test_thirty_kills_lose_and_corrupt_nothing() -> None:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--kills", "30", "--seed", "30", "--max-delay", "0.6"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    figures = dict(part.split("=") for part in done.stdout.split())
    assert int(figures["acknowledged"]) > 0, "no write was acknowledged: the loop tested nothing"
    assert int(figures["present"]) == int(figures["acknowledged"])
    assert [figures[k] for k in ("lost", "corrupt", "stale_temps", "log_mismatch")] == ["0"] * 4, done.stdout
    assert done.returncode == 0, done.stderr
