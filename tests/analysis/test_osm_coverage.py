"""Real data with partial coverage: Liechtenstein's OSM extract where only three municipalities were surveyed.

The 11 municipalities are the villages (each declares 户 = 2 × its buildings, so every house stands for 2 户);
every road is imported and declared surveyed everywhere; buildings (no ``use``, no ``households``: a residential
survey) and kindergartens are imported for Schaan, Triesen and Vaduz only, the facilities declared surveyed
there.  The other eight must be 未评估/未排名 and absent from the township figures and headline; the three
surveyed ones must match an independent geopandas computation (UTM 32N, nearest-feature distances).
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely

from geoplan.analysis import analyse, load_standards
from geoplan.layers import LayerStore
from geoplan.layers.survey import Survey
from geoplan.reports.build import build_report
from geoplan.reports.narrative import headlines
from geoplan.reports.tables import delta_table

SURVEYED = ("Schaan", "Triesen", "Vaduz")
PAVED = {"primary", "secondary", "tertiary", "residential", "unclassified", "living_street", "service", "road"}
UTM = "EPSG:32632"
KEYS = ("rai_2km", "road_access_100m", "kindergarten")


def _features(frame: gpd.GeoDataFrame, columns: list[str]) -> list[dict]:
    return [
        {
            "type": "Feature",
            "id": fid,
            "geometry": shapely.geometry.mapping(g),
            "properties": dict(zip(columns, vals, strict=True)),
        }
        for fid, g, *vals in zip(frame["id"], frame.geometry, *(frame[c] for c in columns), strict=True)
    ]


@pytest.fixture(scope="module")
def osm(liechtenstein_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    src = liechtenstein_dir
    muni = gpd.read_file(src / "municipalities.geojson")[["name", "geometry"]]
    muni["code"] = [f"{9000000000 + i:012d}" for i in range(len(muni))]
    b = gpd.read_file(src / "buildings.geojson")
    anchor = gpd.GeoDataFrame(geometry=shapely.point_on_surface(b.geometry.to_numpy()), crs=b.crs)
    where = gpd.sjoin(anchor, muni, predicate="intersects", how="left")
    b["municipality"] = where.groupby(level=0)["name"].first()
    per_muni = b.groupby("municipality").size()
    muni["households"] = [2 * int(per_muni.get(n, 0)) for n in muni["name"]]
    b = b[b["municipality"].isin(SURVEYED)].copy()
    b["id"] = [f"building-{i}" for i in range(len(b))]
    r = gpd.read_file(src / "roads.geojson")
    r["id"] = [f"road-{i}" for i in range(len(r))]  # a way cut at the border keeps its osm_id in each part
    r["status"], r["road_class"] = "existing", "village"
    r["name"] = r["name"].fillna(r["highway"]) if "name" in r.columns else r["highway"]
    r["surface"] = np.where(r["highway"].isin(PAVED), "paved", "earth")
    p = gpd.read_file(src / "pois.geojson")
    p = gpd.sjoin(p[p["amenity"] == "kindergarten"], muni[["name", "geometry"]].rename(columns={"name": "muni"}))
    p = p[p["muni"].isin(SURVEYED)].copy()
    p["id"] = [f"kg-{i}" for i in p["osm_id"]]
    p["kind"], p["status"] = "kindergarten", "existing"
    p["name"] = p["name"].fillna("幼儿园")

    store = LayerStore(tmp_path_factory.mktemp("osm") / "data")
    store.insert_many(
        "villages",
        [{**f, "id": f"village-{f['properties']['code']}"} for f in _features(muni.assign(id=muni["code"]),
                                                                               ["code", "name", "households"])],
    )  # fmt: skip
    store.insert_many("roads", _features(r, ["name", "status", "road_class", "surface"]), survey=Survey("all"))
    store.insert_many("buildings", _features(b, []), survey=Survey(residential=True))
    codes = tuple(muni.loc[muni["name"].isin(SURVEYED), "code"])
    store.insert_many("facilities", _features(p, ["kind", "status", "name"]), survey=Survey("villages", codes))
    full = load_standards()
    standards = full.model_copy(update={"indicators": tuple(i for i in full.indicators if i.key in KEYS)})
    return store, standards, muni, b, r, p


def _expected(muni, b, r, p) -> dict[tuple[str, str], tuple[float, float]]:
    """(village, indicator) → (value, uncovered 户), from geopandas alone: every house stands for 2 户."""
    houses = gpd.GeoDataFrame(
        {"village": b["municipality"].to_numpy()}, geometry=shapely.point_on_surface(b.geometry.to_numpy()), crs=4326
    ).to_crs(UTM)
    targets = {
        "rai_2km": (r[r["surface"] == "paved"], 2000),
        "road_access_100m": (r, 100),
        "kindergarten": (p, 3000),
    }
    out = {}
    for key, (frame, radius) in targets.items():
        near = gpd.sjoin_nearest(houses, frame[["geometry"]].to_crs(UTM), distance_col="d")
        d = near.groupby(level=0)["d"].min()
        covered = (d <= radius).groupby(houses["village"]).agg(["mean", "size", "sum"])
        for village, row in covered.iterrows():
            out[(village, key)] = (float(row["mean"]), 2.0 * (row["size"] - row["sum"]))
    return out


def test_unsurveyed_municipalities_are_not_assessed_and_not_ranked(osm) -> None:
    store, standards, muni, *_ = osm
    result = analyse(store.frames(), standards)
    names = dict(zip(muni["code"], muni["name"], strict=True))
    v = result.villages.assign(name=result.villages["village_code"].map(names)).set_index("name")
    assert set(v.index[v["rank"].notna()]) == set(SURVEYED)
    assert sorted(v.loc[list(SURVEYED), "rank"]) == [1, 2, 3]
    others = v.drop(index=list(SURVEYED))
    assert len(others) == 8 and others["composite"].isna().all() and others["rank"].isna().all()
    t = result.indicators.assign(name=result.indicators["village_code"].map(names))
    rest = t[~t["name"].isin(SURVEYED)]
    assert (rest["status"] == "not_assessed").all() and (rest["reason"] != "").all()
    assert set(rest.loc[rest["indicator"] == "kindergarten", "reason"]) == {"本村未调查公共服务设施"}
    assert set(rest.loc[rest["indicator"] == "rai_2km", "reason"]) == {"本村无自然村/农房户数数据"}
    assert rest["value"].isna().all() and rest["gap"].isna().all()
    # nothing of theirs reaches the tables of uncovered units
    assert set(result.uncovered["village_code"]) <= set(muni.loc[muni["name"].isin(SURVEYED), "code"])


def test_surveyed_municipalities_match_an_independent_computation(osm) -> None:
    store, standards, muni, b, r, p = osm
    result = analyse(store.frames(), standards)
    assert result.crs == UTM
    names = dict(zip(muni["code"], muni["name"], strict=True))
    t = result.indicators.assign(name=result.indicators["village_code"].map(names)).set_index(["name", "indicator"])
    expected = _expected(muni, b, r, p)
    assert len(expected) == 9
    for (village, key), (value, uncovered) in expected.items():
        row = t.loc[(village, key)]
        assert row["status"] != "not_assessed", (village, key)
        assert row["value"] == pytest.approx(value, abs=1e-9), (village, key)
        assert row["uncovered"] == pytest.approx(uncovered, abs=1e-6), (village, key)
    # the figures are not trivial: some houses of the three are beyond 100 m of a road and 3 km of a kindergarten
    assert any(expected[(m, "road_access_100m")][0] < 1 for m in SURVEYED)
    assert any(expected[(m, "kindergarten")][0] < 1 for m in SURVEYED)


def test_township_figures_and_headline_count_only_the_surveyed(osm) -> None:
    store, standards, muni, b, r, p = osm
    report = build_report(store.frames(), standards)
    surveyed_hh = int(muni.loc[muni["name"].isin(SURVEYED), "households"].sum())
    assert surveyed_hh == 2 * len(b)
    assert headlines(report)[0].startswith(
        f"全乡11个行政村中3个村已评估（{surveyed_hh:,}户，现状），8个村因缺少调查数据未评估、未排名"
    )
    expected = _expected(muni, b, r, p)
    covered = sum(expected[(m, "rai_2km")][0] * muni.set_index("name").loc[m, "households"] for m in SURVEYED)
    share = covered / surveyed_hh
    row = delta_table(report).set_index("指标").loc["全季节道路2公里覆盖率"]
    assert row["现状"] == f"{100 * share:.1f}%"
