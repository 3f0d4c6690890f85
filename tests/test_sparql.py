"""kg.sparql: a query's form, and refusing SERVICE wherever it is a keyword and nowhere else."""

from __future__ import annotations

import pytest

from kg import sparql
from kg.errors import QueryRefused

PREFIXES = "PREFIX ex: <http://example.org/>\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"


def query(body: str) -> str:
    """A query with the usual prologue."""
    return PREFIXES + body


# --------------------------------------------------------------------------- form


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SELECT ?s WHERE { ?s ?p ?o }", "SELECT"),
        ("ask { ?s ?p ?o }", "ASK"),
        ("CONSTRUCT { ?s ?p ?o } WHERE { { SELECT ?s ?p ?o WHERE { ?s ?p ?o } } }", "CONSTRUCT"),
        ("DESCRIBE <http://example.org/x>", "DESCRIBE"),
        ('ASK { ?s rdfs:label "SELECT" }', "ASK"),
        ("# SELECT in a comment\nASK { ?s ?p <http://example.org/SELECT> }", "ASK"),
        ("ASK { ?s ex:select ?select }", "ASK"),
    ],
    ids=["select", "lower-case", "subquery", "describe", "in-literal", "in-comment-and-iri", "prefixed-and-var"],
)
def test_form(text: str, expected: str):
    """The form is the first real keyword, not a word inside a string, IRI, comment or name."""
    assert sparql.form(query(text)) == expected


def test_form_defaults_to_select():
    """Text with no form keyword at all is taken as SELECT (the engine will reject it if wrong)."""
    assert sparql.form("PREFIX ex: <http://example.org/>") == "SELECT"


# --------------------------------------------------------------------------- SERVICE

REFUSED = {
    "upper": "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
    "lower": "select * where { service <http://example.org/sparql> { ?s ?p ?o } }",
    "mixed": "SELECT * WHERE { SeRvIcE <http://example.org/sparql> { ?s ?p ?o } }",
    "silent": "SELECT * WHERE { SERVICE SILENT <http://example.org/sparql> { ?s ?p ?o } }",
    "newline": "SELECT * WHERE {\n  ?a ?b ?c .\nSERVICE\n\t<http://example.org/sparql>\n{ ?s ?p ?o } }",
    "no-space": "SELECT * WHERE {?a ?b ?c}SERVICE<http://example.org/sparql>{?s ?p ?o}",
    "after-dot": "SELECT * WHERE { ?a ?b ?c .SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
    "variable-endpoint": "SELECT * WHERE { SERVICE ?endpoint { ?s ?p ?o } }",
    "after-comment": "SELECT * WHERE { # a comment\nSERVICE <http://example.org/sparql> { ?s ?p ?o } }",
    "after-string": 'SELECT * WHERE { ?s ?p "x" SERVICE <http://example.org/sparql> { ?s ?p ?o } }',
    # `\#` is an escape inside the prefixed name, not a comment: SERVICE is still a keyword
    "escaped-hash": r"SELECT * WHERE { ?s ?p ex:a\# SERVICE <http://example.org/sparql> { ?x ?y ?z } }",
}

ALLOWED = {
    "string": 'SELECT * WHERE { ?s rdfs:label "SERVICE <http://example.org/sparql>" }',
    "single-quoted": "SELECT * WHERE { ?s rdfs:label 'service' }",
    "long-string": 'SELECT * WHERE { ?s rdfs:label """a\nSERVICE <x> { }\n""" }',
    "iri": "SELECT * WHERE { ?s ?p <http://example.org/SERVICE> }",
    "comment": "# uses no SERVICE at all\nSELECT * WHERE { ?s ?p ?o } # SERVICE",
    "prefixed-name": "SELECT * WHERE { ?s ex:service ?o }",
    "prefix-called-service": "PREFIX service: <http://example.org/s/>\nSELECT * WHERE { ?s service:x ?o }",
    "variable": "SELECT ?service WHERE { ?service ?p ?o }",
    "dollar-variable": "SELECT $service WHERE { $service ?p ?o }",
    "hyphenated-name": "SELECT * WHERE { ?s ex:web-service ?o }",
}


@pytest.mark.parametrize("text", REFUSED.values(), ids=REFUSED.keys())
def test_service_is_refused(text: str):
    """SERVICE as a keyword is refused in any case and with any (or no) whitespace around it."""
    with pytest.raises(QueryRefused) as caught:
        sparql.check_allowed(query(text))
    assert "SERVICE" in caught.value.message and caught.value.status == 403


@pytest.mark.parametrize("text", ALLOWED.values(), ids=ALLOWED.keys())
def test_service_word_elsewhere_is_allowed(text: str):
    """The word in a literal, IRI, comment, prefixed name or variable is not a federated query."""
    sparql.check_allowed(query(text))
    assert not sparql.has_keyword(query(text), "SERVICE")


def test_service_allowed_when_asked():
    """allow_service=True lets a federated query through (for a trusted caller)."""
    sparql.check_allowed(REFUSED["upper"], allow_service=True)
    assert sparql.has_keyword(REFUSED["upper"], "SERVICE")


def test_strip_blanks_strings_iris_and_comments():
    """strip() leaves the keywords and variables and removes everything quoted."""
    text = 'SELECT ?x WHERE { ?x <http://e/p> "a \\" quote" } # note'
    stripped = sparql.strip(text)
    assert stripped.split() == ["SELECT", "?x", "WHERE", "{", "?x", "}"]


# --------------------------------------------------------------------------- updates


