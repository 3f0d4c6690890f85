"""kg.store.oxigraph: the Oxigraph basics both backends share — RDF read into kg's terms,
one syntax rewritten in another, and quads, exports and checksums that do not depend on how
blank nodes happened to be labelled."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from rdflib import BNode, Graph, Literal, URIRef

from kg.errors import InputError
from kg.store import RDF_SYNTAXES, Quad, RdfTerm, oxigraph, parse_rdf, translate_rdf

EX = "http://example.org/"
GRAPH = URIRef("https://w3id.org/kg/graph/test")
TURTLE = f'@prefix ex: <{EX}> .\nex:a ex:label "a"@en ; ex:n 3 .\n'.encode()


def test_parse_rdf_gives_kg_terms():
    """Turtle is read into Quads of RdfTerm values: IRIs, language tags and datatypes kept, no graph."""
    quads = parse_rdf(TURTLE, "turtle", where="upload.ttl")
    assert Quad(RdfTerm("uri", f"{EX}a"), RdfTerm("uri", f"{EX}label"), RdfTerm("literal", "a", _LANG, "en")) in quads
    numbers = [q.object for q in quads if q.predicate.value == f"{EX}n"]
    assert numbers == [RdfTerm("literal", "3", "http://www.w3.org/2001/XMLSchema#integer")]
    assert {q.graph for q in quads} == {None}


_LANG = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


def test_parse_rdf_keeps_named_graphs():
    """N-Quads statements in a named graph carry it (so a caller can refuse them)."""
    data = f'<{EX}a> <{EX}b> "c" <{EX}g> .\n'.encode()
    (quad,) = parse_rdf(data, "nquads", where="x.nq")
    assert quad.graph == RdfTerm("uri", f"{EX}g")


def test_bad_rdf_is_an_input_error_saying_where():
    """A Turtle document missing its final dot is refused with the syntax's name and the upload's name."""
    with pytest.raises(InputError) as caught:
        parse_rdf(f"<{EX}a> <{EX}b> <{EX}c>".encode(), "turtle", where="broken.ttl")
    assert caught.value.message.startswith("not valid Turtle:")
    assert caught.value.where is not None and caught.value.where.file == "broken.ttl"


def test_every_syntax_round_trips():
    """Each syntax kg names is written and read back to the same statements."""
    ntriples = translate_rdf(TURTLE, "turtle", "ntriples")
    expected = set(parse_rdf(ntriples, "ntriples", where="x"))
    for syntax in RDF_SYNTAXES:
        assert set(parse_rdf(translate_rdf(ntriples, "ntriples", syntax), syntax, where=syntax)) == expected


def test_translate_shortens_with_prefixes_in_turtle():
    """Turtle output uses the prefixes given, so ex:a appears instead of the full IRI."""
    text = translate_rdf(TURTLE, "turtle", "turtle", {"ex": EX}).decode()
    assert "ex:a" in text and f"<{EX}a>" not in text


def test_an_unknown_syntax_is_named_in_the_error():
    """Asking for a syntax kg does not know says which ones it does."""
    with pytest.raises(ValueError, match="unknown RDF syntax 'n3'; one of turtle"):
        translate_rdf(TURTLE, "turtle", "n3")


def _blank_graph(label: str) -> Graph:
    graph = Graph()
    node = BNode(label)
    graph.add((URIRef(f"{EX}a"), URIRef(f"{EX}has"), node))
    graph.add((node, URIRef(f"{EX}label"), Literal("inner")))
    return graph


def test_the_same_data_gives_the_same_quads_and_checksum_whatever_the_blank_labels():
    """Two graphs that differ only in a blank node's label give identical quads, exports and checksums."""
    one, two = oxigraph.quads_of(GRAPH, _blank_graph("x1")), oxigraph.quads_of(GRAPH, _blank_graph("zz"))
    assert [str(q) for q in one] == [str(q) for q in two]
    assert oxigraph.checksum(one) == oxigraph.checksum(two)
    assert oxigraph.export(one, "nquads") == oxigraph.export(two, "nquads")
    assert oxigraph.checksum(one) != oxigraph.checksum(oxigraph.quads_of(GRAPH, Graph()))


