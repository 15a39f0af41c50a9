"""Features of a collection: query (Part 1–3) and create/replace/update/delete (Part 4) with ETag locking."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import numpy as np
import orjson
import shapely.geometry
from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from geoplan.api import pushdown
from geoplan.api.auth import allowed_methods
from geoplan.api.body import json_body
from geoplan.api.cql import Deadline, too_slow
from geoplan.api.crs import CRS84, geometry_to_crs84, parse_crs, transform_geometry
from geoplan.api.deps import PlannerDep, ReaderDep, ReadModelDep, SettingsDep, StoreDep
from geoplan.api.formats import (
    GEOJSON,
    HTML,
    IF_MATCH_PATTERN,
    JSON,
    Lang,
    base_url,
    json_response,
    lang_of,
    link,
    wants_html,
)
from geoplan.api.html import render
from geoplan.api.items_query import ItemsQuery, parse_items_query, reject_unknown, run_query, single
from geoplan.api.problems import ApiProblem, bad_request
from geoplan.api.pushdown import feature_query
from geoplan.api.readmodel import LayerIndex, ReadModel, complete
from geoplan.config import Settings
from geoplan.errors import FeatureNotFound, ValidationFailed
from geoplan.layers import Catalogue, LayerSpec, LayerStore
from geoplan.layers.backend import SqlReads, Store
from geoplan.layers.limits import ID_PATTERN, valid_id
from geoplan.layers.pgquery import FeatureQuery, QueryTooExpensive
from geoplan.layers.store import new_change_id
from geoplan.layers.validation import problem

router = APIRouter()

#: Response header naming the change-log record of a write, so a client can undo exactly it
#: (``POST /changes/{change}/undo``).
CHANGE_HEADER = "Geoplan-Change"


def etag(feature: dict[str, Any]) -> str:
    return f'"{int(feature["properties"].get("version", 1))}"'


def feature_headers(feature: dict[str, Any], crs: str = CRS84) -> dict[str, str]:
    return {"ETag": etag(feature), "Content-Crs": f"<{crs}>"}


_IF_MATCH = re.compile(IF_MATCH_PATTERN.removeprefix("^").removesuffix("$"), re.ASCII)
_TAG = re.compile(r'(W/)?"([0-9]+)"', re.ASCII)


def parse_if_match(request: Request, settings: Settings) -> tuple[int, ...] | None:
    """The versions an If-Match lists (None: no condition, empty: matches nothing); 400 when malformed.

    Our ETags are version numbers ("3"); a header that cannot be such a list (empty, "²", 5,000 digits, free text)
    is a malformed request (400), not a stale one.  If-Match uses the strong comparison (RFC 9110 §13.1.1): a weak
    tag (``W/"3"``) can never match, so that write gets 412 — after its body has been checked.
    """
    header = request.headers.get("if-match")
    if header is None:
        if settings.require_if_match:
            raise ApiProblem(428, "Precondition required", "send If-Match with the feature's ETag (GET it first)")
        return None
    header = header.strip()
    if _IF_MATCH.fullmatch(header) is None:
        shown = header if len(header) <= 40 else header[:40] + "…"
        raise bad_request(f'If-Match must be * or ETags this server issued, like "3" or "3", "4"; not {shown!r}')
    if header == "*":
        return None
    return tuple(int(m.group(2)) for m in _TAG.finditer(header) if m.group(1) is None)


def expected_version(store: LayerStore, layer: str, feature_id: str, versions: tuple[int, ...] | None) -> int | None:
    """The one version to hand the store's (locked, atomic) check: the current one when If-Match lists it."""
    if versions is None:
        return None
    if not versions:
        raise ApiProblem(412, "Precondition failed", "If-Match names no current version (weak ETags never match)")
    if len(versions) == 1:
        return versions[0]
    current = int(store.get(layer, feature_id)["properties"].get("version", 1))
    return current if current in versions else versions[0]


def check_write_params(request: Request, settings: Settings) -> None:
    """Writes take only ``lang``: the language of the validation problems they may answer with."""
    reject_unknown(request.query_params, ("lang",))
    lang_of(request, settings)


def labelled(catalogue: Catalogue, spec: LayerSpec, props: dict[str, Any], lang: Lang) -> dict[str, str]:
    """Property values as a planner reads them: enum labels in the chosen language, blanks for missing."""
    out: dict[str, str] = {}
    for f in spec.fields:
        value = props.get(f.name)
        if value is None:
            out[f.name] = ""
        elif f.enum is not None:
            out[f.name] = catalogue.enum_label(f.enum, str(value), lang)
        else:
            out[f.name] = f"{value}{f.unit or ''}" if f.unit and f.type in ("integer", "number") else str(value)
    return out