@pytest.mark.parametrize(
    "text",
    [
        "INSERT DATA { <http://e/s> <http://e/p> 1 }",
        "PREFIX ex: <http://example.org/>\ndelete where { ?s ex:p ?o }",
        "PREFIX : <http://example.org/>\nBASE <http://example.org/>\nDROP ALL",
        "# comment first\nCLEAR GRAPH <http://example.org/g>",
        "LOAD <http://example.org/data.ttl>",
        "WITH <http://example.org/g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
    ],
    ids=["insert", "delete-after-prefix", "drop-after-base", "clear-after-comment", "load", "with"],
)
def test_looks_like_update(text: str):
    """An update operation is recognised after any prologue and comments, in any case."""
    assert sparql.looks_like_update(text)


@pytest.mark.parametrize(
    "text",
    [
        "SELECT * WHERE { ?s ?p ?o }",
        'PREFIX ex: <http://example.org/>\nSELECT * WHERE { ?s ex:p "INSERT DATA" }',
        "# DROP ALL\nASK { ?s ?p ?o }",
        "PREFIX drop: <http://example.org/>\nSELECT * WHERE { ?s drop:x ?o }",
    ],
    ids=["select", "insert-in-literal", "drop-in-comment", "prefix-named-drop"],
)
def test_queries_do_not_look_like_updates(text: str):
    """A query that only mentions an update word is not an update."""
    assert not sparql.looks_like_update(text)


# --------------------------------------------------------------------------- binding by VALUES

IRI = "<http://example.org/x>"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SELECT ?s WHERE { ?s ?p ?o }", "SELECT ?s WHERE { VALUES (?s) { (<http://example.org/x>) }  ?s ?p ?o }"),
        ("ASK { ?s ?p ?o }", "ASK { VALUES (?s) { (<http://example.org/x>) }  ?s ?p ?o }"),
        (
            "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }",
            "CONSTRUCT { ?s ?p ?o } WHERE { VALUES (?s) { (<http://example.org/x>) }  ?s ?p ?o }",
        ),
        ("CONSTRUCT WHERE { ?s ?p ?o }", "CONSTRUCT WHERE { ?s ?p ?o }\nVALUES (?s) { (<http://example.org/x>) }"),
        ("DESCRIBE ?s", "DESCRIBE ?s\nVALUES (?s) { (<http://example.org/x>) }"),
    ],
    ids=["select", "ask", "construct", "construct-where", "describe"],
)
def test_with_values_goes_first_in_the_where_group(text: str, expected: str):
    """The block opens the query's WHERE group; where no group can take it, it trails the query."""
    assert sparql.with_values(text, {"s": IRI}) == expected


def test_with_values_enters_subqueries_that_project_the_variable():
    """A subquery that projects the variable gets the block too; one that does not keeps its own ?s."""
    text = (
        "SELECT ?s WHERE { { SELECT ?s (COUNT(?o) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?s } { SELECT ?o { ?s ?p ?o } } }"
    )
    bound = sparql.with_values(text, {"s": IRI})
    assert bound.count("VALUES (?s)") == 2
    assert "{ SELECT ?o { ?s ?p ?o } }" in bound


def test_with_values_ignores_braces_and_keywords_in_strings_iris_and_comments():
    """A '{' in a literal, an IRI or a comment is not the WHERE group."""
    text = 'SELECT ?s # { not here\nWHERE { ?s <http://e/{x}> "SELECT ?s {" }'
    assert sparql.with_values(text, {"s": IRI}).endswith(
        'WHERE { VALUES (?s) { (<http://example.org/x>) }  ?s <http://e/{x}> "SELECT ?s {" }'
    )


def test_with_values_binds_several_variables_in_one_row():
    """Several bindings make one row of one block."""
    bound = sparql.with_values("SELECT ?a ?b WHERE { ?a ?p ?b }", {"a": IRI, "b": '"v"'})
    assert 'VALUES (?a ?b) { (<http://example.org/x> "v") }' in bound


@pytest.mark.parametrize(
    ("text", "projected"),
    [
        ("SELECT ?a (COUNT(?b) AS ?n) WHERE { ?a ?p ?b }", {"a", "n"}),
        ("SELECT * { ?a ?p ?b }", {"*"}),
        ("PREFIX e: <http://e/> SELECT DISTINCT ?a ?b FROM <http://e/g> WHERE { ?a ?p ?b }", {"a", "b"}),
        ("ASK { ?a ?p ?b }", None),
    ],
    ids=["expression", "star", "distinct-from", "ask"],
)
def test_projection(text: str, projected: set[str] | None):
    """The variables a query's SELECT projects: named, aliased, or all of them."""
    assert sparql.projection(text) == projected


@pytest.mark.parametrize(
    ("text", "limited"),
    [
        ("SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s", True),
        ("SELECT ?s WHERE { { SELECT ?s { ?s ?p ?o } LIMIT 5 } }", True),
        ("SELECT ?s WHERE { ?s ?p ?o } LIMIT 3", False),
        ("SELECT ?s WHERE { ?s ?p ?o } OFFSET 2 limit 3", False),
        ("SELECT ?s WHERE { ?s ?p ?o } VALUES ?s { <http://e/a> }", False),
        ("ASK { ?s ?p ?o }", False),
        ('SELECT ?s WHERE { ?s ?p "}" } # LIMIT 1', True),
    ],
    ids=["none", "only-in-subquery", "own", "offset-limit", "trailing-values", "ask", "brace-in-literal"],
)
def test_with_limit_only_where_the_query_has_none(text: str, limited: bool):
    """The row cap becomes a LIMIT only on a SELECT without a LIMIT of its own at the top level."""
    assert sparql.with_limit(text, 11).endswith("\nLIMIT 11") is limited
