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
from dataclasses import dataclass
from pathlib import Path

from branca.element import Element

from geoplan.errors import GeoplanError

#: Where the live API serves the vendored files.
LIVE_BASE_URL = "/static/vendor"
#: Where ``geoplan map`` puts them, relative to the HTML files.
FILE_BASE_URL = "vendor"
INSTALL_HINT = "run `npm ci --ignore-scripts` in the repository root, or set GEOPLAN_ASSETS_DIR to a node_modules"


class MapAssetsMissing(GeoplanError):
    """The vendored browser assets are not installed, so a map would load nothing."""


class MapAssetUnknown(GeoplanError):
    """A map element asks for a CDN asset geoplan has no local copy of (a map must never reach the internet)."""


@dataclass(frozen=True)
class Asset:
    """One file of an npm package under node_modules."""

    package: str
    path: str

    @property
    def relpath(self) -> str:
        return f"{self.package}/{self.path}"


#: Every asset name folium's elements declare (``default_js``/``default_css``) → its local copy, or None when
#: geoplan does not need it (glyphicons: geoplan's icons are Font Awesome; the rotate CSS only rotates markers).
LOCAL_ASSETS: dict[str, Asset | None] = {
    "leaflet": Asset("leaflet", "dist/leaflet.js"),
    "leaflet_css": Asset("leaflet", "dist/leaflet.css"),
    "jquery": Asset("jquery", "dist/jquery.min.js"),
    "bootstrap": Asset("bootstrap", "dist/js/bootstrap.bundle.min.js"),
    "bootstrap_css": Asset("bootstrap", "dist/css/bootstrap.min.css"),
    "glyphicons_css": None,
    "awesome_markers": Asset("leaflet.awesome-markers", "dist/leaflet.awesome-markers.min.js"),
    "awesome_markers_css": Asset("leaflet.awesome-markers", "dist/leaflet.awesome-markers.css"),
    "awesome_markers_font_css": Asset("font-awesome", "css/font-awesome.min.css"),
    "awesome_rotate_css": None,
    "markerclusterjs": Asset("leaflet.markercluster", "dist/leaflet.markercluster.js"),
    "markerclustercss": Asset("leaflet.markercluster", "dist/MarkerCluster.css"),
    "markerclusterdefaultcss": Asset("leaflet.markercluster", "dist/MarkerCluster.Default.css"),
    "leaflet_draw_js": Asset("leaflet-draw", "dist/leaflet.draw.js"),
    "leaflet_draw_css": Asset("leaflet-draw", "dist/leaflet.draw.css"),
}

#: Folders the stylesheets above reference relatively (marker images, icon fonts, draw-toolbar sprites).
ASSET_DIRS: tuple[Asset, ...] = (
    Asset("leaflet", "dist/images"),
    Asset("leaflet.awesome-markers", "dist/images"),
    Asset("font-awesome", "fonts"),
    Asset("leaflet-draw", "dist/images"),
)

#: File types the API may serve from the vendor folder.
SERVED_SUFFIXES = frozenset({".js", ".css", ".png", ".svg", ".gif", ".woff", ".woff2", ".ttf", ".eot"})


def _candidates(env: Mapping[str, str]) -> Iterator[Path]:
    if env.get("GEOPLAN_ASSETS_DIR"):
        yield Path(env["GEOPLAN_ASSETS_DIR"])
        return
    yield Path(__file__).resolve().parents[2] / "node_modules"  # a source checkout (pip install -e .)
    yield Path.cwd() / "node_modules"


def find_assets_dir(explicit: Path | None = None, env: Mapping[str, str] | None = None) -> Path:
    """The node_modules folder holding every asset, or :class:`MapAssetsMissing` naming the install step."""
    env = os.environ if env is None else env
    tried = [Path(explicit)] if explicit is not None else list(_candidates(env))
    for root in tried:
        if all((root / a.relpath).exists() for a in required_assets()):
            return root
    missing = ", ".join(str(p) for p in tried)
    raise MapAssetsMissing(f"map assets (Leaflet etc.) not found in {missing}: {INSTALL_HINT}")


def required_assets() -> list[Asset]:
    """Every file and folder a geoplan map may load."""
    return [a for a in LOCAL_ASSETS.values() if a is not None] + list(ASSET_DIRS)


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
