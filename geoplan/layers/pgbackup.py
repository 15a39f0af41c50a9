"""Backups of the PostgreSQL/PostGIS backend, with PostgreSQL's own tools.

``pg_dump`` reads in one repeatable-read transaction, so the dump is one moment of the database: every write
committed (acknowledged) before it started is in it, none half.  Only geoplan's schema is dumped — the first schema
of the connection's search path that exists (``current_schema()``), ``public`` unless the URL says otherwise — so
a restore does not touch other applications' schemas.  The dump travels in the same archive layout as a file-store
backup (``manifest.json`` with ``backend: "postgis"``, size and SHA-256; ``data/geoplan.dump``), and
``pg_restore --single-transaction --clean --if-exists`` brings it back all at once or not at all.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from geoplan.layers.backup import BackupError, BackupSummary, extract_checked, write_archive

DUMP = "data/geoplan.dump"
#: How long pg_dump / pg_restore may take before the command gives up (a county database dumps in seconds).
TIMEOUT_SECONDS = 3600


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} not found: install the PostgreSQL client (Debian: postgresql-client)",
            f"找不到 {name}:请安装 PostgreSQL 客户端(Debian:postgresql-client)",
        )
    return path


def _run(cmd: list[str]) -> str:
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT_SECONDS)
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no message"]
        raise BackupError(f"{Path(cmd[0]).name} failed: {tail[0]}", f"{Path(cmd[0]).name} 失败:{tail[0]}")
    return done.stdout


def current_schema(url: str) -> str:
    """The schema geoplan's tables live in for ``url``."""
    out = _run([_tool("psql"), "--no-psqlrc", "-At", "-d", url, "-c", "SELECT current_schema()"]).strip()
    if not out:
        raise BackupError(f"no schema of the search path exists in {url.split('@')[-1]}")
    return out


def backup_database(url: str, out: Path) -> BackupSummary:
    """Dump geoplan's schema of the database at ``url`` into the backup archive ``out``."""
    schema = current_schema(url)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".geoplan-backup-", dir=out.parent) as scratch:
        dump = Path(scratch) / "geoplan.dump"
        taken = datetime.now(UTC).isoformat(timespec="seconds")
        _run([_tool("pg_dump"), "--format=custom", "--no-owner", f"--schema={schema}", f"--file={dump}", "-d", url])
        return write_archive(out, [(DUMP, dump)], {"backend": "postgis", "schema": schema, "taken_at": taken})


def restore_database(archive: Path, url: str) -> dict[str, Any]:
    """Bring the dump in ``archive`` back into the database at ``url`` in one transaction; returns the manifest."""
    with tempfile.TemporaryDirectory(prefix=".geoplan-restore-") as scratch:
        manifest = extract_checked(Path(archive), Path(scratch))
        if manifest.get("backend") != "postgis":
            raise BackupError(
                f"{archive} is a backup of layer files, not of a database: restore it with --data-dir",
                f"{archive} 是图层文件的备份,不是数据库备份:请用 --data-dir 恢复",
            )
        dump = Path(scratch).joinpath(*DUMP.split("/"))
        cmd = [_tool("pg_restore"), "--single-transaction", "--clean", "--if-exists", "--no-owner", "-d", url]
        _run([*cmd, str(dump)])
    return manifest
