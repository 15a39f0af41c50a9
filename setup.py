"""Build hook: a wheel carries the npm assets its maps and reports serve (Leaflet, its plugins, ECharts).

Everything else about the package is in pyproject.toml.  The files come from ``node_modules`` (``npm ci
--ignore-scripts``) or $GEOPLAN_ASSETS_DIR at build time and land in ``geoplan/static/npm/`` inside the wheel, each
package with its licence files; the git repository commits none of them.  An editable install (``pip install
-e .``) copies nothing: the checkout's ``node_modules`` is found at run time.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
from geoplan.npm_assets import INSTALL_HINT, copy_shipped  # noqa: E402  (stdlib only: no build dependency)


class BuildPyWithMapAssets(build_py):
    """``build_py`` that also copies the shipped npm assets into the built package."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        source = Path(os.environ.get("GEOPLAN_ASSETS_DIR") or ROOT / "node_modules")
        try:
            written = copy_shipped(source, Path(self.build_lib) / "geoplan" / "static" / "npm")
        except FileNotFoundError as exc:
            # A wheel without them would serve maps that load no script: refuse to build one.
            raise SystemExit(f"geoplan wheel: map assets missing ({exc}); {INSTALL_HINT}") from None
        print(f"geoplan wheel: {len(written)} npm asset and licence files from {source}")


setup(cmdclass={"build_py": BuildPyWithMapAssets})
