"""Import a planner's file into a layer: read, reproject, map fields, validate every row — then all or nothing.

:func:`plan_import` does everything but write, so a dry run and a real import see exactly the same rows and
problems. :func:`import_file` writes the plan with one :meth:`LayerStore.insert_many` call: one atomic change in
the change log, undone as a whole by ``geoplan undo``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import mapping

from geoplan.errors import Problem, ValidationFailed
from geoplan.layers import LayerStore
from geoplan.layers.files import round_coords
from geoplan.layers.placement import VillageLocator
from geoplan.layers.validation import feature_problems
from geoplan.transfer.crs import parse_crs, resolve, to_wgs84
from geoplan.transfer.errors import SourceUnreadable
from geoplan.transfer.fieldmap import build_field_map, load_preset, map_row, skipped
from geoplan.transfer.readers import read_source


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


def plan_import(store: LayerStore, path: Path, options: ImportOptions, *, source_name: str | None = None) -> ImportPlan:
    """Read ``path`` and check every row against the layer's catalogue rules; write nothing."""
    spec = store.spec(options.layer)  # unknown layer → LayerNotFound before any reading
    catalogue = store.catalogue
    source = read_source(Path(path), table=options.table, encoding=options.encoding)
    frame = source.frame
    if len(frame) == 0:
        raise SourceUnreadable(f"{source_name or Path(path).name}: the file has no rows")
    declared = parse_crs(options.crs) if options.crs else None
    crs = resolve(declared, source.crs, frame.geometry, store_extent(store))
    geoms = to_wgs84(frame.geometry, crs)
    preset = load_preset(options.preset) if options.preset else None
    fmap = build_field_map(spec, list(frame.columns), options.fields, preset)
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
        problems += feature_problems(catalogue, spec, feature, row=n)
        features.append(feature)
        row_numbers.append(n)

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
        notes=source.notes,
    )


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


def write_plan(store: LayerStore, plan: ImportPlan, *, actor: str | None = None) -> ImportPlan:
    """Write a checked plan as one change; refuses (ValidationFailed) if it has any problem."""
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
    )
    plan.change = written.change
    return plan


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
