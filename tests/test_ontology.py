"""The ontology (ontology/kg.ttl) parses, documents every term, matches kg.vocab and reasons.

The reasoner tests run HermiT through owlready2 and need Java; they are skipped, not failed,
where owlready2 or Java is missing.
"""

import inspect
import itertools
import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from rdflib import BNode, Graph, Literal, URIRef

from kg.vocab import GRAPH, KG, KGID, OWL, RDF, RDFS, XSD, article_graph

from .programs import JAVA_HINT, requires

ROOT = Path(__file__).resolve().parents[1]
ONTOLOGY = ROOT / "ontology" / "kg.ttl"
RDF_MODEL = ROOT / "docs" / "rdf-model.md"
KG_NS = str(KG)

# A seed-like article graph shaped as docs/rdf-model.md describes what `kg build` writes.
EXAMPLE_TTL = """
@prefix kg:     <https://w3id.org/kg/ontology#> .
@prefix place:  <https://w3id.org/kg/id/place/> .
@prefix actor:  <https://w3id.org/kg/id/actor/> .
@prefix asset:  <https://w3id.org/kg/id/asset/> .
@prefix article: <https://w3id.org/kg/id/article/> .
@prefix event:  <https://w3id.org/kg/id/event/000_d0ca17a74fd2c527/> .
@prefix claim:  <https://w3id.org/kg/id/claim/000_d0ca17a74fd2c527/> .
@prefix mention: <https://w3id.org/kg/id/mention/000_d0ca17a74fd2c527/> .
@prefix evidence: <https://w3id.org/kg/id/evidence/000_d0ca17a74fd2c527/qaryatayn-recaptured/> .
@prefix evidence1: <https://w3id.org/kg/id/evidence/000_d0ca17a74fd2c527/qaryatayn-recaptured/1/> .
@prefix geo:    <http://www.opengis.net/ont/geosparql#> .
@prefix prov:   <http://www.w3.org/ns/prov#> .
@prefix oa:     <http://www.w3.org/ns/oa#> .
@prefix skos:   <http://www.w3.org/2004/02/skos/core#> .
@prefix schema: <https://schema.org/> .
@prefix rdfs:   <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd:    <http://www.w3.org/2001/XMLSchema#> .

place:syria a kg:Country ; rdfs:label "Syria" ; skos:prefLabel "Syria" .
place:homs-governorate a kg:AdministrativeUnit ; rdfs:label "Homs governorate" ;
    kg:locatedIn place:syria .
place:palmyra a kg:Settlement ; rdfs:label "Palmyra" ;
    kg:locatedIn place:homs-governorate .
place:al-qaryatayn a kg:Settlement ;
    rdfs:label "al-Qaryatayn" ; skos:prefLabel "al-Qaryatayn" ;
    skos:altLabel "Qaryatayn", "Al-Qaryatain" ;
    kg:locatedIn place:homs-governorate ;
    kg:near place:palmyra ;
    skos:exactMatch <https://sws.geonames.org/173361/> ;
    geo:hasGeometry <https://w3id.org/kg/id/place/al-qaryatayn/geometry> .
<https://w3id.org/kg/id/place/al-qaryatayn/geometry> a geo:Geometry ;
    geo:asWKT "POINT(37.24066 34.22956)"^^geo:wktLiteral ;
    prov:wasDerivedFrom <https://sws.geonames.org/173361/> ;
    kg:coordinateSource "GeoNames 173361" .

asset:m2-highway a kg:Highway ; rdfs:label "M2 highway" ;
    kg:locatedIn place:homs-governorate ; kg:connects place:al-qaryatayn .

actor:syrian-government a kg:GovernmentBody ; rdfs:label "Syrian government" .
actor:syrian-arab-army a kg:StateForce ; rdfs:label "Syrian Arab Army" ;
    kg:partOf actor:syrian-government ;
    kg:supportedBy actor:russian-air-force ; kg:stance "pro-regime" .
actor:russian-air-force a kg:ForeignStateForce ; rdfs:label "Russian air force" .
actor:islamic-state a kg:NonStateArmedGroup ; rdfs:label "Islamic State" .
actor:syria-direct a kg:NewsOutlet ; rdfs:label "Syria Direct" .
actor:sohr a kg:MonitoringGroup ; rdfs:label "SOHR" .
actor:shadi-al-halaq a kg:Person ; rdfs:label "Shadi al-Halaq" ;
    kg:memberOf actor:syria-direct .

article:000_d0ca17a74fd2c527 a kg:Article ;
    schema:headline "With east Homs victory, regime eyes the desert" ;
    kg:fileName "000_d0ca17a74fd2c527.txt" ;
    kg:sha256 "5f1c000000000000000000000000000000000000000000000000000000000000" ;
    kg:charCount 3396 ;
    schema:inLanguage "en" ;
    schema:publisher actor:syria-direct ; kg:publisherDerivation "byline" ;
    schema:datePublished "2016-04-04"^^xsd:date ;
    kg:dateEarliest "2016-04-04"^^xsd:date ; kg:dateLatest "2016-04-04"^^xsd:date ;
    kg:datePrecision kg:DayPrecision ; kg:dateBasis kg:TextExplicit ;
    schema:citation actor:sohr .

mention:503-515 a kg:Mention ;
    oa:motivatedBy oa:identifying ;
    oa:hasBody place:al-qaryatayn ;
    oa:hasTarget <https://w3id.org/kg/id/mention/000_d0ca17a74fd2c527/503-515/target> .
<https://w3id.org/kg/id/mention/000_d0ca17a74fd2c527/503-515/target> a oa:SpecificResource ;
    oa:hasSource article:000_d0ca17a74fd2c527 ;
    oa:hasSelector <https://w3id.org/kg/id/mention/000_d0ca17a74fd2c527/503-515/position> ,
                   <https://w3id.org/kg/id/mention/000_d0ca17a74fd2c527/503-515/quote> .
<https://w3id.org/kg/id/mention/000_d0ca17a74fd2c527/503-515/position> a oa:TextPositionSelector ;
    oa:start 503 ; oa:end 515 .
<https://w3id.org/kg/id/mention/000_d0ca17a74fd2c527/503-515/quote> a oa:TextQuoteSelector ;
    oa:exact "al-Qaryatayn" .

event:qaryatayn-recaptured a kg:Capture ;
    kg:place place:al-qaryatayn ;
    kg:gainingActor actor:syrian-arab-army ;
    kg:losingActor actor:islamic-state ;
    kg:supportingActor actor:russian-air-force ;
    kg:dateEarliest "2016-04-03"^^xsd:date ; kg:dateLatest "2016-04-03"^^xsd:date ;
    kg:datePrecision kg:DayPrecision ; kg:dateBasis kg:TextRelative ;
    kg:dateDerivation "'on Sunday' in an article dated Monday 4 April 2016" ;
    kg:scope kg:WholeScope ; kg:certainty kg:Reported ; kg:trigger "captured" ;
    prov:wasDerivedFrom article:000_d0ca17a74fd2c527 ;
    prov:wasAttributedTo actor:shadi-al-halaq ;
    kg:evidence evidence:1 .
evidence:1 a kg:Evidence ;
    oa:motivatedBy oa:describing ;
    oa:hasBody event:qaryatayn-recaptured ;
    oa:hasTarget evidence1:target .
evidence1:target a oa:SpecificResource ;
    oa:hasSource article:000_d0ca17a74fd2c527 .

event:m2-portions-held a kg:ControlObservation ;
    kg:place asset:m2-highway ;
    kg:controllingActor actor:islamic-state ;
    kg:dateLatest "2016-04-04"^^xsd:date ; kg:datePrecision kg:RangePrecision ;
    kg:dateBasis kg:TextRelative ; kg:dateDerivation "as of the article's date" ;
    kg:scope kg:PartialScope ; kg:scopeNote "portions of the highway" ;
    kg:certainty kg:Claimed ;
    prov:wasDerivedFrom article:000_d0ca17a74fd2c527 .

claim:palmyra-from-qaryatayn a kg:DistanceClaim ;
    kg:place place:palmyra ; kg:referencePlace place:al-qaryatayn ;
    kg:distanceKm 100.0 ; kg:bearing kg:NorthEast ;
    prov:wasDerivedFrom article:000_d0ca17a74fd2c527 .
"""


