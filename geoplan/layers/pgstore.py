"""The PostGIS store: the same interface as the file store, over one PostgreSQL/PostGIS database.

Several API processes on several machines, the CLI and QGIS desktops share one database.  Every write is one
transaction: it locks the layer's row in ``geoplan_layers`` (writers of a layer queue, as the file lock makes
them queue on one machine), reads the touched features, applies the same rules as the file store
(:class:`geoplan.layers.rules.WriteRules`) and writes the rows; the row triggers write the change log in the
same transaction, so a write is either wholly there — features, versions and log — or not at all, whatever
process dies when.  The store tells the triggers who writes and under which change id through transaction-local
settings (``geoplan.change``, ``geoplan.actor`` …); an edit made directly in SQL gets its own change id.

Reads are cached per layer and keyed by the layer's ``revision``, which a statement trigger bumps on every
write by anyone: one indexed single-row query tells a cache whether it is current (no messaging needed).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from geoplan.errors import (
    ChangeNotFound,
    FeatureNotFound,
    GeoplanError,
    Problem,
    ValidationFailed,
    VersionConflict,
    VersionNotFound,
)
from geoplan.layers import columnar
from geoplan.layers.catalogue import Catalogue, LayerSpec, default_catalogue
from geoplan.layers.changelog import ChangeRecord
from geoplan.layers.limits import DEFAULT_MAX_VERTICES, deeper_than
from geoplan.layers.pgquery import BadQuery, FeatureQuery, QueryTooExpensive, count_sql, extent_sql, page_sql
from geoplan.layers.pgschema import (
    CHANGES_TABLE,
    GEOM,
    LAYERS_TABLE,
    ORDER,
    ident,
    schema_sql,
    value_sql,
)
from geoplan.layers.rules import Op, Outcome, WriteRules
from geoplan.layers.store import (
    MAX_PATCH_DEPTH,
    ChangeSummary,
    FileReport,
    LayerSnapshot,
    Version,
    WriteResult,
    merge_patch,
    new_change_id,
    utc_now,
)
from geoplan.layers.survey import Survey, SurveyConflict

if TYPE_CHECKING:
    import geopandas as gpd
    import psycopg
    from psycopg_pool import ConnectionPool


class DatabaseError(GeoplanError):
    """The database cannot be reached, or holds no geoplan schema (run ``geoplan db init``)."""


def _redacted(url: str) -> str:
    """The URL without its password, for messages."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return urlunsplit(parts._replace(netloc=netloc))


