"""OWL reasoning: check the data against the ontology's axioms and materialise what follows.

:func:`infer` loads the data and ``ontology/kg.ttl`` into a fresh owlready2 ``World`` and runs
the HermiT reasoner (Java). Two outcomes, both results rather than exceptions:

- **inconsistent** — the data contradict an axiom (a place that is also an actor, two values of
  a functional property, a value outside a property's range). HermiT only says *that* the graph
  is inconsistent, so :func:`explain` finds *why* with cheap checks over the graph and names the
  individuals, with their labels, and the axiom, in plain words;
- **consistent** — the new, useful entailments (types in the kg namespace, the kg:locatedIn and
  kg:partOf closures, inverse properties, kg:side) are returned as one graph, stored by the
  build as ``GRAPH.INFERRED`` so that saved queries can use them and people can see them.

Java missing is a failure of the tool, :class:`ReasonerUnavailable`. This is the only module
that imports owlready2 (lazily: it is slow to import and only reasoning needs it).
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from kg.errors import Location, ReasonerUnavailable
from kg.report import Problem
from kg.vocab import KG, OA, OWL, RDF, RDFS, SKOS

KG_NS = str(KG)

# Nodes that only carry the position of a span: no kg axiom speaks about them.
_SPAN_TYPES = (OA.SpecificResource, OA.TextPositionSelector, OA.TextQuoteSelector)


# Super-properties whose values are materialised from their sub-properties' (see _lift).
_LIFTED = (KG.side,)


@dataclass(frozen=True)
class Reasoning:
    """What the reasoner concluded: consistent or not (with why), and what it inferred."""

    consistent: bool
    problems: tuple[Problem, ...] = ()
    inferred: Graph = field(default_factory=Graph)
    seconds: float = 0.0

    def counts(self) -> dict[str, int]:
        """How many inferred triples each property (or ``a`` for types) contributes."""
        names = Counter(_curie(p) if p != RDF.type else "a" for p in self.inferred.predicates())
        return dict(sorted(names.items()))


# --------------------------------------------------------------------------- running HermiT


def infer(data: Graph, ontology: Graph) -> Reasoning:
    """Reason over ``data`` with ``ontology``; explain an inconsistency, else materialise."""
    java = shutil.which("java")
    if java is None:
        raise ReasonerUnavailable(
            "the HermiT reasoner needs Java, and no 'java' is on the PATH",
            hint="install a Java runtime (on Debian: apt-get install default-jre-headless), or build without --reason",
        )
    import owlready2

    started = time.perf_counter()
    needed = abox(data, ontology)
    with tempfile.TemporaryDirectory(prefix="kg-reason-") as folder:
        path = Path(folder) / "data.nt"
        (needed + ontology).serialize(path, format="nt", encoding="utf-8")
        world = owlready2.World()
        try:
            world.get_ontology(path.as_uri()).load()
            owlready2.sync_reasoner_hermit(
                world, infer_property_values=True, debug=0, ignore_unsupported_datatypes=True
            )
        except owlready2.OwlReadyInconsistentOntologyError:
            seconds = time.perf_counter() - started
            return Reasoning(False, explain(data, ontology), seconds=seconds)
        inferred = materialise(world, needed, ontology)
        world.close()
    return Reasoning(True, (), inferred, time.perf_counter() - started)


def abox(data: Graph, ontology: Graph) -> Graph:
    """The statements the axioms can speak about: typed nodes and kg's properties between them.

    Literals are kept only for functional properties, and span selectors are left out; this
    keeps HermiT's work to what can contradict or extend the ontology.
    """
    declared = set(ontology.subjects(RDF.type, None))
    functional = set(ontology.subjects(RDF.type, OWL.FunctionalProperty))
    spans = {s for kind in _SPAN_TYPES for s in data.subjects(RDF.type, kind)}
    kept = Graph()
    for s, p, o in data:
        if s in spans or o in spans or (p != RDF.type and p not in declared):
            continue
        if isinstance(o, Literal) and p not in functional:
            continue
        kept.add((s, p, o))
    return kept


def materialise(world: Any, asserted: Graph, ontology: Graph) -> Graph:
    """The new kg-namespace types and object-property values of the data's individuals."""
    import owlready2

    individuals = {s for s in asserted.subjects() if isinstance(s, URIRef) and (s, None, None) not in ontology}
    properties = {
        p for p in ontology.subjects(RDF.type, OWL.ObjectProperty) if isinstance(p, URIRef) and p.startswith(KG_NS)
    }
    inferred = Graph()
    inferred.bind("kg", KG_NS)
    for s, p, o in world.as_rdflib_graph():
        if s in individuals and p in properties and isinstance(o, URIRef) and (s, p, o) not in asserted:
            inferred.add((s, p, o))
    _lift(asserted + inferred, ontology, inferred)
    for iri in individuals:
        entity = world[str(iri)]
        if entity is None or not hasattr(entity, "INDIRECT_is_a"):
            continue
        for cls in entity.INDIRECT_is_a:
            if isinstance(cls, owlready2.ThingClass) and cls.iri.startswith(KG_NS):
                triple = (iri, RDF.type, URIRef(cls.iri))
                if triple not in asserted:
                    inferred.add(triple)
    for s, p, o in list(inferred):
        if s == o:
            inferred.remove((s, p, o))  # an actor allied with another is on its own side: true, not news
    return inferred


