"""The wheel carries the npm assets (with their licences); the repository commits none of them."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from geoplan.npm_assets import PACKAGED_DIR, candidate_dirs, shipped_assets, shipped_files

REPO = Path(__file__).resolve().parents[1]


def _source_copy(tmp_path: Path) -> Path:
    """The checkout's files as git sees them, so a build here never shares build/ with another build."""
    files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO,
                           capture_output=True, check=True).stdout.decode().split("\0")  # fmt: skip
    src = tmp_path / "src"
    for rel in filter(None, files):
        if (REPO / rel).is_file():
            (src / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / rel, src / rel)
    return src


def _node_modules() -> Path:
    nm = REPO / "node_modules"
    if not (nm / "leaflet").exists():
        pytest.fail("node_modules is missing: run `npm ci --ignore-scripts` (the README's test command does)")
    return nm


def test_the_wheel_carries_every_served_asset_and_each_licence(tmp_path: Path) -> None:
    nm = _node_modules()
    src, env = _source_copy(tmp_path), {**os.environ, "GEOPLAN_ASSETS_DIR": str(nm)}
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(tmp_path), "."],
                          cwd=src, env=env, capture_output=True, text=True, timeout=600)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    (wheel,) = tmp_path.glob("geoplan-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    packaged = {n.removeprefix("geoplan/static/npm/") for n in names if n.startswith("geoplan/static/npm/")}
    assert packaged == {f.relative_to(nm).as_posix() for f in shipped_files(nm)}
    for asset in shipped_assets():
        assert any(p == asset.relpath or p.startswith(asset.relpath + "/") for p in packaged), asset
    for package in {a.package for a in shipped_assets()}:
        assert f"{package}/package.json" in packaged
        assert any(p.startswith(f"{package}/") and ("LICEN" in p.upper() or p.endswith("README.md")) for p in packaged)
    assert "leaflet/LICENSE" in packaged and "echarts/NOTICE" in packaged
    assert not any(p.endswith((".map", ".ts")) or "/src/" in p for p in packaged)  # only what is served
    assert "geoplan/maps/static/editor.js" in names  # geoplan's own static files as before


def test_a_wheel_is_not_built_without_the_assets(tmp_path: Path) -> None:
    env = {**os.environ, "GEOPLAN_ASSETS_DIR": str(tmp_path / "empty")}
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(tmp_path), "."],
                          cwd=_source_copy(tmp_path), env=env, capture_output=True, text=True, timeout=600)  # fmt: skip
    assert done.returncode != 0
    assert "map assets missing" in done.stdout + done.stderr
    assert not list(tmp_path.glob("*.whl"))


def test_the_packaged_copy_is_found_before_node_modules() -> None:
    dirs = list(candidate_dirs({}))
    assert dirs[0] == PACKAGED_DIR and dirs[1] == REPO / "node_modules"
    assert list(candidate_dirs({"GEOPLAN_ASSETS_DIR": "/x"})) == [Path("/x")]


def test_the_repository_commits_no_third_party_file() -> None:
    tracked = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True).stdout
    assert not [p for p in tracked.splitlines() if p.startswith(("node_modules/", "geoplan/static/npm/"))]
    ignored = subprocess.run(["git", "check-ignore", "-q", "geoplan/static/npm/leaflet/dist/leaflet.js"], cwd=REPO)
    assert ignored.returncode == 0
