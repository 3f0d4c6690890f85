"""kg.queries: saved-query headers, typed parameter binding (never pasted into the text) and
entity names resolved to IRIs — over a tiny in-memory store."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef

from kg import answers, queries, sparql
from kg.config import Settings
from kg.errors import InputError, ParameterError
from kg.queries import Param, SavedQuery
from kg.store import RdfTerm
from kg.store.embedded import EmbeddedStore
from kg.vocab import KG, KGID, RDF, RDFS, SKOS, XSD

QUERIES = Path(__file__).resolve().parents[1] / "queries"
REAL_QUERIES = sorted(QUERIES.glob("*.rq"))

NORTHTOWN = str(KGID["place/northtown"])
BLUE_FRONT = str(KGID["actor/blue-front"])


# --------------------------------------------------------------------------- factories


def entities_graph() -> Graph:
    """Two towns, one actor and two places that share the alternate name "Twin Wells"."""
    g = Graph()
    g.add((KG.Settlement, RDFS.subClassOf, KG.Place))
    g.add((KG.NonStateArmedGroup, RDFS.subClassOf, KG.Actor))
    places = {
        "northtown": ("Northtown", ["North Town"]),
        "southtown": ("Southtown", []),
        "east-wells": ("East Wells", ["Twin Wells"]),
        "west-wells": ("West Wells", ["Twin Wells"]),
    }
    for pid, (label, alt_labels) in places.items():
        iri = KGID[f"place/{pid}"]
        g.add((iri, RDF.type, KG.Settlement))
        g.add((iri, RDFS.label, Literal(label)))
        g.add((iri, SKOS.prefLabel, Literal(label)))
        for alt in alt_labels:
            g.add((iri, SKOS.altLabel, Literal(alt)))
    g.add((URIRef(BLUE_FRONT), RDF.type, KG.NonStateArmedGroup))
    g.add((URIRef(BLUE_FRONT), RDFS.label, Literal("Blue Front")))
    return g


def make_store() -> EmbeddedStore:
    """A fresh in-memory store holding entities_graph()."""
    store = EmbeddedStore.open(None)
    store.replace_all([(URIRef("https://w3id.org/kg/graph/entities"), entities_graph())])
    return store


def saved(text: str, name: str = "test") -> SavedQuery:
    """A saved query parsed from text."""
    return queries.parse_query_file(text, name, Path(f"{name}.rq"))


def header(*params: str, title: str = "A test query") -> str:
    """A ``#+`` header declaring these parameters (each a ``name: {…}`` line)."""
    lines = [f"#+ title: {title}", "#+ params:"] + [f"#+   {p}" for p in params]
    return "\n".join(lines) + "\n"


TYPED = saved(
    header(
        "when: {type: date}",
        "count: {type: number}",
        "rows: {type: integer, default: 10}",
        "link: {type: iri, required: false}",
        "word: {type: string, required: false}",
        "certainty: {type: string, enum: [reported, claimed], required: false}",
    )
    + "SELECT ?when ?count ?rows ?link ?word ?certainty WHERE {}\n",
    "typed",
)


# --------------------------------------------------------------------------- headers

FULL_HEADER = """\
#+ title: Control on a date
#+ description: >
#+   Who held a place
#+   on a day.
#+ params:
#+   place: {type: place, required: true, example: Northtown, help: "a name or an id"}
#+   date: {type: date, example: 2020-03-01}
#+   limit: {type: integer, default: 10}
#+   certainty: {enum: [reported, claimed], required: false}
SELECT ?place ?date ?limit ?certainty WHERE { }
"""


def test_parse_query_file_reads_the_header():
    """Title, folded description and every parameter's type, default, example, help and enum are read."""
    query = saved(FULL_HEADER, "control")
    assert (query.name, query.title, query.description) == (
        "control",
        "Control on a date",
        "Who held a place on a day.",
    )
    assert query.params == (
        Param("place", "place", True, None, "Northtown", "a name or an id"),
        Param("date", "date", True, None, "2020-03-01"),
        Param("limit", "integer", False, "10"),
        Param("certainty", "string", False, enum=("reported", "claimed")),
    )
    assert query.sparql == FULL_HEADER


