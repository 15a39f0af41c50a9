"""Analysis endpoints on the demo township: the API returns exactly what geoplan.analysis computes."""

from __future__ import annotations

import io
import math
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from geoplan.analysis import analyse, load_standards
from geoplan.api import create_app
from geoplan.config import Settings
from geoplan.errors import ValidationFailed
from geoplan.layers import LayerStore
from tests.api.conftest import PLANNER, TOKENS


@pytest.fixture
def demo_client(demo_data_dir: Path) -> TestClient:
    if not (demo_data_dir / "villages.geojson").exists():
        pytest.skip("demo data not built yet")
    return TestClient(create_app(Settings(data_dir=demo_data_dir, tokens_env=TOKENS)))


def same(a, b) -> bool:
    return (a is None and (b is None or (isinstance(b, float) and math.isnan(b)))) or a == pytest.approx(b)


def test_villages_match_the_analysis(demo_client: TestClient, demo_data_dir: Path) -> None:
    expected = analyse(LayerStore(demo_data_dir).frames(), load_standards(), "plan").villages
    r = demo_client.get("/villages", params={"scenario": "plan"})
    assert r.status_code == 200
    rows = r.json()["villages"]
    assert len(rows) == len(expected) == LayerStore(demo_data_dir).count("villages")
    assert [row["rank"] for row in rows] == list(range(1, len(rows) + 1))
    by_code = expected.set_index("village_code")
    for row in rows:
        assert same(row["composite"], by_code.loc[row["village_code"], "composite"])


def test_one_village_has_every_indicator_in_both_scenarios(demo_client: TestClient, demo_data_dir: Path) -> None:
    standards = load_standards()
    code = LayerStore(demo_data_dir).features("villages")[0]["properties"]["code"]
    body = demo_client.get(f"/villages/{code}").json()
    for scenario in ("baseline", "plan"):
        keys = [i["indicator"] for i in body["scenarios"][scenario]["indicators"]]
        assert sorted(keys) == sorted(standards.keys)
        assert all(
            i["status_label"] in ("达标", "基本达标", "未达标", "未评估")
            for i in body["scenarios"][scenario]["indicators"]
        )
    assert demo_client.get("/villages/000000000000").status_code == 404


def test_gaps_lists_only_unmet_indicators_of_the_theme(demo_client: TestClient, demo_data_dir: Path) -> None:
    result = analyse(LayerStore(demo_data_dir).frames(), load_standards(), "baseline").indicators
    unmet = result[result["status"].isin(["not_met", "nearly_met"]) & (result["theme"] == "water")]
    body = demo_client.get("/gaps", params={"theme": "water"}).json()
    assert body["count"] == len(unmet)
    assert {(g["village_code"], g["indicator"]) for g in body["gaps"]} == set(
        zip(unmet["village_code"], unmet["indicator"], strict=True)
    )
    gaps = [g["gap"] for g in body["gaps"]]
    assert gaps == sorted(gaps, reverse=True)
    assert demo_client.get("/gaps", params={"theme": "weather"}).status_code == 400
    # A catalogue theme without indicators is a theme /api offers: no gaps, not a 400.
    admin = demo_client.get("/gaps", params={"theme": "admin"})
    assert admin.status_code == 200 and admin.json()["count"] == 0
    assert demo_client.get("/gaps", params={"scenario": "dream"}).status_code == 400


@pytest.mark.parametrize(
    ("fmt", "ctype"),
    [
        ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("html", "text/html"),
        ("csv", "text/csv"),
        ("json", "application/json"),
        ("md", "text/markdown"),
    ],
)
def test_gap_report_formats(demo_client: TestClient, fmt: str, ctype: str) -> None:
    r = demo_client.get("/reports/gaps", params={"format": fmt})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith(ctype)
    if fmt == "xlsx":
        assert load_workbook(io.BytesIO(r.content)).sheetnames
    elif fmt == "csv":
        assert r.content.decode("utf-8-sig").splitlines()[0].startswith("village_code,village_name,indicator")
    elif fmt == "json":
        assert r.json()["scenario"] == "baseline"
    else:
        assert "村" in r.text


