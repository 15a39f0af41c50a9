"""``geoplan serve``: starts uvicorn over a data directory and says how writes are authorised."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from geoplan.cli.main import main
from geoplan.cli.serve_cmd import auth_notice, token_file_warning
from geoplan.layers import LayerStore
from tests.api.conftest import TOKENS, free_port


def test_serve_starts_the_api_and_prints_the_write_rule(grid_dir: Path) -> None:
    port = free_port()
    cmd = [sys.executable, "-c", "from geoplan.cli.main import run; run()", "serve", "--port", str(port)]
    cmd += ["--data-dir", str(grid_dir)]
    env = {**os.environ, "GEOPLAN_TOKENS": TOKENS}
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 30
        status = None
        while time.monotonic() < deadline and status is None:
            try:
                status = httpx.get(f"http://127.0.0.1:{port}/collections/roads/items", timeout=1).status_code
            except httpx.TransportError:
                time.sleep(0.2)
        assert status == 200
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=15)
    assert f"http://127.0.0.1:{port}/" in out
    assert "planner token" in out


def test_serve_without_a_data_dir_serves_the_demo_township(demo_data_dir: Path, tmp_path: Path) -> None:
    """The README's run command: from a checkout's root, ``geoplan serve`` serves data/geojson (here a copy)."""
    if not (demo_data_dir / "villages.geojson").exists():
        pytest.skip("demo data not built yet")
    root = tmp_path / "checkout"
    shutil.copytree(demo_data_dir, root / "data" / "geojson")
    port = free_port()
    cmd = [sys.executable, "-c", "from geoplan.cli.main import run; run()", "serve", "--port", str(port)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("GEOPLAN_")}
    proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    store = LayerStore(root / "data" / "geojson")
    try:
        deadline = time.monotonic() + 60
        body = None
        while time.monotonic() < deadline and body is None:
            try:
                body = httpx.get(f"http://127.0.0.1:{port}/collections/villages/items", timeout=5).json()
            except httpx.TransportError:
                time.sleep(0.2)
        assert body is not None, "geoplan serve did not answer within 60 s"
        assert body["numberMatched"] == store.count("villages") > 0
        r = httpx.post(f"http://127.0.0.1:{port}/collections/roads/items", json={}, timeout=5)
        assert r.status_code == 401  # no token configured: read-only
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=15)
    assert "Read-only" in out


def test_serve_defaults_are_the_readme_run_command(capsys) -> None:
    assert main(["serve", "--help"]) == 0
    text = capsys.readouterr().out
    assert "127.0.0.1" in text and "8000" in text and "--workers" in text


def test_serve_refuses_a_missing_data_dir(tmp_path: Path, capsys) -> None:
    assert main(["serve", "--data-dir", str(tmp_path / "nowhere")]) == 1
    assert "不存在" in capsys.readouterr().err  # Chinese by default


def test_without_planner_tokens_the_server_is_read_only_and_says_so() -> None:
    notice = auth_notice("viewer:bob:x", None)
    assert "Read-only" in notice and "GEOPLAN_TOKENS='planner:" in notice
    # The suggested secret is fresh each time: nothing shipped grants writes.
    assert auth_notice("", None) != auth_notice("", None)
    assert "planner token" in auth_notice(TOKENS, None)


def test_serve_behind_a_reverse_proxy_prefix(grid_dir: Path) -> None:
    """--root-path, proxy headers and the access log, as the nginx example in docs/zh/部署运维手册.md uses them.

    nginx strips the prefix (``proxy_pass http://127.0.0.1:8000/;``), so requests arrive without it; every URL the
    server writes must carry it, or a map behind the proxy loads none of its scripts.
    """
    port = free_port()
    cmd = [sys.executable, "-c", "from geoplan.cli.main import run; run()", "serve", "--port", str(port)]
    cmd += ["--data-dir", str(grid_dir), "--root-path", "/geoplan", "--forwarded-allow-ips", "127.0.0.1"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        health = None
        while time.monotonic() < deadline and health is None:
            try:
                health = httpx.get(f"{base}/healthz", timeout=5)
            except httpx.TransportError:
                time.sleep(0.2)
        assert health is not None and health.status_code == 200
        landing = httpx.get(base + "/", headers={"X-Forwarded-Proto": "https"}, timeout=10).json()
        assert {link["href"] for link in landing["links"]} >= {f"https://127.0.0.1:{port}/geoplan/api"}
        for path in ("/maps/overview", "/maps/gaps", "/maps/plan?budget=100"):
            page = httpx.get(base + path, timeout=120)
            assert page.status_code == 200, path
            scripts = re.findall(r'<script[^>]+src="([^"]+)"', page.text)
            assert scripts and all(s.startswith("/geoplan/static/") for s in scripts), (path, scripts)
            for src in scripts:  # what nginx forwards after stripping the prefix
                assert httpx.get(base + src.removeprefix("/geoplan"), timeout=10).status_code == 200, src
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=15)
    assert f"{base}/geoplan/" in out and "/geoplan/healthz" in out
    assert re.search(r'"GET (/geoplan)?/healthz HTTP/1.1" 200', out), out  # the access log, on by default


def test_serve_refuses_a_malformed_root_path(grid_dir: Path, capsys) -> None:
    assert main(["serve", "--data-dir", str(grid_dir), "--root-path", "geoplan/"]) == 2
    assert "--root-path" in capsys.readouterr().err


def test_a_token_file_others_can_read_is_warned_about(tmp_path: Path) -> None:
    tokens = tmp_path / "tokens.toml"
    tokens.write_text('[[tokens]]\nname = "alice"\nrole = "planner"\nsha256 = "' + "0" * 64 + '"\n', "utf-8")
    tokens.chmod(0o644)
    assert "chmod 600" in (token_file_warning(tokens) or "")
    tokens.chmod(0o600)
    assert token_file_warning(tokens) is None and token_file_warning(None) is None
