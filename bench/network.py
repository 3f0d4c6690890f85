"""What keeping SPARQL off the network costs: the structural check and the sandboxed thread.

Times, median of --runs: `sparql.check_allowed` on every saved query (none spells SERVICE or
LOAD, so none is parsed) and on a query that does spell them (parsed by rdflib); and a small
query run on an ordinary thread against the same query on a sandboxed one (`run_sandboxed`),
which is what every in-process evaluation now pays.

    python bench/network.py [--runs 200]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox

from kg import sparql
from kg.store import sandbox
from kg.store.embedded import run_query

ROOT = Path(__file__).resolve().parents[1]
MENTIONS = "PREFIX ex: <http://e/>\nSELECT * WHERE { ?s ex:service ?o OPTIONAL { ?s ex:load ?x } }"


def median_ms(action: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    runs = parser.parse_args().runs
    saved = [path.read_text("utf-8") for path in sorted((ROOT / "queries").glob("*.rq"))]
    store = ox.Store()
    rows = {
        f"check, all {len(saved)} saved queries": lambda: [sparql.check_allowed(text) for text in saved],
        "check, a query that spells the words (parsed)": lambda: sparql.check_allowed(MENTIONS),
        "ASK on an ordinary thread": lambda: run_query(store, "ASK { ?s ?p ?o }", None, None),
        "ASK on a sandboxed thread": lambda: sandbox.run_sandboxed(run_query, store, "ASK { ?s ?p ?o }", None, None),
    }
    print(f"network sandbox: {sandbox.available() or 'available'}")
    for name, action in rows.items():
        print(f"{name:50} {median_ms(action, runs):8.3f} ms")


if __name__ == "__main__":
    main()
