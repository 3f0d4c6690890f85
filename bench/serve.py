"""HTTP benchmark: kg serve against `oxigraph serve` on the same data, in the same run.

Starts both servers on loopback, then drives each with a bounded load generator (1, 8 and 32
concurrent clients; each level stops after --requests requests or --seconds seconds) and
prints throughput, p50 and p99 latency, and kg's throughput as a ratio of Oxigraph's.

- `control-at`: kg's saved query `/queries/control-at.json?place=…&date=…` against the same
  SPARQL (parameters written in) sent to Oxigraph's `/query`;
- `sparql`: the same small ad-hoc SELECT sent to kg's `/sparql` and Oxigraph's `/query`;
- `sparql-real`: control-at's SPARQL (parameters written in) as an ad-hoc query to both;
- `control-map`: `/queries/control-map.geojson?date=…` against control-map's SPARQL (the same
  date, view and staleDays in a VALUES block) sent to Oxigraph's `/query`, a different date for
  every request of every level (so kg's caches never answer: each date is asked once).

kg answers a repeated saved query from its result cache (until the next write); `/sparql` is
never cached.

    python bench/serve.py [--store var/store] [--requests 400] [--seconds 8] [--cases control-map]
        [--clients 1,8,32]
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path

from kg import pipeline
from kg.config import Settings
from kg.queries import get as get_query

ROOT = Path(__file__).resolve().parents[1]
OXIGRAPH = Path(sys.executable).with_name("oxigraph")
PLACE, DATE = "https://w3id.org/kg/id/place/al-qaryatayn", "2016-04-10"
SMALL = f"SELECT ?label WHERE {{ <{PLACE}> <http://www.w3.org/2000/01/rdf-schema#label> ?label }}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(port: int, path: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", path)
            if connection.getresponse().status < 500:
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"nothing answered on port {port}")


def control_at_for_oxigraph(settings: Settings) -> str:
    """control-at with its parameters given in a VALUES block at the top of its WHERE clause
    (control-at has no subquery, so this is the same as kg's SEP-0007 substitution)."""
    text = get_query(settings.queries, "control-at").sparql
    values = f'VALUES (?place ?date) {{ (<{PLACE}> "{DATE}"^^<http://www.w3.org/2001/XMLSchema#date>) }}'
    return text.replace("WHERE {", "WHERE {\n  " + values, 1)


def control_map_for_oxigraph(settings: Settings, day: str) -> str:
    """control-map with the date, view and horizon kg binds, in a VALUES block at the top of its
    WHERE clause (no subquery: the same as kg's substitution)."""
    text = get_query(settings.queries, "control-map").sparql
    values = f'VALUES (?date ?view ?staleDays) {{ ("{day}"^^<http://www.w3.org/2001/XMLSchema#date> "all" 90) }}'
    return text.replace("WHERE {", "WHERE {\n  " + values, 1)


def days(first: str, count: int) -> Iterator[str]:
    """``count`` different days from ``first`` on, in a shuffled but fixed order (every fifth)."""
    start = date.fromisoformat(first)
    found = [(start + timedelta(days=5 * i)).isoformat() for i in range(count)]
    random.Random(3).shuffle(found)
    return iter(found)


def varying(paths: Iterator[str], accept: str) -> Callable[[http.client.HTTPConnection], None]:
    """A request to the next path of ``paths`` each time (shared by every client thread)."""
    lock = threading.Lock()

    def request(connection: http.client.HTTPConnection) -> None:
        with lock:
            path = next(paths)
        connection.request("GET", path, headers={"Accept": accept})
        response = connection.getresponse()
        response.read()
        assert response.status == 200, response.status

    return request


def load(
    port: int, make_request: Callable[[http.client.HTTPConnection], None], clients: int, requests: int, seconds: float
) -> tuple[float, float, float, int]:
    """(requests/s, p50 ms, p99 ms, errors) for ``clients`` threads with keep-alive connections."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    remaining = [requests]
    deadline = time.monotonic() + seconds

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.monotonic() < deadline:
            with lock:
                if remaining[0] <= 0:
                    return
                remaining[0] -= 1
            started = time.perf_counter()
            try:
                make_request(connection)
            except (OSError, http.client.HTTPException, AssertionError):
                errors[0] += 1
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            with lock:
                latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return len(ordered) / elapsed, statistics.median(ordered) * 1000, p99 * 1000, errors[0]


def getter(path: str, accept: str = "application/sparql-results+json") -> Callable[[http.client.HTTPConnection], None]:
    def request(connection: http.client.HTTPConnection) -> None:
        connection.request("GET", path, headers={"Accept": accept})
        response = connection.getresponse()
        response.read()
        assert response.status == 200, response.status

    return request


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", help="a built kg store (default: build the seed corpus into a temporary one)")
    parser.add_argument("--requests", type=int, default=400, help="requests per level at most")
    parser.add_argument("--seconds", type=float, default=8, help="seconds per level at most")
    parser.add_argument("--cases", default="control-at,sparql,sparql-real,control-map", help="comma-separated")
    parser.add_argument("--clients", default="1,8,32", help="comma-separated client counts")
    parser.add_argument("--kg-timeout", default="10", help="KG_QUERY_TIMEOUT of the kg server (the index read too)")
    parser.add_argument("--first-day", default="2012-01-01", help="control-map's first date (then every 5th day)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings.from_env(store=args.store or str(Path(folder) / "store"))
        if not args.store:
            assert pipeline.build(settings).stored
        nquads = Path(folder) / "data.nq"
        nquads.write_bytes(pipeline.export(settings, "nquads"))
        ox_dir = Path(folder) / "oxigraph"
        subprocess.run(
            [str(OXIGRAPH), "load", "--location", str(ox_dir), "--file", str(nquads)], check=True, capture_output=True
        )
        kg_port, ox_port = free_port(), free_port()
        env = {**os.environ, "KG_STORE": settings.store, "KG_PORT": str(kg_port), "KG_QUERY_TIMEOUT": args.kg_timeout}
        servers = [
            subprocess.Popen([sys.executable, "-m", "kg.cli", "serve"], env=env, stdout=subprocess.DEVNULL),
            subprocess.Popen(
                [
                    str(OXIGRAPH),
                    "serve-read-only",
                    "--location",
                    str(ox_dir),
                    "--bind",
                    f"127.0.0.1:{ox_port}",
                    "--union-default-graph",
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            ),
        ]
        try:
            wait_for(kg_port, "/queries.json")
            wait_for(ox_port, "/query?query=" + urllib.parse.quote("ASK {}"))
            control_at = control_at_for_oxigraph(settings)
            cases = {
                "control-at": (
                    getter("/queries/control-at.json?" + urllib.parse.urlencode({"place": PLACE, "date": DATE})),
                    getter("/query?" + urllib.parse.urlencode({"query": control_at})),
                ),
                "sparql": (
                    getter("/sparql?" + urllib.parse.urlencode({"query": SMALL})),
                    getter("/query?" + urllib.parse.urlencode({"query": SMALL})),
                ),
                # a real ad-hoc query: control-at's text sent to /sparql (never cached)
                "sparql-real": (
                    getter("/sparql?" + urllib.parse.urlencode({"query": control_at})),
                    getter("/query?" + urllib.parse.urlencode({"query": control_at})),
                ),
            }
            kg_days = days(args.first_day, 10_000)
            geo = "application/geo+json"
            cases["control-map"] = (
                varying((f"/queries/control-map.geojson?date={d}" for d in kg_days), geo),
                varying(
                    (
                        "/query?" + urllib.parse.urlencode({"query": control_map_for_oxigraph(settings, d)})
                        for d in itertools.cycle(list(days(args.first_day, 400)))
                    ),
                    "application/sparql-results+json",
                ),
            )
            if "control-map" in args.cases.split(","):  # kg reads its periods index on the first one
                started = time.perf_counter()
                getter("/queries/control-map.geojson?date=1999-01-01", geo)(
                    http.client.HTTPConnection("127.0.0.1", kg_port, timeout=3600)
                )
                print(f"kg's first control-map (reading the periods index): {time.perf_counter() - started:.1f} s")
            chosen = args.cases.split(",")
            cases = {k: v for k, v in cases.items() if k in chosen}
            levels = [int(c) for c in args.clients.split(",")]
            print(f"machine: {os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f}")
            print(f"{args.requests} requests or {args.seconds:g} s per level")
            print(
                f"{'case':<12}{'clients':>8}{'kg req/s':>10}{'p50 ms':>8}{'p99 ms':>8}"
                f"{'oxigraph req/s':>16}{'p50 ms':>8}{'p99 ms':>8}{'ratio':>7}{'errors':>8}"
            )
            for name, (kg_request, ox_request) in cases.items():
                for clients in levels:
                    kg = load(kg_port, kg_request, clients, args.requests, args.seconds)
                    ox = load(ox_port, ox_request, clients, args.requests, args.seconds)
                    print(
                        f"{name:<12}{clients:>8}{kg[0]:>10.0f}{kg[1]:>8.1f}{kg[2]:>8.1f}"
                        f"{ox[0]:>16.0f}{ox[1]:>8.1f}{ox[2]:>8.1f}{kg[0] / ox[0]:>6.2f}x{kg[3] + ox[3]:>8}"
                    )
            print("ratio: kg requests/s ÷ oxigraph serve requests/s on the same data and query")
        finally:
            for server in servers:
                server.terminate()
                server.wait(timeout=10)


if __name__ == "__main__":
    main()
