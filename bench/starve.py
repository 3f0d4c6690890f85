"""Starvation benchmark: how long a cheap query and a saved query take while runaway queries are
kept going, and how a client that crashes workers fares — for the figures in bench/RESULTS.md.

Runs `kg serve` over the seed graph on loopback (from the checkout the ``kg`` package is
imported from, or from --src, e.g. an export of main, to compare), keeps --runaways runaway
queries going from --clients loopback addresses, and times --samples cheap ASKs and uncached
``control-at`` queries from another address, then sends 6 crashing queries from one address.

    python bench/starve.py [--src DIR] [--runaways 3] [--clients 3] [--samples 30] [--limit 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

from kg import pipeline
from kg.config import Settings

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.server import served  # noqa: E402
from tests.test_starve import ASK_PATH, CRASH, runaways, send  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus"


def summary(name: str, seconds: list[float], statuses: list[int]) -> str:
    ordered = sorted(seconds)
    p95 = ordered[max(0, int(len(ordered) * 0.95 + 0.5) - 1)]
    codes = {code: statuses.count(code) for code in sorted(set(statuses))}
    return f"{name}: median {statistics.median(ordered):.2f} s, p95 {p95:.2f} s, max {ordered[-1]:.2f} s; {codes}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--src", type=Path, help="a checkout's src/ to serve instead of this one")
    parser.add_argument("--runaways", type=int, default=3)
    parser.add_argument("--clients", type=int, default=3)
    parser.add_argument("--samples", type=int, default=30)
    parser.add_argument("--limit", type=float, default=5.0, help="KG_QUERY_TIMEOUT")
    args = parser.parse_args()
    if args.src:
        os.environ["PYTHONPATH"] = str(args.src)
    store = str(Path(tempfile.mkdtemp()) / "store")
    assert pipeline.build(Settings.from_env({}, store=store, corpus=CORPUS)).stored
    sources = [f"127.0.0.{2 + i % args.clients}" for i in range(args.runaways)]
    with served(store, CORPUS, KG_QUERY_TIMEOUT=f"{args.limit:g}") as (url, _pid):
        assert send(url, ASK_PATH).status == 200
        with runaways(url, sources):
            cheap = [send(url, ASK_PATH, source="127.0.0.9") for _ in range(args.samples)]
            saved = [
                send(url, f"/queries/control-at?place=al-Qaryatayn&date=2015-01-{1 + n % 28:02d}", source="127.0.0.9")
                for n in range(args.samples)
            ]
        print(f"{args.runaways} runaways from {args.clients} clients, limit {args.limit:g} s")
        print(summary("  ASK", [r.seconds for r in cheap], [r.status for r in cheap]))
        print(summary("  control-at", [r.seconds for r in saved], [r.status for r in saved]))
        crashes = [send(url, "/sparql", query=CRASH, source="127.0.0.20") for _ in range(6)]
        print("  crashing client:", [r.status for r in crashes])
        after = [send(url, ASK_PATH, source="127.0.0.9") for _ in range(args.samples)]
        print(summary("  ASK after the crashes", [r.seconds for r in after], [r.status for r in after]))


if __name__ == "__main__":
    main()
