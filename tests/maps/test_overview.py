"""The overview map, checked on the folium objects: layers, titles, styles, popups, legend, basemaps, bounds."""

from __future__ import annotations

import folium
import geopandas as gpd
import orjson
import pytest
from folium.plugins import MarkerCluster
from shapely.geometry import Point

from geoplan.errors import GeoplanError
from geoplan.layers import default_catalogue
from geoplan.maps import Display, build_overview_map
from geoplan.maps.assets import external_assets
from geoplan.maps.geojson_layer import FieldPopup, ThemedGeoJson
from geoplan.maps.page import Legend
from geoplan.maps.save import render_html

CAT = default_catalogue()


def _layers(m: folium.Map) -> dict[str, ThemedGeoJson]:
    found: dict[str, ThemedGeoJson] = {}

    def walk(el) -> None:
        for child in el._children.values():
            if isinstance(child, ThemedGeoJson):
                found[child.layer] = child
            walk(child)

    walk(m)
    return found


def test_every_catalogue_layer_is_a_group_with_the_catalogue_title(tiny_frames) -> None:
    layers = _layers(build_overview_map(tiny_frames))
    assert set(layers) == set(CAT.names)
    for name, geo in layers.items():
        assert geo.layer_name == CAT.layer(name).zh
        assert geo.overlay and geo.control


def test_english_titles_and_labels(tiny_frames) -> None:
    m = build_overview_map(tiny_frames, lang="en")
    layers = _layers(m)
    assert layers["roads"].layer_name == "Roads"
    road = next(f for f in layers["roads"].compact.features() if f["properties"]["name"] == "东中村道")
    assert road["properties"]["road_class"] == "Village road"


def test_features_carry_labels_and_style_from_the_catalogue(tiny_frames) -> None:
    layers = _layers(build_overview_map(tiny_frames))
    roads = {f["properties"]["name"]: f for f in layers["roads"].compact.features()}
    assert len(roads) == 3
    existing = roads["东中村道"]
    assert existing["properties"] == {
        "name": "东中村道",
        "status": "现状",
        "road_class": "村道",
        "surface": "硬化",
        "width_m": 4.5,
        "_s": "existing",
        "_id": str(tiny_frames["roads"].set_index("name").loc["东中村道", "id"]),  # the live editor selects by id
    }
    assert layers["roads"].feature_style(existing)["color"] == CAT.layer("roads").style["color"]
    assert "dashArray" not in layers["roads"].feature_style(existing)
    assert layers["roads"].feature_style(roads["西村道(规划)"])["dashArray"] == "8 6"
    clinic = next(f for f in layers["facilities"].compact.features() if f["properties"]["kind"] == "村卫生室")
    assert "fa-plus-square" in layers["facilities"].feature_style(clinic)["html"]
    # Only the style entries the features use are shipped to the browser.
    assert set(orjson.loads(layers["facilities"].styles_json)["table"]) == {
        "existing|clinic",
        "planned|kindergarten",
        "under_construction|public_toilet",
    }
    assert len(layers["villages"].compact.features()) == 3
    assert "_id" not in layers["villages"].compact.columns  # reference layers are not edited from the map
    assert len(layers["settlements"].compact.features()) == 4


def test_popups_use_chinese_field_labels_with_units(tiny_frames) -> None:
    roads = _layers(build_overview_map(tiny_frames))["roads"]
    popup = next(c for c in roads._children.values() if isinstance(c, FieldPopup))
    assert popup.title == "道路"
    aliases = dict(zip(popup.fields, popup.aliases, strict=True))
    assert aliases["width_m"] == "路面宽度(m)"
    assert aliases["budget_wan"] == "投资(万元)"
    assert "version" not in aliases and "updated_at" not in aliases


def test_legend_basemaps_scale_and_bounds(tiny_frames) -> None:
    m = build_overview_map(tiny_frames, basemap="osm")
    legend = next(c for c in m._children.values() if isinstance(c, Legend))
    groups = [g for g, _ in legend.groups]
    assert groups[0] == "行政村" and "道路" in groups and "农房" not in groups  # empty layers have no legend entry
    tiles = [c for c in m._children.values() if isinstance(c, folium.TileLayer)]
    assert [t.tile_name for t in tiles] == ["OpenStreetMap", "卫星影像"]
    assert tiles[0].show and not tiles[1].show
    villages = tiny_frames["villages"].total_bounds
    html = m.get_root().render()
    assert "L.control.scale({metric: true, imperial: false" in html  # metres only: no miles on a Chinese plan
    assert "L.control.scale()" not in html
    assert f"[{villages[1]}, {villages[0]}], [{villages[3]}, {villages[2]}]" in html


