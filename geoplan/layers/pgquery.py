"""Feature queries answered by PostGIS itself: bbox through the GiST index, CQL2 through pygeofilter, paging.

The file store's reads go through an in-memory index of the whole layer; a database shared by several API
processes would make each of them re-read a 300,000-feature layer after every write anyone makes.  Here a
query becomes one SELECT for the page (and one count), so a read costs what its answer costs.

The CQL2 tree (parsed and checked against the catalogue by the caller) is translated by pygeofilter's
SQLAlchemy backend, which turns every literal into a bound parameter — never its plain SQL backend, which pastes
literals into the text unescaped.  Properties reach SQL only through the mapping built here from the catalogue
(an unknown name is refused before any SQL is written).  Text is compared and sorted byte-wise (``COLLATE "C"``,
Unicode code point order, as Python and the file store compare), dates and datetimes as the text the GeoJSON
holds, so both stores answer a filter alike.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from geoplan.errors import GeoplanError
from geoplan.layers.catalogue import LayerSpec
from geoplan.layers.pgschema import GEOM, ORDER, ident, value_sql

if TYPE_CHECKING:
    import sqlalchemy as sa
    from pygeofilter import ast

#: The filter property naming a feature's geometry (CQL2's convention).
GEOMETRY = "geometry"


class QueryTooExpensive(GeoplanError):
    """The database cancelled a query that ran past its time budget."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"the query ran longer than its budget of {seconds:g} s")
        self.seconds = seconds


class BadQuery(GeoplanError):
    """A filter the database cannot apply (the caller's checks refuse most such filters before SQL)."""


@dataclass(frozen=True)
class FeatureQuery:
    """What an items request asks of a layer, in the store's terms (geometries in CRS84)."""

    ids: tuple[str, ...] | None = None
    bbox: tuple[float, float, float, float] | None = None
    #: Inclusive range of project years (``year``), either end open.
    years: tuple[int | None, int | None] | None = None
    equals: dict[str, Any] = field(default_factory=dict)
    #: A CQL2 tree whose properties are catalogue fields or ``geometry``, geometry literals in CRS84.
    cql: ast.Node | None = None
    #: (field or ``id``, ascending); ties keep the layer's insertion order.
    sortby: tuple[tuple[str, bool], ...] = ()
    limit: int | None = None
    offset: int = 0
    #: Keyset: start after the feature at this insertion position (``row_order``); only without ``sortby``.
    after: int | None = None


_tables: dict[tuple[str, tuple[tuple[str, str], ...]], sa.Table] = {}
_tables_lock = threading.Lock()


def _table(spec: LayerSpec) -> sa.Table:
    """The layer's table as SQLAlchemy sees it (types only steer how bound parameters are cast).

    One object per layer shape, made under a lock: a statement mixing two objects of one name would list the
    table twice in FROM.
    """
    import sqlalchemy as sa
    from geoalchemy2 import Geometry

    key = (spec.name, tuple((f.name, f.type) for f in spec.fields))
    with _tables_lock:
        held = _tables.get(key)
        if held is None:
            # Integers compare as numeric: ``year > 2015.5`` must not become ``year > 2016`` by a cast to bigint.
            types: dict[str, Any] = {"integer": sa.Numeric, "number": sa.Float(53), "boolean": sa.Boolean}
            columns: list[Any] = [sa.Column("id", sa.Text), sa.Column(ORDER, sa.BigInteger)]
            columns += [sa.Column(GEOM, Geometry(srid=4326))]
            columns += [sa.Column(f.name, types.get(f.type, sa.Text)) for f in spec.fields]
            held = _tables[key] = sa.Table(spec.name, sa.MetaData(), *columns)
        return held


def _column(spec: LayerSpec, name: str) -> Any:
    """The SQL expression a property name stands for; text (and dates, as their GeoJSON text) byte-ordered."""
    import sqlalchemy as sa

    table = _table(spec)
    if name == GEOMETRY:
        return table.c[GEOM]
    if name == "id":
        return table.c.id.collate("C")
    f = spec.field(name)
    if f.type in ("date", "datetime"):
        text = value_sql(f, f"{ident(spec.name)}.{ident(f.name)}")
        return sa.literal_column(text, sa.Text).collate("C")
    if f.type == "string":
        return table.c[f.name].collate("C")
    return table.c[f.name]


