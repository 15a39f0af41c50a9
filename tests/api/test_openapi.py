"""The /api document is valid OpenAPI 3.0, and the API keeps to it (schemathesis over every operation)."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError
from schemathesis.generation.modes import GenerationMode

from geoplan.api import create_app
from geoplan.api.items_query import DEFAULT_LIMIT, MAX_LIMIT
from geoplan.config import Settings
from geoplan.layers import default_catalogue
from tests.api.conftest import PLANNER, build_grid


def test_api_is_a_valid_openapi_3_0_document(client: TestClient) -> None:
    r = client.get("/api")
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/vnd.oai.openapi+json;version=3.0"
    doc = r.json()
    assert doc["openapi"] == "3.0.3"
    validate(doc)  # raises on any violation of the OpenAPI 3.0 schema


def test_validator_would_catch_a_3_1_only_construct(client: TestClient) -> None:
    doc = client.get("/api").json()
    doc["components"]["schemas"]["link"]["properties"]["href"]["type"] = ["string", "null"]  # 3.1 style
    with pytest.raises(OpenAPIValidationError):
        validate(doc)


def test_limit_default_and_maximum_are_advertised(client: TestClient) -> None:
    doc = client.get("/api").json()
    params = {p["name"]: p for p in doc["paths"]["/collections/roads/items"]["get"]["parameters"]}
    assert params["limit"]["schema"]["default"] == DEFAULT_LIMIT
    assert params["limit"]["schema"]["x-maximum"] == MAX_LIMIT and "maximum" not in params["limit"]["schema"]
    assert client.get("/collections/roads/items", params={"limit": MAX_LIMIT + 1}).status_code == 200  # capped
    assert params["status"]["schema"]["enum"] == ["existing", "planned", "under_construction", "completed", "candidate"]
    assert "datetime" in params and "datetime" not in {
        p["name"] for p in doc["paths"]["/collections/villages/items"]["get"]["parameters"]
    }


def test_every_layer_has_its_paths_and_nothing_else_is_declared(client: TestClient) -> None:
    doc = client.get("/api").json()
    expected = {"/", "/conformance", "/api", "/collections", "/villages", "/villages/{code}", "/gaps", "/reports/gaps"}
    expected |= {"/whoami", "/changes/{change}/undo", "/plan", "/plan/accept", "/healthz", "/readyz"}
    for name in default_catalogue().names:
        base = f"/collections/{name}"
        expected |= {base, f"{base}/items", f"{base}/items/{{featureId}}", f"{base}/queryables", f"{base}/schema"}
        expected |= {f"{base}/styles", f"{base}/styles/{{style}}"}
        expected |= {f"{base}/items/{{featureId}}/history", f"{base}/checks"}
        expected.add(f"{base}/survey")
    assert set(doc["paths"]) == expected


# ---------------------------------------------------------------------------- schemathesis

CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_headers_conformance,
    schemathesis.checks.response_schema_conformance,
]


def _app_over_a_private_grid() -> FastAPI:
    """The app over its own copy of the grid (made at collection time: schemathesis parametrizes from the schema,
    and its fixture-based loader does not work with this pytest).  Each test gets its own, so one test's writes
    never decide another's outcome."""
    data = Path(tempfile.mkdtemp(prefix="geoplan-schemathesis-"))
    atexit.register(shutil.rmtree, data, ignore_errors=True)
    build_grid(data)
    return create_app(Settings(data_dir=data, tokens_env="planner:alice:" + PLANNER["Authorization"][7:]))


def _schema_over_a_private_grid() -> schemathesis.schemas.BaseSchema:
    return schemathesis.openapi.from_asgi("/api", _app_over_a_private_grid())


# /reports/gaps included: its xlsx writer once failed on control characters in names (now refused by the store and
# stripped by the report, pinned by test_xlsx_report_survives_control_characters in routes/test_analysis.py).
schema = _schema_over_a_private_grid()


@schema.parametrize()
@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_own_document(case) -> None:
    """No 5xx and no response outside the document, for reads and (with a planner token) writes."""
    case.call_and_validate(headers=dict(PLANNER), checks=CHECKS)


# ------------------------------------------------------------------ schemathesis, negative mode

#: Requests that break the document (wrong types, values outside enums/patterns/bounds, missing required parts,
#: bodies of the wrong shape, methods a path does not have) must get a 4xx (negative_data_rejection): never a 2xx,
#: never a 5xx, and always a documented response.
NEGATIVE_CHECKS = [schemathesis.checks.not_a_server_error, schemathesis.checks.negative_data_rejection, *CHECKS[1:]]
#: Fuzzed negative cases per operation (the coverage phase adds its own deterministic boundary cases).
NEGATIVE_FUZZ_EXAMPLES = 3
#: Layers whose writes get the coverage phase's every-field mutations (~350 cases per write): between them a
#: Polygon, LineString and Point/Polygon layer, booleans, integers, numbers, enums and the code pattern.  The
#: other layers' writes run the same code over other catalogue entries and get the fuzzed cases only, which
#: keeps both tests to about a minute on a quiet machine.
COVERED_WRITE_LAYERS = ("villages", "roads", "reservoirs")
_OTHER_LAYER_WRITES = {
    "method": ["POST", "PUT", "PATCH"],
    "path_regex": rf"^/collections/(?!({'|'.join(COVERED_WRITE_LAYERS)})/)[a-z_]+/items",
}


def _negative(schema: schemathesis.schemas.BaseSchema, *phases: str) -> schemathesis.schemas.BaseSchema:
    schema.config.generation.update(modes=[GenerationMode.NEGATIVE], max_examples=NEGATIVE_FUZZ_EXAMPLES)
    schema.config.phases.update(phases=list(phases))
    return schema


_planner_app = _app_over_a_private_grid()
negative_planner = _negative(schemathesis.openapi.from_asgi("/api", _planner_app), "coverage", "fuzzing").exclude(
    **_OTHER_LAYER_WRITES
)
negative_planner_fuzzed = _negative(schemathesis.openapi.from_asgi("/api", _planner_app), "fuzzing").include(
    **_OTHER_LAYER_WRITES
)
#: Without a token every write is a 401 before its body is read, and reads behave as with a token: fuzzed
#: cases over every operation check that.
negative_anonymous = _negative(_schema_over_a_private_grid(), "fuzzing")
_NEGATIVE_SETTINGS = settings(
    max_examples=NEGATIVE_FUZZ_EXAMPLES, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck)
)


@negative_planner.parametrize()
@_NEGATIVE_SETTINGS
def test_invalid_requests_are_refused_with_a_planner_token(case) -> None:
    """Schema-violating requests from a planner (whose token gets writes past authentication to the body and id
    checks): a 4xx and a documented response, every time."""
    case.call_and_validate(headers=dict(PLANNER), checks=NEGATIVE_CHECKS)


@negative_planner_fuzzed.parametrize()
@_NEGATIVE_SETTINGS
def test_invalid_writes_to_other_layers_are_refused(case) -> None:
    case.call_and_validate(headers=dict(PLANNER), checks=NEGATIVE_CHECKS)


@negative_anonymous.parametrize()
@_NEGATIVE_SETTINGS
def test_invalid_requests_are_refused_without_a_token(case) -> None:
    case.call_and_validate(checks=NEGATIVE_CHECKS)
