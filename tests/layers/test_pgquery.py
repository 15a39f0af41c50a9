"""PostGIS feature queries: the SQL a filter becomes binds every literal, and bbox queries can use the GiST index.

What the answers are is tested once for both stores, through the API (tests/api/routes/test_items.py).
"""

from __future__ import annotations

import json
from dataclasses import replace

import psycopg
import pytest
from pygeofilter.parsers.cql2_json import parse as parse_cql2_json
from pygeofilter.parsers.cql2_text import parse as parse_cql2_text

from geoplan.layers import default_catalogue
from geoplan.layers.pgquery import BadQuery, FeatureQuery, count_sql, page_sql
from geoplan.layers.pgstore import PostgisStore

from .conftest import road

HOSTILE = "x'); DROP TABLE roads; SELECT ('"


def test_filter_literals_are_bound_parameters_never_sql_text() -> None:
    spec = default_catalogue().layer("roads")
    cql = parse_cql2_json(
        json.dumps(
            {
                "op": "or",
                "args": [
                    {"op": "=", "args": [{"property": "name"}, HOSTILE]},
                    {"op": "like", "args": [{"property": "note"}, "%'; --%"]},
                    {"op": "in", "args": [{"property": "surface"}, ["paved", "'; DELETE FROM roads"]]},
                ],
            }
        )
    )
    for text, params in (page_sql(spec, FeatureQuery(cql=cql, limit=10)), count_sql(spec, FeatureQuery(cql=cql))):
        assert "DROP" not in text and "DELETE" not in text and "--" not in text
        assert HOSTILE in params.values() and "%'; --%" in params.values()
        assert "'; DELETE FROM roads" in params.values()


def test_a_property_outside_the_catalogue_never_reaches_sql() -> None:
    spec = default_catalogue().layer("roads")
    with pytest.raises(BadQuery, match="no queryable 'colour'"):
        page_sql(spec, FeatureQuery(cql=parse_cql2_text("colour = 'red'")))


@pytest.fixture
def pg(database_url: str):
    store = PostgisStore(database_url)
    yield store
    store.close()


def _plan(url: str, text: str, params: dict) -> str:
    with psycopg.connect(url, autocommit=True) as conn, conn.transaction():
        conn.execute("SET LOCAL enable_seqscan = off")  # four rows: let the plan show what the query allows
        rows = conn.execute("EXPLAIN " + text, params).fetchall()
    return "\n".join(r[0] for r in rows)


def test_bbox_and_id_queries_can_use_the_indexes(pg: PostgisStore, database_url: str) -> None:
    pg.insert_many("roads", [road(f"路{i}") for i in range(4)], actor="test")
    spec = pg.spec("roads")
    bbox = FeatureQuery(bbox=(-180.0, -90.0, 180.0, 90.0), limit=10)
    # (without sortby the planner may also walk the insertion-order index and filter: a bbox this wide allows it)
    assert "roads_geom" in _plan(database_url, *page_sql(spec, replace(bbox, sortby=(("name", True),))))
    assert "roads_geom" in _plan(database_url, *count_sql(spec, bbox))
    assert "roads_pkey" in _plan(database_url, *page_sql(spec, FeatureQuery(ids=("road-1",), limit=1)))


def test_a_query_past_its_budget_is_cancelled_by_the_database(pg: PostgisStore, database_url: str) -> None:
    from geoplan.layers.pgquery import QueryTooExpensive

    with psycopg.connect(database_url, autocommit=True) as conn:  # 5,000 roads with 500-character notes
        conn.execute(
            "INSERT INTO roads (name, status, road_class, surface, note, geom) SELECT 'r' || i, 'planned', "
            "'village', 'paved', repeat('a', 500), ST_GeomFromText('LINESTRING(111 30, 111.001 30)', 4326) "
            "FROM generate_series(1, 5000) i"
        )
    # 40 % against each note: tens of milliseconds of matching, far past a budget of one
    slow = FeatureQuery(cql=parse_cql2_text("note LIKE '" + "%a" * 40 + "%b'"))
    with pytest.raises(QueryTooExpensive):
        pg.query("roads", slow, seconds=0.001)
