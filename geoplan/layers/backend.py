"""The store interface every backend implements, and the one place that picks a backend.

GeoJSON files in a directory (:class:`geoplan.layers.store.LayerStore`) are the default: nothing to install,
diffable, what the demo runs on.  A county office with several planners, servers and QGIS desktops keeps its
layers in PostgreSQL/PostGIS instead (:class:`geoplan.layers.pgstore.PostgisStore`), chosen by
``GEOPLAN_DATABASE_URL`` or ``--database-url``.  The API, the analysis and the CLI only see :class:`Store`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Hashable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    import geopandas as gpd

    from geoplan.config import Settings
    from geoplan.layers.catalogue import Catalogue, LayerSpec
    from geoplan.layers.pgquery import FeatureQuery
    from geoplan.layers.store import ChangeSummary, FileReport, LayerSnapshot, Version, WriteResult
    from geoplan.layers.survey import Survey


@runtime_checkable
class Store(Protocol):
    """Layers validated and versioned through the catalogue, with a change log (history, restore, undo)."""

    catalogue: Catalogue
    max_vertices: int

    @property
    def layer_names(self) -> tuple[str, ...]: ...

    def spec(self, layer: str) -> LayerSpec: ...

    # reads
    def snapshot(self, layer: str) -> LayerSnapshot:
        """The whole layer now; cached until it changes (``snapshot.signature`` says which version it is)."""
        ...

    def signature(self, layer: str) -> Hashable | None:
        """A cheap key of the layer's current version (None: no data), for caches above the store."""
        ...

    def features(self, layer: str) -> list[dict[str, Any]]: ...

    def frame(self, layer: str, anchors: bool = False) -> gpd.GeoDataFrame: ...

    def frames(self, anchors: Collection[str] = ()) -> dict[str, gpd.GeoDataFrame]: ...

    def get(self, layer: str, fid: str) -> dict[str, Any]: ...

    def count(self, layer: str) -> int: ...

    # writes: each one change, all or nothing
    def insert(
        self, layer: str, feature: dict[str, Any], *, actor: str | None = None, change: str | None = None
    ) -> dict[str, Any]: ...

    def insert_many(
        self,
        layer: str,
        features: Sequence[dict[str, Any]],
        *,
        actor: str | None = None,
        op: str = "import",
        message: str | None = None,
        row_numbers: Sequence[int] | None = None,
        survey: Survey | Callable[[Survey], Survey] | None = None,
    ) -> WriteResult: ...

    def replace(
        self,
        layer: str,
        fid: str,
        feature: dict[str, Any],
        *,
        if_match: int | None = None,
        actor: str | None = None,
        change: str | None = None,
    ) -> dict[str, Any]: ...

    def patch(
        self,
        layer: str,
        fid: str,
        patch: dict[str, Any],
        *,
        if_match: int | None = None,
        actor: str | None = None,
        change: str | None = None,
    ) -> dict[str, Any]: ...

    def delete(
        self,
        layer: str,
        fid: str,
        *,
        if_match: int | None = None,
        actor: str | None = None,
        change: str | None = None,
    ) -> None: ...

    # data coverage
    def survey(self, layer: str) -> Survey: ...

    def set_survey(
        self,
        layer: str,
        survey: Survey,
        *,
        actor: str | None = None,
        if_match: str | None = None,
        change: str | None = None,
    ) -> str: ...

    def write_change(
        self,
        inserts: dict[str, Sequence[dict[str, Any]]],
        replaces: dict[str, Sequence[dict[str, Any]]] | None = None,
        *,
        actor: str | None = None,
        op: str = "plan",
        message: str | None = None,
    ) -> WriteResult:
        """Features of several layers written as one change (one undo)."""
        ...

    # history
    def history(self, layer: str, fid: str) -> list[Version]: ...

    def restore(self, layer: str, fid: str, version: int, *, actor: str | None = None) -> dict[str, Any]: ...

    def changes(self, layer: str | None = None) -> list[ChangeSummary]: ...

    def undo(
        self, change: str | None = None, *, actor: str | None = None, only_if_current: bool = False
    ) -> ChangeSummary: ...

    def validate_files(self, paths: Iterable[Path] | None = None) -> FileReport: ...


@runtime_checkable
class SqlReads(Protocol):
    """A store that answers feature queries itself (PostGIS): the API then holds no copy of the layer."""

    def query(
        self, layer: str, q: FeatureQuery, *, count: bool = True, seconds: float | None = None
    ) -> tuple[list[tuple[Any, ...]], int | None]:
        """The selected features as rows (``row_order``, id, each field's GeoJSON value, WKB), and how many match."""
        ...

    def extent(self, layer: str) -> tuple[tuple[float, float, float, float] | None, tuple[int, int] | None]:
        """The layer's bounds (CRS84) and first/last project year."""
        ...


def open_store(settings: Settings, catalogue: Catalogue | None = None) -> Store:
    """The store the settings name: PostGIS when a database URL is set, else the layer files in ``data_dir``."""
    from geoplan.layers.catalogue import load_catalogue

    catalogue = catalogue or load_catalogue(settings.catalogue_path)
    if settings.database_url:
        from geoplan.layers.pgstore import PostgisStore

        return PostgisStore(settings.database_url, catalogue, max_vertices=settings.max_vertices)
    from geoplan.layers.store import LayerStore

    return LayerStore(settings.data_dir, catalogue, max_vertices=settings.max_vertices)
