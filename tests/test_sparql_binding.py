"""Parameters written into query text as constants (kg.sparql_binding): where each variable goes,
when the rewrite steps aside, and that no value, however hostile, changes a query's shape."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from kg import queries, sparql
from kg.config import Settings
from kg.sparql_binding import NotConstant, ntriples, with_constants
from kg.store import RdfTerm, Store
from kg.store.oxigraph import run_query

EX = "http://example.org/"
IRI = RdfTerm("uri", f"{EX}a")
HOSTILE = [
    'x" } ; DROP ALL ; SELECT * { "',
    '"""',
    "'''",
    "line\nbreak\r\n",
    "} UNION { ?s ?p ?o }",
    "# not a comment",
    f"SERVICE <{EX}sparql> {{ ?s ?p ?o }}",
    "nul\u0000char",
    "back\\slash\\",
    "\\u0022 not an escape",
    "\u2028\u2029\x85\x0b\x0c",
    "x" * 100_000,
]


def constants(text: str, **terms: RdfTerm) -> str | None:
    return with_constants(text, terms)


def test_a_projected_variable_keeps_its_column():
    """A projected ?v becomes (term AS ?v); elsewhere in the query it is the term itself."""
    out = constants("SELECT ?s ?o WHERE { ?s <p> ?o }", s=IRI)
    assert out == f"SELECT (<{EX}a> AS ?s) ?o WHERE {{ <{EX}a> <p> ?o }}"


def test_group_by_order_by_and_bound_take_the_forms_the_grammar_allows():
    """A bare GROUP BY / ORDER BY condition is bracketed, DESC(?v) keeps its brackets, BOUND(?v) is true."""
    text = "SELECT ?s (COUNT(*) AS ?n) WHERE { ?s ?p ?o FILTER (BOUND(?s)) } GROUP BY ?s ORDER BY ?s DESC(?s)"
    out = constants(text, s=IRI)
    a = f"<{EX}a>"
    assert out == (
        f"SELECT ({a} AS ?s) (COUNT(*) AS ?n) WHERE {{ {a} ?p ?o FILTER (true) }} "
        f"GROUP BY ({a}) ORDER BY ({a}) DESC({a})"
    )


def test_strings_iris_and_comments_are_never_touched():
    """?s inside a string, an IRI or a comment is not a variable, and stays as written."""
    text = 'SELECT ?s WHERE { ?s <http://x/?s> "?s" # ?s\n }'
    assert constants(text, s=IRI) == f'SELECT (<{EX}a> AS ?s) WHERE {{ <{EX}a> <http://x/?s> "?s" # ?s\n }}'


def test_a_subquery_variable_is_the_query_s_own_only_where_the_subquery_projects_it():
    """A subquery that projects ?s gets the constant (and stops projecting it); one that does not keeps its own ?s."""
    text = "SELECT ?s ?n WHERE { { SELECT ?s ?n WHERE { ?s ?p ?n } } { SELECT ?o WHERE { ?s ?q ?o } } }"
    out = constants(text, s=IRI)
    a = f"<{EX}a>"
    assert (
        out == f"SELECT ({a} AS ?s) ?n WHERE {{ {{ SELECT  ?n WHERE {{ {a} ?p ?n }} }} "
        "{ SELECT ?o WHERE { ?s ?q ?o } } }"
    )


@pytest.mark.parametrize(
    "text",
    [
        "SELECT * WHERE { ?s ?p ?o }",  # the column would vanish
        "SELECT ?s WHERE { VALUES ?s { <x> } ?s ?p ?o }",  # bound by the query itself
        "SELECT ?s WHERE { ?x ?p ?o BIND (?x AS ?s) }",
        "SELECT ?s WHERE { ?x ?p ?o MINUS { ?s ?p ?o } }",  # MINUS shares the variable, not a constant
        "SELECT ?o WHERE { ?s ?p ?o }",  # not projected: the engine refuses to bind it, and says so
        "SELECT ?s WHERE { { SELECT ?s WHERE { ?s ?p ?o } } }",  # the subquery would project nothing
    ],
)
def test_the_rewrite_steps_aside_where_a_constant_would_mean_something_else(text: str):
    """None (the engine's own binding is used instead) wherever a constant is not the bound variable."""
    assert constants(text, s=IRI) is None


