"""The analysis follows a deployment catalogue: its kinds read in Chinese in the reasons, its project layers are in
the plan-effect table, and a county standards file may measure them.

The grid township (tests/analysis/conftest.py) plus the county catalogue of tests/conftest.py (ten facility kinds,
a ``heritage_sites`` project layer).  Two indicators are added to the shipped standards:

- ``library_1km``: households within 1 km of a 农家书屋 (``library``, a deployment kind); the data has none, so the
  reason must name 农家书屋, not ``library``;
- ``heritage_500m``: households within 500 m of a heritage site (the deployment layer).  One planned site at
  (2500, 500) in C, surveyed in C only: A and B are 未评估 "本村未调查文物保护单位"; in C it newly covers C1 (30 户,
  0 m away) and not C2 (2900, 900: √(400²+400²) = 566 m > 500 m).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from geoplan.analysis import analyse, compare, load_standards
from geoplan.layers import LayerStore
from geoplan.layers.catalogue import load_catalogue
from geoplan.layers.survey import Survey
from geoplan.reports.build import build_report, write_report
from tests.analysis.conftest import CODES, feature, point, write_grid

A, B, C = CODES["A"], CODES["B"], CODES["C"]
SHIPPED = Path(__file__).resolve().parents[2] / "geoplan" / "analysis" / "standards.toml"
EXTRA = """
[[indicator]]
key = "library_1km"
name_zh = "农家书屋1公里覆盖率"
name_en = "Households within 1 km of a village library"
theme = "public_service"
test = "distance"
basis = "households"
targets = [{ layer = "facilities", where = { kind = ["library"] } }]
threshold_m = 1000
target = 1.0
weight = 1
gap_unit = "户"
provenance = "A"
source = "县级部署目录的测试指标"

[[indicator]]
key = "heritage_500m"
name_zh = "文保单位500米覆盖率"
name_en = "Households within 500 m of a heritage site"
theme = "culture"
test = "distance"
basis = "households"
targets = [{ layer = "heritage_sites" }]
threshold_m = 500
target = 1.0
weight = 1
gap_unit = "户"
provenance = "A"
source = "县级部署目录的测试指标"
"""


@pytest.fixture
def county(tmp_path: Path, deployment_catalogue_file: Path):
    catalogue = load_catalogue(deployment_catalogue_file)
    store = write_grid(LayerStore(tmp_path / "data", catalogue))
    site = feature("site-C", point(2500, 500), name="丙村古戏台", status="planned", grade="县级", budget_wan=60.0)
    store.insert_many("heritage_sites", [site], survey=Survey("villages", (C,)))
    standards_file = tmp_path / "county-standards.toml"
    standards_file.write_text(SHIPPED.read_text(encoding="utf-8") + EXTRA, encoding="utf-8")
    return store, load_standards(standards_file, catalogue)


def _row(result, indicator: str, code: str):
    t = result.indicators
    return t[(t["indicator"] == indicator) & (t["village_code"] == code)].iloc[0]


def test_reasons_name_deployment_kinds_and_layers_by_their_labels(county) -> None:
    store, standards = county
    zh = analyse(store.frames(), standards, catalogue=store.catalogue)
    en = analyse(store.frames(), standards, lang="en", catalogue=store.catalogue)
    assert _row(zh, "library_1km", A)["reason"] == "数据中没有农家书屋要素 (facilities: library)"
    assert _row(en, "library_1km", A)["reason"] == "no Village library in the data (facilities: library)"
    for code in (A, B):
        assert _row(zh, "heritage_500m", code)["reason"] == "本村未调查文物保护单位"
        assert _row(en, "heritage_500m", code)["reason"] == "Heritage sites not surveyed in this village"
    # C is assessed: in the baseline nothing is within 500 m (the site is only planned)
    assert _row(zh, "heritage_500m", C)["status"] == "not_met"
    assert _row(zh, "heritage_500m", C)["value"] == 0.0


def test_deployment_layer_projects_are_in_the_plan_effect_table(county, tmp_path: Path) -> None:
    store, standards = county
    frames = store.frames()
    base = analyse(frames, standards, catalogue=store.catalogue)
    plan = analyse(frames, standards, "plan", catalogue=store.catalogue)
    assert _row(plan, "heritage_500m", C)["value"] == pytest.approx(30 / 40)  # C1 covered, C2 566 m away
    delta = compare(base, plan, frames, store.catalogue)
    p = delta.projects.set_index("id")
    assert p.loc["site-C", "layer"] == "heritage_sites"
    assert p.loc["site-C", "newly_covered_households"] == 30
    assert p.loc["site-C", "villages"] == C
    assert p.loc["site-C", "cost_per_household_wan"] == pytest.approx(60.0 / 30)
    v = delta.villages.set_index(["village_code", "indicator"])
    assert v.loc[(C, "heritage_500m"), "newly_covered_households"] == 30
    # the report shows it with the layer's Chinese title, and the reasons with the kind's label
    report = build_report(frames, standards, catalogue=store.catalogue)
    md = next(p for p in write_report(report, "md", tmp_path / "out") if p.suffix == ".md").read_text("utf-8")
    assert "文物保护单位" in md and "丙村古戏台" in md
    assert "数据中没有农家书屋要素" in md
