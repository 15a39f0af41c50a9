"""Analysis results cached per data version: both scenarios and the report, recomputed only after a write.

The key is every layer's file signature (the store stats each file anyway), so a write by any process
invalidates it, exactly like the read model.
"""

from __future__ import annotations

import threading
from typing import Any

from geoplan.analysis import AnalysisResult, PlanDelta, Standards, analyse, compare, load_standards
from geoplan.config import Settings
from geoplan.layers import LayerStore

SCENARIOS = ("baseline", "plan")


class AnalysisModel:
    """``analyse`` over the store's frames, memoised until any layer file changes."""

    def __init__(self, store: LayerStore, settings: Settings) -> None:
        self.store = store
        self.settings = settings
        self._standards: Standards | None = None
        self._key: Any = None
        self._results: dict[str, Any] = {}
        self._lock = threading.Lock()

    @property
    def standards(self) -> Standards:
        if self._standards is None:
            self._standards = load_standards(self.settings.standards_path, self.store.catalogue)
        return self._standards

    def _current(self) -> dict[str, Any]:
        # file identities only: parsing every layer into features just to key the cache costs a county gigabytes
        key = tuple(self.store.signature(name) for name in self.store.layer_names)
        with self._lock:
            if key != self._key:
                self._key, self._results = key, {}
            return self._results

    def result(self, scenario: str) -> AnalysisResult:
        results = self._current()
        if scenario not in results:
            results[scenario] = analyse(self.store.frames(), self.standards, scenario)  # type: ignore[arg-type]
        return results[scenario]

    def delta(self) -> PlanDelta:
        results = self._current()
        if "delta" not in results:
            results["delta"] = compare(self.result("baseline"), self.result("plan"), self.store.frames())
        return results["delta"]
