"""What keeping the control periods adds to a one-place submission's write.

    python bench/period_writes.py [--nquads DIR/dataset.nq] [--runs 20]

Without ``--nquads`` it builds the seed corpus (``../shared``); with it, it loads a synthetic
dataset (``bench/synth.py --articles 1000``, periods included) into an embedded store. Then, for
``--runs`` one-event RDF submissions (each at a place that has events, citing a stored evidence
span), it times the validation (:func:`kg.submissions.check`), the write with the periods kept
(``Kg``'s store: read the touched places' events, write, derive them in the same write) and, in
alternating blocks of five, the same write without (the store's plain ``apply``). Medians in ms.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox
from rdflib import URIRef

from kg import pipeline, submissions
from kg.app import Kg
from kg.config import Settings
from kg.store.embedded import EmbeddedStore
from kg.vocab import GRAPH

PICK = """
PREFIX kg: <https://w3id.org/kg/ontology#>
PREFIX prov: <http://www.w3.org/ns/prov#>
SELECT ?place ?ev ?article ?actor WHERE {
  ?e a kg:Capture ; kg:place ?place ; kg:evidence ?ev ; prov:wasDerivedFrom ?article ; kg:gainingActor ?actor
} LIMIT 40
"""


def event(n: int, place: str, evidence: str, article: str, actor: str) -> submissions.Inputs:
    body = f"""@prefix kg: <https://w3id.org/kg/ontology#> . @prefix prov: <http://www.w3.org/ns/prov#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<https://w3id.org/kg/id/event/bench/{n}> a kg:ControlObservation ; kg:place <{place}> ;
  kg:controllingActor <{actor}> ; kg:dateEarliest "2030-01-{1 + n % 28:02d}"^^xsd:date ;
  kg:dateLatest "2030-01-{1 + n % 28:02d}"^^xsd:date ; kg:datePrecision kg:DayPrecision ;
  kg:dateBasis kg:TextExplicit ; kg:certainty kg:Reported ; kg:scope kg:WholeScope ;
  kg:evidence <{evidence}> ; prov:wasDerivedFrom <{article}> .
"""
    return submissions.Inputs(f"bench-{n}.ttl", body.encode(), ".ttl")


def store_for(args: argparse.Namespace, folder: Path) -> Settings:
    if args.nquads is None:
        settings = Settings.from_env({}, store=str(folder / "store"))
        assert pipeline.build(settings).stored
        return settings
    settings = Settings.from_env({}, store=str(folder / "store"))
    store = EmbeddedStore.open(settings.store, create=True, read_only=False)
    quads = ox.parse(path=str(args.nquads), format=ox.RdfFormat.N_QUADS)
    store._write(lambda db: db.bulk_extend(quads), copy_current=False)
    store.close()
    return settings


def measure(settings: Settings, runs: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {"validate": [], "write kept": [], "write plain": []}
    with Kg(settings) as kg:
        picks = kg.query(PICK).rows
        for n in range(2 * runs):
            row = picks[n % len(picks)]
            inputs = event(n, *(row[k].value for k in ("place", "ev", "article", "actor")))
            started = time.perf_counter()
            checked = submissions.check(inputs, settings, kg.store)
            times["validate"].append(time.perf_counter() - started)
            assert checked.graph is not None, [str(p) for p in checked.report.problems]
            add = [(URIRef(GRAPH.SUBMISSION_BASE + inputs.id), checked.graph)]
            started = time.perf_counter()
            if n % 10 >= 5:  # blocks of five: a plain write changes the version, so the kept
                # hierarchy is read again on the first kept write after one (1 in 5 here)
                kg.store.inner.apply(add)
                times["write plain"].append(time.perf_counter() - started)
            else:
                kg.store.apply(add)
                times["write kept"].append(time.perf_counter() - started)
        quads = kg.store.info().quads
    print(f"quads {quads:,}")
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nquads", type=Path)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kg-bench-periods-") as folder:
        times = measure(store_for(args, Path(folder)), args.runs)
    medians = {k: statistics.median(v) * 1000 for k, v in times.items()}
    for name, ms in medians.items():
        print(f"{name:12} median {ms:7.1f} ms  (n={len(times[name])})")
    print(f"periods add  median {medians['write kept'] - medians['write plain']:7.1f} ms on top of the write")
    print(f"load average {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
