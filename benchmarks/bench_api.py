"""Benchmark: geoplan's OGC API – Features next to pygeoapi (GeoJSON and GeoPackage backends), same data, same run.

For each scale (default 12,000 and 120,000 building polygons on a ~20 km square near 111°E 30°N) it serves the
layer from geoplan (uvicorn, one worker) and from pygeoapi 0.21 (its GeoJSON provider reading the same file, and
its SQLiteGPKG provider reading a GeoPackage written from it), then measures, over identical requests:

* a ~2 km × 2 km bbox query with limit=1000,
* ``limit=10`` (first page, no filter),
* a single item by id,
* the full layer downloaded through GDAL's OAPIF driver (ogr2ogr, 10,000 features per page),

printing p50/p95 latency and requests/s (4 concurrent clients, bounded request counts) and geoplan's ratio to
pygeoapi's GeoPackage backend.  pygeoapi lives in its own venv so it cannot disturb the project's dependencies:

    .venv/bin/python benchmarks/bench_api.py --setup          # creates .venv-bench with pygeoapi (once)
    .venv/bin/python benchmarks/bench_api.py                  # both scales
    .venv/bin/python benchmarks/bench_api.py --scales 120000 --no-geojson-backend

The GeoPackage backend needs SQLite's SpatiaLite module (Debian: ``apt-get install libsqlite3-mod-spatialite``).

PostgreSQL/PostGIS (``URL`` of a database the benchmark may create schemas in; TiPG in its own venv):

    .venv/bin/python benchmarks/bench_api.py --setup-tipg --postgis postgresql:///bench --scales 300000

loads the layer with ``geoplan db init`` + ``db load`` and serves it from geoplan on the files (the baseline),
geoplan on PostGIS and TiPG on the same table: bbox p50, item p50, requests/s at 4 clients, a single POST p50 and
the first bbox request after a write (``--baseline CHECKOUT`` adds an older geoplan on the same table).
``--postgis URL --writers [--kill]`` runs 4 API processes × 8 clients × 50 POSTs against one database (killing one
process with SIGKILL midway) and checks every acknowledged write is stored exactly once.

County scale (no pygeoapi needed), on the synthetic county of ``synthetic.py``:

    .venv/bin/python benchmarks/bench_api.py --writes [--villages 3000] [--baseline /path/to/older/checkout]

serves a fresh copy of the county and prints: the first request on the footprint layer (fresh data: the store
builds its columnar copy), the server's resident memory once every layer was requested and background indexing
settled, p50 of ~2 km bbox queries, single items and a first page, the first request after a restart (the copy
exists), and one POST into the 300,000-footprint layer next to the same POST into a 1,000-footprint layer (median
of a few, each a validated, logged, atomic rewrite of the file).  With ``--baseline`` the same figures for an
older checkout (e.g. ``git worktree add /tmp/base main``) are printed beside them, measured in the same run.
``--post-sizes 1000,10000,30000,100000,300000`` adds the POST median by the size of the layer written to (what
``DATABASE_ADVISED_FEATURES``, the size from which PostgreSQL is advised, is read from).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import httpx
import numpy as np
import pyogrio
from pyproj import Transformer

from geoplan.layers.files import encode_collection

REPO = Path(__file__).resolve().parent.parent
BENCH_VENV = REPO / ".venv-bench"
PYGEOAPI_VERSION = "0.21.0"
#: A 20 km square in CGCS2000 / 3° GK CM 111°E metres; buildings are 12 m squares on a jittered grid.
SIDE_M = 20_000.0
GK = "EPSG:4546"
ORIGIN = (490_000.0, 3_310_000.0)
BBOX_M = 2_000.0
CLIENTS = 4


# ------------------------------------------------------------------------------------------------ data
def building_features(n: int, seed: int = 7) -> list[dict]:
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, SIDE_M, n) + ORIGIN[0]
    y = rng.uniform(0, SIDE_M, n) + ORIGIN[1]
    to_ll = Transformer.from_crs(GK, "OGC:CRS84", always_xy=True)
    corners = [(0, 0), (12, 0), (12, 12), (0, 12), (0, 0)]
    xs = np.stack([x + dx for dx, _ in corners], axis=1)
    ys = np.stack([y + dy for _, dy in corners], axis=1)
    lon, lat = to_ll.transform(xs, ys)
    uses = ["residential", "public", "commercial", "other"]
    out = []
    for i in range(n):
        ring = [[round(float(a), 7), round(float(b), 7)] for a, b in zip(lon[i], lat[i], strict=True)]
        out.append(
            {
                "type": "Feature",
                "id": f"building-{i:06d}",
                "geometry": {"type": "Polygon", "coordinates": [ring]},
                "properties": {
                    "households": int(rng.integers(1, 4)),
                    "population": int(rng.integers(1, 9)),
                    "use": uses[i % 4],
                    "has_tap": bool(i % 3),
                    "version": 1,
                    "updated_at": "2026-01-01T00:00:00Z",
                },
            }
        )
    return out


def write_data(n: int, root: Path) -> tuple[Path, Path, Path]:
    """The layer as geoplan's data dir (buildings.geojson) and as a GeoPackage for pygeoapi."""
    data_dir = root / "data"
    data_dir.mkdir(parents=True)
    features = building_features(n)
    geojson = data_dir / "buildings.geojson"
    geojson.write_bytes(encode_collection("buildings", features))
    frame = gpd.read_file(geojson, engine="pyogrio")
    gpkg = root / "buildings.gpkg"
    pyogrio.write_dataframe(frame, gpkg, layer="buildings", driver="GPKG", SPATIAL_INDEX="YES")
    return data_dir, geojson, gpkg


