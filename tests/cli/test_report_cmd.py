"""``geoplan report`` end to end on the grid township and on bad input."""

from __future__ import annotations

from openpyxl import load_workbook

from geoplan.cli.main import main
from tests.analysis.conftest import grid_store  # noqa: F401


def test_report_xlsx_and_md(grid_store, tmp_path):  # noqa: F811
    out = tmp_path / "out"
    code = main(["report", "--scenario", "plan", "--format", "xlsx", "--format", "md", "--out", str(out),
                 "--data-dir", str(grid_store.data_dir)])  # fmt: skip
    assert code == 0
    wb = load_workbook(out / "gap_report_plan.xlsx")
    assert wb.sheetnames[0] == "汇总" and "项目成效" in wb.sheetnames
    assert (out / "gap_report_plan.md").read_text("utf-8").count("| 丙村 |") >= 1


def test_bad_input_gives_exit_1_and_writes_nothing(grid_store, tmp_path, capsys):  # noqa: F811
    out = tmp_path / "out"
    assert main(["report", "--format", "pdf", "--out", str(out), "--data-dir", str(grid_store.data_dir)]) == 1
    assert main(["report", "--scenario", "dream", "--out", str(out), "--data-dir", str(grid_store.data_dir)]) == 1
    bad = tmp_path / "bad.toml"
    bad.write_text("nope = [", encoding="utf-8")
    assert main(["report", "--standards", str(bad), "--out", str(out), "--data-dir", str(grid_store.data_dir)]) == 1
    assert "not valid TOML" in capsys.readouterr().err
    assert not out.exists()
