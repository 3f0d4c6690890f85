"""Validation speed: one submission against stores of growing size (it must stay flat), and the
SHACL and JSON Schema engines side by side on whole corpora.

1. Submissions: stores of 10^4, 10^5 and 10^6 triples (the mini fixture plus synthetic places)
   are built once; then, for this checkout and for each ``--src`` given (e.g. an export of main's
   ``src``, ``git archive main | tar -x -C /tmp/main``), a child process times
   ``submissions.check`` for a small RDF document and for an annotated article (the mini fixture
   as a new article), median of --runs. Children alternate, so both see the same machine.
2. Engines (``--engines N``): SHACL over the seed data and over N synthetic articles
   (``bench/synth.py``) with pySHACL and with pyshacl-turbo, and the JSON Schema check of every
   file with jsonschema, jsonschema-rs and fastjsonschema: files per second.

    python bench/validate.py [--runs 5] [--sizes 10000,100000,1000000] [--src /tmp/main/src]
                             [--engines 200] [--profile]
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import json
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from functools import partial
from pathlib import Path
from typing import Any

import pyoxigraph as ox

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
    db = ox.Store(str((Path(store_path) / "current").resolve()))
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


def settings_for(store: str) -> Any:
    from kg.config import Settings

    return Settings.from_env(data=MINI, corpus=MINI / "corpus", store=store, max_body=50_000_000)


def submissions_in(store_path: str) -> tuple[Any, Any]:
    from kg import submissions

    article = (MINI / "articles" / "mini.yaml").read_text("utf-8").replace("file: mini.txt", "file: bench.txt")
    text = (MINI / "corpus" / "mini.txt").read_bytes()
    rdf = submissions.Inputs("bench.ttl", RDF_DOC, "text/turtle")
    return rdf, submissions.Inputs("bench.yaml", article.encode(), None, text)


def measure(store_path: str, runs: int, profile: bool) -> dict[str, float]:
    """In this process (the code on sys.path): ms for one RDF and one article submission."""
    from kg import submissions
    from kg.store.embedded import EmbeddedStore

    settings, store = settings_for(store_path), EmbeddedStore.open(store_path)
    found = {}
    for name, item in zip(("rdf", "article"), submissions_in(store_path), strict=True):
        assert submissions.check(item, settings, store).report.conforms
        found[name] = timed(partial(submissions.check, item, settings, store), runs)
        if profile:
            profiler = cProfile.Profile()
            profiler.runcall(lambda item=item: [submissions.check(item, settings, store) for _ in range(runs)])
            print(f"--- profile: {name} submission, {runs} runs", file=sys.stderr)
            pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(25)
    store.close()
    return found


def child(src: Path | None, store_path: str, runs: int, profile: bool) -> dict[str, float]:
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = str(src)
    command = [sys.executable, __file__, "--measure", store_path, "--runs", str(runs), *(["--profile"] * profile)]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    sys.stderr.write(done.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def submissions_table(sizes: list[int], sources: list[Path | None], runs: int, profile: bool) -> None:
    from kg import pipeline

    names = ["this" if s is None else str(s) for s in sources]
    print(f"load average: {Path('/proc/loadavg').read_text().strip()}")
    print(f"{'store triples':>14}  " + "  ".join(f"{n + ' RDF ms':>20}{n + ' article ms':>22}" for n in names))
    with tempfile.TemporaryDirectory() as folder:
        for size in sizes:
            store = str(Path(folder) / f"store-{size}")
            assert pipeline.build(settings_for(store)).stored
            actual = grow(store, size)
            found = [child(src, store, runs, profile) for src in sources]
            cells = "  ".join(f"{f['rdf']:>20.1f}{f['article']:>22.1f}" for f in found)
            print(f"{actual:>14,}  {cells}", flush=True)
    print(f"each figure: the median of {runs} validations of one submission (nothing is stored)")
    print(f"load average: {Path('/proc/loadavg').read_text().strip()}")


def engines_table(articles: int, runs: int) -> None:
    """SHACL engines over whole corpora and JSON Schema engines over every file: files/s."""
    sys.path.insert(0, str(ROOT / "bench"))
    import synth  # type: ignore[import-not-found]

    from kg import shacl
    from kg.config import Settings
    from kg.sources import data_files, load, load_ontology

    print(f"load average: {Path('/proc/loadavg').read_text().strip()}")
    with tempfile.TemporaryDirectory() as folder:
        synth.generate(articles, Path(folder), seed=7)
        corpora = {
            "seed data": Settings.from_env({}, data=ROOT / "data", corpus=ROOT.parent / "shared" / "corpus"),
            f"{articles} synthetic": Settings.from_env({}, data=Path(folder) / "data", corpus=Path(folder) / "corpus"),
        }
        for name, settings in corpora.items():
            data, origins, files = union(settings)
            shapes, ontology = shacl.load_shapes(settings.shapes), load_ontology(settings)
            cells = []
            for engine in ("pyshacl", "turbo"):
                ms = timed(partial(shacl.validate_with, engine, data, shapes, ontology, origins), runs)
                cells.append(f"{engine} {ms:,.0f} ms = {files / ms * 1000:,.0f} files/s")
            print(f"SHACL, {name} ({files} files, {len(data):,} triples): " + "; ".join(cells), flush=True)
        trees = schema_trees(data_files(corpora[f"{articles} synthetic"]), load)
        for engine, check in schema_engines().items():
            ms = timed(lambda c=check: [c(t) for t in trees], runs)
            rate = len(trees) / ms * 1000
            print(f"JSON Schema, {len(trees)} files: {engine} {ms / len(trees):.3f} ms a file = {rate:,.0f} files/s")
    print(f"load average: {Path('/proc/loadavg').read_text().strip()}")


def union(settings: Any) -> tuple[Any, dict[Any, Any], int]:
    from rdflib import Graph

    from kg import mapping
    from kg.sources import data_files, load, registry

    found, _problems = load(data_files(settings), settings.corpus)
    docs = [s.doc for s in found]
    known = registry(docs)
    graphs = [mapping.map_entities(docs, known)]
    graphs += [mapping.map_article(s.doc, known, s.text) for s in found if s.doc.article]
    data, origins = Graph(), {}
    for mapped in graphs:
        data += mapped.graph
        origins.update(mapped.origins)
    return data, origins, len(found)


def schema_trees(paths: list[Path], load: Any) -> list[Any]:
    from kg.annotations.tree import plain, read_tree

    return [plain(read_tree(p.read_text("utf-8"), str(p), fast=True)) for p in paths]


def schema_engines() -> dict[str, Any]:
    import importlib

    import fastjsonschema
    import jsonschema_rs

    schema = importlib.import_module("kg.annotations.schema")
    python, compiled = schema._validator(), jsonschema_rs.validator_for(schema.schema(), validate_formats=True)
    fast = fastjsonschema.compile(schema.schema())  # draft-07 rules only: unevaluatedProperties unchecked

    def first_error(tree: Any) -> None:
        with contextlib.suppress(fastjsonschema.JsonSchemaException):
            fast(tree)

    return {
        "jsonschema": lambda t: list(python.iter_errors(t)),
        "jsonschema-rs": lambda t: list(compiled.iter_errors(t)),
        "fastjsonschema (first error only, no 2020-12)": first_error,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--src", type=Path, action="append", default=[], help="another checkout's src/ to compare")
    parser.add_argument("--engines", type=int, default=0, help="also compare the engines on N synthetic articles")
    parser.add_argument("--profile", action="store_true", help="cProfile each submission (to stderr)")
    parser.add_argument("--measure", help=argparse.SUPPRESS)  # a child: time submissions on this store
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.runs, args.profile)))
        return
    if args.sizes:
        sources: list[Path | None] = [*args.src, None]
        submissions_table([int(s) for s in args.sizes.split(",")], sources, args.runs, args.profile)
    if args.engines:
        engines_table(args.engines, args.runs)


if __name__ == "__main__":
    main()