def test_analysis_follows_writes(demo_client: TestClient, demo_data_dir: Path) -> None:
    before = demo_client.get("/gaps", params={"theme": "housing"}).json()
    repairs = LayerStore(demo_data_dir).features("housing_repairs")
    open_repairs = [f for f in repairs if f["properties"]["status"] != "completed"]
    if not open_repairs:
        pytest.skip("demo has no open house repairs")
    for f in open_repairs:
        r = demo_client.patch(
            f"/collections/housing_repairs/items/{f['id']}",
            json={"properties": {"status": "completed", "year": 2025}},
            headers=PLANNER,
        )
        assert r.status_code == 200, r.text
    after = demo_client.get("/gaps", params={"theme": "housing"}).json()
    assert after["count"] < before["count"] or before["count"] == 0
    assert not any(g["indicator"] == "housing_repair" for g in after["gaps"])


def test_xlsx_report_survives_control_characters_in_files_edited_elsewhere(grid_dir: Path) -> None:
    """The store refuses control characters, but a file written by another tool may carry them (found by
    schemathesis before the store checked them): the xlsx report must still be produced, without them."""
    path = grid_dir / "villages.geojson"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('"name":"', '"name":"\\u0001', 1), encoding="utf-8")
    assert "\\u0001" in path.read_text(encoding="utf-8")
    client = TestClient(create_app(Settings(data_dir=grid_dir)))
    r = client.get("/reports/gaps", params={"format": "xlsx"})
    assert r.status_code == 200
    sheets = load_workbook(io.BytesIO(r.content))
    texts = [str(c.value) for ws in sheets for row in ws.iter_rows() for c in row if c.value is not None]
    assert not any("\x01" in t for t in texts)


def test_control_characters_are_refused_on_write(grid_dir: Path) -> None:
    store = LayerStore(grid_dir)
    with pytest.raises(ValidationFailed) as err:
        store.patch("villages", "village-1", {"properties": {"name": "村\x01一"}}, actor="test")
    assert err.value.problems[0].field == "name"


def test_analysis_parameters_are_checked(client: TestClient) -> None:
    """On the grid: bad language, scenario or unknown parameters are 400s, as on every other endpoint."""
    assert client.get("/villages", params={"lang": "fr"}).status_code == 400
    assert client.get("/villages", params={"scenario": "dream"}).status_code == 400
    assert client.get("/villages", params={"colour": "red"}).status_code == 400
    assert client.get("/gaps", params={"lang": "fr"}).status_code == 400
    assert client.get("/reports/gaps", params={"format": "docx"}).status_code == 400
    codes = [v["village_code"] for v in client.get("/villages").json()["villages"]]
    assert sorted(codes) == ["420000000001", "420000000002", "420000000003"]


@pytest.mark.browser
def test_served_report_draws_its_charts_under_a_strict_csp_with_no_request_leaving_the_server(live_grid) -> None:
    """The served page in headless Chromium: every chart drawn from the API's own files, Chinese titles, nothing
    fetched from anywhere else, and no inline script needed (a ``script-src 'self'`` policy is imposed)."""
    from tests.reports.test_reports import CHART_TITLES, PAINTED

    if not Path("/usr/bin/chromium").exists():
        pytest.skip("Debian chromium not installed")
    from playwright.sync_api import sync_playwright

    requests: list[str] = []
    errors: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync"],
        )  # fmt: skip
        page = browser.new_page()
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

        def strict(route) -> None:  # type: ignore[no-untyped-def]
            requests.append(route.request.url)
            if not route.request.url.startswith(live_grid.url):
                route.abort()
                return
            response = route.fetch()
            csp = {"content-security-policy": "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'"}
            route.fulfill(response=response, headers={**response.headers, **csp})

        page.route("**/*", strict)
        # built once here (a busy CI machine may need a while), then served from the page cache to the browser
        assert httpx.get(live_grid.url + "/reports/gaps?format=html", timeout=600).status_code == 200
        page.goto(live_grid.url + "/reports/gaps?format=html", timeout=120_000)
        page.wait_for_function(
            "document.querySelectorAll('[data-chart]:not([data-drawn])').length === 0", timeout=120_000
        )
        charts = page.locator("[data-chart]")
        assert charts.count() > 5
        assert all(charts.nth(i).evaluate(PAINTED) > 100 for i in range(charts.count()))
        titles = page.evaluate(CHART_TITLES)
        assert "全乡指标与目标" in titles and "交通" in titles
        assert page.locator("h1").inner_text() == "乡村基础设施短板分析报告"
        page.screenshot(path=str(Path(__file__).resolve().parents[3] / "test-artifacts" / "served_report.png"))
        browser.close()
    assert errors == []
    assert requests and all(url.startswith("http://127.0.0.1:") for url in requests), requests
