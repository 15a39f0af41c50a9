"""Import (multipart upload, all or nothing) and export (bureaus' file formats) of a collection."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from geoplan.api.deps import PlannerDep, ReaderDep, SettingsDep, StoreDep
from geoplan.api.formats import json_response, lang_of
from geoplan.api.problems import ApiProblem
from geoplan.transfer import EXPORT_FORMATS, ImportOptions, export_layer, plan_import, write_plan
from geoplan.transfer.errors import CRSUndetermined
from geoplan.transfer.fieldmap import parse_field_options

router = APIRouter()


def _safe_name(name: str | None) -> str:
    """The upload's base name (its suffix picks the reader); never a path the client chose."""
    base = Path(name or "upload").name
    return re.sub(r"[^\w.\-\u4e00-\u9fff]", "_", base) or "upload"


@router.post("/collections/{layer}/import", status_code=201)
async def import_file_route(
    request: Request,
    layer: str,
    store: StoreDep,
    settings: SettingsDep,
    principal: PlannerDep,
    file: Annotated[UploadFile, File(description="GeoJSON, zipped Shapefile, GeoPackage, KML/KMZ, CSV or XLSX")],
    crs: Annotated[str | None, Form()] = None,
    field: Annotated[list[str] | None, Form(description="源字段=目标字段, repeatable")] = None,
    status: Annotated[str | None, Form()] = None,
    table: Annotated[str | None, Form()] = None,
    encoding: Annotated[str | None, Form()] = None,
    preset: Annotated[str | None, Form()] = None,
    keep_ids: Annotated[bool, Form()] = False,
    dry_run: Annotated[bool, Form()] = False,
) -> Response:
    """Import an uploaded file into a collection: every row or none, as one undoable change."""
    store.spec(layer)  # 404 before reading the upload
    lang = lang_of(request, settings)  # problem texts: ?lang=, else the server's language (Chinese by default)
    options = ImportOptions(
        layer=layer,
        crs=crs,
        fields=parse_field_options(field or []),
        status=status,
        table=table,
        encoding=encoding,
        preset=preset,
        keep_ids=keep_ids,
    )
    name = _safe_name(file.filename)
    with tempfile.TemporaryDirectory(prefix="geoplan-upload-") as tmp:
        path = Path(tmp) / name
        path.write_bytes(await file.read())
        try:
            plan = await run_in_threadpool(plan_import, store, path, options, source_name=name)
        except CRSUndetermined as exc:
            raise ApiProblem(400, "Coordinate system undetermined", str(exc), candidates=exc.candidates) from exc
    if dry_run:
        return json_response(plan.summary(lang) | {"dry_run": True}, status=200)
    done = await run_in_threadpool(lambda: write_plan(store, plan, actor=principal.name))
    body: dict[str, Any] = done.summary(lang) | {"dry_run": False}
    return json_response(body, status=201)


@router.get("/collections/{layer}/export")
async def export_route(
    layer: str,
    store: StoreDep,
    _reader: ReaderDep,
    format: Annotated[str, Query(description=", ".join(EXPORT_FORMATS))] = "geojson",
    crs: Annotated[str | None, Query(description="Output CRS, e.g. EPSG:4546, cgcs2000, gcj02")] = None,
    village: Annotated[str | None, Query(description="12-digit village code")] = None,
    labels: Annotated[str | None, Query(pattern="^(zh|en)$")] = None,
    encoding: Annotated[str, Query(pattern="^(?i:utf-8|gbk)$")] = "UTF-8",
) -> Response:
    """Download a collection as gpkg, shp (zip), kml, geojson, csv or xlsx."""
    store.spec(layer)
    fmt = EXPORT_FORMATS.get(format.lower())
    if fmt is None:
        raise ApiProblem(400, "Bad request", f"unknown format {format!r}; choose one of {', '.join(EXPORT_FORMATS)}")
    with tempfile.TemporaryDirectory(prefix="geoplan-export-") as tmp:
        out = Path(tmp) / f"{layer}{fmt.suffix}"
        await run_in_threadpool(
            lambda: export_layer(
                store,
                layer,
                fmt.name,
                out,
                crs=crs,
                village=village,
                labels=labels,
                encoding=encoding,  # type: ignore[arg-type]
            )
        )
        data = out.read_bytes()
    filename = f"{layer}{'-' + village if village else ''}{fmt.suffix}"
    return Response(
        data, media_type=fmt.media_type, headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )
