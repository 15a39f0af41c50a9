"""The layer store: the only code that reads or writes layer files.

Reads are cached per layer and invalidated by the file's identity (inode, size, mtime), so a write by any
process — another API worker, the CLI, an import — is seen on the next read. Every write:

1. takes the layer's file lock (serialises writers across processes),
2. re-reads the current file, applies the change, validates every touched feature against the catalogue,
3. writes the new file to a temporary file and fsyncs it,
4. appends the change-log record (before/after of each feature),
5. renames the temporary file over the layer file.

A failure at any step leaves the previous file intact; see :mod:`geoplan.layers.changelog` for how a record
whose file never landed is recognised.
"""

from __future__ import annotations

import copy
import os
import secrets
import threading
from collections.abc import Callable, Collection, Iterable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import cached_property, partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from geoplan.errors import (
    ChangeNotFound,
    DataFileError,
    FeatureNotFound,
    Problem,
    ValidationFailed,
    VersionConflict,
    VersionNotFound,
)
from geoplan.layers import columnar
from geoplan.layers.changelog import ChangeLog, ChangeRecord
from geoplan.layers.files import (
    FeatureLines,
    encode_collection,
    read_collection,
    read_head,
    staged_write,
)
from geoplan.layers.limits import DEFAULT_MAX_VERTICES, deeper_than
from geoplan.layers.rules import Op, Outcome, WriteRules
from geoplan.layers.survey import MEMBER as SURVEY_MEMBER
from geoplan.layers.survey import Survey, SurveyConflict, SurveyError

if TYPE_CHECKING:
    import geopandas as gpd
    from filelock import FileLock

    from geoplan.layers.backup import BackupSummary
    from geoplan.layers.catalogue import Catalogue, LayerSpec

# geopandas, shapely and jsonschema (frames, placement, validation) and filelock are imported where a read builds a
# frame or a write validates and locks: listing layers or changes (``geoplan layers``, ``geoplan changes``) must
# start without them.

#: From this many features a layer is better kept in PostgreSQL/PostGIS than in a GeoJSON file: every write
#: writes the whole file anew (atomically), and from here a POST takes 0.5 s or more on a busy 2-core machine
#: (bench_api --writes --post-sizes: ~0.25 s at 100,000 features, ~0.5 s at 200,000, ~1 s at 300,000).
DATABASE_ADVISED_FEATURES = 200_000
#: Layers up to this many features are kept parsed after a write (the next write and read reuse the dicts);
#: for larger ones nothing per feature is kept, and the next write splices lines (:class:`_FileLines`).
KEEP_PARSED_FEATURES = 20_000
#: Where the store keeps its own bookkeeping inside the data directory.
META_DIR = ".geoplan"
#: Deepest merge patch accepted (a feature is at most 7 levels deep; merge_patch recurses once per level).
MAX_PATCH_DEPTH = 16
WGS84 = "EPSG:4326"


def _file_survey(path: Path, data: dict[str, Any]) -> Survey:
    try:
        return Survey.from_json(data.get(SURVEY_MEMBER))
    except SurveyError as exc:
        raise DataFileError(f"{path}: {exc}") from None


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def new_change_id() -> str:
    """Sortable, unique change id: UTC time plus randomness."""
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f") + "-" + secrets.token_hex(3)


def _signature(path: Path) -> tuple[int, int, int] | None:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def _header_before(
    reverts: list[ChangeRecord], last_change: str | None, outcomes: list[Outcome]
) -> tuple[str | None] | None:
    """The ``last_change`` the layer file had before the change ``reverts`` records, as a 1-tuple, when undoing it
    with ``outcomes`` leaves the layer exactly as it was then; else None (the undo names itself, as any change).

    Exactly: the file's header is still the one the change wrote (so its content is what the change left: any
    later change moved the header, and only an exact undo moves it back), the log says what the header was
    before it, and every feature it touched goes back to its state before it, equal as a whole (an insert undone
    is a delete; a replace or delete undone writes a new version, so never qualifies).  A survey declaration the
    change made is restored by the undo itself.  The file is then byte for byte the one before the change (when
    that one was written in the store's layout).
    """
    head = next((r.header for r in reverts if r.header is not None), None)
    if not isinstance(head, dict) or "before" not in head or head.get("after") != last_change:
        return None
    wanted: dict[str, dict[str, Any] | None] = {}
    for r in reverts:  # a feature the change touched twice: as it was before the first
        if r.id is not None:
            wanted.setdefault(r.id, r.before)
    done = {o.fid: o.after for o in outcomes}
    if done.keys() != wanted.keys() or any(done[k] != wanted[k] for k in wanted):
        return None
    return (head["before"],)


