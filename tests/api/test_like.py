"""CQL2 LIKE: same answers as a plain dynamic-programming matcher, and a pathological pattern cannot hang a worker."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geoplan.api.like import MAX_PATTERN_CHARS, compile_like


def reference(pattern: str, text: str) -> bool:
    """Textbook O(len(pattern) × len(text)) table: no cleverness to share a bug with the matcher."""
    tokens: list[str | None] = []  # None: %, "\0any": _, else a literal character
    chars = iter(pattern)
    for c in chars:
        if c == "\\":
            tokens.append(next(chars, "\\"))
        elif c == "%":
            tokens.append(None)
        elif c == "_":
            tokens.append("\0any")
        else:
            tokens.append(c)
    row = [True] + [False] * len(text)
    for tok in tokens:
        new = [False] * (len(text) + 1)
        if tok is None:
            new[0] = row[0]
            for j in range(1, len(text) + 1):
                new[j] = row[j] or new[j - 1]
        else:
            for j in range(1, len(text) + 1):
                new[j] = row[j - 1] and (tok == "\0any" or tok == text[j - 1])
        row = new
    return row[-1]


@pytest.mark.parametrize(
    ("pattern", "text", "expected"),
    [
        ("东%", "东路", True),
        ("%路", "东路", True),
        ("%a%b%", "xxaxxbxx", True),
        ("%a%b%", "xxbxxaxx", False),
        ("a_c", "abc", True),
        ("a_c", "ac", False),
        ("100\\%", "100%", True),
        ("100\\%", "1000", False),
        ("a\\_b", "a_b", True),
        ("a\\_b", "axb", False),
        ("%%%%%%%%%%%%a", "b" * 5000, False),
        ("%%%%%%%%%%%%a", "b" * 5000 + "a", True),
        ("", "", True),
        ("", "x", False),
        ("%", "", True),
        ("a%a", "a", False),
        ("a%a", "aa", True),
        ("[a].*", "[a].*", True),  # regex characters are literal
        ("[a].*", "a", False),
    ],
)
def test_like_examples(pattern: str, text: str, expected: bool) -> None:
    assert compile_like(pattern)(text) is expected
    assert reference(pattern, text) is expected


@settings(max_examples=400, deadline=None)
@given(
    pattern=st.text(alphabet="ab%_\\", max_size=12),
    text=st.text(alphabet="ab_%", max_size=14),
)
def test_like_agrees_with_the_reference(pattern: str, text: str) -> None:
    assert compile_like(pattern)(text) == reference(pattern, text)


def test_case_insensitive_and_pattern_length_bound() -> None:
    assert compile_like("ab%", nocase=True)("ABC")
    assert not compile_like("ab%")("ABC")
    compile_like("%" * MAX_PATTERN_CHARS)
    with pytest.raises(ValueError, match="limit"):
        compile_like("%" * (MAX_PATTERN_CHARS + 1))


def test_pathological_like_over_the_api_answers_correctly(tmp_path: Path) -> None:
    """12 % before a letter backtracked for over a minute; it must now answer (the subprocess timeout is a guard)."""
    script = textwrap.dedent(
        f"""
        import json
        from pathlib import Path
        from fastapi.testclient import TestClient
        from geoplan.api import create_app
        from geoplan.config import Settings
        from tests.api.conftest import build_grid
        data = Path({str(tmp_path)!r})
        store = build_grid(data)
        long = [{{"type": "Feature", "id": f"x-{{i}}", "geometry": {{"type": "Point", "coordinates": [111.0, 30.0]}},
                 "properties": {{"name": "b" * 60 + ("a" if i % 3 == 0 else "c"), "kind": "clinic",
                                "status": "existing"}}}} for i in range(30)]
        store.insert_many("facilities", long, actor="test")
        with TestClient(create_app(Settings(data_dir=data))) as client:
            out = {{}}
            for pattern in ("%%%%%%%%%%%%a", "%" * 70 + "a", "%b%b%b%b%b%b%b%b%b%b%b%b%c"):
                r = client.get("/collections/facilities/items", params={{"filter": f"name LIKE '{{pattern}}'",
                                                                      "limit": 1000}})
                out[pattern] = [r.status_code, sorted(f["id"] for f in r.json()["features"])]
            r = client.get("/collections/facilities/items", params={{"filter": "name LIKE '" + "%" * 300 + "'"}})
            out["long"] = [r.status_code, r.json()["detail"]]
        print(json.dumps(out))
        """
    )
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=root, check=True
    )
    out = json.loads(done.stdout.strip().splitlines()[-1])
    ends_a = sorted(f"x-{i}" for i in range(30) if i % 3 == 0)
    ends_c = sorted(f"x-{i}" for i in range(30) if i % 3 != 0)
    assert out["%%%%%%%%%%%%a"] == [200, ends_a]
    assert out["%" * 70 + "a"] == [200, ends_a]
    assert out["%b%b%b%b%b%b%b%b%b%b%b%b%c"] == [200, ends_c]
    assert out["long"][0] == 400 and "256" in out["long"][1]


def test_time_budget_stops_a_query_with_422(grid_settings, store_backend: str) -> None:
    from fastapi.testclient import TestClient

    from geoplan.api import create_app

    with TestClient(create_app(grid_settings.with_overrides(query_seconds=0.0))) as client:
        r = client.get("/collections/roads/items", params={"filter": "name LIKE '%路%'"})
        assert r.status_code == 422
        assert "budget" in r.json()["detail"]
        if store_backend == "files":  # no filter: nothing to budget (PostGIS: the budget is every query's timeout)
            assert client.get("/collections/roads/items").status_code == 200
    with TestClient(create_app(grid_settings)) as client:
        r = client.get("/collections/roads/items", params={"filter": "name LIKE '%路%'"})
        assert r.status_code == 200 and r.json()["numberMatched"] == 4