def _in_crs(raw: list[bytes], crs: str) -> list[bytes]:
    """Served features (CRS84) with their geometries moved to ``crs``."""
    if crs == CRS84:
        return raw
    out = []
    for encoded in raw:
        feature = orjson.loads(encoded)
        out.append(orjson.dumps({**feature, "geometry": transform_geometry(feature["geometry"], crs)}))
    return out


def _sql_page(store: SqlReads, spec: LayerSpec, q: ItemsQuery, settings: Settings) -> tuple[list[bytes], int, int]:
    """The page, numberMatched and the last feature's key, answered by the store's SQL (nothing held here)."""
    try:
        rows, matched = store.query(spec.name, feature_query(q), seconds=settings.query_seconds)
    except QueryTooExpensive as exc:
        raise too_slow(exc.seconds) from None
    return pushdown.encoded(spec, rows), int(matched or 0), int(rows[-1][0]) if rows else -1


def _index_page(index: LayerIndex, q: ItemsQuery, settings: Settings) -> tuple[list[bytes], int, int]:
    """The page, numberMatched and the last feature's position, answered from the layer's in-memory index."""
    rows = run_query(index, q, Deadline(settings.query_seconds))
    start = q.offset if q.cursor is None else int(np.searchsorted(rows, q.cursor, side="right"))
    page = rows[start : start + q.limit]
    return index.encoded(page), len(rows), int(page[-1]) if len(page) else -1


def find(store: Store, readmodel: ReadModel, layer: str, fid: str) -> dict[str, Any] | None:
    """One feature as served (every catalogue property), or None: one indexed SELECT, or the index's lookup."""
    if isinstance(store, SqlReads):
        if not valid_id(fid):  # no stored feature can have it: no query needed
            return None
        rows, _ = store.query(layer, FeatureQuery(ids=(fid,), limit=1), count=False)
        raw = pushdown.encoded(store.spec(layer), rows)
        return orjson.loads(raw[0]) if raw else None
    index = readmodel.index(layer)  # built from the file as it is now: its positions are authoritative
    pos = index.position(fid)
    return None if pos is None else index.feature(pos)


@router.get("/collections/{layer}/items")
def items(
    layer: str, request: Request, store: StoreDep, readmodel: ReadModelDep, settings: SettingsDep, _: ReaderDep
) -> Response:
    """Features of a layer, filtered by bbox, datetime, properties and CQL2, sorted and paged."""
    spec = store.spec(layer)
    q = parse_items_query(
        request.query_params, spec, {k: store.catalogue.enum_values(k) for k in store.catalogue.enums}
    )
    html = wants_html(request)
    lang = lang_of(request, settings)
    if isinstance(store, SqlReads):
        raw, matched, last = _sql_page(store, spec, q, settings)
    else:
        raw, matched, last = _index_page(readmodel.index(layer), q, settings)
    next_url = prev_url = None
    if q.offset + len(raw) < matched:
        # the offset for what a page number means; in the layer's own order also a cursor, so the next page is
        # found by the index (not by skipping rows) and a write meanwhile neither repeats nor skips a feature
        keyset = {} if q.sortby or not raw else {"cursor": last}
        next_url = str(request.url.include_query_params(offset=q.offset + len(raw), limit=q.limit, **keyset))
    if q.offset > 0:
        back = request.url.remove_query_params("cursor")
        prev_url = str(back.include_query_params(offset=max(0, q.offset - q.limit), limit=q.limit))
    if html:
        feats = [orjson.loads(b) for b in raw]
        fields = [{"name": f.name, "title": f.title(lang)} for f in spec.fields if not f.readonly]
        shown = [{"id": f["id"], "labels": labelled(store.catalogue, spec, f["properties"], lang)} for f in feats]
        return render(
            "items.html",
            title=spec.title(lang),
            layer=layer,
            features=shown,
            fields=fields,
            matched=matched,
            next=next_url,
            prev=prev_url,
            base=base_url(request),
            lang=lang,
        )
    links = [
        link(str(request.url), "self", GEOJSON, spec.title(lang)),
        link(str(request.url.include_query_params(f="html")), "alternate", HTML, spec.title(lang)),
        link(f"{base_url(request)}/collections/{layer}", "collection", JSON, spec.title(lang)),
    ]
    if next_url:
        links.append(link(next_url, "next", GEOJSON, "下一页 Next page"))
    if prev_url:
        links.append(link(prev_url, "prev", GEOJSON, "上一页 Previous page"))
    tail = {
        "numberMatched": matched,
        "numberReturned": len(raw),
        "timeStamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "links": links,
    }
    body = b"".join(
        (
            b'{"type":"FeatureCollection","features":[',
            b",".join(_in_crs(raw, q.crs)),
            b"],",
            orjson.dumps(tail)[1:],
        )
    )
    return Response(body, media_type=GEOJSON, headers={"Content-Crs": f"<{q.crs}>"})


