"""kg.sparql: a query's form, and refusing SERVICE and LOAD by structure wherever a parser could read them."""

from __future__ import annotations

import pytest

from kg import sparql
from kg.config import Settings
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


# Texts that two SPARQL parsers may read differently: each mentions SERVICE or LOAD, so each is
# refused, whether or not rdflib alone would find the keyword in it.
AMBIGUOUS = {
    "comment-ended-by-cr": "SELECT * WHERE { # note\rSERVICE <http://example.org/s> { ?s ?p ?o } }",
    "comment-ended-by-u2028": "SELECT * WHERE { # note\u2028SERVICE <http://example.org/s> { ?s ?p ?o } }",
    "comment-ended-by-u2029": "SELECT * WHERE { # note\u2029SERVICE <http://example.org/s> { ?s ?p ?o } }",
    "comment-ended-by-nel": "SELECT * WHERE { # note\x85SERVICE <http://example.org/s> { ?s ?p ?o } }",
    "comment-ended-by-ff": "SELECT * WHERE { # note\fSERVICE <http://example.org/s> { ?s ?p ?o } }",
    "comment-ended-by-vt": "SELECT * WHERE { # note\vSERVICE <http://example.org/s> { ?s ?p ?o } }",
    "nbsp-before-iri": "SELECT * WHERE { SERVICE\u00a0<http://example.org/s> { ?s ?p ?o } }",
    "ideographic-space": "SELECT * WHERE { SERVICE\u3000<http://example.org/s> { ?s ?p ?o } }",
    "en-quad": "SELECT * WHERE { SERVICE\u2000<http://example.org/s> { ?s ?p ?o } }",
    "bom-inside": "SELECT * WHERE { SER\ufeffVICE <http://example.org/s> { ?s ?p ?o } }",
    "escaped-keyword": r"SELECT * WHERE { \u0053ERVICE <http://example.org/s> { ?s ?p ?o } }",
    "long-escape": r"SELECT * WHERE { \U00000053ERVICE <http://example.org/s> { ?s ?p ?o } }",
    "glued-to-name": "PREFIX ex: <http://example.org/>\nSELECT * WHERE { SERVICEex:s { ?s ?p ?o } }",
    "fullwidth": "SELECT * WHERE { \uff33\uff25\uff32\uff36\uff29\uff23\uff25 <http://example.org/s> { ?s ?p ?o } }",
}


@pytest.mark.parametrize("text", AMBIGUOUS.values(), ids=AMBIGUOUS.keys())
def test_texts_parsers_disagree_on_are_refused(text: str):
    """A text that mentions SERVICE and is not plain (or not parseable) is refused, saying why."""
    with pytest.raises(QueryRefused) as caught:
        sparql.check_allowed(text)
    assert caught.value.message.startswith("SERVICE is refused") and caught.value.status == 403


def test_refusal_says_where_the_unclear_character_is():
    """The message names the character and its line and column, so the user can remove it."""
    with pytest.raises(QueryRefused) as caught:
        sparql.check_allowed("PREFIX ex: <http://e/>\nSELECT * WHERE { # x\u2028?s ex:service ?o }")
    assert "U+2028 (LINE SEPARATOR) at line 2, column 21" in caught.value.message


def test_plain_text_with_crlf_line_ends_is_read_by_structure():
    """CRLF line ends are plain: a query from a browser form is judged by its structure."""
    sparql.check_allowed("PREFIX ex: <http://e/>\r\nSELECT * # no federation\r\nWHERE { ?s ex:service ?o }")


def test_unusual_characters_without_the_words_are_allowed():
    """A query that never spells SERVICE or LOAD runs whatever whitespace it uses."""
    sparql.check_allowed('SELECT * WHERE {\u00a0?s\u3000?p "caf\\u00e9" # x\ryz\n}')


