"""Collections (one per catalogue layer): descriptions with extent and CRSs, queryables and schema."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter, Request
from starlette.responses import Response

from geoplan.api.crs import CRS84, SUPPORTED
from geoplan.api.deps import ReaderDep, ReadModelDep, SettingsDep, StoreDep
from geoplan.api.formats import (
    GEOJSON,
    HTML,
    JSON,
    SCHEMA_JSON,
    Lang,
    base_url,
    json_response,
    lang_of,
    link,
    self_links,
    wants_html,
)
from geoplan.api.html import render
from geoplan.api.items_query import reject_unknown
from geoplan.api.problems import bad_request
from geoplan.api.readmodel import ReadModel
from geoplan.layers import Catalogue, LayerSpec
from geoplan.layers.backend import SqlReads, Store
from geoplan.layers.survey import Survey, describe

router = APIRouter()

Bounds = tuple[float, float, float, float]

TRS = "http://www.opengis.net/def/uri/ISO-8601/0/Gregorian"
#: JSON Schema ``format`` of each geometry family's members (OGC API – Features Part 3/5).
GEOMETRY_FORMATS = {
    "point": ("geometry-point", "geometry-multipoint"),
    "line": ("geometry-linestring", "geometry-multilinestring"),
    "polygon": ("geometry-polygon", "geometry-multipolygon"),
}


def extent_of(store: Store, readmodel: ReadModel, layer: str) -> tuple[Bounds | None, tuple[int, int] | None]:
    """A layer's bounds and project years: asked of a store with SQL reads, else taken from the layer's index."""
    if isinstance(store, SqlReads):
        return store.extent(layer)
    index = readmodel.index(layer)
    return index.bounds, index.years


def collection_document(
    spec: LayerSpec,
    extent_now: tuple[Bounds | None, tuple[int, int] | None],
    base: str,
    lang: Lang,
    survey: Survey | None = None,
) -> dict[str, Any]:
    """One collection's description (used by /collections and /collections/{layer}), with its survey scope."""
    url = f"{base}/collections/{spec.name}"
    doc: dict[str, Any] = {
        "id": spec.name,
        "title": spec.title(lang),
        "description": spec.description or spec.title("en" if lang == "zh" else "zh"),
        "titles": {"zh": spec.zh, "en": spec.en},
        "itemType": "feature",
        "geometryTypes": list(spec.geometry_types),
        "crs": list(SUPPORTED),
        "storageCrs": CRS84,
        "links": [
            link(url, "self", JSON, spec.title(lang)),
            link(f"{url}?f=html", "alternate", HTML, spec.title(lang)),
            link(f"{url}/items", "items", GEOJSON, spec.title(lang)),
            link(f"{url}/items?f=html", "items", HTML, spec.title(lang)),
            link(f"{url}/queryables", "http://www.opengis.net/def/rel/ogc/1.0/queryables", SCHEMA_JSON, "Queryables"),
            link(f"{url}/schema", "describedby", SCHEMA_JSON, "Schema"),
            link(f"{url}/schema", "http://www.opengis.net/def/rel/ogc/1.0/schema", SCHEMA_JSON, "Schema"),
            link(f"{url}/survey", "related", JSON, "调查范围" if lang == "zh" else "Survey coverage"),
        ],
    }
    if survey is not None:
        doc["surveyed"] = survey.to_json() | {"description": describe(survey, lang)}
    bounds, years = extent_now
    extent: dict[str, Any] = {}
    if bounds is not None:
        extent["spatial"] = {"bbox": [list(bounds)], "crs": CRS84}
    if years is not None:
        start, end = years
        extent["temporal"] = {"interval": [[f"{start}-01-01T00:00:00Z", f"{end}-12-31T23:59:59Z"]], "trs": TRS}
    if extent:
        doc["extent"] = extent
    return doc


def geometry_schema(spec: LayerSpec) -> dict[str, Any]:
    return {
        "title": "几何 Geometry",
        "x-ogc-role": "primary-geometry",
        "oneOf": [{"format": fmt} for family in spec.families for fmt in GEOMETRY_FORMATS[family]],
    }


