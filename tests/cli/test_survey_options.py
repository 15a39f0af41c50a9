"""`geoplan import --surveyed / --surveyed-from-file / --residential-survey` and the survey in `geoplan layers`."""

from __future__ import annotations

import shutil
from pathlib import Path

import orjson
import pytest
import shapely.geometry

from geoplan.cli.main import main
from geoplan.layers import LayerStore
from geoplan.layers.survey import Survey


@pytest.fixture
def town(repo_root: Path, tmp_path: Path) -> tuple[Path, Path, list[str]]:
    """A copy of the demo township and a file of two house points inside its first village."""
    data = tmp_path / "data"
    shutil.copytree(repo_root / "data" / "geojson", data)
    store = LayerStore(data)
    villages = store.features("villages")
    codes = [v["properties"]["code"] for v in villages]
    inside = shapely.geometry.shape(villages[0]["geometry"]).representative_point()
    houses = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": [inside.x, inside.y]},
             "properties": {"households": 1}}
            for _ in range(2)
        ],
    }  # fmt: skip
    path = tmp_path / "houses.geojson"
    path.write_bytes(orjson.dumps(houses))
    return data, path, codes


def test_surveyed_codes_are_declared_with_the_import_and_undone_with_it(town, capsys) -> None:
    data, houses, codes = town
    store = LayerStore(data)
    assert store.survey("buildings") == Survey()  # the default: the villages the features fall in
    args = ["import", str(houses), "--layer", "buildings", "--data-dir", str(data), "--residential-survey"]
    assert main([*args, "--surveyed", f"{codes[0]},{codes[1]}"]) == 0
    assert LayerStore(data).survey("buildings") == Survey("villages", (codes[0], codes[1]), residential=True)
    capsys.readouterr()
    assert main(["layers", "--data-dir", str(data), "--lang", "en"]) == 0
    assert "2 villages" in capsys.readouterr().out
    assert main(["undo", "--data-dir", str(data)]) == 0  # the import and its declaration are one change
    assert LayerStore(data).survey("buildings") == Survey() and LayerStore(data).count("buildings") == 0


def test_codes_from_a_file_and_residential_alone_keeps_the_scope(town, tmp_path: Path) -> None:
    data, houses, codes = town
    listing = tmp_path / "codes.txt"
    listing.write_text("\n".join(codes[:3]) + "\n", encoding="utf-8")
    base = ["import", str(houses), "--layer", "buildings", "--data-dir", str(data), "--allow-duplicates"]
    assert main([*base, "--surveyed-from-file", str(listing)]) == 0
    assert LayerStore(data).survey("buildings") == Survey("villages", tuple(codes[:3]))
    assert main([*base, "--residential-survey"]) == 0
    assert LayerStore(data).survey("buildings") == Survey("villages", tuple(codes[:3]), residential=True)


@pytest.mark.parametrize("bad", [["--surveyed", "12345"], ["--surveyed", "all", "--surveyed-from-file", "x.txt"]])
def test_a_bad_declaration_is_one_line_and_writes_nothing(town, capsys, bad: list[str]) -> None:
    data, houses, _ = town
    before = (data / "buildings.geojson").read_bytes() if (data / "buildings.geojson").exists() else None
    assert main(["import", str(houses), "--layer", "buildings", "--data-dir", str(data), *bad]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    after = (data / "buildings.geojson").read_bytes() if (data / "buildings.geojson").exists() else None
    assert after == before
