"""Browser assets served by geoplan itself, so a map works on an intranet without internet.

Folium links Leaflet, jQuery, Bootstrap, Font Awesome and its plugins from public CDNs, which township offices
often cannot reach.  The same files come from the npm registry at install time (``npm ci --ignore-scripts`` in
the repository root, pinned by ``package.json``/``package-lock.json``); nothing third-party is committed.  This
module maps every CDN asset folium asks for to its local copy and rewrites a built map to use it: relative
``vendor/…`` URLs for files written by ``geoplan map`` (copied beside the HTML), ``/static/vendor/…`` on the
live API.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from geoplan.errors import GeoplanError
from geoplan.npm_assets import (  # noqa: F401  (re-exported: the maps' view of the shipped assets)
    ASSET_DIRS,
    INSTALL_HINT,
    LOCAL_ASSETS,
    SERVED_SUFFIXES,
    Asset,
    candidate_dirs,
    map_assets,
)

if TYPE_CHECKING:
    from branca.element import Element

#: Where the live API serves the vendored files.
LIVE_BASE_URL = "/static/vendor"
#: Where ``geoplan map`` puts them, relative to the HTML files.
FILE_BASE_URL = "vendor"


class MapAssetsMissing(GeoplanError):
    """The vendored browser assets are not installed, so a map would load nothing."""


class MapAssetUnknown(GeoplanError):
    """A map element asks for a CDN asset geoplan has no local copy of (a map must never reach the internet)."""


def find_assets_dir(explicit: Path | None = None, env: Mapping[str, str] | None = None) -> Path:
    """The folder holding every asset (the wheel's copy or a node_modules), else :class:`MapAssetsMissing`."""
    env = os.environ if env is None else env
    tried = [Path(explicit)] if explicit is not None else list(candidate_dirs(env))
    for root in tried:
        if all((root / a.relpath).exists() for a in required_assets()):
            return root
    missing = ", ".join(str(p) for p in tried)
    raise MapAssetsMissing(f"map assets (Leaflet etc.) not found in {missing}: {INSTALL_HINT}")


def required_assets() -> list[Asset]:
    """Every file and folder a geoplan map may load."""
    return map_assets()


def _walk(element: Element) -> Iterator[Element]:
    yield element
    for child in list(element._children.values()):
        yield from _walk(child)


def localise(root: Element, base_url: str) -> Element:
    """Point every CDN script and stylesheet of ``root`` (a map and all its children) at ``base_url``.

    Raises :class:`MapAssetUnknown` for an asset without a local copy, so a new folium element can never
    silently pull a file from the internet.
    """
    base = base_url.rstrip("/")
    for element in _walk(root):
        for attr in ("default_js", "default_css"):
            declared = getattr(element, attr, None)
            if not declared:
                continue
            local: list[tuple[str, str]] = []
            for name, url in declared:
                if not re.match(r"^(https?:)?//", url):
                    local.append((name, url))
                    continue
                if name not in LOCAL_ASSETS:
                    raise MapAssetUnknown(f"{type(element).__name__} loads {name} from {url}; no local copy declared")
                asset = LOCAL_ASSETS[name]
                if asset is not None:
                    local.append((name, f"{base}/{asset.relpath}"))
            setattr(element, attr, local)
    return root


_TAG_URL = re.compile(r"<(?:script|link)\b[^>]*?\b(?:src|href)\s*=\s*[\"']([^\"']+)[\"']", re.IGNORECASE)


def external_assets(html: str) -> list[str]:
    """Scripts and stylesheets in ``html`` that would be fetched from another host."""
    return [url for url in _TAG_URL.findall(html) if re.match(r"^(https?:)?//", url)]


def copy_assets(assets_dir: Path, target: Path) -> list[Path]:
    """Copy the vendored files a map needs into ``target`` (e.g. ``maps/vendor``); returns the files written."""
    written: list[Path] = []
    for asset in required_assets():
        src = assets_dir / asset.relpath
        dst = target / asset.relpath
        if src.is_dir():
            for f in sorted(src.rglob("*")):
                if f.is_file() and f.suffix in SERVED_SUFFIXES:
                    written.append(_copy(f, target / asset.package / f.relative_to(assets_dir / asset.package)))
        else:
            written.append(_copy(src, dst))
    return written


def _copy(src: Path, dst: Path) -> Path:
    dst.parent.mkdir(parents=True, exist_ok=True)
    if not dst.exists() or dst.stat().st_size != src.stat().st_size or dst.stat().st_mtime < src.stat().st_mtime:
        shutil.copy2(src, dst)
    return dst


def vendor_file(assets_dir: Path, relpath: str) -> Path | None:
    """The file behind ``/static/vendor/<relpath>``, or None unless it is one of the assets a map may load."""
    if Path(relpath).suffix not in SERVED_SUFFIXES:
        return None
    for asset in required_assets():
        if relpath == asset.relpath or relpath.startswith(asset.relpath + "/"):
            root = (assets_dir / asset.relpath).resolve()
            path = (assets_dir / relpath).resolve()
            if (path == root or root in path.parents) and path.is_file():
                return path
    return None
