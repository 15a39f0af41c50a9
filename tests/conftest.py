"""Shared fixtures: stores over temporary directories, the demo township, the real Liechtenstein data."""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from geoplan.config import Settings
from geoplan.layers import LayerStore, default_catalogue
from geoplan.layers.backend import Store

REPO_ROOT = Path(__file__).resolve().parent.parent
DEMO_DIR = REPO_ROOT / "data" / "geojson"
LIECHTENSTEIN_DIR = Path(__file__).resolve().parent / "data" / "liechtenstein_osm2013"


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def catalogue():
    return default_catalogue()


# ---------------------------------------------------------------------------------------------- store backends
#: The store and API tests that run once per backend (the same test, not a copy).  Elsewhere: files only.
BACKEND_MODULES = (
    "tests/layers/test_store.py",
    "tests/layers/test_survey.py",
    "tests/layers/test_pgstore.py",
    "tests/layers/test_write_change.py",
    "tests/api/routes/test_items.py",
    "tests/api/routes/test_editing.py",
    "tests/api/routes/test_collections.py",
    "tests/api/test_concurrency.py",
    "tests/api/routes/test_survey.py",
    "tests/api/test_clients.py",
    "tests/api/test_hostile_input.py",
    "tests/api/test_problems.py",
    "tests/api/test_body.py",
    "tests/api/test_like.py",
    "tests/api/test_items_query.py",
    "tests/api/routes/test_landing.py",
    "tests/api/routes/test_styles.py",
    "tests/api/routes/test_plan.py",
    "tests/api/routes/test_transfer.py",
    "tests/api/routes/test_health.py",
)
BACKENDS = ("files", "postgis")
#: Where the PostGIS tests find a server they may create schemas in (a superuser: they reset tables fast).
TEST_DATABASE_ENV = "GEOPLAN_TEST_DATABASE_URL"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "files_only: checks the GeoJSON file layout itself; runs on the file store")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run the store/API tests of BACKEND_MODULES on both backends (``files_only`` tests: on files)."""
    if "store_backend" not in metafunc.fixturenames:
        return
    module = Path(metafunc.definition.fspath).relative_to(REPO_ROOT).as_posix()
    both = module in BACKEND_MODULES and metafunc.definition.get_closest_marker("files_only") is None
    metafunc.parametrize("store_backend", BACKENDS if both else BACKENDS[:1], indirect=True)


@pytest.fixture
def store_backend(request: pytest.FixtureRequest) -> str:
    return getattr(request, "param", "files")


@pytest.fixture(scope="session")
def postgis_server() -> Iterator[str]:
    """The test database's URL, or a skip saying why (a failure where GEOPLAN_REQUIRE_POSTGIS=1, as in CI)."""
    url = os.environ.get(TEST_DATABASE_ENV, "")
    reason = ""
    if not url:
        reason = f"no PostgreSQL/PostGIS for the PostGIS backend tests: set {TEST_DATABASE_ENV}"
    else:
        try:
            import psycopg

            with psycopg.connect(url, connect_timeout=5, autocommit=True) as conn:
                conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        except Exception as exc:  # noqa: BLE001 (any failure to reach it means: not available here)
            reason = f"{TEST_DATABASE_ENV} is set but the database cannot be used: {exc}"
    if reason:
        if os.environ.get("GEOPLAN_REQUIRE_POSTGIS") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    yield url


_schemas = itertools.count()


def schema_url(url: str, schema: str) -> str:
    """``url`` with ``schema`` first on the search path (PostGIS itself stays in public)."""
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}options={quote(f'-csearch_path={schema},public')}"


@pytest.fixture(scope="session")
def postgis_schema(postgis_server: str) -> Iterator[str]:
    """A private schema with the default catalogue's tables, created once per test session."""
    import psycopg

    from geoplan.layers.pgstore import PostgisStore

    schema = f"geoplan_test_{os.getpid()}_{next(_schemas)}"
    with psycopg.connect(postgis_server, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}")
    url = schema_url(postgis_server, schema)
    store = PostgisStore(url)
    store.init_schema()
    store.close()
    yield url
    with psycopg.connect(postgis_server, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


@pytest.fixture
def database_url(postgis_schema: str) -> str:
    """The session's schema with every layer and the change log emptied (triggers off while emptying)."""
    import psycopg

    from geoplan.layers import default_catalogue

    tables = ", ".join(f'"{name}"' for name in default_catalogue().names)
    with psycopg.connect(postgis_schema, autocommit=True) as conn, conn.transaction():
        conn.execute("SET LOCAL session_replication_role = replica")
        conn.execute(f"TRUNCATE geoplan_changes, {tables}")
        conn.execute("UPDATE geoplan_layers SET surveyed = NULL, revision = revision + 1")
    return postgis_schema


@pytest.fixture
def empty_store(store_backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """An empty store of the backend under test (a data directory, or an emptied PostGIS schema)."""
    if store_backend == "postgis":
        from geoplan.layers.pgstore import PostgisStore

        store = PostgisStore(request.getfixturevalue("database_url"))
        yield store
        store.close()
        return
    data = tmp_path / "data"
    data.mkdir()
    yield LayerStore(data)


@pytest.fixture
def demo_data_dir(tmp_path: Path) -> Path:
    """A private copy of the demo township's layer files (tests may write to it)."""
    target = tmp_path / "demo"
    shutil.copytree(DEMO_DIR, target, ignore=shutil.ignore_patterns(".geoplan"))
    return target


def stored_state(store: Store) -> object:
    """Everything a store holds, to prove a refused write changed nothing: the files' bytes, or the tables."""
    if isinstance(store, LayerStore):
        files = sorted(store.data_dir.rglob("*"))
        return {
            p.relative_to(store.data_dir).as_posix(): p.read_bytes()
            for p in files
            if p.is_file() and not {"cache", "locks"} & set(p.parts)
        }
    layers = {name: (store.signature(name), store.features(name), store.survey(name)) for name in store.layer_names}
    return layers, store.changes()


def reopened(store: Store) -> Store:
    """A second store over the same data, as another process would open it (nothing cached)."""
    if isinstance(store, LayerStore):
        return LayerStore(store.data_dir, store.catalogue)
    from geoplan.layers.pgstore import PostgisStore

    assert isinstance(store, PostgisStore)
    return PostgisStore(store.url, store.catalogue, pool_size=1)


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