def kg_terms(graph: Graph) -> set[URIRef]:
    """The kg: IRIs that the graph declares (gives an rdf:type)."""
    return {s for s in graph.subjects(RDF.type) if isinstance(s, URIRef) and s.startswith(KG_NS)}


@pytest.fixture(scope="module")
def ontology() -> Graph:
    """The ontology, parsed."""
    return Graph().parse(ONTOLOGY, format="turtle")


@pytest.fixture
def reason(tmp_path: Path) -> Callable[[Graph], Any]:
    """A function: load a graph into a fresh owlready2 World, run HermiT, return the World."""
    owlready2 = pytest.importorskip("owlready2")
    requires("java", JAVA_HINT)  # HermiT runs on it

    runs = itertools.count()

    def run(graph: Graph) -> Any:
        path = tmp_path / f"graph{next(runs)}.nt"
        graph.serialize(path, format="nt", encoding="utf-8")
        world = owlready2.World()
        world.get_ontology(path.as_uri()).load()
        owlready2.sync_reasoner_hermit(world, infer_property_values=True, debug=0, ignore_unsupported_datatypes=True)
        return world

    return run


def with_ontology(ontology: Graph, turtle: str) -> Graph:
    """A new graph holding the ontology plus the given Turtle."""
    graph = Graph()
    graph += ontology
    graph.parse(data=turtle, format="turtle")
    return graph