def bboxes(count: int, seed: int = 11) -> list[str]:
    rng = random.Random(seed)
    to_ll = Transformer.from_crs(GK, "OGC:CRS84", always_xy=True)
    out = []
    for _ in range(count):
        x0 = ORIGIN[0] + rng.uniform(0, SIDE_M - BBOX_M)
        y0 = ORIGIN[1] + rng.uniform(0, SIDE_M - BBOX_M)
        minx, miny, maxx, maxy = to_ll.transform_bounds(x0, y0, x0 + BBOX_M, y0 + BBOX_M)
        out.append(f"{minx:.6f},{miny:.6f},{maxx:.6f},{maxy:.6f}")
    return out


# ------------------------------------------------------------------------------------------------ servers
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(
        self, name: str, cmd: list[str], env: dict[str, str], probe: str, port: int, cwd: Path | None = None
    ) -> None:
        self.name = name
        self.url = f"http://127.0.0.1:{port}"
        self.proc = subprocess.Popen(
            cmd, env={**os.environ, **env}, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                err = self.proc.stderr.read().decode() if self.proc.stderr else ""
                raise RuntimeError(f"{name} exited: {err[-2000:]}")
            try:
                if httpx.get(self.url + probe, timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"{name} did not start")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def start_geoplan(data_dir: Path) -> Server:
    port = free_port()
    cmd = [sys.executable, "-m", "uvicorn", "geoplan.api.app:create_app_from_env", "--factory"]
    cmd += ["--host", "127.0.0.1", "--port", str(port), "--workers", "1", "--log-level", "warning"]
    return Server("geoplan", cmd, {"GEOPLAN_DATA_DIR": str(data_dir)}, "/conformance", port)


PYGEOAPI_CONFIG = """
server:
  bind: {{host: 127.0.0.1, port: {port}}}
  url: http://127.0.0.1:{port}
  mimetype: application/json; charset=UTF-8
  encoding: utf-8
  languages: [en-US]
  limits: {{default_items: 10, max_items: 10000}}
  map: {{url: 'https://tile.openstreetmap.org/{{z}}/{{x}}/{{y}}.png', attribution: OSM}}
logging: {{level: ERROR}}
metadata:
  identification:
    {{title: bench, description: bench, keywords: [bench], keywords_type: theme, terms_of_service: none,
     url: 'http://example.org'}}
  license: {{name: CC-BY 4.0, url: 'https://creativecommons.org/licenses/by/4.0/'}}
  provider: {{name: bench, url: 'http://example.org'}}
  contact:
    {{name: bench, position: bench, address: x, city: x, stateorprovince: x, postalcode: x, country: x, phone: x,
     fax: x, email: x@example.org, url: 'http://example.org', hours: x, instructions: x, role: pointOfContact}}
resources:
{resources}
"""

PYGEOAPI_RESOURCE = """  {name}:
    type: collection
    title: {name}
    description: {name}
    keywords: [bench]
    extents: {{spatial: {{bbox: [110.8, 29.8, 111.2, 30.2], crs: 'http://www.opengis.net/def/crs/OGC/1.3/CRS84'}}}}
    providers:
      - type: feature
        name: {provider}
        data: {data}
        id_field: id
{extra}"""


def start_pygeoapi(root: Path, geojson: Path | None, gpkg: Path) -> Server:
    port = free_port()
    resources = []
    if geojson is not None:
        resources.append(PYGEOAPI_RESOURCE.format(name="bjson", provider="GeoJSON", data=geojson, extra=""))
    resources.append(
        PYGEOAPI_RESOURCE.format(name="bgpkg", provider="SQLiteGPKG", data=gpkg, extra="        table: buildings\n")
    )
    config = root / "pygeoapi.yml"
    config.write_text(PYGEOAPI_CONFIG.format(port=port, resources="".join(resources)))
    openapi = root / "pygeoapi-openapi.yml"
    env = {"PYGEOAPI_CONFIG": str(config), "PYGEOAPI_OPENAPI": str(openapi)}
    subprocess.run(
        [str(BENCH_VENV / "bin" / "pygeoapi"), "openapi", "generate", str(config), "--output-file", str(openapi)],
        env={**os.environ, **env},
        check=True,
        capture_output=True,
    )
    cmd = [str(BENCH_VENV / "bin" / "python"), "-m", "uvicorn", "pygeoapi.starlette_app:APP"]
    cmd += ["--host", "127.0.0.1", "--port", str(port), "--workers", "1", "--log-level", "warning"]
    return Server("pygeoapi", cmd, env, "/conformance", port)


# ------------------------------------------------------------------------------------------------ measuring
@dataclass
class Figures:
    p50_ms: float
    p95_ms: float
    rps: float
    n: int
    #: Non-2xx answers while CLIENTS requests ran concurrently (pygeoapi's SQLite provider fails some).
    errors: int = 0


def measure(urls: list[str], warmup: int = 1) -> Figures:
    """Latency of each URL sequentially, then throughput with CLIENTS concurrent clients over the same URLs."""
    with httpx.Client(timeout=600) as http:
        for url in urls[:warmup]:
            http.get(url).raise_for_status()
        lat = []
        for url in urls:
            t = time.perf_counter()
            r = http.get(url)
            lat.append((time.perf_counter() - t) * 1000)
            r.raise_for_status()

    def ok(http: httpx.Client, url: str) -> bool:
        try:
            return http.get(url).is_success
        except httpx.TransportError:
            return False

    def worker(chunk: list[str]) -> int:
        with httpx.Client(timeout=600) as http:
            return sum(1 for url in chunk if not ok(http, url))

    chunks = [urls[i::CLIENTS] for i in range(CLIENTS)]
    t = time.perf_counter()
    with ThreadPoolExecutor(CLIENTS) as pool:
        errors = sum(pool.map(worker, chunks))
    elapsed = time.perf_counter() - t
    q = statistics.quantiles(lat, n=20) if len(lat) >= 2 else [lat[0]] * 19
    return Figures(statistics.median(lat), q[18], len(urls) / elapsed, len(urls), errors)


def gdal_download(url: str, layer: str, out: Path) -> float:
    """Seconds for ogr2ogr to read the whole collection through OAPIF (10,000 per page); checks the count."""
    t = time.perf_counter()
    subprocess.run(
        ["ogr2ogr", "-f", "GeoJSONSeq", str(out), f"OAPIF:{url}", layer, "-oo", "PAGE_SIZE=10000"],
        check=True,
        capture_output=True,
        timeout=3600,
    )
    elapsed = time.perf_counter() - t
    return elapsed


def check_same_answers(targets: list[tuple[str, str, str, int]], boxes: list[str]) -> None:
    """The servers must return the same features for the same bbox, or their timings compare different work."""
    for box in boxes:
        found = {}
        for name, base, coll, _ in targets:
            body = httpx.get(f"{base}/collections/{coll}/items?bbox={box}&limit=1000", timeout=600).json()
            found[name] = sorted(str(f.get("id", f.get("properties", {}).get("id"))) for f in body["features"])
        if len({tuple(ids) for ids in found.values()}) != 1:
            counts = ", ".join(f"{name}: {len(ids)}" for name, ids in found.items())
            print(f"  WARNING: bbox {box} answered differently ({counts})")


def count_lines(path: Path) -> int:
    with path.open("rb") as fh:
        return sum(1 for line in fh if line.strip())


# ------------------------------------------------------------------------------------------------ main
def setup_venv() -> None:
    """Create .venv-bench (system site packages for GDAL's Python bindings) and install pygeoapi into it."""
    if not (BENCH_VENV / "bin" / "python").exists():
        subprocess.run(["/usr/bin/python3", "-m", "venv", "--system-site-packages", str(BENCH_VENV)], check=True)
    subprocess.run(
        [str(BENCH_VENV / "bin" / "pip"), "install", "-q", f"pygeoapi=={PYGEOAPI_VERSION}", "uvicorn", "starlette"],
        check=True,
    )


def run_scale(n: int, args: argparse.Namespace) -> list[tuple[str, str, Figures | float]]:
    rows: list[tuple[str, str, Figures | float]] = []
    root = Path(tempfile.mkdtemp(prefix=f"geoplan-bench-{n}-"))
    servers: list[Server] = []
    try:
        t = time.perf_counter()
        data_dir, geojson, gpkg = write_data(n, root)
        size = geojson.stat().st_size / 1e6
        print(f"\n== {n:,} buildings ({size:.1f} MB GeoJSON) — data written in {time.perf_counter() - t:.1f} s")
        geoplan = start_geoplan(data_dir)
        servers.append(geoplan)
        t = time.perf_counter()
        httpx.get(f"{geoplan.url}/collections/buildings/items?limit=1", timeout=600).raise_for_status()
        print(f"geoplan first request (parse + index): {time.perf_counter() - t:.2f} s")
        pyg = start_pygeoapi(root, None if args.no_geojson_backend else geojson, gpkg)
        servers.append(pyg)
        targets = [("geoplan", geoplan.url, "buildings", args.requests)]
        targets.append(("pygeoapi GeoPackage", pyg.url, "bgpkg", args.requests))
        if not args.no_geojson_backend:
            targets.append(("pygeoapi GeoJSON", pyg.url, "bjson", args.slow_requests))
        check_same_answers(targets, bboxes(5, seed=3))
        rng = random.Random(5)
        for name, base, coll, count in targets:
            boxes = bboxes(count)
            ids = [f"building-{rng.randrange(n):06d}" for _ in range(count)]
            items = f"{base}/collections/{coll}/items"
            rows.append((name, "bbox 2 km, limit=1000", measure([f"{items}?bbox={b}&limit=1000" for b in boxes])))
            rows.append((name, "limit=10", measure([f"{items}?limit=10"] * count)))
            rows.append((name, "single item", measure([f"{items}/{i}" for i in ids])))
            print(f"  measured {name}")
        if shutil.which("ogr2ogr") and not args.no_download:
            for name, base, coll, _ in targets:
                if name == "pygeoapi GeoJSON" and n > 20_000:
                    continue  # one file re-read per 10,000-feature page: minutes, and the point is made above
                out = root / f"{coll}.geojsonl"
                seconds = gdal_download(base, coll, out)
                got = count_lines(out)
                if got != n:
                    print(f"  WARNING: {name} full download returned {got} of {n} features")
                rows.append((name, f"full layer via GDAL ({got:,} features)", seconds))
        return rows
    finally:
        for server in servers:
            server.stop()
        shutil.rmtree(root, ignore_errors=True)


def print_table(n: int, rows: list[tuple[str, str, Figures | float]]) -> None:
    print(f"\n{'server':<22}{'request':<40}{'p50 ms':>10}{'p95 ms':>10}{'req/s':>9}{'n':>5}{'errors*':>9}")
    for server, request, fig in rows:
        if isinstance(fig, Figures):
            print(
                f"{server:<22}{request:<40}{fig.p50_ms:>10.1f}{fig.p95_ms:>10.1f}{fig.rps:>9.1f}{fig.n:>5}"
                f"{fig.errors:>9}"
            )
        else:
            print(f"{server:<22}{request:<40}{fig * 1000:>10.0f}{'':>10}{'':>9}{1:>5}")
    print(f"* non-2xx answers among the {CLIENTS} concurrent clients' requests (latencies are sequential, all 2xx)")
    base = {req: fig for srv, req, fig in rows if srv == "pygeoapi GeoPackage"}
    ours = {req: fig for srv, req, fig in rows if srv == "geoplan"}
    print(f"\nratio pygeoapi GeoPackage / geoplan at {n:,} (higher = geoplan faster):")
    for req, fig in ours.items():
        other = base.get(req)
        if other is None:
            continue
        a = fig.p50_ms if isinstance(fig, Figures) else fig
        b = other.p50_ms if isinstance(other, Figures) else other
        print(f"  {req:<40} {b / a:>8.1f}×")


def _status_mib(pid: int, key: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{key}:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _settled_rss(pid: int, quiet_s: float = 10.0, limit_s: float = 300.0) -> float:
    """The server's RSS once it stopped growing for ``quiet_s`` (background indexing finished), in MiB."""
    deadline = time.monotonic() + limit_s
    last, since = _status_mib(pid, "VmRSS"), time.monotonic()
    while time.monotonic() < deadline and time.monotonic() - since < quiet_s:
        time.sleep(1.0)
        now = _status_mib(pid, "VmRSS")
        if now > last * 1.005:
            last, since = now, time.monotonic()
    return _status_mib(pid, "VmRSS")


def _building(i: int, lon: float, lat: float, code: str) -> dict:
    d = 0.0001
    ring = [[lon, lat], [lon + d, lat], [lon + d, lat + d], [lon, lat + d], [lon, lat]]
    return {"type": "Feature", "id": f"bench-new-{i}", "geometry": {"type": "Polygon", "coordinates": [ring]},
            "properties": {"village_code": code, "households": 1, "use": "residential"}}  # fmt: skip


def _serve(tree: Path, data_dir: Path, token: str) -> Server:
    """geoplan's API from the code in ``tree`` (this checkout or an older one) over ``data_dir``."""
    port = free_port()
    cmd = [sys.executable, "-m", "uvicorn", "geoplan.api.app:create_app_from_env", "--factory"]
    cmd += ["--host", "127.0.0.1", "--port", str(port), "--workers", "1", "--log-level", "warning"]
    env = {"GEOPLAN_DATA_DIR": str(data_dir), "GEOPLAN_TOKENS": f"planner:bench:{token}", "PYTHONPATH": str(tree)}
    # `python -m` puts the working directory first on sys.path: it must be the implementation's own tree
    return Server("geoplan", cmd, env, "/conformance", port, cwd=tree)


def _ready(base: str, limit_s: float = 600.0) -> None:
    """Wait for /readyz (every layer indexed and encoded); a server without it is waited for by its RSS alone."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        status = httpx.get(f"{base}/readyz", timeout=60).status_code
        if status in (200, 404):
            return
        time.sleep(0.5)


def _get_s(url: str) -> float:
    t = time.perf_counter()
    httpx.get(url, timeout=900).raise_for_status()
    return time.perf_counter() - t


def _timed_posts(server: Server, posts: int, lon: float, lat: float, code: str, headers: dict) -> list[float]:
    """Seconds each of ``posts`` one-footprint POSTs into ``buildings`` took (a row of houses going east)."""
    import orjson

    times = []
    for i in range(posts):
        body = orjson.dumps(_building(i, lon + 0.0002 * i, lat, code))
        t = time.perf_counter()
        r = httpx.post(f"{server.url}/collections/buildings/items", content=body, headers=headers, timeout=900)
        times.append(time.perf_counter() - t)
        r.raise_for_status()
    return times


def _p50_ms(urls: list[str]) -> float:
    with httpx.Client(timeout=600) as http:
        http.get(urls[0]).raise_for_status()
        times = []
        for url in urls:
            t = time.perf_counter()
            http.get(url).raise_for_status()
            times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def county_figures(tree: Path, villages: int, posts: int, requests: int, root: Path) -> dict[str, float]:
    """One implementation on a fresh copy of the county: start-up, memory, reads and writes."""
    import orjson
    from synthetic import cached, copy_county

    token = "bench-secret"
    big = copy_county(cached(villages), root / "big")
    small = root / "small"
    small.mkdir()
    first = []
    with (big / "buildings.geojson").open("rb") as fh:
        for line in fh:
            if line.startswith(b'{"type":"Feature"') and len(first) < 1000:
                first.append(orjson.loads(line.rstrip(b",\n")))
    (small / "villages.geojson").write_bytes((big / "villages.geojson").read_bytes())
    (small / "buildings.geojson").write_bytes(encode_collection("buildings", first, {"last_change": None}))
    lon, lat = first[0]["geometry"]["coordinates"][0][0]
    code = first[0]["properties"]["village_code"]
    out: dict[str, float] = {}
    server = _serve(tree, big, token)
    try:
        items = f"{server.url}/collections/buildings/items"
        out["first request, fresh data (s)"] = _get_s(f"{items}?limit=1")
        for layer in sorted(p.stem for p in big.glob("*.geojson")):
            _get_s(f"{server.url}/collections/{layer}/items?limit=10")
        _ready(server.url)
        out["RSS after every layer was requested (MiB)"] = _settled_rss(server.proc.pid)
        minx, miny, maxx, maxy = httpx.get(f"{server.url}/collections/buildings", timeout=60).json()["extent"][
            "spatial"
        ]["bbox"][0]
        rng = random.Random(17)
        size = 0.02  # about 2 km
        boxes = []
        for _ in range(requests):
            x, y = rng.uniform(minx, maxx - size), rng.uniform(miny, maxy - size)
            boxes.append(f"{x:.6f},{y:.6f},{x + size:.6f},{y + size:.6f}")
        out["bbox ~2 km, limit=1000: p50 (ms)"] = _p50_ms([f"{items}?bbox={b}&limit=1000" for b in boxes])
        ids = [f["id"] for f in httpx.get(f"{items}?bbox={boxes[0]}&limit=1000", timeout=60).json()["features"]]
        ids += [f["id"] for f in httpx.get(f"{items}?offset=150000&limit=100", timeout=60).json()["features"]]
        picked = [rng.choice(ids) for _ in range(requests)]
        out["single item: p50 (ms)"] = _p50_ms([f"{items}/{i}" for i in picked])
        out["limit=10 page: p50 (ms)"] = _p50_ms([f"{items}?limit=10"] * requests)
    finally:
        server.stop()
    server = _serve(tree, big, token)  # a restart: the data as a running deployment has it
    try:
        out["first request after a restart (s)"] = _get_s(f"{server.url}/collections/buildings/items?limit=1")
        _ready(server.url)
        # the same queries again: a server that started on data it had seen against the one that parsed it
        items = f"{server.url}/collections/buildings/items"
        out["after a restart: bbox p50 (ms)"] = _p50_ms([f"{items}?bbox={b}&limit=1000" for b in boxes])
        out["after a restart: single item p50 (ms)"] = _p50_ms([f"{items}/{i}" for i in picked])
    finally:
        server.stop()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/geo+json"}
    big_post = "POST into the county's footprints: median (ms)"
    small_post = "POST into the 1,000-footprint layer: median (ms)"
    for name, data_dir in ((small_post, small), (big_post, big)):
        server = _serve(tree, data_dir, token)
        try:
            _get_s(f"{server.url}/collections/buildings/items?limit=1")
            times = _timed_posts(server, posts, lon, lat, code, headers)
            if data_dir == big:  # a write parses the layer into features, which the store keeps for the next one
                out["RSS after the POSTs into the county (MiB)"] = _status_mib(server.proc.pid, "VmRSS")
        finally:
            server.stop()
        out[name] = statistics.median(times) * 1000
    out["POST big / POST 1,000 (×)"] = out[big_post] / out[small_post]
    return out


def post_curve(tree: Path, villages: int, sizes: list[int], posts: int, root: Path) -> dict[int, float]:
    """Median POST (ms) into footprint layers of each size (the county's first footprints), from the code in tree.

    Each layer is read once first (a server in use has parsed it), so what is measured is the write itself.
    """
    import orjson
    from synthetic import cached

    token = "bench-secret"
    source = cached(villages)
    lines: list[bytes] = []
    with (source / "buildings.geojson").open("rb") as fh:
        for line in fh:
            if line.startswith(b'{"type":"Feature"'):
                lines.append(line.rstrip(b",\n"))
                if len(lines) >= max(sizes):
                    break
    first = orjson.loads(lines[0])
    lon, lat = first["geometry"]["coordinates"][0][0]
    code = first["properties"]["village_code"]
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/geo+json"}
    out: dict[int, float] = {}
    for size in sizes:
        data_dir = root / f"posts-{size}"
        data_dir.mkdir()
        (data_dir / "villages.geojson").write_bytes((source / "villages.geojson").read_bytes())
        head = b'{"type":"FeatureCollection","name":"buildings","last_change":null,"features":[\n'
        (data_dir / "buildings.geojson").write_bytes(head + b",\n".join(lines[:size]) + b"\n]}\n")
        server = _serve(tree, data_dir, token)
        try:
            _get_s(f"{server.url}/collections/buildings/items?limit=1")
            times = _timed_posts(server, posts, lon, lat, code, headers)
        finally:
            server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)
        out[size] = statistics.median(times) * 1000
    return out


def run_writes(
    villages: int, posts: int, requests: int, baseline: Path | None, post_sizes: list[int] | None = None
) -> None:
    """Start-up, memory, read latencies and writes on the county, for this code and (optionally) a baseline."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from synthetic import cached

    n_big = sum(
        1 for line in (cached(villages) / "buildings.geojson").open("rb") if line.startswith(b'{"type":"Feature"')
    )
    print(f"\n== {villages:,}-village county ({n_big:,} footprints, every layer served) and a 1,000-footprint layer")
    trees = [("now", REPO)] + ([("baseline", baseline.resolve())] if baseline is not None else [])
    results: dict[str, dict[str, float]] = {}
    for name, tree in trees:
        root = Path(tempfile.mkdtemp(prefix=f"geoplan-bench-county-{name}-"))
        try:
            results[name] = county_figures(tree, villages, posts, requests, root)
        finally:
            shutil.rmtree(root, ignore_errors=True)
        print(f"  measured {name} ({tree})")
    names = [name for name, _ in trees]
    head = f"{'':<52}" + "".join(f"{n:>12}" for n in names) + (f"{'now/base':>10}" if baseline else "")
    print(head)
    for key in results["now"]:
        row = f"{key:<52}" + "".join(f"{results[n][key]:>12.2f}" for n in names)
        if baseline is not None:
            row += f"{results['now'][key] / results['baseline'][key]:>10.2f}"
        print(row)
    if not post_sizes:
        return
    curves: dict[str, dict[int, float]] = {}
    for name, tree in trees:
        root = Path(tempfile.mkdtemp(prefix=f"geoplan-bench-posts-{name}-"))
        try:
            curves[name] = post_curve(tree, villages, post_sizes, posts, root)
        finally:
            shutil.rmtree(root, ignore_errors=True)
    print("\n  POST median (ms) by the size of the footprint layer written to (each a validated, logged, atomic write)")
    print(f"{'features':>12}" + "".join(f"{n:>12}" for n in names) + (f"{'now/base':>10}" if baseline else ""))
    for size in post_sizes:
        row = f"{size:>12,}" + "".join(f"{curves[n][size]:>12.1f}" for n in names)
        if baseline is not None:
            row += f"{curves['now'][size] / curves['baseline'][size]:>10.2f}"
        print(row)


# ------------------------------------------------------------------------------------------------ PostGIS
TIPG_VENV = REPO / ".venv-tipg"


def setup_tipg() -> None:
    """A venv of its own for TiPG (it pins its own FastAPI/asyncpg; the project's venv stays untouched)."""
    if not (TIPG_VENV / "bin" / "python").exists():
        subprocess.run([sys.executable, "-m", "venv", str(TIPG_VENV)], check=True)
    subprocess.run([str(TIPG_VENV / "bin" / "pip"), "install", "-q", "tipg", "uvicorn"], check=True)


def _schema_url(url: str, schema: str) -> str:
    from urllib.parse import quote

    return f"{url}{'&' if '?' in url else '?'}options={quote(f'-csearch_path={schema},public')}"


def load_postgis(url: str, schema: str, data_dir: Path) -> str:
    """A fresh schema holding the data directory's layers (geoplan db init + load); its URL."""
    import psycopg

    from geoplan.layers.pgstore import PostgisStore, load_files

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        conn.execute(f"CREATE SCHEMA {schema}")
        conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    schema_url = _schema_url(url, schema)
    store = PostgisStore(schema_url)
    store.init_schema()
    load_files(store, data_dir)
    store.close()
    with psycopg.connect(schema_url, autocommit=True) as conn:
        conn.execute("ANALYZE buildings")
    return schema_url


def start_tipg(url: str, schema: str) -> Server:
    port = free_port()
    env = {"DATABASE_URL": url, "TIPG_DB_SCHEMAS": f'["{schema}"]', "TIPG_MAX_FEATURES_PER_QUERY": "10000"}
    cmd = [str(TIPG_VENV / "bin" / "python"), "-m", "uvicorn", "tipg.main:app"]
    cmd += ["--host", "127.0.0.1", "--port", str(port), "--workers", "1", "--log-level", "warning"]
    return Server("tipg", cmd, env, "/conformance", port)


def post_p50(base: str, token: str, posts: int, lon: float, lat: float, first: int = 0) -> Figures:
    """Single POSTs of one new footprint, one after another (each validated, logged and committed)."""
    import orjson

    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/geo+json"}
    times = []
    with httpx.Client(timeout=900) as http:
        for i in range(posts):
            body = orjson.dumps(_building(first + i, lon + 0.0002 * i, lat + 0.0001 * (i % 7), "420000000001"))
            t = time.perf_counter()
            r = http.post(f"{base}/collections/buildings/items", content=body, headers=headers)
            times.append((time.perf_counter() - t) * 1000)
            r.raise_for_status()
    q = statistics.quantiles(times, n=20) if len(times) >= 2 else times * 19
    return Figures(statistics.median(times), q[18], 0.0, len(times))


def first_read_after_write(
    base: str, token: str, box: str, writes: int, lon: float, lat: float, first: int = 0
) -> Figures:
    """The first bbox request after each of a few POSTs: what a reader pays for someone else's write."""
    import orjson

    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/geo+json"}
    times = []
    with httpx.Client(timeout=900) as http:
        for i in range(writes):
            body = orjson.dumps(_building(first + i, lon + 0.0003 * i, lat + 0.0002, "420000000001"))
            http.post(f"{base}/collections/buildings/items", content=body, headers=headers).raise_for_status()
            t = time.perf_counter()
            http.get(f"{base}/collections/buildings/items?bbox={box}&limit=1000").raise_for_status()
            times.append((time.perf_counter() - t) * 1000)
    q = statistics.quantiles(times, n=20) if len(times) >= 2 else times * 19
    return Figures(statistics.median(times), q[18], 0.0, len(times))


def run_postgis(n: int, url: str, requests: int, posts: int, baseline: Path | None = None) -> None:
    """geoplan on PostGIS beside geoplan on files and TiPG on the same table: bbox, item, req/s, POST.

    ``baseline``: a checkout of an older geoplan (e.g. before SQL pushdown) served on the same table as well."""
    root = Path(tempfile.mkdtemp(prefix=f"geoplan-bench-pg-{n}-"))
    schema = f"geoplan_bench_{n}"
    token = "bench-secret"
    servers: list[Server] = []
    rows: list[tuple[str, str, Figures | float]] = []
    try:
        t = time.perf_counter()
        data_dir, _, _ = write_data(n, root)
        print(f"\n== PostGIS: {n:,} buildings — files written in {time.perf_counter() - t:.1f} s", flush=True)
        t = time.perf_counter()
        schema_url = load_postgis(url, schema, data_dir)
        print(f"geoplan db init + load: {time.perf_counter() - t:.1f} s", flush=True)
        env = {"GEOPLAN_TOKENS": f"planner:bench:{token}"}
        targets = []
        on_db = {"GEOPLAN_DATABASE_URL": schema_url, "GEOPLAN_DATA_DIR": str(root / "none")}
        variants: list[tuple[str, dict[str, str]]] = [
            ("geoplan files", {"GEOPLAN_DATA_DIR": str(data_dir)}),
            ("geoplan PostGIS", on_db),
        ]
        if baseline is not None:  # run from its tree: `python -m` puts the working directory first on the path
            variants.append(("PostGIS baseline", {**on_db, "PYTHONPATH": str(baseline.resolve())}))
        for name, extra in variants:
            cwd = Path(extra["PYTHONPATH"]) if "PYTHONPATH" in extra else None
            port = free_port()
            cmd = [sys.executable, "-m", "uvicorn", "geoplan.api.app:create_app_from_env", "--factory"]
            cmd += ["--host", "127.0.0.1", "--port", str(port), "--workers", "1", "--log-level", "warning"]
            server = Server(name, cmd, {**env, **extra}, "/conformance", port, cwd=cwd)
            servers.append(server)
            t = time.perf_counter()
            httpx.get(f"{server.url}/collections/buildings/items?limit=1", timeout=900).raise_for_status()
            print(f"{name}: first request (read + index) {time.perf_counter() - t:.2f} s", flush=True)
            targets.append((name, server.url, "buildings"))
        if (TIPG_VENV / "bin" / "python").exists():
            tipg = start_tipg(url, schema)
            servers.append(tipg)
            targets.append(("TiPG", tipg.url, f"{schema}.buildings"))
        else:
            print(f"TiPG venv missing ({TIPG_VENV}): run with --setup-tipg to compare with TiPG", flush=True)
        check_same_answers([(a, b, c, 0) for a, b, c in targets], bboxes(3, seed=3))
        rng = random.Random(5)
        boxes = bboxes(requests)
        ids = [f"building-{rng.randrange(n):06d}" for _ in range(requests)]
        for name, base, coll in targets:
            items = f"{base}/collections/{coll}/items"
            rows.append((name, "bbox 2 km, limit=1000", measure([f"{items}?bbox={b}&limit=1000" for b in boxes])))
            rows.append((name, "single item", measure([f"{items}/{i}" for i in ids])))
            deep = f"{items}?offset={n * 4 // 5}&limit={min(1000, n // 10)}"
            rows.append((name, "deep page by offset", measure([deep] * 8)))
            if name != "TiPG":  # geoplan's next link from that page carries a cursor (keyset)
                links = httpx.get(deep, timeout=600).json()["links"]
                cursor = next(link["href"] for link in links if link["rel"] == "next")
                rows.append((name, "its next link (cursor)", measure([cursor] * 8)))
            print(f"  measured {name}", flush=True)
        lon, lat = building_features(1)[0]["geometry"]["coordinates"][0][0]
        geoplans = [t for t in targets if t[0] != "TiPG"]
        for k, (name, base, _) in enumerate(geoplans):  # ids apart: two of them write to the same table
            rows.append((name, "POST one footprint", post_p50(base, token, posts, lon, lat, first=1000 * k)))
        for k, (name, base, _) in enumerate(geoplans):
            fig = first_read_after_write(base, token, boxes[0], 3, lon, lat, first=1000 * k + 500)
            rows.append((name, "first bbox after a write", fig))
            print(f"  {name}: first bbox after a write {fig.p50_ms:.0f} ms (median of 3)", flush=True)
        print(f"\n{'server':<18}{'request':<26}{'p50 ms':>9}{'p95 ms':>9}{'req/s @4':>10}{'n':>5}{'errors':>8}")
        for server_name, request, fig in rows:
            assert isinstance(fig, Figures)
            rps = f"{fig.rps:.1f}" if fig.rps else "—"
            print(
                f"{server_name:<18}{request:<26}{fig.p50_ms:>9.1f}{fig.p95_ms:>9.1f}{rps:>10}{fig.n:>5}{fig.errors:>8}"
            )
        base = {req: fig for srv, req, fig in rows if srv == "geoplan files"}
        for other in ("geoplan PostGIS", "PostGIS baseline", "TiPG"):
            if not any(srv == other for srv, _, _ in rows):
                continue
            print(f"ratio {other} / geoplan files (p50; >1 = slower than the file store):")
            for srv, req, fig in rows:
                if srv == other and req in base:
                    print(f"  {req:<26}{fig.p50_ms / base[req].p50_ms:>8.2f}×")  # type: ignore[union-attr]
        before = {req: fig for srv, req, fig in rows if srv == "PostGIS baseline"}
        if before:
            print("ratio geoplan PostGIS / PostGIS baseline (p50; <1 = faster than before):")
            for srv, req, fig in rows:
                if srv == "geoplan PostGIS" and req in before:
                    print(f"  {req:<26}{fig.p50_ms / before[req].p50_ms:>8.2f}×")  # type: ignore[union-attr]
    finally:
        for server in servers:
            server.stop()
        shutil.rmtree(root, ignore_errors=True)
        try:
            import psycopg

            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        except Exception as exc:  # noqa: BLE001
            print(f"could not drop {schema}: {exc}")


def run_postgis_writers(url: str, servers_n: int, clients: int, posts: int, kill: bool) -> int:
    """servers_n API processes × clients × posts POSTs into one database; optionally kill -9 one server midway.

    Checks every acknowledged write is stored exactly once (no duplicates, no lost acknowledged write).
    """
    import signal
    import threading

    import orjson

    root = Path(tempfile.mkdtemp(prefix="geoplan-bench-writers-"))
    schema = "geoplan_bench_writers"
    token = "bench-secret"
    servers: list[Server] = []
    try:
        data_dir, _, _ = write_data(1000, root)
        schema_url = load_postgis(url, schema, data_dir)
        env = {"GEOPLAN_TOKENS": f"planner:bench:{token}", "GEOPLAN_DATABASE_URL": schema_url}
        for i in range(servers_n):
            port = free_port()
            cmd = [sys.executable, "-m", "uvicorn", "geoplan.api.app:create_app_from_env", "--factory"]
            cmd += ["--host", "127.0.0.1", "--port", str(port), "--workers", "1", "--log-level", "warning"]
            servers.append(
                Server(f"geoplan-{i}", cmd, {**env, "GEOPLAN_DATA_DIR": str(root / "none")}, "/conformance", port)
            )
        lon, lat = building_features(1)[0]["geometry"]["coordinates"][0][0]
        acked: list[str] = []
        failed = [0]
        lock = threading.Lock()

        def client(k: int, server: Server, c: int) -> None:
            headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/geo+json"}
            with httpx.Client(base_url=server.url, timeout=120) as http:
                for i in range(posts):
                    # a place of its own per (server, client, post): a duplicate would show as a repeated shape
                    f = _building(i, lon + 0.0002 * i, lat + 0.0003 * c + 0.003 * k, "420000000001")
                    f.pop("id")
                    try:
                        r = http.post("/collections/buildings/items", content=orjson.dumps(f), headers=headers)
                    except httpx.TransportError:
                        with lock:
                            failed[0] += 1
                        return  # this server is gone
                    if r.status_code == 201:
                        with lock:
                            acked.append(r.json()["id"])

        t = time.perf_counter()
        with ThreadPoolExecutor(servers_n * clients) as pool:
            futures = [pool.submit(client, k, s, c) for k, s in enumerate(servers) for c in range(clients)]
            if kill:
                time.sleep(2.0)
                os.kill(servers[0].proc.pid, signal.SIGKILL)
                print(f"killed {servers[0].name} (pid {servers[0].proc.pid}) with SIGKILL mid-writes", flush=True)
            for fut in futures:
                fut.result()
        elapsed = time.perf_counter() - t
        from geoplan.layers.pgstore import PostgisStore

        store = PostgisStore(schema_url)
        loaded = {f"building-{i:06d}" for i in range(1000)}
        stored = [f for f in store.features("buildings") if f["id"] not in loaded]  # the POSTed ones
        notes = [orjson.dumps(f["geometry"]) for f in stored]
        inserts = [c for c in store.changes("buildings") if c.op == "insert"]
        store.close()
        stored_ids = {f["id"] for f in stored}
        lost = set(acked) - stored_ids
        print(
            f"{servers_n} API processes × {clients} clients × {posts} POSTs in {elapsed:.1f} s "
            f"({len(acked) / elapsed:.0f} acknowledged writes/s): acknowledged {len(acked)}, stored {len(stored)}, "
            f"lost acknowledged {len(lost)}, duplicated {len(notes) - len(set(notes))}, "
            f"insert records {len(inserts)}, connection failures {failed[0]}"
        )
        ok = not lost and len(notes) == len(set(notes)) and len(inserts) == len(stored)
        ok = ok and (kill or len(acked) == servers_n * clients * posts)
        print("OK" if ok else "FAILED")
        return 0 if ok else 1
    finally:
        for server in servers:
            if server.proc.poll() is None:
                server.stop()
        shutil.rmtree(root, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--setup", action="store_true", help="create .venv-bench with pygeoapi, then run")
    parser.add_argument("--scales", default="12000,120000", help="comma-separated feature counts")
    parser.add_argument("--requests", type=int, default=40, help="requests per measurement (geoplan, GeoPackage)")
    parser.add_argument("--slow-requests", type=int, default=4, help="requests per measurement, GeoJSON backend")
    parser.add_argument("--no-geojson-backend", action="store_true", help="skip pygeoapi's (slow) GeoJSON backend")
    parser.add_argument("--no-download", action="store_true", help="skip the full-layer GDAL downloads")
    parser.add_argument("--writes", action="store_true", help="only the county-scale writes and memory figures")
    parser.add_argument("--villages", type=int, default=3000, help="county size for --writes")
    parser.add_argument("--posts", type=int, default=5, help="POSTs per layer for --writes")
    parser.add_argument("--reads", type=int, default=200, help="--writes: requests per read latency")
    parser.add_argument(
        "--baseline", type=Path, help="--writes/--postgis: also run this checkout (e.g. the previous main)"
    )
    parser.add_argument(
        "--post-sizes",
        type=lambda text: [int(v) for v in text.split(",")],
        help="--writes: also POST into footprint layers of these sizes, e.g. 1000,10000,30000,100000,300000",
    )
    parser.add_argument("--postgis", metavar="URL", help="PostGIS figures (geoplan files / PostGIS / TiPG) on URL")
    parser.add_argument("--setup-tipg", action="store_true", help="create .venv-tipg with TiPG, then run")
    parser.add_argument("--writers", action="store_true", help="with --postgis: 4 API processes × 8 clients × 50 POSTs")
    parser.add_argument("--kill", action="store_true", help="with --writers: kill -9 one API process midway")
    args = parser.parse_args(argv)
    if args.setup_tipg:
        setup_tipg()
    if args.postgis and args.writers:
        return run_postgis_writers(args.postgis, 4, 8, 50, args.kill)
    if args.postgis:
        for n in (int(s) for s in args.scales.split(",")):
            run_postgis(n, args.postgis, args.requests, args.posts, args.baseline)
        return 0
    if args.writes:
        run_writes(args.villages, args.posts, args.reads, args.baseline, args.post_sizes)
        return 0
    if args.setup:
        setup_venv()
    if not (BENCH_VENV / "bin" / "pygeoapi").exists():
        print(f"pygeoapi venv missing: run with --setup (creates {BENCH_VENV})", file=sys.stderr)
        return 2
    for n in (int(s) for s in args.scales.split(",")):
        print_table(n, run_scale(n, args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
