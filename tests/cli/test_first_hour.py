"""Issue 13 findings 2, 3 and 5: the change log and history read in full, one --lang everywhere, odd data dirs.

(Finding 1 is tests/cli/test_usage_errors.py, finding 4 tests/transfer/test_reimport.py, finding 6
tests/cli/test_readme_tour.py.)
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from geoplan.cli.app import app
from geoplan.cli.main import main
from geoplan.layers import LayerStore
from tests.layers.conftest import road


def lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


@pytest.fixture
def edited(tmp_path: Path) -> tuple[Path, str, list[str]]:
    """A data dir with one road edited twice: three changes (insert, patch, patch)."""
    store = LayerStore(tmp_path)
    fid = store.insert("roads", road(name="一号路", status="planned"))["id"]
    store.patch("roads", fid, {"properties": {"status": "under_construction"}})
    store.patch("roads", fid, {"properties": {"name": "一号公路"}})
    return tmp_path, fid, [c.change for c in store.changes()]


# ---------------------------------------------------------------- finding 2: changes, history, undo
def test_changes_shows_every_full_id_even_at_80_columns(edited, capsys, monkeypatch):
    data, _, ids = edited
    monkeypatch.setenv("COLUMNS", "80")
    assert main(["changes", "--data-dir", str(data)]) == 0
    out = capsys.readouterr().out
    for cid in ids:
        assert cid in out  # on one line, uncut: copy-paste works


def test_changes_json_for_scripts(edited, capsys):
    data, fid, ids = edited
    assert main(["changes", "--json", "--data-dir", str(data)]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["change"] for r in rows] == ids
    assert [r["op"] for r in rows] == ["insert", "patch", "patch"]
    assert rows[0]["layers"] == ["roads"] and rows[0]["count"] == 1


def test_undo_takes_a_unique_prefix_and_refuses_an_ambiguous_one(edited, capsys):
    data, fid, ids = edited
    # ids share their leading timestamp digits: the shortest prefix that is unique is somewhere inside
    unique = next(ids[1][:n] for n in range(1, len(ids[1]) + 1) if sum(i.startswith(ids[1][:n]) for i in ids) == 1)
    assert main(["undo", ids[1][:4], "--data-dir", str(data)]) == 1
    assert "3 个变更的开头" in capsys.readouterr().err
    assert main(["undo", unique, "--data-dir", str(data)]) == 0
    assert f"undo {ids[1]}" in capsys.readouterr().out
    # undo writes back the feature as it was before that change (version 1), as a new version
    props = LayerStore(data).get("roads", fid)["properties"]
    assert props["status"] == "planned" and props["name"] == "一号路" and props["version"] == 4


def test_history_shows_full_times_and_what_changed(edited, capsys, monkeypatch):
    data, fid, _ = edited
    monkeypatch.setenv("COLUMNS", "80")
    assert main(["history", "roads", fid, "--data-dir", str(data), "--lang", "en"]) == 0
    out = capsys.readouterr().out
    versions = LayerStore(data).history("roads", fid)
    for v in versions:
        assert v.at in out  # full ISO time, not cut
    assert "status: planned" in out and "under_construction" in out
    assert main(["history", "roads", fid, "--json", "--data-dir", str(data)]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["changed"] for r in rows] == ["新建", "status: planned → under_construction", "name: 一号路 → 一号公路"]


def test_empty_log_messages_are_friendly(tmp_path, capsys):
    assert main(["changes", "--data-dir", str(tmp_path)]) == 0
    assert lines(capsys.readouterr().out) == [
        "变更记录是空的:还没有通过 geoplan 修改过图层(导入、编辑、恢复、撤销都会记在这里)。"
    ]
    assert main(["changes", "--json", "--data-dir", str(tmp_path)]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert main(["undo", "--data-dir", str(tmp_path), "--lang", "en"]) == 1
    assert lines(capsys.readouterr().err) == ["error: the change log is empty: there is nothing to undo"]


# ---------------------------------------------------------------- finding 3: one --lang everywhere
PRINTING = ("layers", "validate", "history", "restore", "changes", "undo", "import", "export", "map", "report", "serve")


@pytest.mark.parametrize("command", PRINTING)
def test_every_command_that_prints_labels_takes_the_shared_lang_option(command, capsys):
    assert command in {info.name for info in app.registered_commands}
    assert main([command, "--help"]) == 0
    out = capsys.readouterr().out
    assert "--lang" in out and "zh|en" in out


@pytest.mark.parametrize("command", ["layers", "changes", "undo", "validate"])
def test_lang_value_is_checked(command, tmp_path, capsys):
    assert main([command, "--lang", "fr", "--data-dir", str(tmp_path)]) == 2
    assert "只能是 zh 或 en" in capsys.readouterr().err


def test_lang_picks_the_language_of_the_output(edited, capsys):
    data, fid, _ = edited
    assert main(["restore", "roads", fid, "1", "--data-dir", str(data), "--lang", "en"]) == 0
    assert lines(capsys.readouterr().out) == [f"restored roads/{fid} version 1 as new version 4"]
    assert main(["restore", "roads", fid, "2", "--data-dir", str(data)]) == 0
    assert lines(capsys.readouterr().out) == [f"已恢复 roads/{fid} 的版本 2,成为新版本 5"]
    assert main(["layers", "--data-dir", str(data), "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "Roads" in out and "道路" not in out


def test_export_labels_follow_lang(demo_data_dir, tmp_path, capsys):
    out = tmp_path / "roads.csv"
    assert main(["export", "roads", "--format", "csv", "--labels", "--lang", "en", "--out", str(out),
                 "--data-dir", str(demo_data_dir)]) == 0  # fmt: skip
    header = out.read_text("utf-8-sig").splitlines()[0]
    assert "Name" in header and "名称" not in header
    assert main(["export", "roads", "--format", "csv", "--labels", "--out", str(out),
                 "--data-dir", str(demo_data_dir)]) == 0  # fmt: skip
    assert "名称" in out.read_text("utf-8-sig").splitlines()[0]


def test_geoplan_lang_fr_is_refused_by_the_settings(monkeypatch):
    from geoplan.config import load_settings
    from geoplan.errors import SettingsError

    with pytest.raises(SettingsError, match="GEOPLAN_LANG must be zh or en"):
        load_settings({"GEOPLAN_LANG": "fr"})
    assert load_settings({"GEOPLAN_LANG": "en"}).lang == "en"
    assert load_settings({}).lang == "zh"


# ---------------------------------------------------------------- finding 5: odd data dirs, where exports go
def test_an_unreadable_layer_file_is_one_line_and_the_other_layers_still_list(tmp_path, capsys):
    store = LayerStore(tmp_path)
    store.insert("roads", road())
    (tmp_path / "facilities.geojson").mkdir()  # a directory where a layer file should be
    assert main(["layers", "--data-dir", str(tmp_path), "--lang", "en"]) == 1
    out, err = capsys.readouterr()
    assert lines(err) == [f"error: {tmp_path / 'facilities.geojson'}: is a directory, not a layer file"]
    assert "unreadable" in out and "Traceback" not in err
    row = next(line for line in out.splitlines() if line.startswith("│ roads"))
    assert row.split("│")[4].strip() == "1"


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_a_layer_file_without_read_permission_is_one_line(tmp_path, capsys):
    LayerStore(tmp_path).insert("roads", road())
    (tmp_path / "roads.geojson").chmod(0)
    try:
        assert main(["changes", "--data-dir", str(tmp_path)]) == 1
        assert lines(capsys.readouterr().err) == [f"错误: {tmp_path / 'roads.geojson'}:无法读取(Permission denied)"]
    finally:
        (tmp_path / "roads.geojson").chmod(0o644)


@pytest.mark.parametrize(
    ("make", "zh", "en"),
    [
        (lambda p: p / "nope", "不存在", "does not exist"),
        (
            lambda p: (p / "README.md").write_text("x") and p / "README.md",
            "是文件,不是目录",
            "is a file, not a directory",
        ),
    ],
)
def test_data_dir_that_is_missing_or_a_file(make, zh, en, tmp_path, capsys):
    target = make(tmp_path)
    assert main(["layers", "--data-dir", str(target)]) == 1
    assert zh in lines(capsys.readouterr().err)[0]
    assert main(["layers", "--data-dir", str(target), "--lang", "en"]) == 1
    err = lines(capsys.readouterr().err)
    assert len(err) == 1 and en in err[0]


def test_export_writes_into_the_current_directory_and_says_where(demo_data_dir, tmp_path, capsys, monkeypatch):
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    assert main(["export", "roads", "--format", "geojson", "--data-dir", str(demo_data_dir), "--lang", "en"]) == 0
    assert (work / "roads.geojson").is_file()
    assert str(work / "roads.geojson") in capsys.readouterr().out


def test_exports_in_the_repository_root_are_git_ignored(repo_root):
    ignored = (repo_root / ".gitignore").read_text("utf-8").splitlines()
    for suffix in ("gpkg", "zip", "kml", "geojson", "csv", "xlsx"):
        assert f"/*.{suffix}" in ignored
