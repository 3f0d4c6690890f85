"""pySHACL and the compiled engine (pyshacl-turbo) agree: on every SHACL run that validating any
file of tests/data/bad and tests/data/hostile, the seed data and a synthetic corpus makes — and on
the defects of tests/test_shacl.py and control periods with and without a start — the same
verdict, the same results (focus node, path, value, constraint component, severity) and the same
problems in kg's words — which is what lets kg.shacl run the compiled engine."""

from __future__ import annotations

import contextlib
import importlib.util
import shutil
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SH, XSD
from rdflib.term import Node

from kg import period_graph, periods, pipeline, shacl, submissions, tokens, validation
from kg.config import PROJECT_ROOT, Settings
from kg.errors import KgError, Location
from kg.sources import data_files, load_ontology
from kg.store.embedded import EmbeddedStore
from kg.vocab import KG

from .conftest import MINI
from .test_shacl import CASES, mapped_union

DATA = Path(__file__).parent / "data"
TEXT = MINI / "corpus" / "mini.txt"
GAZETTEER = PROJECT_ROOT.parent / "shared" / "gazetteer"
ANNOTATION = {".yaml", ".yml", ".json"}
SKIP = {"yaml_alias_bomb.yaml"}  # expands without end: tests/test_hostile.py runs it in a bounded child
FILES = sorted(p for folder in ("bad", "hostile") for p in (DATA / folder).iterdir() if p.name not in SKIP)
ID = "https://w3id.org/kg/id/"
RESULT_PARTS = (SH.focusNode, SH.resultPath, SH.value, SH.sourceConstraintComponent, SH.resultSeverity)


@dataclass(frozen=True)
class Run:
    """One SHACL run as kg made it: where it came from and what kg.shacl.validate was given."""

    name: str
    data: Graph
    shapes: Graph
    ontology: Graph
    origins: dict[Node, Location]
    focus: tuple[Node, ...] | None


def _recorded(name: str, runs: list[Run], call: Any) -> None:
    """Run ``call`` with kg.shacl.validate recording what it is given (and still validating)."""
    original = shacl.validate

    def recording(data, shapes, ontology, origins=None, focus_nodes=None):  # type: ignore[no-untyped-def]
        copy = Graph()
        copy += data
        focus = tuple(focus_nodes) if focus_nodes is not None else None
        runs.append(Run(name, copy, shapes, ontology, dict(origins or {}), focus))
        return original(data, shapes, ontology, origins, focus_nodes)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(shacl, "validate", recording)
        with contextlib.suppress(KgError):  # a file that cannot be read never reaches SHACL
            call()


