"""Reading and atomically writing layer files (RFC 7946 FeatureCollections, one feature per line).

One feature per line keeps the files diff-friendly in git and readable by any GeoJSON client. Writes go to a
temporary file in the same directory, are fsync'ed, then renamed over the old file, so a crash at any point
leaves either the old or the new file — never half of one.
"""

from __future__ import annotations

import gc
import os
import re
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
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


#: How the header line ends, and how every feature line starts, in this module's layout.
_FEATURES = b',"features":[\n'
_FEATURE_LINE = b'\n{"type":"Feature","id":'
#: A feature line whose string id holds a backslash (an escape) before its closing quote.
_ESCAPED_ID = re.compile(re.escape(_FEATURE_LINE + b'"') + rb'[^"\n]*\\')


def _header(name: str, meta: dict[str, Any] | None) -> bytes:
    head: dict[str, Any] = {"type": "FeatureCollection", "name": name}
    if meta:
        head.update(meta)
    return orjson.dumps(head)[:-1] + _FEATURES  # the closing brace dropped; features follow


def encode_collection(name: str, features: Iterable[dict[str, Any]], meta: dict[str, Any] | None = None) -> bytes:
    """Serialise a layer deterministically: header members, then one feature per line."""
    lines = b",\n".join(dumps_feature(f) for f in features)
    return _header(name, meta) + lines + (b"\n" if lines else b"") + b"]}\n"


@dataclass(frozen=True)
class FeatureLines:
    """A layer file in this module's layout, held as its bytes so a write can touch a few features of a large layer.

    A feature is found by its id (its line starts ``{"type":"Feature","id":<id>,``), only its line is parsed, and
    :meth:`spliced` copies every other line as it is: a write into a county's 300,000 footprints makes no dict per
    feature (0.6 GiB and seconds).  Only files whose every line is a feature with a string id qualify (:meth:`of`);
    the lines are not parsed here, so the caller must know the file is valid JSON (e.g. it parsed this version).
    """

    raw: bytes
    #: The header line's members (``last_change``, ``surveyed`` …).
    head: dict[str, Any]
    #: Where the first feature line starts, and where the last one ends (the closing ``\n]}\n`` starts).
    head_end: int
    text_end: int
    count: int

    @classmethod
    def of(cls, raw: bytes) -> FeatureLines | None:
        """The file's lines, None when it is not exactly in this module's layout (e.g. written by another tool)."""
        head_end = raw.find(b"\n") + 1
        if head_end <= 0 or not raw.startswith(b'{"type":"FeatureCollection"'):
            return None
        if not raw[:head_end].endswith(_FEATURES):
            return None
        try:
            head = orjson.loads(raw[: head_end - len(_FEATURES)] + b"}")
        except orjson.JSONDecodeError:
            return None
        if not isinstance(head, dict):
            return None
        if len(raw) == head_end + 3 and raw.endswith(b"]}\n"):
            return cls(raw, head, head_end, head_end, 0)
        if not raw.endswith(b"\n]}\n"):
            return None
        text_end = len(raw) - 4
        count = raw.count(b"\n", head_end, text_end) + 1
        # every line a feature with a string id first (a raw newline never occurs inside JSON text, so the counts
        # see line boundaries only; in a valid file the comma between two features then ends the line before)
        if raw.count(_FEATURE_LINE + b'"', head_end - 1, text_end) != count:
            return None
        # ids are found by their text as orjson writes it: an id with an escape (another tool's "road\u002d1")
        # would be missed, and an insert of the same id would duplicate it — such a file is parsed whole instead
        if _ESCAPED_ID.search(raw, head_end - 1, text_end):
            return None
        return cls(raw, head, head_end, text_end, count)

    def find(self, fid: str) -> tuple[int, int] | None:
        """Where the line of the feature with this id starts and ends (separator excluded), None when absent.

        The last such line, as a whole parse keeps the last feature of an id.  Ids are matched as the store
        writes them (orjson's escaping).
        """
        at = self.raw.rfind(_FEATURE_LINE + orjson.dumps(fid) + b",", self.head_end - 1, self.text_end)
        if at < 0:
            return None
        end = self.raw.find(b"\n", at + 1)
        return at + 1, (end if end >= self.text_end else end - 1)

    def feature(self, fid: str) -> dict[str, Any] | None:
        """The feature with this id, parsed from its line alone."""
        span = self.find(fid)
        return None if span is None else orjson.loads(self.raw[span[0] : span[1]])

    def spliced(
        self,
        name: str,
        meta: dict[str, Any] | None,
        lines: Mapping[int, tuple[int, dict[str, Any] | None]],
        appended: Iterable[dict[str, Any]],
    ) -> list[bytes | memoryview]:
        """``encode_collection``'s bytes after replacing lines and appending features, re-encoding only those, as
        pieces to write one after the other (joining them would copy the whole file once more).

        ``lines`` maps a line's start (from :meth:`find`) to its end and the feature replacing it (None removes it).
        """
        raw = memoryview(self.raw)
        pieces: list[bytes | memoryview] = []
        cursor = self.head_end  # start of the first line not yet copied
        for start in sorted(lines):
            end, new = lines[start]
            if start > cursor:
                pieces.append(raw[cursor : start - 2])  # the lines before, without the separator before this one
            if new is not None:
                pieces.append(dumps_feature(new))
            cursor = end + 2  # past this line's ",\n" (past the end for the last line)
        if cursor < self.text_end:
            pieces.append(raw[cursor : self.text_end])
        pieces += [dumps_feature(f) for f in appended]
        out: list[bytes | memoryview] = [_header(name, meta)]
        for piece in pieces:
            out += [piece, b",\n"]
        if pieces:
            out[-1] = b"\n"
        out.append(b"]}\n")
        return out


@contextmanager
def staged_write(path: Path, data: bytes | Sequence[bytes | memoryview]) -> Iterator[None]:
    """Write ``data`` to a temporary file beside ``path``; rename it over ``path`` when the block succeeds.

    The block runs between "fully written and fsync'ed" and "visible": the store appends its change-log
    record there, so a crash leaves the old file plus a log record it can recognise as never committed.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            if isinstance(data, bytes):
                fh.write(data)
            else:
                fh.writelines(data)
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