def _at_text(value: Any) -> str:
    from datetime import UTC

    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class PostgisStore(WriteRules):
    """Layers in PostgreSQL/PostGIS tables, validated and versioned through the catalogue."""

    def __init__(
        self,
        url: str,
        catalogue: Catalogue | None = None,
        max_vertices: int = DEFAULT_MAX_VERTICES,
        pool_size: int = 8,
    ) -> None:
        try:
            import psycopg  # noqa: F401
            import psycopg_pool  # noqa: F401
        except ImportError:
            error = DatabaseError("the PostGIS backend needs psycopg: pip install 'geoplan[postgis]'")
            error.zh = "PostGIS 后端需要 psycopg:pip install 'geoplan[postgis]'"
            raise error from None
        self.url = url
        self.catalogue = catalogue or default_catalogue()
        self.max_vertices = max_vertices
        self._pool_size = pool_size
        self._pool: ConnectionPool | None = None
        self._pool_lock = threading.Lock()
        #: The connection this thread holds, so a read inside a write uses the write's transaction.
        self._local = threading.local()
        self._cache: dict[str, LayerSnapshot] = {}
        self._frames: dict[str, tuple[Any, gpd.GeoDataFrame]] = {}
        self._extents: dict[str, tuple[Any, Any]] = {}
        #: The whole layer's feature count at a revision (numberMatched of unfiltered pages after the first).
        self._counts: dict[str, tuple[int, int]] = {}

    def __repr__(self) -> str:
        return f"PostgisStore({_redacted(self.url)!r})"

    # ---------------------------------------------------------------- connections
    @contextmanager
    def connection(self) -> Iterator[psycopg.Connection]:
        """A pooled connection in autocommit mode (transactions are explicit: ``with conn.transaction()``)."""
        import psycopg
        from psycopg_pool import ConnectionPool, PoolTimeout

        with self._pool_lock:
            if self._pool is None:
                self._pool = ConnectionPool(
                    self.url,
                    min_size=1,
                    max_size=self._pool_size,
                    kwargs={"autocommit": True},
                    open=False,
                    timeout=30,
                    name="geoplan",
                )
                try:
                    self._pool.open(wait=True, timeout=10)
                except PoolTimeout as exc:
                    self._pool = None
                    raise self._unreachable(exc) from None
        held = getattr(self._local, "conn", None)
        if held is not None:  # nested (a write reading the villages for the locator): same transaction
            yield held
            return
        try:
            with self._pool.connection() as conn:
                self._local.conn = conn
                try:
                    yield conn
                finally:
                    self._local.conn = None
        except psycopg.errors.UndefinedTable as exc:
            error = DatabaseError(f"{_redacted(self.url)} holds no geoplan layers yet: run `geoplan db init` ({exc})")
            error.zh = f"数据库 {_redacted(self.url)} 还没有 geoplan 图层:先运行 `geoplan db init`"
            raise error from None
        except psycopg.OperationalError as exc:
            raise self._unreachable(exc) from None

    def _reading(self) -> Any:
        """A connection in a transaction that sees one snapshot (inside a write: the write's own transaction)."""
        nested = getattr(self._local, "conn", None) is not None

        @contextmanager
        def reading() -> Iterator[psycopg.Connection]:
            with self.connection() as conn, conn.transaction():
                if not nested:
                    conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                yield conn

        return reading()

    def _unreachable(self, exc: Exception) -> DatabaseError:
        error = DatabaseError(f"cannot reach the database {_redacted(self.url)}: {str(exc).strip()[:300]}")
        error.zh = f"无法连接数据库 {_redacted(self.url)}:{str(exc).strip()[:300]}"
        return error

    def close(self) -> None:
        with self._pool_lock:
            if self._pool is not None:
                self._pool.close()
                self._pool = None

    # ---------------------------------------------------------------- schema
    def init_schema(self) -> None:
        """Create the tables, constraints and triggers of the catalogue, or migrate an older schema to it."""
        with self.connection() as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(hashtext('geoplan.schema'))")
            conn.execute(schema_sql(self.catalogue).encode())  # type: ignore[call-overload]
        self._cache.clear()
        self._frames.clear()
        self._extents.clear()

    # ---------------------------------------------------------------- reads
    @property
    def layer_names(self) -> tuple[str, ...]:
        return self.catalogue.names

    def spec(self, layer: str) -> LayerSpec:
        return self.catalogue.layer(layer)

    def revision(self, layer: str) -> int:
        """The layer's revision now (bumped by every statement that writes it, whoever runs it)."""
        self.catalogue.layer(layer)
        with self.connection() as conn:
            row = conn.execute(f"SELECT revision FROM {LAYERS_TABLE} WHERE layer = %s", (layer,)).fetchone()
        if row is None:
            raise DatabaseError(f"layer {layer} has no table yet: run `geoplan db init`")
        return int(row[0])

    def signature(self, layer: str) -> tuple[str, int] | None:
        return ("postgis", self.revision(layer))

    def _feature_sql(self, spec: LayerSpec, where: str = "") -> str:
        fn = ident(f"geoplan_feature_{spec.name}")
        return f"SELECT {fn}(t)::text FROM {ident(spec.name)} t {where}"

    def snapshot(self, layer: str) -> LayerSnapshot:
        """The whole layer as features (cached until its revision moves on)."""
        spec = self.catalogue.layer(layer)
        cached = self._cache.get(layer)
        if cached is not None and cached.signature == self.signature(layer):
            return cached
        with self._reading() as conn:
            rev, surveyed = conn.execute(
                f"SELECT revision, surveyed FROM {LAYERS_TABLE} WHERE layer = %s", (layer,)
            ).fetchone() or (0, None)
            fn = ident(f"geoplan_feature_{spec.name}")
            row = conn.execute(
                f"SELECT coalesce(json_agg({fn}(t) ORDER BY t.{ORDER}), '[]')::text FROM {ident(layer)} t"
            ).fetchone()
        features = orjson.loads(row[0]) if row else []
        snap = LayerSnapshot(spec, features, None, ("postgis", int(rev)), Survey.from_json(surveyed))  # type: ignore[arg-type]
        self._cache[layer] = snap
        return snap

    def features(self, layer: str) -> list[dict[str, Any]]:
        return self.snapshot(layer).features

    def frame(self, layer: str, anchors: bool = False) -> gpd.GeoDataFrame:
        """The layer as a GeoDataFrame read as columns and WKB (never through GeoJSON), cached per revision;
        ``anchors``: each feature's anchor point as its geometry (as :meth:`LayerStore.frame`)."""
        if anchors:
            return columnar.anchored(self.frame(layer))
        spec = self.catalogue.layer(layer)
        sig = self.signature(layer)
        held = self._frames.get(layer)
        if held is not None and held[0] == sig:
            return held[1]
        cols = ", ".join(f"{value_sql(f, 't.' + ident(f.name))}" for f in spec.fields)
        with self._reading() as conn:
            rev, surveyed = conn.execute(
                f"SELECT revision, surveyed FROM {LAYERS_TABLE} WHERE layer = %s", (layer,)
            ).fetchone() or (0, None)
            cur = conn.cursor(binary=True)
            rows = cur.execute(
                f"SELECT t.id, {cols}, ST_AsBinary(t.{GEOM}) FROM {ident(layer)} t ORDER BY t.{ORDER}"
            ).fetchall()
        frame = _frame_of_rows(spec, rows)
        frame.attrs["survey"] = Survey.from_json(surveyed)
        self._frames[layer] = (("postgis", int(rev)), frame)
        return frame

    def frames(self, anchors: Collection[str] = ()) -> dict[str, gpd.GeoDataFrame]:
        return {name: self.frame(name, name in anchors) for name in self.layer_names}

    def get(self, layer: str, fid: str) -> dict[str, Any]:
        spec = self.catalogue.layer(layer)
        cached = self._cache.get(layer)
        if cached is not None and cached.signature == self.signature(layer):
            found = cached.get(fid)
            if found is None:
                raise FeatureNotFound(layer, str(fid))
            return found
        with self.connection() as conn:
            row = conn.execute(self._feature_sql(spec, "WHERE t.id = %s"), (str(fid),)).fetchone()
        if row is None:
            raise FeatureNotFound(layer, str(fid))
        return orjson.loads(row[0])

    def query(
        self, layer: str, q: FeatureQuery, *, count: bool = True, seconds: float | None = None
    ) -> tuple[list[tuple[Any, ...]], int | None]:
        """The features ``q`` selects and how many match (None unless ``count``).

        Each row is (``row_order``, id, every field as the GeoJSON holds it, the geometry as WKB) — what a page
        needs, without a frame's cost per request.  Answered by SQL (bbox through the GiST index, the filter
        translated with bound parameters), page and count from one snapshot; ``seconds`` caps the statements
        (:class:`QueryTooExpensive` past it).
        """
        import psycopg

        spec = self.catalogue.layer(layer)
        page, params = page_sql(spec, q)
        whole_layer = q.ids is None and q.bbox is None and q.years is None and not q.equals and q.cql is None
        with self.connection() as conn:
            try:
                # one pipeline: the statements go out together, not one round trip (and server wake-up) each
                with conn.pipeline(), conn.transaction():
                    conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")  # page, count agree
                    if seconds is not None:
                        timeout = f"{max(1, int(seconds * 1000))}ms"
                        conn.execute("SELECT set_config('statement_timeout', %s, true)", (timeout,))
                    revision = None
                    if count and whole_layer:
                        revision = conn.execute(f"SELECT revision FROM {LAYERS_TABLE} WHERE layer = %s", (layer,))
                    rows = conn.cursor(binary=True).execute(page, params).fetchall()
                    matched = None
                    if count:
                        matched = self._matched(conn, spec, q, rows, revision)
            except psycopg.errors.QueryCanceled:  # (an OperationalError: caught here, not as "unreachable")
                raise QueryTooExpensive(seconds or 0) from None
            except psycopg.DataError as exc:  # e.g. a text literal holding NUL, which PostgreSQL text cannot
                raise BadQuery(f"filter could not be applied: {str(exc).strip().splitlines()[0]}") from None
        return rows, matched

    def _matched(
        self, conn: psycopg.Connection, spec: LayerSpec, q: FeatureQuery, rows: list[Any], revision: Any
    ) -> int:
        """numberMatched, counted only when nothing cheaper knows it: a first page shorter than its limit is the
        whole answer, and the whole layer's count is kept per revision (the same version check as every cache)."""
        if q.after is None and not q.offset and (q.limit is None or len(rows) < q.limit):
            return len(rows)
        rev = None
        if revision is not None:
            found = revision.fetchone()
            rev = int(found[0]) if found else None
            held = self._counts.get(spec.name)
            if held is not None and rev is not None and held[0] == rev:
                return held[1]
        matched = int(conn.execute(*count_sql(spec, q)).fetchone()[0])  # type: ignore[index]
        if rev is not None:
            self._counts[spec.name] = (rev, matched)
        return matched

    def extent(self, layer: str) -> tuple[tuple[float, float, float, float] | None, tuple[int, int] | None]:
        """The layer's bounds (CRS84) and first/last project year, None where empty; cached per revision."""
        spec = self.catalogue.layer(layer)
        sig = self.signature(layer)
        held = self._extents.get(layer)
        if held is not None and held[0] == sig:
            return held[1]
        with self._reading() as conn:
            rev = conn.execute(f"SELECT revision FROM {LAYERS_TABLE} WHERE layer = %s", (layer,)).fetchone()
            row = conn.execute(extent_sql(spec)).fetchone()
        assert row is not None
        bounds = None if row[0] is None else (float(row[0]), float(row[1]), float(row[2]), float(row[3]))
        years = None if row[4] is None else (int(row[4]), int(row[5]))
        self._extents[layer] = (("postgis", int(rev[0]) if rev else 0), (bounds, years))
        return bounds, years

    def count(self, layer: str) -> int:
        self.catalogue.layer(layer)
        with self.connection() as conn:
            return int(conn.execute(f"SELECT count(*) FROM {ident(layer)}").fetchone()[0])  # type: ignore[index]

    # ---------------------------------------------------------------- writes (public)
    def insert(
        self, layer: str, feature: dict[str, Any], *, actor: str | None = None, change: str | None = None
    ) -> dict[str, Any]:
        return self._write(layer, [self._insert_op(layer, feature)], actor=actor, op="insert", change=change)[0]

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
        ops = [self._insert_op(layer, f) for f in features]
        if row_numbers is not None:
            if len(row_numbers) != len(ops):
                raise ValueError("row_numbers must have one number per feature")
            for o, n in zip(ops, row_numbers, strict=True):
                o.row = n
        change = new_change_id()
        saved = self._write(layer, ops, actor=actor, op=op, message=message, change=change, rows=True, survey=survey)
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
        return self._write(layer, ops, actor=actor, op="replace", change=change)[0]

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
        if deeper_than(patch, MAX_PATCH_DEPTH):
            from geoplan.layers.validation import problem

            raise ValidationFailed([problem(layer, str(fid), None, "patch_too_deep", limit=MAX_PATCH_DEPTH)])

        def patched(current: dict[str, Any]) -> dict[str, Any]:
            return merge_patch(current, patch)

        ops = [Op("replace", str(fid), None, if_match)]
        return self._write(layer, ops, actor=actor, op="patch", transform=patched, change=change)[0]

    def delete(
        self,
        layer: str,
        fid: str,
        *,
        if_match: int | None = None,
        actor: str | None = None,
        change: str | None = None,
    ) -> None:
        self._write(layer, [Op("delete", str(fid), None, if_match)], actor=actor, op="delete", change=change)

    # ---------------------------------------------------------------- data coverage
    def survey(self, layer: str) -> Survey:
        self.catalogue.layer(layer)
        with self.connection() as conn:
            row = conn.execute(f"SELECT surveyed FROM {LAYERS_TABLE} WHERE layer = %s", (layer,)).fetchone()
        return Survey.from_json(row[0] if row else None)

    def set_survey(
        self,
        layer: str,
        survey: Survey,
        *,
        actor: str | None = None,
        if_match: str | None = None,
        change: str | None = None,
    ) -> str:
        """Declare where a layer was surveyed (undoable); ``if_match``: the :attr:`Survey.tag` last read."""
        change = change or new_change_id()

        def checked(current: Survey) -> Survey:
            if if_match is not None and current.tag != if_match:
                raise SurveyConflict(layer, if_match, current.tag)
            return survey

        self._write(layer, [], actor=actor, op="survey", change=change, survey=checked)
        return change

    def write_change(
        self,
        inserts: dict[str, Sequence[dict[str, Any]]],
        replaces: dict[str, Sequence[dict[str, Any]]] | None = None,
        *,
        actor: str | None = None,
        op: str = "plan",
        message: str | None = None,
    ) -> WriteResult:
        """Insert and replace features in several layers as ONE change (one transaction, one undo)."""
        replaces = replaces or {}
        ops: dict[str, list[Op]] = {}
        for layer, feats in inserts.items():
            ops.setdefault(layer, []).extend(self._insert_op(layer, f) for f in feats)
        for layer, feats in replaces.items():
            ops.setdefault(layer, []).extend(Op("replace", str(f.get("id")), f) for f in feats)
        problems: list[Problem] = []
        for layer, items in ops.items():  # every feature checked before anything is written
            spec = self.spec(layer)
            for o in items:
                problems += self._normalise(spec, o.fid, o.feature, None)[1]
        if problems:
            raise ValidationFailed(problems)
        change = new_change_id()
        saved: list[dict[str, Any]] = []
        with self.connection() as conn, conn.transaction():
            self._begin(conn, change=change, actor=actor, op=op, message=message)
            for layer in sorted(ops):
                self._lock_layer(conn, layer)
            for layer in sorted(ops):
                saved += self._write_locked(conn, layer, ops[layer], change=change, actor=actor, op=op, message=message)
        return WriteResult(change, saved)

    # ---------------------------------------------------------------- history
    def _records(self, conn: psycopg.Connection, where: str, params: Sequence[Any]) -> list[ChangeRecord]:
        rows = conn.execute(
            f"SELECT change, at, actor, op, layer, fid, before::text, after::text, message FROM {CHANGES_TABLE} "
            f"WHERE {where} ORDER BY seq",
            params,
        ).fetchall()
        out = []
        for change, at, actor, op, layer, fid, before, after, message in rows:
            b = orjson.loads(before) if before is not None else None
            a = orjson.loads(after) if after is not None else None
            if fid is not None:
                spec = self.catalogue.layer(layer)
                b, a = (self._stored_order(spec, x) for x in (b, a))
            out.append(ChangeRecord(change, _at_text(at), actor, op, layer, fid, b, a, message))
        return out

    def _stored_order(self, spec: LayerSpec, feature: dict[str, Any] | None) -> dict[str, Any] | None:
        """A logged feature (jsonb sorts keys) in the order the file store keeps: type, id, geometry, properties."""
        if feature is None:
            return None
        props = feature.get("properties") or {}
        return {
            "type": "Feature",
            "id": feature.get("id"),
            "geometry": feature.get("geometry"),
            "properties": self._ordered(spec, props),
        }

    def history(self, layer: str, fid: str) -> list[Version]:
        fid = str(fid)
        self.catalogue.layer(layer)
        versions: dict[int, Version] = {}
        with self.connection() as conn:
            records = self._records(conn, "layer = %s AND fid = %s", (layer, fid))
        for rec in records:
            if rec.before is not None:
                v = int(rec.before["properties"]["version"])
                versions.setdefault(
                    v, Version(v, rec.before["properties"].get("updated_at"), None, None, None, rec.before)
                )
            if rec.after is not None:
                v = int(rec.after["properties"]["version"])
                versions[v] = Version(v, rec.at, rec.actor, rec.op, rec.change, rec.after)
        try:
            current: dict[str, Any] | None = self.get(layer, fid)
        except FeatureNotFound:
            current = None
        if current is not None:
            v = int(current["properties"].get("version", 1))
            versions.setdefault(v, Version(v, current["properties"].get("updated_at"), None, None, None, current))
        if not versions:
            raise FeatureNotFound(layer, fid)
        return [versions[k] for k in sorted(versions)]

    def restore(self, layer: str, fid: str, version: int, *, actor: str | None = None) -> dict[str, Any]:
        fid = str(fid)
        history = self.history(layer, fid)
        old = next((v for v in history if v.version == version), None)
        if old is None or old.feature is None:
            raise VersionNotFound(layer, fid, version)
        try:
            self.get(layer, fid)
            exists = True
        except FeatureNotFound:
            exists = False
        op = Op("replace" if exists else "insert", fid, old.feature, base_version=history[-1].version)
        return self._write(layer, [op], actor=actor, op="restore", message=f"restore version {version}")[0]

    def changes(self, layer: str | None = None) -> list[ChangeSummary]:
        """Committed changes in the order they were written, across one or all layers."""
        if layer is not None:
            self.catalogue.layer(layer)
        where = "WHERE change IN (SELECT change FROM geoplan_changes WHERE layer = %s)" if layer else ""
        with self.connection() as conn:
            rows = conn.execute(
                f"SELECT change, min(at), (array_agg(actor ORDER BY seq))[1], (array_agg(op ORDER BY seq))[1], "
                f"array_agg(layer ORDER BY seq), count(*), (array_agg(message ORDER BY seq))[1] "
                f"FROM {CHANGES_TABLE} {where} GROUP BY change ORDER BY min(seq)",
                (layer,) if layer else (),
            ).fetchall()
        out = []
        for change, at, actor, op, layers, count, message in rows:
            if layer is not None:  # as the file store: only this layer's records of the change
                count = sum(1 for name in layers if name == layer)
                layers = [layer]
            out.append(
                ChangeSummary(change, _at_text(at), actor, op, tuple(dict.fromkeys(layers)), int(count), message)
            )
        return out

    def undo(
        self, change: str | None = None, *, actor: str | None = None, only_if_current: bool = False
    ) -> ChangeSummary:
        """Revert one change (default: the latest) by writing the features' earlier states as a new change."""
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
        message = f"undo {target.change}"
        count = 0
        with self.connection() as conn, conn.transaction():
            self._begin(conn, change=new_change, actor=actor, op="undo", message=message)
            for layer in sorted(target.layers):  # lock every layer first, always in the same order
                self._lock_layer(conn, layer)
            records = self._records(conn, "change = %s", (target.change,))
            for layer in target.layers:
                mine = [r for r in records if r.layer == layer]
                current = self._current(conn, layer, [r.id for r in mine if r.id is not None])
                if only_if_current:
                    for rec in mine:
                        if rec.id is None:  # the survey declaration: still the one this change wrote?
                            declared = Survey.from_json(self._lock_layer(conn, layer))
                            if declared != Survey.from_json(rec.after):
                                raise SurveyConflict(layer, Survey.from_json(rec.after).tag, declared.tag)
                            continue
                        now = current.get(rec.id)
                        now_version = None if now is None else int(now["properties"].get("version", 1))
                        if now_version != rec.version:
                            expected = "deleted" if rec.version is None else str(rec.version)
                            raise VersionConflict(layer, rec.id, expected, str(now_version or "deleted"))
                ops: list[Op] = []
                survey: Survey | None = None
                for rec in reversed(mine):
                    if rec.id is None:
                        survey = Survey.from_json(rec.before)
                    elif rec.before is None:
                        ops.append(Op("delete", rec.id))
                    elif current.get(rec.id) is None:
                        ops.append(Op("insert", rec.id, rec.before, base_version=rec.before["properties"]["version"]))
                    else:
                        ops.append(Op("replace", rec.id, rec.before))
                self._write_locked(conn, layer, ops, change=new_change, actor=actor, op="undo", message=message,
                                   survey=survey)  # fmt: skip
                count += len(ops)
        return ChangeSummary(new_change, utc_now(), actor, "undo", target.layers, count, message)

    # ---------------------------------------------------------------- operations
    def health(self) -> list[str]:
        """Problems that stop this store serving (empty when healthy): the database unreachable, or its schema
        missing tables, columns or triggers the catalogue needs.  For /healthz: a few catalogue queries."""
        try:
            return schema_problems(self)
        except DatabaseError as exc:
            return [str(exc)]

    # ---------------------------------------------------------------- validation
    def validate_files(self, paths: Iterable[Path] | None = None) -> FileReport:
        """Check layer files against the catalogue; without paths, check the layers in the database."""
        if paths is not None:
            from geoplan.layers.store import LayerStore

            return LayerStore(Path("."), self.catalogue, max_vertices=self.max_vertices).validate_files(paths)
        return FileReport((), self.check_rows())

    def check_rows(self) -> list[Problem]:
        """Every catalogue rule broken by a row (what SQL constraints cannot say, e.g. an edit made in QGIS)."""
        from geoplan.layers.validation import collection_problems

        problems: list[Problem] = []
        for name in self.layer_names:
            problems += collection_problems(self.catalogue, self.spec(name), self.features(name))
        return problems

    # ---------------------------------------------------------------- internals
    @staticmethod
    def _begin(conn: psycopg.Connection, *, change: str, actor: str | None, op: str, message: str | None) -> None:
        """Tell this transaction's triggers who writes, as which change (settings end with the transaction)."""
        conn.execute(
            "SELECT set_config('geoplan.change', %s, true), set_config('geoplan.actor', %s, true), "
            "set_config('geoplan.op', %s, true), set_config('geoplan.message', %s, true)",
            (change, actor or "", op, message or ""),
        )

    @staticmethod
    def _lock_layer(conn: psycopg.Connection, layer: str) -> Any:
        row = conn.execute(f"SELECT surveyed FROM {LAYERS_TABLE} WHERE layer = %s FOR UPDATE", (layer,)).fetchone()
        if row is None:
            raise DatabaseError(f"layer {layer} has no table yet: run `geoplan db init`")
        return row[0]

    def _current(self, conn: psycopg.Connection, layer: str, fids: Sequence[str]) -> dict[str, dict[str, Any]]:
        if not fids:
            return {}
        spec = self.spec(layer)
        rows = conn.execute(self._feature_sql(spec, "WHERE t.id = ANY(%s)"), (list(dict.fromkeys(fids)),)).fetchall()
        found = [orjson.loads(r[0]) for r in rows]
        return {f["id"]: f for f in found}

    def _write(
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
        survey: Survey | Callable[[Survey], Survey] | None = None,
    ) -> list[dict[str, Any]]:
        self.catalogue.layer(layer)
        change = change or new_change_id()
        with self.connection() as conn, conn.transaction():
            self._begin(conn, change=change, actor=actor, op=op, message=message)
            return self._write_locked(
                conn, layer, ops, change=change, actor=actor, op=op, message=message, transform=transform, rows=rows,
                survey=survey,
            )  # fmt: skip

    def _write_locked(
        self,
        conn: psycopg.Connection,
        layer: str,
        ops: list[Op],
        *,
        change: str,
        actor: str | None,
        op: str,
        message: str | None,
        transform: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
        rows: bool = False,
        survey: Survey | Callable[[Survey], Survey] | None = None,
    ) -> list[dict[str, Any]]:
        """Apply ``ops`` (and a survey declaration) inside the caller's transaction, holding the layer's lock."""
        spec = self.spec(layer)
        old_survey = Survey.from_json(self._lock_layer(conn, layer))
        current = self._current(conn, layer, [o.fid for o in ops])
        outcomes = self.resolve(layer, ops, current.get, now=utc_now(), transform=transform, rows=rows)
        declared = survey(old_survey) if callable(survey) else survey
        redeclared = declared is not None and declared != old_survey
        if redeclared:
            self.check_declaration(declared, op)  # type: ignore[arg-type]
        self._store(conn, spec, outcomes)
        if redeclared:
            conn.execute(
                # a new revision: readers' caches (the API's analysis and pages) are keyed by it, and a declaration
                # changes what the analysis may assess even when no feature changed
                f"UPDATE {LAYERS_TABLE} SET surveyed = %s::jsonb, revision = revision + 1 WHERE layer = %s",
                (orjson.dumps(declared.to_json()).decode() if declared.declared else None, layer),
            )
            conn.execute(
                f"INSERT INTO {CHANGES_TABLE} (change, actor, op, layer, fid, before, after, message) "
                "VALUES (%s, %s, %s, %s, NULL, %s::jsonb, %s::jsonb, %s)",
                (
                    change,
                    actor,
                    op,
                    layer,
                    orjson.dumps(old_survey.to_json()).decode(),
                    orjson.dumps(declared.to_json()).decode(),
                    message,
                ),
            )
        return [o.after for o in outcomes if o.after is not None]

    def _store(self, conn: psycopg.Connection, spec: LayerSpec, outcomes: list[Outcome]) -> None:
        """Write resolved outcomes as rows: deletes, then updates, then inserts (each batch one statement)."""
        t = ident(spec.name)
        names = spec.field_names
        casts = [f"%s::{_cast(spec, n)}" for n in names]
        geom = "ST_Force2D(ST_SetSRID(ST_GeomFromGeoJSON(%s), 4326))"
        deletes = [o.fid for o in outcomes if o.after is None]
        if deletes:
            conn.execute(f"DELETE FROM {t} WHERE id = ANY(%s)", (deletes,))
        updates = [o for o in outcomes if o.after is not None and o.before is not None]
        inserts = [o for o in outcomes if o.after is not None and o.before is None]
        if updates:
            cols = ", ".join(ident(n) for n in names)
            sql = f"UPDATE {t} SET ({cols}, {GEOM}) = ({', '.join(casts)}, {geom}) WHERE id = %s"
            with conn.cursor() as cur:
                cur.executemany(sql, [(*_values(spec, o.after), o.fid) for o in updates])  # type: ignore[arg-type]
        if inserts:
            cols = ", ".join(["id", *(ident(n) for n in names), GEOM])
            sql = f"INSERT INTO {t} ({cols}) VALUES (%s, {', '.join(casts)}, {geom})"
            with conn.cursor() as cur:
                cur.executemany(sql, [(o.fid, *_values(spec, o.after)) for o in inserts])  # type: ignore[arg-type]