def test_header_with_bad_yaml():
    """A header that is not YAML is an InputError naming the file."""
    with pytest.raises(InputError) as caught:
        saved("#+ title: [unclosed\nSELECT * WHERE {}\n", "broken")
    assert "not valid YAML" in caught.value.message
    assert caught.value.where is not None and caught.value.where.file == "broken.rq"


def test_header_with_unknown_parameter_type():
    """A parameter of a type kg does not know is an InputError naming the parameter and the types."""
    with pytest.raises(InputError) as caught:
        saved(header("when: {type: datetime}") + "SELECT ?when WHERE {}\n")
    assert "'when'" in caught.value.message and "'datetime'" in caught.value.message
    assert "date" in caught.value.message  # the known types are listed


@pytest.mark.parametrize(
    "text",
    ["SELECT * WHERE {}\n", "#+ description: no title\nSELECT * WHERE {}\n"],
    ids=["no-header", "no-title"],
)
def test_header_without_title(text: str):
    """A saved query must at least have a title."""
    with pytest.raises(InputError, match="title"):
        saved(text)


# --------------------------------------------------------------------------- the real saved queries


def projection(text: str) -> str:
    """The projection of a SELECT query: what stands between SELECT and WHERE (or the first brace)."""
    bare = sparql.strip(text)
    match = re.search(r"(?is)\bSELECT\b(.*?)(?:\bWHERE\b|\{)", bare)
    assert match, "no SELECT clause"
    return match.group(1)


def test_there_are_real_queries():
    """The queries folder holds saved queries (so the checks below are not vacuous)."""
    assert REAL_QUERIES


@pytest.mark.parametrize("path", REAL_QUERIES, ids=lambda p: p.stem)
def test_real_query_parses_with_a_title(path: Path):
    """Every queries/*.rq parses, has a title, and the engine accepts its SPARQL."""
    query = queries.parse_query_file(path.read_text("utf-8"), path.stem, path)
    assert query.title.strip()
    make_store().query(query.sparql)  # a syntax error would raise QueryError


@pytest.mark.parametrize("path", REAL_QUERIES, ids=lambda p: p.stem)
def test_real_query_projects_its_parameters(path: Path):
    """Every declared parameter is a projected variable (SEP-0007 substitution requires it)."""
    query = queries.parse_query_file(path.read_text("utf-8"), path.stem, path)
    projected = projection(query.sparql)
    missing = [p.name for p in query.params if not re.search(rf"[?$]{re.escape(p.name)}(?!\w)", projected)]
    assert not missing, f"{path.name} declares {missing} but does not project them"


@pytest.mark.parametrize("path", REAL_QUERIES, ids=lambda p: p.stem)
def test_real_query_examples_bind(path: Path):
    """Every parameter's type is known and its example (if any) has the declared type."""
    query = queries.parse_query_file(path.read_text("utf-8"), path.stem, path)
    for param in query.params:
        assert param.type in queries.PARAM_TYPES
        if param.example is not None and param.type not in queries.ENTITY_CLASSES:
            queries.term_for(param, param.example, make_store())


# --------------------------------------------------------------------------- binding


def test_bind_types_every_value():
    """Each value becomes an RDF term of its declared type; a default fills a missing value."""
    bound = queries.bind(
        TYPED,
        {"when": "2016-02-29", "count": "2.5", "link": "https://example.org/x", "word": "Northtown"},
        make_store(),
    )
    assert bound == {
        "when": RdfTerm("literal", "2016-02-29", str(XSD.date)),
        "count": RdfTerm("literal", "2.5", str(XSD.decimal)),
        "rows": RdfTerm("literal", "10", str(XSD.integer)),
        "link": RdfTerm("uri", "https://example.org/x"),
        "word": RdfTerm("literal", "Northtown"),
    }


