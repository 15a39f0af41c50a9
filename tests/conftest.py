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


#: Ten facility kinds a real county surveyed that the shipped catalogue does not know (value, 中文, English, icon).
DEPLOYMENT_KINDS = (
    ("stage", "戏台", "Opera stage", "music"),
    ("library", "农家书屋", "Village library", "book"),
    ("market", "农贸市场", "Farmers' market", "shopping-basket"),
    ("post", "快递服务站", "Parcel station", "envelope"),
    ("fire_point", "微型消防站", "Fire point", "fire-extinguisher"),
    ("shelter", "应急避难场所", "Emergency shelter", "life-ring"),
    ("charging", "充电桩", "EV charging", "plug"),
    ("warehouse", "粮食仓储点", "Grain store", "archive"),
    ("canteen", "老年食堂", "Elderly canteen", "cutlery"),
    ("police", "警务室", "Police room", "shield"),
)


def deployment_catalogue_text() -> str:
    """A county's deployment catalogue: ten facility kinds, a new theme and layer, wider geometry, an extra field."""
    kinds = "".join(
        f'[[enums.facility_kind]]\nvalue = "{v}"\nzh = "{zh}"\nen = "{en}"\nicon = "{icon}"\ncolor = "#{i:02d}7799"\n'
        for i, (v, zh, en, icon) in enumerate(DEPLOYMENT_KINDS)
    )
    return (
        kinds
        + """
[themes.culture]
zh = "文化遗产"
en = "Heritage"
color = "#996633"

[[layer]]
name = "heritage_sites"
kind = "project"
theme = "culture"
geometry = ["point", "polygon"]
id_prefix = "heritage"
zh = "文物保护单位"
en = "Heritage sites"
  [[layer.fields]]
  name = "grade"
  type = "string"
  zh = "保护级别"
  en = "Protection grade"

[extend.facilities]
geometry = ["polygon"]
  [[extend.facilities.fields]]
  name = "survey_no"
  type = "string"
  max_length = 20
  zh = "调查编号"
  en = "Survey number"
"""
    )


@pytest.fixture
def deployment_catalogue_file(tmp_path: Path) -> Path:
    path = tmp_path / "county-catalogue.toml"
    path.write_text(deployment_catalogue_text(), encoding="utf-8")
    return path