@pytest.mark.parametrize(
    "text",
    [
        "SELECT * WHERE { ?s ?p ?o OPTIONAL { SERVICE <http://e/s> { ?s ?p ?x } } }",
        "SELECT * WHERE { ?s ?p ?o MINUS { SERVICE <http://e/s> { ?s ?p ?o } } }",
        "SELECT * WHERE { ?s ?p ?o FILTER NOT EXISTS { SERVICE SILENT <http://e/s> { ?s ?p ?o } } }",
        "SELECT * WHERE { { ?s ?p ?o } UNION { SERVICE ?where { ?s ?p ?o } } }",
        "SELECT * WHERE { { SELECT ?s WHERE { { SELECT ?s WHERE { SERVICE <http://e/s> { ?s ?p ?o } } } } } }",
        "ASK { GRAPH ?g { SERVICE <http://e/s> { ?s ?p ?o } } }",
        "CONSTRUCT { ?s ?p ?o } WHERE { BIND(1 AS ?x) SERVICE <http://e/s> { ?s ?p ?o } }",
    ],
    ids=["optional", "minus", "not-exists", "union-variable", "sub-sub-query", "graph", "construct"],
)
def test_service_nested_anywhere_is_refused(text: str):
    """SERVICE is found at any depth of the parsed query."""
    with pytest.raises(QueryRefused, match=r"^SERVICE is refused"):
        sparql.check_allowed(text)


@pytest.mark.parametrize(
    "text",
    [
        "LOAD <http://example.org/data.ttl>",
        "load silent <http://example.org/data.ttl> into graph <http://example.org/g>",
        "INSERT DATA { <http://e/s> <http://e/p> 1 } ;\nLoAd <http://example.org/data.ttl>",
        "INSERT { ?s ?p ?o } WHERE { SERVICE <http://e/s> { ?s ?p ?o } }",
        "# note\rLOAD <http://example.org/data.ttl>",
    ],
    ids=["load", "silent-into-graph", "second-operation", "service-in-where", "after-cr-comment"],
)
def test_remote_updates_are_refused(text: str):
    """LOAD, and SERVICE in an update's WHERE, are refused as updates."""
    with pytest.raises(QueryRefused) as caught:
        sparql.check_allowed(text, update=True)
    assert caught.value.status == 403 and ("LOAD" in caught.value.message or "SERVICE" in caught.value.message)


def test_update_mentioning_load_in_data_is_allowed():
    """'load' inside a literal or IRI of an update is data, not an operation."""
    sparql.check_allowed('INSERT DATA { <http://e/load> <http://e/p> "LOAD <http://e/x>" }', update=True)


def test_unparseable_text_that_mentions_load_is_refused_with_the_parser_error():
    """A syntax error in a text that spells LOAD refuses it, quoting the parser, not running it."""
    with pytest.raises(QueryRefused, match="cannot read it"):
        sparql.check_allowed("INSERT DATA { <http://e/load> <http://e/p> ", update=True)


@pytest.mark.parametrize(
    "text",
    [
        "SELECT * WHERE { FILTER(" + "(" * 5000 + "1" + ")" * 5000 + ") ?s <http://e/service> ?o }",
        "SELECT * WHERE { ?s <http://e/service> ?o }" + " " * sparql.MAX_PARSED,
    ],
    ids=["deeply-nested", "too-long"],
)
def test_texts_too_deep_or_long_to_parse_are_refused(text: str):
    """A text that spells SERVICE and would exhaust the parser is refused, not crashed on."""
    with pytest.raises(QueryRefused, match=r"^SERVICE is refused"):
        sparql.check_allowed(text)


def test_remote_from_is_not_a_fetch():
    """FROM / FROM NAMED name graphs in the store; the check lets them through (the engine never
    fetches them: tests/test_network.py shows it)."""
    sparql.check_allowed("SELECT * FROM <http://example.org/g> FROM NAMED <http://e/h> WHERE { ?s ?p ?o }")


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


def test_saved_queries_need_no_parse() -> None:
    """kg's saved queries never spell SERVICE or LOAD, so the check passes them without parsing."""
    texts = [path.read_text("utf-8") for path in sorted(Settings.from_env({}).queries.glob("*.rq"))]
    assert texts and not any(sparql.mentions(text) for text in texts)
