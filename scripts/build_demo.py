"""Generate the demo township 青岩乡 into ``data/geojson/<layer>.geojson``.

Usage: ``.venv/bin/python scripts/build_demo.py [--out DIR]`` (default ``data/geojson`` of this repository).

The story
---------
青岩乡 is a *fictional* 土家族 mountain township in the tea-growing hills of western Hubei (about 109.4–109.6°E,
30.2–30.4°N).  Twelve administrative villages tile an irregular township outline; 青岩村 is the township seat
(集镇, the 土家古镇 with its old street, health centre, schools and sewage plant), the others are hill villages of
five to seven settlements (自然村/村民小组) each.  Tea (茶园村, 万亩生态茶园) and the cherry-blossom valley
(樱花村, 樱花观光带) are the tourism assets; 石门村, 高坪村 and 马鞍山村 are the remote, poorly served ones.

How the layers carry the seed report (shared/context/township-work-report-2025-2026.txt beside the repository):

* 省道S…线…段路基基本完工, 2026 路面铺设 → ``roads``: 省道S232线青岩至石门段, under_construction, 2026.
* 完成…水库除险加固 → ``reservoirs``: 龙潭水库 reinforced (completed 2025); 白果坪水库 under reinforcement;
  岩洞湾水库 still unsafe (三类坝, no project yet) so the indicator has a gap.
* 全年完成50户农村危房改造 → ``housing_repairs``: exactly 50 completed in 2025, more identified for 2026.
* 成功创建2个绿美生态示范村 → ``eco_villages``: 茶园村 and 樱花村 (completed 2025).
* 集镇污水处理厂稳定运营, 雨污分流改造 → sewage plant + sewers in the seat; only 茶园村 and 樱花村 have some
  village sewers, so most villages are far below the 2026 target of 60 % (``sewage_networks``).
* 卫生院县域医疗卫生次中心, 综合文化站提级改造, 民族初级中学教学楼维修改造 → ``facilities`` completed 2025.
* 垃圾无害化处理率90%以上 → garbage points within 200 m of about 90 % of households.
* 偏远村组供水、通信短板 → three villages without piped water (水源点 instead), two without 5G, remote groups
  on gravel/earth roads or not reached at all.
* 2026 plan: 青岩至樱花村旅游公路 (planned road *and* tourism route); 农村供水保障工程 extending pipes in exactly
  5 villages; 第三幼儿园; 2 村级养老服务站; 1–2 精品乡村旅游线路; 1 生态停车场; 2 旅游公厕 (改建).

How it is built
---------------
Everything is laid out in metres (UTM 49N, EPSG:32649) around the township centre with one seeded random
generator, then converted to WGS84 lon/lat.  Village polygons are the Voronoi cells of the village centres
clipped to the outline; settlements are sampled inside their village; roads form a tree (village centres linked by
trunk and township roads, each settlement linked to the nearest settlement already reached); pipes and sewers
follow the roads, a few metres off the centre line.  Every project feature's ``village_code`` is the village its
anchor point falls in — the same rule the store applies when the code is absent.  Each layer is checked with the
project's own validation and written with the store's encoder, so the files are exactly what the store writes.
Runs are byte-for-byte reproducible (fixed seed, fixed ``updated_at``).
"""

from __future__ import annotations

import argparse
import math
import random
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry import LineString, MultiPoint, Point, Polygon, mapping, shape
from shapely.geometry.base import BaseGeometry
from shapely.ops import substring

from geoplan.layers import default_catalogue
from geoplan.layers.files import atomic_write, encode_collection, round_coords
from geoplan.layers.placement import VillageLocator
from geoplan.layers.validation import collection_problems

REPO = Path(__file__).resolve().parents[1]
CAT = default_catalogue()
SEED = 20251231
UPDATED_AT = "2025-12-31T00:00:00Z"
METRIC_CRS = "EPSG:32649"  # WGS 84 / UTM 49N: every design distance is in metres
ORIGIN = (109.50, 30.30)  # township centre (lon, lat)
CODE_PREFIX = "422801105"  # fictional county (6) + township (3) digits of the 12-digit division code
BASELINE = ("existing", "completed")
SEAT = "青岩村"

# name, code suffix, centre (km east/north of ORIGIN), settlements, 5G
VILLAGES = [
    (SEAT, "201", (0.3, -0.5), 7, True),
    ("茶园村", "202", (3.2, 1.8), 6, True),
    ("樱花村", "203", (-4.8, 4.2), 5, True),
    ("龙潭村", "204", (-3.5, -2.5), 6, True),
    ("白果村", "205", (2.6, -4.2), 6, True),
    ("枫香村", "206", (5.8, -1.0), 5, True),
    ("金竹村", "207", (0.0, 4.6), 6, True),
    ("石门村", "208", (-6.3, 0.4), 5, False),
    ("高坪村", "209", (-1.4, -6.1), 5, False),
    ("杉木村", "210", (4.8, 5.0), 5, True),
    ("桂花村", "211", (-2.6, 1.6), 5, True),
    ("马鞍山村", "212", (5.9, -5.3), 5, True),
]
SEAT_NAMES = ["集镇老街", "集镇新街", "河坝街", "茶市街", "学堂坪", "向家坝", "土家风情街"]
SURNAMES = "向田覃彭冉谭黄杨张李陈刘龚邓秦周吴滕"
SUFFIXES = ["家坪", "家湾", "家坝", "家岭", "家沟", "家垭", "家槽", "家院子", "家坡", "家寨"]
PLACES = ["岩屋坪", "大坪", "桐子园", "水井湾", "油坊坪", "老屋基", "板栗园", "枫木坪", "茶林湾", "龙洞坝", "长岭岗"]

