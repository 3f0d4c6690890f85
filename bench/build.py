"""Build benchmark: synthetic corpora (bench/synth.py) through the whole pipeline.

Prints figures, not verdicts, for each size: articles/s and quads/s end to end for a cold build
(a new store folder: nothing known yet), a warm rebuild (nothing changed: every file's schema
check and every graph's SHACL run is remembered) and a rebuild after one article changed; the
time per phase (parse, validate, store: with the pool and the quad cache, "valid." holds the
parse, check, mapping and SHACL of every article); and — as a reference in the same run — how
long rdflib takes to load the same quads into an in-memory Dataset, against pyoxigraph's bulk
load and the ``oxigraph load`` command, with the ratio ``oxigraph load`` time / build time (the
target is ≥ 0.5) and the load average. With --profile, where the time of one cold build goes,
by package.

    python bench/build.py [--articles 100,1000] [--runs 3] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import os
import platform
import pstats
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import pyoxigraph as ox
from rdflib import Dataset

from kg import pipeline
from kg.config import Settings

sys.path.insert(0, str(Path(__file__).parent))
import synth


def one_build(settings: Settings) -> pipeline.BuildReport:
    result = pipeline.build(settings)
    if not result.stored:
        raise SystemExit("the build did not conform:\n" + "\n".join(map(str, result.report.errors[:10])))
    return result


def oxigraph_cli(nquads: Path) -> float | None:
    """Seconds for the ``oxigraph load`` command to load the N-Quads into a new store (None if absent)."""
    import subprocess

    command = shutil.which("oxigraph") or str(Path(sys.executable).with_name("oxigraph"))
    if not Path(command).exists():
        return None
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        subprocess.run([command, "load", "--location", folder, "--file", str(nquads)], check=True, capture_output=True)
        return time.perf_counter() - started


def reference_load(nquads: Path) -> tuple[float, float]:
    """Seconds for rdflib (in memory) and for pyoxigraph (on disk) to load the same N-Quads."""
    import warnings

    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        Dataset().parse(str(nquads), format="nquads")
    rdflib_seconds = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        ox.Store(folder).bulk_load(path=str(nquads), format=ox.RdfFormat.N_QUADS)
        oxigraph_seconds = time.perf_counter() - started
    return rdflib_seconds, oxigraph_seconds


def median_build(settings: Settings, runs: int, *, cold: bool) -> pipeline.BuildReport:
    results = []
    for _ in range(runs):
        if cold:
            shutil.rmtree(settings.store, ignore_errors=True)
        results.append(one_build(settings))
    return sorted(results, key=lambda r: r.seconds)[len(results) // 2]


def profile_summary(settings: Settings, top: int = 12) -> None:
    """One cold build under cProfile: own time by package, and the costliest functions."""
    shutil.rmtree(settings.store, ignore_errors=True)
    profiler = cProfile.Profile()
    profiler.enable()
    one_build(settings)
    profiler.disable()
    stats = pstats.Stats(profiler)
    by_package: dict[str, float] = defaultdict(float)
    total = 0.0
    rows = []
    for (filename, line, function), (_cc, _nc, tottime, cumtime, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        total += tottime
        package = "builtins/C" if filename.startswith("~") or "{" in filename else _package(filename)
        by_package[package] += tottime
        rows.append((cumtime, f"{Path(filename).name}:{line}({function})"))
    print(f"\nprofile of one cold build ({total:.1f} s of own time under cProfile), by package:")
    for package, seconds in sorted(by_package.items(), key=lambda kv: -kv[1])[:top]:
        print(f"  {package:<28}{seconds:>8.1f} s {seconds / total:>6.0%}")


def _loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def _package(filename: str) -> str:
    parts = Path(filename).parts
    if "site-packages" in parts:
        return parts[parts.index("site-packages") + 1].split(".")[0]
    if "kg" in parts:
        return "kg." + Path(filename).stem
    return "python stdlib"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", default="100,1000", help="corpus sizes, comma-separated (default 100,1000)")
    parser.add_argument("--runs", type=int, default=3, help="builds per figure; the median is reported")
    parser.add_argument("--cold-runs", type=int, help="cold builds per figure (default: --runs)")
    parser.add_argument("--profile", action="store_true", help="profile one cold build of the largest corpus")
    args = parser.parse_args()
    sizes = [int(n) for n in args.articles.split(",")]
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.python_implementation()} "
        f"{platform.python_version()}; median of {args.runs} builds"
    )
    header = (
        f"{'articles':>9}{'quads':>10}{'build':>8}{'s':>7}{'parse':>7}{'valid.':>7}{'store':>7}"
        f"{'art./s':>8}{'quads/s':>9}{'ox/kg':>8}"
    )
    lines = []
    with tempfile.TemporaryDirectory() as folder:
        for size in sizes:
            out = Path(folder) / f"synth-{size}"
            articles = synth.generate(size, out, seed=7)
            synth.write_rdf(out, articles)
            settings = Settings.from_env({}, data=out / "data", corpus=out / "corpus", store=str(out / "store"))
            loadavg_before = _loadavg()
            figures = {
                "cold": median_build(settings, args.cold_runs or args.runs, cold=True),
                "warm": median_build(settings, args.runs, cold=False),
            }
            changed = sorted((out / "data" / "articles").glob("*.yaml"))[0]
            changed.write_text(changed.read_text("utf-8") + "# edited\n", "utf-8")
            figures["one changed"] = one_build(settings)
            rdflib_s, ox_s = reference_load(out / "dataset.nq")
            cli_s = oxigraph_cli(out / "dataset.nq")
            reference = cli_s or ox_s
            for kind, r in figures.items():
                t = r.timings
                lines.append(
                    f"{size:>9}{r.quads:>10}{kind:>12}{r.seconds:>7.1f}{t['parse']:>7.1f}{t['validate']:>7.1f}"
                    f"{t['store']:>7.1f}{r.articles / r.seconds:>8.0f}{r.quads_per_second:>9,.0f}"
                    f"{reference / r.seconds:>8.2f}"
                )
            cli = f", `oxigraph load` in {cli_s:.1f} s" if cli_s is not None else ""
            lines.append(
                f"{'':>9}reference: rdflib loads them in {rdflib_s:.1f} s, pyoxigraph bulk_load in {ox_s:.1f} s{cli}"
            )
            lines.append(f"{'':>9}load average before and after: {loadavg_before} / {_loadavg()}")
            if size == sizes[-1]:
                print("\n".join([header, *lines]), flush=True)
            if args.profile and size == sizes[-1]:
                profile_summary(settings)


if __name__ == "__main__":
    main()
