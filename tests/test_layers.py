"""The package keeps its layers: no module imports from a layer above its own.

Every module under ``src/kg`` is read with :mod:`ast` (nothing is imported), and each
``import kg.x`` / ``from kg import x`` / relative import becomes an edge. The table below is
the picture in /work/shared/STYLE.md ("Shape"); a module missing from it fails the test, so a
new module has to be given a place.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "kg"

# Which layer each part of kg lives in. A part is a top-level module (kg/errors.py) or a
# package (kg/store/, kg/web/) with all its modules. Absent optional parts are simply not found.
LAYERS: dict[str, int] = {
    # L0 foundation
    "errors": 0,
    "config": 0,
    "vocab": 0,
    "report": 0,
    "geo": 0,
    # L1 domain: pure, no RDF in annotations or spans
    "annotations": 1,
    "spans": 1,
    "references": 1,
    "names": 1,
    "decisions": 1,
    "completeness": 1,  # every place in a country; one GeoNames row, one pair of coordinates
    "tokens": 1,
    "periods": 1,
    "control_at": 1,
    "dating": 1,  # the days a relative date can mean (dateparser and a small table)
    "date_rules": 1,  # a file's dates checked against their expressions, references and citations
    # L2 RDF
    "mapping": 2,
    "links_mapping": 2,  # link decisions into the links graph
    "facts_mapping": 2,  # reported facts (figures, incidents, statements, announcements) into RDF
    "shacl": 2,
    "sparql": 2,
    "sparql_binding": 2,  # parameters written into query text as constants
    "sparql_help": 2,  # default prefixes, syntax errors explained, undeclared terms
    "writes": 2,  # which graphs an update writes, and the ones kg keeps to itself
    "reasoning": 2,
    # L3 I/O and queries
    "store": 3,
    "queries": 3,
    "answers": 3,  # what a saved query answers, the indexes and the cache of results
    "resolver": 3,  # one reading of place and actor names, for every entrance
    "formats": 3,
    "gazetteer": 3,
    "conformance": 3,
    "period_graph": 3,
    "period_index": 3,  # the periods held in memory: control-at and control-map without SPARQL
    "period_reader": 3,  # the periods index read from a store
    "rendered": 3,  # answers kept as the bytes sent
    "sources": 3,  # reading annotation files, texts, the links file, the ontology
    "quadcache": 3,  # each article's mapped quads, kept beside the store
    # L4 orchestration
    "validation": 4,  # the one validation sequence: below the build and the submissions that use it
    "pipeline": 4,
    "parallel": 4,  # a build's articles on every core, unchanged ones from the quad cache
    "submissions": 4,
    "linking": 4,
    "retention": 4,
    "reconcile": 4,
    "reconcile_suggest": 4,
    "linkedplaces": 4,
    "drafting": 4,  # a draft annotation file from a text: mentions, dates, candidate events
    "app": 4,  # the one object a running kg is: above every action it offers, below the faces
    # L5 faces: nothing imports these
    "cli": 5,
    "web": 5,
}

# Imports between different parts of one layer, allowed only where listed here.
SAME_LAYER_ALLOWED: set[tuple[str, str]] = {
    ("period_graph", "store"),  # periods are read from a store's events
    ("period_index", "store"),  # the index answers with the store's result types
    ("period_reader", "store"),  # the index is read from the store's periods graph
    ("period_reader", "period_index"),
    ("control_at", "periods"),  # control on a date is read from the periods
    ("submissions", "validation"),  # a submission is checked by the one validation sequence
    ("pipeline", "validation"),  # so is a build
    ("pipeline", "parallel"),  # whose articles are checked in a pool, or taken from the quad cache
    ("parallel", "validation"),  # by the same sequence
    ("quadcache", "store"),  # an entry holds the store's own form of quads
    ("retention", "submissions"),  # a rebuild checks kept submissions with the submission check
    ("pipeline", "retention"),  # the build's last step keeps the submissions (a lazy import)
    ("config", "errors"),  # errors is the bottom of L0: every failure is a KgError
    ("report", "errors"),  # a Problem carries an errors.Location
    ("vocab", "errors"),
    ("spans", "annotations"),
    ("references", "annotations"),
    ("completeness", "annotations"),  # completeness reads the parsed files ...
    ("completeness", "decisions"),  # ... and the review file's links
    ("date_rules", "annotations"),
    ("date_rules", "dating"),
    ("queries", "store"),
    ("sources", "conformance"),  # which file texts satisfied the schema before
    ("sparql", "sparql_help"),  # the structural check's parse errors are placed as the engine's are
    ("sparql_binding", "sparql"),  # constants go where the lexer of kg.sparql finds variables
    ("queries", "answers"),  # answers are made, and cached, by queries.answer
    ("answers", "resolver"),  # an answer says how names were read
    ("answers", "store"),
    (
        "rendered",
        "answers",
    ),  # answers as bytes are kept in the same kind of cache as results  # an answer holds a store's QueryResult
    ("queries", "resolver"),  # place and actor parameters are read by the resolver
    ("resolver", "store"),
    ("app", "pipeline"),  # Kg.build, Kg.ontology
    ("app", "submissions"),  # Kg.submit, Kg.retract, Kg.validate
    ("app", "reconcile"),  # Kg.reconcile_index, cached between writes
    ("reconcile_suggest", "reconcile"),  # suggest completes over reconciliation's index
    ("formats", "store"),
    ("mapping", "facts_mapping"),  # an article's graph holds its reported facts
    ("links_mapping", "mapping"),  # the links graph is written with the mapping's writer
}

# Allowed only inside a function body (a lazy import), never at module level.
LAZY_ONLY: set[tuple[str, str]] = {
    ("cli", "web"),  # `kg serve` starts the web app without making every command load Flask
}

# Third-party packages only one part of kg may import.
EXCLUSIVE_IMPORTS: dict[str, str] = {
    "pyshacl": "shacl",
    "pyshacl_turbo": "shacl",
    "owlready2": "reasoning",
    "pyoxigraph": "store",  # the store is sealed: others read RDF through kg.store.parse_rdf
}

# Parts that must not import these packages at all.
FORBIDDEN_IMPORTS: dict[str, set[str]] = {
    "annotations": {"rdflib"},
    "spans": {"rdflib"},
    "references": {"rdflib"},
    "dating": {"rdflib"},
    "date_rules": {"rdflib"},
}

# The one part that reads the process environment.
READS_ENVIRONMENT = "config"

# Import cycles that exist in parts other branches are reshaping; any other cycle fails, and so
# does one of these that grows to take in another module. Remove an entry once its cycle is broken.
KNOWN_CYCLES: tuple[frozenset[str], ...] = (
    frozenset({"kg.pipeline", "kg.retention", "kg.submissions"}),  # the validation module will break it
    frozenset(
        {"kg.gazetteer", *(f"kg.gazetteer.{m}" for m in ("admin", "bundled", "geonames", "keys"))}
        | {"kg.gazetteer.matching", "kg.gazetteer.wikidata"}
    ),  # submodules import Candidate from __init__
    frozenset(
        {"kg.web", *(f"kg.web.{m}" for m in ("annotate", "endpoint", "exports", "map", "ontology", "openapi"))}
        | {"kg.web.pages", "kg.web.reconcile", "kg.web.saved", "kg.web.submit", "kg.web.drafts"}
    ),  # `from kg.web import kg`: every blueprint (drafts and annotate are two more, registered the same way)
)

MAX_LINES = 400
# Modules past MAX_LINES, each allowed no more than it has (none today: keep it so).
LONG_MODULES: dict[str, int] = {}


@dataclass(frozen=True)
class Edge:
    """One import found in a module: who imports what, where, and whether lazily."""

    module: str  # dotted name of the importing module, e.g. kg.store.embedded
    target: str  # dotted name imported, e.g. kg.sparql or pyshacl.validate
    line: int
    lazy: bool  # inside a function body

    def __str__(self) -> str:
        how = " (inside a function)" if self.lazy else ""
        return f"{self.module} imports {self.target} at line {self.line}{how}"


def module_name(path: Path) -> str:
    """``src/kg/store/embedded.py`` → ``kg.store.embedded``; ``__init__.py`` names its package."""
    parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def part_of(dotted: str) -> str | None:
    """``kg.store.embedded`` → ``store``; ``kg`` itself (the package root) → None."""
    pieces = dotted.split(".")
    return pieces[1] if len(pieces) > 1 and pieces[0] == "kg" else None


def _is_part(name: str) -> bool:
    return name in LAYERS or (SRC / f"{name}.py").exists() or (SRC / name).is_dir()


def _is_module(dotted: str) -> bool:
    """Whether ``kg.a.b`` is a module or package of kg (``kg/a/b.py`` or ``kg/a/b/``)."""
    path = SRC.parent.joinpath(*dotted.split("."))
    return dotted.startswith("kg.") and (path.with_suffix(".py").is_file() or path.is_dir())


def _absolute(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    """The absolute module a ``from … import`` names, resolving relative imports."""
    if not node.level:
        return node.module or ""
    package = module.split(".") if is_package else module.split(".")[:-1]
    base = package[: len(package) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def edges(source: str, module: str, is_package: bool = False) -> Iterator[Edge]:
    """Every import in a module's source, with ``from kg import x`` read as importing ``kg.x``."""

    def walk(node: ast.AST, lazy: bool) -> Iterator[Edge]:
        for child in ast.iter_child_nodes(node):
            inner = lazy or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
            if isinstance(child, ast.Import):
                for alias in child.names:
                    yield Edge(module, alias.name, child.lineno, lazy)
            elif isinstance(child, ast.ImportFrom):
                base = _absolute(module, is_package, child)
                for alias in child.names:
                    # `from kg import formats` imports the module kg.formats, `from kg.store import sandbox`
                    # kg.store.sandbox; `__version__` is kg itself, `Store` is kg.store
                    named = f"{base}.{alias.name}"
                    target = named if (base == "kg" and _is_part(alias.name)) or _is_module(named) else base
                    yield Edge(module, target, child.lineno, lazy)
            yield from walk(child, inner)

    yield from walk(ast.parse(source), False)


