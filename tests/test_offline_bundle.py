"""The offline bundle installs and serves complete maps with no package index and no node_modules.

CI builds the bundle (scripts/offline_bundle.sh: the wheel with its npm assets plus a wheelhouse downloaded from
PyPI, a few minutes on a cold cache), installs it into a fresh venv with ``PIP_NO_INDEX=1`` and pip's own
configuration switched off, starts the installed ``geoplan serve`` from an empty folder without PYTHONPATH, and
fetches /maps/overview with every script, stylesheet, font and image it loads, and /reports/gaps.
Every step has a timeout, so a hung download or server fails the test instead of the CI run.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path
from urllib.parse import urljoin

import httpx
import pytest

from tests.api.conftest import free_port

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "scripts" / "offline_bundle.sh"

pytestmark = pytest.mark.slow


def _clean_env(**extra: str) -> dict[str, str]:
    """The environment an office machine has: no PYTHONPATH into this checkout, no pip index or find-links."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "GEOPLAN_", "PYTHON", "VIRTUAL_ENV"))}
    env |= {"PIP_CONFIG_FILE": os.devnull, "PIP_NO_INDEX": "1", "PIP_INDEX_URL": "http://127.0.0.1:9/nowhere/"}
    return env | extra


@pytest.fixture(scope="session")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the bundle once per run (the wheelhouse cache: $GEOPLAN_WHEELHOUSE_CACHE, else this run's tmp)."""
    if shutil.which("bash") is None:
        pytest.skip("bash is needed to run scripts/offline_bundle.sh")
    from geoplan.npm_assets import ECHARTS, candidate_dirs

    if not any((d / ECHARTS.relpath).is_file() for d in candidate_dirs({})):
        pytest.fail("node_modules is missing: run `npm ci --ignore-scripts` (the README's test command does)")
    out = tmp_path_factory.mktemp("dist")
    cache = os.environ.get("GEOPLAN_WHEELHOUSE_CACHE") or str(tmp_path_factory.mktemp("wheelhouse-cache"))
    cmd = ["bash", str(SCRIPT), "--out", str(out), "--wheelhouse-cache", cache]
    done = subprocess.run(cmd, cwd=REPO, env={**os.environ, "PYTHON": sys.executable}, capture_output=True,
                          text=True, timeout=900)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    archive = Path(done.stdout.strip().splitlines()[-1])
    assert archive.is_file() and archive.name.endswith(".tar.gz")
    return archive


def _assets_of(html: str) -> list[str]:
    """Scripts, stylesheets and icons a page loads (not inline ``data:`` ones, which are no request)."""
    found = re.findall(r'<(?:script|link)\b[^>]*?\b(?:src|href)="([^"]+)"', html)
    return [u for u in found if not u.startswith("data:")]


def test_bundle_installs_with_no_index_and_serves_complete_maps(bundle: Path, tmp_path: Path) -> None:
    with tarfile.open(bundle) as tar:
        names = tar.getnames()
        top = names[0].split("/")[0]
        assert f"{top}/install.sh" in names and f"{top}/SHA256SUMS" in names
        assert any(re.match(rf"{top}/wheels/geoplan-.*\.whl$", n) for n in names)
        assert any(re.match(rf"{top}/wheels/pyarrow-.*\.whl$", n) for n in names)  # the dependencies too
        assert any(re.match(rf"{top}/wheels/psycopg_binary-.*\.whl$", n) for n in names)  # and the extras
        tar.extractall(tmp_path, filter="data")
    root = tmp_path / top
    assert subprocess.run(["sha256sum", "--quiet", "-c", "SHA256SUMS"], cwd=root, timeout=120).returncode == 0

    venv = tmp_path / "venv"
    env = _clean_env(PYTHON=sys.executable)
    done = subprocess.run(["sh", str(root / "install.sh"), str(venv)], env=env, capture_output=True, text=True,
                          timeout=900)  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    # the PostgreSQL backend and the DEM reader install offline too (import psycopg, SQLAlchemy, rasterio)
    script = "import psycopg, psycopg_pool, sqlalchemy, geoalchemy2, rasterio, geoplan; print(geoplan.__file__)"
    probe = [str(venv / "bin" / "python"), "-c", script]
    installed = subprocess.run(probe, cwd=tmp_path, env=_clean_env(), capture_output=True, text=True, timeout=60).stdout
    assert installed.startswith(str(venv)), installed  # the installed copy, not this checkout

    data = tmp_path / "office" / "data"
    shutil.copytree(root / "demo-data", data)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    cmd = [str(venv / "bin" / "geoplan"), "serve", "--port", str(port), "--data-dir", str(data)]
    server = subprocess.Popen(cmd, cwd=tmp_path / "office", env=_clean_env(), stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        ready = None
        while time.monotonic() < deadline and (ready is None or ready.status_code != 200):
            try:
                ready = httpx.get(f"{base}/readyz", timeout=5)
            except httpx.TransportError:
                time.sleep(0.3)
            else:
                time.sleep(0.1)
        assert ready is not None and ready.status_code == 200, "the installed server did not become ready"
        health = httpx.get(f"{base}/healthz", timeout=10).json()
        assert health["status"] == "ok"

        page = httpx.get(f"{base}/maps/overview", timeout=180)
        assert page.status_code == 200
        assets = [urljoin(f"{base}/maps/overview", a) for a in _assets_of(page.text)]
        assert any(a.endswith("/leaflet/dist/leaflet.js") for a in assets)
        assert any(a.endswith("/leaflet-draw/dist/leaflet.draw.js") for a in assets)
        seen: set[str] = set()
        while assets:
            url = assets.pop()
            if url in seen:
                continue
            seen.add(url)
            r = httpx.get(url, timeout=30)
            assert r.status_code == 200, url
            if url.endswith(".css"):  # fonts and images the stylesheets load
                for ref in re.findall(r"url\(\s*['\"]?([^'\")]+)", r.text):
                    if not ref.startswith(("data:", "#")):
                        assets.append(urljoin(url, ref.split("?")[0].split("#")[0]))
        assert any(u.endswith(".woff2") for u in seen) and any(u.endswith(".png") for u in seen)

        report = httpx.get(f"{base}/reports/gaps", timeout=180)
        assert report.status_code == 200 and "text/html" in report.headers["content-type"]
        for src in _assets_of(report.text):
            assert httpx.get(urljoin(f"{base}/reports/gaps", src), timeout=30).status_code == 200, src
    finally:
        server.terminate()
        out, _ = server.communicate(timeout=30)
    assert "Traceback" not in out, out[-3000:]
