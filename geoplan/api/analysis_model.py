"""Analysis results cached per data version: both scenarios and the report, recomputed only after a write.

The key is every layer's file signature (the store stats each file anyway), so a write by any process
invalidates it, exactly like the read model.
"""

from __future__ import annotations

import threading
from typing import Any

from fastapi import Request

from geoplan.analysis import AnalysisResult, PlanDelta, Standards, analyse, compare, load_standards, prepare
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

    def result(self, scenario: str, lang: str = "zh") -> AnalysisResult:
        """One scenario's result; ``lang`` is the language of the not-assessed reasons."""
        results = self._current()
        if (scenario, lang) not in results:
            if "prepared" not in results:  # once per data version for every scenario (not a fingerprint each)
                results["prepared"] = prepare(self.store.frames())
            cat = self.store.catalogue
            results[(scenario, lang)] = analyse(  # type: ignore[arg-type]
                results["prepared"], self.standards, scenario, lang=lang, catalogue=cat
            )
        return results[(scenario, lang)]

    def delta(self, lang: str = "zh") -> PlanDelta:
        results = self._current()
        if ("delta", lang) not in results:
            frames = self.store.frames()
            results[("delta", lang)] = compare(
                self.result("baseline", lang), self.result("plan", lang), frames, self.store.catalogue
            )
        return results[("delta", lang)]


def analysis_model(request: Request) -> AnalysisModel:
    """The app's one model (analyses shared by /villages, /gaps, the gap maps and the reports)."""
    model = getattr(request.app.state, "analysis", None)
    if model is None:
        model = request.app.state.analysis = AnalysisModel(request.app.state.store, request.app.state.settings)
    return model
