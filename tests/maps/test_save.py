"""Saved maps open from disk without internet: every script and stylesheet resolves to a file beside them."""

from __future__ import annotations

import re
from pathlib import Path

from geoplan.maps import build_overview_map
from geoplan.maps.save import save_map

_LINK = re.compile(r"<(?:script|link)\b[^>]*?\b(?:src|href)=\"([^\"]+)\"")


def test_saved_map_links_only_files_that_exist(tiny_frames, assets_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "maps"
    top = save_map(build_overview_map(tiny_frames), out / "overview.html", assets_dir)
    nested = save_map(build_overview_map(tiny_frames), out / "villages" / "x.html", assets_dir, out / "vendor")
    for page in (top, nested):
        links = _LINK.findall(page.read_text(encoding="utf-8"))
        assert len(links) >= 8
        for link in links:
            if link.startswith("data:image/svg+xml,"):  # the tab icon is inline: no file, no request
                continue
            assert not link.startswith(("http:", "https:", "//", "/")), link
            assert (page.parent / link).resolve().is_file(), link
    assert not (out / "villages" / "vendor").exists()
    assert not list(out.rglob("*.tmp"))
