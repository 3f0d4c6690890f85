"""Build benchmark: the seed corpus, and the seed corpus repeated ×N, through the whole pipeline.

Prints figures, not verdicts: wall time per phase (parse, validate, store), quads/s end to
end, and — as a reference in the same run — how long rdflib takes to load the same quads
into an in-memory Dataset, against pyoxigraph loading them into an on-disk store.

    python bench/build.py [--repeat 100] [--runs 3]
"""

from __future__ import annotations

import argparse
import platform
import re
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox
from rdflib import Dataset

from kg import pipeline
from kg.config import Settings

ROOT = Path(__file__).resolve().parents[1]


def repeated_corpus(settings: Settings, times: int, into: Path) -> Settings:
    """Copy the annotations and texts ``times`` times under new file names (same texts, new graphs)."""
    data, corpus = into / "data", into / "corpus"
    (data / "articles").mkdir(parents=True)
    corpus.mkdir()
    for entities in settings.data.glob("*.yaml"):
        shutil.copy(entities, data / entities.name)
    for annotation in sorted((settings.data / "articles").glob("*.yaml")):
        text = annotation.read_text("utf-8")
        name = re.search(r"^\s*file:\s*(\S+)", text, re.MULTILINE)
        assert name, f"{annotation} names no article file"
        source = settings.corpus / name.group(1)
        for i in range(times):
            copy = f"{source.stem}_r{i:04d}.txt"
            shutil.copy(source, corpus / copy)
            (data / "articles" / f"{annotation.stem}_r{i:04d}.yaml").write_text(
                text.replace(name.group(1), copy, 1), "utf-8"
            )
    return Settings.from_env(data=data, corpus=corpus, store=str(into / "store"))


def one_build(settings: Settings) -> pipeline.BuildReport:
    result = pipeline.build(settings)
    if not result.stored:
        raise SystemExit("the build did not conform:\n" + "\n".join(map(str, result.report.errors[:10])))
    return result


def reference_load(store_path: str) -> tuple[float, float, int]:
    """Seconds for rdflib and for pyoxigraph to load the built dataset's N-Quads."""
    data = ox.Store.read_only(str(Path(store_path))).dump(format=ox.RdfFormat.N_QUADS) or b""
    started = time.perf_counter()
    Dataset().parse(data=data.decode("utf-8"), format="nquads")
    rdflib_seconds = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        ox.Store(folder).bulk_load(data, format=ox.RdfFormat.N_QUADS)
        oxigraph_seconds = time.perf_counter() - started
    return rdflib_seconds, oxigraph_seconds, data.count(b"\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=100, help="how many copies of the corpus (default 100)")
    parser.add_argument("--runs", type=int, default=3, help="builds per size; the median is reported")
    args = parser.parse_args()
    base = Settings.from_env()
    print(f"machine: {platform.machine()}, {platform.python_implementation()} {platform.python_version()}")
    print(
        f"{'corpus':<12}{'articles':>9}{'quads':>10}{'build s':>9}{'parse':>8}{'valid.':>8}{'store':>8}"
        f"{'quads/s':>10}{'rdflib s':>10}{'oxigraph s':>11}{'ratio':>7}"
    )
    for label, times in (("seed", 0), (f"seed x{args.repeat}", args.repeat)):
        with tempfile.TemporaryDirectory() as folder:
            if times:
                settings = repeated_corpus(base, times, Path(folder))
            else:
                settings = Settings.from_env(store=str(Path(folder) / "store"))
            results = [one_build(settings) for _ in range(args.runs)]
            result = sorted(results, key=lambda r: r.seconds)[len(results) // 2]
            rdflib_s, ox_s, _ = reference_load(result.store)
            phase = {k: statistics.median(r.timings[k] for r in results) for k in ("parse", "validate", "store")}
            print(
                f"{label:<12}{result.articles:>9}{result.quads:>10}{result.seconds:>9.2f}"
                f"{phase['parse']:>8.2f}{phase['validate']:>8.2f}{phase['store']:>8.2f}"
                f"{result.quads_per_second:>10,.0f}{rdflib_s:>10.2f}{ox_s:>11.2f}{rdflib_s / ox_s:>6.1f}x"
            )
    print("ratio: rdflib in-memory load time / pyoxigraph on-disk bulk load time of the same N-Quads")


if __name__ == "__main__":
    main()