def _feature_response(
    request: Request, layer: str, feature: dict[str, Any], crs: str = CRS84, status: int = 200
) -> Response:
    base = base_url(request)
    url = f"{base}/collections/{layer}/items/{feature['id']}"
    out = complete(request.app.state.store.spec(layer), feature)
    if crs != CRS84:
        out["geometry"] = transform_geometry(feature["geometry"], crs)
    out["links"] = [
        link(url, "self", GEOJSON),
        link(f"{url}?f=html", "alternate", HTML),
        link(f"{base}/collections/{layer}", "collection", JSON),
    ]
    return json_response(out, media_type=GEOJSON, status=status, headers=feature_headers(feature, crs))


@router.get("/collections/{layer}/items/{feature_id}")
def item(
    layer: str,
    feature_id: str,
    request: Request,
    store: StoreDep,
    readmodel: ReadModelDep,
    settings: SettingsDep,
    _: ReaderDep,
) -> Response:
    """One feature, with its version as ETag."""
    reject_unknown(request.query_params, ("f", "lang", "crs"))
    crs = parse_crs(single(request.query_params, "crs"), "crs")
    store.spec(layer)
    feature = find(store, readmodel, layer, feature_id)
    if feature is None:
        raise FeatureNotFound(layer, feature_id)
    if wants_html(request):
        spec = store.spec(layer)
        lang = lang_of(request, settings)
        fields = [{"name": f.name, "title": f.title(lang)} for f in spec.fields]
        shown = [{"id": feature["id"], "labels": labelled(store.catalogue, spec, feature["properties"], lang)}]
        return render(
            "items.html",
            title=f"{spec.title(lang)} {feature_id}",
            layer=layer,
            features=shown,
            fields=fields,
            matched=1,
            next=None,
            prev=None,
            base=base_url(request),
            lang=lang,
        )
    return _feature_response(request, layer, feature, crs)


def _incoming_feature(request: Request, layer: str, body: Any, path_id: str | None = None) -> dict[str, Any]:
    """A request body that must be one GeoJSON Feature; geometry moved to CRS84 if Content-Crs says otherwise."""
    if not isinstance(body, dict) or body.get("type") != "Feature":
        kind = body.get("type") if isinstance(body, dict) else type(body).__name__
        raise bad_request(f"send one GeoJSON Feature (type 'Feature'), not {kind!r}")
    if body.get("id") is not None and not isinstance(body["id"], str):
        raise bad_request(f"feature id must be a string (the id rule: {ID_PATTERN}), not {body['id']!r}")
    if isinstance(body.get("id"), str) and not valid_id(body["id"]):
        # The store reads a blank id as "assign one" (files from other tools); over the API only null means that.
        raise ValidationFailed([problem(layer, None, "id", "id_rule", value=repr(body["id"][:40]))])
    if path_id is not None and body.get("id") is not None and str(body["id"]) != path_id:
        raise bad_request(f"feature id {body['id']!r} in the body differs from {path_id!r} in the URL")
    source = request.headers.get("content-crs")
    if source:
        crs = parse_crs(source.strip().strip("<>"), "Content-Crs")
        geometry = body.get("geometry")
        if crs != CRS84 and isinstance(geometry, dict):
            try:
                moved = geometry_to_crs84(shapely.geometry.shape(geometry), crs)
            except Exception as exc:  # malformed coordinates: let the store's validation name them
                raise bad_request(f"geometry could not be read in {crs}: {exc}") from exc
            body = {**body, "geometry": shapely.geometry.mapping(moved)}
    return body


@router.post("/collections/{layer}/items", status_code=201)
async def create_item(
    layer: str, request: Request, store: StoreDep, settings: SettingsDep, who: PlannerDep
) -> Response:
    """Add a feature (validated by the store); 201 with its Location and ETag."""
    check_write_params(request, settings)
    store.spec(layer)
    feature = _incoming_feature(request, layer, await json_body(request))
    change = new_change_id()
    created = await _run(store.insert, layer, feature, actor=who.name, change=change)
    response = _feature_response(request, layer, created, status=201)
    response.headers[CHANGE_HEADER] = change
    response.headers["Location"] = f"{base_url(request)}/collections/{layer}/items/{created['id']}"
    return response


