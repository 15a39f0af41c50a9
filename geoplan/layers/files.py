"""Reading and atomically writing layer files (RFC 7946 FeatureCollections, one feature per line).

One feature per line keeps the files diff-friendly in git and readable by any GeoJSON client. Writes go to a
temporary file in the same directory, are fsync'ed, then renamed over the old file, so a crash at any point
leaves either the old or the new file — never half of one.
"""

from __future__ import annotations

import gc
import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson

from geoplan.errors import DataFileError

#: Decimal places kept for lon/lat: 7 ≈ 1 cm, well below any survey's accuracy.
COORD_DECIMALS = 7


def round_coords(value: Any, ndigits: int = COORD_DECIMALS) -> Any:
    """Round every number of a GeoJSON coordinates array (nested lists)."""
    if isinstance(value, (list, tuple)):
        return [round_coords(v, ndigits) for v in value]
    if isinstance(value, float):
        return round(value, ndigits)
    return value


def read_collection(path: Path) -> dict[str, Any]:
    """Parse a FeatureCollection file, with an error naming the file when it is not one (or cannot be read)."""
    try:
        raw = path.read_bytes()
    except IsADirectoryError as exc:
        error = DataFileError(f"{path}: is a directory, not a layer file")
        error.zh = f"{path}:是一个目录,不是图层文件"
        raise error from exc
    except OSError as exc:
        error = DataFileError(f"{path}: cannot be read ({exc.strerror})")
        error.zh = f"{path}:无法读取({exc.strerror})"
        raise error from exc
    # Parsing allocates one dict per feature and member; the cyclic GC would rescan them all again and again
    # (it makes a 100k-feature layer ~2x slower) and can find nothing to free in fresh JSON, so pause it.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise DataFileError(f"{path}: not valid JSON ({exc})") from exc
    finally:
        if was_enabled:
            gc.enable()
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise DataFileError(f"{path}: not a GeoJSON FeatureCollection")
    if not isinstance(data.get("features"), list):
        raise DataFileError(f"{path}: FeatureCollection has no 'features' array")
    return data


def read_head(path: Path) -> dict[str, Any]:
    """A layer file's top-level members other than ``features`` (``last_change``, ``surveyed`` …).

    The store writes them on the first line, so only that line is read; a file in another layout is parsed
    whole.
    """
    marker = b',"features":['
    with path.open("rb") as fh:
        first = fh.readline()
    at = first.find(marker)
    # Only the store's layout ends its first line at the features' bracket; a one-line file written by another
    # tool may carry members after the features, which only a whole parse sees.
    if first.startswith(b'{"type":"FeatureCollection"') and at > 0 and not first[at + len(marker) :].strip():
        try:
            head = orjson.loads(first[:at] + b"}")
        except orjson.JSONDecodeError:
            head = None
        if isinstance(head, dict):
            return head
    data = read_collection(path)
    return {k: v for k, v in data.items() if k != "features"}


def dumps_feature(feature: dict[str, Any]) -> bytes:
    return orjson.dumps(feature)


def encode_collection(name: str, features: Iterable[dict[str, Any]], meta: dict[str, Any] | None = None) -> bytes:
    """Serialise a layer deterministically: header members, then one feature per line."""
    head: dict[str, Any] = {"type": "FeatureCollection", "name": name}
    if meta:
        head.update(meta)
    head_bytes = orjson.dumps(head)[:-1]  # drop the closing brace; features follow
    lines = b",\n".join(dumps_feature(f) for f in features)
    return head_bytes + b',"features":[\n' + lines + (b"\n" if lines else b"") + b"]}\n"


def append_encoded(
    old: bytes, name: str, count: int, features: Iterable[dict[str, Any]], meta: dict[str, Any] | None = None
) -> bytes | None:
    """``encode_collection`` of the ``count`` features already in ``old`` plus ``features``, without re-encoding.

    An insert into a big layer then costs copying bytes, not serialising every feature again.  Returns None when
    ``old`` is not exactly in this module's layout (a file written by another tool): the caller encodes in full.
    """
    marker = b',"features":[\n'
    head_end = old.find(b"\n") + 1
    if head_end <= 0 or not old.startswith(b'{"type":"FeatureCollection"') or not old[:head_end].endswith(marker):
        return None
    if old.count(b"\n") != count + 2:  # header line, one line per feature, closing line
        return None
    body = old[head_end:]
    if count == 0:
        if body != b"]}\n":
            return None
        existing = b""
    else:
        if not body.endswith(b"\n]}\n"):
            return None
        existing = body[: -len(b"\n]}\n")] + b",\n"
    head: dict[str, Any] = {"type": "FeatureCollection", "name": name}
    if meta:
        head.update(meta)
    lines = b",\n".join(dumps_feature(f) for f in features)
    return orjson.dumps(head)[:-1] + marker + existing + lines + b"\n]}\n"


@contextmanager
def staged_write(path: Path, data: bytes) -> Iterator[None]:
    """Write ``data`` to a temporary file beside ``path``; rename it over ``path`` when the block succeeds.

    The block runs between "fully written and fsync'ed" and "visible": the store appends its change-log
    record there, so a crash leaves the old file plus a log record it can recognise as never committed.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            # mkstemp creates 0600; a layer file must stay readable like any file the user creates.
            os.fchmod(fh.fileno(), _file_mode(path))
            os.fsync(fh.fileno())
        yield
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def atomic_write(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` so readers see the old or the new content, never a mix."""
    with staged_write(path, data):
        pass


def _file_mode(path: Path) -> int:
    """The mode of the file being replaced, else what a new file gets under the process umask."""
    try:
        return path.stat().st_mode & 0o777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _fsync_dir(directory: Path) -> None:
    """Make the rename itself durable (POSIX); a no-op where directories cannot be opened."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