def queryables_document(catalogue: Catalogue, spec: LayerSpec, url: str) -> dict[str, Any]:
    """Every catalogue field (plus geometry) as a queryable, with titles, types and enums."""
    props = catalogue.json_schema(spec.name)["properties"]
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": url,
        "type": "object",
        "title": f"{spec.zh} {spec.en}",
        "properties": {"geometry": geometry_schema(spec), **props},
        "additionalProperties": False,
    }


def schema_document(catalogue: Catalogue, spec: LayerSpec, url: str) -> dict[str, Any]:
    """The feature schema (Part 5): properties from the catalogue, required fields, read-only store fields."""
    schema = catalogue.json_schema(spec.name)
    schema["$id"] = url
    schema["properties"] = {
        "id": {"title": "编号 Id", "type": "string", "x-ogc-role": "id"},
        "geometry": geometry_schema(spec),
        **schema["properties"],
    }
    return schema


@router.get("/collections")
def collections(
    request: Request, store: StoreDep, readmodel: ReadModelDep, settings: SettingsDep, _: ReaderDep
) -> Response:
    """Every layer of the catalogue as a collection."""
    reject_unknown(request.query_params, ("f", "lang"))
    lang = lang_of(request, settings)
    base = base_url(request)
    docs = [
        collection_document(s, extent_of(store, readmodel, s.name), base, lang, store.survey(s.name))
        for s in store.catalogue.layers
    ]
    title = "图层" if lang == "zh" else "Collections"
    if wants_html(request):
        rows = [{"id": d["id"], "title": d["title"], "geometry": "/".join(d["geometryTypes"])} for d in docs]
        return render("collections.html", title=title, collections=rows, base=base, lang=lang)
    return json_response({"links": self_links(request, JSON, title), "collections": docs})


@router.get("/collections/{layer}")
def collection(
    layer: str, request: Request, store: StoreDep, readmodel: ReadModelDep, settings: SettingsDep, _: ReaderDep
) -> Response:
    """One layer: titles (zh/en), extent, CRSs and links to its items, queryables and schema."""
    reject_unknown(request.query_params, ("f", "lang"))
    spec = store.spec(layer)
    lang = lang_of(request, settings)
    base = base_url(request)
    doc = collection_document(spec, extent_of(store, readmodel, layer), base, lang, store.survey(layer))
    if wants_html(request):
        fields = [{"name": f.name, "title": f.title(lang), "type": f.type} for f in spec.fields]
        return render("collection.html", title=doc["title"], collection=doc, fields=fields, base=base, lang=lang)
    return json_response(doc)


@router.get("/collections/{layer}/queryables")
def queryables(layer: str, request: Request, store: StoreDep, settings: SettingsDep, _: ReaderDep) -> Response:
    """The properties a filter may use, from the catalogue."""
    reject_unknown(request.query_params, ("f", "lang"))
    spec = store.spec(layer)
    doc = queryables_document(store.catalogue, spec, str(request.url.remove_query_params(["f", "lang"])))
    if wants_html(request):
        body = orjson.dumps(doc, option=orjson.OPT_INDENT_2).decode()
        title = f"{spec.title(lang_of(request, settings))} — queryables"
        return render("document.html", title=title, body=body, base=base_url(request), lang=settings.lang)
    return json_response(doc, media_type=SCHEMA_JSON)


@router.get("/collections/{layer}/schema")
def schema(layer: str, request: Request, store: StoreDep, _: ReaderDep) -> Response:
    """The layer's feature schema: what a POST or PUT must contain."""
    reject_unknown(request.query_params, ("f",))
    if request.query_params.get("f") not in (None, "json"):
        raise bad_request("the schema is served as JSON only (f=json)")
    spec = store.spec(layer)
    return json_response(
        schema_document(store.catalogue, spec, str(request.url.remove_query_params("f"))), media_type=SCHEMA_JSON
    )