def _guarded_write(
    request: Request, settings: Settings, store: LayerStore, layer: str, feature_id: str
) -> tuple[int, ...] | None:
    """What PUT, PATCH and DELETE check first: parameters, the layer, the id and If-Match's syntax (version later).

    An id outside the id rule names no feature that can exist: 404 before any If-Match is weighed.
    """
    check_write_params(request, settings)
    store.spec(layer)
    if not valid_id(feature_id):
        raise FeatureNotFound(layer, feature_id)
    return parse_if_match(request, settings)


@router.put("/collections/{layer}/items/{feature_id}")
async def replace_item(
    layer: str, feature_id: str, request: Request, store: StoreDep, settings: SettingsDep, who: PlannerDep
) -> Response:
    """Replace a feature; If-Match (its ETag) guards against overwriting someone else's edit."""
    versions = _guarded_write(request, settings, store, layer, feature_id)
    feature = _incoming_feature(request, layer, await json_body(request), feature_id)
    if_match = expected_version(store, layer, feature_id, versions)
    change = new_change_id()
    replaced = await _run(store.replace, layer, feature_id, feature, if_match=if_match, actor=who.name, change=change)
    response = _feature_response(request, layer, replaced)
    response.headers[CHANGE_HEADER] = change
    return response


@router.patch("/collections/{layer}/items/{feature_id}")
async def update_item(
    layer: str, feature_id: str, request: Request, store: StoreDep, settings: SettingsDep, who: PlannerDep
) -> Response:
    """Change part of a feature with a JSON Merge Patch (RFC 7396); null removes a property."""
    versions = _guarded_write(request, settings, store, layer, feature_id)
    patch = await json_body(request)
    if not isinstance(patch, dict):
        raise bad_request('a merge patch is a JSON object, e.g. {"properties": {"status": "completed"}}')
    unknown = sorted(set(patch) - {"type", "id", "geometry", "properties"})
    if unknown:
        raise bad_request(f"a feature has no member {', '.join(unknown)}; patch geometry and/or properties")
    if patch.get("id") is not None and str(patch["id"]) != feature_id:
        raise bad_request("a feature's id cannot be changed")
    if "properties" in patch and not isinstance(patch["properties"], (dict, type(None))):
        raise bad_request('"properties" in a merge patch must be an object')
    patch = {k: v for k, v in patch.items() if k in ("geometry", "properties")}
    if "geometry" in patch and patch["geometry"] is None:
        raise bad_request("every feature needs a geometry; it cannot be removed")
    patch = _incoming_feature(request, layer, {"type": "Feature", **patch}) if "geometry" in patch else patch
    patch.pop("type", None)
    if_match = expected_version(store, layer, feature_id, versions)
    change = new_change_id()
    updated = await _run(store.patch, layer, feature_id, patch, if_match=if_match, actor=who.name, change=change)
    response = _feature_response(request, layer, updated)
    response.headers[CHANGE_HEADER] = change
    return response


@router.delete("/collections/{layer}/items/{feature_id}", status_code=204)
async def delete_item(
    layer: str, feature_id: str, request: Request, store: StoreDep, settings: SettingsDep, who: PlannerDep
) -> Response:
    """Delete a feature (recorded in the change log, so it can be restored)."""
    versions = _guarded_write(request, settings, store, layer, feature_id)
    if_match = expected_version(store, layer, feature_id, versions)
    change = new_change_id()
    await _run(store.delete, layer, feature_id, if_match=if_match, actor=who.name, change=change)
    return Response(status_code=204, headers={CHANGE_HEADER: change})


def _options(request: Request, *, collection: bool) -> Response:
    reject_unknown(request.query_params, ())
    return Response(status_code=204, headers={"Allow": ", ".join(allowed_methods(request, collection=collection))})


@router.options("/collections/{layer}/items")
def items_options(layer: str, request: Request, store: StoreDep) -> Response:
    """The methods this caller may use on the layer's items (Allow): GET for readers, POST too for planners."""
    store.spec(layer)
    return _options(request, collection=True)


@router.options("/collections/{layer}/items/{feature_id}")
def item_options(layer: str, feature_id: str, request: Request, store: StoreDep, readmodel: ReadModelDep) -> Response:
    """The methods this caller may use on one feature (Allow): GET for readers, PUT/PATCH/DELETE for planners."""
    store.spec(layer)
    if find(store, readmodel, layer, feature_id) is None:
        raise FeatureNotFound(layer, feature_id)
    return _options(request, collection=False)


async def _run(fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Store writes block on a file lock and fsync: run them off the event loop."""
    return await run_in_threadpool(fn, *args, **kwargs)
