"""Landing page, conformance declaration and the OpenAPI 3.0 document."""

from __future__ import annotations

import importlib
from typing import Any

import orjson
from fastapi import APIRouter, Request
from starlette.responses import Response

from geoplan.api.app import ROUTERS
from geoplan.api.deps import ReaderDep, SettingsDep, StoreDep
from geoplan.api.formats import HTML, JSON, OPENAPI_JSON, base_url, json_response, lang_of, link, self_links, wants_html
from geoplan.api.html import render
from geoplan.api.items_query import reject_unknown
from geoplan.api.openapi import openapi_document

router = APIRouter()

CONFORMANCE = (
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
    "http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions-plus",
    "http://www.opengis.net/spec/cql2/1.0/conf/spatial-functions",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/create-replace-delete",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/update",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/features",
    "http://www.opengis.net/spec/ogcapi-features-5/1.0/conf/schemas",
)


@router.get("/")
def landing(request: Request, settings: SettingsDep, _: ReaderDep) -> Response:
    """Landing page: what this service is and where everything is."""
    reject_unknown(request.query_params, ("f", "lang"))
    lang = lang_of(request, settings)
    base = base_url(request)
    title = "geoplan 乡村基础设施规划" if lang == "zh" else "geoplan rural infrastructure planning"
    description = (
        "乡镇规划图层的 OGC API – Features 服务：读取、查询、编辑。"
        if lang == "zh"
        else "OGC API – Features for a township's planning layers: read, query, edit."
    )
    links = [
        *self_links(request, JSON, title),
        link(f"{base}/api", "service-desc", OPENAPI_JSON, "OpenAPI 3.0"),
        link(f"{base}/api?f=html", "service-doc", HTML, "OpenAPI 3.0 (HTML)"),
        link(f"{base}/conformance", "conformance", JSON, "Conformance"),
        link(f"{base}/collections", "data", JSON, "图层 Collections"),
    ]
    if wants_html(request):
        return render("landing.html", title=title, description=description, links=links, base=base, lang=lang)
    return json_response({"title": title, "description": description, "links": links})


@router.get("/conformance")
def conformance(request: Request, settings: SettingsDep, _: ReaderDep) -> Response:
    """The conformance classes this service implements."""
    reject_unknown(request.query_params, ("f", "lang"))
    if wants_html(request):
        body = "\n".join(CONFORMANCE)
        return render("document.html", title="Conformance", body=body, base=base_url(request), lang=settings.lang)
    return json_response({"conformsTo": list(CONFORMANCE)})


@router.get("/api")
def api_document(request: Request, store: StoreDep, settings: SettingsDep, _: ReaderDep) -> Response:
    """This service's OpenAPI 3.0 document (built from the catalogue: one path set per layer)."""
    reject_unknown(request.query_params, ("f", "lang"))
    extra: dict[str, Any] = {}
    for module in ROUTERS:  # a router may declare its own paths (``openapi_paths(catalogue) -> {path: item}``)
        declare = getattr(importlib.import_module(module), "openapi_paths", None)
        if declare is not None:
            extra.update(declare(store.catalogue))
    doc = openapi_document(store.catalogue, base_url(request), settings, extra)
    if wants_html(request):
        body = orjson.dumps(doc, option=orjson.OPT_INDENT_2).decode()
        return render("document.html", title="OpenAPI 3.0", body=body, base=base_url(request), lang=settings.lang)
    return json_response(doc, media_type=OPENAPI_JSON)
