"""One village's map: only its features, zoomed to it, with its indicator table."""

from __future__ import annotations

import pytest

from geoplan.analysis import analyse, load_standards
from geoplan.maps.geojson_layer import ThemedGeoJson
from geoplan.maps.village import IndicatorPanel, VillageNotFound, build_village_map, village_frames
from tests.maps.conftest import VILLAGE_CODES

WEST = VILLAGE_CODES[2]


def test_village_frames_keep_what_is_assigned_to_or_inside_the_village(tiny_frames) -> None:
    own = village_frames(tiny_frames, WEST)
    assert list(own["villages"]["name"]) == ["西村"]
    assert sorted(own["settlements"]["name"]) == ["西村一组", "西村二组"]
    # The existing road ends on the west village's boundary (x = 2 km) and so touches it; the other two lie in it.
    assert sorted(own["roads"]["name"]) == ["东中村道", "西村组道", "西村道(规划)"]
    assert list(own["facilities"]["name"]) == []
    assert list(own["reservoirs"]["name"]) == ["西村水库"]


def test_unknown_village_is_a_clear_error(tiny_frames) -> None:
    with pytest.raises(VillageNotFound, match="000000000000"):
        build_village_map(tiny_frames, "000000000000")


def test_village_map_has_its_layers_and_indicator_table(tiny_frames) -> None:
    standards = load_standards()
    baseline = analyse(tiny_frames, standards, "baseline")
    plan = analyse(tiny_frames, standards, "plan")
    m = build_village_map(tiny_frames, WEST, baseline, plan)
    layers = {c.layer: c for c in m._children.values() if isinstance(c, ThemedGeoJson)}
    assert len(layers["settlements"].compact.features()) == 2
    panel = next(c for c in m._children.values() if isinstance(c, IndicatorPanel))
    assert panel.html.startswith("<h4>西村 · 指标表</h4>")
    assert "<td>自来水普及率</td><td>0.0%</td><td>96.0%</td>" in panel.html  # as the report writes them
    assert '<span class="gp-not_met">未达标</span>' in panel.html
    assert "<td>0.4km</td>" in panel.html
    # the same wording as the gap report's tables
    from geoplan.reports.numbers import count, value

    assert f"<td>{value(0.0, '%')}</td><td>{value(0.96, '%')}</td>" in panel.html
    assert f"<td>{count(0.4, 'km')}</td>" in panel.html  # 500 m from the paved road = 400 m beyond the 100 m threshold
    bounds = tiny_frames["villages"][tiny_frames["villages"]["code"] == WEST].total_bounds
    assert f"[{bounds[1]}, {bounds[0]}], [{bounds[3]}, {bounds[2]}]" in m.get_root().render()


def test_village_boundary_is_bold_and_the_page_has_title_lang_and_icon(tiny_frames) -> None:
    from geoplan.maps.village import BOUNDARY_STYLE, build_village_map

    m = build_village_map(tiny_frames, "420500100201")
    html = m.get_root().render()
    assert BOUNDARY_STYLE["weight"] >= 4 and '"weight": 4' in html and BOUNDARY_STYLE["color"] in html
    assert "本村边界" in html  # and in the legend
    assert '<html lang="zh-CN">' in html and "<title>东村 · 村庄地图 · geoplan</title>" in html
    assert '<link rel="icon" href="data:image/svg+xml,' in html