def test_terms_that_have_no_safe_constant_form_are_refused():
    """A blank node (a constant one is a fresh variable), an IRI with a space or a bad language tag."""
    for term in (RdfTerm("bnode", "b0"), RdfTerm("uri", "http://x/a b>"), RdfTerm("literal", "x", lang="en}")):
        with pytest.raises(NotConstant):
            ntriples(term)
        assert constants("SELECT ?s WHERE { ?s ?p ?o }", s=term) is None


@pytest.mark.parametrize("value", HOSTILE, ids=range(len(HOSTILE)))
def test_a_hostile_value_stays_one_literal(value: str):
    """Outside its string the rewritten text is the same whatever the value, and the engine
    returns the value exactly, as substitutions= does."""
    text = 'SELECT ?v ?s WHERE { ?s <http://example.org/p> ?o FILTER (?v != "") } ORDER BY ?v'
    term = RdfTerm("literal", value)
    out = constants(text, v=term)
    assert out is not None
    assert sparql.strip(out) == sparql.strip(constants(text, v=RdfTerm("literal", "plain")) or "")
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode(f"{EX}s"), ox.NamedNode(f"{EX}p"), ox.Literal("o"), ox.NamedNode(f"{EX}g")))
    by_constants = run_query(store, text, {"v": term}, None)
    assert [r["v"].value for r in by_constants.rows] == [value]
    answer = store.query(text, substitutions={ox.Variable("v"): ox.Literal(value)}, use_default_graph_as_union=True)
    assert [s["v"].value for s in answer] == [value]


def test_every_saved_query_gives_the_same_rows_as_the_engine_s_own_binding(seed: tuple[Settings, Store]):
    """Each saved query with its examples: rows by constants are those of substitutions=, in order."""
    settings, store = seed
    db = store._reader()  # type: ignore[attr-defined]
    checked = 0
    for name, query in sorted(queries.catalogue(settings.queries).items()):
        values = {p.name: str(p.example) for p in query.params if p.example is not None}
        bindings = queries.bind(query, values, store)
        text = with_constants(query.sparql, bindings)
        if not bindings or text is None:
            continue
        substitutions = {
            ox.Variable(k): ox.NamedNode(v.value) if v.kind == "uri" else _literal(v) for k, v in bindings.items()
        }
        answer = db.query(
            query.sparql, substitutions=substitutions, use_default_graph_as_union=True, custom_functions=_functions()
        )
        expected = [{k: str(s[k]) for k in (v.value for v in answer.variables) if s[k] is not None} for s in answer]
        found = run_query(db, text, None, None)
        assert [{k: v.n3() for k, v in row.items()} for row in found.rows] == expected, name
        checked += 1
    assert checked >= 15


def _literal(term: RdfTerm) -> ox.Literal:
    if term.lang:
        return ox.Literal(term.value, language=term.lang)
    return ox.Literal(term.value, datatype=ox.NamedNode(term.datatype) if term.datatype else None)


def _functions() -> dict[ox.NamedNode, object]:
    from kg.store.functions import FUNCTIONS

    return dict(FUNCTIONS)


def test_a_value_naming_a_server_reaches_no_network():
    """A bound value that spells SERVICE with a live listener's address stays a literal: the
    query runs on the embedded store and the listener sees no connection."""
    from kg.store.embedded import EmbeddedStore

    from .listener import Listener

    listener = Listener()
    try:
        store = EmbeddedStore.open(None)
        text = "SELECT ?v ?s WHERE { OPTIONAL { ?s ?p ?o } FILTER (STRLEN(?v) > 0) }"
        for value in (f"SERVICE <{listener.url}> {{ ?s ?p ?o }}", f'" }} SERVICE <{listener.url}> {{ ?s ?p ?o }} #'):
            found = store.query(text, {"v": RdfTerm("literal", value)})
            assert [r["v"].value for r in found.rows] == [value]
        assert listener.seen() == 0
    finally:
        listener.close()
