"""Saved queries on a large graph: kg's embedded store, `oxigraph serve` and rdflib, side by side.

Loads one N-Quads file (``bench/synth.py``'s ``dataset.nq``, ~10^6 quads at 5,000 articles, the
periods graph included as ``kg build`` derives it) into a kg store, into `oxigraph
serve-read-only` and into rdflib's in-memory Dataset — or, with ``--store``, uses a kg store folder
already loaded and serves its database read-only — then runs each saved query with the same
parameters in each and prints the median time of --runs runs:

- kg: ``queries.run`` on the embedded store, in-process, with no result cache (the query itself);
- oxigraph serve (``serve-read-only --union-default-graph``, no ``--timeout-s``): the same SPARQL
  with the parameters written in as constants (:func:`kg.sparql_binding.with_constants`), the
  form that engine answers best, over loopback HTTP;
- rdflib: the same SPARQL with ``initBindings``, in a child process killed after --limit seconds.

It also runs, on oxigraph serve only, control-map as it was before the periods were derived
(``bench/control-map-events.rq``, from the events at every read) with the same date as
constants: the "today's control-map" the issue asks the ratio against, given --old-limit seconds.

    python bench/queries.py --nquads /tmp/s5k/dataset.nq [--runs 5] [--limit 60] [--no-rdflib]
    python bench/queries.py --store /tmp/s5k-store --nquads /tmp/s5k/dataset.nq --no-rdflib
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
from kg import sparql as sparql_text
from kg.config import Settings
from kg.sparql_binding import with_constants
from kg.store import RdfTerm
from kg.store.embedded import EmbeddedStore

sys.path.insert(0, str(Path(__file__).parent))
from serve import OXIGRAPH, free_port, wait_for

CASES = ("control-at", "control-map", "place-history", "nearby", "infrastructure", "conflicting-reports")
OLD_CONTROL_MAP = Path(__file__).with_name("control-map-events.rq")


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


def reference_text(sparql: str, bindings: dict[str, RdfTerm]) -> str:
    """The query as oxigraph serve answers it best: the parameters as constants."""
    text = with_constants(sparql, bindings)
    return text if text is not None else sparql_text.with_values(sparql, {k: v.n3() for k, v in bindings.items()})


def over_http(port: int, text: str, timeout: float = 3600) -> Any:
    """A call that sends the query to oxigraph serve and counts the rows of its answer."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)

    def call() -> int:
        headers = {"Content-Type": "application/sparql-query", "Accept": "text/tab-separated-values"}
        connection.request("POST", "/query", body=text.encode(), headers=headers)
        response = connection.getresponse()
        body = response.read()
        assert response.status == 200, body[:300]
        return body.count(b"\n") - 1  # TSV: a header line, then one line per row

    return call


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
    parser.add_argument("--store", type=Path, help="a kg store folder holding that file's quads (else loaded)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--limit", type=float, default=60, help="seconds per rdflib query before it is given up")
    parser.add_argument("--old-limit", type=float, default=900, help="seconds for the events-based control-map")
    parser.add_argument("--no-rdflib", action="store_true")
    parser.add_argument("--only", help="comma-separated saved queries (default: all six)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        if args.store is None:
            started = time.perf_counter()
            store = kg_store(args.nquads, Path(folder) / "kg")
            print(f"load s: kg bulk load {time.perf_counter() - started:.1f}", flush=True)
        else:
            store = EmbeddedStore.open(args.store)
        port = free_port()
        location = str(store.path)
        command = [str(OXIGRAPH), "serve-read-only", "--location", location, "--bind", f"127.0.0.1:{port}"]
        server = subprocess.Popen(
            [*command, "--union-default-graph"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            wait_for(port, "/query?query=" + urllib.parse.quote("ASK {}"))
            results, jobs, old = compare(store, port, args)
            rdflib_found, rdflib_load = ({}, float("nan"))
            if not args.no_rdflib:
                rdflib_found, rdflib_load = rdflib_times(args.nquads, jobs, min(args.runs, 3), args.limit)
        finally:
            server.terminate()
            server.wait(timeout=10)
            store.close()
    print(f"rdflib load s: {rdflib_load:.1f}; load average {os.getloadavg()[0]:.1f}")
    print("\n| query | rows | kg embedded ms | oxigraph serve ms (constants) | rdflib ms | kg ÷ oxigraph time |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, (kg_ms, rows, ox_ms) in results.items():
        rd = rdflib_found.get(name)
        rd_text = (f"{rd[0]:,.0f}" if rd[0] == rd[0] else f"fails ({rd[1]})") if rd else "not run"
        ox_text, ratio = (f"{ox_ms:,.1f}", f"{kg_ms / ox_ms:.2f}") if ox_ms == ox_ms else ("cannot (kgf:bearing)", "—")
        print(f"| {name} | {rows} | {kg_ms:,.1f} | {ox_text} | {rd_text} | {ratio} |")
    if old is not None and "control-map" in results:
        ms, rows = old
        shown = f"{ms:,.0f}" if ms == ms else f"> {args.old_limit:,.0f} s"
        ratio = f"{ms / results['control-map'][0]:,.1f}" if ms == ms else "—"
        print(f"| control-map before the periods (events), oxigraph serve | {rows} | — | {shown} | — | {ratio} |")


def compare(
    store: EmbeddedStore, port: int, args: argparse.Namespace
) -> tuple[dict[str, list[Any]], list[tuple[str, str, dict[str, Any]]], tuple[float, Any] | None]:
    """Each saved query on kg and on oxigraph serve; then the events-based control-map there."""
    settings = Settings.from_env({})
    catalogue = queries.catalogue(settings.queries)  # parsed once, as Kg keeps it (a folder is re-read each call)
    place, date = busiest_place(store)
    params = {
        "control-at": {"place": place, "date": date},
        "control-map": {"date": date},
        "place-history": {"place": place},
        "nearby": {"place": "https://w3id.org/kg/id/place/al-qaryatayn", "km": "50"},
        "infrastructure": {"date": date},
        "conflicting-reports": {},
    }
    print(f"quads: {store.info().quads:,}; busiest place: {place} ({date}); median of {args.runs} runs", flush=True)
    results: dict[str, list[Any]] = {}
    jobs = []
    for name in args.only.split(",") if args.only else CASES:
        query = queries.get(catalogue, name)
        bindings = queries.bind(query, params[name], store)
        jobs.append((name, query.sparql, bindings))
        kg_ms, kg_rows = timed(
            lambda n=name: len(queries.run(store, catalogue, n, params[n], cache=None).rows), args.runs
        )
        try:
            ox_ms, ox_rows = timed(over_http(port, reference_text(query.sparql, bindings)), args.runs)
        except AssertionError as exc:  # kgf:bearing is kg's own function: oxigraph serve has none
            ox_ms, ox_rows = float("nan"), str(exc)[:80]
        results[name] = [kg_ms, kg_rows, ox_ms]
        print(f"  {name}: kg {kg_ms:.1f} ms ({kg_rows} rows), oxigraph serve {ox_ms:.1f} ms ({ox_rows})", flush=True)
    old = None
    if "control-map" in results:
        date_term = queries.bind(queries.get(catalogue, "control-map"), {"date": date}, store)["date"]
        text = reference_text(OLD_CONTROL_MAP.read_text("utf-8"), {"date": date_term})
        try:
            old = timed(over_http(port, text, timeout=args.old_limit), 1)
        except TimeoutError:
            old = (float("nan"), "—")
        print(f"  control-map before the periods, oxigraph serve: {old[0]:.0f} ms", flush=True)
    return results, jobs, old


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