# --- the Turtle file ----------------------------------------------------------------------


def test_ontology_parses(ontology: Graph) -> None:
    """kg.ttl is valid Turtle and declares the ontology with its version and licence."""
    root = URIRef("https://w3id.org/kg/ontology")
    assert (root, RDF.type, OWL.Ontology) in ontology
    assert ontology.value(root, OWL.versionInfo) == Literal("0.1.0")
    assert str(ontology.value(root, URIRef("http://purl.org/dc/terms/license"))).startswith(
        "https://creativecommons.org/licenses/by/4.0"
    )


def test_ontology_imports_nothing(ontology: Graph) -> None:
    """The ontology never pulls anything from the network through owl:imports."""
    assert not list(ontology.objects(None, OWL.imports))


@pytest.mark.parametrize("annotation", [RDFS.label, RDFS.comment], ids=["label", "comment"])
def test_every_term_is_documented(ontology: Graph, annotation: URIRef) -> None:
    """Every kg: term has an English rdfs:label and rdfs:comment."""
    undocumented = sorted(
        term
        for term in kg_terms(ontology)
        if not any(
            isinstance(value, Literal) and value.language == "en" and str(value).strip()
            for value in ontology.objects(term, annotation)
        )
    )
    assert undocumented == []


def test_every_used_term_is_declared(ontology: Graph) -> None:
    """Every kg: IRI the ontology mentions anywhere is also declared in it."""
    used = {node for triple in ontology for node in triple if isinstance(node, URIRef) and node.startswith(KG_NS)}
    assert used - kg_terms(ontology) == set()


def test_rdf_model_terms_are_declared(ontology: Graph) -> None:
    """Every kg: term docs/rdf-model.md says the build writes is declared in the ontology."""
    names = set(re.findall(r"\bkg:([A-Za-z][A-Za-z0-9]*)", RDF_MODEL.read_text(encoding="utf-8")))
    assert names, "docs/rdf-model.md mentions no kg: terms"
    assert {KG[name] for name in names} - kg_terms(ontology) == set()


def test_example_uses_only_declared_terms(ontology: Graph) -> None:
    """Every property and class of the example build output is declared in the ontology."""
    example = Graph().parse(data=EXAMPLE_TTL, format="turtle")
    used = set(example.predicates()) | set(example.objects(None, RDF.type))
    used -= {RDF.type, RDFS.label}
    declared = {s for s in ontology.subjects(RDF.type) if isinstance(s, URIRef)}
    assert used - declared == set()


@pytest.mark.parametrize(
    ("term", "kind"),
    [
        (KG.dateEarliest, OWL.FunctionalProperty),
        (KG.locatedIn, OWL.TransitiveProperty),
        (KG.partOf, OWL.TransitiveProperty),
        (KG.near, OWL.SymmetricProperty),
        (KG.alliedWith, OWL.SymmetricProperty),
        (KG.bearing, OWL.FunctionalProperty),
    ],
)
def test_property_characteristics(ontology: Graph, term: URIRef, kind: URIRef) -> None:
    """The properties whose meaning depends on it are transitive, symmetric or functional."""
    assert (term, RDF.type, kind) in ontology


def test_bearings_have_degrees(ontology: Graph) -> None:
    """The eight compass points carry their angle, 0 to 315 in steps of 45."""
    values = {b: ontology.value(b, KG.degrees) for b in ontology.subjects(RDF.type, KG.Bearing)}
    assert all(isinstance(v, Literal) and v.datatype == XSD.decimal for v in values.values())
    assert len(values) == 8
    assert sorted(Decimal(str(v)) for v in values.values()) == list(map(Decimal, range(0, 360, 45)))


# --- kg.vocab -----------------------------------------------------------------------------


def test_vocab_matches_ontology(ontology: Graph) -> None:
    """kg.vocab.KG holds exactly the terms kg.ttl declares, so code and ontology cannot drift."""
    attributes = {KG[name] for name in inspect.get_annotations(KG)}
    assert attributes == kg_terms(ontology)


def test_vocab_is_closed() -> None:
    """A misspelt term raises instead of minting a junk IRI."""
    with pytest.raises(AttributeError):
        KG.NoSuchTerm  # noqa: B018
    with pytest.raises(AttributeError):
        KG["Captur"]


