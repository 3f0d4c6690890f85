"""SPARQL that helps: the engine's syntax errors as line, column, token and hint; the default
prefixes added without moving a line; undeclared vocabulary terms found with the nearest one."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from rdflib import Graph

from kg import formats, sparql_help
from kg.config import PROJECT_ROOT
from kg.errors import QueryError


def explained(text: str, *, prefixes: bool = False) -> QueryError:
    """What kg says about a text the real engine refuses (with the default prefixes if asked)."""
    sent, offset = sparql_help.with_prefixes(text, formats.PREFIXES) if prefixes else (text, 0)
    with pytest.raises(SyntaxError) as caught:
        ox.Store().query(sent)
    error = QueryError(f"SPARQL syntax error: {caught.value}")
    assert sparql_help.is_syntax_error(error)
    return sparql_help.explain(error, text, formats.PREFIXES, offset)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("SELECT * WHERE { ?s a foo:Bar }", "line 1, column 30, at 'foo:Bar': the prefix foo: is not declared"),
        ("SELECT * WHERE { ?s ?p ?o ", "line 1, column 27, at the end of the query: the query ends inside a group"),
        ("SELECT * WHERE\n ?s ?p ?o }", "line 2, column 2, at '?s': a '{' is missing"),
        ("SELECT * WHERE { ?s ?p ?o } }", "a '}' closes no group"),
        ("SELECT * WHERE { ?s ?p ?o FILTER(?o = 1 }", "a ')' is missing"),
        ("SELECT * WHERE { ?s ?p ?o . ?x ?y }", "a pattern is not complete"),
        ("SELECT * WHERE { ?s ?p ?o } LIMIT", "a number is missing"),
    ],
    ids=["prefix", "close-brace", "open-brace", "extra-brace", "paren", "short-triple", "limit"],
)
def test_syntax_errors_say_where_what_and_how(text: str, words: str) -> None:
    """Each common mistake gets its place, its token and a hint, and no character classes."""
    error = explained(text)
    assert words in error.message, error.message
    assert error.hint and "\\u{" not in str(error) and "LATERAL" not in str(error)


def test_an_undeclared_known_prefix_is_given_its_declaration() -> None:
    """kg: undeclared (on the protocol, which adds no prefixes) is told the line to add."""
    assert (
        explained("SELECT * WHERE { ?s a kg:Place }").hint
        == "declare it with PREFIX kg: <https://w3id.org/kg/ontology#>"
    )


def test_an_unknown_prefix_is_told_the_known_ones() -> None:
    """foo: is no prefix kg knows: the hint lists kg's prefixes."""
    assert "kg knows kg:, kgid:, rdfs:" in (explained("SELECT * WHERE { ?s a foo:Bar }").hint or "")


def test_default_prefixes_keep_the_users_line_and_column() -> None:
    """With the default prefixes before line 1, an error is still placed in the user's text."""
    assert "line 1, column 30" in explained("SELECT * WHERE { ?s a foo:Bar }", prefixes=True).message
    assert "line 2, column 12" in explained("SELECT * WHERE {\n ?s a kg:X ", prefixes=True).message


def test_with_prefixes_adds_only_what_the_text_does_not_declare() -> None:
    """A prefix the query declares itself is not declared again; the others are."""
    given = "PREFIX kg: <urn:x#> SELECT * { ?s a kg:X ; rdfs:label ?l }"
    text, offset = sparql_help.with_prefixes(given, formats.PREFIXES)
    assert text.count("PREFIX kg:") == 1 and "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>" in text
    assert offset == len(text) - len(given) and text.endswith(given)
    assert ox.Store().query(sparql_help.with_prefixes("ASK { ?s a kg:Place }", formats.PREFIXES)[0]) is not None


@pytest.fixture(scope="module")
def vocabs() -> dict[str, frozenset[str]]:
    return sparql_help.vocabularies(Graph().parse(PROJECT_ROOT / "ontology" / "kg.ttl"))


def test_undeclared_terms_are_warned_with_the_nearest(vocabs: dict[str, frozenset[str]]) -> None:
    """kg:Plac, rdfs:labl and a full IRI misspelling each get one warning naming the term meant."""
    text = (
        "PREFIX kg: <https://w3id.org/kg/ontology#>\n"
        "SELECT * WHERE { ?s a kg:Plac ; rdfs:labl ?l ; <https://w3id.org/kg/ontology#controledBy> ?x }"
    )
    found = sparql_help.warnings(text, vocabs, formats.PREFIXES)
    assert len(found) == 3
    assert "kg:Plac is not declared in kg's ontology" in found[0] and "did you mean kg:Place?" in found[0]
    assert "did you mean rdfs:label?" in found[1]
    assert "did you mean <https://w3id.org/kg/ontology#controlledBy>?" in found[2]


def test_declared_terms_strings_and_comments_give_no_warning(vocabs: dict[str, frozenset[str]]) -> None:
    """Declared terms, and look-alikes inside strings or comments, are left alone."""
    text = 'SELECT * WHERE { ?s a kg:Place ; rdfs:label "kg:Plac" } # rdfs:labl'
    assert sparql_help.warnings(text, vocabs, formats.PREFIXES) == ()


def test_the_structural_checks_parse_error_is_placed_too() -> None:
    """Where the SERVICE check parses with rdflib, its refusal gives line, column and token, not a grammar dump."""
    from kg import sparql
    from kg.errors import QueryRefused

    with pytest.raises(QueryRefused) as caught:
        sparql.check_allowed("SELECT ?service WHERE {\n ?service ?p ?o . } }")
    assert "cannot read it at line 2, column 21, at '}'" in caught.value.message


def test_only_prefixes_in_use_are_added() -> None:
    """A query that uses no sd: term does not get sd:'s IRI (which spells SERVICE) put before it."""
    text, _ = sparql_help.with_prefixes("SELECT * WHERE { ?s a kg:Place ; rdfs:label ?l }", formats.PREFIXES)
    assert "PREFIX kg:" in text and "PREFIX rdfs:" in text and "sparql-service" not in text
