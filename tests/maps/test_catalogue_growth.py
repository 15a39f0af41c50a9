"""Maps follow the catalogue they are given: deployment kinds get icons and legend rows; mixed layers; water."""

from __future__ import annotations

from pathlib import Path

import folium
from shapely.geometry import Point, box

from geoplan.layers import LayerStore, default_catalogue
from geoplan.layers.catalogue import load_catalogue
from geoplan.maps import build_overview_map
from geoplan.maps.geojson_layer import ThemedGeoJson
from geoplan.maps.page import Legend
from tests.conftest import DEPLOYMENT_KINDS
from tests.maps.conftest import X0, Y0, _feature, fill_store


def _themed(el) -> list[ThemedGeoJson]:
    found = []
    for child in el._children.values():
        if isinstance(child, ThemedGeoJson):
            found.append(child)
        found += _themed(child)
    return found


def _legend(m: folium.Map) -> dict[str, list[tuple[str, str]]]:
    legend = next(c for c in m._children.values() if isinstance(c, Legend))
    return dict(legend.groups)


def test_deployment_kinds_are_drawn_with_their_icons_and_listed_in_the_legend(
    deployment_catalogue_file: Path, tmp_path: Path
) -> None:
    cat = load_catalogue(deployment_catalogue_file)
    data = tmp_path / "d"
    data.mkdir()
    store = fill_store(LayerStore(data, cat))
    store.insert_many(
        "facilities",
        [
            _feature(Point(X0 + 100 + 80 * i, Y0 + 200), name=zh, status="existing", kind=value)
            for i, (value, zh, _, _) in enumerate(DEPLOYMENT_KINDS)
        ],
    )
    m = build_overview_map(store.frames(), cat)
    [facilities] = [g for g in _themed(m) if g.layer == "facilities"]
    for value, _, _, icon in DEPLOYMENT_KINDS:
        html = facilities.feature_style({"properties": {"_s": f"existing|{value}"}})["html"]
        assert f"fa-{icon}" in html
        assert f"existing|{value}" in facilities.styles_json
    rows = [label for _, label in _legend(m)["公共服务设施"]]
    assert {zh for _, zh, _, _ in DEPLOYMENT_KINDS} <= set(rows)
    assert "村卫生室" in rows and "幼儿园" in rows  # kinds on the map
    assert "水厂" not in rows  # declared but not on this map: no legend row
    html = m.get_root().render()
    assert "戏台" in html and "fa-music" in html


def test_houses_as_points_and_outlines_are_one_layer_entry_styled_per_family(tiny_store: LayerStore) -> None:
    tiny_store.insert_many(
        "buildings",
        [
            _feature(box(X0 + 100, Y0 + 100, X0 + 112, Y0 + 110), households=1, use="residential"),
            _feature(Point(X0 + 300, Y0 + 300), households=2, use="residential"),
            _feature(Point(X0 + 320, Y0 + 300), households=1, use="residential"),
        ],
    )
    m = build_overview_map(tiny_store.frames())
    groups = [c for c in m._children.values() if isinstance(c, folium.FeatureGroup) and c.layer_name == "农房"]
    assert len(groups) == 1 and groups[0].control
    parts = {(g.marker, len(g.compact)) for g in _themed(groups[0])}
    assert parts == {(None, 1), ("circle", 2)}
    assert all(not g.control for g in _themed(groups[0]))
    swatches = [symbol for symbol, _ in _legend(m)["农房"]]
    assert any("gp-sw-a" in s for s in swatches) and any("gp-sw-p" in s for s in swatches)


def test_the_demo_water_bodies_are_drawn_as_areas_in_the_catalogue_colour(demo_store: LayerStore) -> None:
    m = build_overview_map(demo_store.frames())
    [water] = [g for g in _themed(m) if g.layer == "water_bodies"]
    spec = default_catalogue().layer("water_bodies")
    assert len(water.compact) == demo_store.count("water_bodies") > 0
    assert {f["geometry"]["type"] for f in water.compact.features()} <= {"Polygon", "MultiPolygon"}
    assert water.style_spec.default["fillColor"] == spec.style["fill"]
    assert water.layer_name == "水域" and "水域" in _legend(m)
    lines = {g.layer for g in _themed(m)}
    assert {"utility_lines", "farmland_projects"} <= lines


def test_an_imported_water_polygon_file_and_house_points_are_drawn(tiny_store: LayerStore, tmp_path: Path) -> None:
    """Issue 9: water polygons (类型 河流/山塘) and house points imported from planners' files are on the map."""
    import json

    from geoplan.transfer import ImportOptions, import_file

    def file(name: str, features: list[dict]) -> Path:
        path = tmp_path / name
        path.write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False), "utf-8")
        return path

    water = [
        _feature(box(X0 + 100, Y0 + 100, X0 + 400, Y0 + 160), 名称="青岩河", 类型="河流"),
        _feature(box(X0 + 500, Y0 + 500, X0 + 540, Y0 + 530), 名称="堰塘", 类型="山塘"),
    ]
    houses = [_feature(Point(X0 + 300 + 15 * k, Y0 + 300), 户数=1, 用途="住宅") for k in range(3)]
    import_file(tiny_store, file("water.geojson", water), ImportOptions("water_bodies", crs="wgs84"))
    import_file(tiny_store, file("houses.geojson", houses), ImportOptions("buildings", crs="wgs84"))
    m = build_overview_map(tiny_store.frames())
    [drawn] = [g for g in _themed(m) if g.layer == "water_bodies"]
    assert sorted(f["geometry"]["type"] for f in drawn.compact.features()) == ["Polygon", "Polygon"]
    assert "水域" in _legend(m)
    points = [g for g in _themed(m) if g.layer == "buildings" and g.marker == "circle"]
    assert len(points) == 1 and len(points[0].compact) == 3
