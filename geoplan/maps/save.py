"""Writing a built map to disk so it opens offline: assets copied beside the HTML, never fetched from a CDN."""

from __future__ import annotations

import os
import re
from pathlib import Path

from branca.element import Element

from geoplan.maps.assets import FILE_BASE_URL, LIVE_BASE_URL, MapAssetUnknown, copy_assets, external_assets, localise


def render_html(m: Element, base_url: str = LIVE_BASE_URL) -> str:
    """The map's HTML with every script and stylesheet loaded from ``base_url`` (checked: nothing external)."""
    localise(m, base_url)
    # Template indentation is a tenth of a small map's bytes; it means nothing to a browser.
    html = re.sub(r"\n[ \t]+", "\n", m.get_root().render())
    outside = external_assets(html)
    if outside:
        raise MapAssetUnknown(f"map would load {', '.join(outside)} from the internet")
    return html


def save_map(m: Element, path: Path, assets_dir: Path, vendor_dir: Path | None = None) -> Path:
    """Write ``m`` to ``path``, its assets copied to ``vendor_dir`` (default ``vendor/`` beside it) and linked
    relatively, so the folder can be copied to a machine without internet and opened from disk."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    vendor_dir = Path(vendor_dir) if vendor_dir is not None else path.parent / FILE_BASE_URL
    html = render_html(m, Path(os.path.relpath(vendor_dir, path.parent)).as_posix())
    copy_assets(assets_dir, vendor_dir)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(html, encoding="utf-8")
    tmp.replace(path)
    return path