def _frame_of_rows(spec: LayerSpec, rows: Sequence[Sequence[Any]]) -> gpd.GeoDataFrame:
    """Rows of (id, every field, WKB) as the frame the file store would give: same columns, same dtypes."""
    import geopandas as gpd
    import pandas as pd
    import shapely

    names = ["id", *spec.field_names]
    # lists per column, as the file store's frames are built: the same dtypes (floats with NaN, objects …)
    data = pd.DataFrame({name: [r[i] for r in rows] for i, name in enumerate(names)}, columns=names)
    geoms = shapely.from_wkb([bytes(r[-1]) for r in rows]) if rows else []
    return gpd.GeoDataFrame(data, geometry=gpd.GeoSeries(geoms, crs="EPSG:4326"), crs="EPSG:4326")


def _cast(spec: LayerSpec, name: str) -> str:
    from geoplan.layers.pgschema import SQL_TYPES

    return SQL_TYPES[spec.field(name).type]


def _values(spec: LayerSpec, feature: dict[str, Any]) -> list[Any]:
    props = feature.get("properties") or {}
    return [*(props.get(n) for n in spec.field_names), orjson.dumps(feature["geometry"]).decode()]


# -------------------------------------------------------------------------------- moving layers in and out
def load_files(store: PostgisStore, data_dir: Path) -> dict[str, int]:
    """Copy a data directory's layer files (features, survey declarations, change logs) into empty tables.

    Features keep their ids, versions and timestamps, and each layer's committed change log is carried over, so
    ``history`` and ``undo`` go on where the files left off.  Every file is validated first; one bad file
    loads nothing.  All layers load in one transaction.
    """
    import shapely

    from geoplan.layers.changelog import ChangeLog
    from geoplan.layers.frames import geometries
    from geoplan.layers.store import META_DIR, LayerStore

    files = LayerStore(Path(data_dir), store.catalogue, max_vertices=store.max_vertices)
    report = files.validate_files()
    if report.problems:
        raise ValidationFailed(report.problems)
    counts: dict[str, int] = {}
    with store.connection() as conn, conn.transaction():
        conn.execute("SELECT set_config('geoplan.op', 'load', true)")
        for name in store.layer_names:
            if not files.path(name).exists():
                continue
            spec = store.spec(name)
            store._lock_layer(conn, name)
            held = conn.execute(f"SELECT count(*) FROM {ident(name)}").fetchone()
            if held and held[0]:
                error = DatabaseError(f"layer {name} already holds {held[0]} features in the database; load refused")
                error.zh = f"数据库中图层 {name} 已有 {held[0]} 个要素,拒绝载入"
                raise error
            snap = files.snapshot(name)
            wkb = shapely.to_wkb(shapely.force_2d(geometries(snap.features)), hex=True, include_srid=False)
            names = spec.field_names
            cols = ", ".join(["id", *(ident(n) for n in names), GEOM])
            with conn.cursor().copy(f"COPY {ident(name)} ({cols}) FROM STDIN") as copy:
                for feature, geom in zip(snap.features, wkb, strict=True):
                    props = feature.get("properties") or {}
                    copy.write_row(
                        [str(feature["id"]), *(_copy_value(props.get(n)) for n in names), f"SRID=4326;{geom}"]
                    )
            if snap.survey.declared:
                conn.execute(
                    f"UPDATE {LAYERS_TABLE} SET surveyed = %s::jsonb, revision = revision + 1 WHERE layer = %s",
                    (orjson.dumps(snap.survey.to_json()).decode(), name),
                )
            log = ChangeLog(Path(data_dir) / META_DIR / "changes" / f"{name}.jsonl")
            records = log.committed(snap.last_change)
            with conn.cursor().copy(
                f"COPY {CHANGES_TABLE} (change, at, actor, op, layer, fid, before, after, message) FROM STDIN"
            ) as copy:
                for r in records:
                    before = None if r.before is None else orjson.dumps(r.before).decode()
                    after = None if r.after is None else orjson.dumps(r.after).decode()
                    copy.write_row([r.change, r.at, r.actor, r.op, r.layer, r.id, before, after, r.message])
            counts[name] = len(snap.features)
    store._cache.clear()
    store._frames.clear()
    store._extents.clear()
    return counts