def _lift(known: Graph, ontology: Graph, inferred: Graph) -> None:
    """Add the values of the lifted super-properties, closed transitively.

    HermiT reports a super-property's value only where no sub-property already holds it, so
    kg:side would miss the brigade that is asserted kg:partOf the FSA; this restores them.
    """
    for top in _LIFTED:
        subs = set(ontology.transitive_subjects(RDFS.subPropertyOf, top))
        pairs = {(s, o) for s, p, o in known if p in subs and isinstance(o, URIRef)}
        while True:
            longer = {(s, o2) for s, o in pairs for o1, o2 in pairs if o == o1} - pairs
            if not longer:
                break
            pairs |= longer
        for s, o in pairs:
            if (s, top, o) not in known:
                inferred.add((s, top, o))


# --------------------------------------------------------------------------- explaining


def explain(data: Graph, ontology: Graph) -> tuple[Problem, ...]:
    """Why the data contradict the ontology, in words: disjoint types, functional properties."""
    both = data + ontology
    found = [*_disjointness(both, ontology), *_functional(data, ontology, both)]
    if not found:
        found.append(
            Problem(
                "the reasoner (HermiT) found the data inconsistent with the ontology, but kg could not "
                "pinpoint the axiom; load the data and ontology/kg.ttl into Protégé and ask HermiT to explain",
                source="owl",
            )
        )
    return tuple(found)


def _disjointness(both: Graph, ontology: Graph) -> Iterator[Problem]:
    pairs = list(_disjoint_pairs(ontology))
    for node, reasons in _typings(both, ontology).items():
        for first, second, axiom in pairs:
            if first in reasons and second in reasons:
                yield Problem(
                    f"{_name(both, node)} is said to be both {_article(both, first)}: {reasons[first]}; and "
                    f"{_article(both, second)}: {reasons[second]}; which the ontology declares disjoint ({axiom})",
                    Location(node=str(node)),
                    source="owl",
                )


def _disjoint_pairs(ontology: Graph) -> Iterator[tuple[Node, Node, str]]:
    for a, b in ontology.subject_objects(OWL.disjointWith):
        yield a, b, f"{_curie(a)} owl:disjointWith {_curie(b)}"
    for group in ontology.subjects(RDF.type, OWL.AllDisjointClasses):
        members = [m for head in ontology.objects(group, OWL.members) for m in ontology.items(head)]
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                yield a, b, f"{_curie(a)} owl:disjointWith {_curie(b)}, by an owl:AllDisjointClasses axiom"


def _typings(both: Graph, ontology: Graph) -> dict[Node, dict[Node, str]]:
    """For each data node, every class it belongs to, with the statement that puts it there."""
    direct: dict[Node, dict[Node, str]] = {}
    for node, cls in both.subject_objects(RDF.type):
        if isinstance(cls, URIRef) and (node, None, None) not in ontology:
            direct.setdefault(node, {}).setdefault(cls, f"it is typed {_curie(cls)}")
    for s, p, o in both:
        if p == RDF.type or (s, None, None) in ontology or isinstance(o, Literal):
            continue
        for prop in ontology.transitive_objects(p, RDFS.subPropertyOf):
            if prop is None:
                continue
            for cls in ontology.objects(prop, RDFS.domain):
                why = f"it has a {_curie(p)}, and {_curie(prop)} rdfs:domain {_curie(cls)}"
                direct.setdefault(s, {}).setdefault(cls, why)
            for cls in ontology.objects(prop, RDFS.range):
                why = f"it is the {_curie(p)} of {_name(both, s)}, and {_curie(prop)} rdfs:range {_curie(cls)}"
                direct.setdefault(o, {}).setdefault(cls, why)
    closed: dict[Node, dict[Node, str]] = {}
    for node, classes in direct.items():
        reasons = closed.setdefault(node, {})
        for cls, why in classes.items():
            if isinstance(cls, BNode):
                continue
            for ancestor in ontology.transitive_objects(cls, RDFS.subClassOf):
                if ancestor is not None:
                    reasons.setdefault(ancestor, why)
    return closed


def _functional(data: Graph, ontology: Graph, both: Graph) -> Iterator[Problem]:
    for prop in ontology.subjects(RDF.type, OWL.FunctionalProperty):
        for subject in set(data.subjects(prop, None)):
            values = _distinct(data.objects(subject, prop))
            if len(values) > 1:
                shown = ", ".join(_name(both, v) for v in values)
                yield Problem(
                    f"{_name(both, subject)} has {len(values)} values of {_curie(prop)} ({shown}), but the "
                    f"ontology declares {_curie(prop)} functional ({_curie(prop)} a owl:FunctionalProperty): "
                    "it can have only one",
                    Location(node=str(subject)),
                    source="owl",
                )


def _distinct(values: Iterable[Node]) -> list[Node]:
    seen: dict[object, Node] = {}
    for value in values:
        key = value.toPython() if isinstance(value, Literal) else value
        seen.setdefault(key, value)
    return sorted(seen.values(), key=str)


# --------------------------------------------------------------------------- words


def _name(graph: Graph, node: Node) -> str:
    if isinstance(node, Literal):
        return f'"{node}"'
    label = graph.value(node, RDFS.label) or graph.value(node, SKOS.prefLabel)
    short = _curie(node)
    return f"{label} ({short})" if label is not None else short


def _article(graph: Graph, cls: Node) -> str:
    label = graph.value(cls, RDFS.label)
    word = str(label) if label is not None else _curie(cls)
    return f"{'an' if word[:1].lower() in 'aeiou' else 'a'} {word} ({_curie(cls)})"


def _curie(node: Node) -> str:
    text = str(node)
    prefixes = {KG_NS: "kg:", "https://w3id.org/kg/id/": "kgid:", str(OWL): "owl:", str(RDFS): "rdfs:"}
    for base, prefix in prefixes.items():
        if text.startswith(base):
            return prefix + text[len(base) :]
    return f"<{text}>" if isinstance(node, URIRef) else text
