"""Import a planner's file into a layer: read, reproject, map fields, validate every row — then all or nothing.

:func:`plan_import` does everything but write, so a dry run and a real import see exactly the same rows and
problems. :func:`import_file` writes the plan with one :meth:`LayerStore.insert_many` call: one atomic change in
the change log, undone as a whole by ``geoplan undo``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import mapping

from geoplan.errors import Problem, ValidationFailed
from geoplan.layers import LayerStore
from geoplan.layers.files import round_coords
from geoplan.layers.placement import VillageLocator
from geoplan.layers.survey import Survey
from geoplan.layers.validation import feature_problems
from geoplan.transfer.crs import WGS84, SourceCRS, parse_crs, resolve, rows_fitting, to_wgs84
from geoplan.transfer.errors import CRSUndetermined, SourceUnreadable
from geoplan.transfer.fieldmap import build_field_map, load_preset, map_row, skipped
from geoplan.transfer.readers import read_source
from geoplan.transfer.usability import ImportWarning, analysis_warnings


@dataclass(frozen=True)
class ImportOptions:
    """What a planner says about a file (the CLI's and the API's options, one for one)."""

    layer: str
    crs: str | None = None
    fields: Mapping[str, str] = field(default_factory=dict)
    status: str | None = None
    table: str | None = None
    encoding: str | None = None
    preset: str | None = None
    keep_ids: bool = False
    #: Import rows with the same name and geometry as a feature the layer already has (a re-import, usually).
    allow_duplicates: bool = False
    #: ``--set FIELD=VALUE``: a value or ``{column}`` template for rows whose columns give none.
    sets: Mapping[str, str] = field(default_factory=dict)


#: A survey declaration, or how to derive it from the layer's current one (see LayerStore.insert_many).
SurveyDeclaration = Survey | Callable[[Survey], Survey]

#: A table column naming its rows' CRS (geoplan's own CSV/XLSX exports write one), read like ``--crs``.
CRS_COLUMNS = ("crs", "坐标系")
#: Geometries this close (degrees, ~10 cm) with the same name are the same feature imported twice.
DUPLICATE_TOLERANCE = 1e-6


@dataclass
class ImportPlan:
    """The outcome of reading and checking a file, before anything is written."""

    layer: str
    source: str
    format: str
    crs: str
    columns: dict[str, tuple[str, ...]]
    ignored: tuple[str, ...]
    rows: int
    skipped: int
    features: list[dict[str, Any]]
    #: Source row number (1 = first record) of each feature, for messages.
    row_numbers: list[int]
    problems: list[Problem]
    outside_villages: int
    notes: list[str]
    change: str | None = None
    #: Rows that import fine but that the analysis cannot use (buildings without use, villages without 户数 …).
    warnings: list[ImportWarning] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self, lang: str = "zh") -> dict[str, Any]:
        """JSON-friendly report (the API's response body); problem texts in ``lang``, Chinese by default."""
        return {
            "layer": self.layer,
            "source": self.source,
            "format": self.format,
            "crs": self.crs,
            "columns": {k: list(v) for k, v in self.columns.items()},
            "ignored_columns": list(self.ignored),
            "rows": self.rows,
            "skipped": self.skipped,
            "valid": len(self.features) - len({p.row for p in self.problems}),
            "outside_villages": self.outside_villages,
            "problems": [
                {
                    "row": p.row,
                    "field": p.field,
                    "code": p.code or None,
                    "message": p.text(lang),
                    "text": p.describe(lang),
                }
                for p in self.problems
            ],
            "notes": self.notes,
            "warnings": [w.to_json(lang) for w in self.warnings],
            "imported": 0 if self.change is None else len(self.features),
            "change": self.change,
        }


def store_extent(store: LayerStore) -> tuple[float, float, float, float] | None:
    """Lon/lat box of the township's own data — used to narrow CRS candidates; None for an empty store."""
    for layer in ("villages", "settlements", *store.layer_names):
        frame = store.frame(layer)
        if len(frame):
            b = frame.total_bounds
            return float(b[0]), float(b[1]), float(b[2]), float(b[3])
    return None


def plan_import(
    store: LayerStore,
    path: Path,
    options: ImportOptions,
    *,
    source_name: str | None = None,
    survey: SurveyDeclaration | None = None,
) -> ImportPlan:
    """Read ``path`` and check every row against the layer's catalogue rules; write nothing.

    ``survey`` is the declaration the import will make (``--surveyed``, ``--residential-survey``): the warnings
    about rows the analysis cannot use are worked out against it.
    """
    spec = store.spec(options.layer)  # unknown layer → LayerNotFound before any reading
    catalogue = store.catalogue
    source = read_source(Path(path), table=options.table, encoding=options.encoding)
    frame = source.frame
    if len(frame) == 0:
        raise SourceUnreadable(f"{source_name or Path(path).name}: the file has no rows")
    notes = list(source.notes)
    declared_text = options.crs
    crs_column = next((c for c in frame.columns if str(c).strip().lower() in CRS_COLUMNS), None)
    if crs_column is not None:
        values = {str(v).strip() for v in frame[crs_column] if isinstance(v, str) and v.strip()}
        frame = frame.drop(columns=crs_column)
        if declared_text is None and len(values) == 1:
            declared_text = values.pop()
            notes.append(f"坐标系取自 CRS from column {crs_column!r}: {declared_text}")
    declared = parse_crs(declared_text) if declared_text else None
    # Rows whose coordinates fit no lon/lat range (or not the declared CRS) are that row's problem when the
    # other rows fit: one typo must not read as "the whole file is in another coordinate system".
    base = declared.crs if declared is not None else (source.crs or WGS84)
    fit = rows_fitting(base, frame.geometry)
    if fit.all() or fit.sum() * 2 <= len(fit):
        fit = np.ones(len(frame), dtype=bool)
    bad_rows = {int(i) + 1 for i, ok in zip(frame.index, fit, strict=True) if not ok}
    try:
        crs = resolve(declared, source.crs, frame.geometry[fit], store_extent(store))
    except CRSUndetermined as exc:
        if bad_rows:
            listed = ", ".join(str(r) for r in sorted(bad_rows)[:10])
            raise CRSUndetermined(
                f"{exc} — 另有第 {listed} 行的坐标不符合任何经纬度范围,也请改正 (rows {listed} have coordinates that "
                "fit no lon/lat range; fix them too)",
                exc.candidates,
            ) from exc
        raise
    raw = frame.geometry.values.copy()
    raw[~fit] = None
    geoms = to_wgs84(gpd.GeoSeries(raw, index=frame.index, crs=frame.crs), crs)
    preset = load_preset(options.preset) if options.preset else None
    fmap = build_field_map(spec, list(frame.columns), options.fields, preset, options.sets)
    if options.status is not None:
        fmap.defaults["status"] = options.status
    records = frame.drop(columns="geometry").to_dict("records")
    id_column = next((c for c in frame.columns if str(c).lower() == "id"), None) if options.keep_ids else None

    features: list[dict[str, Any]] = []
    row_numbers: list[int] = []
    problems: list[Problem] = []
    n_skipped = 0
    seen_ids: set[str] = set()
    existing = store.snapshot(options.layer)
    numbers = [int(i) + 1 for i in frame.index]  # blank spreadsheet rows leave gaps; keep the planner's numbering
    for n, record, geom in zip(numbers, records, geoms.values, strict=True):
        if skipped(fmap, record):
            n_skipped += 1
            continue
        props = map_row(catalogue, fmap, record)
        feature: dict[str, Any] = {
            "type": "Feature",
            "geometry": None if geom is None or geom.is_empty else _geojson(geom),
            "properties": props,
        }
        if id_column is not None and record.get(id_column) not in (None, ""):
            fid = str(record[id_column])
            feature["id"] = fid
            if fid in seen_ids or existing.get(fid) is not None:
                problems.append(
                    Problem(spec.name, fid, "id", "a feature with this id already exists", n, code="id_exists")
                )
            seen_ids.add(fid)
        found = feature_problems(catalogue, spec, feature, row=n)
        if n in bad_rows:
            found = [p for p in found if p.field != "geometry"]
            problems.append(_unfit_row(spec.name, n, frame.geometry.loc[n - 1], crs))
        problems += found
        features.append(feature)
        row_numbers.append(n)
    if not options.allow_duplicates:
        flagged = {p.row for p in problems if p.code == "id_exists"}
        problems += _duplicates(spec.name, existing.features, features, row_numbers, flagged)

    return ImportPlan(
        layer=spec.name,
        source=source_name or Path(path).name,
        format=source.format,
        crs=crs.label,
        columns=dict(fmap.columns),
        ignored=fmap.ignored,
        rows=len(records),
        skipped=n_skipped,
        features=features,
        row_numbers=row_numbers,
        problems=problems,
        outside_villages=_outside_villages(store, spec.name, features),
        notes=notes,
        warnings=analysis_warnings(store, spec.name, features, _declared(store, spec.name, survey)),
    )


def _declared(store: LayerStore, layer: str, survey: SurveyDeclaration | None) -> Survey:
    """The layer's survey declaration once the import is written."""
    current = store.survey(layer)
    if survey is None:
        return current
    return survey(current) if callable(survey) else survey


def import_file(
    store: LayerStore,
    path: Path,
    options: ImportOptions,
    *,
    actor: str | None = None,
    dry_run: bool = False,
    source_name: str | None = None,
) -> ImportPlan:
    """Import every row of ``path`` as one change, or none: any problem raises ValidationFailed, nothing written."""
    plan = plan_import(store, path, options, source_name=source_name)
    return plan if dry_run else write_plan(store, plan, actor=actor)


def write_plan(
    store: LayerStore, plan: ImportPlan, *, actor: str | None = None, survey: SurveyDeclaration | None = None
) -> ImportPlan:
    """Write a checked plan as one change; refuses (ValidationFailed) if it has any problem.

    ``survey`` declares where the layer was surveyed (``--surveyed``) in the same change, so undo takes both back.
    """
    if plan.problems:
        raise ValidationFailed(plan.problems)
    if not plan.features:
        raise SourceUnreadable(f"{plan.source}: every row was skipped by the preset; nothing to import")
    written = store.insert_many(
        plan.layer,
        plan.features,
        actor=actor,
        op="import",
        message=f"import {plan.source} ({len(plan.features)})",
        row_numbers=plan.row_numbers,
        survey=survey,
    )
    plan.change = written.change
    return plan


def _unfit_row(layer: str, row: int, geom: shapely.Geometry | None, crs: SourceCRS) -> Problem:
    """The problem of a row whose coordinates fit no lon/lat range or not the file's CRS."""
    xy = shapely.get_coordinates(geom) if geom is not None else np.empty((0, 2))
    position = f"({xy[0][0]:g}, {xy[0][1]:g})" if len(xy) else "?"
    return Problem(
        layer,
        None,
        "geometry",
        f"coordinates {position} do not fit {crs.label} (the other rows do): check this row",
        row,
        code="row_crs",
        params=(("position", position), ("crs", crs.label)),
    )


def _duplicates(
    layer: str,
    existing: list[dict[str, Any]],
    features: list[dict[str, Any]],
    rows: list[int],
    skip: set[int | None],
) -> list[Problem]:
    """Rows with the same name and (within ~10 cm) the same geometry as a feature the layer already has."""
    by_name: dict[Any, list[dict[str, Any]]] = {}
    for f in existing:
        by_name.setdefault((f.get("properties") or {}).get("name"), []).append(f)
    found: list[Problem] = []
    for feature, row in zip(features, rows, strict=True):
        same_name = by_name.get(feature["properties"].get("name"))
        if row in skip or not same_name or feature["geometry"] is None:
            continue
        try:
            geom = shapely.geometry.shape(feature["geometry"])
        except Exception:  # malformed geometry is already a validation problem
            continue
        for old in same_name:
            if old.get("geometry") and shapely.equals_exact(
                geom, shapely.geometry.shape(old["geometry"]), tolerance=DUPLICATE_TOLERANCE
            ):
                found.append(
                    Problem(
                        layer,
                        None,
                        "geometry",
                        f"same name and geometry as feature {old.get('id')} already in the layer (imported before?); "
                        "use --allow-duplicates to import it anyway",
                        row,
                        code="duplicate_feature",
                        params=(("existing", str(old.get("id"))),),
                    )
                )
                break
    return found


def _geojson(geom: shapely.Geometry) -> dict[str, Any]:
    """GeoJSON geometry as the store keeps it (coordinates rounded to its 7 decimals), so checks match."""
    if geom.geom_type.startswith("Multi") and len(geom.geoms) == 1:
        geom = geom.geoms[0]  # GIS formats promote mixed layers to Multi*; one part is the shape that was drawn
    g = mapping(geom)
    return {"type": g["type"], "coordinates": round_coords(g["coordinates"])}


def _outside_villages(store: LayerStore, layer: str, features: list[dict[str, Any]]) -> int:
    """How many rows will get no village_code (the store fills it from village boundaries on insert)."""
    spec = store.spec(layer)
    villages = store.features("villages")
    if layer == "villages" or not spec.has_field("village_code") or not villages:
        return 0
    locator = VillageLocator(
        [str(v["properties"].get("code")) for v in villages], [shapely.geometry.shape(v["geometry"]) for v in villages]
    )
    count = 0
    for f in features:
        if f["geometry"] is None or f["properties"].get("village_code"):
            continue
        try:
            geom = shapely.geometry.shape(f["geometry"])
        except Exception:  # malformed geometry is already a validation problem
            continue
        if locator.code_for(geom) is None:
            count += 1
    return count
