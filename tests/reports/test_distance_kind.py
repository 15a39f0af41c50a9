"""Reports and the gap map say whether an indicator's distances are straight lines or along the roads."""

from __future__ import annotations

from geoplan.analysis import load_standards
from geoplan.maps.gap import catchments, gap_data, measure_label
from geoplan.reports import build_report
from geoplan.reports.narrative import method_notes
from geoplan.reports.records import report_document
from geoplan.reports.tables import definitions_table


def test_straight_by_default_network_when_declared(grid_frames) -> None:
    straight = load_standards()
    network = straight.with_distance("network")
    plain = build_report(grid_frames, straight)
    assert "直线距离（非路网距离）" in method_notes(plain)[0]
    assert set(definitions_table(plain)["距离"]) == {"直线距离", "—"}
    walk = build_report(grid_frames, network)
    note = method_notes(walk)[0]
    assert "村卫生室可达" in note and "路网距离" in note and "自来水普及率" not in note
    table = definitions_table(walk).set_index("代码")
    assert table.loc["clinic", "距离"] == "路网距离(步行, 全部道路)"
    assert table.loc["tap_water", "距离"] == "直线距离"
    doc = report_document(walk)
    assert doc["distance"]["clinic"] == "network (walk)"
    assert doc["distance"]["tap_water"].startswith("straight")


def test_gap_map_names_network_indicators_and_draws_no_straight_catchment(grid_frames) -> None:
    network = load_standards().with_distance("network")
    clinic = network.indicator("clinic")
    assert measure_label(clinic, "zh") == "村卫生室可达（路网距离(步行, 全部道路)）"
    assert measure_label(clinic, "en").endswith("(network distance (walking, all roads))")
    assert measure_label(network.indicator("tap_water"), "zh") == "自来水普及率"
    build = build_report(grid_frames, network)
    labels = dict(gap_data(network, {"baseline": build.baseline}).measures)
    assert "路网距离" in labels["clinic"]
    drawn = catchments(grid_frames, network, "plan")
    assert "clinic" not in drawn and "tap_water" in drawn


def test_report_command_switches_distance(demo_data_dir, tmp_path) -> None:
    import json

    from geoplan.cli.main import main

    out = tmp_path / "out"
    assert main(["report", "--data-dir", str(demo_data_dir), "--format", "json", "--out", str(out),
                 "--distance", "network"]) == 0  # fmt: skip
    doc = json.loads((out / "gap_report_baseline.json").read_text(encoding="utf-8"))
    assert doc["distance"]["clinic"] == "network (walk)"
    assert main(["report", "--data-dir", str(demo_data_dir), "--distance", "crow", "--out", str(out)]) == 1
