"""Append-only change log, one JSON-lines file per layer: who changed which feature, when, from what to what.

Every record keeps the feature before and after the change, so any earlier version can be listed and restored
and any change undone. Records are appended (and fsync'ed) *before* the layer file is renamed into place; the
layer file names the last change it contains (``last_change``), which tells a committed change from one whose
process died before its file landed.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import orjson


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
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("ab") as fh:
            fh.write(b"".join(line + b"\n" for line in lines))
            fh.flush()
            os.fsync(fh.fileno())

    def _raw(self) -> tuple[list[ChangeRecord], set[str]]:
        records: list[ChangeRecord] = []
        aborted: set[str] = set()
        if not self.path.exists():
            return records, aborted
        with self.path.open("rb") as fh:
            for line in fh:
                if not line.strip():
                    continue
                try:
                    data = orjson.loads(line)
                except orjson.JSONDecodeError:
                    # A torn last line from a crash mid-append: that change never committed.
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