def environment_reads(source: str) -> list[int]:
    """Lines that touch ``os.environ`` / ``os.getenv`` (or import them from os)."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if (
            isinstance(node, ast.Attribute)
            and node.attr in {"environ", "getenv", "environb", "putenv"}
            and isinstance(node.value, ast.Name)
            and node.value.id == "os"
        ) or (
            isinstance(node, ast.ImportFrom)
            and node.module == "os"
            and any(alias.name in {"environ", "getenv", "environb", "putenv"} for alias in node.names)
        ):
            lines.append(node.lineno)
    return lines


def upward_edges(found: list[Edge]) -> list[str]:
    """Every edge that breaks the layer table, each as a sentence saying why."""
    broken = []
    for edge in found:
        mine, theirs = part_of(edge.module), part_of(edge.target)
        if mine is None or theirs is None or mine == theirs:
            continue
        if mine not in LAYERS or theirs not in LAYERS:
            missing = mine if mine not in LAYERS else theirs
            broken.append(f"{edge}: kg.{missing} is not in the layer table of tests/test_layers.py")
            continue
        low, high = LAYERS[theirs], LAYERS[mine]
        if (mine, theirs) in LAZY_ONLY:
            if not edge.lazy:
                broken.append(f"{edge}: kg.{theirs} may only be imported inside a function")
        elif low > high:
            broken.append(f"{edge}: upward edge from L{high} {mine} to L{low} {theirs}")
        elif low == high and (mine, theirs) not in SAME_LAYER_ALLOWED:
            broken.append(f"{edge}: same-layer edge (L{low}) {mine} → {theirs} is not in SAME_LAYER_ALLOWED")
    return broken


def import_cycles(found: Iterable[Edge]) -> list[list[str]]:
    """Every group of kg modules that import one another round, module-level and inside functions
    alike (a lazy import still ties the two modules together): the graph's strongly connected
    components of more than one module, each sorted, found with Tarjan's algorithm."""
    graph: dict[str, set[str]] = defaultdict(set)
    for edge in found:
        if edge.target.startswith("kg.") and edge.target != edge.module:
            graph[edge.module].add(edge.target)
    order: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    components: list[list[str]] = []

    def visit(node: str) -> None:
        order[node] = low[node] = len(order)
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in order:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], order[nxt])
        if low[node] == order[node]:
            component = []
            while not component or component[-1] != node:
                component.append(stack.pop())
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(graph):
        if node not in order:
            visit(node)
    return sorted(components)


