"""Two uvicorn workers, eight concurrent clients writing: every feature lands, the file stays valid."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from shapely.geometry import Point, mapping

from geoplan.config import Settings
from geoplan.layers.backend import Store
from tests.api.conftest import PLANNER, LiveServer, lonlat, server_env
from tests.conftest import reopened

CLIENTS = 8
PER_CLIENT = 50


@pytest.mark.slow
def test_two_workers_eight_clients_lose_nothing(grid_settings: Settings, grid_store: Store) -> None:
    before = grid_store.count("facilities")
    server = LiveServer(grid_settings.data_dir, workers=2, env=server_env(grid_settings))
    try:

        def client(n: int) -> list[str]:
            created = []
            with httpx.Client(base_url=server.url, headers=PLANNER, timeout=60) as http:
                for i in range(PER_CLIENT):
                    f = {
                        "type": "Feature",
                        "geometry": mapping(lonlat(Point(100 + 30 * i, 100 + 100 * n))),
                        "properties": {"name": f"站{n}-{i}", "kind": "bus_stop", "status": "planned"},
                    }
                    r = http.post("/collections/facilities/items", json=f)
                    assert r.status_code == 201, r.text
                    created.append(r.json()["id"])
                    # Reads interleave with writes: each worker must see the others' writes.
                    assert http.get(f"/collections/facilities/items/{created[-1]}").status_code == 200
            return created

        with ThreadPoolExecutor(CLIENTS) as pool:
            created = [fid for ids in pool.map(client, range(CLIENTS)) for fid in ids]
        with httpx.Client(base_url=server.url) as http:
            listed = http.get("/collections/facilities/items", params={"limit": 10_000}).json()
    finally:
        server.stop()
    store = reopened(grid_store)
    assert len(created) == len(set(created)) == CLIENTS * PER_CLIENT
    assert store.count("facilities") == before + CLIENTS * PER_CLIENT
    assert set(created) <= {f["id"] for f in store.features("facilities")}
    assert listed["numberMatched"] == before + CLIENTS * PER_CLIENT
    assert store.validate_files().problems == []
    assert len(store.changes("facilities")) == CLIENTS * PER_CLIENT + 1  # + the fixture's import
