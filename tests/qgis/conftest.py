"""Real QGIS (Debian's qgis + python3-qgis, headless) for the QGIS tests; skipped where it is not installed."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

SYSTEM_PYTHON = Path("/usr/bin/python3")
PROBE = Path(__file__).with_name("qgis_probe.py")


def _has_qgis() -> bool:
    if not SYSTEM_PYTHON.exists():
        return False
    found = subprocess.run([SYSTEM_PYTHON, "-c", "import qgis.core"], capture_output=True, timeout=60)
    return found.returncode == 0


QGIS_MISSING = not _has_qgis()
if QGIS_MISSING and os.environ.get("GEOPLAN_REQUIRE_QGIS"):
    raise RuntimeError("GEOPLAN_REQUIRE_QGIS is set but Debian's python3-qgis is not installed")
needs_qgis = pytest.mark.skipif(QGIS_MISSING, reason="QGIS (Debian's qgis and python3-qgis) not installed")


def open_in_qgis(project: Path) -> dict[str, Any]:
    """What QGIS makes of ``project``: CRS, layer tree, and per layer validity, fields, renderer, categories."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_RUNTIME_DIR": "/tmp"}
    env.pop("PYTHONPATH", None)  # Debian's python3 must not pick up the venv's packages
    done = subprocess.run(
        [SYSTEM_PYTHON, PROBE, project], capture_output=True, text=True, timeout=300, env=env, cwd=project.parent
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])