def a_loop(component: list[str], found: Iterable[Edge]) -> str:
    """One round of imports inside a cycle, as ``a → b → a``, to say where to cut it."""
    inside = set(component)
    step = {e.module: e.target for e in found if e.module in inside and e.target in inside and e.module != e.target}
    path = [component[0]]
    while path[-1] in step and step[path[-1]] not in path:
        path.append(step[path[-1]])
    return " → ".join([*path, step.get(path[-1], path[0])])


# --------------------------------------------------------------------------- the real package

MODULES = sorted(SRC.rglob("*.py"))


def module_edges(path: Path) -> list[Edge]:
    return list(edges(path.read_text("utf-8"), module_name(path), path.name == "__init__.py"))


def test_the_package_is_found():
    """The walk sees the modules the layer table talks about (so the other tests are not vacuous)."""
    parts = {part_of(module_name(p)) for p in MODULES}
    assert {"errors", "annotations", "mapping", "store", "pipeline", "cli"} <= parts


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(SRC)))
def test_module_is_in_the_layer_table(path: Path):
    """Every module belongs to a part that has a layer."""
    part = part_of(module_name(path))
    assert part is None or part in LAYERS, f"kg.{part} is not in LAYERS of tests/test_layers.py; give it a layer"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(SRC)))
def test_no_upward_imports(path: Path):
    """A module imports kg only from layers below its own (or from the same-layer pairs listed)."""
    broken = upward_edges(module_edges(path))
    assert not broken, "\n".join(broken)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(SRC)))
