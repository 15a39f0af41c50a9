"""Network distance: the walk (or drive) from a unit to the nearest target along the roads layer.

In mountain townships the way to a clinic follows the roads and is often twice the straight line.  The roads of
a scenario are noded where they cross (:func:`shapely.node`: a junction wherever two roads meet or cross, which is
right for rural roads and wrong only for bridges over other roads), split into straight segments and put in a
sparse graph; shortest paths are scipy's Dijkstra (:func:`scipy.sparse.csgraph.dijkstra`), run once from every
target at the same time (``min_only``), so a query costs one graph search whatever the number of units.

Every unit and every point target is joined to its nearest road segment by a straight connector (a house's path
to the road); the distance is connector + along the roads + the target's connector.  Road targets (the nearest
paved road) are reached as soon as the walk touches them.  ``walk`` uses every road; ``drive`` paved roads only.
All coordinates are metres in the local projected CRS.

With a DEM (:mod:`geoplan.analysis.terrain`) a walk's segments cost their Tobler flat-equivalent metres, which
differ by direction (up is slower than down): the graph is directed, and Dijkstra runs from the targets over the
reversed edges, so each node gets the cost of walking from it *to* the nearest target.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
import pandas as pd
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import dijkstra

Mode = Literal["walk", "drive"]
#: Coordinates closer than this (m) are one graph node (vertices shared by two roads written with rounding).
_SNAP_M = 0.01


@dataclass(frozen=True)
class RoadGraph:
    """Straight road segments (end nodes, length, the road row each came from) and their sparse graph."""

    nodes: np.ndarray  # (n, 2) projected coordinates
    seg_a: np.ndarray  # int: node of each segment's start
    seg_b: np.ndarray  # int: node of each segment's end
    seg_len: np.ndarray  # float: segment length (m)
    seg_road: np.ndarray  # int: row (in the geometries given to ``build``) of the road the segment lies on
    tree: shapely.STRtree | None  # over the segments
    #: Walking cost (m) of each segment from its start to its end and back; None: its length both ways.
    cost_ab: np.ndarray | None = None
    cost_ba: np.ndarray | None = None

    @property
    def fwd(self) -> np.ndarray:
        """Cost per metre walking each segment start → end (1 without terrain)."""
        return np.ones(len(self.seg_len)) if self.cost_ab is None else self.cost_ab / self.seg_len

    @property
    def bwd(self) -> np.ndarray:
        """Cost per metre walking each segment end → start."""
        return np.ones(len(self.seg_len)) if self.cost_ba is None else self.cost_ba / self.seg_len

    @property
    def min_factor(self) -> float:
        """No walk costs less than this many times its length (1 without terrain): bounds straight-line filters."""
        if self.cost_ab is None or not len(self.seg_len):
            return 1.0
        return float(min(1.0, self.fwd.min(), self.bwd.min()))

    def with_costs(self, elevation: Callable[[np.ndarray], np.ndarray], step_m: float) -> RoadGraph:
        """This graph with Tobler walking costs (:func:`geoplan.analysis.terrain.segment_costs`)."""
        from geoplan.analysis.terrain import segment_costs

        fwd, bwd = segment_costs(self.nodes[self.seg_a], self.nodes[self.seg_b], elevation, step_m)
        return replace(self, cost_ab=fwd, cost_ba=bwd)

    @property
    def n_nodes(self) -> int:
        return len(self.nodes)

    @staticmethod
    def build(lines: np.ndarray) -> RoadGraph:
        """The graph of projected line geometries (LineString/MultiLineString; empty or missing ones skipped)."""
        lines = np.asarray(lines, dtype=object)
        ok = ~(shapely.is_missing(lines) | shapely.is_empty(lines)) if len(lines) else np.zeros(0, dtype=bool)
        rows = np.flatnonzero(ok)
        if not len(rows):
            empty_i = np.zeros(0, dtype=np.int64)
            return RoadGraph(np.zeros((0, 2)), empty_i, empty_i, np.zeros(0), empty_i, None)
        # Node every road against every other (junctions at crossings), keeping track of which road each piece
        # came from: node the union, then give each noded piece the road it lies on.
        noded = shapely.get_parts(shapely.node(shapely.multilinestrings(shapely.get_parts(lines[rows]))))
        pieces_tree = shapely.STRtree(lines[rows])
        mid = shapely.line_interpolate_point(noded, 0.5, normalized=True)
        pi, ri = pieces_tree.query(mid, predicate="dwithin", distance=1e-6)
        order = np.lexsort((ri, pi))
        pi, ri = pi[order], ri[order]
        owner = np.full(len(noded), -1, dtype=np.int64)
        first = np.r_[True, pi[1:] != pi[:-1]] if len(pi) else np.zeros(0, dtype=bool)
        owner[pi[first]] = rows[ri[first]]
        coords, part = shapely.get_coordinates(noded, return_index=True)
        same = np.r_[part[1:] == part[:-1], False]
        start = np.flatnonzero(same)
        keys = np.round(coords / _SNAP_M).astype(np.int64)
        uniq, node_of = np.unique(keys, axis=0, return_inverse=True)
        node_of = node_of.reshape(-1)
        nodes = np.zeros((len(uniq), 2))
        nodes[node_of] = coords
        a, b = node_of[start], node_of[start + 1]
        length = np.hypot(*(coords[start + 1] - coords[start]).T)
        keep = a != b
        a, b, length, road = a[keep], b[keep], length[keep], owner[part[start]][keep]
        segs = shapely.linestrings(np.stack([nodes[a], nodes[b]], axis=1)) if len(a) else np.zeros(0, dtype=object)
        tree = shapely.STRtree(segs) if len(segs) else None
        return RoadGraph(nodes, a, b, length, road, tree)

    def matrix(self, extra: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None, n_extra: int = 0) -> coo_matrix:
        """The graph as a sparse matrix, with optional extra directed edges to ``n_extra`` more nodes.

        Entry ``[x, y]`` is the cost of walking from ``y`` to ``x`` (reversed), so a search from a target gives
        every node its cost of walking to that target.
        """
        rows = [self.seg_a, self.seg_b]
        cols = [self.seg_b, self.seg_a]
        back = self.seg_len if self.cost_ba is None else self.cost_ba
        forth = self.seg_len if self.cost_ab is None else self.cost_ab
        vals = [back, forth]
        if extra is not None:
            rows.append(extra[0])
            cols.append(extra[1])
            vals.append(extra[2])
        n = self.n_nodes + n_extra
        # a zero-length edge would vanish from a sparse matrix: keep it as the smallest positive length
        data = np.maximum(np.concatenate(vals), 1e-9)
        return coo_matrix((data, (np.concatenate(rows), np.concatenate(cols))), shape=(n, n)).tocsr()


@dataclass(frozen=True)
class _Snap:
    """Where points join the roads: nearest segment, connector length and position along the segment."""

    seg: np.ndarray  # int (-1: no segment)
    connector: np.ndarray  # float
    along: np.ndarray  # float: metres from the segment's start node to the foot of the connector


def _unit_legs(graph: RoadGraph, s: np.ndarray, along: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cost from a point ``along`` metres into segment ``s`` to the segment's start node, and to its end node."""
    return along * graph.bwd[s], (graph.seg_len[s] - along) * graph.fwd[s]


