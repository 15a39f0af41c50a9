"""Issue 13 finding 6: the README's tour runs top to bottom on a fresh copy of the demo data.

The commands are parsed from README.md (the ``<!-- tour -->`` block), so the README and this test never drift:
each runs as ``geoplan …`` in a temporary directory holding a copy of ``data/``, and its exit code and output are
checked in order.
"""

from __future__ import annotations

import re
import shlex
import shutil
import zipfile
from pathlib import Path

import pytest

from geoplan.cli.main import main
from geoplan.layers import LayerStore

REPO = Path(__file__).resolve().parents[2]


def tour_commands() -> list[list[str]]:
    """Each tour line as argv (without ``.venv/bin/geoplan`` and the trailing comment)."""
    text = (REPO / "README.md").read_text("utf-8")
    block = re.search(r"<!-- tour -->\s*```bash\n(.*?)```", text, re.S)
    assert block, "README.md lost its <!-- tour --> block"
    commands = []
    for line in block.group(1).splitlines():
        if not line.strip():
            continue
        words = shlex.split(line, comments=True)
        assert words[0] == ".venv/bin/geoplan", line
        commands.append(words[1:])
    return commands


@pytest.fixture
def fresh_clone(tmp_path: Path, monkeypatch) -> Path:
    """A directory laid out like a fresh clone's data (no change log), as the working directory."""
    shutil.copytree(REPO / "data", tmp_path / "data", ignore=shutil.ignore_patterns(".geoplan", "*.parquet"))
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GEOPLAN_DATA_DIR", raising=False)
    monkeypatch.delenv("GEOPLAN_MAPS_DIR", raising=False)
    monkeypatch.delenv("GEOPLAN_LANG", raising=False)
    return tmp_path


def test_the_tour_is_the_one_this_test_checks():
    assert [c[0] for c in tour_commands()] == [
        "layers", "validate", "report", "map", "import", "import", "changes", "undo", "history", "restore", "export",
    ]  # fmt: skip


@pytest.mark.slow
def test_readme_tour_runs_top_to_bottom_on_a_fresh_copy(fresh_clone: Path, capsys):
    store = LayerStore(fresh_clone / "data" / "geojson")
    houses = store.count("housing_repairs")
    sample = "house-2026-01"
    change = None
    for argv in tour_commands():
        code = main(argv)
        out, err = capsys.readouterr()
        assert code == 0, (argv, out, err)
        assert "Traceback" not in err
        name = argv[0]
        if name == "layers":
            assert "housing_repairs" in out and str(houses) in out
        elif name == "validate":
            assert out.startswith("OK:")
        elif name == "report":
            assert (fresh_clone / "reports").is_dir()
            assert {p.suffix for p in (fresh_clone / "reports").iterdir()} >= {".xlsx", ".html"}
        elif name == "map":
            assert (fresh_clone / "maps" / "overview.html").is_file()
            assert (fresh_clone / "maps" / "gaps.html").is_file()
        elif name == "import" and "--dry-run" in argv:
            assert "试运行" in out and store.count("housing_repairs") == houses  # nothing written
        elif name == "import":
            assert "已导入" in out and store.count("housing_repairs") == houses + 3
            change = re.search(r"geoplan undo (\S+?)\)", out).group(1)  # type: ignore[union-attr]
        elif name == "changes":
            assert change is not None and change in out
        elif name == "undo":
            assert f"undo {change}" in out and store.count("housing_repairs") == houses
        elif name == "history":
            assert "新建" in out and "house-2026-01" in out
            assert store.snapshot("housing_repairs").get(sample) is None  # deleted by the undo
        elif name == "restore":
            props = store.get("housing_repairs", sample)["properties"]
            assert props["name"] == "茶园村三组农房危房改造" and props["version"] == 2
            assert "已恢复" in out
        elif name == "export":
            with zipfile.ZipFile(fresh_clone / "roads.zip") as zf:
                assert {Path(n).suffix for n in zf.namelist()} >= {".shp", ".dbf", ".prj", ".cpg"}
            assert str(fresh_clone / "roads.zip") in out
