"""Synthetic counties for the benchmarks: generated once per scale, cached on disk, imported by every benchmark.

Two kinds, both villages on a 2 km grid in CGCS2000 3° Gauss–Krüger (EPSG:4545), written as store files:

* ``county`` — the prefecture-scale case of issue 10: per village 14 roads, 2 water mains and 2 sewers, 6
  settlements (自然村) and, in 4 villages of 5, 125 residential building footprints with 1 household each
  (3,000 villages → 300,000 footprints, 42,000 roads, 12,000 pipes).  Villages without footprints carry their
  households on their settlements (10–30 户 each).  Facilities, houses to repair, reservoirs and eco villages
  give every indicator something to measure.
* ``mixed`` — the older, smaller generator (:func:`mixed`): households as settlements in half the villages and
  17 buildings per settlement in the other half.  ``tests/analysis`` records a reference on it, so it must stay
  byte for byte as it is.

Generating 3,000 villages takes about a minute, so :func:`cached` writes each (kind, scale) once into
``$GEOPLAN_BENCH_CACHE`` (default: ``<tempdir>/geoplan-bench``) and hands back the directory.  Treat a cached
county as read-only: a benchmark that writes copies the layer it writes to (:func:`copy_county`).

    .venv/bin/python benchmarks/synthetic.py 3000          # generate (or find) the 3,000-village county
"""

# ruff: noqa: E501  (the mixed generator writes one feature per statement)
from __future__ import annotations

import os
import random
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import orjson
from pyproj import Transformer

#: Bump when the ``county`` generator's output changes, so cached counties are regenerated.
COUNTY_VERSION = 1
E0, N0, CELL = 400_000.0, 3_300_000.0, 2000.0
_TO_WGS84 = Transformer.from_crs("EPSG:4545", "EPSG:4326", always_xy=True)
#: Footprints per village that has them, and which villages have them (4 of every 5).
BUILDINGS_PER_VILLAGE = 125
SETTLEMENTS_PER_VILLAGE = 6
ROADS_PER_VILLAGE = 14


def cache_root() -> Path:
    return Path(os.environ.get("GEOPLAN_BENCH_CACHE") or Path(tempfile.gettempdir()) / "geoplan-bench")


def cached(n_villages: int, kind: str = "county", seed: int = 1) -> Path:
    """The directory of a generated county, generating it on first use (safe when several processes race)."""
    version = COUNTY_VERSION if kind == "county" else 0
    target = cache_root() / f"{kind}-{n_villages}-s{seed}-v{version}"
    if (target / "villages.geojson").exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    (county if kind == "county" else mixed)(n_villages, staging, seed)
    staging.chmod(0o755)  # mkdtemp makes it private; other engineers' benchmarks read it too
    try:
        staging.rename(target)
    except OSError:  # another process finished first: use its copy
        shutil.rmtree(staging, ignore_errors=True)
    return target


def copy_county(source: Path, dest: Path) -> Path:
    """A writable copy of a cached county's layer files (not the store's bookkeeping or caches)."""
    dest.mkdir(parents=True, exist_ok=True)
    for path in source.glob("*.geojson"):
        shutil.copyfile(path, dest / path.name)
    return dest


# ---------------------------------------------------------------------------------------------- county


def _lonlat(xy: np.ndarray) -> np.ndarray:
    """Projected (n, 2) metres relative to the grid origin → rounded lon/lat (n, 2)."""
    lon, lat = _TO_WGS84.transform(E0 + xy[:, 0], N0 + xy[:, 1])
    return np.round(np.column_stack([lon, lat]), 7)


