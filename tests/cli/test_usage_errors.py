"""Issue 13 finding 1: usage errors are one line in the configured language plus the usage hint, exit 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from geoplan.cli.app import app
from geoplan.cli.main import main

REPO = Path(__file__).resolve().parents[2]
COMMANDS = sorted(info.name for info in app.registered_commands if info.name)


def error_lines(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.strip()]


def test_every_command_is_covered():
    assert {"layers", "validate", "history", "restore", "changes", "undo", "serve", "import", "export", "map"} <= set(
        COMMANDS
    )


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize(
    ("lang", "said", "usage"),
    [("zh", "错误: 没有选项 --bogus", "用法:"), ("en", "error: no such option --bogus", "usage:")],
)
def test_bad_option_on_every_command_is_one_line_and_the_usage(command, lang, said, usage, capsys, monkeypatch):
    monkeypatch.setenv("GEOPLAN_LANG", lang)
    assert main([command, "--bogus"]) == 2
    out, err = capsys.readouterr()
    lines = error_lines(err)
    assert lines[0].startswith(said), lines
    assert lines[1].startswith(f"{usage}geoplan {command} [OPTIONS]") or lines[1].startswith(
        f"{usage} geoplan {command} [OPTIONS]"
    ), lines
    assert f"geoplan {command} --help" in lines[1]
    assert len(lines) == 2 and "Traceback" not in err and out == ""


@pytest.mark.parametrize(
    ("argv", "zh", "en"),
    [
        (["history", "roads"], "缺少参数 FEATURE_ID", "missing argument FEATURE_ID"),
        (["nosuchcmd"], "没有命令 'nosuchcmd'", "no such command 'nosuchcmd'"),
        (["serve", "--port", "abc"], "--port 的值无效:应为整数", "invalid value for --port: an integer is needed"),
        (["import", "x.csv"], "缺少选项 --layer", "missing option --layer"),
        (["layers", "--lang", "fr"], "--lang 的值无效:只能是 zh 或 en", "invalid value for --lang: must be zh or en"),
        (["layers", "--data-dir"], "选项 --data-dir 后面需要一个值", "option --data-dir needs a value"),
        (["changes", "extra"], "多余的参数:extra", "unexpected extra argument(s): extra"),
        (["restore", "roads", "road-0001", "two"], "VERSION 的值无效:应为整数", "invalid value for VERSION"),
    ],
)
def test_the_issue_examples_in_both_languages(argv, zh, en, capsys, monkeypatch):
    monkeypatch.delenv("GEOPLAN_LANG", raising=False)
    assert main(argv) == 2
    assert zh in error_lines(capsys.readouterr().err)[0]
    monkeypatch.setenv("GEOPLAN_LANG", "en")
    assert main(argv) == 2
    assert en in error_lines(capsys.readouterr().err)[0]


def test_lang_on_the_command_line_picks_the_usage_error_language(capsys, monkeypatch):
    monkeypatch.setenv("GEOPLAN_LANG", "zh")
    assert main(["import", "x.csv", "--lang", "en"]) == 2
    assert error_lines(capsys.readouterr().err)[0] == "error: missing option --layer"


def test_bad_geoplan_lang_is_refused_clearly(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("GEOPLAN_LANG", "fr")
    assert main(["layers", "--data-dir", str(tmp_path)]) == 1
    assert error_lines(capsys.readouterr().err) == ["错误: GEOPLAN_LANG 只能是 zh 或 en,不能是 'fr'"]
    # an explicit --lang is a clear choice: the bad environment value is then irrelevant
    assert main(["layers", "--data-dir", str(tmp_path), "--lang", "en"]) == 0


def test_help_shows_no_bool_metavars_or_braces(capsys):
    assert main(["import", "--help"]) == 0
    out = capsys.readouterr().out
    assert "geoplan import [OPTIONS] FILE" in out
    assert "<bool>" not in out and "{file}" not in out
    assert main(["history", "--help"]) == 0
    assert "geoplan history [OPTIONS] LAYER FEATURE_ID" in capsys.readouterr().out


@pytest.mark.parametrize("argv", [["layers", "--bogus"], ["serve", "--port", "abc"], ["nosuchcmd"]])
def test_no_traceback_from_the_installed_entry_point(argv):
    """The console script path (``run()``), in a real process: exit 2 and two lines, no Python traceback."""
    env = dict(os.environ, PYTHONPATH=str(REPO), GEOPLAN_LANG="en")
    done = subprocess.run([sys.executable, "-m", "geoplan", *argv], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert len(error_lines(done.stderr)) == 2 and done.stderr.startswith("error: "), done.stderr