@pytest.mark.parametrize(
    ("values", "name"),
    [
        ({"when": "2016-13-01", "count": "1"}, "when"),
        ({"when": "2016-02-30", "count": "1"}, "when"),
        ({"when": "2016-01-01", "count": "abc"}, "count"),
        ({"when": "2016-01-01", "count": "NaN"}, "count"),
        ({"when": "2016-01-01", "count": "1", "rows": "1.5"}, "rows"),
        ({"when": "2016-01-01", "count": "1", "link": "javascript:alert(1)"}, "link"),
        ({"when": "2016-01-01", "count": "1", "link": "http://example.org/a b"}, "link"),
        ({"when": "2016-01-01", "count": "1", "certainty": "certain"}, "certainty"),
    ],
    ids=["month-13", "february-30", "number-abc", "number-nan", "integer-1.5", "iri-javascript", "iri-space", "enum"],
)
def test_bind_type_errors(values: dict[str, str], name: str):
    """A value of the wrong type is a ParameterError that names the parameter."""
    with pytest.raises(ParameterError) as caught:
        queries.bind(TYPED, values, make_store())
    assert caught.value.message.startswith(name)
    assert caught.value.where is not None and caught.value.where.field == name


def test_bind_unknown_parameter():
    """A parameter the query does not declare is named, with the ones it does declare as a hint."""
    with pytest.raises(ParameterError) as caught:
        queries.bind(TYPED, {"when": "2016-01-01", "count": "1", "colour": "red"}, make_store())
    assert "colour" in caught.value.message
    assert caught.value.hint is not None and "when" in caught.value.hint


def test_bind_missing_required_parameter():
    """A required parameter left out is named, with its type."""
    with pytest.raises(ParameterError) as caught:
        queries.bind(TYPED, {"count": "1"}, make_store())
    assert "'when' (date)" in caught.value.message
    assert caught.value.where is not None and caught.value.where.field == "when"


INJECTION = '" } ; DROP ALL ; SELECT * { ?s ?p ?o'

LABELLED = (
    header("label: {type: string, example: Northtown}", title="Things with a label")
    + "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
    + "SELECT ?thing ?label WHERE { ?thing rdfs:label ?label } ORDER BY ?thing\n"
)


def test_injection_is_bound_as_one_literal(tmp_path: Path):
    """A string full of quotes and braces is one literal: it matches nothing and changes nothing."""
    (tmp_path / "labelled.rq").write_text(LABELLED, "utf-8")
    store = make_store()
    before = store.checksum()
    assert queries.run(store, tmp_path, "labelled", {"label": "Northtown"}).column("thing") == [NORTHTOWN]
    result = queries.run(store, tmp_path, "labelled", {"label": INJECTION})
    assert result.rows == ()
    assert queries.bind(saved(LABELLED), {"label": INJECTION}, store) == {"label": RdfTerm("literal", INJECTION)}
    assert store.checksum() == before
    assert store.info().quads == len(entities_graph())


# --------------------------------------------------------------------------- entity names

PLACE = Param("place", "place")
ACTOR = Param("actor", "actor")


@pytest.mark.parametrize(
    "raw",
    [NORTHTOWN, "northtown", "Northtown", "NORTHTOWN", "north town", "North Town"],
    ids=["iri", "id", "label", "label-upper", "alt-label-lower", "alt-label"],
)
def test_resolve_entity(raw: str):
    """A place is found by IRI, id, label or alternate name, case-insensitively."""
    assert queries.resolve_entity(PLACE, raw, make_store()) == RdfTerm("uri", NORTHTOWN)


