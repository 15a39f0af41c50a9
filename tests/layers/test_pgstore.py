"""What only the PostGIS store has: direct SQL edits (QGIS) under the store's rules, transactions, load/dump.

The behaviour both stores share is tested once, in test_store.py and test_survey.py, on both backends.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psycopg
import pytest

from geoplan.cli.main import main
from geoplan.errors import VersionConflict
from geoplan.layers import LayerStore
from geoplan.layers.files import read_head
from geoplan.layers.pgstore import PostgisStore, dump_files, load_files, schema_problems

from ..conftest import DEMO_DIR
from .conftest import road, village

W = "422801105201"


@pytest.fixture
def pg(database_url: str):
    store = PostgisStore(database_url)
    store.insert("villages", village(W, "茶园村", 0))
    yield store
    store.close()


def sql(url: str, statement: str, params: tuple = ()) -> None:
    """One statement in its own transaction, as QGIS or psql would send it (user: the connection's role)."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(statement, params)


def test_a_direct_sql_update_bumps_the_version_shows_in_history_and_can_be_undone(pg: PostgisStore, capsys):
    fid = pg.insert("roads", road(name="原名", width_m=3.0), actor="alice")["id"]
    sql(pg.url, "UPDATE roads SET name = '改于QGIS', width_m = 4.5 WHERE id = %s", (fid,))

    now = pg.get("roads", fid)  # a fresh revision: the cache of this store sees the SQL edit
    assert (now["properties"]["name"], now["properties"]["width_m"], now["properties"]["version"]) == (
        "改于QGIS",
        4.5,
        2,
    )
    history = pg.history("roads", fid)
    assert [(v.version, v.feature["properties"]["name"], v.op, v.actor) for v in history] == [
        (1, "原名", "insert", "alice"),
        (2, "改于QGIS", "sql", "postgres"),
    ]
    # the CLI shows it, and undoes it like any change
    assert main(["--database-url", pg.url, "history", "roads", fid, "--json", "--lang", "en"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert [row["version"] for row in shown] == [1, 2]
    assert main(["--database-url", pg.url, "undo", "--lang", "en"]) == 0
    back = pg.get("roads", fid)["properties"]
    assert (back["name"], back["width_m"], back["version"]) == ("原名", 3.0, 3)


def test_sql_saving_an_unchanged_row_is_no_change(pg: PostgisStore):
    fid = pg.insert("roads", road())["id"]
    sql(pg.url, "UPDATE roads SET name = name WHERE id = %s", (fid,))
    assert pg.get("roads", fid)["properties"]["version"] == 1
    assert [c.op for c in pg.changes("roads")] == ["insert"]


def test_sql_insert_and_delete_are_logged_with_ids_and_versions(pg: PostgisStore):
    sql(
        pg.url,
        "INSERT INTO roads (name, status, road_class, surface, geom) VALUES ('新路', 'planned', 'village', 'paved', "
        "ST_GeomFromText('LINESTRING(109.001 30.001, 109.002 30.002)', 4326))",
    )
    (feature,) = pg.features("roads")
    assert feature["id"].startswith("road-") and feature["properties"]["version"] == 1
    assert feature["properties"]["updated_at"].endswith("Z")
    sql(pg.url, "DELETE FROM roads")
    assert pg.count("roads") == 0
    assert [c.op for c in pg.changes("roads")] == ["sql", "sql"]
    pg.undo()  # the SQL delete, undone: the feature is back with a later version
    assert pg.get("roads", feature["id"])["properties"]["version"] == 2


@pytest.mark.parametrize(
    ("statement", "constraint"),
    [
        ("UPDATE roads SET surface = 'marble'", "roads_surface_check0"),
        ("UPDATE roads SET year = 1800", "roads_year_check0"),
        ("UPDATE roads SET village_code = '42'", "roads_village_code_check0"),
        ("UPDATE roads SET name = NULL", "name"),
        ("UPDATE roads SET geom = ST_GeomFromText('POINT(109 30)', 4326)", "roads_geometry_type"),
    ],
)
def test_sql_edits_breaking_the_catalogue_are_refused(pg: PostgisStore, statement: str, constraint: str):
    pg.insert("roads", road())
    before = pg.features("roads")
    with pytest.raises(psycopg.errors.IntegrityError, match=constraint):
        sql(pg.url, statement)
    assert pg.features("roads") == before
    assert len(pg.changes("roads")) == 1


def test_the_change_log_is_append_only(pg: PostgisStore):
    pg.insert("roads", road())
    for statement in ("UPDATE geoplan_changes SET actor = 'mallory'", "DELETE FROM geoplan_changes"):
        with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
            sql(pg.url, statement)


def test_if_match_is_the_row_version_even_after_a_sql_edit(pg: PostgisStore):
    fid = pg.insert("roads", road())["id"]
    sql(pg.url, "UPDATE roads SET name = 'x' WHERE id = %s", (fid,))
    with pytest.raises(VersionConflict):
        pg.patch("roads", fid, {"properties": {"name": "y"}}, if_match=1)
    assert pg.patch("roads", fid, {"properties": {"name": "y"}}, if_match=2)["properties"]["version"] == 3


def test_load_dump_round_trip_of_the_demo(database_url: str, tmp_path: Path):
    store = PostgisStore(database_url)
    counts = load_files(store, DEMO_DIR)
    assert counts["villages"] == 12 and schema_problems(store) == []
    assert store.check_rows() == []
    dump_files(store, tmp_path / "out")
    store.close()
    for path in sorted(DEMO_DIR.glob("*.geojson")):
        original = json.loads(path.read_text(encoding="utf-8"))
        dumped = json.loads((tmp_path / "out" / path.name).read_text(encoding="utf-8"))
        assert {f["id"]: f for f in dumped["features"]} == {f["id"]: f for f in original["features"]}, path.name
        assert dumped.get("surveyed") == original.get("surveyed")
    # the dump is a working file store; loading into a non-empty database is refused
    assert LayerStore(tmp_path / "out").count("facilities") == counts["facilities"]


def test_a_file_store_whose_last_change_was_undone_exactly_loads_with_its_whole_log(
    database_url: str, demo_data_dir: Path
):
    """After an exact undo the file's header names the change before the undone one: still a committed log."""
    files = LayerStore(demo_data_dir)
    fid = files.insert("facilities", {**files.features("facilities")[0], "id": "facility-new"})["id"]
    undo = files.undo()
    assert read_head(files.path("facilities"))["last_change"] is None  # as the demo ships
    store = PostgisStore(database_url)
    load_files(store, demo_data_dir)
    assert [(c.op, c.change) for c in store.changes("facilities")][-1] == ("undo", undo.change)
    assert [v.version for v in store.history("facilities", fid)] == [1]
    store.close()


def test_frames_from_postgis_equal_frames_from_files(database_url: str):
    from geopandas.testing import assert_geodataframe_equal

    store = PostgisStore(database_url)
    load_files(store, DEMO_DIR)
    files = LayerStore(DEMO_DIR)
    for name in ("villages", "roads", "facilities", "settlements"):
        got, want = store.frame(name), files.frame(name)
        assert_geodataframe_equal(got, want, check_dtype=False, check_less_precise=False)
        assert got.attrs["survey"] == want.attrs["survey"]
    store.close()


def test_db_check_reports_rows_sql_could_not_refuse(pg: PostgisStore, capsys):
    """JSON Schema rules beyond the constraints (here: an id breaking the id rule) are found by db check."""
    sql(
        pg.url,
        "INSERT INTO roads (id, name, status, road_class, surface, geom) "
        "VALUES ('bad id!', 'x', 'planned', 'village', 'paved', "
        "ST_GeomFromText('LINESTRING(109.001 30.001, 109.002 30.002)', 4326))",
    )
    assert main(["--database-url", pg.url, "db", "check", "--lang", "en"]) == 1
    assert "bad id!" in capsys.readouterr().err


def _writer(url: str, writer: int, count: int) -> None:
    store = PostgisStore(url, pool_size=1)
    for i in range(count):
        store.insert("roads", road(name=f"w{writer}-{i}"))
    store.close()


def test_eight_processes_inserting_twenty_five_each(pg: PostgisStore):
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(pg.url, w, 25)) for w in range(8)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=300)
    assert [p.exitcode for p in procs] == [0] * 8
    names = sorted(f["properties"]["name"] for f in pg.features("roads"))
    assert names == sorted(f"w{w}-{i}" for w in range(8) for i in range(25))
    assert len([c for c in pg.changes("roads") if c.op == "insert"]) == 200


KILLED_WRITER = textwrap.dedent(
    """
    import sys
    from geoplan.layers.pgstore import PostgisStore
    sys.path.insert(0, sys.argv[2])
    from tests.layers.conftest import road

    store = PostgisStore(sys.argv[1], pool_size=1)
    for i in range(100_000):
        saved = store.insert("roads", road(name=f"k{i}"))
        print(saved["id"], flush=True)  # acknowledged: committed before it is printed
    """
)


def test_kill_9_mid_writes_loses_nothing_acknowledged(pg: PostgisStore, repo_root: Path):
    for _ in range(3):
        proc = subprocess.Popen(
            [sys.executable, "-c", KILLED_WRITER, pg.url, str(repo_root)],
            stdout=subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": os.pathsep.join([str(repo_root), os.environ.get("PYTHONPATH", "")])},
        )
        assert proc.stdout is not None
        acked = [proc.stdout.readline() for _ in range(5)]  # at least five writes done, more under way
        time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
        rest = proc.stdout.read()
        proc.wait()
        acked_ids = {line.decode().strip() for line in [*acked, *rest.splitlines()] if line.strip()}
        stored = {f["id"] for f in pg.features("roads")}
        assert acked_ids <= stored
        # every stored feature is whole: one insert record each, nothing half-written
        inserts = [c for c in pg.changes("roads") if c.op == "insert"]
        assert len(inserts) == len(stored)
    assert pg.check_rows() == []


def test_the_analysis_reads_the_same_answers_from_postgis(database_url: str):
    """The demo's baseline and plan, analysed from frames read out of PostGIS, equal those from the files."""
    import pandas as pd

    from geoplan.analysis.engine import analyse
    from geoplan.analysis.standards import load_standards

    store = PostgisStore(database_url)
    load_files(store, DEMO_DIR)
    standards = load_standards()
    from_db, from_files = store.frames(), LayerStore(DEMO_DIR).frames()
    store.close()
    for scenario in ("baseline", "plan"):
        got, want = analyse(from_db, standards, scenario), analyse(from_files, standards, scenario)
        pd.testing.assert_frame_equal(got.villages, want.villages)
        pd.testing.assert_frame_equal(got.indicators, want.indicators)