def test_rows_from_a_server_become_the_same_quads():
    """?s ?p ?o ?g rows (as a SPARQL server answers them) give the quads the graph gives locally."""
    local = oxigraph.quads_of(GRAPH, _blank_graph("b0"))
    rows = [
        {"s": oxigraph.term_from_ox(q.subject), "p": oxigraph.term_from_ox(q.predicate)}
        | {"o": oxigraph.term_from_ox(q.object), "g": RdfTerm("uri", str(GRAPH))}
        for q in oxigraph.quads_of(GRAPH, _blank_graph("server-label-17"))
    ]
    assert oxigraph.checksum(oxigraph.quads_of_rows(rows)) == oxigraph.checksum(local)


# --------------------------------------------------------------------------- answer caps


def big_literal_query(form: str, doublings: int = 22) -> str:
    """A query that makes a literal of 16 characters doubled (22 times: 64 MiB) and returns it."""
    binds = 'BIND("xxxxxxxxxxxxxxxx" AS ?a0) ' + " ".join(
        f"BIND(CONCAT(?a{i}, ?a{i}) AS ?a{i + 1})" for i in range(doublings)
    )
    big = f"?a{doublings}"
    head = f"CONSTRUCT {{ <http://ex/s> <http://ex/p> {big} }}" if form == "CONSTRUCT" else f"SELECT {big}"
    return f"{head} WHERE {{ {binds} }}"


def numbered_store(n: int) -> ox.Store:
    store = ox.Store()
    store.extend(
        ox.Quad(ox.NamedNode(f"http://ex/s{i}"), ox.NamedNode("http://ex/p"), ox.Literal(str(i))) for i in range(n)
    )
    return store


@pytest.mark.parametrize("query", ["CONSTRUCT WHERE { ?s ?p ?o }", "DESCRIBE ?s WHERE { ?s ?p ?o }"])
def test_construct_and_describe_are_cut_at_the_row_cap(query: str) -> None:
    """CONSTRUCT and DESCRIBE give at most max_rows triples and say they were cut; all of them under no cap."""
    store = numbered_store(50)
    cut = oxigraph.run_query(store, query, None, 20)
    assert cut.truncated and (cut.triples or "").count("\n") == 20
    whole = oxigraph.run_query(store, query, None, None)
    assert not whole.truncated and (whole.triples or "").count("\n") == 50
    assert set(cut.triples.splitlines()) <= set(whole.triples.splitlines())  # type: ignore[union-attr]


@pytest.mark.parametrize("form", ["CONSTRUCT", "SELECT"])
def test_a_64_mib_literal_is_cut_by_the_byte_cap(form: str) -> None:
    """An answer carrying a 64 MiB literal is cut before it (nothing of it copied out) and marked truncated."""
    result = oxigraph.run_query(ox.Store(), big_literal_query(form), None, 10_000)
    assert result.truncated
    assert result.triples == "" if form == "CONSTRUCT" else result.rows == ()
    assert oxigraph.MAX_ANSWER_BYTES < 64 * 2**20


def test_a_larger_row_cap_carries_more_bytes() -> None:
    """The byte cap grows with the row cap given (1 KiB a row), so kg's own bounded reads — the
    periods index at KG_INDEX_ROWS — are not cut at 16 MiB, while a query under the default row
    cap still is."""
    assert oxigraph.answer_bytes(10_000) == oxigraph.answer_bytes(None) == oxigraph.MAX_ANSWER_BYTES
    assert oxigraph.answer_bytes(5_000_000) == 5_000_000 * oxigraph.BYTES_PER_ROW
    big = oxigraph.run_query(ox.Store(), big_literal_query("SELECT"), None, 100_000)  # 64 MiB < 100 MB
    assert not big.truncated and len(big.rows) == 1