def test_heavy_packages_stay_in_their_module(path: Path):
    """Only kg.shacl imports pyshacl, only kg.reasoning owlready2, only kg.store pyoxigraph;
    annotations and spans use no rdflib."""
    part = part_of(module_name(path))
    broken = []
    for edge in module_edges(path):
        top = edge.target.split(".")[0]
        owner = EXCLUSIVE_IMPORTS.get(top)
        if owner is not None and part != owner:
            broken.append(f"{edge}: only kg.{owner} may import {top}")
        if top in FORBIDDEN_IMPORTS.get(part or "", set()):
            broken.append(f"{edge}: kg.{part} must not import {top}")
    assert not broken, "\n".join(broken)


def all_edges() -> list[Edge]:
    return [edge for path in MODULES for edge in module_edges(path)]


def test_no_import_cycles():
    """No kg modules import one another round, at module level or inside functions (but for the
    cycles listed in KNOWN_CYCLES, which may not grow)."""
    found = all_edges()
    broken = [
        f"{', '.join(c)} import one another, e.g. {a_loop(c, found)}"
        for c in import_cycles(found)
        if not any(set(c) <= known for known in KNOWN_CYCLES)
    ]
    assert not broken, "\n".join(broken)


def test_the_store_is_in_no_import_cycle():
    """kg.store and its modules (embedded, pool, remote, …) are in no cycle, known or not."""
    found = all_edges()
    tangled = [c for c in import_cycles(found) if any(m == "kg.store" or m.startswith("kg.store.") for m in c)]
    assert not tangled, "\n".join(a_loop(c, found) for c in tangled)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(SRC)))
def test_no_module_is_too_long(path: Path):
    """A module has at most MAX_LINES lines (one listed in LONG_MODULES: no more than it had)."""
    name = module_name(path)
    limit = LONG_MODULES.get(name, MAX_LINES)
    lines = len(path.read_text("utf-8").splitlines())
    assert lines <= limit, f"{name} has {lines} lines, over {limit}: split it (STYLE.md, Habits 7)"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(SRC)))