# Trunk roads: name, class, surface, width, status, year, budget 万元/km (None: no cost recorded), waypoints
# (village names = their centres; km tuples far outside the outline are clipped at the township boundary).
TRUNK: list[tuple[str, str, str, float, str, int, float | None, list[Any]]] = [
    (
        "国道G209线青岩段",
        "national",
        "paved",
        12.0,
        "existing",
        2009,
        None,
        [(2.4, -13.0), (3.7, -4.6), "枫香村", (13.0, 0.8)],
    ),
    (
        "省道S232线杉木至青岩段",
        "provincial",
        "paved",
        7.5,
        "existing",
        2014,
        None,
        [(8.0, 13.0), "杉木村", "茶园村", SEAT],
    ),
    (
        "省道S232线青岩至石门段路面铺设工程",
        "provincial",
        "paved",
        8.5,
        "under_construction",
        2026,
        560.0,
        [SEAT, (-3.0, -0.9), (-5.6, -1.2), (-13.0, -0.8)],
    ),
    ("县道X038线青岩至白果段", "county", "paved", 6.5, "existing", 2016, None, [SEAT, "白果村"]),
    ("乡道Y101线青岩至桂花段", "township", "paved", 5.0, "existing", 2017, None, [SEAT, "桂花村"]),
    ("乡道Y102线桂花至石门段", "township", "paved", 4.5, "existing", 2018, None, ["桂花村", "石门村"]),
    ("乡道Y103线青岩至龙潭段", "township", "paved", 5.0, "existing", 2015, None, [SEAT, "龙潭村"]),
    ("乡道Y104线龙潭至高坪段", "township", "paved", 4.5, "existing", 2019, None, ["龙潭村", "高坪村"]),
    ("乡道Y105线青岩至金竹段", "township", "paved", 4.5, "existing", 2016, None, [SEAT, "金竹村"]),
    ("乡道Y106线桂花至樱花段", "township", "paved", 4.5, "existing", 2018, None, ["桂花村", "樱花村"]),
    ("乡道Y107线茶园至枫香段", "township", "paved", 5.0, "existing", 2017, None, ["茶园村", "枫香村"]),
    ("乡道Y108线白果至马鞍山段", "township", "paved", 4.5, "existing", 2020, None, ["白果村", "马鞍山村"]),
    ("青岩至樱花村旅游公路", "county", "paved", 6.5, "planned", 2026, 650.0, [SEAT, (-1.7, 3.1), "樱花村"]),
]
WATER_ALL = (SEAT, "茶园村", "桂花村", "杉木村")  # piped to every settlement a road reaches
WATER_PLAN = {"龙潭村": 2, "金竹村": 2, "白果村": 3, "枫香村": 1, "樱花村": 2}  # piped today; 2026 extends the rest
MAINS = [
    (SEAT, "茶园村"),
    ("茶园村", "杉木村"),
    ("茶园村", "枫香村"),
    (SEAT, "桂花村"),
    ("桂花村", "樱花村"),
    (SEAT, "金竹村"),
    (SEAT, "龙潭村"),
    (SEAT, "白果村"),
]
BUS_STOPS = [
    (SEAT, "茶园村"),
    ("茶园村", SEAT),
    ("杉木村", "茶园村"),
    ("白果村", SEAT),
    ("枫香村", "茶园村"),
    ("龙潭村", SEAT),
    ("桂花村", SEAT),
    ("金竹村", SEAT),
]
NO_CLINIC = "高坪村"


@dataclass
class Settlement:
    name: str
    village: str
    pos: Point
    households: int
    population: int
    centre: bool
    parent: int | None = None  # the settlement its access road comes from
    access: str = "paved"  # paved | gravel | earth | track (road stops short) | none


@dataclass
class Village:
    name: str
    code: str
    centre: Point
    n: int
    has_5g: bool
    poly: Polygon
    members: list[int] = field(default_factory=list)


_TO_METRIC = Transformer.from_crs("EPSG:4326", METRIC_CRS, always_xy=True)
_TO_LONLAT = Transformer.from_crs(METRIC_CRS, "EPSG:4326", always_xy=True)
X0, Y0 = _TO_METRIC.transform(*ORIGIN)


def to_lonlat(geom: BaseGeometry) -> BaseGeometry:
    """Local metres (relative to ORIGIN) → WGS84 lon/lat."""

    def fn(xy: np.ndarray) -> np.ndarray:
        lon, lat = _TO_LONLAT.transform(xy[:, 0] + X0, xy[:, 1] + Y0)
        return np.column_stack([lon, lat])

    return shapely.transform(geom, fn)


def winding(points: list[Point], rng: random.Random, bend: float) -> list[LineString]:
    """A mountain road through the points: one quadratic Bézier per leg, bowed sideways by up to ``bend``."""
    legs = []
    for a, b in zip(points, points[1:], strict=False):
        dx, dy = b.x - a.x, b.y - a.y
        k = rng.uniform(-bend, bend)
        cx, cy = (a.x + b.x) / 2 - dy * k, (a.y + b.y) / 2 + dx * k
        n = max(4, int(math.hypot(dx, dy) / 120))
        ts = [i / n for i in range(n + 1)]
        legs.append(
            LineString(
                [
                    (
                        (1 - t) ** 2 * a.x + 2 * (1 - t) * t * cx + t * t * b.x,
                        (1 - t) ** 2 * a.y + 2 * (1 - t) * t * cy + t * t * b.y,
                    )
                    for t in ts
                ]
            )
        )
    return legs


def join(legs: list[LineString]) -> LineString:
    return LineString([c for i, leg in enumerate(legs) for c in (leg.coords if i == 0 else leg.coords[1:])])


def beside(line: LineString, metres: float) -> LineString:
    """A pipe laid parallel to a road, ``metres`` to its left (negative: right)."""
    return line.offset_curve(metres, join_style="mitre")


