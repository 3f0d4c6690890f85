"""In-process benchmark: control-at and control-map through Kg (the periods index), no result
cache, against the same saved queries' SPARQL on the same embedded store, in the same run.

    python bench/glance.py --store /tmp/index-5k/store [--dates 30] [--sparql-dates 3]

Prints the index's read time and size, then for each query the median and the maximum over
random dates (and, for control-at, random places with periods) of: Kg's answer with the index
(parameters bound, names read, rows made) and the SPARQL's answer (``queries.answer`` without
the index), and their ratio. The result cache is off for both.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from collections.abc import Callable
from datetime import date, timedelta

from kg import queries
from kg.app import Kg
from kg.config import Settings
from kg.store import QueryResult
from kg.vocab import GRAPH, KG


def timed(call: Callable[..., object], *args: object, **kwargs: object) -> float:
    started = time.perf_counter()
    call(*args, **kwargs)
    return (time.perf_counter() - started) * 1000


def ask(kg: Kg, name: str, values: dict[str, str], *, indexed: bool) -> QueryResult:
    """Saved query ``name`` as Kg answers it, without the result cache; with the periods index
    or (``indexed=False``) by its SPARQL."""
    return queries.answer(
        kg.store,
        kg.catalogue(),
        name,
        values,
        cache=None,
        index_of=kg.index_of if indexed else None,
        defaults=kg.settings.query_defaults(),
        timeout=600,
        max_rows=1_000_000,
    ).result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", required=True)
    parser.add_argument("--dates", type=int, default=30, help="dates (and places) asked through the index")
    parser.add_argument("--sparql-dates", type=int, default=3, help="dates asked through the SPARQL")
    parser.add_argument("--first-day", default="2012-01-01")
    args = parser.parse_args()
    settings = Settings.from_env(store=args.store, query_timeout=600, max_rows=1_000_000)
    kg = Kg(settings)
    store = kg.store
    quads = store.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }").rows[0]["n"].value
    print(f"machine: {os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f}; {int(quads):,} quads")
    started = time.perf_counter()
    index = kg.index_of("periods")
    assert index is not None, "no index: its read was cut or timed out"
    print(f"index read in {time.perf_counter() - started:.2f} s: {len(index.everywhere):,} control-map rows")
    places = sorted(
        r["place"].value
        for r in store.query(
            f"SELECT DISTINCT ?place WHERE {{ GRAPH <{GRAPH.PERIODS}> {{ ?p <{KG.periodOf}> ?place }} }}"
        ).rows
    )
    rng = random.Random(5)
    first = date.fromisoformat(args.first_day)
    days = [(first + timedelta(days=rng.randrange(365 * 7))).isoformat() for _ in range(args.dates)]
    cases = {
        "control-at": [{"place": rng.choice(places), "date": d} for d in days],
        "control-map": [{"date": d} for d in days],
    }
    print(f"{'query':<12}{'index p50 ms':>14}{'max ms':>9}{'rows':>8}{'sparql p50 ms':>15}{'max ms':>10}{'ratio':>8}")
    for name, asks in cases.items():
        fast = [timed(ask, kg, name, v, indexed=True) for v in asks]
        rows = statistics.median(len(ask(kg, name, v, indexed=True).rows) for v in asks)
        slow = [timed(ask, kg, name, v, indexed=False) for v in asks[: args.sparql_dates]]
        ratio = statistics.median(slow) / statistics.median(fast)
        print(
            f"{name:<12}{statistics.median(fast):>14.2f}{max(fast):>9.2f}{rows:>8.0f}"
            f"{statistics.median(slow):>15.1f}{max(slow):>10.1f}{ratio:>7.0f}x"
        )
    kg.close()


if __name__ == "__main__":
    main()