@pytest.mark.parametrize(
    ("graph", "path"),
    [
        (GRAPH.ONTOLOGY, "ontology"),
        (GRAPH.ENTITIES, "entities"),
        (GRAPH.LINKS, "links"),
        (article_graph("000_d0ca17a74fd2c527"), "article/000_d0ca17a74fd2c527"),
        (GRAPH.article_graph("000_d0ca17a74fd2c527"), "article/000_d0ca17a74fd2c527"),
    ],
    ids=["ontology", "entities", "links", "article", "article-via-GRAPH"],
)
def test_graph_names(graph: URIRef, path: str) -> None:
    """The named graphs have the IRIs docs/rdf-model.md gives them."""
    assert graph == URIRef(f"https://w3id.org/kg/graph/{path}")


def test_instance_base() -> None:
    """KGID is the base of instance IRIs such as kgid:place/palmyra."""
    assert KGID["place/palmyra"] == URIRef("https://w3id.org/kg/id/place/palmyra")


@pytest.mark.parametrize("stem", ["", "a b", "a/b", "a#b", "..", "a?b"])
def test_article_graph_rejects_bad_stems(stem: str) -> None:
    """A stem that cannot be one IRI path segment is refused with a ValueError."""
    with pytest.raises(ValueError, match="stem"):
        article_graph(stem)


# --- OWL tools ----------------------------------------------------------------------------


def test_owlready2_loads_the_class_tree(ontology: Graph, tmp_path: Path) -> None:
    """owlready2 reads the ontology and sees Capture as a ChangeOfControl and a prov:Entity."""
    owlready2 = pytest.importorskip("owlready2")
    path = tmp_path / "kg.nt"
    ontology.serialize(path, format="nt", encoding="utf-8")
    world = owlready2.World()
    world.get_ontology(path.as_uri()).load()
    capture = world[str(KG.Capture)]
    assert issubclass(capture, world[str(KG.ChangeOfControl)])
    assert world["http://www.w3.org/ns/prov#Entity"] in capture.ancestors()


def test_ontology_is_consistent(ontology: Graph, reason: Callable[[Graph], Any]) -> None:
    """HermiT finds the ontology consistent, with no unsatisfiable class."""
    world = reason(ontology)
    assert list(world.inconsistent_classes()) == []


def test_example_build_output_is_consistent(ontology: Graph, reason: Callable[[Graph], Any]) -> None:
    """The seed-like example is consistent, and the reasoner follows locatedIn transitively."""
    world = reason(with_ontology(ontology, EXAMPLE_TTL))
    qaryatayn = world[str(KGID["place/al-qaryatayn"])]
    located_in = world[str(KG.locatedIn)]
    assert world[str(KGID["place/syria"])] in located_in[qaryatayn]
    event = world[str(KGID["event/000_d0ca17a74fd2c527/qaryatayn-recaptured"])]
    assert world[str(KG.ControlEvent)] in event.INDIRECT_is_a


@pytest.mark.parametrize(
    "turtle",
    [
        "kgid:x a kg:Place , kg:Actor .",
        "kgid:x a kg:Capture , kg:Assault .",
        "kgid:x a kg:Article ; kg:datePrecision kg:DayPrecision , kg:YearPrecision .",
        "kgid:x a kg:DistanceClaim ; kg:bearing kg:Reported .",
        "kgid:x a kg:Evidence ; oa:hasBody kgid:y . kgid:y a kg:Place .",
    ],
    ids=[
        "place-and-actor",
        "two-event-kinds",
        "two-precisions",
        "bearing-not-a-bearing",
        "evidence-for-a-place",
    ],
)
def test_contradictions_are_inconsistent(ontology: Graph, reason: Callable[[Graph], Any], turtle: str) -> None:
    """Data that breaks a disjointness, enumeration or functional axiom makes HermiT object."""
    from owlready2 import OwlReadyInconsistentOntologyError

    prefixes = (
        "@prefix kg: <https://w3id.org/kg/ontology#> . @prefix kgid: <https://w3id.org/kg/id/> ."
        " @prefix oa: <http://www.w3.org/ns/oa#> .\n"
    )
    with pytest.raises(OwlReadyInconsistentOntologyError):
        reason(with_ontology(ontology, prefixes + turtle))


def test_blank_node_axioms_are_well_formed(ontology: Graph) -> None:
    """Every owl:unionOf, owl:oneOf and owl:members list is a proper, non-empty RDF list."""
    for predicate in (OWL.unionOf, OWL.oneOf, OWL.members, OWL.distinctMembers):
        for head in ontology.objects(None, predicate):
            assert isinstance(head, BNode)
            items = list(ontology.items(head))
            assert len(items) >= 2
