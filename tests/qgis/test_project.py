"""The generated QGIS project opened by real QGIS (3.22 from Debian): every layer valid, styled, in CGCS2000."""

from __future__ import annotations

from pathlib import Path

from geoplan.cli.main import main
from geoplan.layers import LayerStore
from tests.api.conftest import LiveServer
from tests.qgis.conftest import needs_qgis, open_in_qgis

pytestmark = needs_qgis


def _titles(store: LayerStore, layer: str) -> dict[str, str]:
    return {f.name: f.zh + (f" ({f.unit})" if f.unit else "") for f in store.spec(layer).fields}


def test_geopackage_project_opens_with_every_layer_styled(demo_data_dir: Path, tmp_path: Path) -> None:
    store = LayerStore(demo_data_dir)
    out = tmp_path / "qgis" / "county.qgs"
    assert main(["qgis-project", "--out", str(out), "--source", "gpkg", "--data-dir", str(demo_data_dir)]) == 0
    assert out.with_suffix(".gpkg").exists()
    seen = open_in_qgis(out)
    assert seen["read"] and seen["crs"] == "EPSG:4490"
    layers = {info["title"]: info for info in seen["layers"].values()}
    assert set(layers) == {store.spec(n).zh for n in store.layer_names}
    for name in store.layer_names:
        info = layers[store.spec(name).zh]
        assert info["valid"] and info["provider"] == "ogr", name
        assert info["count"] == store.count(name), name
        assert [f for f in info["fields"] if f not in ("fid", "id")] == list(store.spec(name).field_names), name
        assert {k: v for k, v in info["aliases"].items() if k in _titles(store, name)} == _titles(store, name)
    roads = layers["道路"]
    assert roads["renderer"] == "categorizedSymbol" and roads["attr"] == "status"
    assert roads["categories"] == {
        "existing": "现状",
        "planned": "规划",
        "under_construction": "在建",
        "completed": "已完工",
        "candidate": "候选",
    }
    assert roads["pens"] == {
        "existing": "solid", "planned": "dash", "under_construction": "dot", "completed": "solid", "candidate": "dot",
    }  # fmt: skip
    facilities = layers["公共服务设施"]
    assert facilities["renderer"] == "RuleRenderer"
    kinds = [k.zh for k in store.catalogue.enums[store.spec("facilities").field("kind").enum or ""]]
    assert facilities["rules"] == dict.fromkeys(("现状", "规划", "在建", "已完工", "候选"), kinds)
    assert layers["行政村"]["labels"] and layers["行政村"]["renderer"] == "singleSymbol"
    # grouped by theme, reference layers (drawn underneath) last
    groups = [name for name, _ in seen["tree"]]
    assert groups[-1] == store.catalogue.themes["admin"].zh
    assert sorted(sum((ids for _, ids in seen["tree"]), [])) == sorted(f"geoplan_{n}" for n in store.layer_names)


def test_api_project_reads_every_field_through_the_api(demo_data_dir: Path, tmp_path: Path) -> None:
    """QGIS's own OAPIF provider against geoplan serve: counts match and QGIS's fields are the catalogue's."""
    store = LayerStore(demo_data_dir)
    server = LiveServer(demo_data_dir)
    try:
        out = tmp_path / "county.qgs"
        args = ["qgis-project", "--out", str(out), "--url", server.url, "--data-dir", str(demo_data_dir)]
        assert main(args) == 0
        seen = open_in_qgis(out)
    finally:
        server.stop()
    layers = {info["title"]: info for info in seen["layers"].values()}
    for name in store.layer_names:
        info = layers[store.spec(name).zh]
        assert info["valid"] and info["provider"] == "OAPIF", name
        if store.count(name) == 0:
            continue  # QGIS learns an OGC API layer's fields from its features
        assert info["count"] == store.count(name), name
        assert [f for f in info["fields"] if f != "id"] == list(store.spec(name).field_names), name