def township_outline(centres: list[Point], rng: random.Random) -> Polygon:
    """An irregular boundary: the villages' hull grown by 2.6 km, its radius wobbled by up to ±1 km."""
    hull = MultiPoint(centres).convex_hull.buffer(2600, quad_segs=16)
    c = hull.centroid
    phases = [rng.uniform(0, 2 * math.pi) for _ in range(4)]
    pts = []
    for i in range(144):
        th = 2 * math.pi * i / 144
        ray = LineString([c, (c.x + 40000 * math.cos(th), c.y + 40000 * math.sin(th))])
        r = c.distance(ray.intersection(hull.exterior))
        r += sum(a * math.sin(f * th + p) for a, f, p in zip((420, 300, 180, 90), (3, 5, 9, 17), phases, strict=True))
        pts.append((c.x + r * math.cos(th), c.y + r * math.sin(th)))
    return Polygon(pts)


def wan(length_m: float, per_km: float) -> float:
    """Budget in 万元 for a line at a unit cost per km (one decimal)."""
    return round(max(length_m / 1000 * per_km, 1.0), 1)


class Demo:
    """The township being built: reference layers first, then projects that refer to them."""

    def __init__(self) -> None:
        self.rng = random.Random(SEED)
        self.out: dict[str, list[tuple[BaseGeometry, dict[str, Any], str | None]]] = {n: [] for n in CAT.names}
        self.villages: dict[str, Village] = {}
        self.st: list[Settlement] = []
        self.links: dict[tuple[str, str], LineString] = {}  # road between two village centres
        self.edges: dict[int, LineString] = {}  # settlement index → road from its parent
        self.nodes: dict[str, Point] = {}  # tourism nodes by short name
        self.tourism_road = LineString()

    def add(self, layer: str, geom: BaseGeometry, village: str | None = None, **props: Any) -> None:
        """Queue a feature (metric geometry); ``village`` = where it must land (checked against the locator)."""
        self.out[layer].append((geom, props, village))

    def near(self, s: Settlement, rmin: float, rmax: float) -> Point:
        """A point rmin–rmax metres from a settlement, inside its village."""
        for _ in range(500):
            a, r = self.rng.uniform(0, 2 * math.pi), self.rng.uniform(rmin, rmax)
            p = Point(s.pos.x + r * math.cos(a), s.pos.y + r * math.sin(a))
            if self.villages[s.village].poly.buffer(-30).contains(p):
                return p
        raise SystemExit(f"no room near {s.name}")

    def free_spot(self, village: str, rmin: float, rmax: float, clearance: float) -> Point:
        """A point in a village, rmin–rmax from its centre and at least ``clearance`` from every settlement."""
        v = self.villages[village]
        inner = v.poly.buffer(-250)
        for _ in range(3000):
            a, r = self.rng.uniform(0, 2 * math.pi), self.rng.uniform(rmin, rmax)
            p = Point(v.centre.x + r * math.cos(a), v.centre.y + r * math.sin(a))
            if inner.contains(p) and all(p.distance(s.pos) >= clearance for s in self.st):
                return p
        raise SystemExit(f"no free spot in {village}")

    def of(self, village: str) -> list[int]:
        return self.villages[village].members

    # ------------------------------------------------------------------ reference layers
    def build_admin(self) -> None:
        rng = self.rng
        centres = [Point(x * 1000, y * 1000) for _, _, (x, y), _, _ in VILLAGES]
        outline = township_outline(centres, rng)
        cells = shapely.voronoi_polygons(MultiPoint(centres), extend_to=outline, ordered=True)
        for (name, suffix, _, n, has_5g), c, cell in zip(VILLAGES, centres, cells.geoms, strict=True):
            poly = cell.intersection(outline)
            if poly.geom_type != "Polygon" or not poly.contains(c.buffer(1500)):
                raise SystemExit(f"village {name}: cell is {poly.geom_type} or too tight around its centre")
            self.villages[name] = Village(name, CODE_PREFIX + suffix, c, n, has_5g, poly)
        polys = [v.poly for v in self.villages.values()]
        if abs(sum(p.area for p in polys) - outline.area) > 1 or abs(shapely.union_all(polys).area - outline.area) > 1:
            raise SystemExit("village polygons do not tile the township outline")

        pool = [s + x for s in SURNAMES for x in SUFFIXES] + PLACES
        rng.shuffle(pool)
        for v in self.villages.values():
            seat = v.name == SEAT
            spacing, rmin, rmax = (300, 350, 1400) if seat else (600, 700, 3000)
            inner, pts, tries = v.poly.buffer(-200), [v.centre], 0
            while len(pts) < v.n:
                tries += 1
                if tries > 5000:
                    raise SystemExit(f"cannot place {v.n} settlements in {v.name}")
                a, r = rng.uniform(0, 2 * math.pi), rng.uniform(rmin, rmax)
                p = Point(v.centre.x + r * math.cos(a), v.centre.y + r * math.sin(a))
                if (
                    inner.contains(p)
                    and min(p.distance(q) for q in pts) >= spacing
                    and all(p.distance(s.pos) >= 500 for s in self.st)
                ):
                    pts.append(p)
            pts.sort(key=v.centre.distance)
            names = SEAT_NAMES if seat else [pool.pop() for _ in pts]
            for k, (p, name) in enumerate(zip(pts, names, strict=False)):
                hh = (
                    (120 if k == 0 else rng.randint(60, 120))
                    if seat
                    else (rng.randint(70, 110) if k == 0 else rng.randint(12, 90))
                )
                parent = None if k == 0 else min(v.members, key=lambda i, p=p: self.st[i].pos.distance(p))
                v.members.append(len(self.st))
                self.st.append(Settlement(name, v.name, p, hh, round(hh * rng.uniform(2.75, 3.25)), k == 0, parent))

        # Remote groups: the farthest settlement of each hill village is on a gravel/earth road, at the end of a
        # track that stops short, or not reached at all; the two remote villages have a second gravel group.
        far = [self.of(name)[-1] for name in self.villages if name != SEAT]
        rng.shuffle(far)
        kinds = ["gravel"] * 4 + ["earth"] * 3 + ["track", "none", "paved", "paved"]
        for i, kind in zip(far, kinds, strict=True):
            self.st[i].access = kind
            self.st[i].households = rng.randint(20, 60)
            self.st[i].population = round(self.st[i].households * rng.uniform(2.75, 3.25))
        for name in ("高坪村", "马鞍山村"):
            self.st[self.of(name)[-2]].access = "gravel"

        for v in self.villages.values():
            hh = sum(self.st[i].households for i in v.members)
            pop = sum(self.st[i].population for i in v.members)
            self.add("villages", v.poly, code=v.code, name=v.name, population=pop, households=hh, has_5g=v.has_5g)
        for s in self.st:
            self.add(
                "settlements",
                s.pos,
                s.village,
                name=s.name,
                village_code=self.villages[s.village].code,
                households=s.households,
                population=s.population,
                is_village_centre=s.centre,
            )

    # ------------------------------------------------------------------ transport
    def build_roads(self) -> None:
        rng = self.rng
        outline = shapely.union_all([v.poly for v in self.villages.values()])
        for name, cls, surface, width, status, year, per_km, way in TRUNK:
            pts = [self.villages[w].centre if isinstance(w, str) else Point(w[0] * 1000, w[1] * 1000) for w in way]
            legs = winding(pts, rng, 0.12)
            for a, b, leg in zip(way, way[1:], legs, strict=False):
                if isinstance(a, str) and isinstance(b, str):
                    self.links[(a, b)], self.links[(b, a)] = leg, leg.reverse()
            line = join(legs).intersection(outline)
            if line.geom_type != "LineString":
                line = max(line.geoms, key=lambda g: g.length)
            budget = wan(line.length, per_km) if per_km else None
            note = "路基已基本完工,2026年路面铺设,年底前主路通车" if status == "under_construction" else None
            self.add(
                "roads",
                line,
                name=name,
                status=status,
                year=year,
                budget_wan=budget,
                note=note,
                road_class=cls,
                surface=surface,
                width_m=width,
            )
            if "旅游公路" in name:
                self.tourism_road = line

        paved_edges = []
        for i, s in enumerate(self.st):
            if s.parent is None:
                continue
            parent = self.st[s.parent]
            line = join(winding([parent.pos, s.pos], rng, 0.22))
            self.edges[i] = line
            label = f"{parent.name}至{s.name}"
            if s.access == "paved":
                paved_edges.append(len(self.out["roads"]))
                self.add(
                    "roads",
                    line,
                    name=f"{label}村道",
                    status="existing",
                    year=rng.randint(2014, 2022),
                    road_class="village",
                    surface="paved",
                    width_m=rng.choice([3.5, 4.0, 4.5]),
                )
            elif s.access in ("gravel", "earth"):
                self.add(
                    "roads",
                    line,
                    name=f"{label}组道",
                    status="existing",
                    year=rng.randint(2006, 2014),
                    road_class="group",
                    surface=s.access,
                    width_m=3.0 if s.access == "gravel" else 2.5,
                )
            elif s.access == "track":
                self.add(
                    "roads",
                    substring(line, 0, line.length - 450),
                    name=f"{s.name}机耕道",
                    status="existing",
                    year=2012,
                    road_class="group",
                    surface="earth",
                    width_m=2.5,
                    note=f"止于距{s.name}约450米处,该组未通公路",
                )
        # 2025: three village roads hardened (毛细血管路网); 2026: one gravel group road to be hardened.
        for k in sorted(rng.sample(paved_edges, 3)):
            geom, props, _ = self.out["roads"][k]
            props.update(
                name=props["name"] + "硬化工程", status="completed", year=2025, budget_wan=wan(geom.length, 85)
            )
        i = max((i for i, s in enumerate(self.st) if s.access == "gravel"), key=lambda i: self.st[i].households)
        self.add(
            "roads",
            self.edges[i],
            name=f"{self.st[i].name}组道硬化工程",
            status="planned",
            year=2026,
            budget_wan=wan(self.edges[i].length, 90),
            note="砂石路面升级为硬化路面",
            road_class="group",
            surface="paved",
            width_m=3.5,
        )

    # ------------------------------------------------------------------ water
    def build_water(self) -> None:
        rng = self.rng
        seat = self.villages[SEAT]
        plant = self.free_spot(SEAT, 500, 900, 250)
        self.add(
            "facilities",
            plant,
            SEAT,
            name="青岩乡集镇水厂",
            status="existing",
            year=2013,
            kind="water_plant",
            capacity=3000,
            note="设计供水规模3000吨/日",
        )
        self.add(
            "water_networks",
            join(winding([plant, seat.centre], rng, 0.1)),
            name="集镇水厂出厂主管",
            status="existing",
            year=2013,
            pipe_kind="main",
            diameter_mm=250,
            material="ductile_iron",
        )
        for a, b in MAINS:
            self.add(
                "water_networks",
                beside(self.links[(a, b)], 8),
                name=f"{a[:-1]}至{b[:-1]}供水主管",
                status="existing",
                year=rng.randint(2013, 2019),
                pipe_kind="main",
                diameter_mm=160 if a == SEAT else 110,
                material="pe",
            )
        tapped = {self.of(name)[0] for name in (*WATER_ALL, *WATER_PLAN)}  # mains end at the village centres
        for name in (*WATER_ALL, *WATER_PLAN):
            members = self.of(name)
            today = len(members) if name in WATER_ALL else WATER_PLAN[name]
            planned = 0
            for k, i in enumerate(members):
                s = self.st[i]
                if s.parent is None or s.access in ("track", "none"):
                    continue
                pipe = beside(self.edges[i], 4)
                tapped.add(i)
                if k < today:
                    self.add(
                        "water_networks",
                        pipe,
                        name=f"{s.name}供水支管",
                        status="existing",
                        year=rng.randint(2012, 2021),
                        pipe_kind="branch",
                        diameter_mm=rng.choice([63, 75, 90]),
                        material="pe",
                    )
                else:
                    planned += 1
                    self.add(
                        "water_networks",
                        pipe,
                        name,
                        name=f"{name}{s.name}供水管网延伸工程",
                        status="planned",
                        year=2026,
                        budget_wan=wan(pipe.length, 32),
                        pipe_kind="branch",
                        diameter_mm=90,
                        material="pe",
                        note="2026年农村供水保障工程",
                    )
            if name in WATER_PLAN and not planned:
                raise SystemExit(f"{name}: no settlement left for the 2026 water project")
        # Remote groups without piped water even after 2026: most have a spring-fed source within reach.
        for i, s in enumerate(self.st):
            if i not in tapped and rng.random() < 0.75:
                self.add(
                    "facilities",
                    self.near(s, 150, 600),
                    s.village,
                    name=f"{s.name}山泉集中供水点",
                    status="existing",
                    year=rng.randint(2010, 2020),
                    kind="water_source",
                    capacity=20,
                )

    # ------------------------------------------------------------------ sewage
    def build_sewage(self) -> None:
        rng = self.rng
        seat = self.villages[SEAT]
        plant = self.free_spot(SEAT, 500, 900, 250)
        self.add(
            "facilities",
            plant,
            SEAT,
            name="青岩乡集镇污水处理厂",
            status="existing",
            year=2019,
            kind="sewage_plant",
            capacity=600,
            note="设计处理能力600吨/日,稳定运营",
        )
        self.add(
            "sewage_networks",
            join(winding([seat.centre, plant], rng, 0.1)),
            name="集镇雨污分流改造污水主管",
            status="completed",
            year=2025,
            budget_wan=460.0,
            pipe_kind="main",
            diameter_mm=400,
            note="集镇街道雨污分流改造工程",
        )
        members = self.of(SEAT)
        for k, i in enumerate(members[1:], start=1):
            s, pipe = self.st[i], beside(self.edges[i], -3)
            if k < len(members) - 1:
                self.add(
                    "sewage_networks",
                    pipe,
                    name=f"集镇{s.name}污水支管",
                    status="existing",
                    year=2019,
                    pipe_kind="branch",
                    diameter_mm=300,
                )
            else:
                self.add(
                    "sewage_networks",
                    pipe,
                    SEAT,
                    name=f"集镇{s.name}污水管网延伸工程",
                    status="planned",
                    year=2026,
                    budget_wan=wan(pipe.length, 120),
                    pipe_kind="branch",
                    diameter_mm=300,
                )
        # Eco villages: a sewer at the village centre (and one group in 茶园村); one extension each planned.
        for name, today in (("茶园村", 1), ("樱花村", 0)):
            c = self.villages[name].centre
            self.add(
                "sewage_networks",
                join(winding([Point(c.x - 250, c.y + 60), Point(c.x + 250, c.y - 60)], rng, 0.1)),
                name,
                name=f"{name}集中居住点污水管网",
                status="completed",
                year=2024,
                budget_wan=85.0,
                pipe_kind="main",
                diameter_mm=200,
                note="配套一体化污水处理设施",
            )
            for k, i in enumerate(self.of(name)[1:3]):
                s, pipe = self.st[i], beside(self.edges[i], -3)
                if k < today:
                    self.add(
                        "sewage_networks",
                        pipe,
                        name=f"{name}{s.name}污水支管",
                        status="completed",
                        year=2024,
                        budget_wan=wan(pipe.length, 110),
                        pipe_kind="branch",
                        diameter_mm=200,
                    )
                else:
                    self.add(
                        "sewage_networks",
                        pipe,
                        name,
                        name=f"{name}{s.name}污水管网延伸工程",
                        status="planned",
                        year=2026,
                        budget_wan=wan(pipe.length, 110),
                        pipe_kind="branch",
                        diameter_mm=200,
                    )
                    break

    # ------------------------------------------------------------------ housing
    def build_housing(self) -> None:
        rng = self.rng
        weights = [0.3 if s.village == SEAT else (3.0 if s.access != "paved" else 1.0) for s in self.st]
        picks = rng.choices(range(len(self.st)), weights=weights, k=68)
        count: dict[int, int] = {}
        for n, i in enumerate(picks):
            s = self.st[i]
            count[i] = count.get(i, 0) + 1
            grade = "D" if rng.random() < 0.3 else "C"
            cost = rng.uniform(4.0, 6.0) if grade == "D" else rng.uniform(1.5, 2.5)
            done = n < 50  # 全年完成50户农村危房改造; the rest are identified, to be repaired in 2026
            self.add(
                "housing_repairs",
                self.near(s, 60, 350),
                s.village,
                name=f"{s.name}{count[i]}号农房危房改造",
                status="completed" if done else "planned",
                year=2025 if done else 2026,
                budget_wan=round(cost, 1),
                danger_grade=grade,
                households=1,
                identified_year=rng.choice([2023, 2024]) if done else 2025,
            )

    # ------------------------------------------------------------------ tourism, eco villages, reservoirs
    def build_tourism(self) -> None:
        rng = self.rng
        seat, tea, sakura = self.villages[SEAT], self.villages["茶园村"], self.villages["樱花村"]
        self.nodes["古镇"] = Point(seat.centre.x + 150, seat.centre.y + 80)
        self.nodes["茶园"] = self.free_spot("茶园村", 700, 1300, 300)
        belt = join(winding([sakura.centre, self.st[sakura.members[1]].pos], rng, 0.35))
        self.nodes["樱花"] = belt.interpolate(0.5, normalized=True)
        self.nodes["郊野公园"] = self.free_spot("龙潭村", 500, 900, 250)
        for key, name, village, status, year, budget in [
            ("古镇", "青岩土家古镇", SEAT, "existing", 2018, None),
            ("茶园", "万亩生态茶园", "茶园村", "existing", 2016, None),
            ("樱花", "樱花观光带", "樱花村", "existing", 2021, None),
            ("郊野公园", "龙潭村郊野公园", "龙潭村", "under_construction", 2026, 900.0),
        ]:
            self.add(
                "facilities",
                self.nodes[key],
                village,
                name=name,
                status=status,
                year=year,
                budget_wan=budget,
                kind="scenic_spot",
            )
        self.add(
            "tourism_routes",
            self.tourism_road,
            name="青岩至樱花村旅游公路",
            status="planned",
            year=2026,
            route_type="scenic_road",
            note="投资计入道路图层同名项目",
        )
        self.add("tourism_routes", belt, name="樱花观光带", status="existing", year=2021, route_type="sightseeing")
        hike = join(winding([self.nodes["古镇"], tea.centre, self.nodes["茶园"]], rng, 0.25))
        self.add(
            "tourism_routes",
            hike,
            name="土家古镇至万亩生态茶园茶旅精品线路",
            status="planned",
            year=2026,
            budget_wan=wan(hike.length, 40),
            route_type="hiking",
            note="茶文化体验、农事采摘",
        )
        ride = join(winding([self.nodes["樱花"], self.villages["石门村"].centre], rng, 0.2))
        self.add(
            "tourism_routes",
            ride,
            name="樱花谷至石门骑行精品线路",
            status="planned",
            year=2026,
            budget_wan=wan(ride.length, 30),
            route_type="cycling",
            note="康养度假骑行线路",
        )

    def build_eco_and_reservoirs(self) -> None:
        for name in ("茶园村", "樱花村"):
            self.add(
                "eco_villages",
                self.villages[name].poly,
                name,
                name=f"{name}绿美生态示范村",
                status="completed",
                year=2025,
                budget_wan=50.0,
                designation="green_beautiful",
                level="city",
            )
        for village, name, cap, scale, safety, status, year, budget, irrigated, note in [
            (
                "龙潭村",
                "龙潭水库",
                186.0,
                "small_1",
                "reinforced",
                "completed",
                2025,
                860.0,
                3200,
                "2025年完成除险加固",
            ),
            (
                "白果村",
                "白果坪水库",
                42.0,
                "small_2",
                "under_reinforcement",
                "under_construction",
                2026,
                380.0,
                900,
                "除险加固工程实施中",
            ),
            ("高坪村", "岩洞湾水库", 18.0, "small_2", "unsafe", "existing", 1975, None, 300, "三类坝,尚未安排除险加固"),
            ("杉木村", "杉木溪水库", 65.0, "small_2", "safe", "existing", 1978, None, 1200, None),
        ]:
            self.add(
                "reservoirs",
                self.free_spot(village, 900, 2500, 400),
                village,
                name=name,
                status=status,
                year=year,
                budget_wan=budget,
                note=note,
                capacity_10k_m3=cap,
                scale=scale,
                safety=safety,
                irrigated_area_mu=irrigated,
            )

    # ------------------------------------------------------------------ public facilities
    def facility(
        self, at: Point, village: str, name: str, kind: str, status: str = "existing", year: int = 2015, **props: Any
    ) -> None:
        self.add("facilities", at, village, name=name, status=status, year=year, kind=kind, **props)

    def build_facilities(self) -> None:
        rng = self.rng
        centre = {name: self.st[v.members[0]] for name, v in self.villages.items()}
        for name, s in centre.items():
            self.facility(self.near(s, 20, 60), name, f"{name}村委会", "village_committee", year=2012)
            if name not in (SEAT, NO_CLINIC):
                self.facility(self.near(s, 40, 120), name, f"{name}卫生室", "clinic", year=rng.randint(2010, 2018))
        seat = centre[SEAT]
        for name, kind, status, year, props in [
            (
                "青岩乡中心卫生院",
                "health_centre",
                "completed",
                2025,
                {"budget_wan": 2400.0, "capacity": 60, "note": "县域医疗卫生次中心项目,2025年投入运营"},
            ),
            ("青岩乡中心幼儿园", "kindergarten", "existing", 2014, {"capacity": 270}),
            ("青岩乡中心小学", "primary_school", "existing", 2008, {"capacity": 720}),
            (
                "青岩民族初级中学",
                "middle_school",
                "completed",
                2025,
                {"budget_wan": 320.0, "capacity": 900, "note": "2025年完成教学楼维修改造"},
            ),
            ("青岩乡综合文化站", "cultural_station", "completed", 2025, {"budget_wan": 150.0, "note": "提级改造"}),
            ("青岩乡集镇养老服务站", "elderly_care", "existing", 2020, {"capacity": 30}),
            ("集镇老街公厕", "public_toilet", "existing", 2019, {"grade": "A"}),
        ]:
            self.facility(self.near(seat, 100, 450), SEAT, name, kind, status, year, **props)
        baiguo = centre["白果村"]
        self.facility(self.near(baiguo, 60, 200), "白果村", "青岩乡第二幼儿园", "kindergarten", year=2017, capacity=150)
        self.facility(self.near(baiguo, 60, 200), "白果村", "白果村小学", "primary_school", year=2006, capacity=240)
        for name in ("白果村", "杉木村"):
            self.facility(self.near(centre[name], 30, 120), name, f"{name}公厕", "public_toilet", year=2021)
        self.facility(
            self.near(centre["桂花村"], 100, 250),
            "桂花村",
            "青岩乡第三幼儿园",
            "kindergarten",
            "planned",
            2026,
            budget_wan=680.0,
            capacity=180,
        )
        for name in ("龙潭村", "金竹村"):
            self.facility(
                self.near(centre[name], 50, 150),
                name,
                f"{name}养老服务站",
                "elderly_care",
                "planned",
                2026,
                budget_wan=85.0,
                capacity=20,
                note="村级养老服务站",
            )

        def at_node(key: str, village: str) -> Point:
            v = self.villages[village].poly.buffer(-30)
            for _ in range(200):
                a, r = rng.uniform(0, 2 * math.pi), rng.uniform(100, 300)
                p = Point(self.nodes[key].x + r * math.cos(a), self.nodes[key].y + r * math.sin(a))
                if v.contains(p):
                    return p
            raise SystemExit(f"no room near {key}")

        self.facility(at_node("古镇", SEAT), SEAT, "土家古镇游客公厕", "public_toilet", year=2018, grade="AA")
        self.facility(at_node("古镇", SEAT), SEAT, "集镇停车场", "parking", year=2018, capacity=80)
        self.facility(
            at_node("茶园", "茶园村"),
            "茶园村",
            "万亩生态茶园旅游公厕",
            "public_toilet",
            "planned",
            2026,
            budget_wan=45.0,
            grade="A",
            note="改建",
        )
        self.facility(
            at_node("樱花", "樱花村"),
            "樱花村",
            "樱花观光带旅游公厕",
            "public_toilet",
            "planned",
            2026,
            budget_wan=38.0,
            grade="A",
            note="改建",
        )
        self.facility(
            at_node("茶园", "茶园村"),
            "茶园村",
            "万亩生态茶园生态停车场",
            "parking",
            "planned",
            2026,
            budget_wan=260.0,
            capacity=120,
        )
        for village, toward in BUS_STOPS:
            stop = self.links[(village, toward)].interpolate(150)
            label = "青岩乡客运站" if village == SEAT else f"{village}客运招呼站"
            self.facility(stop, village, label, "bus_stop", year=rng.randint(2016, 2022))

        # Garbage points beside every settlement except the most remote small groups, stopping at ~90 % of 户.
        total = sum(s.households for s in self.st)
        rank = {"none": 0, "track": 1, "earth": 2, "gravel": 3, "paved": 4}
        skipped, left = set(), total
        for i in sorted(range(len(self.st)), key=lambda i: (rank[self.st[i].access], self.st[i].households)):
            if (left - self.st[i].households) / total < 0.9:
                break
            skipped.add(i)
            left -= self.st[i].households
        for i, s in enumerate(self.st):
            if i not in skipped:
                self.facility(
                    self.near(s, 30, 120),
                    s.village,
                    f"{s.name}垃圾收集点",
                    "garbage_station",
                    year=rng.randint(2018, 2023),
                )

    # ------------------------------------------------------------------ water bodies, lines, farmland
    def build_land_and_lines(self) -> None:
        """Water bodies, 农网改造 / 三线整治 lines and the 300 亩 旱改水 of 2025.

        Built last, from a generator of its own, so the layers above stay byte-for-byte what they were.
        """
        self.rng = random.Random(SEED + 9)
        outline = shapely.union_all([v.poly for v in self.villages.values()])
        # 青岩河: a river winding through the south of the township, 24 m wide.
        river = join(
            winding([Point(-9000, -2600), Point(-3400, -1200), Point(1200, -2300), Point(9500, -3300)], self.rng, 0.1)
        )
        self.add("water_bodies", river.buffer(12, quad_segs=4).intersection(outline), name="青岩河", water_type="river")
        for geom, props, _ in list(self.out["reservoirs"]):
            surface = geom.buffer(math.sqrt(props["capacity_10k_m3"]) * 18, quad_segs=8)
            self.add("water_bodies", surface, name=f"{props['name']}水面", water_type="reservoir")
        for s in (self.st[i] for i in (self.of("龙潭村")[1], self.of("金竹村")[2], self.of("桂花村")[1])):
            self.add(
                "water_bodies", self.near(s, 120, 220).buffer(30, quad_segs=4), name=f"{s.name}山塘", water_type="pond"
            )

        # 2025: 完成新一轮农村电网改造升级 — 10kV lines beside the roads between village centres.
        for a, b in [(SEAT, "茶园村"), ("茶园村", "杉木村"), (SEAT, "龙潭村"), ("桂花村", "石门村")]:
            line = beside(self.links[(a, b)], 12)
            self.add(
                "utility_lines", line, name=f"{a}至{b}10kV线路农网改造", status="completed", year=2025,
                budget_wan=wan(line.length, 45), utility="power", laying="overhead", works="grid_upgrade",
                tidy_status="not_needed",
            )  # fmt: skip
        # 集镇"三线"下地 (under way) and 2026 完成全域"三线"整治 (planned) along the village roads.
        seat_lines = [self.edges[i] for i in self.of(SEAT) if i in self.edges]
        for n, line in enumerate(seat_lines[:3], start=1):
            self.add(
                "utility_lines", beside(line, 4), SEAT, name=f"集镇老街\"三线\"下地工程{n}段",
                status="under_construction", year=2026, budget_wan=wan(line.length, 120), utility="telecom",
                laying="buried", works="three_lines", tidy_status="messy",
            )  # fmt: skip
        for village in ("樱花村", "茶园村", "桂花村", "金竹村"):
            for i in self.of(village)[1:3]:
                if i in self.edges:
                    line = beside(self.edges[i], 5)
                    self.add(
                        "utility_lines", line, name=f"{self.st[i].name}\"三线\"整治", status="planned", year=2026,
                        budget_wan=wan(line.length, 30), utility="telecom", laying="overhead", works="three_lines",
                        tidy_status="messy",
                    )  # fmt: skip
        self.add(
            "utility_lines", beside(self.links[("杉木村", "茶园村")], -10), name="杉木至茶园通信杆路",
            status="existing", year=2016, utility="telecom", laying="overhead", tidy_status="messy",
        )  # fmt: skip

        # 2025: 扎实推进"旱改水"项目新增水田面积300亩 — three plots of exactly 100 亩 (measured in UTM 49N).
        side = math.sqrt(100 * 10000 / 15)  # 1 亩 = 10000/15 m²
        for village in ("白果村", "枫香村", "马鞍山村"):
            c = self.free_spot(village, 700, 1800, 250)
            plot = Polygon([(c.x - side / 2, c.y - side / 2), (c.x + side / 2, c.y - side / 2),
                            (c.x + side / 2, c.y + side / 2), (c.x - side / 2, c.y + side / 2)])  # fmt: skip
            self.add(
                "farmland_projects", plot, village, name=f"{village}旱改水项目", status="completed", year=2025,
                budget_wan=60.0, works="dry_to_paddy", area_mu=100.0,
            )  # fmt: skip

    # ------------------------------------------------------------------ output
    def build(self) -> None:
        self.build_admin()
        self.build_roads()
        self.build_water()
        self.build_sewage()
        self.build_housing()
        self.build_tourism()
        self.build_eco_and_reservoirs()
        self.build_facilities()
        self.build_land_and_lines()

    def collections(self) -> dict[str, list[dict[str, Any]]]:
        """GeoJSON features per layer, in the stored form: ids, catalogue field order, rounded lon/lat."""
        codes = {v.name: v.code for v in self.villages.values()}
        out: dict[str, list[dict[str, Any]]] = {}
        locator: VillageLocator | None = None
        for layer in CAT.names:
            spec = CAT.layer(layer)
            feats = []
            for n, (geom, props, village) in enumerate(self.out[layer], start=1):
                unknown = set(props) - set(spec.field_names)
                if unknown:
                    raise SystemExit(f"{layer}: unknown fields {sorted(unknown)}")
                geometry = mapping(to_lonlat(geom))
                geometry = {"type": geometry["type"], "coordinates": round_coords(geometry["coordinates"])}
                if spec.kind == "project":
                    code = locator.code_for(shape(geometry)) if locator else None
                    if code is None or (village is not None and code != codes[village]):
                        raise SystemExit(f"{layer} {props['name']}: lands in {code}, expected {village}")
                    props = props | {"village_code": code}
                props = props | {"version": 1, "updated_at": UPDATED_AT}
                ordered = {k: props[k] for k in spec.field_names if props.get(k) is not None}
                feats.append(
                    {"type": "Feature", "id": f"{spec.id_prefix}-{n:04d}", "geometry": geometry, "properties": ordered}
                )
            out[layer] = feats
            if layer == "villages":
                codes_, polys = [f["properties"]["code"] for f in feats], [shape(f["geometry"]) for f in feats]
                locator = VillageLocator(codes_, polys)
        return out

    def summary(self) -> str:
        """Per-village households and the coverage shares the demo is designed around (metric distances)."""

        def near(layer: str, statuses: tuple[str, ...], dist: float, **match: str) -> BaseGeometry:
            geoms = [
                g
                for g, p, _ in self.out[layer]
                if p["status"] in statuses and all(p.get(k) == v for k, v in match.items())
            ]
            return shapely.union_all(geoms).buffer(dist)

        plan = (*BASELINE, "planned", "under_construction")
        areas = {
            "tap": near("water_networks", BASELINE, 50),
            "tap2026": near("water_networks", plan, 50),
            "sewage": near("sewage_networks", BASELINE, 30),
            "sew2026": near("sewage_networks", plan, 30),
            "garbage": near("facilities", BASELINE, 200, kind="garbage_station"),
        }
        paved = near("roads", BASELINE, 100, surface="paved")
        rows = [f"{'village':<8}{'户':>6}{'人':>7}" + "".join(f"{k:>9}" for k in areas) + f"{'paved≥30户':>11}"]
        groups = [(v.name, [self.st[i] for i in v.members]) for v in self.villages.values()] + [("全乡", self.st)]
        for name, ss in groups:
            hh = sum(s.households for s in ss)
            shares = "".join(f"{sum(s.households for s in ss if a.contains(s.pos)) / hh:>9.0%}" for a in areas.values())
            big = [s for s in ss if s.households >= 30]
            road = f"{sum(paved.contains(s.pos) for s in big)}/{len(big)}"
            rows.append(f"{name:<8}{hh:>6}{sum(s.population for s in ss):>7}{shares}{road:>11}")
        counts = ", ".join(f"{k} {len(f)}" for k, f in self.out.items() if f)
        return "\n".join(rows) + f"\nfeatures: {counts}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write the demo township 青岩乡 as geoplan layer files.")
    parser.add_argument("--out", type=Path, default=REPO / "data" / "geojson", help="output directory")
    parser.add_argument("--quiet", action="store_true", help="do not print the summary table")
    args = parser.parse_args(argv)
    demo = Demo()
    demo.build()
    layers = demo.collections()
    problems = [p for name, feats in layers.items() for p in collection_problems(CAT, CAT.layer(name), feats)]
    if problems:
        for p in problems:
            print(p, file=sys.stderr)
        raise SystemExit(f"{len(problems)} validation problem(s); nothing written")
    args.out.mkdir(parents=True, exist_ok=True)
    for name, feats in layers.items():
        if feats:
            # the demo township's data is complete: every layer declared surveyed across the whole township
            meta = {"last_change": None, "surveyed": {"scope": "all"}}
            atomic_write(args.out / f"{name}.geojson", encode_collection(name, feats, meta))
    if not args.quiet:
        print(demo.summary())
    return 0


if __name__ == "__main__":
    sys.exit(main())
