"""The npm files geoplan serves itself (Leaflet and its plugins, ECharts …) and where they are found.

Declared here, in the core tier with no third-party import, because three places need the same list: the maps
(:mod:`geoplan.maps.assets`), the report page (ECharts) and the wheel build (``setup.py`` copies exactly these
files, with each package's licence, into ``geoplan/static/npm/`` so an installed wheel serves complete maps with
no npm and no ``node_modules``).  The git repository commits none of them.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Asset:
    """One file (or folder) of an npm package, relative to a ``node_modules`` folder."""

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

#: ECharts' minified build: the report page's charts and small maps.
ECHARTS = Asset("echarts", "dist/echarts.min.js")

#: File types served (and shipped) from an asset folder.
SERVED_SUFFIXES = frozenset({".js", ".css", ".png", ".svg", ".gif", ".woff", ".woff2", ".ttf", ".eot"})

#: A package's own licence texts, shipped beside its files (``package.json`` always: it names the licence and
#: version; the README too when the package has no licence file, as font-awesome 4.7 and leaflet-draw).
LICENCE_PREFIXES = ("licen", "notice", "copying", "mit-licen")

#: Where a wheel carries the assets (same layout as ``node_modules``); absent in a source checkout.
PACKAGED_DIR = Path(__file__).resolve().parent / "static" / "npm"

INSTALL_HINT = "run `npm ci --ignore-scripts` in the repository root, or set GEOPLAN_ASSETS_DIR to a node_modules"


def map_assets() -> list[Asset]:
    """Every file and folder a geoplan map may load."""
    return [a for a in LOCAL_ASSETS.values() if a is not None] + list(ASSET_DIRS)


def shipped_assets() -> list[Asset]:
    """Everything geoplan serves: the maps' files and ECharts."""
    return [*map_assets(), ECHARTS]


def candidate_dirs(env: Mapping[str, str] | None = None) -> Iterator[Path]:
    """Folders to look for the assets in, in order: $GEOPLAN_ASSETS_DIR alone when set, else the wheel's copy,
    the checkout's ``node_modules`` (``pip install -e .``), then ``./node_modules``."""
    env = os.environ if env is None else env
    if env.get("GEOPLAN_ASSETS_DIR"):
        yield Path(env["GEOPLAN_ASSETS_DIR"])
        return
    yield PACKAGED_DIR
    yield Path(__file__).resolve().parents[1] / "node_modules"
    yield Path.cwd() / "node_modules"


def _asset_files(node_modules: Path, asset: Asset) -> Iterator[Path]:
    src = node_modules / asset.relpath
    if src.is_dir():
        yield from (f for f in sorted(src.rglob("*")) if f.is_file() and f.suffix in SERVED_SUFFIXES)
    elif src.is_file():
        yield src
    else:
        raise FileNotFoundError(f"{src} is missing: {INSTALL_HINT}")


def _licence_files(package_dir: Path) -> list[Path]:
    found = [p for p in sorted(package_dir.iterdir()) if p.name.lower().startswith(LICENCE_PREFIXES)]
    files = [f for p in found for f in ([p] if p.is_file() else sorted(x for x in p.rglob("*") if x.is_file()))]
    if not files and (package_dir / "README.md").is_file():
        files.append(package_dir / "README.md")  # the licence is stated there
    return [package_dir / "package.json", *files]


def shipped_files(node_modules: Path) -> list[Path]:
    """Every file of ``node_modules`` a wheel carries: the served assets and each package's licence files.

    Raises FileNotFoundError naming the install step when an asset is missing (a wheel without them would
    serve maps that load nothing).
    """
    files: list[Path] = []
    packages: list[str] = []
    for asset in shipped_assets():
        files += _asset_files(node_modules, asset)
        if asset.package not in packages:
            packages.append(asset.package)
    for package in packages:
        files += _licence_files(node_modules / package)
    return list(dict.fromkeys(files))


def copy_shipped(node_modules: Path, target: Path) -> list[Path]:
    """Copy :func:`shipped_files` into ``target`` (same layout); returns the files written."""
    written = []
    for src in shipped_files(node_modules):
        dst = target / src.relative_to(node_modules)
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dst)
        written.append(dst)
    return written