def _copy_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "t" if value else "f"
    return value


def dump_files(store: PostgisStore, out_dir: Path) -> dict[str, int]:
    """Write every layer that holds features (or a survey declaration) back as the file store's layout.

    The layer files, with their change logs, are what the file store reads: ``geoplan --data-dir OUT`` then
    shows the same features, history and undo.  Files are written atomically, one per layer.
    """
    from geoplan.layers.changelog import ChangeLog
    from geoplan.layers.files import atomic_write, encode_collection
    from geoplan.layers.store import META_DIR

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    for name in store.layer_names:
        snap = store.snapshot(name)
        with store.connection() as conn:
            records = store._records(conn, "layer = %s", (name,))
        if not snap.features and not snap.survey.declared and not records:
            continue
        meta: dict[str, Any] = {"last_change": records[-1].change if records else None}
        if snap.survey.declared:
            meta["surveyed"] = snap.survey.to_json()
        log_path = out / META_DIR / "changes" / f"{name}.jsonl"
        log_path.unlink(missing_ok=True)
        if records:
            ChangeLog(log_path).append(records)
        atomic_write(out / f"{name}.geojson", encode_collection(name, snap.features, meta))
        counts[name] = len(snap.features)
    return counts


def schema_problems(store: PostgisStore) -> list[str]:
    """What the database lacks for the catalogue: tables, columns, triggers (``geoplan db init`` adds them)."""
    out: list[str] = []
    with store.connection() as conn:
        tables = {
            r[0]
            for r in conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
            ).fetchall()
        }
        for needed in (LAYERS_TABLE, CHANGES_TABLE):
            if needed not in tables:
                out.append(f"table {needed} is missing (run `geoplan db init`)")
        for spec in store.catalogue.layers:
            if spec.name not in tables:
                out.append(f"layer {spec.name}: no table (run `geoplan db init`)")
                continue
            columns = {
                r[0]
                for r in conn.execute(
                    "SELECT column_name FROM information_schema.columns "
                    "WHERE table_schema = current_schema() AND table_name = %s",
                    (spec.name,),
                ).fetchall()
            }
            for name in ("id", GEOM, *spec.field_names):
                if name not in columns:
                    out.append(f"layer {spec.name}: column {name} is missing (run `geoplan db init`)")
            triggers = {
                r[0]
                for r in conn.execute(
                    "SELECT tgname FROM pg_trigger "
                    "WHERE tgrelid = %s::regclass AND NOT tgisinternal AND tgenabled <> 'D'",
                    (ident(spec.name),),
                ).fetchall()
            }
            for name in ("geoplan_revision", "geoplan_stamp", "geoplan_log"):
                if name not in triggers:
                    out.append(f"layer {spec.name}: trigger {name} is missing or disabled (run `geoplan db init`)")
    return out