def _patched_frame(
    frame: gpd.GeoDataFrame | Callable[[], gpd.GeoDataFrame], fields: Sequence[str], delta: _Delta, survey: Survey
) -> gpd.GeoDataFrame:
    """The frame of the version a spliced write made: the previous version's frame with the write's rows."""
    from geoplan.layers.frames import patched

    previous = frame() if callable(frame) else frame
    out = patched(previous, fields, delta.replaced, delta.deleted, delta.appended)
    out.attrs["survey"] = survey
    return out


def merge_patch(target: Any, patch: Any) -> Any:
    """Apply an RFC 7396 JSON Merge Patch (null deletes a member)."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


@dataclass(frozen=True)
class Version:
    """One recorded version of a feature (``feature`` None means it was deleted at that point)."""

    version: int
    at: str | None
    actor: str | None
    op: str | None
    change: str | None
    feature: dict[str, Any] | None


@dataclass(frozen=True)
class ChangeSummary:
    change: str
    at: str
    actor: str | None
    op: str
    layers: tuple[str, ...]
    count: int
    message: str | None = None


@dataclass(frozen=True)
class WriteResult:
    """A batch write: the change id it was recorded under (for undo) and the features as stored."""

    change: str
    features: list[dict[str, Any]]


@dataclass(frozen=True)
class FileReport:
    """What ``validate_files`` checked and what it found."""

    files: tuple[Path, ...]
    problems: list[Problem]


@dataclass
class LayerSnapshot:
    """An immutable-by-convention view of one layer file as read at one moment."""

    spec: LayerSpec
    features: list[dict[str, Any]]
    last_change: str | None
    signature: tuple[int, int, int] | None
    #: Where the layer was surveyed (see :mod:`geoplan.layers.survey`).
    survey: Survey = field(default_factory=Survey)
    index: dict[str, int] = field(init=False)

    def __post_init__(self) -> None:
        self.index = {str(f.get("id")): i for i, f in enumerate(self.features)}

    def get(self, fid: str) -> dict[str, Any] | None:
        i = self.index.get(str(fid))
        return None if i is None else self.features[i]

    @cached_property
    def frame(self) -> gpd.GeoDataFrame:
        """The layer as a GeoDataFrame in EPSG:4326, one column per catalogue field plus ``id``."""
        from geoplan.layers.frames import to_frame

        return to_frame(self.features, self.spec.field_names)


@dataclass
class _FileLines:
    """The layer file as a write sees it when it is in the store's layout: its bytes, not a dict per feature.

    Offers what a write needs of a :class:`LayerSnapshot` (``last_change``, ``survey``, ``get``); the new file is
    spliced from the old one (see :class:`~geoplan.layers.files.FeatureLines`).
    """

    spec: LayerSpec
    lines: FeatureLines
    signature: tuple[int, int, int]
    survey: Survey

    @property
    def last_change(self) -> str | None:
        return self.lines.head.get("last_change")

    #: Lines found so far (a write looks each touched id up to check it, then again to splice it).
    found: dict[str, tuple[int, int] | None] = field(default_factory=dict)

    def find(self, fid: str) -> tuple[int, int] | None:
        if fid not in self.found:  # a missing id costs a search through the whole file
            self.found[fid] = self.lines.find(fid)
        return self.found[fid]

    def get(self, fid: str) -> dict[str, Any] | None:
        span = self.find(str(fid))
        return None if span is None else orjson.loads(self.lines.raw[span[0] : span[1]])

    def written(self, outcomes: Sequence[Outcome], meta: dict[str, Any]) -> tuple[list[bytes | memoryview], _Delta]:
        """The new file: lines of changed features replaced or removed, new features appended (in the order a
        rewrite of the parsed features would give), and the same change as rows of the layer's frame."""
        lines: dict[int, tuple[int, dict[str, Any] | None]] = {}
        at: dict[str, int] = {}  # features of the file this change touches: fid -> start of their line
        gone: set[str] = set()  # ... and those it deleted (a later insert of the same id appends it)
        appended: list[dict[str, Any] | None] = []
        new: dict[str, int] = {}  # features this change appended: fid -> position in ``appended``
        for out in outcomes:
            if out.fid in new:
                appended[new[out.fid]] = out.after
                if out.after is None:
                    del new[out.fid]
                continue
            span = None
            if out.fid not in gone:
                if out.fid not in at:
                    found = self.find(out.fid)
                    if found is not None:
                        at[out.fid] = found[0]
                        lines[found[0]] = (found[1], None)
                if out.fid in at:
                    span = at[out.fid]
            if span is not None:
                lines[span] = (lines[span][0], out.after)
                if out.after is None:
                    gone.add(out.fid)
                    del at[out.fid]
            else:
                new[out.fid] = len(appended)
                appended.append(out.after)
        added = [f for f in appended if f is not None]
        data = self.lines.spliced(self.spec.name, meta, lines, added)
        delta = _Delta({}, [], added)
        row, previous = 0, self.lines.head_end
        for start in sorted(lines):  # one pass over the bytes: a line's row is the newlines before it
            row += self.lines.raw.count(b"\n", previous, start)
            previous = start
            new = lines[start][1]
            if new is None:
                delta.deleted.append(row)
            else:
                delta.replaced[row] = new
        return data, delta