def _synth() -> ModuleType:
    spec = importlib.util.spec_from_file_location("synth", PROJECT_ROOT / "bench" / "synth.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["synth"] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def _submissions(root: Path, runs: list[Run]) -> None:
    """Every file as a submission to a store of the mini fixture's entities, and every annotation
    file through ``kg validate`` FILE (entities from the files)."""
    (root / "data").mkdir()
    shutil.copy(MINI / "entities.yaml", root / "data" / "entities.yaml")
    settings = Settings.from_env(
        {}, data=root / "data", corpus=MINI / "corpus", store=str(root / "store"), tokens=f"t:{tokens.digest('x')}"
    )
    assert pipeline.build(settings).stored
    store = EmbeddedStore.open(settings.store)
    try:
        for path in FILES:
            body, text = path.read_bytes(), TEXT.read_bytes() if path.suffix in ANNOTATION else None
            kind = None if text is not None else submissions.guess_kind(path.name)
            item = submissions.Inputs(path.name, body, kind, text)
            _recorded(f"submission {path.name}", runs, partial(submissions.check, item, settings, store))
            if path.suffix in ANNOTATION:
                build_settings = Settings.from_env({}, data=MINI, corpus=MINI / "corpus", store=str(root / "unused"))
                _recorded(f"file {path.name}", runs, partial(validation.validate_paths, [path], build_settings))
    finally:
        store.close()


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> list[Run]:
    """The SHACL runs of all the inputs named above."""
    found: list[Run] = []
    _submissions(tmp_path_factory.mktemp("engines"), found)
    seed = Settings.from_env({}, data=PROJECT_ROOT / "data", corpus=PROJECT_ROOT.parent / "shared" / "corpus")
    _recorded("seed data", found, lambda: validation.validate_paths(data_files(seed), seed))
    if GAZETTEER.is_dir():
        out = tmp_path_factory.mktemp("synth")
        _synth().generate(30, out, seed=5, gazetteer=GAZETTEER)
        synthetic = Settings.from_env({}, data=out / "data", corpus=out / "corpus")
        _recorded("30 synthetic articles", found, lambda: validation.validate_paths(data_files(synthetic), synthetic))
    _defects(found)
    return found


def _defects(runs: list[Run]) -> None:
    """The mini fixture with each defect of tests/test_shacl.py, and control periods."""
    settings = Settings.from_env({}, data=MINI, corpus=MINI / "corpus")
    shapes, ontology = shacl.load_shapes(settings.shapes), load_ontology(settings)
    for case, (mutate, _words, _field) in sorted(CASES.items()):
        union, origins = mapped_union(settings)
        mutate(union)
        runs.append(Run(f"defect: {case}", union, shapes, ontology, origins, None))
    good = period_graph.to_graph([periods.Period(f"{ID}place/t", f"{ID}actor/a", f"{ID}event/e", "Capture", "s")])
    without, both = Graph(), Graph()
    without += good
    without.remove((None, KG.startUnknown, None))
    both += good
    both.add(
        (
            URIRef(next(iter(good.subjects(RDF.type, KG.ControlPeriod)))),
            KG.startEarliest,
            Literal("2016-01-01", datatype=XSD.date),
        )
    )
    for name, graph in (("a period", good), ("a period without a start", without), ("a period with two", both)):
        runs.append(Run(name, graph, shapes, ontology, {}, None))


def _parts(report_turtle: str) -> list[tuple[str, ...]]:
    report = Graph().parse(data=report_turtle, format="turtle")
    found = []
    for result in report.subjects(SH.focusNode, None, unique=True):
        parts = [report.value(result, part) for part in RESULT_PARTS]
        found.append(tuple("_:" if p is not None and p.__class__.__name__ == "BNode" else str(p) for p in parts))
    return sorted(found)


def _outcomes(run: Run) -> Iterator[shacl.ShaclOutcome]:
    for engine in ("pyshacl", "turbo"):
        yield shacl.validate_with(engine, run.data, run.shapes, run.ontology, run.origins, run.focus)


def test_every_input_reaches_shacl_somewhere(runs: Sequence[Run]) -> None:
    """The inputs make SHACL runs, some of them failing and some with warnings (the comparison is not empty)."""
    names = {run.name for run in runs}
    assert "seed data" in names and len(runs) > 30, names
    verdicts = [shacl.validate_with("pyshacl", r.data, r.shapes, r.ontology, r.origins, r.focus) for r in runs]
    assert any(not v.conforms for v in verdicts) and any(v.conforms for v in verdicts)
    assert any(p.severity == "warning" for v in verdicts for p in v.problems)


def test_both_engines_give_the_same_verdict_and_problems(runs: Sequence[Run]) -> None:
    """For each run: same sh:conforms, same results by their parts, same kg problems (message, where, severity)."""
    differences = []
    for run in runs:
        python, compiled = _outcomes(run)
        if python.conforms != compiled.conforms:
            differences.append(f"{run.name}: conforms {python.conforms} (pySHACL) vs {compiled.conforms} (turbo)")
        if _parts(python.report_turtle) != _parts(compiled.report_turtle):
            differences.append(
                f"{run.name}: results differ\n  pySHACL {_parts(python.report_turtle)}\n"
                f"  turbo   {_parts(compiled.report_turtle)}"
            )
        if python.problems != compiled.problems:
            differences.append(
                f"{run.name}: problems differ\n  pySHACL {python.problems}\n  turbo   {compiled.problems}"
            )
    assert not differences, "\n".join(differences)


def test_a_node_with_very_many_values_of_one_predicate_goes_to_pyshacl(runs: Sequence[Run]) -> None:
    """Past MOST_VALUES values of one predicate at one node (where pyshacl-turbo slows down with
    the square of their number) kg.shacl runs pySHACL; below, the compiled engine; both agree."""
    place = URIRef(f"{ID}place/big")
    many = Graph()
    many.add((place, RDF.type, KG.Settlement))
    for i in range(shacl.MOST_VALUES + 1):
        many.add((place, URIRef("http://www.w3.org/2004/02/skos/core#altLabel"), Literal(f"Big {i}")))
    assert shacl.engine_for(many) == "pyshacl"
    assert {shacl.engine_for(run.data) for run in runs} == {"turbo"}
    run = Run("many names", many, runs[0].shapes, runs[0].ontology, {}, (place,))
    python, compiled = _outcomes(run)
    assert not python.conforms and python.problems == compiled.problems
