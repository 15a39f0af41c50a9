"""``geoplan map`` on the demo township: overview, gap and one map per village, each loading only local files."""

from __future__ import annotations

import json
import re
from pathlib import Path

from geoplan.cli.main import main
from geoplan.layers import LayerStore

_LINK = re.compile(r"<(?:script|link)\b[^>]*?\b(?:src|href)=\"([^\"]+)\"")


def test_map_writes_every_map_for_the_demo_township(demo_data_dir: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "maps"
    before = {p: p.read_bytes() for p in demo_data_dir.glob("*.geojson")}
    assert main(["map", "--data-dir", str(demo_data_dir), "--out", str(out)]) == 0
    codes = sorted(str(c) for c in LayerStore(demo_data_dir).frame("villages")["code"])
    assert (out / "overview.html").is_file() and (out / "gaps.html").is_file()
    assert sorted(p.stem for p in (out / "villages").glob("*.html")) == codes
    for page in [out / "overview.html", out / "gaps.html", *(out / "villages").glob("*.html")]:
        html = page.read_text(encoding="utf-8")
        assert "tile.openstreetmap.org" in html  # offered in the layer control …
        assert json.dumps("无底图(离线)")[1:-1] in html  # … beside the offline "none" basemap
        for link in _LINK.findall(html):
            if link.startswith("data:image/svg+xml,"):  # the inline tab icon
                continue
            assert (page.parent / link).resolve().is_file(), (page, link)
    assert "已生成" in capsys.readouterr().out
    assert {p: p.read_bytes() for p in demo_data_dir.glob("*.geojson")} == before


def test_bad_basemap_fails_cleanly_and_writes_nothing(demo_data_dir: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "maps"
    assert main(["map", "--data-dir", str(demo_data_dir), "--out", str(out), "--basemap", "google"]) == 1
    assert "unknown basemap" in capsys.readouterr().err
    assert not out.exists()
    assert main(["map", "--data-dir", str(demo_data_dir), "--out", str(out), "--basemap", "tianditu"]) == 1
    assert not out.exists()
