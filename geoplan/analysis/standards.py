"""The coverage standards: a TOML file of indicators (thresholds, targets, weights, provenance), loaded and checked.

The file is data so a province or county can change a radius or a target without touching code; it is checked
against the layer catalogue at load time so a typo in a layer, field or enum value fails at start, not mid-report.
"""

from __future__ import annotations

import math
import tomllib
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from geoplan.analysis.works import WorkTarget, check_works
from geoplan.errors import CatalogueError
from geoplan.layers import Catalogue, default_catalogue

Test = Literal["distance", "attribute", "count", "completion", "designation"]
Basis = Literal["households", "settlements", "centre", "nodes", "village"]
Status = Literal["met", "nearly_met", "not_met", "not_assessed"]
Lang = Literal["zh", "en"]

STATUSES: tuple[Status, ...] = ("met", "nearly_met", "not_met", "not_assessed")
STATUS_LABELS: dict[str, dict[str, str]] = {
    "met": {"zh": "达标", "en": "met"},
    "nearly_met": {"zh": "基本达标", "en": "nearly met"},
    "not_met": {"zh": "未达标", "en": "not met"},
    "not_assessed": {"zh": "未评估", "en": "not assessed"},
}


def status_label(status: str, lang: Lang = "zh") -> str:
    """Chinese (default) or English label of a status key."""
    return STATUS_LABELS[status]["en" if lang == "en" else "zh"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Selector(_Frozen):
    """Features of one layer, optionally restricted by field values (``where = {kind = ["clinic"]}``)."""

    layer: str
    where: dict[str, tuple[str, ...]] = Field(default_factory=dict)


class RadiusSelector(Selector):
    radius_m: float = Field(gt=0)


class Indicator(_Frozen):
    """One indicator as declared in the standards file."""

    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name_zh: str
    name_en: str
    theme: str
    test: Test
    basis: Basis
    targets: tuple[Selector, ...]
    target: float = Field(ge=0)
    weight: float = Field(ge=0)
    gap_unit: Literal["户", "人", "座", "km", "村"]
    provenance: str
    source: str
    threshold_m: float | None = Field(default=None, gt=0)
    #: How a distance test measures: a straight line, or along the roads layer (:mod:`geoplan.analysis.network`).
    distance: Literal["straight", "network"] = "straight"
    #: Network distance only: ``walk`` on every road, ``drive`` on paved roads only.
    mode: Literal["walk", "drive"] = "walk"
    #: Network walks only: a DEM raster whose slopes make a walk cost its Tobler flat-equivalent metres
    #: (:mod:`geoplan.analysis.terrain`); set with ``--dem`` (:meth:`Standards.with_terrain`).
    dem: str | None = None
    min_households: int = Field(default=0, ge=0)
    nodes: Selector | None = None
    #: Where a village has no node, test its centre instead (a village committee sits at the centre settlement).
    nodes_fallback: Literal["centre"] | None = None
    or_attribute: str | None = None
    or_indicator: str | None = None
    or_within: RadiusSelector | None = None
    attribute: str | None = None
    #: ``count`` test: the features counted as bad, and those the plan scenario counts as resolved (besides
    #: bad features whose own status is planned/under construction, i.e. a planned fix).
    count_where: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    plan_resolves: dict[str, tuple[str, ...]] = Field(default_factory=dict)

    @property
    def unit(self) -> str:
        """Unit of ``value``: a share for coverage tests, a count for ``count``."""
        return self.gap_unit if self.test == "count" else "%"

    def name(self, lang: Lang = "zh") -> str:
        return self.name_en if lang == "en" else self.name_zh

    @model_validator(mode="after")
    def _coherent(self) -> Indicator:
        if self.test == "distance" and self.threshold_m is None:
            raise ValueError("a distance test needs threshold_m")
        if self.test == "attribute" and not self.attribute:
            raise ValueError("an attribute test needs attribute")
        if self.basis == "nodes" and self.nodes is None:
            raise ValueError("basis 'nodes' needs nodes")
        if self.test in ("distance", "attribute", "completion", "designation") and self.target > 1:
            raise ValueError("a coverage target is a share between 0 and 1")
        if self.test == "count" and not self.count_where:
            raise ValueError("a count test needs count_where")
        if not self.targets:
            raise ValueError("at least one target layer is needed")
        if self.distance == "network" and self.test != "distance":
            raise ValueError("distance = 'network' applies to distance tests only")
        if self.dem and not (self.distance == "network" and self.mode == "walk"):
            raise ValueError("a DEM (dem) applies to walking network distances only")
        return self

    def distance_label(self, lang: Lang = "zh") -> str:
        """How the indicator measures distance, for reports and maps ('' for tests that measure none)."""
        if self.test != "distance":
            return ""
        if self.distance == "straight":
            return "直线距离" if lang == "zh" else "straight line"
        if self.mode == "walk" and self.dem:
            if lang == "zh":
                return "路网距离(步行, 全部道路, 按坡度折算为平地等效距离)"
            return "network distance (walking, all roads, slope-weighted flat equivalent)"
        if lang == "zh":
            return "路网距离(步行, 全部道路)" if self.mode == "walk" else "路网距离(车行, 硬化道路)"
        return "network distance (walking, all roads)" if self.mode == "walk" else "network distance (driving, paved)"


class Costs(_Frozen):
    """Unit costs of the projects ``geoplan plan`` generates from the gaps (万元), from the standards file's [costs]."""

    #: 万元 per km of new paved road, by road class.
    road_wan_per_km: dict[str, float] = Field(default_factory=dict)
    #: Class (and so unit cost) of a generated link road from a settlement to the nearest paved road.
    link_road_class: str = "village"
    #: 万元 per km of pipe, by layer (water_networks, sewage_networks).
    pipe_wan_per_km: dict[str, float] = Field(default_factory=dict)
    #: 万元 per facility, by facility kind; kinds without a cost are never proposed as new sites.
    facility_wan: dict[str, float] = Field(default_factory=dict)
    #: Uncovered households within one square of this side (m) in a village share one generated project.
    cluster_m: float = Field(default=250, gt=0)
    source: str = ""

    @model_validator(mode="after")
    def _positive(self) -> Costs:
        for name in ("road_wan_per_km", "pipe_wan_per_km", "facility_wan"):
            for key, value in getattr(self, name).items():
                if not (math.isfinite(value) and value > 0):
                    raise ValueError(f"{name}.{key} must be a positive number of 万元")
        return self


class Standards(_Frozen):
    """Every indicator of one standards file, in report order."""

    version: int = 1
    nearly_met_ratio: float = Field(default=0.8, gt=0, le=1)
    #: A facility farther than this from every road is flagged before it is saved (a warning, not a refusal).
    facility_road_max_m: float = Field(default=500, gt=0)
    #: Share of the total weight a village's assessed indicators must carry for a composite score and a rank.
    min_assessed_weight: float = Field(default=0.5, ge=0, le=1)
    indicators: tuple[Indicator, ...] = Field(alias="indicator")
    #: Yearly tasks measured as quantities (km tidied, 亩 converted) against their targets.
    works: tuple[WorkTarget, ...] = ()
    #: Unit costs for the projects ``geoplan plan`` generates (None: only the planner's own candidates).
    costs: Costs | None = None
    path: str | None = None

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    def with_distance(self, distance: Literal["straight", "network"]) -> Standards:
        """A copy with every distance indicator that can be measured that way set to ``distance``.

        Network distance reaches roads and point features only; indicators measured to pipes stay straight.
        """
        cat = default_catalogue()

        def fits(ind: Indicator) -> bool:
            return ind.test == "distance" and (
                distance == "straight"
                or all(s.layer == "roads" or cat.layer(s.layer).families == ("point",) for s in ind.targets)
            )

        inds = tuple(i.model_copy(update={"distance": distance}) if fits(i) else i for i in self.indicators)
        return self.model_copy(update={"indicators": inds})

    def with_terrain(self, dem: Path) -> Standards:
        """A copy whose network walks follow the slopes of the DEM at ``dem`` (Tobler's hiking function).

        Only walking network indicators change (driving, straight lines and other tests do not); pass
        :meth:`with_distance` ("network") first to measure every indicator that can be along the roads.
        """
        if not dem.is_file():
            raise CatalogueError(f"no DEM file {dem}")
        where = str(dem.resolve())
        inds = tuple(
            i.model_copy(update={"dem": where}) if i.distance == "network" and i.mode == "walk" else i
            for i in self.indicators
        )
        return self.model_copy(update={"indicators": inds})

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(i.key for i in self.indicators)

    def indicator(self, key: str) -> Indicator:
        for ind in self.indicators:
            if ind.key == key:
                return ind
        raise KeyError(key)


def _check_against_catalogue(standards: Standards, catalogue: Catalogue) -> list[str]:
    problems: list[str] = []
    keys = standards.keys
    if len(keys) != len(set(keys)):
        problems.append(f"duplicate indicator keys: {sorted(k for k in keys if keys.count(k) > 1)}")
    for ind in standards.indicators:
        if ind.theme not in catalogue.themes:
            problems.append(f"{ind.key}: unknown theme {ind.theme!r}")
        selectors = [*ind.targets, *(s for s in (ind.nodes, ind.or_within) if s is not None)]
        if ind.test == "count":
            selectors += [Selector(layer=ind.targets[0].layer, where=w) for w in (ind.count_where, ind.plan_resolves)]
        for sel in selectors:
            if sel.layer not in catalogue.names:
                problems.append(f"{ind.key}: unknown layer {sel.layer!r}")
                continue
            spec = catalogue.layer(sel.layer)
            for fname, values in sel.where.items():
                if not spec.has_field(fname):
                    problems.append(f"{ind.key}: layer {sel.layer} has no field {fname!r}")
                    continue
                enum = spec.field(fname).enum
                allowed = catalogue.enum_values(enum) if enum else None
                for v in values:
                    if allowed is not None and v not in allowed:
                        problems.append(f"{ind.key}: {sel.layer}.{fname} has no value {v!r} (allowed: {allowed})")
        if ind.attribute and not catalogue.layer("villages").has_field(ind.attribute):
            problems.append(f"{ind.key}: villages has no field {ind.attribute!r}")
        if ind.or_attribute and not catalogue.layer("settlements").has_field(ind.or_attribute):
            problems.append(f"{ind.key}: settlements has no field {ind.or_attribute!r}")
        if ind.or_indicator is not None:
            if ind.or_indicator not in keys or keys.index(ind.or_indicator) >= keys.index(ind.key):
                problems.append(f"{ind.key}: or_indicator {ind.or_indicator!r} must name an earlier indicator")
        if ind.distance == "network":
            for sel in ind.targets:
                known = sel.layer in catalogue.names
                if known and sel.layer != "roads" and catalogue.layer(sel.layer).families != ("point",):
                    problems.append(
                        f"{ind.key}: network distance reaches roads or point features, not {sel.layer!r} "
                        "(measure it as a straight line)"
                    )
        if not math.isfinite(ind.weight):
            problems.append(f"{ind.key}: weight must be finite")
    if standards.costs is not None:
        problems += _check_costs(standards.costs, catalogue)
    return problems


def _check_costs(costs: Costs, catalogue: Catalogue) -> list[str]:
    problems = []
    classes = catalogue.enum_values("road_class")
    for cls in [*costs.road_wan_per_km, costs.link_road_class]:
        if cls not in classes:
            problems.append(f"costs: unknown road class {cls!r} (allowed: {classes})")
    if costs.road_wan_per_km and costs.link_road_class not in costs.road_wan_per_km:
        problems.append(f"costs: road_wan_per_km has no cost for the link road class {costs.link_road_class!r}")
    for layer in costs.pipe_wan_per_km:
        if layer not in catalogue.names or "line" not in catalogue.layer(layer).families:
            problems.append(f"costs: pipe_wan_per_km names {layer!r}, which is not a line layer")
    kinds = catalogue.enum_values("facility_kind")
    for kind in costs.facility_wan:
        if kind not in kinds:
            problems.append(f"costs: unknown facility kind {kind!r}")
    return problems


def parse_standards(data: dict, *, origin: str = "<standards>", catalogue: Catalogue | None = None) -> Standards:
    """Validate a parsed standards document; every problem is reported in one CatalogueError."""
    try:
        standards = Standards.model_validate({**data, "path": origin})
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            loc = list(err["loc"])
            if len(loc) >= 2 and loc[0] == "indicator" and isinstance(loc[1], int):
                items = data.get("indicator") or []
                key = items[loc[1]].get("key", f"#{loc[1] + 1}") if loc[1] < len(items) else f"#{loc[1] + 1}"
                loc = [f"indicator {key}", *loc[2:]]
            lines.append(f"{'.'.join(str(p) for p in loc)}: {err['msg']}")
        raise CatalogueError(f"standards file {origin}: " + "; ".join(lines)) from None
    problems = _check_against_catalogue(standards, catalogue or default_catalogue())
    problems += check_works(standards.works, catalogue or default_catalogue())
    if problems:
        raise CatalogueError(f"standards file {origin}: " + "; ".join(problems))
    return standards


def load_standards(path: Path | None = None, catalogue: Catalogue | None = None) -> Standards:
    """Load and check a standards file; ``None`` loads the one shipped in ``geoplan/analysis/standards.toml``.

    Raises
    ------
    CatalogueError
        When the file is missing, not TOML, or breaks a rule (unknown layer/field/enum value, bad target …).
    """
    if path is None:
        text = resources.files("geoplan.analysis").joinpath("standards.toml").read_text(encoding="utf-8")
        origin = "geoplan/analysis/standards.toml"
    else:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise CatalogueError(f"standards file {path}: cannot read ({exc.strerror})") from None
        origin = str(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CatalogueError(f"standards file {origin}: not valid TOML ({exc})") from None
    return parse_standards(data, origin=origin, catalogue=catalogue)
