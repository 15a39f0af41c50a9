"""Backups of a GeoJSON store: a consistent snapshot taken while the server runs, and an all-or-nothing restore.

The snapshot is taken under every layer's lock (acquired in name order, as ``undo`` does, so it cannot deadlock
with a writer): no writer is between "temporary file written" and "renamed", so each layer file and its change
log agree, and every write acknowledged before the backup started is in it.  Under the locks the files are only
copied to a scratch folder (a plain copy, fast); compressing happens after the locks are released, so writers
wait for the copy and not for gzip.

An archive holds ``manifest.json`` (geoplan version, time, each file's size and SHA-256, each layer's
``last_change``) and ``data/`` (the data directory without locks, the rebuildable read cache and stale temporary
files), plus ``config/`` for the deployment catalogue and standards files when the caller names them.  Restore
checks every member against the manifest in a scratch folder beside the data directory, then swaps folders by
rename: the data directory is the old one or the complete new one, never a mix, and the old one is kept.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import tarfile
import tempfile
import zlib
from collections.abc import Mapping
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from geoplan.errors import GeoplanError
from geoplan.layers.files import read_head

if TYPE_CHECKING:
    from geoplan.layers.store import LayerStore

#: Archive format version (manifest ``format``): a restore refuses an archive it does not know.
FORMAT = 1
#: Store bookkeeping left out of a backup: lock files and the read cache are rebuilt on demand.
SKIPPED_META = ("locks", "cache")
#: Largest member a restore accepts, and most members: an archive is input like any other.
MAX_MEMBER_BYTES = 8 << 30
MAX_MEMBERS = 100_000


class BackupError(GeoplanError):
    """A backup could not be written, or an archive is not a complete geoplan backup."""

    def __init__(self, en: str, zh: str | None = None) -> None:
        super().__init__(en)
        self.zh = zh


@dataclass(frozen=True)
class BackupSummary:
    path: Path
    files: int
    bytes: int
    layers: dict[str, str | None]  # layer -> last_change in the snapshot


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _data_files(data_dir: Path, meta_dir: str) -> list[Path]:
    """The files of a data directory a backup carries (relative paths)."""
    out: list[Path] = []
    for path in sorted(data_dir.rglob("*")):
        rel = path.relative_to(data_dir)
        if not path.is_file() or path.is_symlink():
            continue
        if rel.parts[0] == meta_dir and len(rel.parts) > 1 and rel.parts[1] in SKIPPED_META:
            continue
        if rel.name.startswith(".") and rel.name.endswith(".tmp"):  # a killed writer's temporary copy
            continue
        out.append(rel)
    return out


def backup_store(store: LayerStore, out: Path, config_files: Mapping[str, Path] | None = None) -> BackupSummary:
    """Write a consistent snapshot of ``store`` to ``out`` (tar.gz) while other processes may be writing.

    ``config_files`` (archive name → file, e.g. ``{"catalogue.toml": path}``) go under ``config/``.  The archive
    is written to a temporary file and renamed, so ``out`` is never a half-written backup.
    """
    from geoplan.layers.store import META_DIR

    data_dir = store.data_dir
    if not data_dir.is_dir():
        raise BackupError(f"data directory {data_dir} does not exist", f"数据目录 {data_dir} 不存在")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".geoplan-backup-", dir=out.parent) as scratch:
        copy = Path(scratch) / "data"
        with ExitStack() as locks:
            for layer in sorted(store.layer_names):
                locks.enter_context(store._lock(layer))
            taken = datetime.now(UTC).isoformat(timespec="seconds")
            files = _data_files(data_dir, META_DIR)
            for rel in files:
                (copy / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(data_dir / rel, copy / rel)
        layers = {
            name: (
                read_head(copy / f"{name}.geojson").get("last_change") if (copy / f"{name}.geojson").exists() else None
            )
            for name in store.layer_names
        }
        members: list[tuple[str, Path]] = [(f"data/{rel.as_posix()}", copy / rel) for rel in files]
        for name, src in (config_files or {}).items():
            if src is not None and Path(src).is_file():
                members.append((f"config/{PurePosixPath(name).name}", Path(src)))
        return write_archive(out, members, {"backend": "geojson", "taken_at": taken, "layers": layers})


def write_archive(out: Path, members: list[tuple[str, Path]], meta: dict[str, Any]) -> BackupSummary:
    """Write ``members`` (archive name, file) and a manifest (``meta`` + format, version, each file's size and
    SHA-256) as tar.gz: to a temporary file, fsync'ed, then renamed, so ``out`` is never half a backup."""
    from geoplan import __version__

    files = {name: {"size": src.stat().st_size, "sha256": _sha256(src)} for name, src in members}
    manifest = {"format": FORMAT, "geoplan": __version__, **meta, "files": files}
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    try:
        with os.fdopen(fd, "wb") as raw:
            with tarfile.open(fileobj=raw, mode="w:gz") as tar:
                body = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
                info = tarfile.TarInfo("manifest.json")
                info.size, info.mtime, info.mode = len(body), int(datetime.now(UTC).timestamp()), 0o644
                tar.addfile(info, io.BytesIO(body))
                for name, src in members:
                    tar.add(src, arcname=name, recursive=False)
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return BackupSummary(out, len(members), sum(f["size"] for f in files.values()), meta.get("layers") or {})


def _safe_name(name: str) -> PurePosixPath:
    p = PurePosixPath(name)
    if p.is_absolute() or ".." in p.parts or not p.parts or p.parts[0] not in ("data", "config", "manifest.json"):
        raise BackupError(
            f"archive member {name!r} is outside a geoplan backup's layout",
            f"归档成员 {name!r} 不在 geoplan 备份的目录结构内,拒绝恢复",
        )
    return p


