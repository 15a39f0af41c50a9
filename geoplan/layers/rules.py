"""What a write must satisfy, whatever keeps the layer: one set of rules for the file store and the PostGIS store.

A write is a list of operations (insert, replace, delete).  :meth:`WriteRules.resolve` checks them against the
features as they are now (existence, If-Match versions, the catalogue), normalises each new feature (rounded
coordinates, catalogue order, read-only fields set by the store, village code from the geometry) and returns
what to store; the backend only decides *how* to store it (rewrite a file, or SQL in one transaction).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from geoplan.errors import FeatureExists, FeatureNotFound, Problem, ValidationFailed, VersionConflict
from geoplan.layers.files import round_coords
from geoplan.layers.limits import valid_id

if TYPE_CHECKING:
    from geoplan.layers.catalogue import Catalogue, LayerSpec
    from geoplan.layers.placement import VillageLocator
    from geoplan.layers.store import LayerSnapshot
    from geoplan.layers.survey import Survey


@dataclass
class Op:
    kind: str  # insert | replace | delete
    fid: str
    feature: dict[str, Any] | None = None
    if_match: int | None = None
    #: False when the store generated the id: problems then name no feature (the client never saw that id).
    given_id: bool = True
    #: For re-inserting a deleted feature: its last version, so versions (ETags) never repeat.
    base_version: int = 0
    #: Row number for problem messages in batch writes (default: position in the batch).
    row: int | None = None


@dataclass(frozen=True)
class Outcome:
    """One resolved operation: the feature before (None: inserted) and after (None: deleted)."""

    fid: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


class WriteRules:
    """Validation and normalisation shared by every store (mixed into each; needs ``catalogue``, ``snapshot``)."""

    catalogue: Catalogue
    max_vertices: int

    def snapshot(self, layer: str) -> LayerSnapshot:  # pragma: no cover - provided by the store
        raise NotImplementedError

    def spec(self, layer: str) -> LayerSpec:
        return self.catalogue.layer(layer)

    def check_declaration(self, survey: Survey, op: str) -> None:
        """A new survey declaration's area obeys the vertex bound (SurveyError); an undo restores what was
        accepted when it was written, whatever the bound is now."""
        if op != "undo" and survey.area is not None:
            from geoplan.layers.survey import check_area

            check_area(survey.area, self.max_vertices)

    def _insert_op(self, layer: str, feature: dict[str, Any]) -> Op:
        """An insert keeping the client's id when it gives one, else a new random id with the layer's prefix."""
        from geoplan.layers.validation import problem

        given = feature.get("id") if isinstance(feature, dict) else None
        if isinstance(given, bool) or not isinstance(given, (str, int, type(None))):
            raise ValidationFailed([problem(layer, None, "id", "bad_id")])
        if given is not None and str(given).strip():
            if not valid_id(given):
                raise ValidationFailed([problem(layer, None, "id", "id_rule", value=repr(str(given)[:40]))])
            return Op("insert", str(given), feature)
        return Op("insert", f"{self.spec(layer).id_prefix}-{secrets.token_hex(4)}", feature, given_id=False)

    def resolve(
        self,
        layer: str,
        ops: list[Op],
        current: Callable[[str], dict[str, Any] | None],
        *,
        now: str,
        transform: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
        rows: bool = False,
    ) -> list[Outcome]:
        """Check ``ops`` against the features as ``current(fid)`` returns them; every problem or nothing.

        Raises FeatureExists / FeatureNotFound / VersionConflict for the first such operation (single writes),
        ValidationFailed listing every invalid feature (with row numbers when ``rows``).
        """
        import shapely

        from geoplan.layers.validation import problem

        spec = self.spec(layer)
        done: dict[str, dict[str, Any] | None] = {}  # features this batch already wrote (None: deleted)
        problems: list[Problem] = []
        out: list[Outcome] = []
        locator: VillageLocator | None = None
        for n, o in enumerate(ops, start=1):
            row = (o.row or n) if rows else None
            now_feature = done[o.fid] if o.fid in done else current(o.fid)
            if o.kind == "insert" and now_feature is not None and not rows:
                raise FeatureExists(layer, o.fid)
            if o.kind == "insert" and now_feature is not None:
                problems.append(problem(layer, o.fid, "id", "id_exists", row))
                continue
            if o.kind != "insert" and now_feature is None:
                raise FeatureNotFound(layer, o.fid)
            if o.if_match is not None and now_feature is not None:
                cur_version = int(now_feature["properties"].get("version", 1))
                if cur_version != int(o.if_match):
                    raise VersionConflict(layer, o.fid, str(o.if_match), str(cur_version))
            if o.kind == "delete":
                done[o.fid] = None
                out.append(Outcome(o.fid, now_feature, None))
                continue
            raw = transform(now_feature) if transform is not None and now_feature is not None else o.feature
            new, found = self._normalise(spec, o.fid, raw, row)
            if found:
                problems += found if o.given_id else [replace(p, feature=None) for p in found]
                continue
            props = new["properties"]
            if spec.has_field("village_code") and layer != "villages" and not props.get("village_code"):
                if locator is None:
                    locator = self._village_locator()
                code = locator.code_for(shapely.geometry.shape(new["geometry"]))
                if code is not None:
                    props["village_code"] = code
            base = o.base_version if now_feature is None else int(now_feature["properties"].get("version", 1))
            props["version"] = base + 1
            props["updated_at"] = now
            new["properties"] = self._ordered(spec, props)
            done[o.fid] = new
            out.append(Outcome(o.fid, now_feature, new))
        if problems:
            raise ValidationFailed(problems)
        return out

    def _normalise(self, spec: LayerSpec, fid: str, raw: Any, row: int | None) -> tuple[dict[str, Any], list[Problem]]:
        """Validate an incoming feature and return it in stored form (rounded, ordered, no read-only fields)."""
        if not isinstance(raw, dict):
            return {}, [Problem(spec.name, fid, None, "not a GeoJSON Feature object", row)]
        props = raw.get("properties")
        if isinstance(props, dict):
            readonly = {f.name for f in spec.fields if f.readonly}
            props = {k: v for k, v in props.items() if k not in readonly and v is not None}
            for f in spec.fields:
                # JSON has one number type: accept 2026.0 for an integer field (some GIS clients send that).
                v = props.get(f.name)
                if f.type == "integer" and isinstance(v, float) and v.is_integer():
                    props[f.name] = int(v)
        from geoplan.layers.validation import coordinate_problems

        geometry = raw.get("geometry")
        too_big = coordinate_problems(spec, fid, geometry, self.max_vertices)
        if too_big:  # before rounding, which walks every coordinate (recursively)
            return {}, [replace(p, row=row) for p in too_big]
        if isinstance(geometry, dict) and "coordinates" in geometry:
            geometry = {"type": geometry.get("type"), "coordinates": round_coords(geometry["coordinates"])}
        candidate = {"type": raw.get("type"), "id": fid, "geometry": geometry, "properties": props}
        from geoplan.layers.validation import feature_problems

        problems = feature_problems(self.catalogue, spec, candidate, row, self.max_vertices)
        return candidate | {"type": "Feature"}, problems

    @staticmethod
    def _ordered(spec: LayerSpec, props: dict[str, Any]) -> dict[str, Any]:
        return {name: props[name] for name in spec.field_names if name in props}

    def _village_locator(self) -> VillageLocator:
        import shapely

        from geoplan.layers.placement import VillageLocator

        snap = self.snapshot("villages")
        codes = [str(f["properties"].get("code")) for f in snap.features]
        polys = [shapely.geometry.shape(f["geometry"]) for f in snap.features]
        return VillageLocator(codes, polys)
