"""The OpenAPI 3.0 document at ``/api``, built from the catalogue (one set of paths per layer).

FastAPI emits OpenAPI 3.1, which GDAL and several validators reject, and it cannot know the per-layer item
schemas, enum filters or the ``limit`` bounds GDAL reads to size its pages.  So the document is written here,
declaring exactly what the routers serve; the schemathesis test holds the two together.
"""

from __future__ import annotations

import copy
from typing import Any

from geoplan.api.body import MAX_JSON_DEPTH
from geoplan.api.cql import MAX_FILTER_CHARS, MAX_FILTER_DEPTH
from geoplan.api.crs import CRS84, SUPPORTED
from geoplan.api.formats import GEOJSON, HTML, IF_MATCH_PATTERN, JSON, OPENAPI_JSON, SCHEMA_JSON
from geoplan.api.items_query import DATETIME_PATTERN, DEFAULT_LIMIT, MAX_LIMIT, filter_fields, has_time
from geoplan.api.like import MAX_PATTERN_CHARS
from geoplan.api.problems import PROBLEM_JSON
from geoplan.config import Settings
from geoplan.layers import Catalogue, LayerSpec
from geoplan.layers.limits import ID_PATTERN, MAX_SAFE_NUMBER

MERGE_PATCH = "application/merge-patch+json"
REF = "#/components/schemas/"

#: Problem responses by status, with what each means here.
PROBLEMS = {
    400: "Bad request: an unknown or malformed parameter, or a body that is not one GeoJSON Feature",
    401: "A token is needed (writes: a planner's) or the token is unknown",
    403: "The token's role may not do this",
    404: "No such collection or feature",
    409: "A feature with the id given in the body already exists",
    412: "If-Match names a version that is no longer current",
    413: "Request body too large",
    415: "Request body is not JSON",
    422: "The feature breaks the layer's rules; `problems` names each field",
    428: "If-Match is required by this server's configuration",
}

#: A position: [lon, lat] in degrees, optionally a height (GEOS reads no fourth ordinate: 422).  OpenAPI 3.0
#: cannot give the items of an array different schemas, so the ranges (lon ±180, lat ±90; 422 otherwise) are
#: stated in words only.
_NUMBER_ARRAY = {
    "type": "array",
    "minItems": 2,
    "maxItems": 3,
    "items": {"type": "number"},
    "description": "[longitude, latitude] in degrees (CRS84), longitude within ±180 and latitude within ±90, "
    "optionally a height",
}


def _array(items: dict[str, Any], min_items: int = 0) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "array", "items": items}
    if min_items:
        out["minItems"] = min_items
    return out


_COORDS = {
    "Point": _NUMBER_ARRAY,
    "MultiPoint": _array(_NUMBER_ARRAY, 1),
    "LineString": _array(_NUMBER_ARRAY, 2),
    "MultiLineString": _array(_array(_NUMBER_ARRAY, 2), 1),
    "Polygon": _array(_array(_NUMBER_ARRAY, 4), 1),
    "MultiPolygon": _array(_array(_array(_NUMBER_ARRAY, 4), 1), 1),
}


def _geometry(gtype: str) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["type", "coordinates"],
        "properties": {"type": {"type": "string", "enum": [gtype]}, "coordinates": _COORDS[gtype]},
    }


def _oas_field(schema: dict[str, Any]) -> dict[str, Any]:
    """A catalogue field schema (JSON Schema 2020-12) as an OpenAPI 3.0 schema object (``nullable``)."""
    out = copy.deepcopy(schema)
    types = out.get("type")
    if isinstance(types, list):
        out["type"] = next(t for t in types if t != "null")
        out["nullable"] = True
    return out


def _problem_response(status: int) -> dict[str, Any]:
    return {"description": PROBLEMS[status], "content": {PROBLEM_JSON: {"schema": {"$ref": REF + "problem"}}}}


def _problems(*statuses: int) -> dict[str, Any]:
    return {str(s): _problem_response(s) for s in statuses}


