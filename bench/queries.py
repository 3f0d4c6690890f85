"""Saved queries on a large graph: kg's embedded store, `oxigraph serve` and rdflib, side by side.

Loads one N-Quads file (``bench/synth.py``'s ``dataset.nq``, ~10^6 quads at 5,000 articles)
into a kg store, into `oxigraph serve-read-only` and into rdflib's in-memory Dataset, then runs
each saved query with the same parameters in each and prints the median time of --runs runs:

- kg: ``queries.run`` on the embedded store, in-process, with no result cache (the query itself);
- oxigraph serve: the same SPARQL with the parameters in a VALUES block, over loopback HTTP;
- rdflib: the same SPARQL with ``initBindings``, in a child process killed after --limit seconds.

    python bench/queries.py --nquads /tmp/s5k/dataset.nq [--runs 5] [--limit 60]
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from kg import queries
from kg.config import Settings
from kg.store import RdfTerm
from kg.store.embedded import EmbeddedStore

sys.path.insert(0, str(Path(__file__).parent))
from serve import OXIGRAPH, free_port, wait_for

CASES = ("control-at", "control-map", "place-history", "nearby", "conflicting-reports")


def kg_store(nquads: Path, folder: Path) -> EmbeddedStore:
    """A kg store folder holding exactly the file's quads (what ``kg build`` would have stored)."""
    db = folder / "db-bench"
    folder.mkdir(parents=True)
    ox.Store(str(db)).bulk_load(path=str(nquads), format=ox.RdfFormat.N_QUADS)
    (folder / "current").symlink_to(db.name)
    return EmbeddedStore.open(folder)


def busiest_place(store: EmbeddedStore) -> tuple[str, str]:
    """The place with the most control events (the hardest control-at), and a date in its history."""
    found = store.query(
        "PREFIX kg: <https://w3id.org/kg/ontology#> SELECT ?place (COUNT(?e) AS ?n) (MAX(?d) AS ?last) "
        "WHERE { ?e kg:place ?place ; kg:dateEarliest ?d } GROUP BY ?place ORDER BY DESC(?n) ?place LIMIT 1"
    )
    row = found.rows[0]
    return row["place"].value, row["last"].value


def with_values(sparql: str, bindings: dict[str, RdfTerm]) -> str:
    """The query with its parameters in a VALUES block at the top of the outer WHERE."""
    if not bindings:
        return sparql
    names = " ".join(f"?{k}" for k in bindings)
    terms = " ".join(v.n3() for v in bindings.values())
    return sparql.replace("WHERE {", f"WHERE {{\n  VALUES ({names}) {{ ({terms}) }}", 1)


def timed(call: Any, runs: int, patience: float = 20.0) -> tuple[float, int]:
    """Median milliseconds of ``runs`` calls (one call only, when it takes over ``patience`` s)."""
    samples, rows = [], 0
    for _ in range(runs):
        started = time.perf_counter()
        rows = call()
        samples.append(time.perf_counter() - started)
        if samples[-1] > patience:
            break
    return statistics.median(samples) * 1000, rows


def _rdflib_child(nquads: str, jobs: list[tuple[str, str, dict[str, Any]]], runs: int, conn: Any) -> None:
    import warnings

    from rdflib import Dataset, Literal, URIRef

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dataset = Dataset(default_union=True)
        started = time.perf_counter()
        dataset.parse(nquads, format="nquads")
        conn.send(("load", time.perf_counter() - started))
        for name, sparql, raw in jobs:
            bindings = {
                k: URIRef(v.value) if v.kind == "uri" else Literal(v.value, datatype=v.datatype and URIRef(v.datatype))
                for k, v in raw.items()
            }
            try:
                ms, rows = timed(lambda s=sparql, b=bindings: len(list(dataset.query(s, initBindings=b))), runs)
            except Exception as exc:  # rdflib cannot run some of them (unbound GROUP_CONCAT values)
                ms, rows = float("nan"), type(exc).__name__
            conn.send((name, ms, rows))
    conn.send(("done", 0.0))


