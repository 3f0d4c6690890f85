"""One reading of place and actor names: exact names first, then the folding reconciliation
scores by; a clear best is used and said, close ones are listed, none get "did you mean"."""

from __future__ import annotations

import pytest
from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import SKOS

from kg import names, reconcile, resolver
from kg.errors import AmbiguousName, ParameterError, UnknownName
from kg.store import RdfTerm
from kg.store.embedded import EmbeddedStore
from kg.vocab import KG, KGID

PLACES = {  # id → (label, alternate labels)
    "al-qaryatayn": ("al-Qaryatayn", ["Qaryatayn"]),
    "al-hamra": ("al-Hamra", []),
    "hamrah": ("Hamrah", []),
    "east-wells": ("East Wells", ["Twin Wells"]),
    "west-wells": ("West Wells", ["Twin Wells"]),
}


def make_store() -> EmbeddedStore:
    """An in-memory store with five places (two fold to one key, two share a name) and one actor."""
    g = Graph()
    g.add((KG.Settlement, RDFS.subClassOf, KG.Place))
    for pid, (label, alts) in PLACES.items():
        iri = KGID[f"place/{pid}"]
        g.add((iri, RDF.type, KG.Settlement))
        g.add((iri, RDFS.label, Literal(label)))
        for alt in alts:
            g.add((iri, SKOS.altLabel, Literal(alt)))
    actor = KGID["actor/islamic-state"]
    g.add((actor, RDF.type, KG.Actor))
    g.add((actor, RDFS.label, Literal("Islamic State")))
    g.add((actor, SKOS.altLabel, Literal("ISIS")))
    store = EmbeddedStore.open(None)
    store.replace_all([(URIRef("https://w3id.org/kg/graph/entities"), g)])
    return store


@pytest.fixture(scope="module")
def store() -> EmbeddedStore:
    return make_store()


def test_an_exact_name_is_used_without_a_reading(store: EmbeddedStore) -> None:
    """An id, a label and an alternate label (any case) find the entity and need no "read as"."""
    for raw in ("al-qaryatayn", "al-Qaryatayn", "QARYATAYN"):
        term, reading = resolver.read("place", "place", raw, store)
        assert term == RdfTerm("uri", f"{KGID}place/al-qaryatayn") and reading is None


def test_a_transliteration_is_read_by_folding_and_says_so(store: EmbeddedStore) -> None:
    """Qaryatain is no name in the graph but folds to al-Qaryatayn's: used, and the reading says so."""
    term, reading = resolver.read("place", "place", "Qaryatain", store)
    assert term == RdfTerm("uri", f"{KGID}place/al-qaryatayn")
    assert reading is not None and reading.label == "al-Qaryatayn" and reading.id == "place/al-qaryatayn"
    assert str(reading) == "place='Qaryatain' read as al-Qaryatayn (place/al-qaryatayn)"


def test_two_entities_that_fold_alike_are_ambiguous_with_ids_and_kinds(store: EmbeddedStore) -> None:
    """el-Hamra folds to the key of both al-Hamra and Hamrah: a 400 listing both, with id and kind."""
    with pytest.raises(AmbiguousName) as caught:
        resolver.read("place", "place", "el-Hamra", store)
    assert caught.value.status == 400 and caught.value.where is not None and caught.value.where.field == "place"
    assert f"al-Hamra <{KGID}place/al-hamra> (place)" in caught.value.message
    assert f"Hamrah <{KGID}place/hamrah> (place)" in caught.value.message
    assert caught.value.candidates == (f"{KGID}place/al-hamra", f"{KGID}place/hamrah")


def test_an_exact_name_two_entities_share_is_ambiguous(store: EmbeddedStore) -> None:
    """Twin Wells, an alternate label of two places, lists both."""
    with pytest.raises(AmbiguousName, match="names 2 places"):
        resolver.read("place", "place", "twin wells", store)


def test_an_unknown_name_gets_did_you_mean(store: EmbeddedStore) -> None:
    """A misspelling far enough from every key is refused with the nearest names, ids included."""
    with pytest.raises(UnknownName) as caught:
        resolver.read("place", "place", "Qaryatyn", store)
    assert "did you mean al-Qaryatayn (place/al-qaryatayn)" in caught.value.message
    assert caught.value.suggestions[0] == f"{KGID}place/al-qaryatayn"
    assert "kg " not in (caught.value.hint or "")


def test_a_name_of_nothing_like_it_has_no_guess(store: EmbeddedStore) -> None:
    """Atlantis resembles nothing: refused without a guess."""
    with pytest.raises(UnknownName) as caught:
        resolver.read("place", "place", "Atlantis", store)
    assert "did you mean" not in caught.value.message and "no place called 'Atlantis'" in caught.value.message


def test_actors_are_read_by_their_alternate_labels_only_as_the_data_gives_them(store: EmbeddedStore) -> None:
    """ISIS is an alternate label of Islamic State; Daesh is in no data, so it is not guessed."""
    assert resolver.read("actor", "actor", "isis", store)[0] == RdfTerm("uri", f"{KGID}actor/islamic-state")
    with pytest.raises(UnknownName):
        resolver.read("actor", "actor", "Daesh", store)
    with pytest.raises(UnknownName):
        resolver.read("place", "place", "ISIS", store)  # an actor's name is no place


def test_a_malformed_iri_is_a_parameter_error(store: EmbeddedStore) -> None:
    """An http IRI with a space is refused, not looked up."""
    with pytest.raises(ParameterError, match="must be an http"):
        resolver.read("place", "place", "http://x y", store)


def test_reconciliation_decides_by_the_same_thresholds() -> None:
    """Reconciliation's match rule is names' rule (one copy of the thresholds)."""
    assert reconcile.MATCH_NAME_SCORE == names.MATCH_SCORE
    assert reconcile.MATCH_MARGIN == 100 * names.MATCH_MARGIN
    assert names.is_match([1.0, 0.85]) and not names.is_match([1.0, 0.95]) and not names.is_match([0.8])