def test_only_config_reads_the_environment(path: Path):
    """os.environ and os.getenv appear in kg.config and nowhere else."""
    if part_of(module_name(path)) == READS_ENVIRONMENT:
        return
    lines = environment_reads(path.read_text("utf-8"))
    assert not lines, f"{module_name(path)} reads the environment at line(s) {lines}; take a Settings instead"


def test_config_is_where_the_environment_is_read():
    """The environment rule points at a module that really reads it (so the rule is not stale)."""
    assert environment_reads((SRC / "config.py").read_text("utf-8"))


# --------------------------------------------------------------------------- the checker itself


def test_checker_reports_an_upward_edge():
    """An L1 module importing an L3 one is reported with both ends and the line."""
    source = "import json\n\nfrom kg.store import Store\n"
    broken = upward_edges(list(edges(source, "kg.annotations")))
    assert broken == ["kg.annotations imports kg.store at line 3: upward edge from L1 annotations to L3 store"]


def test_checker_reads_from_kg_import_and_relative_imports():
    """``from kg import pipeline`` and ``from ..pipeline import x`` are both edges to kg.pipeline."""
    source = "from kg import pipeline\nfrom ..pipeline import build\n"
    found = list(edges(source, "kg.store.embedded"))
    assert [e.target for e in found] == ["kg.pipeline", "kg.pipeline"]
    assert len(upward_edges(found)) == 2


def test_checker_refuses_an_unlisted_same_layer_edge():
    """queries → formats is the same layer but not listed, so it is reported."""
    broken = upward_edges(list(edges("from kg.formats import render\n", "kg.queries")))
    assert len(broken) == 1 and "same-layer" in broken[0]


def test_checker_allows_cli_to_import_web_only_lazily():
    """cli may import web inside a function, not at module level."""
    lazy = "def serve():\n    from kg.web import create_app\n"
    eager = "from kg.web import create_app\n"
    assert upward_edges(list(edges(lazy, "kg.cli"))) == []
    assert upward_edges(list(edges(eager, "kg.cli"))) == [
        "kg.cli imports kg.web at line 1: kg.web may only be imported inside a function"
    ]


def test_checker_finds_environment_reads():
    """os.environ, os.getenv and ``from os import environ`` are all found."""
    source = "import os\nfrom os import environ\n\ndef f():\n    return os.getenv('X') or os.environ['Y']\n"
    assert sorted(environment_reads(source)) == [2, 5, 5]


def test_checker_keeps_pyoxigraph_in_the_store():
    """``import pyoxigraph`` is reported in kg.formats and allowed in kg.store.embedded."""
    source = "import pyoxigraph as ox\n"
    part_of_formats = [
        e for e in edges(source, "kg.formats") if EXCLUSIVE_IMPORTS.get(e.target) not in (None, "formats")
    ]
    part_of_store = [
        e for e in edges(source, "kg.store.embedded") if EXCLUSIVE_IMPORTS.get(e.target) not in (None, "store")
    ]
    assert len(part_of_formats) == 1 and part_of_store == []


def test_checker_finds_a_cycle_through_a_lazy_import():
    """a imports b at module level and b imports a inside a function: one cycle, shown as a loop."""
    found = [*edges("from kg.b import x\n", "kg.a"), *edges("def f():\n    from kg.a import y\n", "kg.b")]
    assert import_cycles(found) == [["kg.a", "kg.b"]]
    assert a_loop(["kg.a", "kg.b"], found) == "kg.a → kg.b → kg.a"
    assert import_cycles(found[:1]) == []


def test_checker_reads_a_submodule_named_in_from_import():
    """``from kg.store import sandbox`` is an edge to kg.store.sandbox, ``from kg.store import Store`` to kg.store."""
    found = list(edges("from kg.store import sandbox\nfrom kg.store import Store\n", "kg.store.embedded"))
    assert [e.target for e in found] == ["kg.store.sandbox", "kg.store"]