def read_manifest(archive: Path) -> dict[str, Any]:
    """The manifest of a backup archive (BackupError when it is not one)."""
    try:
        with tarfile.open(archive, mode="r:gz") as tar:
            member = tar.getmember("manifest.json")
            fh = tar.extractfile(member)
            manifest = json.loads(fh.read(1 << 24)) if fh is not None else None
    except (OSError, EOFError, zlib.error, KeyError, tarfile.TarError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BackupError(f"{archive} is not a geoplan backup ({exc})", f"{archive} 不是 geoplan 备份({exc})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{archive}: unknown backup format {manifest.get('format') if manifest else None!r}")
    return manifest


def extract_checked(archive: Path, target: Path) -> dict[str, Any]:
    """Extract ``archive`` into ``target`` and check every file against the manifest."""
    manifest = read_manifest(archive)
    expected: dict[str, Any] = manifest.get("files") or {}
    seen: set[str] = set()
    try:
        with tarfile.open(archive, mode="r:gz") as tar:
            for n, member in enumerate(tar):
                if n > MAX_MEMBERS:
                    raise BackupError(f"{archive}: more than {MAX_MEMBERS} members")
                rel = _safe_name(member.name)
                if member.name == "manifest.json":
                    continue
                if not member.isfile():
                    raise BackupError(f"{archive}: member {member.name!r} is not a regular file")
                if member.name not in expected or member.size > MAX_MEMBER_BYTES:
                    raise BackupError(f"{archive}: member {member.name!r} is not in the manifest")
                dst = target.joinpath(*rel.parts)
                dst.parent.mkdir(parents=True, exist_ok=True)
                src = tar.extractfile(member)
                assert src is not None
                with dst.open("wb") as fh:
                    shutil.copyfileobj(src, fh)
                    fh.flush()
                    os.fsync(fh.fileno())
                seen.add(member.name)
    except (OSError, tarfile.TarError, EOFError, zlib.error) as exc:
        raise BackupError(
            f"{archive} is damaged ({exc}); nothing was restored", f"{archive} 已损坏({exc}),未做任何恢复"
        ) from None
    missing = sorted(set(expected) - seen)
    if missing:
        raise BackupError(
            f"{archive} is incomplete: {', '.join(missing[:5])} missing; nothing was restored",
            f"{archive} 不完整:缺少 {', '.join(missing[:5])},未做任何恢复",
        )
    for name, want in expected.items():
        got = target.joinpath(*PurePosixPath(name).parts)
        if got.stat().st_size != want["size"] or _sha256(got) != want["sha256"]:
            raise BackupError(
                f"{archive}: {name} does not match its checksum; nothing was restored",
                f"{archive}:{name} 与校验值不符,未做任何恢复",
            )
    return manifest


@dataclass(frozen=True)
class RestoreSummary:
    data_dir: Path
    previous: Path | None  # where the replaced data directory was kept
    config: list[Path]
    manifest: dict[str, Any]


def restore_store(archive: Path, data_dir: Path, layer_names: tuple[str, ...] = ()) -> RestoreSummary:
    """Replace ``data_dir`` with the backup in ``archive``, all at once.

    The archive is extracted and checked beside ``data_dir``; only then is the current directory renamed to
    ``<name>.before-restore-<time>`` (kept, never deleted) and the restored one renamed into its place, under
    the layer locks of the current directory so no writer is half-way through a write.  Any failure before the
    swap leaves ``data_dir`` untouched.  Config files (deployment catalogue, standards) are written beside the
    restored data as ``<name>.restored-config/`` for the operator to put back where the service reads them.
    """
    from filelock import FileLock

    from geoplan.layers.store import META_DIR

    archive, data_dir = Path(archive), Path(data_dir).absolute()
    parent = data_dir.parent
    parent.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    scratch = Path(tempfile.mkdtemp(prefix=f".{data_dir.name}.restore-", dir=parent))
    try:
        manifest = extract_checked(archive, scratch)
        if manifest.get("backend", "geojson") != "geojson":
            raise BackupError(
                f"{archive} is a backup of a database: restore it with GEOPLAN_DATABASE_URL set",
                f"{archive} 是数据库的备份:请设置 GEOPLAN_DATABASE_URL 后恢复",
            )
        restored = scratch / "data"
        restored.mkdir(exist_ok=True)
        config: list[Path] = []
        if (scratch / "config").is_dir():
            config_dir = parent / f"{data_dir.name}.restored-config-{stamp}"
            (scratch / "config").rename(config_dir)
            config = sorted(config_dir.iterdir())
        previous: Path | None = None
        with ExitStack() as locks:
            if data_dir.is_dir():
                for layer in sorted(layer_names):
                    path = data_dir / META_DIR / "locks" / f"{layer}.lock"
                    path.parent.mkdir(parents=True, exist_ok=True)
                    locks.enter_context(FileLock(str(path), timeout=60))
                previous = parent / f"{data_dir.name}.before-restore-{stamp}"
                data_dir.rename(previous)
            try:
                restored.rename(data_dir)
            except OSError:
                if previous is not None:
                    previous.rename(data_dir)  # put the old data back: never leave no data directory
                raise
        fd = os.open(parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        raise BackupError(
            f"could not restore into {data_dir} ({exc}); the data directory is unchanged",
            f"无法恢复到 {data_dir}({exc}),数据目录未改动",
        ) from None
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return RestoreSummary(data_dir, previous, config, manifest)