@dataclass
class _Delta:
    """A write as rows of the layer's frame: replaced in place, deleted, appended (see ``frames.patched``)."""

    replaced: dict[int, dict[str, Any]]
    deleted: list[int]
    appended: list[dict[str, Any]]


class LayerStore(WriteRules):
    """GeoJSON layer files in one directory, validated and versioned through the catalogue."""

    def __init__(
        self,
        data_dir: Path,
        catalogue: Catalogue | None = None,
        lock_timeout: float = 60.0,
        max_vertices: int = DEFAULT_MAX_VERTICES,
    ) -> None:
        self.data_dir = Path(data_dir)
        if catalogue is None:
            from geoplan.layers.catalogue import default_catalogue  # pydantic models: not for `geoplan --help`

            catalogue = default_catalogue()
        self.catalogue = catalogue
        self.lock_timeout = lock_timeout
        self.max_vertices = max_vertices
        #: Write columnar copies in a thread of their own: a server answers the request that parsed a layer
        #: first (a county's footprints: about 0.5 s sooner); a command (analysis, report) writes them in line.
        self.background_copies = False
        self._cache: dict[str, LayerSnapshot] = {}
        #: Per layer, the signature of a file version this store parsed whole or wrote itself: a write may then
        #: splice its lines without parsing them (a damaged file still fails its first whole parse).
        self._parsed: dict[str, tuple[int, int, int]] = {}
        #: Per layer, the frame of one file version; after a spliced write, the held frame and the write's rows,
        #: turned into the new version's frame on the next read (no parse of the file this store just wrote).
        self._frames: dict[str, tuple[tuple[int, int, int], gpd.GeoDataFrame | Callable[[], gpd.GeoDataFrame]]] = {}
        #: Per layer, its frame of anchor points (see :meth:`frame`) of one file version.
        self._anchor_frames: dict[str, tuple[tuple[int, int, int], gpd.GeoDataFrame]] = {}

    # ---------------------------------------------------------------- paths
    def path(self, layer: str) -> Path:
        self.catalogue.layer(layer)  # raises LayerNotFound
        return self.data_dir / f"{layer}.geojson"

    def _meta(self, *parts: str) -> Path:
        return self.data_dir.joinpath(META_DIR, *parts)

    def _log(self, layer: str) -> ChangeLog:
        return ChangeLog(self._meta("changes", f"{layer}.jsonl"))

    def _lock(self, layer: str) -> FileLock:
        from filelock import FileLock

        path = self._meta("locks", f"{layer}.lock")
        path.parent.mkdir(parents=True, exist_ok=True)
        return FileLock(str(path), timeout=self.lock_timeout)

    # ---------------------------------------------------------------- reads
    @property
    def layer_names(self) -> tuple[str, ...]:
        return self.catalogue.names

    def spec(self, layer: str) -> LayerSpec:
        return self.catalogue.layer(layer)

    def snapshot(self, layer: str) -> LayerSnapshot:
        """The layer as it is on disk now (cached until the file changes)."""
        spec = self.catalogue.layer(layer)
        path = self.path(layer)
        try:
            st = os.stat(path)
        except FileNotFoundError:
            return LayerSnapshot(spec, [], None, None)
        sig = (st.st_ino, st.st_size, st.st_mtime_ns)
        cached = self._cache.get(layer)
        if cached is not None and cached.signature == sig:
            return cached
        data = read_collection(path)
        snap = LayerSnapshot(spec, data["features"], data.get("last_change"), sig, _file_survey(path, data))
        self._cache[layer] = snap
        self._parsed[layer] = sig
        return snap

    def signature(self, layer: str) -> tuple[int, int, int] | None:
        """The layer file's identity now (inode, size, mtime), None when absent: a version key without parsing."""
        return _signature(self.path(layer))

    def features(self, layer: str) -> list[dict[str, Any]]:
        return self.snapshot(layer).features

    def frame(self, layer: str, anchors: bool = False) -> gpd.GeoDataFrame:
        """The layer as a GeoDataFrame (see :attr:`LayerSnapshot.frame`), read from its columnar copy when current.

        A layer read only as a frame is not kept as features: parsing it into dicts for the frame alone costs
        the memory the frame avoids (a county's footprints), so those dicts are dropped once the frame is made.
        ``anchors``: each feature's anchor point (:func:`columnar.anchor_points`) as its geometry, for readers
        that need the features as points only; kept in the columnar copy, so no polygon is decoded.
        """
        spec = self.catalogue.layer(layer)
        path = self.path(layer)
        try:
            st = os.stat(path)
        except FileNotFoundError:
            empty = LayerSnapshot(spec, [], None, None).frame
            empty.attrs["survey"] = Survey()
            return empty
        sig = (st.st_ino, st.st_size, st.st_mtime_ns)
        held = self._frames.get(layer)
        if anchors:
            points = self._anchor_frames.get(layer)
            if points is not None and points[0] == sig:
                return points[1]
            if held is not None and held[0] == sig:  # the geometries are in memory already
                frame = columnar.anchored(self.frame(layer))
                self._anchor_frames[layer] = (sig, frame)
                return frame
        elif held is not None and held[0] == sig:
            if callable(held[1]):  # a write of this store's: the frame it changed, patched with the write's rows
                self._frames[layer] = (sig, held[1]())
            return self._frames[layer][1]  # type: ignore[return-value]
        version = columnar.file_version(path, st)
        cache_dir = self._meta(*columnar.CACHE_DIR)
        frame = columnar.load(cache_dir, layer, version, anchors)
        if frame is None:
            snap = self._cache.get(layer)
            if snap is not None and snap.signature == sig:
                frame = snap.frame
            else:
                frame = self._read_frame(path, spec)
                self._parsed[layer] = sig
            points = columnar.anchor_points(frame.geometry.to_numpy()) if anchors else None
            if _signature(path) == sig:  # not replaced while we read it: the copy is of this version
                copied = frame.copy(deep=False)  # the same columns, without the attrs set below
                if self.background_copies:
                    args = (cache_dir, layer, version, copied, points)
                    threading.Thread(target=columnar.save, args=args, name=f"geoplan-copy-{layer}").start()
                else:
                    columnar.save(cache_dir, layer, version, copied, points)
            if anchors:
                frame = columnar.anchored(frame, points)
        # set after the columnar copy is written: the declaration lives in the layer file, not in the copy
        snap = self._cache.get(layer)
        known = snap is not None and snap.signature == sig
        frame.attrs["survey"] = snap.survey if known else _file_survey(path, read_head(path))  # type: ignore[union-attr]
        (self._anchor_frames if anchors else self._frames)[layer] = (sig, frame)
        return frame

    @staticmethod
    def _read_frame(path: Path, spec: LayerSpec) -> gpd.GeoDataFrame:
        """The file's frame: read by Arrow when it is in the store's layout (:mod:`~geoplan.layers.arrowread`),
        else from its parsed features."""
        from geoplan.layers.arrowread import read_frame
        from geoplan.layers.frames import to_frame

        try:
            lines = FeatureLines.of(path.read_bytes())
        except OSError:
            lines = None  # the parse below says why, as a DataFileError
        frame = read_frame(lines, spec) if lines is not None else None
        del lines
        if frame is None:
            data = read_collection(path)
            frame = to_frame(data["features"], spec.field_names)
        return frame

    def frames(self, anchors: Collection[str] = ()) -> dict[str, gpd.GeoDataFrame]:
        """Every layer's GeoDataFrame, keyed by layer name (empty frames for layers without data); the layers
        named in ``anchors`` with each feature's anchor point as its geometry (see :meth:`frame`)."""
        return {name: self.frame(name, name in anchors) for name in self.layer_names}

    def get(self, layer: str, fid: str) -> dict[str, Any]:
        feature = self.snapshot(layer).get(fid)
        if feature is None:
            raise FeatureNotFound(layer, str(fid))
        return feature

    def count(self, layer: str) -> int:
        """Features in the layer; counted from the file's lines when this version was read before (no parse)."""
        path = self.path(layer)
        snap = self._cache.get(layer)
        if snap is not None and snap.signature == _signature(path):
            return len(snap.features)
        n = self._counted_lines(layer, path)
        return n if n is not None else len(self.snapshot(layer).features)

    def _counted_lines(self, layer: str, path: Path) -> int | None:
        """The feature count of a file in the store's own layout (one feature per line) whose version the store has
        already parsed whole (its columnar copy exists, so the file is valid), else None: the caller parses."""
        try:
            st = os.stat(path)
            if not columnar.copy_path(self._meta(*columnar.CACHE_DIR), layer, columnar.file_version(path, st)).exists():
                return None
            with path.open("rb") as fh:
                head = fh.readline()
                newlines = 1 + sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 20), b""))
                fh.seek(max(st.st_size - 4, 0))
                tail = fh.read()
        except OSError:
            return None
        if not (head.startswith(b'{"type":"FeatureCollection"') and head.endswith(b',"features":[\n')):
            return None
        # header line, one line per feature, closing line
        return newlines - 2 if tail.endswith(b"\n]}\n") else None

    def _last_change(self, layer: str) -> str | None:
        """The layer file's ``last_change`` from its header line (the file is parsed only in another layout)."""
        path = self.path(layer)
        snap = self._cache.get(layer)
        if snap is not None and snap.signature == _signature(path):
            return snap.last_change
        try:
            return read_head(path).get("last_change")
        except FileNotFoundError:
            return None
        except OSError:  # unreadable: the full read says why, as a DataFileError
            return self.snapshot(layer).last_change

    # ---------------------------------------------------------------- writes (public)
    def insert(
        self, layer: str, feature: dict[str, Any], *, actor: str | None = None, change: str | None = None
    ) -> dict[str, Any]:
        """Add one feature; its id is kept if given (and unused) or generated.

        ``change`` (here and in the other single-feature writes) names the change-log record, so a caller can
        offer to undo exactly this write (see :func:`new_change_id`).
        """
        return self._apply(layer, [self._insert_op(layer, feature)], actor=actor, op="insert", change=change)[0]

    def insert_many(
        self,
        layer: str,
        features: Sequence[dict[str, Any]],
        *,
        actor: str | None = None,
        op: str = "import",
        message: str | None = None,
        row_numbers: Sequence[int] | None = None,
        survey: Survey | Callable[[Survey], Survey] | None = None,
    ) -> WriteResult:
        """Add many features as one change: all are written, or none (e.g. an import).

        ``row_numbers`` label problems with the caller's row numbers (a source file's rows) instead of 1..n.
        ``survey`` declares where the layer was surveyed in the same change (a function gets the current
        declaration, read under the lock, and returns the new one).
        """
        ops = [self._insert_op(layer, f) for f in features]
        if row_numbers is not None:
            if len(row_numbers) != len(ops):
                raise ValueError("row_numbers must have one number per feature")
            for o, n in zip(ops, row_numbers, strict=True):
                o.row = n
        change = new_change_id()
        with self._lock(layer):
            declared = survey(self.survey(layer)) if callable(survey) else survey
            saved = self._apply_locked(
                layer, ops, actor=actor, op=op, message=message, change=change, rows=True, survey=declared
            )
        return WriteResult(change, saved)

    def write_change(
        self,
        inserts: dict[str, Sequence[dict[str, Any]]],
        replaces: dict[str, Sequence[dict[str, Any]]] | None = None,
        *,
        actor: str | None = None,
        op: str = "plan",
        message: str | None = None,
    ) -> WriteResult:
        """Insert and replace features in several layers as ONE change, so one ``undo`` takes all of it back.

        Every feature is validated before any file is written, so a bad feature in the last layer writes nothing
        anywhere; the layers' locks are held together (taken in name order, as ``undo`` takes them).
        """
        replaces = replaces or {}
        ops: dict[str, list[Op]] = {}
        for layer, feats in inserts.items():
            ops.setdefault(layer, []).extend(self._insert_op(layer, f) for f in feats)
        for layer, feats in replaces.items():
            ops.setdefault(layer, []).extend(Op("replace", str(f.get("id")), f) for f in feats)
        problems: list[Problem] = []
        for layer, items in ops.items():
            spec = self.spec(layer)
            for o in items:
                problems += self._normalise(spec, o.fid, o.feature, None)[1]
        if problems:
            raise ValidationFailed(problems)
        change = new_change_id()
        saved: list[dict[str, Any]] = []
        with ExitStack() as stack:
            for layer in sorted(ops):
                stack.enter_context(self._lock(layer))
            for layer in sorted(ops):
                saved += self._apply_locked(layer, ops[layer], actor=actor, op=op, message=message, change=change)
        return WriteResult(change, saved)

    def replace(
        self,
        layer: str,
        fid: str,
        feature: dict[str, Any],
        *,
        if_match: int | None = None,
        actor: str | None = None,
        change: str | None = None,
    ) -> dict[str, Any]:
        ops = [Op("replace", str(fid), feature, if_match)]
        return self._apply(layer, ops, actor=actor, op="replace", change=change)[0]

    def patch(
        self,
        layer: str,
        fid: str,
        patch: dict[str, Any],
        *,
        if_match: int | None = None,
        actor: str | None = None,
        change: str | None = None,
    ) -> dict[str, Any]:
        """Apply a JSON Merge Patch to a feature (``{"properties": {...}}`` and/or ``{"geometry": ...}``)."""
        if deeper_than(patch, MAX_PATCH_DEPTH):
            from geoplan.layers.validation import problem

            raise ValidationFailed([problem(layer, str(fid), None, "patch_too_deep", limit=MAX_PATCH_DEPTH)])

        def patched(current: dict[str, Any]) -> dict[str, Any]:
            return merge_patch(current, patch)

        return self._apply(
            layer, [Op("replace", str(fid), None, if_match)], actor=actor, op="patch", transform=patched, change=change
        )[0]

    def delete(
        self,
        layer: str,
        fid: str,
        *,
        if_match: int | None = None,
        actor: str | None = None,
        change: str | None = None,
    ) -> None:
        self._apply(layer, [Op("delete", str(fid), None, if_match)], actor=actor, op="delete", change=change)

    # ---------------------------------------------------------------- data coverage
    def survey(self, layer: str) -> Survey:
        """Where the layer was surveyed (the default: the villages its features fall in).

        Read from the file's first line unless the layer is held parsed: asking must not load a county's footprints.
        """
        self.spec(layer)
        path = self.path(layer)
        sig = _signature(path)
        if sig is None:
            return Survey()
        snap = self._cache.get(layer)
        if snap is not None and snap.signature == sig:
            return snap.survey
        return _file_survey(path, read_head(path))

    def set_survey(
        self,
        layer: str,
        survey: Survey,
        *,
        actor: str | None = None,
        if_match: str | None = None,
        change: str | None = None,
    ) -> str:
        """Declare where a layer was surveyed; recorded in the change log (undoable). Returns the change id.

        ``if_match`` is the :attr:`Survey.tag` the caller last read: checked under the lock (SurveyConflict).
        """
        change = change or new_change_id()
        with self._lock(layer):
            if if_match is not None:
                current = self.survey(layer).tag
                if current != if_match:
                    raise SurveyConflict(layer, if_match, current)
            self._apply_locked(layer, [], actor=actor, op="survey", change=change, survey=survey)
        return change

    # ---------------------------------------------------------------- history
    def history(self, layer: str, fid: str) -> list[Version]:
        """Every recorded version of a feature, oldest first (including the one before its first logged change)."""
        fid = str(fid)
        versions: dict[int, Version] = {}
        snap = self.snapshot(layer)
        for rec in self._log(layer).committed(snap.last_change):
            if rec.id != fid:
                continue
            if rec.before is not None:
                v = int(rec.before["properties"]["version"])
                versions.setdefault(
                    v, Version(v, rec.before["properties"].get("updated_at"), None, None, None, rec.before)
                )
            if rec.after is not None:
                v = int(rec.after["properties"]["version"])
                versions[v] = Version(v, rec.at, rec.actor, rec.op, rec.change, rec.after)
        current = snap.get(fid)
        if current is not None:
            v = int(current["properties"].get("version", 1))
            versions.setdefault(v, Version(v, current["properties"].get("updated_at"), None, None, None, current))
        if not versions:
            raise FeatureNotFound(layer, fid)
        return [versions[k] for k in sorted(versions)]

    def restore(self, layer: str, fid: str, version: int, *, actor: str | None = None) -> dict[str, Any]:
        """Make an earlier version current again (as a new version), re-creating the feature if deleted."""
        fid = str(fid)
        old = next((v for v in self.history(layer, fid) if v.version == version), None)
        if old is None or old.feature is None:
            raise VersionNotFound(layer, fid, version)
        exists = self.snapshot(layer).get(fid) is not None
        last = self.history(layer, fid)[-1].version
        op = Op("replace" if exists else "insert", fid, old.feature, base_version=last)
        return self._apply(layer, [op], actor=actor, op="restore", message=f"restore version {version}")[0]

    def changes(self, layer: str | None = None) -> list[ChangeSummary]:
        """Committed changes, oldest first, across one or all layers."""
        grouped: dict[str, list[ChangeRecord]] = {}
        for name in [layer] if layer else self.layer_names:
            for rec in self._log(name).committed(self._last_change(name)):
                grouped.setdefault(rec.change, []).append(rec)
        out = []
        for cid in sorted(grouped):
            recs = grouped[cid]
            first = recs[0]
            layers = tuple(dict.fromkeys(r.layer for r in recs))
            out.append(ChangeSummary(cid, first.at, first.actor, first.op, layers, len(recs), first.message))
        return out

    def undo(
        self, change: str | None = None, *, actor: str | None = None, only_if_current: bool = False
    ) -> ChangeSummary:
        """Revert one change (default: the latest) by writing the features' earlier states as a new change.

        ``only_if_current`` refuses (:class:`VersionConflict`) when a feature of the change has been changed
        since, so undoing one's own edit from a map can never silently throw away someone else's later edit.
        """
        summaries = self.changes()
        if change is None:
            if not summaries:
                raise ChangeNotFound("(latest)")
            target = summaries[-1]
        else:
            target = next((s for s in summaries if s.change == change), None)
            if target is None:
                raise ChangeNotFound(change)
        new_change = new_change_id()
        count = 0
        with ExitStack() as stack:
            for layer in sorted(target.layers):
                stack.enter_context(self._lock(layer))
            for layer in target.layers:
                snap = self.snapshot(layer)
                records = [r for r in self._log(layer).committed(snap.last_change) if r.change == target.change]
                if only_if_current:
                    for rec in records:
                        if rec.id is None:  # the survey declaration: still the one this change wrote?
                            if snap.survey != Survey.from_json(rec.after):
                                raise SurveyConflict(layer, Survey.from_json(rec.after).tag, snap.survey.tag)
                            continue
                        now = snap.get(rec.id)
                        now_version = None if now is None else int(now["properties"].get("version", 1))
                        if now_version != rec.version:
                            expected = "deleted" if rec.version is None else str(rec.version)
                            raise VersionConflict(layer, rec.id, expected, str(now_version or "deleted"))
                ops: list[Op] = []
                survey: Survey | None = None
                for rec in reversed(records):
                    if rec.id is None:  # the survey declaration
                        survey = Survey.from_json(rec.before)
                    elif rec.before is None:
                        ops.append(Op("delete", rec.id))
                    elif snap.get(rec.id) is None:
                        ops.append(Op("insert", rec.id, rec.before, base_version=rec.before["properties"]["version"]))
                    else:
                        ops.append(Op("replace", rec.id, rec.before))
                self._apply_locked(
                    layer, ops, actor=actor, op="undo", message=f"undo {target.change}", change=new_change,
                    survey=survey, reverts=records,
                )  # fmt: skip
                count += len(ops)
        return ChangeSummary(new_change, utc_now(), actor, "undo", target.layers, count, f"undo {target.change}")

    # ---------------------------------------------------------------- operations
    def health(self) -> list[str]:
        """Problems that stop this store serving reads (empty when healthy): for /healthz, so it reads only
        each layer file's first line, never a whole (possibly large) layer."""
        if not self.data_dir.is_dir():
            return [f"data directory {self.data_dir} does not exist"]
        problems = []
        for layer in self.layer_names:
            path = self.path(layer)
            if path.exists():
                try:
                    read_head(path)
                except (OSError, ValueError, DataFileError) as exc:
                    problems.append(f"{layer}: {path.name} unreadable ({type(exc).__name__})")
        return problems

    def backup(self, out: Path, config_files: dict[str, Path] | None = None) -> BackupSummary:
        """A consistent snapshot of every layer and its change log as a tar.gz (see :mod:`geoplan.layers.backup`)."""
        from geoplan.layers.backup import backup_store

        return backup_store(self, out, config_files)

    # ---------------------------------------------------------------- validation of files
    def validate_files(self, paths: Iterable[Path] | None = None) -> FileReport:
        """Check layer files (or directories of them; default: the data directory) against the catalogue.

        Files are read directly, not through the cache, so a broken file on disk is reported as it is.
        """
        targets: list[Path] = []
        for p in [self.data_dir] if paths is None else paths:
            targets += sorted(Path(p).glob("*.geojson")) if Path(p).is_dir() else [Path(p)]
        from geoplan.layers.validation import collection_problems

        problems: list[Problem] = []
        for path in targets:
            layer = path.name.removesuffix(".geojson")
            if layer not in self.layer_names:
                known = ", ".join(self.layer_names)
                problems.append(Problem(str(path), None, None, f"file name does not match any layer ({known})"))
                continue
            try:
                data = read_collection(path)
            except (DataFileError, OSError) as exc:
                problems.append(Problem(str(path), None, None, str(exc)))
                continue
            try:
                Survey.from_json(data.get(SURVEY_MEMBER))
            except SurveyError as exc:
                problems.append(Problem(str(path), None, SURVEY_MEMBER, str(exc)))
            for p in collection_problems(self.catalogue, self.spec(layer), data["features"]):
                problems.append(replace(p, layer=str(path)))
        return FileReport(tuple(targets), problems)

    # ---------------------------------------------------------------- internals
    def _apply(
        self,
        layer: str,
        ops: list[Op],
        *,
        actor: str | None,
        op: str,
        message: str | None = None,
        transform: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
        rows: bool = False,
        change: str | None = None,
    ) -> list[dict[str, Any]]:
        with self._lock(layer):
            return self._apply_locked(
                layer, ops, actor=actor, op=op, message=message, transform=transform, rows=rows, change=change
            )

    def _apply_locked(
        self,
        layer: str,
        ops: list[Op],
        *,
        actor: str | None,
        op: str,
        message: str | None = None,
        change: str | None = None,
        transform: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
        rows: bool = False,
        survey: Survey | None = None,
        reverts: list[ChangeRecord] | None = None,
    ) -> list[dict[str, Any]]:
        """Apply ``ops`` (and, when given, a new survey declaration) as one change, under the layer's lock.

        ``reverts``: the records of the change these ops undo; when the file is as that change left it and the ops
        bring every feature back exactly as it was before it, ``last_change`` goes back too (:func:`_header_before`).
        """
        spec = self.spec(layer)
        self._remove_stale_temps(layer)
        snap = self._for_write(layer)
        log = self._log(layer)
        tail = log.uncommitted_tail(snap.last_change)
        if tail is not None:
            log.mark_aborted(tail)
        now = utc_now()
        change = change or new_change_id()
        outcomes = self.resolve(layer, ops, snap.get, now=now, transform=transform, rows=rows)
        records = [ChangeRecord(change, now, actor, op, layer, o.fid, o.before, o.after, message) for o in outcomes]
        results = [o.after for o in outcomes if o.after is not None]

        new_survey = snap.survey if survey is None else survey
        if new_survey != snap.survey:
            self.check_declaration(new_survey, op)
            # id None: a record about the layer, not a feature (history() and undo() tell them apart)
            before, after = snap.survey.to_json(), new_survey.to_json()
            records.append(ChangeRecord(change, now, actor, op, layer, None, before, after, message))  # type: ignore[arg-type]
        if not records:
            return results
        header: str | None = change
        if reverts is not None:
            restored = _header_before(reverts, snap.last_change, outcomes)
            if restored is not None:
                header = restored[0]
        records[0] = replace(records[0], header={"before": snap.last_change, "after": header})
        meta: dict[str, Any] = {"last_change": header}
        if new_survey.declared:
            meta[SURVEY_MEMBER] = new_survey.to_json()
        path = self.path(layer)
        kept: list[dict[str, Any]] | None = None
        delta: _Delta | None = None
        if isinstance(snap, _FileLines):
            data, delta = snap.written(outcomes, meta)
        else:
            kept = self._rewritten(snap, outcomes)
            data = encode_collection(layer, kept, meta)
        with staged_write(path, data):
            log.append(records)
        # Still under the lock, so no other writer can have replaced the file: it is valid (every line is a
        # feature we wrote or one of a version parsed whole), and a small layer's features are kept parsed.
        # A large layer is not: holding a county's footprints as dicts for the next write costs 0.6 GiB.
        st = os.stat(path)
        sig = (st.st_ino, st.st_size, st.st_mtime_ns)
        self._parsed[layer] = sig
        self._cache.pop(layer, None)
        if kept is not None and len(kept) <= KEEP_PARSED_FEATURES:
            self._cache[layer] = LayerSnapshot(spec, kept, header, sig, new_survey)
        self._anchor_frames.pop(layer, None)  # of the version before: never asked for again
        held = self._frames.pop(layer, None)
        if delta is not None and held is not None and held[0] == snap.signature:
            self._frames[layer] = (sig, partial(_patched_frame, held[1], spec.field_names, delta, new_survey))
        return results

    def _for_write(self, layer: str) -> LayerSnapshot | _FileLines:
        """The layer as a write sees it (under the lock): the parsed snapshot when it is held, else the file's lines
        when it is in the store's layout and of a version parsed whole (a damaged line cannot hide in it), else
        the snapshot parsed now."""
        path = self.path(layer)
        sig = _signature(path)
        cached = self._cache.get(layer)
        if sig is None or (cached is not None and cached.signature == sig):
            return self.snapshot(layer)
        if self._parsed.get(layer) != sig:
            version = columnar.file_version(path, os.stat(path))
            if not columnar.copy_path(self._meta(*columnar.CACHE_DIR), layer, version).exists():
                return self.snapshot(layer)  # never parsed whole: a damaged file fails here, before any write
        try:
            raw = path.read_bytes()
        except OSError:
            return self.snapshot(layer)
        lines = FeatureLines.of(raw)
        if lines is None or _signature(path) != sig:
            return self.snapshot(layer)
        try:
            survey = Survey.from_json(lines.head.get(SURVEY_MEMBER))
        except SurveyError as exc:
            raise DataFileError(f"{path}: {exc}") from None
        return _FileLines(self.spec(layer), lines, sig, survey)

    @staticmethod
    def _rewritten(snap: LayerSnapshot, outcomes: Sequence[Outcome]) -> list[dict[str, Any]]:
        """The snapshot's features after the outcomes: replaced in place, deleted removed, inserted appended."""
        features = list(snap.features)
        index = dict(snap.index)
        deleted: set[int] = set()
        for out in outcomes:
            pos = index.get(out.fid)
            if out.after is None:
                assert pos is not None
                deleted.add(pos)
            elif pos is None or pos in deleted:
                index[out.fid] = len(features)
                features.append(out.after)
            else:
                features[pos] = out.after
        return [f for i, f in enumerate(features) if i not in deleted]

    def _remove_stale_temps(self, layer: str) -> None:
        """Delete temporary copies of the layer left by writers that were killed (call under the layer lock).

        While the lock is held no other writer of this layer is between "temp file written" and "renamed", so
        every such file is an orphan: a full copy of the layer that would otherwise stay forever.
        """
        path = self.path(layer)
        for tmp in path.parent.glob(f".{path.name}.*.tmp"):
            tmp.unlink(missing_ok=True)