def test_tianditu_only_with_a_key(tiny_frames) -> None:
    with pytest.raises(GeoplanError, match="GEOPLAN_TIANDITU_KEY"):
        build_overview_map(tiny_frames, basemap="tianditu")
    m = build_overview_map(tiny_frames, basemap="tianditu", tianditu_key="k123")
    tiles = [c for c in m._children.values() if isinstance(c, folium.TileLayer)]
    assert tiles[0].tile_name == "天地图" and "tk=k123" in tiles[0].tiles
    with pytest.raises(GeoplanError, match="unknown basemap"):
        build_overview_map(tiny_frames, basemap="google")


def test_rendered_html_loads_nothing_from_the_internet(tiny_frames) -> None:
    html = render_html(build_overview_map(tiny_frames), "/static/vendor")
    assert external_assets(html) == []
    assert "/static/vendor/font-awesome/css/font-awesome.min.css" in html


def test_compact_embedding_is_smaller_than_folium_default(tiny_frames) -> None:
    geo = _layers(build_overview_map(tiny_frames))["roads"]
    plain = folium.GeoJson(tiny_frames["roads"])
    ours = len(geo.data_json)
    theirs = len(orjson.dumps(plain.data))
    assert ours < theirs / 2


def test_large_icon_layers_are_clustered_and_large_point_layers_drawn_on_canvas(tiny_frames) -> None:
    many = gpd.GeoDataFrame(
        {"name": [f"点{i}" for i in range(30)], "status": "existing", "kind": "clinic", "households": 10},
        geometry=[Point(111.0 + i * 0.001, 30.0) for i in range(30)],
        crs="EPSG:4326",
    )
    frames = dict(tiny_frames, facilities=many, settlements=many)
    m = build_overview_map(frames, display=Display(cluster_above=20, canvas_above=20))
    clusters = [c for c in m._children.values() if isinstance(c, MarkerCluster)]
    assert [c.layer_name for c in clusters] == ["公共服务设施"]
    assert _layers(m)["settlements"].canvas is True
    assert _layers(m)["roads"].canvas is False


def test_dense_areas_and_lines_use_the_canvas_and_detail_layers_wait_for_their_zoom(tiny_frames) -> None:
    houses = gpd.GeoDataFrame(
        {"households": [1] * 30, "use": "residential"},
        geometry=[Point(111.0 + i * 0.0005, 30.0).buffer(0.00005) for i in range(30)],
        crs="EPSG:4326",
    )
    m = build_overview_map(dict(tiny_frames, buildings=houses), display=Display(canvas_above=20))
    layers = _layers(m)
    opts = orjson.loads(layers["buildings"].opts_json)
    assert opts["canvas"] is True and opts["minZoom"] == CAT.layer("buildings").style["min_zoom"] == 15
    assert layers["roads"].canvas is False and "minZoom" not in orjson.loads(layers["roads"].opts_json)
    # Few villages: SVG as before, with their names as labels.
    assert layers["villages"].canvas is False and orjson.loads(layers["villages"].opts_json)["label"] == "name"


def test_village_labels_sit_inside_their_village(tiny_frames) -> None:
    villages = _layers(build_overview_map(tiny_frames))["villages"]
    frame = tiny_frames["villages"]
    for feature, (_, row) in zip(villages.compact.features(), frame.iterrows(), strict=True):
        lon, lat = feature["properties"]["_l"]
        assert row.geometry.contains(Point(lon, lat)), row["name"]
    # Only the labelled layer pays for anchors.
    roads = _layers(build_overview_map(tiny_frames))["roads"]
    assert all("_l" not in f["properties"] for f in roads.compact.features())


def test_served_maps_load_detail_layers_from_the_api_instead_of_embedding_them(tiny_frames) -> None:
    houses = gpd.GeoDataFrame(
        {"households": [1] * 5, "use": "residential", "has_tap": True},
        geometry=[Point(111.0 + i * 0.0005, 30.0).buffer(0.00005) for i in range(5)],
        crs="EPSG:4326",
    )
    frames = dict(tiny_frames, buildings=houses)
    served = _layers(build_overview_map(frames, display=Display(detail_api="/gp")))["buildings"]
    opts = orjson.loads(served.opts_json)
    assert opts["items"] == "/gp/collections/buildings/items" and opts["minZoom"] == 15
    assert opts["values"]["use"]["residential"] == "住宅" and opts["values"]["has_tap"] == {"true": "是", "false": "否"}
    assert len(served.compact) == 0  # nothing embedded
    embedded = _layers(build_overview_map(frames))["buildings"]
    assert len(embedded.compact) == 5 and "items" not in orjson.loads(embedded.opts_json)
    # Other layers are embedded as before on a served map.
    assert len(_layers(build_overview_map(frames, display=Display(detail_api="")))["roads"].compact) == 3
