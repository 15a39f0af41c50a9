"""One table maps domain errors to HTTP statuses; every error leaves as problem+json."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from geoplan.api.problems import status_of
from geoplan.errors import (
    DataFileError,
    FeatureNotFound,
    GeoplanError,
    LayerNotFound,
    Problem,
    ValidationFailed,
    VersionConflict,
)


@pytest.mark.parametrize(
    ("exc", "status"),
    [
        (LayerNotFound("x"), 404),
        (FeatureNotFound("roads", "r"), 404),
        (ValidationFailed([Problem("roads", "r", "name", "missing")]), 422),
        (VersionConflict("roads", "r", "1", "2"), 412),
        (DataFileError("broken"), 500),
        (GeoplanError("anything else"), 400),
    ],
)
def test_status_table(exc: GeoplanError, status: int) -> None:
    assert status_of(exc)[0] == status


def test_unknown_routes_and_methods_are_problem_json(client: TestClient) -> None:
    r = client.get("/no/such/thing")
    assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"
    r = client.post("/collections")
    assert r.status_code == 405 and r.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("POST", "/collections", "GET"),
        ("DELETE", "/collections/roads/items", "GET, OPTIONS, POST"),
        ("POST", "/collections/roads/items/road-1", "DELETE, GET, OPTIONS, PATCH, PUT"),
        ("DELETE", "/collections/roads/survey", "GET, PUT"),
    ],
)
def test_a_405_lists_every_method_of_the_resource(client: TestClient, method: str, path: str, allow: str) -> None:
    """RFC 9110 §15.5.6; Starlette named only the first route that matched the path ("GET"), found by
    schemathesis' allow_header_conformance."""
    r = client.request(method, path)
    assert r.status_code == 405 and r.headers["allow"] == allow