def rdflib_times(
    nquads: Path, jobs: list[tuple[str, str, dict[str, Any]]], runs: int, limit: float
) -> tuple[dict[str, tuple[float, int]], float]:
    """Load time and query times in rdflib, each query given ``limit`` seconds (after the load)."""
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_rdflib_child, args=(str(nquads), jobs, runs, sender), daemon=True)
    child.start()
    found: dict[str, tuple[float, int]] = {}
    load = float("nan")
    try:
        if receiver.poll(600):
            load = receiver.recv()[1]
        while receiver.poll(limit * runs):
            message = receiver.recv()
            if message[0] == "done":
                break
            found[message[0]] = (message[1], message[2])
    finally:
        child.kill()
        child.join()
    return found, load


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nquads", type=Path, required=True, help="bench/synth.py's dataset.nq")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--limit", type=float, default=60, help="seconds per rdflib query before it is given up")
    parser.add_argument("--no-rdflib", action="store_true")
    parser.add_argument("--only", help="comma-separated saved queries (default: all five)")
    args = parser.parse_args()
    settings = Settings.from_env({})
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        store = kg_store(args.nquads, Path(folder) / "kg")
        kg_load = time.perf_counter() - started
        ox_dir = Path(folder) / "oxigraph"
        started = time.perf_counter()
        subprocess.run(
            [str(OXIGRAPH), "load", "--location", str(ox_dir), "--file", str(args.nquads)],
            check=True,
            capture_output=True,
        )
        ox_load = time.perf_counter() - started
        port = free_port()
        server = subprocess.Popen(
            [
                str(OXIGRAPH),
                "serve-read-only",
                "--location",
                str(ox_dir),
                "--bind",
                f"127.0.0.1:{port}",
                "--union-default-graph",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_for(port, "/query?query=" + urllib.parse.quote("ASK {}"))
            place, date = busiest_place(store)
            params = {
                "control-at": {"place": place, "date": date},
                "control-map": {"date": date},
                "place-history": {"place": place},
                "nearby": {"place": "https://w3id.org/kg/id/place/al-qaryatayn", "km": "50"},
                "conflicting-reports": {},
            }
            jobs = []
            print(f"quads: {store.info().quads:,}; busiest place: {place} ({date}); median of {args.runs} runs")
            print(f"load s: kg bulk load {kg_load:.1f}, oxigraph load {ox_load:.1f}", flush=True)
            results: dict[str, list[Any]] = {}
            for name in args.only.split(",") if args.only else CASES:
                query = queries.get(settings.queries, name)
                bindings = queries.bind(query, params[name], store)
                jobs.append((name, query.sparql, bindings))
                kg_ms, kg_rows = timed(
                    lambda n=name: len(queries.run(store, settings.queries, n, params[n], cache=None).rows), args.runs
                )
                text = with_values(query.sparql, bindings)
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)

                def over_http(c: http.client.HTTPConnection = connection, t: str = text) -> int:
                    c.request("POST", "/query", body=t.encode(), headers={"Content-Type": "application/sparql-query"})
                    response = c.getresponse()
                    body = response.read()
                    assert response.status == 200, body[:300]
                    return body.count(b"\n")

                ox_ms, _ = timed(over_http, args.runs)
                results[name] = [kg_ms, kg_rows, ox_ms]
                print(f"  {name}: kg {kg_ms:.1f} ms ({kg_rows} rows), oxigraph serve {ox_ms:.1f} ms", flush=True)
            rdflib_found, rdflib_load = ({}, float("nan"))
            if not args.no_rdflib:
                rdflib_found, rdflib_load = rdflib_times(args.nquads, jobs, min(args.runs, 3), args.limit)
        finally:
            server.terminate()
            server.wait(timeout=10)
            store.close()
    print(f"rdflib load s: {rdflib_load:.1f}")
    print("\n| query | rows | kg embedded ms | oxigraph serve ms | rdflib ms | kg ÷ oxigraph time |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, (kg_ms, rows, ox_ms) in results.items():
        rd = rdflib_found.get(name)
        rd_text = (f"{rd[0]:,.0f}" if rd[0] == rd[0] else f"fails ({rd[1]})") if rd else f"> {args.limit:g} s"
        print(f"| {name} | {rows} | {kg_ms:,.1f} | {ox_ms:,.1f} | {rd_text} | {kg_ms / ox_ms:.2f} |")


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
