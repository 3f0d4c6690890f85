"""How a saved query's parameters are bound, four ways, on the same store in one run.

    python bench/binding.py --store DIR [--runs 3] [--serve] [--only control-at,nearby]

DIR is a kg store folder (``kg build``, or ``bench/queries.py``'s loaded copy). For each
parameterised saved query (parameters: the place with the most control events and the date of
its last one; nearby: al-Qaryatayn, 50 km; infrastructure: that date), the pyoxigraph call itself
(``kg.store.oxigraph.run_query``, rows copied out, no worker, no cache) with the parameters given

- ``substitutions``: pyoxigraph's ``substitutions=`` (kg before this round, and its fallback);
- ``constants``: written into the text by :func:`kg.sparql_binding.with_constants` (kg now);
- ``values``: ``VALUES`` blocks first in the WHERE groups (:func:`kg.sparql.with_values`, the
  remote store before this round);
- ``bind``: ``BIND (term AS ?v)`` first in the same groups instead of the VALUES blocks.

With ``--serve``, ``oxigraph serve-read-only --union-default-graph`` on the same database
(loopback, no ``--timeout-s``) answers the ``constants`` and ``values`` texts too. Every way
must give the same rows as ``substitutions`` (up to the order inside a GROUP_CONCAT); the
script stops if one does not. Median ms of --runs runs (one run when it takes over --patience s).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kg import queries, sparql
from kg.config import Settings
from kg.sparql_binding import ntriples, with_constants
from kg.store import oxigraph
from kg.store.embedded import EmbeddedStore
from kg.store.functions import FUNCTIONS, called_functions
from kg.store.oxigraph import run_query

sys.path.insert(0, str(Path(__file__).parent))
from serve import OXIGRAPH, free_port, wait_for

CASES = ("control-at", "control-map", "place-history", "nearby", "infrastructure", "conflicting-reports")


def parameters(store: EmbeddedStore) -> dict[str, dict[str, str]]:
    """The same parameters bench/queries.py uses: the busiest place and the date of its last event."""
    found = store.query(
        "PREFIX kg: <https://w3id.org/kg/ontology#> SELECT ?place (COUNT(?e) AS ?n) (MAX(?d) AS ?last) "
        "WHERE { ?e kg:place ?place ; kg:dateEarliest ?d } GROUP BY ?place ORDER BY DESC(?n) ?place LIMIT 1"
    ).rows[0]
    place, date = found["place"].value, found["last"].value
    return {
        "control-at": {"place": place, "date": date},
        "control-map": {"date": date},
        "place-history": {"place": place},
        "nearby": {"place": "https://w3id.org/kg/id/place/al-qaryatayn", "km": "50"},
        "infrastructure": {"date": date},
        "conflicting-reports": {"place": place},
    }


def with_binds(text: str, terms: dict[str, str]) -> str:
    """:func:`kg.sparql.with_values` with each block written as BINDs instead (bench only)."""
    original = sparql._values_block
    sparql._values_block = lambda names, t: " ".join(f"BIND ({t[n]} AS ?{n})" for n in names)  # type: ignore[assignment]
    try:
        return sparql.with_values(text, terms)
    finally:
        sparql._values_block = original  # type: ignore[assignment]


def substituted(db: Any, text: str, bindings: dict[str, Any]) -> Any:
    """The query run with pyoxigraph's ``substitutions=`` (what run_query did before), rows copied out."""
    graphs = {"use_default_graph_as_union": True, "custom_functions": FUNCTIONS}
    return oxigraph._copied(oxigraph._evaluate(db, text, bindings, graphs), text, None, time.perf_counter())


def timed(call: Callable[[], Any], runs: int, patience: float) -> tuple[float, Any]:
    samples, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = call()
        samples.append(time.perf_counter() - started)
        if samples[-1] > patience:
            break
    return statistics.median(samples) * 1000, result


def rows_of(result: Any) -> list[tuple[tuple[str, str], ...]]:
    """The rows as a sorted list, each GROUP_CONCAT value's items sorted: SPARQL leaves their
    order to the engine, and it follows the join order, which the binding changes."""

    def cell(term: Any) -> str:
        return ", ".join(sorted(term.value.split(", "))) if term.kind == "literal" else term.n3()

    return sorted(tuple(sorted((k, cell(v)) for k, v in row.items())) for row in result.rows)


def over_http(port: int, text: str) -> Callable[[], int]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=3600)

    def call() -> int:
        connection.request(
            "POST",
            "/query",
            body=text.encode(),
            headers={"Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"},
        )
        response = connection.getresponse()
        body = response.read()
        assert response.status == 200, body[:300]
        return len(json.loads(body)["results"]["bindings"])

    return call


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--patience", type=float, default=10.0)
    parser.add_argument("--serve", action="store_true")
    parser.add_argument("--only")
    args = parser.parse_args()
    settings = Settings.from_env({})
    store = EmbeddedStore.open(args.store)
    db = store._reader()
    params = parameters(store)
    server = None
    if args.serve:
        port = free_port()
        location = str((args.store / "current").resolve())
        server = subprocess.Popen(
            [
                str(OXIGRAPH),
                "serve-read-only",
                "--location",
                location,
                "--bind",
                f"127.0.0.1:{port}",
                "--union-default-graph",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(port, "/query?query=" + urllib.parse.quote("ASK {}"))
    print(f"quads {store.info().quads:,}; {params['control-at']}; median of {args.runs}; load {os.getloadavg()[0]:.1f}")
    table = []
    try:
        for name in args.only.split(",") if args.only else CASES:
            query = queries.get(settings.queries, name)
            bindings = queries.bind(query, params[name], store)
            terms = {k: ntriples(v) for k, v in bindings.items()}
            texts = {
                "constants": with_constants(query.sparql, bindings),
                "values": sparql.with_values(query.sparql, terms),
                "bind": with_binds(query.sparql, terms),
            }
            ms, reference = timed(lambda q=query.sparql, b=bindings: substituted(db, q, b), args.runs, args.patience)
            line = {"query": name, "rows": len(reference.rows), "substitutions": ms}
            for way, text in texts.items():
                assert text is not None, f"{name}: no {way} form"
                ms, result = timed(lambda t=text: run_query(db, t, None, None), args.runs, args.patience)
                assert rows_of(result) == rows_of(reference), f"{name}: {way} gives other rows"
                line[way] = ms
            if server is not None and not called_functions(query.sparql):  # the remote store runs those itself
                for way in ("constants", "values"):
                    ms, count = timed(over_http(port, texts[way]), args.runs, args.patience)
                    assert count == len(reference.rows), f"{name}: serve {way} gave {count} rows"
                    line[f"serve {way}"] = ms
            print(json.dumps(line), flush=True)
            table.append(line)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=10)
    columns = [c for c in table[0] if c not in ("query", "rows")]
    print(f"\n| query | rows | {' | '.join(c + ' ms' for c in columns)} | substitutions ÷ constants |")
    print("|---|---:|" + "---:|" * (len(columns) + 1))
    for line in table:
        cells = " | ".join(f"{line[c]:,.1f}" if c in line else "—" for c in columns)
        print(f"| {line['query']} | {line['rows']} | {cells} | {line['substitutions'] / line['constants']:.1f}× |")


if __name__ == "__main__":
    main()