def _where(spec: LayerSpec, q: FeatureQuery) -> list[Any]:
    import sqlalchemy as sa
    from pygeofilter.backends.sqlalchemy import to_filter

    table = _table(spec)
    geom = table.c[GEOM]
    out: list[Any] = []
    if q.ids is not None:
        out.append(table.c.id.in_(list(q.ids)))
    if q.bbox is not None:
        envelope = sa.func.ST_MakeEnvelope(*(float(v) for v in q.bbox), 4326)
        out += [geom.op("&&")(envelope), sa.func.ST_Intersects(geom, envelope)]
    for name, value in q.equals.items():
        out.append(_column(spec, name) == value)
    if q.years is not None:
        start, end = q.years
        year = _column(spec, "year")
        if start is not None:
            out.append(year >= start)
        if end is not None:
            out.append(year <= end)
    if q.cql is not None:
        mapping = {GEOMETRY: geom, **{f.name: _column(spec, f.name) for f in spec.fields}}
        try:
            out.append(to_filter(q.cql, mapping, undefined_as_null=False))
        except KeyError as exc:  # a property outside the catalogue: never reaches SQL
            raise BadQuery(f"filter: {spec.name} has no queryable {exc.args[0]!r}") from None
    if q.after is not None:
        out.append(table.c[ORDER] > q.after)
    return out


def _compiled(statement: Any) -> tuple[str, dict[str, Any]]:
    """SQL text with ``%(name)s`` placeholders and the parameters to bind (psycopg's style)."""
    from sqlalchemy.dialects import postgresql

    compiled = statement.compile(dialect=postgresql.psycopg.dialect(), compile_kwargs={"render_postcompile": True})
    return str(compiled), dict(compiled.params)


def page_sql(spec: LayerSpec, q: FeatureQuery) -> tuple[str, dict[str, Any]]:
    """The page: ``row_order``, ``id``, every field as the GeoJSON holds it, the geometry as WKB."""
    import sqlalchemy as sa

    table = _table(spec)
    values: list[Any] = [
        sa.literal_column(value_sql(f, f"{ident(spec.name)}.{ident(f.name)}")).label(f"f{i}")
        for i, f in enumerate(spec.fields)
    ]
    select = sa.select(table.c[ORDER], table.c.id, *values, sa.func.ST_AsBinary(table.c[GEOM]))
    select = select.where(*_where(spec, q))
    order = [(_column(spec, name).asc() if asc else _column(spec, name).desc()).nulls_last() for name, asc in q.sortby]
    select = select.order_by(*order, table.c[ORDER])
    if q.limit is not None:
        select = select.limit(q.limit)
    if q.offset:
        select = select.offset(q.offset)
    return _compiled(select)


def count_sql(spec: LayerSpec, q: FeatureQuery) -> tuple[str, dict[str, Any]]:
    """How many features match (``numberMatched``): the page's conditions without order, keyset or limit."""
    import sqlalchemy as sa

    unpaged = FeatureQuery(ids=q.ids, bbox=q.bbox, years=q.years, equals=q.equals, cql=q.cql)
    return _compiled(sa.select(sa.func.count()).select_from(_table(spec)).where(*_where(spec, unpaged)))


def extent_sql(spec: LayerSpec) -> str:
    """The layer's exact bounds (from the coordinates, not the index's float4 boxes) and its project years."""
    t = ident(spec.name)
    box = f"{t}.{GEOM}::box3d"
    years = f"min({t}.year), max({t}.year)" if spec.has_field("year") else "NULL, NULL"
    bounds = f"min(ST_XMin({box})), min(ST_YMin({box})), max(ST_XMax({box})), max(ST_YMax({box}))"
    return f"SELECT {bounds}, {years} FROM {t}"
