"""Validation of one submission against stores of growing size: it must stay flat.

A submission is validated together with the types of the stored things it refers to, not
the whole store. This builds stores of 10^4, 10^5 and 10^6 triples (the seed graph plus
synthetic places), then times `submissions.check` for a small RDF document and for an
annotated article (the mini fixture as a new article), median of --runs, and prints them
beside the time pySHACL takes over the whole store at the smallest size, for scale.

    python bench/validate.py [--runs 5] [--sizes 10000,100000,1000000]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from functools import partial
from pathlib import Path

import pyoxigraph as ox

from kg import pipeline, submissions
from kg.config import Settings
from kg.store.embedded import EmbeddedStore

ROOT = Path(__file__).resolve().parents[1]
MINI = ROOT / "tests" / "data" / "mini"
KG = "https://w3id.org/kg/ontology#"
RDF_DOC = (
    f"<https://w3id.org/kg/id/place/bench-town> a <{KG}Settlement> ;\n"
    '  <http://www.w3.org/2000/01/rdf-schema#label> "Bench Town" ;\n'
    f"  <{KG}locatedIn> <https://w3id.org/kg/id/place/testland> .\n"
).encode()


def grow(store_path: str, triples: int) -> int:
    """Add synthetic places (5 triples each) to the built store until it holds ``triples``."""
    root = Path(store_path)
    db = ox.Store(str((root / "current").resolve()))
    have = len(db)
    graph = ox.NamedNode("https://w3id.org/kg/graph/synthetic")
    label = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    kind = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    located = ox.NamedNode(KG + "locatedIn")
    alt = ox.NamedNode("http://www.w3.org/2004/02/skos/core#altLabel")
    testland = ox.NamedNode("https://w3id.org/kg/id/place/testland")

    def quads():  # type: ignore[no-untyped-def]
        for i in range(max(0, (triples - have) // 5)):
            s = ox.NamedNode(f"https://w3id.org/kg/id/place/synthetic-{i}")
            yield ox.Quad(s, kind, ox.NamedNode(KG + "Settlement"), graph)
            yield ox.Quad(s, label, ox.Literal(f"Synthetic {i}"), graph)
            yield ox.Quad(s, alt, ox.Literal(f"Synth {i}"), graph)
            yield ox.Quad(s, alt, ox.Literal(f"Synthetique {i}"), graph)
            yield ox.Quad(s, located, testland, graph)

    db.bulk_extend(quads())
    db.flush()
    size = len(db)
    del db
    return size


def timed(call, runs: int) -> float:  # type: ignore[no-untyped-def]
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sizes", default="10000,100000,1000000")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    article = (MINI / "articles" / "mini.yaml").read_text("utf-8").replace("file: mini.txt", "file: bench.txt")
    text = (MINI / "corpus" / "mini.txt").read_bytes()
    rdf = submissions.Inputs("bench.ttl", RDF_DOC, "text/turtle")
    annotation = submissions.Inputs("bench.yaml", article.encode(), None, text)
    print(f"{'store triples':>14}{'RDF doc ms':>12}{'article ms':>12}")
    for size in sizes:
        with tempfile.TemporaryDirectory() as folder:
            settings = Settings.from_env(
                data=MINI, corpus=MINI / "corpus", store=str(Path(folder) / "store"), max_body=50_000_000
            )
            assert pipeline.build(settings).stored
            actual = grow(settings.store, size)
            store = EmbeddedStore.open(settings.store)
            for item in (rdf, annotation):
                assert submissions.check(item, settings, store).report.conforms
            rdf_ms = timed(partial(submissions.check, rdf, settings, store), args.runs)
            article_ms = timed(partial(submissions.check, annotation, settings, store), args.runs)
            print(f"{actual:>14,}{rdf_ms:>12.1f}{article_ms:>12.1f}")
            store.close()
    print("each figure: the median of", args.runs, "validations of one submission (nothing is stored)")


if __name__ == "__main__":
    main()
