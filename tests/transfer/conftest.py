"""Transfer fixtures: two 1 km villages near 111°E/30°N (laid out in CGCS2000 GK CM 111E metres), known WGS84
points, and builders for Shapefiles and tables made from those points in a chosen CRS."""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely
from pyproj import Geod, Transformer
from shapely.geometry import box, mapping

from geoplan.layers import LayerStore

GRID_CRS = "EPSG:4546"
ORIGIN = (500_000.0, 3_320_000.0)
VILLAGE_CODES = ("420100000001", "420100000002")
#: WGS84 truth for CRS tests: inside village 1 (x 0–1 km), inside village 2 (x 1–2 km), outside both.
KNOWN_POINTS = ((111.0031234, 29.9978765), (111.0142345, 29.9986543), (111.0500001, 30.0500002))
_GEOD = Geod(ellps="WGS84")


def metres_apart(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Geodesic distance in metres between two lon/lat points."""
    return float(_GEOD.inv(a[0], a[1], b[0], b[1])[2])


def grid_lonlat(geom: shapely.Geometry) -> shapely.Geometry:
    """A geometry given in metres from ORIGIN (CGCS2000 GK CM 111E) as lon/lat."""
    t = Transformer.from_crs(GRID_CRS, "EPSG:4326", always_xy=True)
    return shapely.transform(geom, lambda xy: np.column_stack(t.transform(xy[:, 0] + ORIGIN[0], xy[:, 1] + ORIGIN[1])))


def build_villages(store: LayerStore) -> None:
    villages = [
        {
            "type": "Feature",
            "id": f"village-{i + 1}",
            "geometry": mapping(grid_lonlat(box(i * 1000, -1000, (i + 1) * 1000, 1000))),
            "properties": {"code": code, "name": f"村{i + 1}", "households": 50},
        }
        for i, code in enumerate(VILLAGE_CODES)
    ]
    store.insert_many("villages", villages, actor="fixture")


@pytest.fixture
def grid_store(tmp_path: Path) -> LayerStore:
    data = tmp_path / "grid"
    data.mkdir()
    store = LayerStore(data)
    build_villages(store)
    return store


def points_frame(
    epsg: int | str, points: Sequence[tuple[float, float]], props: dict[str, list[Any]]
) -> gpd.GeoDataFrame:
    """Known WGS84 points projected into ``epsg`` with pyproj, with attribute columns."""
    t = Transformer.from_crs("EPSG:4326", epsg, always_xy=True)
    xs, ys = t.transform([p[0] for p in points], [p[1] for p in points])
    return gpd.GeoDataFrame(props, geometry=list(shapely.points(xs, ys)), crs=epsg)


def write_zipped_shapefile(
    frame: gpd.GeoDataFrame, target: Path, *, encoding: str = "UTF-8", prj: bool = True, cpg: bool = True
) -> Path:
    """A zip with .shp/.shx/.dbf (+ .prj, .cpg unless dropped), as bureaus send them."""
    folder = target.parent / f"{target.stem}_parts"
    folder.mkdir(parents=True)
    pyogrio.write_dataframe(frame, folder / f"{target.stem}.shp", encoding=encoding)
    with zipfile.ZipFile(target, "w") as zf:
        for part in sorted(folder.iterdir()):
            if (part.suffix == ".prj" and not prj) or (part.suffix == ".cpg" and not cpg):
                continue
            zf.write(part, part.name)
    return target


def layer_bytes(store: LayerStore) -> dict[str, bytes]:
    """Every file under the data directory (layers and change log), to prove a refusal changed nothing.

    The store's columnar read cache (``.geoplan/cache``) is left out: a read may build it, and it holds no data
    of its own (it is a copy of a layer file, rebuilt from it).
    """
    cache = store.data_dir / ".geoplan" / "cache"
    return {
        str(p.relative_to(store.data_dir)): p.read_bytes()
        for p in sorted(store.data_dir.rglob("*"))
        if p.is_file() and cache not in p.parents
    }