def test_resolve_entity_by_kind():
    """An actor parameter finds the actor; a place parameter does not take an actor's name."""
    store = make_store()
    assert queries.resolve_entity(ACTOR, "blue front", store) == RdfTerm("uri", BLUE_FRONT)
    with pytest.raises(ParameterError, match="no place called 'Blue Front'"):
        queries.resolve_entity(PLACE, "Blue Front", store)


def test_resolve_entity_unknown():
    """A name that is nowhere in the graph is a ParameterError naming the parameter."""
    with pytest.raises(ParameterError) as caught:
        queries.resolve_entity(PLACE, "Atlantis", make_store())
    assert "no place called 'Atlantis'" in caught.value.message
    assert caught.value.where is not None and caught.value.where.field == "place"


def test_resolve_entity_ambiguous():
    """A name two places share is a ParameterError listing both, with their IRIs."""
    with pytest.raises(ParameterError) as caught:
        queries.resolve_entity(PLACE, "twin wells", make_store())
    message = caught.value.message
    assert "names 2 places" in message
    assert "East Wells <https://w3id.org/kg/id/place/east-wells>" in message
    assert "West Wells <https://w3id.org/kg/id/place/west-wells>" in message


def test_repeated_saved_query_comes_from_the_cache_until_the_next_write(built_mini: Settings) -> None:
    """Between two writes a repeated saved query is not run again; after a write it is."""
    store = EmbeddedStore.open(built_mini.store)
    cache = answers.ResultCache()
    ask = {"place": "northtown"}
    first = queries.run(store, built_mini.queries, "place-history", ask, cache=cache)
    assert queries.run(store, built_mini.queries, "place-history", ask, cache=cache) is first
    event = "https://w3id.org/kg/id/event/extra/taken"
    store.update(
        "PREFIX kg: <https://w3id.org/kg/ontology#> PREFIX prov: <http://www.w3.org/ns/prov#> "
        f"INSERT DATA {{ GRAPH <https://w3id.org/kg/graph/extra> {{ <{event}> a kg:Capture ; "
        "kg:place <https://w3id.org/kg/id/place/northtown> ; kg:datePrecision kg:DayPrecision ; "
        "kg:certainty kg:Reported ; prov:wasDerivedFrom <https://w3id.org/kg/id/article/extra> } }"
    )
    after = queries.run(store, built_mini.queries, "place-history", ask, cache=cache)
    assert event in after.column("event") and event not in first.column("event")
    store.close()


def test_a_store_in_memory_is_never_answered_from_the_cache() -> None:
    """Without a version to key on (an in-memory store), every request runs the query."""
    store = EmbeddedStore.open(None)
    cache = answers.ResultCache()
    folder = Path(__file__).resolve().parents[1] / "queries"
    first = queries.run(store, folder, "articles", {}, cache=cache)
    assert queries.run(store, folder, "articles", {}, cache=cache) is not first


def test_rendered_answers_are_kept_within_their_byte_budget() -> None:
    """Answers as bytes: the least recently used goes first once the budget is passed, one larger
    than the whole budget is never kept, and another store version starts empty."""
    from kg.rendered import Rendered, RenderedCache

    cache = RenderedCache(budget=10)
    body = {k: Rendered(b"x" * 4, "application/json", (), k) for k in "abc"}
    assert cache.get("v1", ("a",)) is None  # a miss opens the version; a put for any other is dropped
    cache.put("v1", ("a",), body["a"])
    cache.put("v1", ("b",), body["b"])
    assert cache.get("v1", ("a",)) is body["a"]  # a is now the most recently used
    cache.put("v1", ("c",), body["c"])  # 12 bytes > 10: b goes
    assert cache.get("v1", ("b",)) is None and cache.get("v1", ("a",)) is body["a"]
    cache.put("v1", ("big",), Rendered(b"x" * 11, "application/json", (), "big"))
    assert cache.get("v1", ("big",)) is None
    assert cache.get("v2", ("a",)) is None and cache.get("v1", ("c",)) is None
