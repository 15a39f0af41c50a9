"""Concurrent writers over HTTP: N server workers × M clients × K POSTs on loopback, then count what landed.

Prints, for a single client (the baseline, same run) and for M clients: POSTs acknowledged (201), other statuses,
acknowledged features present in the layer afterwards, lost, whether the layer file validates, change-log entries,
and throughput as a ratio of the baseline.

    python benchmarks/bench_concurrent_writes.py --workers 2 --clients 8 --posts 50
"""

from __future__ import annotations

import argparse
import collections
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from geoplan.layers import LayerStore  # noqa: E402
from tests.api.conftest import PLANNER, LiveServer, build_grid  # noqa: E402


class PatientServer(LiveServer):
    """LiveServer that waits up to 5 minutes for start-up (a loaded machine starts two workers slowly)."""

    def _wait(self) -> None:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("uvicorn exited")
            try:
                if httpx.get(self.url + "/conformance", timeout=10).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.5)
        self.stop()
        raise RuntimeError("uvicorn did not start within 300 s")


def _client(url: str, client_no: int, posts: int) -> list[tuple[int, str | None]]:
    out = []
    with httpx.Client(base_url=url, headers=PLANNER, timeout=120) as c:
        for n in range(posts):
            fid = f"w{client_no}-{n}"
            body = {
                "type": "Feature",
                "id": fid,
                "geometry": {"type": "Point", "coordinates": [111.0 + n * 1e-5, 30.0 + client_no * 1e-5]},
                "properties": {"name": f"并发{client_no}-{n}", "kind": "clinic", "status": "planned"},
            }
            r = c.post("/collections/facilities/items", json=body)
            out.append((r.status_code, fid if r.status_code == 201 else None))
    return out


def run(workers: int, clients: int, posts: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="geoplan-concurrent-") as tmp:
        data = Path(tmp)
        build_grid(data)
        before = len(LayerStore(data).changes("facilities"))
        server = PatientServer(data, workers=workers)
        try:
            start = time.perf_counter()
            with ThreadPoolExecutor(clients) as pool:
                parts = pool.map(lambda i: _client(server.url, i, posts), range(clients))
                results = [r for part in parts for r in part]
            seconds = time.perf_counter() - start
        finally:
            server.stop()
        store = LayerStore(data)
        ids = {f["id"] for f in store.features("facilities")}
        acked = [fid for _, fid in results if fid]
        return {
            "posts": len(results),
            "statuses": dict(collections.Counter(s for s, _ in results)),
            "acknowledged": len(acked),
            "present": sum(fid in ids for fid in acked),
            "lost": sum(fid not in ids for fid in acked),
            "file_valid": not store.validate_files().problems,
            "changes": len(store.changes("facilities")) - before,
            "seconds": seconds,
            "posts_per_s": len(results) / seconds,
        }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--posts", type=int, default=50)
    args = parser.parse_args()
    base = run(args.workers, 1, args.posts)
    many = run(args.workers, args.clients, args.posts)
    for label, r in ((f"1 client × {args.posts}", base), (f"{args.clients} clients × {args.posts}", many)):
        print(
            f"{label:>18}: posts={r['posts']} statuses={r['statuses']} acknowledged={r['acknowledged']} "
            f"present={r['present']} lost={r['lost']} file_valid={r['file_valid']} changes={r['changes']} "
            f"{r['posts_per_s']:.1f} POST/s ({r['posts_per_s'] / base['posts_per_s']:.2f}× baseline)"
        )
    return 0 if many["lost"] == base["lost"] == 0 and many["file_valid"] else 1


if __name__ == "__main__":
    sys.exit(main())
