"""Keep the tiers honest: data flows layers → analysis → presentation, never back."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "geoplan"

# tier -> modules it must never import (prefix match on the imported module name)
FORBIDDEN = {
    "geoplan.layers": (
        "geoplan.analysis",
        "geoplan.api",
        "geoplan.maps",
        "geoplan.reports",
        "geoplan.cli",
        "geoplan.io",
        "fastapi",
        "folium",
        "matplotlib",
        "openpyxl",
        "typer",
    ),
    "geoplan.analysis": (
        "geoplan.api",
        "geoplan.maps",
        "geoplan.reports",
        "geoplan.cli",
        "fastapi",
        "folium",
        "typer",
        "uvicorn",
    ),
    "geoplan.reports": ("geoplan.api", "geoplan.cli", "fastapi", "uvicorn"),
    "geoplan.maps": ("geoplan.cli", "geoplan.reports", "uvicorn"),
    "geoplan.qgis": ("geoplan.api", "geoplan.cli", "geoplan.reports", "fastapi", "folium", "uvicorn"),
    "geoplan.io": ("geoplan.api", "geoplan.cli", "geoplan.maps", "geoplan.reports", "fastapi", "folium"),
    "geoplan.api": ("geoplan.cli",),
    "geoplan.cli": (),  # may use api only to start the server (serve command), checked below
}


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    return ".".join(rel.parts).removesuffix(".__init__")


SOURCES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: module_name(p))
def test_module_respects_its_tier(path: Path):
    name = module_name(path)
    for tier, banned in FORBIDDEN.items():
        if name == tier or name.startswith(tier + "."):
            bad = sorted(i for i in imports_of(path) if any(i == b or i.startswith(b + ".") for b in banned))
            assert not bad, f"{name} imports {bad}"


def test_only_the_store_opens_layer_files():
    """Presentation code reaches data through LayerStore, never by reading data/geojson itself."""
    offenders = []
    for path in SOURCES:
        name = module_name(path)
        if name.startswith("geoplan.layers"):
            continue
        text = path.read_text(encoding="utf-8")
        if "read_collection(" in text or "staged_write(" in text or '.geojson"' in text and "data_dir" in text:
            offenders.append(name)
    assert offenders == []
