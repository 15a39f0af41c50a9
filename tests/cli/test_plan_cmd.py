"""``geoplan plan`` on the demo township: the chosen set and its effect printed; accept, then undo, changes nothing."""

from __future__ import annotations

import json
import re
from pathlib import Path

from geoplan.cli.main import main


def layer_bytes(d: Path) -> dict[str, bytes]:
    """Every file under the data directory but the store's own bookkeeping (change log, locks, read cache)."""
    return {
        p.relative_to(d).as_posix(): p.read_bytes()
        for p in sorted(d.rglob("*"))
        if p.is_file() and ".geoplan" not in p.relative_to(d).parts
    }


def test_plan_accept_then_undo_leaves_the_layers_as_they_were(demo_data_dir: Path, tmp_path: Path, capsys) -> None:
    before = layer_bytes(demo_data_dir)
    assert sum(name.endswith(".geojson") for name in before) == 13
    out = tmp_path / "proposal.geojson"
    args = ["plan", "--budget", "500", "--year", "2026", "--data-dir", str(demo_data_dir), "--out", str(out)]
    assert main([*args, "--accept"]) == 0
    text = capsys.readouterr().out
    assert "预算500万元" in text and "精确求解(MILP)" in text and "规划前后" in text
    proposal = json.loads(out.read_text(encoding="utf-8"))
    assert 0 < proposal["cost_wan"] <= 500 and proposal["optimal"] is True
    chosen = {f["id"] for f in proposal["features"]}
    written = layer_bytes(demo_data_dir)
    changed = [name for name in before if written[name] != before[name]]
    assert changed  # the projects went into their layers ...
    for fid in chosen:
        assert sum(f'"id":"{fid}"'.encode() in written[name] for name in changed) == 1
    change = re.search(r"geoplan undo (\S+)", text).group(1)  # ... as one change
    assert main(["changes", "--data-dir", str(demo_data_dir), "--json"]) == 0
    log = json.loads(capsys.readouterr().out)
    mine = [c for c in log if c["change"] == change]
    assert (
        len(mine) == 1
        and mine[0]["count"] == len(chosen)
        and set(mine[0]["layers"]) == {n.removesuffix(".geojson") for n in changed}
    )
    assert main(["undo", change, "--data-dir", str(demo_data_dir)]) == 0
    assert "已撤销" in capsys.readouterr().out
    after = layer_bytes(demo_data_dir)
    assert set(after) == set(before)
    for name in before:  # byte for byte, headers (last_change, surveyed) included
        assert after[name] == before[name], name
    assert main(["changes", "--data-dir", str(demo_data_dir), "--json"]) == 0
    assert [c["op"] for c in json.loads(capsys.readouterr().out)] == ["plan", "undo"]  # the undo is in the log


def test_plan_refuses_bad_options(demo_data_dir: Path, capsys) -> None:
    d = ["--data-dir", str(demo_data_dir)]
    assert main(["plan", "--budget", "-5", *d]) == 1
    assert main(["plan", "--budget", "500", "--theme", "moon", *d]) == 1
    assert main(["plan", "--budget", "500", "--method", "magic", *d]) == 1
    err = capsys.readouterr().err
    assert "budget" in err and "moon" in err and "magic" in err
