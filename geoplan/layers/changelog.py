"""Append-only change log, one JSON-lines file per layer: who changed which feature, when, from what to what.

Every record keeps the feature before and after the change, so any earlier version can be listed and restored
and any change undone. Records are appended (and fsync'ed) *before* the layer file is renamed into place; the
layer file names the last change it contains (``last_change``), which tells a committed change from one whose
process died before its file landed.

A crash or a full disk can leave a torn last line (a record without its newline).  That change never committed
(its layer file is renamed only after the append returned), so readers ignore the torn tail and the next writer,
holding the layer lock, truncates it before appending — otherwise the next record would be glued onto it and lost.
"""

from __future__ import annotations

import logging
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import orjson

log = logging.getLogger("geoplan.layers")
#: Record starts, to recover a whole record glued after a torn one by an older writer.
_STARTS = (b'{"change":"', b'{"abort":"')


@dataclass(frozen=True)
class ChangeRecord:
    change: str
    at: str
    actor: str | None
    op: str
    layer: str
    id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    message: str | None = None

    @property
    def version(self) -> int | None:
        """Version the change produced (None for a delete)."""
        return None if self.after is None else int(self.after["properties"]["version"])


class ChangeLog:
    """The change log of one layer."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def append(self, records: list[ChangeRecord]) -> None:
        self._append_lines([orjson.dumps(asdict(r)) for r in records])

    def mark_aborted(self, change: str) -> None:
        self._append_lines([orjson.dumps({"abort": change})])

    def _append_lines(self, lines: list[bytes]) -> None:
        """Append under the caller's layer lock, first cutting off a torn tail left by a crashed writer."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a+b") as fh:
            self._repair(fh)
            fh.write(b"".join(line + b"\n" for line in lines))
            fh.flush()
            os.fsync(fh.fileno())

    def _repair(self, fh: Any) -> None:
        """Truncate the file to its last complete line (a record ends with a newline)."""
        size = fh.seek(0, os.SEEK_END)
        if size == 0:
            return
        fh.seek(size - 1)
        if fh.read(1) == b"\n":
            return
        keep, chunk = size, 1 << 16
        while keep > 0:  # scan backwards for the last newline
            start = max(0, keep - chunk)
            fh.seek(start)
            cut = fh.read(keep - start).rfind(b"\n")
            if cut >= 0:
                keep = start + cut + 1
                break
            keep = start
        fh.truncate(keep)
        fh.flush()
        os.fsync(fh.fileno())
        log.warning("%s: removed a torn last record (%d bytes) left by an interrupted write", self.path, size - keep)

    def _raw(self) -> tuple[list[ChangeRecord], set[str]]:
        records: list[ChangeRecord] = []
        aborted: set[str] = set()
        if not self.path.exists():
            return records, aborted
        lines = self.path.read_bytes().split(b"\n")
        lines.pop()  # after the last newline: empty, or a torn record whose change never committed
        for line in lines:
            data = _parse(line)
            if data is None:
                continue
            if "abort" in data:
                aborted.add(data["abort"])
            else:
                records.append(ChangeRecord(**data))
        return records, aborted

    def uncommitted_tail(self, last_change: str | None) -> str | None:
        """The id of a trailing change the layer file does not contain (its writer died), if any."""
        records, aborted = self._raw()
        if not records:
            return None
        tail = records[-1].change
        return tail if tail != last_change and tail not in aborted else None

    def committed(self, last_change: str | None) -> list[ChangeRecord]:
        """Records of committed changes, oldest first."""
        records, aborted = self._raw()
        if records and records[-1].change != last_change:
            aborted.add(records[-1].change)
        return [r for r in records if r.change not in aborted]


def _parse(line: bytes) -> dict[str, Any] | None:
    """One log line; a line where an older writer glued a record onto a torn one yields the whole record."""
    if not line.strip():
        return None
    try:
        return orjson.loads(line)
    except orjson.JSONDecodeError:
        pass
    start = max(line.rfind(mark) for mark in _STARTS)
    if start <= 0:
        return None
    try:
        return orjson.loads(line[start:])
    except orjson.JSONDecodeError:
        return None