class _Layer:
    """Features of one layer, collected with projected coordinates and converted to lon/lat in one call."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.kinds: list[str] = []
        self.shapes: list[np.ndarray] = []  # projected coordinates: (2,) point, (k, 2) line, (k, 2) ring
        self.props: list[dict[str, Any]] = []

    def add(self, geom_type: str, coords: np.ndarray, **props: Any) -> None:
        self.kinds.append(geom_type)
        self.shapes.append(np.asarray(coords, dtype=float).reshape(-1, 2))
        self.props.append({"version": 1, **props})

    def features(self) -> list[dict[str, Any]]:
        if not self.shapes:
            return []
        sizes = [len(s) for s in self.shapes]
        ll = _lonlat(np.concatenate(self.shapes)).tolist()
        out, at = [], 0
        for i, (kind, k, props) in enumerate(zip(self.kinds, sizes, self.props, strict=True)):
            part = ll[at : at + k]
            at += k
            coords: Any = part[0] if kind == "Point" else part if kind == "LineString" else [part]
            out.append({"type": "Feature", "id": f"{self.prefix}-{i:07d}",
                        "geometry": {"type": kind, "coordinates": coords}, "properties": props})  # fmt: skip
        return out


def _wiggle(rng: np.random.Generator, a: np.ndarray, b: np.ndarray, k: int, amp: float) -> np.ndarray:
    """A line of ``k`` vertices from a to b, bent sideways by up to ``amp`` metres (ends fixed)."""
    t = np.linspace(0.0, 1.0, k)[:, None]
    pts = a + (b - a) * t
    normal = np.array([-(b - a)[1], (b - a)[0]]) / max(float(np.hypot(*(b - a))), 1e-9)
    off = rng.uniform(-amp, amp, k)
    off[[0, -1]] = 0.0
    return pts + off[:, None] * normal


def county(n_villages: int, out: Path, seed: int = 1) -> dict[str, int]:
    """Write the prefecture-scale synthetic county into ``out``; returns feature counts per layer."""
    from geoplan.layers.files import encode_collection  # the store's own file format, one feature per line

    rng = np.random.default_rng(seed)
    side = int(np.ceil(np.sqrt(n_villages)))
    names = ("villages", "settlements", "buildings", "roads", "water_networks", "sewage_networks", "facilities",
             "housing_repairs", "reservoirs", "eco_villages")  # fmt: skip
    prefixes = ("village", "settlement", "building", "road", "water", "sewer", "facility", "house", "reservoir", "eco")
    L = {name: _Layer(p) for name, p in zip(names, prefixes, strict=True)}
    statuses = np.array(["existing", "existing", "existing", "planned", "under_construction", "completed"])
    base_kinds = ["garbage_station", "garbage_station", "clinic", "bus_stop", "public_toilet", "water_source",
                  "village_committee"]  # fmt: skip
    per_settlement = np.full(SETTLEMENTS_PER_VILLAGE, BUILDINGS_PER_VILLAGE // SETTLEMENTS_PER_VILLAGE)
    per_settlement[: BUILDINGS_PER_VILLAGE % SETTLEMENTS_PER_VILLAGE] += 1
    for v in range(n_villages):
        o = np.array([(v % side) * CELL, (v // side) * CELL])
        code = f"5226{v:08d}"
        box = o + np.array([[0, 0], [CELL, 0], [CELL, CELL], [0, CELL], [0, 0]], dtype=float)
        L["villages"].add("Polygon", box, code=code, name=f"第{v}村", has_5g=bool(rng.random() < 0.8))
        footprints = v % 5 != 4
        sett = o + rng.uniform(250, CELL - 250, (SETTLEMENTS_PER_VILLAGE, 2))
        for s in range(SETTLEMENTS_PER_VILLAGE):
            hh = int(per_settlement[s]) if footprints else int(rng.integers(10, 31))
            L["settlements"].add("Point", sett[s], name=f"第{v}村{s + 1}组", village_code=code, households=hh,
                                 population=hh * 3, is_village_centre=s == 0)  # fmt: skip
            if footprints:
                k = int(per_settlement[s])
                corner = sett[s] + rng.uniform(-150, 150, (k, 2))
                size = rng.uniform(8, 14, (k, 2))
                for c, (w, h) in zip(corner, size, strict=True):
                    ring = c + np.array([[0, 0], [w, 0], [w, h], [0, h], [0, 0]])
                    L["buildings"].add("Polygon", ring, village_code=code, households=1, use="residential")
        # roads: a through road east-west, one north-south, a lane from each settlement to the through road,
        # and six field tracks
        y0 = o[1] + rng.uniform(300, CELL - 300)
        x0 = o[0] + rng.uniform(300, CELL - 300)
        road = L["roads"]
        road.add("LineString", _wiggle(rng, np.array([o[0], y0]), np.array([o[0] + CELL, y0]), 12, 40),
                 name=f"第{v}村干道", status="existing", road_class="county", surface="paved", village_code=code)  # fmt: skip
        road.add("LineString", _wiggle(rng, np.array([x0, o[1]]), np.array([x0, o[1] + CELL]), 12, 40),
                 name=f"第{v}村南北路", status=str(rng.choice(statuses)), road_class="village",
                 surface=str(rng.choice(["paved", "paved", "gravel"])), village_code=code, budget_wan=120.0)  # fmt: skip
        for s in range(SETTLEMENTS_PER_VILLAGE):
            a = sett[s] + rng.uniform(-60, 60, 2)
            road.add("LineString", _wiggle(rng, a, np.array([a[0], y0]), 4, 15),
                     name=f"{s + 1}组通组路", status=str(rng.choice(statuses)), road_class="group",
                     surface=str(rng.choice(["paved", "gravel", "earth"])), village_code=code, budget_wan=30.0)  # fmt: skip
        for _ in range(ROADS_PER_VILLAGE - 2 - SETTLEMENTS_PER_VILLAGE):
            a = o + rng.uniform(100, CELL - 100, 2)
            road.add("LineString", _wiggle(rng, a, a + rng.uniform(-300, 300, 2), 5, 20), name="机耕道",
                     status="existing", road_class="group", surface="earth", village_code=code)  # fmt: skip
        for layer, kinds in (("water_networks", ("main", "branch")), ("sewage_networks", ("main", "branch"))):
            for kind in kinds:
                a = o + rng.uniform(200, CELL - 200, 2)
                b = np.array([a[0] + rng.uniform(-600, 600), o[1] + (CELL - 50 if a[1] < o[1] + CELL / 2 else 50)])
                L[layer].add("LineString", _wiggle(rng, a, b, 8, 60), name="供水管" if layer[0] == "w" else "污水管",
                             status=str(rng.choice(statuses)), pipe_kind=kind, village_code=code, budget_wan=40.0)  # fmt: skip
        kinds = base_kinds + (["kindergarten"] if v % 5 == 0 else []) + (["elderly_care"] if v % 3 == 0 else [])
        kinds += ["scenic_spot", "parking"] if v % 7 == 0 else []
        kinds += ["sewage_plant"] if v % 11 == 0 else []
        for kind in kinds:
            at = sett[rng.integers(SETTLEMENTS_PER_VILLAGE)] + rng.uniform(-300, 300, 2)
            L["facilities"].add("Point", at, name=kind, kind=kind, status=str(rng.choice(statuses)),
                                village_code=code)  # fmt: skip
        for _ in range(3):
            L["housing_repairs"].add("Point", sett[rng.integers(SETTLEMENTS_PER_VILLAGE)] + rng.uniform(-100, 100, 2),
                                     name="危房", danger_grade=str(rng.choice(["C", "D"])),
                                     status=str(rng.choice(["completed", "planned", "under_construction"])),
                                     village_code=code, households=1)  # fmt: skip
        if v % 10 == 0:
            L["reservoirs"].add("Point", o + 500, name="水库", status="existing", village_code=code,
                                safety=str(rng.choice(["safe", "unsafe", "under_reinforcement"])))  # fmt: skip
        if v % 25 == 0:
            L["eco_villages"].add("Polygon", box, name=f"第{v}村", designation="green_beautiful", level="county",
                                  status=str(rng.choice(["existing", "planned"])), village_code=code)  # fmt: skip
    out.mkdir(parents=True, exist_ok=True)
    counts = {}
    for name, layer in L.items():
        feats = layer.features()
        counts[name] = len(feats)
        # a synthetic county is complete: every layer declared surveyed across the whole area
        meta = {"last_change": None, "surveyed": {"scope": "all"}}
        (out / f"{name}.geojson").write_bytes(encode_collection(name, feats, meta))
    return counts


# ---------------------------------------------------------------------------------------------- mixed


def _ll(x: float, y: float) -> list[float]:
    lon, lat = _TO_WGS84.transform(E0 + x, N0 + y)
    return [round(lon, 7), round(lat, 7)]


def _feat(layer_prefix: str, n: int, geom: dict, **props) -> dict:
    return {"type": "Feature", "id": f"{layer_prefix}-{n:07d}", "geometry": geom,
            "properties": {"version": 1, **props}}  # fmt: skip


def mixed(n_villages: int, out: Path, seed: int = 1) -> dict[str, int]:
    """Write the older synthetic county into ``out`` (households as settlements and few buildings)."""
    rng = random.Random(seed)
    side = int(n_villages**0.5 + 0.999)
    layers: dict[str, list[dict]] = {k: [] for k in (
        "villages", "settlements", "buildings", "roads", "water_networks", "sewage_networks", "facilities",
        "housing_repairs", "reservoirs")}  # fmt: skip
    kinds = ["garbage_station", "garbage_station", "clinic", "bus_stop", "public_toilet", "water_source"]
    for v in range(n_villages):
        cx, cy = (v % side) * CELL, (v // side) * CELL
        code = f"4228{v:08d}"
        box = [_ll(cx, cy), _ll(cx + CELL, cy), _ll(cx + CELL, cy + CELL), _ll(cx, cy + CELL), _ll(cx, cy)]
        L = layers
        L["villages"].append(_feat("village", v, {"type": "Polygon", "coordinates": [box]}, code=code, name=f"村{v}",
                                   has_5g=rng.random() < 0.8))  # fmt: skip
        with_buildings = v % 2 == 0
        n_sett = 6
        for s in range(n_sett):
            x, y = cx + rng.uniform(100, CELL - 100), cy + rng.uniform(100, CELL - 100)
            hh = 0 if with_buildings else rng.randint(10, 24)
            L["settlements"].append(_feat("settlement", len(L["settlements"]), {"type": "Point", "coordinates": _ll(x, y)},
                                          name=f"组{s}", village_code=code, households=hh, is_village_centre=s == 0))  # fmt: skip
            if with_buildings:
                for _ in range(17):
                    bx, by = x + rng.uniform(-80, 80), y + rng.uniform(-80, 80)
                    ring = [_ll(bx, by), _ll(bx + 10, by), _ll(bx + 10, by + 10), _ll(bx, by + 10), _ll(bx, by)]
                    L["buildings"].append(_feat("building", len(L["buildings"]), {"type": "Polygon", "coordinates": [ring]},
                                                village_code=code, households=1, use="residential"))  # fmt: skip
        y0 = cy + rng.uniform(200, CELL - 200)
        L["roads"].append(_feat("road", len(L["roads"]), {"type": "LineString", "coordinates": [_ll(cx, y0), _ll(cx + CELL, y0)]},
                                name="路", status=rng.choice(["existing", "existing", "planned"]), road_class="village",
                                surface=rng.choice(["paved", "paved", "gravel"]), village_code=code, budget_wan=100.0))  # fmt: skip
        for layer, st in (
            ("water_networks", ["existing", "existing", "planned"]),
            ("sewage_networks", ["existing", "planned"]),
        ):
            x0 = cx + rng.uniform(200, CELL - 200)
            L[layer].append(_feat(layer.split("_")[0], len(L[layer]), {"type": "LineString", "coordinates": [_ll(x0, cy), _ll(x0, cy + CELL)]},
                                  name="管", status=rng.choice(st), pipe_kind="main", village_code=code, budget_wan=40.0))  # fmt: skip
        fac = kinds + (["kindergarten"] if v % 5 == 0 else []) + (["elderly_care"] if v % 3 == 0 else [])
        for k in fac:
            L["facilities"].append(_feat("facility", len(L["facilities"]), {"type": "Point", "coordinates": _ll(cx + rng.uniform(0, CELL), cy + rng.uniform(0, CELL))},
                                         name=k, kind=k, status=rng.choice(["existing", "existing", "planned"]), village_code=code))  # fmt: skip
        for _ in range(3):
            L["housing_repairs"].append(_feat("house", len(L["housing_repairs"]), {"type": "Point", "coordinates": _ll(cx + rng.uniform(0, CELL), cy + rng.uniform(0, CELL))},
                                              name="危房", danger_grade="C", status=rng.choice(["completed", "planned"]), village_code=code, households=1))  # fmt: skip
        if v % 10 == 0:
            L["reservoirs"].append(_feat("reservoir", len(L["reservoirs"]), {"type": "Point", "coordinates": _ll(cx + 500, cy + 500)},
                                         name="库", status="existing", safety=rng.choice(["safe", "unsafe", "under_reinforcement"]), village_code=code))  # fmt: skip
    out.mkdir(parents=True, exist_ok=True)
    for name, feats in layers.items():
        # a synthetic county is complete: every layer declared surveyed across the whole area
        head = {"type": "FeatureCollection", "surveyed": {"scope": "all"}}
        (out / f"{name}.geojson").write_bytes(orjson.dumps(head | {"features": feats}))
    return {k: len(v) for k, v in layers.items()}


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    for arg in sys.argv[1:] or ["12"]:
        path = cached(int(arg))
        sizes = {p.stem: p.stat().st_size for p in path.glob("*.geojson")}
        print(path, f"{sum(sizes.values()) / 2**20:.0f} MiB")
