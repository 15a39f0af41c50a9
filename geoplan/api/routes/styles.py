"""Layer styles for desktop GIS (OGC API – Styles, the QML encoding): QGIS draws a layer like the web maps."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from geoplan.api.deps import ReaderDep, SettingsDep, StoreDep
from geoplan.api.formats import JSON, base_url, json_response, lang_of, link
from geoplan.api.items_query import reject_unknown
from geoplan.api.problems import ApiProblem
from geoplan.layers import Catalogue
from geoplan.qgis.qml import qml

router = APIRouter(tags=["styles"])
QML = "application/vnd.qgis.qml"
#: The one style each layer has; its encodings by ``f``.
STYLE = "default"


@router.get("/collections/{layer}/styles")
def styles(layer: str, request: Request, store: StoreDep, settings: SettingsDep, _: ReaderDep) -> Response:
    """The layer's styles and where to fetch each encoding."""
    reject_unknown(request.query_params, ("f", "lang"))
    spec = store.spec(layer)
    lang = lang_of(request, settings)
    fmt = request.query_params.get("f", "json")
    if fmt != "json":
        raise ApiProblem(400, "Bad request", f"the style list comes as f=json, not {fmt!r}")
    url = f"{base_url(request)}/collections/{layer}/styles/{STYLE}"
    doc = {
        "styles": [
            {
                "id": STYLE,
                "title": spec.title(lang),
                "links": [link(f"{url}?f=qml&lang={lang}", "stylesheet", QML, "QGIS (QML)")],
            }
        ],
        "links": [link(str(request.url), "self", JSON)],
    }
    return json_response(doc)


@router.get("/collections/{layer}/styles/{style}")
def style(layer: str, style: str, request: Request, store: StoreDep, settings: SettingsDep, _: ReaderDep) -> Response:
    """One style as QML: status patterns, facility kinds, Chinese aliases and value maps from the catalogue."""
    reject_unknown(request.query_params, ("f", "lang"))
    spec = store.spec(layer)
    fmt = request.query_params.get("f", "qml")
    if style != STYLE:
        raise ApiProblem(404, "Not found", f"layer {layer} has one style, {STYLE!r}")
    if fmt != "qml":
        raise ApiProblem(400, "Bad request", f"styles come as f=qml, not {fmt!r}")
    body = qml(store.catalogue, spec, lang_of(request, settings))
    disposition = f'inline; filename="{layer}.qml"'
    return Response(body, media_type=QML, headers={"Content-Disposition": disposition})


def openapi_paths(catalogue: Catalogue) -> dict[str, Any]:
    """These endpoints in the /api document, per layer like the collections' own paths."""
    lang = {"name": "lang", "in": "query", "schema": {"type": "string", "enum": ["zh", "en"]}}
    problem = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/problem"}}}
    errors = {str(s): {"description": "Problem", "content": problem} for s in (400, 404)}
    style_id = {"name": "style", "in": "path", "required": True, "schema": {"type": "string", "enum": [STYLE]}}
    paths: dict[str, Any] = {}
    for name in catalogue.names:
        title = f"{catalogue.layer(name).zh} {catalogue.layer(name).en}"
        listing = {"name": "f", "in": "query", "schema": {"type": "string", "enum": ["json"]}}
        paths[f"/collections/{name}/styles"] = {
            "get": {
                "summary": f"{title}: styles (QML for QGIS)",
                "tags": ["styles"],
                "parameters": [lang, listing],
                "responses": {"200": {"description": "Styles", "content": {JSON: {"schema": {"type": "object"}}}},
                              **errors},
            }
        }  # fmt: skip
        encoding = {"name": "f", "in": "query", "schema": {"type": "string", "enum": ["qml"]}}
        paths[f"/collections/{name}/styles/{{style}}"] = {
            "get": {
                "summary": f"{title}: one style as QML",
                "tags": ["styles"],
                "parameters": [style_id, lang, encoding],
                "responses": {"200": {"description": "QML", "content": {QML: {"schema": {"type": "string"}}}},
                              **errors},
            }
        }  # fmt: skip
    return paths
