"""Append-only change log, one JSON-lines file per layer: who changed which feature, when, from what to what.

Every record keeps the feature before and after the change, so any earlier version can be listed and restored
and any change undone. Records are appended (and fsync'ed) *before* the layer file is renamed into place; the
layer file's header member ``last_change`` tells a committed change from one whose process died before its file
landed.  That member names the change, except after an undo that took the layer back to exactly what it was before
the change it undid: then the header goes back to what it said before that change, so the file is byte-identical
to the one before the change.  The first record of each change in a layer therefore says what the header was
before the change and what it is once the change landed (``header``), and a trailing change is committed when the
file's header shows the latter (which always differs from the former: a fresh id, or the header before an earlier
change that itself moved the header away from it).

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
    #: On the first record of a change in a layer: the file's ``last_change`` before the change and once it landed
    #: (``{"before": …, "after": …}``); None on the other records and in logs written before it was kept.
    header: dict[str, str | None] | None = None

    @property
    def version(self) -> int | None:
        """Version the change produced (None for a delete)."""
        return None if self.after is None else int(self.after["properties"]["version"])

    def to_json(self) -> bytes:
        data = asdict(self)
        if self.header is None:
            del data["header"]
        return orjson.dumps(data)


class ChangeLog:
    """The change log of one layer."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def append(self, records: list[ChangeRecord]) -> None:
        self._append_lines([r.to_json() for r in records])

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
        return tail if last_change != landed_header(records) and tail not in aborted else None

    def committed(self, last_change: str | None) -> list[ChangeRecord]:
        """Records of committed changes, oldest first."""
        records, aborted = self._raw()
        if records and last_change != landed_header(records):
            aborted.add(records[-1].change)
        return [r for r in records if r.change not in aborted]


def landed_header(records: list[ChangeRecord]) -> str | None:
    """The ``last_change`` the layer file carries once the log's trailing change landed.

    The change's id, unless its first record says otherwise (an undo that restored the header before the change
    it undid).  A change's records are appended together, so they are the log's last lines.
    """
    tail = records[-1].change
    for rec in reversed(records):
        if rec.change != tail:
            break
        if isinstance(rec.header, dict):
            return rec.header.get("after")
    return tail


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
