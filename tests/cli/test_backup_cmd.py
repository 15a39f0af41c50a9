"""``geoplan backup`` / ``geoplan restore-backup`` from the command line."""

from __future__ import annotations

from pathlib import Path

from geoplan.cli.main import main
from geoplan.layers import LayerStore


def test_backup_and_restore_round_trip(demo_data_dir: Path, tmp_path: Path, capsys) -> None:
    before = {f["id"] for f in LayerStore(demo_data_dir).features("roads")}
    archive = tmp_path / "geoplan-backup.tar.gz"
    assert main(["backup", str(archive), "--data-dir", str(demo_data_dir)]) == 0
    assert "已备份" in capsys.readouterr().out and archive.is_file()

    store = LayerStore(demo_data_dir)
    gone = sorted(before)[0]
    store.delete("roads", gone)
    assert main(["restore-backup", str(archive), "--data-dir", str(demo_data_dir), "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert f"restored {demo_data_dir}" in out and "previous data directory is kept" in out
    assert {f["id"] for f in LayerStore(demo_data_dir).features("roads")} == before
    assert main(["validate", "--data-dir", str(demo_data_dir)]) == 0


def test_backup_carries_the_deployment_catalogue(
    demo_data_dir: Path, deployment_catalogue_file: Path, tmp_path: Path, capsys
) -> None:
    archive = tmp_path / "b.tar.gz"
    argv = ["--catalogue", str(deployment_catalogue_file), "backup", str(archive), "--data-dir", str(demo_data_dir)]
    assert main(argv) == 0
    target = tmp_path / "new" / "geojson"
    argv = ["--catalogue", str(deployment_catalogue_file), "restore-backup", str(archive), "--data-dir", str(target)]
    assert main(argv) == 0
    restored = sorted((tmp_path / "new").glob("geojson.restored-config-*/catalogue.toml"))
    assert len(restored) == 1 and restored[0].read_bytes() == deployment_catalogue_file.read_bytes()
    assert "配置文件" in capsys.readouterr().out


def test_a_file_that_is_not_a_backup_is_one_line(demo_data_dir: Path, tmp_path: Path, capsys) -> None:
    bogus = tmp_path / "notes.tar.gz"
    bogus.write_bytes(b"not a tar file")
    assert main(["restore-backup", str(bogus), "--data-dir", str(demo_data_dir)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("错误:") and "不是 geoplan 备份" in err[0]
    assert main(["validate", "--data-dir", str(demo_data_dir)]) == 0
