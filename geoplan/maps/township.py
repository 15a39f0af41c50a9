"""The township's maps from a store and settings — the one recipe that ``geoplan map`` and the API share."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import folium
import geopandas as gpd

from geoplan.analysis import AnalysisResult, analyse, load_standards, prepare
from geoplan.config import Settings
from geoplan.layers import LayerStore
from geoplan.maps.gap import build_gap_map
from geoplan.maps.layers import DEFAULT_DISPLAY, Display
from geoplan.maps.overview import build_overview_map
from geoplan.maps.village import build_village_map


@dataclass
class TownshipMaps:
    """Builds the overview, gap and village maps of one store, reading the layers and analysing them once."""

    store: LayerStore
    settings: Settings
    basemap: str = "none"
    display: Display = DEFAULT_DISPLAY

    @cached_property
    def frames(self) -> dict[str, gpd.GeoDataFrame]:
        return self.store.frames()

    @cached_property
    def results(self) -> tuple[AnalysisResult, AnalysisResult]:
        standards = load_standards(self.settings.standards_path, self.store.catalogue)
        prepared = prepare(self.frames)  # once for both scenarios
        cat = self.store.catalogue
        return analyse(prepared, standards, "baseline", catalogue=cat), analyse(
            prepared, standards, "plan", catalogue=cat
        )

    def _common(self) -> dict:
        return {
            "basemap": self.basemap,
            "lang": self.settings.lang,
            "tianditu_key": self.settings.tianditu_key,
            "display": self.display,
        }

    def overview(self) -> folium.Map:
        return build_overview_map(self.frames, self.store.catalogue, **self._common())

    def gaps(self, proposal: Mapping[str, Any] | None = None) -> folium.Map:
        """The gap map; ``proposal`` (a budget plan's projects) is drawn as its own layer when given."""
        baseline, plan = self.results
        return build_gap_map(self.frames, baseline, plan, self.store.catalogue, proposal=proposal, **self._common())

    def village(self, code: str) -> folium.Map:
        baseline, plan = self.results
        return build_village_map(self.frames, code, baseline, plan, self.store.catalogue, **self._common())

    def village_codes(self) -> Iterator[tuple[str, str]]:
        villages = self.frames.get("villages")
        if villages is None:
            return
        for row in villages.itertuples():
            yield str(row.code), str(row.name)
