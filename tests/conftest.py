"""Shared fixtures: stores over temporary directories, the demo township, the real Liechtenstein data."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from geoplan.config import Settings
from geoplan.layers import LayerStore, default_catalogue

REPO_ROOT = Path(__file__).resolve().parent.parent
DEMO_DIR = REPO_ROOT / "data" / "geojson"
LIECHTENSTEIN_DIR = Path(__file__).resolve().parent / "data" / "liechtenstein_osm2013"


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def catalogue():
    return default_catalogue()


@pytest.fixture
def empty_store(tmp_path: Path) -> LayerStore:
    """A store over an empty data directory."""
    data = tmp_path / "data"
    data.mkdir()
    return LayerStore(data)


@pytest.fixture
def demo_data_dir(tmp_path: Path) -> Path:
    """A private copy of the demo township's layer files (tests may write to it)."""
    target = tmp_path / "demo"
    shutil.copytree(DEMO_DIR, target, ignore=shutil.ignore_patterns(".geoplan"))
    return target


@pytest.fixture
def demo_store(demo_data_dir: Path) -> LayerStore:
    return LayerStore(demo_data_dir)


@pytest.fixture
def demo_settings(demo_data_dir: Path, tmp_path: Path) -> Settings:
    return Settings(data_dir=demo_data_dir, maps_dir=tmp_path / "maps")


@pytest.fixture(scope="session")
def liechtenstein_dir() -> Path:
    """Real OSM data (ODbL, see SOURCE.md there): municipalities, buildings, roads, POIs."""
    return LIECHTENSTEIN_DIR