def _param(name: str, schema: dict[str, Any], description: str, where: str = "query", **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "in": where,
        "description": description,
        "required": where == "path",
        "schema": schema,
    } | extra


def _f_param(*formats: str) -> dict[str, Any]:
    return _param("f", {"type": "string", "enum": list(formats)}, "Response format (default: by Accept, else json).")


LANG = _param("lang", {"type": "string", "enum": ["zh", "en"]}, "Label language (default: the server's).")
CRS_SCHEMA = {"type": "string", "enum": list(SUPPORTED)}


def _items_params(catalogue: Catalogue, spec: LayerSpec) -> list[dict[str, Any]]:
    params = [
        _f_param("json", "html"),
        LANG,
        _param(
            "limit",
            # No "maximum": OGC API – Features requires a larger limit to be capped, not refused, so a schema
            # maximum would declare valid requests invalid.  The cap is stated in words and in x-maximum.
            {"type": "integer", "minimum": 1, "x-maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
            f"Features per page (default {DEFAULT_LIMIT}, maximum {MAX_LIMIT}; larger values are capped).",
            style="form",
            explode=False,
        ),
        _param("offset", {"type": "integer", "minimum": 0, "default": 0}, "Features to skip (use the next link)."),
        _param(
            "cursor",
            {"type": "integer", "minimum": 0},
            "Where a next link continues (keyset paging: features after this position of the layer's order); "
            "not with sortby.",
        ),
        _param(
            "bbox",
            {"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}},
            "minx,miny,maxx,maxy in bbox-crs (default CRS84 lon/lat).",
            style="form",
            explode=False,
        ),
        _param("bbox-crs", CRS_SCHEMA, "CRS of bbox (EPSG:4326 and EPSG:4490 are lat,lon)."),
        _param("crs", CRS_SCHEMA, "CRS of the returned geometries (Content-Crs names it)."),
        _param("sortby", {"type": "string"}, "Comma-separated properties, '-' prefix for descending."),
        _param(
            "filter",
            {"type": "string", "minLength": 1, "maxLength": MAX_FILTER_CHARS},
            f"CQL2 filter (see the queryables); at most {MAX_FILTER_CHARS} characters and {MAX_FILTER_DEPTH} levels "
            f"of nesting; LIKE patterns (% any run, _ one character, \\ escape) at most {MAX_PATTERN_CHARS} "
            "characters. A query that runs past the server's time budget gets 422.",
        ),
        _param("filter-lang", {"type": "string", "enum": ["cql2-text", "cql2-json"]}, "Language of filter."),
        _param("filter-crs", CRS_SCHEMA, "CRS of geometries in filter."),
    ]
    if has_time(spec):
        params.append(
            _param(
                "datetime",
                {"type": "string", "pattern": DATETIME_PATTERN},
                "Project year as a year or RFC 3339 date/date-time, or an interval a/b (.. or nothing = open); only "
                "the year is compared.",
            )
        )
    props = catalogue.json_schema(spec.name)["properties"]
    for f in filter_fields(spec):
        schema = _oas_field(props[f.name])
        schema.pop("nullable", None)
        if "enum" in schema:
            schema["enum"] = [v for v in schema["enum"] if v is not None]
        params.append(_param(f.name, schema, f"Only features whose {f.name} ({f.zh}) equals this value."))
    return params


def _layer_schemas(catalogue: Catalogue, spec: LayerSpec) -> dict[str, dict[str, Any]]:
    name = spec.name
    catalogue_schema = catalogue.json_schema(name)
    props = {k: _oas_field(v) for k, v in catalogue_schema["properties"].items()}
    geometry = {"oneOf": [{"$ref": REF + f"geometry-{gtype}"} for gtype in spec.geometry_types]}
    writable = {k: v for k, v in props.items() if not v.get("readOnly")}
    feature_props: dict[str, Any] = {
        "type": {"type": "string", "enum": ["Feature"]},
        "id": {"type": "string"},
        "geometry": geometry,
    }
    input_props = feature_props | {
        "id": {
            "type": "string",
            "pattern": ID_PATTERN,
            "nullable": True,
            "description": "The id rule: 1–128 ASCII letters, digits and _ . : -, starting with a letter, digit "
            "or _. Absent or null: the server assigns one.",
        }
    }
    return {
        f"properties-{name}": {"type": "object", "properties": props},
        f"feature-{name}": {
            "type": "object",
            "required": ["type", "id", "geometry", "properties"],
            "properties": {
                **feature_props,
                "properties": {"$ref": REF + f"properties-{name}"},
                "links": _array({"$ref": REF + "link"}),
            },
        },
        f"featureInput-{name}": {
            "type": "object",
            "required": ["type", "geometry", "properties"],
            "properties": {
                **input_props,
                "properties": {
                    "type": "object",
                    "properties": writable,
                    "additionalProperties": False,
                }
                # OpenAPI 3.0 forbids an empty `required` list.
                | ({"required": catalogue_schema["required"]} if catalogue_schema["required"] else {}),
            },
        },
        f"featurePatch-{name}": {
            "type": "object",
            "properties": {
                "geometry": geometry,
                "properties": {"type": "object", "properties": writable, "additionalProperties": False},
            },
            "additionalProperties": False,
        },
        f"featureCollection-{name}": {
            "type": "object",
            "required": ["type", "features", "numberMatched", "numberReturned"],
            "properties": {
                "type": {"type": "string", "enum": ["FeatureCollection"]},
                "features": _array({"$ref": REF + f"feature-{name}"}),
                "numberMatched": {"type": "integer", "minimum": 0},
                "numberReturned": {"type": "integer", "minimum": 0},
                "timeStamp": {"type": "string", "format": "date-time"},
                "links": _array({"$ref": REF + "link"}),
            },
        },
    }


def _shared_schemas() -> dict[str, dict[str, Any]]:
    link = {
        "type": "object",
        "required": ["href", "rel"],
        "properties": {k: {"type": "string"} for k in ("href", "rel", "type", "title")},
    }
    links = _array({"$ref": REF + "link"})
    collection = {
        "type": "object",
        "required": ["id", "links"],
        "properties": {
            "id": {"type": "string"},
            "title": {"type": "string"},
            "description": {"type": "string"},
            "titles": {"type": "object", "properties": {"zh": {"type": "string"}, "en": {"type": "string"}}},
            "itemType": {"type": "string"},
            "geometryTypes": _array({"type": "string"}),
            "crs": _array({"type": "string"}),
            "storageCrs": {"type": "string"},
            "extent": {"type": "object"},
            "surveyed": {
                "type": "object",
                "description": "Where the layer was surveyed (调查范围): scope features|all|villages|area, "
                "villages, area, residential, and a one-line description; see /collections/{layer}/survey",
            },
            "links": links,
        },
    }
    schemas = {
        "link": link,
        "problem": {
            "type": "object",
            "required": ["title", "status"],
            "properties": {
                "type": {"type": "string"},
                "title": {"type": "string"},
                "status": {"type": "integer"},
                "detail": {"type": "string"},
                "instance": {"type": "string"},
                "problems": _array({"type": "object"}),
            },
        },
        "landingPage": {
            "type": "object",
            "required": ["links"],
            "properties": {"title": {"type": "string"}, "description": {"type": "string"}, "links": links},
        },
        "confClasses": {
            "type": "object",
            "required": ["conformsTo"],
            "properties": {"conformsTo": _array({"type": "string"})},
        },
        "collection": collection,
        "collections": {
            "type": "object",
            "required": ["links", "collections"],
            "properties": {"links": links, "collections": _array({"$ref": REF + "collection"})},
        },
        "jsonSchema": {
            "type": "object",
            "required": ["type", "properties"],
            "properties": {"type": {"type": "string"}},
        },
    }
    for gtype in _COORDS:
        schemas[f"geometry-{gtype}"] = _geometry(gtype)
    return schemas


def _options(summary: str, *params: dict[str, Any]) -> dict[str, Any]:
    """OPTIONS on items: QGIS ≥ 3.32 reads Allow to decide whether a layer is editable (Part 4)."""
    allow = {"description": "e.g. 'GET, OPTIONS, POST' for a planner", "schema": {"type": "string"}}
    return {
        "summary": summary,
        "parameters": list(params),
        "responses": {
            "204": {"description": "No content; see Allow", "headers": {"Allow": allow}},
            **_problems(401, 404),
        },
    }


def _json_or_html(schema_ref: str, media: str = JSON) -> dict[str, Any]:
    return {
        media: {"schema": {"$ref": REF + schema_ref}},
        HTML: {"schema": {"type": "string"}},
    }


def openapi_document(
    catalogue: Catalogue, base: str, settings: Settings, extra_paths: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The whole OpenAPI 3.0.3 document for this catalogue and server configuration.

    ``extra_paths`` are path items other routers declare (see ``openapi_paths`` in :mod:`geoplan.api.app`).
    """
    read_auth = (401, 403) if settings.read_requires_token else ()
    write_security = [{"bearerAuth": []}, {"basicAuth": []}]
    read_security = write_security if settings.read_requires_token else []

    def get(summary: str, params: list[dict[str, Any]], content: dict[str, Any], *errors: int) -> dict[str, Any]:
        op: dict[str, Any] = {
            "summary": summary,
            "parameters": params,
            "responses": {"200": {"description": summary, "content": content}, **_problems(400, *read_auth, *errors)},
        }
        if read_security:
            op["security"] = read_security
        return op

    paths: dict[str, Any] = {
        "/": {"get": get("Landing page", [_f_param("json", "html"), LANG], _json_or_html("landingPage"))},
        "/conformance": {
            "get": get("Conformance classes", [_f_param("json", "html"), LANG], _json_or_html("confClasses"))
        },
        "/api": {
            "get": get(
                "This OpenAPI document",
                [_f_param("json", "html"), LANG],
                {OPENAPI_JSON: {"schema": {"type": "object"}}, HTML: {"schema": {"type": "string"}}},
            )
        },
        "/collections": {
            "get": get("Every layer as a collection", [_f_param("json", "html"), LANG], _json_or_html("collections"))
        },
    }
    schemas = _shared_schemas()
    fid = _param("featureId", {"type": "string", "pattern": ID_PATTERN}, "Feature id (see the id rule).", where="path")
    etag_header = {"ETag": {"description": "The feature's version; send it as If-Match", "schema": {"type": "string"}}}
    crs_header = {"Content-Crs": {"description": "CRS of the geometries", "schema": {"type": "string"}}}
    if_match = _param(
        "If-Match",
        {"type": "string", "pattern": IF_MATCH_PATTERN},
        'ETag of the version being edited, e.g. "3" (412 when stale; 400 when it is not * or ETags like "3").',
        "header",
    )
    for spec in catalogue.layers:
        name = spec.name
        schemas.update(_layer_schemas(catalogue, spec))
        url = f"/collections/{name}"
        feature_body = {
            "required": True,
            "content": {m: {"schema": {"$ref": REF + f"featureInput-{name}"}} for m in (GEOJSON, JSON)},
        }
        feature_ok = {
            "description": f"{spec.zh} {spec.en} feature",
            "headers": etag_header | crs_header,
            "content": {GEOJSON: {"schema": {"$ref": REF + f"feature-{name}"}}},
        }
        write_errors = _problems(400, 401, 403, 404, 412, 413, 415, 422, 428)
        paths[url] = {
            "get": get(
                f"{spec.zh} {spec.en}: collection description",
                [_f_param("json", "html"), LANG],
                _json_or_html("collection"),
            )
        }
        paths[f"{url}/queryables"] = {
            "get": get(
                f"{spec.zh} {spec.en}: queryables",
                [_f_param("json", "html"), LANG],
                _json_or_html("jsonSchema", SCHEMA_JSON),
            )
        }
        paths[f"{url}/schema"] = {
            "get": get(
                f"{spec.zh} {spec.en}: feature schema",
                [_f_param("json")],
                {SCHEMA_JSON: {"schema": {"$ref": REF + "jsonSchema"}}},
            )
        }
        items_get = get(
            f"{spec.zh} {spec.en}: features",
            _items_params(catalogue, spec),
            {GEOJSON: {"schema": {"$ref": REF + f"featureCollection-{name}"}}, HTML: {"schema": {"type": "string"}}},
        )
        items_get["responses"]["200"]["headers"] = crs_header
        paths[f"{url}/items"] = {
            "get": items_get,
            "options": _options(f"{spec.zh} {spec.en}: methods this caller may use on the features (Allow)"),
            "post": {
                "summary": f"{spec.zh} {spec.en}: add a feature",
                "security": write_security,
                "parameters": [LANG],
                "requestBody": feature_body,
                "responses": {
                    "201": feature_ok
                    | {
                        "headers": etag_header
                        | crs_header
                        | {"Location": {"description": "URL of the new feature", "schema": {"type": "string"}}}
                    },
                    **_problems(400, 401, 403, 409, 413, 415, 422),
                },
            },
        }
        item_get = get(
            f"{spec.zh} {spec.en}: one feature",
            [fid, _f_param("json", "html"), LANG, _param("crs", CRS_SCHEMA, "CRS of the returned geometry.")],
            {GEOJSON: {"schema": {"$ref": REF + f"feature-{name}"}}, HTML: {"schema": {"type": "string"}}},
            404,
        )
        item_get["responses"]["200"]["headers"] = etag_header | crs_header
        paths[f"{url}/items/{{featureId}}"] = {
            "get": item_get,
            "options": _options(f"{spec.zh} {spec.en}: methods this caller may use on one feature (Allow)", fid),
            "put": {
                "summary": f"{spec.zh} {spec.en}: replace a feature",
                "security": write_security,
                "parameters": [fid, if_match, LANG],
                "requestBody": feature_body,
                "responses": {"200": feature_ok, **write_errors},
            },
            "patch": {
                "summary": f"{spec.zh} {spec.en}: update a feature (JSON Merge Patch)",
                "security": write_security,
                "parameters": [fid, if_match, LANG],
                "requestBody": {
                    "required": True,
                    "content": {m: {"schema": {"$ref": REF + f"featurePatch-{name}"}} for m in (MERGE_PATCH, JSON)},
                },
                "responses": {"200": feature_ok, **write_errors},
            },
            "delete": {
                "summary": f"{spec.zh} {spec.en}: delete a feature",
                "security": write_security,
                "parameters": [fid, if_match, LANG],
                "responses": {
                    "204": {"description": "Deleted (the change log keeps it restorable)"},
                    **_problems(400, 401, 403, 404, 412, 428),
                },
            },
        }
    paths.update(extra_paths or {})
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "geoplan — 乡村基础设施规划 OGC API – Features",
            "version": "1.0.0",
            "description": "Township planning layers: CRS84 storage; EPSG:4326 and CGCS2000 (EPSG:4490) on request. "
            f"Limits: request bodies up to {settings.max_body_bytes} bytes (413 beyond); at most "
            f"{settings.max_vertices} vertices per geometry and JSON nested at most {MAX_JSON_DEPTH} levels (422/400); "
            f"numbers within ±{MAX_SAFE_NUMBER}; feature ids follow {ID_PATTERN}; CQL2 filters at most "
            f"{MAX_FILTER_CHARS} characters, LIKE patterns at most {MAX_PATTERN_CHARS}, and a query's filter "
            f"evaluation at most {settings.query_seconds:g} s (422 beyond).",
        },
        "servers": [{"url": base}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer"},
                "basicAuth": {
                    "type": "http",
                    "scheme": "basic",
                    "description": "the token's name as user name and the token as password (QGIS, GDAL)",
                },
            },
        },
        "x-storage-crs": CRS84,
    }
