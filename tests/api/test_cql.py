"""CQL2 checking: unknown properties, wrong literal types and unsupported operators are named in a 400."""

from __future__ import annotations

import pandas as pd
import pytest

from geoplan.api.cql import check_filter, evaluate_filter, parse_filter
from geoplan.api.problems import ApiProblem
from geoplan.layers import default_catalogue

ROADS = default_catalogue().layer("roads")


def table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "status": pd.array(["planned", None, "existing"], dtype="string"),
            "year": pd.array([2026, 2025, None], dtype="Int64"),
            "name": pd.array(["东路", "西路", None], dtype="string"),
        }
    )


@pytest.mark.parametrize(
    ("expr", "mask"),
    [
        ("status = 'planned'", [True, False, False]),
        ("NOT status = 'planned'", [False, False, True]),  # unknown (NA) status never matches
        ("year >= 2025 AND year < 2026", [False, True, False]),
        ("year IS NULL OR name LIKE '东%'", [True, False, True]),
    ],
)
def test_evaluation_treats_missing_values_as_no_match(expr: str, mask: list[bool]) -> None:
    node = parse_filter(expr, None)
    check_filter(node, ROADS)
    assert list(evaluate_filter(node, table())) == mask


@pytest.mark.parametrize(
    ("expr", "words"),
    [
        ("colour = 'red'", "no queryable 'colour'"),
        ("year = 'x'", "year is integer"),
        ("status = 3", "status is string"),
        ("year LIKE '2%'", "LIKE needs a text property"),
        ("geometry = 'x'", "spatial predicates"),
        ("year = 2000 + 26", "not supported"),
    ],
)
def test_check_names_the_problem(expr: str, words: str) -> None:
    with pytest.raises(ApiProblem) as info:
        check_filter(parse_filter(expr, None), ROADS)
    assert words in info.value.detail


def test_syntax_errors_and_unknown_languages() -> None:
    with pytest.raises(ApiProblem, match="not valid cql2-text"):
        parse_filter("status = ", None)
    with pytest.raises(ApiProblem, match="filter-lang"):
        parse_filter("status = 'x'", "ecql")
    with pytest.raises(ApiProblem, match="not valid cql2-json"):
        parse_filter("{not json", "cql2-json")
