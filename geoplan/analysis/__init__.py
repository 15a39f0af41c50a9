"""Domain tier: village coverage and gap indicators, scenarios, composite scores and the plan delta.

Pure functions over GeoDataFrames (EPSG:4326 in, metres in a local projected CRS inside); no web or map code.
Every threshold, target and weight comes from a standards file (:func:`load_standards`).
"""

from geoplan.analysis.delta import compare
from geoplan.analysis.engine import analyse, prepare
from geoplan.analysis.inputs import Prepared, point_layers
from geoplan.analysis.reasons import REASON_TEXTS, Reason, reason_text
from geoplan.analysis.result import AnalysisResult, PlanDelta
from geoplan.analysis.standards import (
    STATUS_LABELS,
    STATUSES,
    Indicator,
    Standards,
    load_standards,
    status_label,
)

__all__ = [
    "REASON_TEXTS",
    "STATUSES",
    "STATUS_LABELS",
    "AnalysisResult",
    "Indicator",
    "PlanDelta",
    "Prepared",
    "Reason",
    "Standards",
    "analyse",
    "compare",
    "load_standards",
    "point_layers",
    "prepare",
    "reason_text",
    "status_label",
]
