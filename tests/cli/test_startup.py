"""Issue 10 item 5: the CLI starts without geopandas, pandas, fastapi, folium or matplotlib.

Functional, not timed (``benchmarks/bench_cli.py`` measures the start-up): a fresh interpreter runs the command and
reports which heavy libraries ended up in ``sys.modules``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
HEAVY = (
    "geopandas", "pandas", "fastapi", "folium", "matplotlib", "shapely", "pyogrio", "scipy", "uvicorn", "pyarrow",
)  # fmt: skip

PROBE = """
import contextlib, io, json, sys
from geoplan.cli.main import main
argv = json.loads(sys.argv[1])
with contextlib.redirect_stdout(io.StringIO()):
    code = main(argv) if argv is not None else 0
print(json.dumps({"code": code, "heavy": sorted(m for m in json.loads(sys.argv[2]) if m in sys.modules)}))
"""


def probe(argv: list[str] | None) -> dict:
    env = dict(os.environ, PYTHONPATH=str(REPO), COLUMNS="120")
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(argv), json.dumps(HEAVY)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def demo_copy(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("startup") / "demo"
    shutil.copytree(REPO / "data" / "geojson", target, ignore=shutil.ignore_patterns(".geoplan"))
    return target


@pytest.fixture(scope="module")
def demo_read_before(tmp_path_factory) -> Path:
    """A demo copy an analysis has read (the store's columnar copies exist): ``layers`` counts without parsing."""
    from geoplan.layers import LayerStore

    target = tmp_path_factory.mktemp("startup-read") / "demo"
    shutil.copytree(REPO / "data" / "geojson", target, ignore=shutil.ignore_patterns(".geoplan"))
    LayerStore(target).frames()
    assert list((target / ".geoplan" / "cache").glob("*.parquet"))
    return target


def test_importing_the_cli_imports_no_heavy_library():
    assert probe(None) == {"code": 0, "heavy": []}


@pytest.mark.parametrize("argv", [["--help"], ["layers"], ["changes"], ["import", "--help"], ["report", "--bogus"]])
def test_light_commands_run_without_heavy_libraries(argv, demo_copy):
    if argv in (["layers"], ["changes"]):
        argv = [*argv, "--data-dir", str(demo_copy)]
    result = probe(argv)
    assert result["code"] == (2 if "--bogus" in argv else 0)
    assert result["heavy"] == []


@pytest.mark.parametrize("argv", [["layers"], ["changes"]])
def test_light_commands_on_data_read_before_stay_light(argv, demo_read_before):
    result = probe([*argv, "--data-dir", str(demo_read_before)])
    assert result == {"code": 0, "heavy": []}


def test_help_does_not_build_the_catalogue():
    """``--help`` needs neither the store nor the catalogue's pydantic models (a fifth of the start-up)."""
    env = dict(os.environ, PYTHONPATH=str(REPO), COLUMNS="120")
    code = PROBE.replace("json.loads(sys.argv[2])", '["pydantic", "geoplan.layers.catalogue"]')
    done = subprocess.run(
        [sys.executable, "-c", code, json.dumps(["--help"]), "[]"], capture_output=True, text=True, env=env,
        timeout=120, check=True,
    )  # fmt: skip
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {"code": 0, "heavy": []}


def test_a_command_that_needs_them_still_gets_them(demo_copy, tmp_path):
    """The probe can see heavy imports: an export really loads geopandas (so an empty list above means something)."""
    result = probe(
        ["export", "roads", "--format", "geojson", "--out", str(tmp_path / "r.geojson"), "--data-dir", str(demo_copy)]
    )
    assert result["code"] == 0
    assert "geopandas" in result["heavy"]


@pytest.mark.parametrize("argv", [["layers"], ["changes"]])
def test_listing_commands_build_no_catalogue_models(argv, demo_read_before):
    """``layers``/``changes`` with the shipped catalogue list it from its TOML (no pydantic models built).

    pydantic itself is still imported: typer (0.29) coerces every command-line parameter with a TypeAdapter.
    """
    env = dict(os.environ, PYTHONPATH=str(REPO), COLUMNS="120")
    code = PROBE.replace("json.loads(sys.argv[2])", '["geoplan.layers.catalogue", "numpy"]')
    done = subprocess.run(
        [sys.executable, "-c", code, json.dumps([*argv, "--data-dir", str(demo_read_before)]), "[]"],
        capture_output=True, text=True, env=env, timeout=120, check=True,
    )  # fmt: skip
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {"code": 0, "heavy": []}


def test_a_deployment_catalogue_is_still_read_through_its_models(demo_copy, tmp_path):
    """With ``--catalogue`` the listing comes from the checked models, so a deployment's own layer is listed."""
    extra = tmp_path / "deploy.toml"
    extra.write_text(
        '[[layer]]\nname = "ponds"\nkind = "reference"\ntheme = "water"\ngeometry = "polygon"\n'
        'id_prefix = "pond"\nzh = "坑塘"\nen = "Ponds"\n',
        encoding="utf-8",
    )
    env = dict(os.environ, PYTHONPATH=str(REPO), COLUMNS="200")
    done = subprocess.run(
        [sys.executable, "-c", "from geoplan.cli.main import run; run()", "--catalogue", str(extra), "layers",
         "--data-dir", str(demo_copy), "--lang", "en"],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "ponds" in done.stdout and "Ponds" in done.stdout
