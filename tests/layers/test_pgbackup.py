"""PostgreSQL backups: pg_dump during concurrent writes keeps every acknowledged write; a restore is all or nothing.

Needs a PostgreSQL server: ``GEOPLAN_TEST_DATABASE_URL`` (set by .ci/run once the PostGIS backend's cluster is
there); skipped without it, a failure where ``GEOPLAN_REQUIRE_POSTGIS=1``.  Uses ``psql`` only, so it runs without
the backend's Python driver, in a private schema it drops afterwards.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
from pathlib import Path
from urllib.parse import quote

import pytest

from geoplan.cli.main import main
from geoplan.layers.backup import BackupError, read_manifest
from geoplan.layers.pgbackup import backup_database, restore_database


@pytest.fixture
def pg_url(tmp_path: Path) -> str:
    url = os.environ.get("GEOPLAN_TEST_DATABASE_URL", "")
    reason = "" if url else "no PostgreSQL for the backup tests: set GEOPLAN_TEST_DATABASE_URL"
    if url and not all(shutil.which(t) for t in ("psql", "pg_dump", "pg_restore")):
        reason = "psql, pg_dump and pg_restore are needed"
    if reason:
        if os.environ.get("GEOPLAN_REQUIRE_POSTGIS") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    schema = f"geoplan_backup_{os.getpid()}_{tmp_path.name[-12:].replace('-', '_')}".lower()
    _sql(url, f"DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}")
    joiner = "&" if "?" in url else "?"
    yield f"{url}{joiner}options={quote(f'-csearch_path={schema}')}"
    _sql(url, f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def _sql(url: str, sql: str) -> str:
    cmd = ["psql", "--no-psqlrc", "-qAt", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql]
    return subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=60).stdout.strip()


def _ids(url: str) -> set[int]:
    return {int(x) for x in _sql(url, "SELECT id FROM roads").split()}


def test_pg_backup_during_writes_keeps_every_acknowledged_write(pg_url: str, tmp_path: Path) -> None:
    _sql(pg_url, "CREATE TABLE roads (id serial PRIMARY KEY, name text NOT NULL)")
    acked: list[int] = []
    stop = threading.Event()

    def writer() -> None:
        while not stop.is_set() and len(acked) < 2000:  # each psql call commits before it returns
            acked.append(int(_sql(pg_url, "INSERT INTO roads (name) VALUES ('村道') RETURNING id")))

    threads = [threading.Thread(target=writer) for _ in range(2)]
    for t in threads:
        t.start()
    try:
        deadline = time.monotonic() + 60
        while len(acked) < 20 and time.monotonic() < deadline:
            time.sleep(0.05)
        before = set(acked)
        archive = backup_database(pg_url, tmp_path / "db.tar.gz").path
        time.sleep(0.3)
    finally:
        stop.set()
        for t in threads:
            t.join(60)
    assert len(before) >= 20 and len(acked) > len(before)
    manifest = read_manifest(archive)
    assert manifest["backend"] == "postgis" and set(manifest["files"]) == {"data/geoplan.dump"}

    live = _ids(pg_url)
    _sql(pg_url, "DELETE FROM roads WHERE id % 2 = 0; INSERT INTO roads (name) VALUES ('备份后')")
    restore_database(archive, pg_url)
    restored = _ids(pg_url)
    assert before <= restored  # everything acknowledged before the dump began
    assert restored <= live and "备份后" not in _sql(pg_url, "SELECT string_agg(name, ',') FROM roads")


def test_a_failing_restore_leaves_the_database_as_it_was(pg_url: str, tmp_path: Path) -> None:
    _sql(pg_url, "CREATE TABLE roads (id serial PRIMARY KEY, name text NOT NULL)")
    _sql(pg_url, "INSERT INTO roads (name) VALUES ('a'), ('b')")
    archive = backup_database(pg_url, tmp_path / "db.tar.gz").path
    _sql(pg_url, "INSERT INTO roads (name) VALUES ('c')")
    # a view depending on the table makes pg_restore's DROP TABLE fail half-way: one transaction, so nothing changes
    _sql(pg_url, "CREATE VIEW named AS SELECT name FROM roads")
    with pytest.raises(BackupError, match="pg_restore failed"):
        restore_database(archive, pg_url)
    assert _sql(pg_url, "SELECT string_agg(name, ',' ORDER BY id) FROM roads") == "a,b,c"


def test_a_database_backup_is_not_restored_into_a_data_directory(pg_url: str, tmp_path: Path, capsys) -> None:
    _sql(pg_url, "CREATE TABLE roads (id serial PRIMARY KEY)")
    archive = backup_database(pg_url, tmp_path / "db.tar.gz").path
    env = os.environ.pop("GEOPLAN_DATABASE_URL", None)
    try:
        assert main(["restore-backup", str(archive), "--data-dir", str(tmp_path / "geojson")]) == 1
    finally:
        if env is not None:
            os.environ["GEOPLAN_DATABASE_URL"] = env
    assert "数据库的备份" in capsys.readouterr().err and not (tmp_path / "geojson").exists()


def test_cli_backs_up_the_database_when_a_url_is_set(pg_url: str, tmp_path: Path, monkeypatch, capsys) -> None:
    _sql(pg_url, "CREATE TABLE roads (id serial PRIMARY KEY, name text)")
    _sql(pg_url, "INSERT INTO roads (name) VALUES ('x')")
    monkeypatch.setenv("GEOPLAN_DATABASE_URL", pg_url)
    assert main(["backup", str(tmp_path / "b.tar.gz"), "--lang", "en"]) == 0
    assert "pg_dump" in capsys.readouterr().out
    _sql(pg_url, "DELETE FROM roads")
    assert main(["restore-backup", str(tmp_path / "b.tar.gz")]) == 0
    assert _sql(pg_url, "SELECT name FROM roads") == "x"
