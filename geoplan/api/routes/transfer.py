"""Import (multipart upload, all or nothing) and export (bureaus' file formats) of a collection."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.datastructures import UploadFile as StarletteUpload
from starlette.responses import Response

from geoplan.api.deps import PlannerDep, ReaderDep, SettingsDep, StoreDep
from geoplan.api.formats import json_response, lang_of
from geoplan.api.problems import ApiProblem, bad_request
from geoplan.layers.survey import import_declaration
from geoplan.transfer import EXPORT_FORMATS, ImportOptions, export_layer, plan_import, write_plan
from geoplan.transfer.errors import CRSUndetermined
from geoplan.transfer.explain import explain_import
from geoplan.transfer.fieldmap import parse_field_options, parse_set_options

router = APIRouter()


def _safe_name(name: str | None) -> str:
    """The upload's base name (its suffix picks the reader); never a path the client chose."""
    base = Path(name or "upload").name
    return re.sub(r"[^\w.\-\u4e00-\u9fff]", "_", base) or "upload"


#: Form fields an import takes besides the file (see ImportOptions).
IMPORT_FIELDS = (
    "file", "crs", "field", "status", "table", "encoding", "preset", "keep_ids", "dry_run", "set", "explain",
    "surveyed", "residential_survey",
)  # fmt: skip
_TRUE, _FALSE = ("true", "1", "yes", "on"), ("false", "0", "no", "off", "")


def _text_field(form: FormData, name: str) -> str | None:
    value = form.get(name)
    if value is not None and not isinstance(value, str):
        raise bad_request(f"form field {name} must be text, not a file")
    return value


def _bool_field(form: FormData, name: str) -> bool:
    value = (_text_field(form, name) or "").strip().lower()
    if value not in _TRUE + _FALSE:
        raise bad_request(f"form field {name} must be true or false, not {value[:20]!r}")
    return value in _TRUE


async def _read_form(request: Request) -> FormData:
    """The multipart form, read only now (after the token was checked); 413 from the body limit passes through."""
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype != "multipart/form-data":
        raise ApiProblem(415, "Unsupported media type", f"send multipart/form-data with a file field, not {ctype!r}")
    try:
        return await request.form(max_files=1, max_fields=len(IMPORT_FIELDS) + 32)
    except ApiProblem:
        raise
    except Exception as exc:  # starlette's MultiPartException / HTTPException: a malformed form
        raise bad_request(f"the upload is not a readable multipart form: {getattr(exc, 'detail', exc)}") from exc


@router.post("/collections/{layer}/import", status_code=201)
async def import_file_route(
    request: Request, layer: str, store: StoreDep, settings: SettingsDep, principal: PlannerDep
) -> Response:
    """Import an uploaded file into a collection: every row or none, as one undoable change.

    The form is read inside the route, not declared as parameters: FastAPI would read a declared form before the
    token dependency runs, so anyone could make the server take in a whole upload (and a body over the limit
    came back as a 400 from its form parser instead of 413).
    """
    store.spec(layer)  # 404 before reading the upload
    lang = lang_of(request, settings)  # problem texts: ?lang=, else the server's language (Chinese by default)
    form = await _read_form(request)
    file = form.get("file")
    if not isinstance(file, StarletteUpload):
        raise bad_request("send the file in a form field named 'file'")
    options = ImportOptions(
        layer=layer,
        crs=_text_field(form, "crs"),
        fields=parse_field_options([v for v in form.getlist("field") if isinstance(v, str)]),
        status=_text_field(form, "status"),
        table=_text_field(form, "table"),
        encoding=_text_field(form, "encoding"),
        preset=_text_field(form, "preset"),
        keep_ids=_bool_field(form, "keep_ids"),
        sets=parse_set_options([v for v in form.getlist("set") if isinstance(v, str)]),
    )
    dry_run = _bool_field(form, "dry_run")
    explain = _bool_field(form, "explain")
    # where the layer was surveyed, declared in the import's own change (like `geoplan import --surveyed`)
    survey = import_declaration(_text_field(form, "surveyed"), _bool_field(form, "residential_survey"))
    name = _safe_name(file.filename)
    try:
        with tempfile.TemporaryDirectory(prefix="geoplan-upload-") as tmp:
            path = Path(tmp) / name
            path.write_bytes(await file.read())
            if explain:  # the mapping only: nothing checked or written
                found = await run_in_threadpool(explain_import, store, path, options, source_name=name, lang=lang)
                return json_response(found.summary(lang) | {"explain": True}, status=200)
            try:
                plan = await run_in_threadpool(plan_import, store, path, options, source_name=name, survey=survey)
            except CRSUndetermined as exc:
                raise ApiProblem(400, "Coordinate system undetermined", str(exc), candidates=exc.candidates) from exc
    finally:
        await form.close()
    if dry_run:
        return json_response(plan.summary(lang) | {"dry_run": True}, status=200)
    done = await run_in_threadpool(lambda: write_plan(store, plan, actor=principal.name, survey=survey))
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
