"""In-process benchmark: one saved query over HTTP through Flask's test client, many times.

Measures the cost of the web layer and the running kg (negotiation, catalogue, result cache,
name look-up) without a network: requests per second (wall) and CPU milliseconds per request,
which is steadier than wall time on a shared machine.

    python bench/saved_query.py [--store var/store] [--requests 200]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from kg import pipeline
from kg.app import Kg
from kg.config import PROJECT_ROOT, Settings
from kg.web import create_app

PATHS = ("/queries/summary.json", "/queries/control-at.json?place=al-Qaryatayn&date=2016-04-10")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", default=str(PROJECT_ROOT / "var" / "bench-saved-query"))
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    settings = Settings.from_env(store=args.store)
    if not (Path(args.store) / "current").exists():
        assert pipeline.build(settings).stored, "the build failed"
    with Kg(settings, pool_size=2) as kg:
        client = create_app(kg).test_client()
        for path in PATHS:
            assert client.get(path).status_code == 200, path
            wall, cpu = time.perf_counter(), time.process_time()
            for _ in range(args.requests):
                client.get(path)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            print(f"{path}: {args.requests / wall:,.0f} req/s, {1000 * cpu / args.requests:.2f} ms CPU/request")


if __name__ == "__main__":
    main()