def _target_legs(graph: RoadGraph, s: np.ndarray, along: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cost from segment ``s``'s start node to a point ``along`` metres into it, and from its end node."""
    return along * graph.fwd[s], (graph.seg_len[s] - along) * graph.bwd[s]


def _along_one(graph: RoadGraph, s: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Cost of walking along segment ``s`` from ``start`` to ``end`` metres from its start node."""
    return np.abs(end - start) * np.where(end >= start, graph.fwd[s], graph.bwd[s])


def _with_targets(graph: RoadGraph, t: _Snap, tk: np.ndarray) -> tuple[np.ndarray, coo_matrix]:
    """The graph plus a virtual node per snapped target ``tk``, joined to both ends of its segment (connector +
    along it); the virtual nodes' numbers and the matrix."""
    virt = graph.n_nodes + np.arange(len(tk))
    ts = t.seg[tk]
    rows = np.concatenate([virt, virt])
    cols = np.concatenate([graph.seg_a[ts], graph.seg_b[ts]])
    from_a, from_b = _target_legs(graph, ts, t.along[tk])
    vals = np.concatenate([t.connector[tk] + from_a, t.connector[tk] + from_b])
    return virt, graph.matrix((rows, cols, vals), n_extra=len(tk))


def snap(graph: RoadGraph, xy: np.ndarray) -> _Snap:
    """Each point's nearest road segment (straight connector) and the foot's position along it."""
    n = len(xy)
    seg = np.full(n, -1, dtype=np.int64)
    conn = np.full(n, np.inf)
    along = np.zeros(n)
    ok = np.flatnonzero(np.isfinite(xy).all(axis=1)) if n else np.zeros(0, dtype=np.int64)
    if graph.tree is None or not len(ok):
        return _Snap(seg, conn, along)
    pts = shapely.points(xy[ok])
    inp, hit = graph.tree.query_nearest(pts, all_matches=False)
    a, b = graph.nodes[graph.seg_a[hit]], graph.nodes[graph.seg_b[hit]]
    ab = b - a
    L2 = np.maximum((ab**2).sum(axis=1), 1e-18)
    t = np.clip(((xy[ok][inp] - a) * ab).sum(axis=1) / L2, 0.0, 1.0)
    foot = a + t[:, None] * ab
    seg[ok[inp]] = hit
    conn[ok[inp]] = np.hypot(*(xy[ok][inp] - foot).T)
    along[ok[inp]] = t * graph.seg_len[hit]
    return _Snap(seg, conn, along)


def network_nearest(
    graph: RoadGraph,
    units_xy: np.ndarray,
    targets_xy: np.ndarray | None = None,
    target_roads: np.ndarray | None = None,
    units_snap: _Snap | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Distance (m) along the roads from each unit to the nearest target, and that target's index.

    Parameters
    ----------
    graph
        The roads the walk may use (:meth:`RoadGraph.build`).
    units_xy
        (n, 2) projected unit coordinates.
    targets_xy
        (k, 2) projected point targets (facilities), each joined to its nearest segment by a connector.
    target_roads
        Boolean per road row given to ``build``: roads that are themselves the target (reached on touching them).
        The returned index is then the road row.
    units_snap
        ``snap(graph, units_xy)`` when the caller already has it (one snap serves every target).

    Returns
    -------
    distance, index
        +inf and -1 where no target can be reached (no road, or none on the unit's part of the network).
    """
    n = len(units_xy)
    dist = np.full(n, np.inf)
    which = np.full(n, -1, dtype=np.int64)
    if graph.tree is None or n == 0:
        return dist, which
    u = units_snap if units_snap is not None else snap(graph, units_xy)
    nn = graph.n_nodes
    if target_roads is not None:
        on_target = target_roads[graph.seg_road]
        if not on_target.any():
            return dist, which
        # Every node of a target road is a source at distance 0; scipy says which source each node is nearest.
        tn = np.unique(np.concatenate([graph.seg_a[on_target], graph.seg_b[on_target]]))
        road_at = np.full(nn, -1, dtype=np.int64)
        road_at[graph.seg_a[on_target]] = graph.seg_road[on_target]
        road_at[graph.seg_b[on_target]] = graph.seg_road[on_target]
        d, _, src = dijkstra(graph.matrix(), directed=True, indices=tn, return_predecessors=True, min_only=True)
        node_target = np.where(src >= 0, road_at[np.maximum(src, 0)], -1)
        ok = u.seg >= 0
        s = u.seg[ok]
        to_a, to_b = _unit_legs(graph, s, u.along[ok])
        via_a = to_a + d[graph.seg_a[s]]
        via_b = to_b + d[graph.seg_b[s]]
        best = np.minimum(via_a, via_b)
        tgt = np.where(via_a <= via_b, node_target[graph.seg_a[s]], node_target[graph.seg_b[s]])
        direct = on_target[s]  # the connector lands on a target road
        best = np.where(direct, 0.0, best)
        tgt = np.where(direct, graph.seg_road[s], tgt)
        dist[ok] = u.connector[ok] + best
        which[ok] = np.where(np.isfinite(dist[ok]), tgt, -1)
        return dist, which

    if targets_xy is None or len(targets_xy) == 0:
        return dist, which
    t = snap(graph, targets_xy)
    tk = np.flatnonzero(t.seg >= 0)
    if not len(tk):
        return dist, which
    # A virtual node per target, joined to both ends of its segment: connector + along the segment.
    virt, m = _with_targets(graph, t, tk)
    ts = t.seg[tk]
    d, _, src = dijkstra(m, directed=True, indices=virt, return_predecessors=True, min_only=True)
    src_target = np.where(src >= nn, tk[np.maximum(src - nn, 0)], -1)
    ok = u.seg >= 0
    s = u.seg[ok]
    to_a, to_b = _unit_legs(graph, s, u.along[ok])
    via_a = to_a + d[graph.seg_a[s]]
    via_b = to_b + d[graph.seg_b[s]]
    best = np.minimum(via_a, via_b)
    tgt = np.where(via_a <= via_b, src_target[graph.seg_a[s]], src_target[graph.seg_b[s]])
    dist[ok] = u.connector[ok] + best
    which[ok] = np.where(np.isfinite(dist[ok]), tgt, -1)
    # A unit and a target on the same segment: straight along it, not out to an end node and back.
    units_on = pd.DataFrame({"unit": np.flatnonzero(ok), "seg": s})
    targets_on = pd.DataFrame({"target": tk, "seg": ts})
    pairs = units_on.merge(targets_on, on="seg")
    if len(pairs):
        ui, ti = pairs["unit"].to_numpy(), pairs["target"].to_numpy()
        same = u.connector[ui] + _along_one(graph, u.seg[ui], u.along[ui], t.along[ti]) + t.connector[ti]
        order = np.lexsort((same, ui))
        ui, ti, same = ui[order], ti[order], same[order]
        first = np.r_[True, ui[1:] != ui[:-1]]
        ui, ti, same = ui[first], ti[first], same[first]
        better = same < dist[ui]
        dist[ui[better]] = same[better]
        which[ui[better]] = ti[better]
    return dist, which


def network_reach(
    graph: RoadGraph, units_xy: np.ndarray, sources_xy: np.ndarray, limit: float, chunk: int = 32
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every (unit, source) pair within ``limit`` metres along the roads: unit rows, source rows, distances.

    Used to credit a proposed facility with the households it would reach by road.  Only pairs within ``limit`` in
    a straight line can be within it by road (within ``limit / graph.min_factor`` on a DEM's gentle descents), so
    those are found first; then one bounded Dijkstra per source (``limit``), a chunk of sources at a time.
    """
    empty = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0))
    if graph.tree is None or not len(units_xy) or not len(sources_xy):
        return empty
    u, t = snap(graph, units_xy), snap(graph, sources_xy)
    ok_u = np.flatnonzero((u.seg >= 0) & (u.connector <= limit))
    ok_t = np.flatnonzero((t.seg >= 0) & (t.connector <= limit))
    if not len(ok_u) or not len(ok_t):
        return empty
    near = shapely.STRtree(shapely.points(units_xy[ok_u]))
    reach = limit / graph.min_factor
    ti, ui = near.query(shapely.points(sources_xy[ok_t]), predicate="dwithin", distance=reach)
    if not len(ti):
        return empty
    order = np.argsort(ti, kind="stable")
    ti, ui = ok_t[ti[order]], ok_u[ui[order]]
    out_u, out_t, out_d = [], [], []
    sources = np.unique(ti)
    for start in range(0, len(sources), chunk):
        tk = sources[start : start + chunk]
        virt, m = _with_targets(graph, t, tk)
        d = dijkstra(m, directed=True, indices=virt, limit=limit)
        pick = np.isin(ti, tk)
        pu, pt = ui[pick], ti[pick]
        k = np.searchsorted(tk, pt)
        s = u.seg[pu]
        to_a, to_b = _unit_legs(graph, s, u.along[pu])
        along = np.minimum(to_a + d[k, graph.seg_a[s]], to_b + d[k, graph.seg_b[s]])
        dist = u.connector[pu] + along
        same = s == t.seg[pt]
        direct = u.connector[pu] + _along_one(graph, s, u.along[pu], t.along[pt]) + t.connector[pt]
        dist = np.where(same, np.minimum(dist, direct), dist)
        keep = dist <= limit
        out_u.append(pu[keep])
        out_t.append(pt[keep])
        out_d.append(dist[keep])
    return np.concatenate(out_u), np.concatenate(out_t), np.concatenate(out_d)
