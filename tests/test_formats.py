"""kg.formats: one QueryResult rendered as a table for people, and as SPARQL results JSON and CSV."""

from __future__ import annotations

import csv
import io
import json

import pytest

from kg import formats
from kg.errors import UsageError
from kg.store import QueryResult, RdfTerm

XSD = "http://www.w3.org/2001/XMLSchema#"


def result(*, truncated: bool = False) -> QueryResult:
    """Two rows about a place: an IRI, a plain string, a typed date, a language-tagged label, one unbound."""
    rows = (
        {
            "place": RdfTerm("uri", "https://w3id.org/kg/id/place/northtown"),
            "name": RdfTerm("literal", "Northtown", f"{XSD}string"),
            "since": RdfTerm("literal", "2020-03-01", f"{XSD}date"),
            "note": RdfTerm("literal", 'a town, "north"', lang="en"),
        },
        {
            "place": RdfTerm("uri", "https://w3id.org/kg/id/place/southtown"),
            "name": RdfTerm("literal", "Southtown"),
        },
    )
    return QueryResult("SELECT", ("place", "name", "since", "note"), rows, truncated=truncated, seconds=0.01234)


def ask(answer: bool) -> QueryResult:
    """The answer to an ASK query."""
    return QueryResult("ASK", boolean=answer)


# --------------------------------------------------------------------------- JSON


def test_json_is_sparql_results_json():
    """head.vars and results.bindings follow SPARQL 1.1 Query Results JSON, with a kg member."""
    body = json.loads(formats.to_json(result()))
    assert body["head"] == {"vars": ["place", "name", "since", "note"]}
    first, second = body["results"]["bindings"]
    assert first == {
        "place": {"type": "uri", "value": "https://w3id.org/kg/id/place/northtown"},
        "name": {"type": "literal", "value": "Northtown"},
        "since": {"type": "literal", "value": "2020-03-01", "datatype": f"{XSD}date"},
        "note": {"type": "literal", "value": 'a town, "north"', "xml:lang": "en"},
    }
    assert set(second) == {"place", "name"}  # unbound variables are left out
    assert body["kg"] == {"truncated": False, "rows": 2, "seconds": 0.0123}


def test_json_leaves_out_xsd_string():
    """A literal typed xsd:string is written without a datatype, as a plain literal."""
    bindings = json.loads(formats.to_json(result()))["results"]["bindings"]
    assert all("datatype" not in row["name"] for row in bindings)


def test_json_says_when_truncated():
    """kg.truncated is true when the row cap cut the result."""
    assert json.loads(formats.to_json(result(truncated=True)))["kg"]["truncated"] is True


@pytest.mark.parametrize("answer", [True, False])
def test_json_ask(answer: bool):
    """An ASK result is {head: {}, boolean: …}."""
    body = json.loads(formats.to_json(ask(answer)))
    assert (body["head"], body["boolean"]) == ({}, answer)
    assert "results" not in body


# --------------------------------------------------------------------------- CSV


def test_csv_header_values_and_crlf():
    """CSV has the variables as header, plain values, empty cells for unbound, and CRLF line ends."""
    text = formats.to_csv(result())
    assert text.split("\r\n") == [
        "place,name,since,note",
        'https://w3id.org/kg/id/place/northtown,Northtown,2020-03-01,"a town, ""north"""',
        "https://w3id.org/kg/id/place/southtown,Southtown,,",
        "",
    ]
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[1][3] == 'a town, "north"'


@pytest.mark.parametrize(("answer", "cell"), [(True, "true"), (False, "false")])
def test_csv_ask(answer: bool, cell: str):
    """An ASK result is a one-column CSV with the boolean."""
    assert formats.to_csv(ask(answer)) == f"boolean\r\n{cell}\r\n"


# --------------------------------------------------------------------------- table


def test_table_shortens_iris_and_counts_rows():
    """The table shows kg IRIs by their id, bare literal values, and ends with the row count."""
    lines = formats.to_table(result(), width=200).splitlines()
    assert lines[0].split() == ["place", "name", "since", "note"]
    assert set(lines[1].replace(" ", "")) == {"-"}
    assert lines[2].split()[:3] == ["northtown", "Northtown", "2020-03-01"]
    assert lines[-1] == "2 rows"


def test_table_shows_truncation():
    """A truncated result says so under the table."""
    assert formats.to_table(result(truncated=True), width=200).splitlines()[-1] == "2 rows (cut at the row limit)"


def test_table_never_cuts_a_value_and_names_the_columns_it_leaves_out():
    """Too wide for the terminal, the table drops trailing columns with a note; values stay whole."""
    long = QueryResult(
        "SELECT",
        ("a", "b", "c"),
        ({"a": RdfTerm("literal", "x" * 50), "b": RdfTerm("literal", "y" * 30), "c": RdfTerm("literal", "z" * 30)},),
    )
    lines = formats.to_table(long, width=90).splitlines()
    assert lines[0].split() == ["a", "b"]
    assert lines[2].split() == ["x" * 50, "y" * 30]
    assert "…" not in "\n".join(lines)
    assert lines[-2].startswith("not shown, too wide for 90 columns: c ")
    assert lines[-1] == "1 row"


def test_table_keeps_the_first_column_whole_however_narrow():
    """A first column wider than the terminal is still shown whole."""
    long = QueryResult("SELECT", ("a", "b"), ({"a": RdfTerm("literal", "x" * 100), "b": RdfTerm("literal", "y")},))
    lines = formats.to_table(long, width=60).splitlines()
    assert lines[2] == "x" * 100
    assert "b" in lines[-2]


def test_table_ask_and_construct():
    """ASK renders as yes/no; CONSTRUCT as its N-Triples."""
    assert (formats.to_table(ask(True)), formats.to_table(ask(False))) == ("yes", "no")
    triples = "<http://e/s> <http://e/p> <http://e/o> .\n"
    assert formats.to_table(QueryResult("CONSTRUCT", triples=triples)) == triples


# --------------------------------------------------------------------------- render


@pytest.mark.parametrize("fmt", ["table", "json", "csv"])
def test_render_dispatches(fmt: str):
    """render(result, fmt) is the renderer of that name."""
    renderer = {"table": formats.to_table, "json": formats.to_json, "csv": formats.to_csv}[fmt]
    assert formats.render(ask(True), fmt) == renderer(ask(True))


def test_geojson_makes_points_of_wkt_rows_and_counts_the_rest():
    """Rows with a WKT point become GeoJSON features (lon, lat); rows without one are counted."""
    rows = (
        {"wkt": RdfTerm("literal", "POINT(37.24066 34.22956)"), "name": RdfTerm("literal", "al-Qaryatayn")},
        {"name": RdfTerm("literal", "Qalamoun")},
    )
    collection = json.loads(formats.render(QueryResult("SELECT", ("name", "wkt"), rows), "geojson"))
    (feature,) = collection["features"]
    assert feature["geometry"] == {"type": "Point", "coordinates": [37.24066, 34.22956]}
    assert feature["properties"] == {"name": "al-Qaryatayn"}
    assert collection["kg"]["without_geometry"] == 1


def test_geojson_needs_a_geometry_column():
    """Results without a ?wkt column cannot be GeoJSON, and the message says what to ask for."""
    with pytest.raises(UsageError, match="no geometry"):
        formats.to_geojson(ask(True))


def test_render_unknown_format():
    """An unknown format is a UsageError listing the known ones."""
    with pytest.raises(UsageError) as caught:
        formats.render(result(), "xml")
    assert "'xml'" in caught.value.message
    assert caught.value.hint is not None and all(f in caught.value.hint for f in formats.FORMATS)


def test_table_hides_echoed_parameters_and_iris_that_have_labels():
    """A column x is left out when xLabel is there, and so are the query's own parameters."""
    labelled = QueryResult(
        "SELECT",
        ("date", "controller", "controllerLabel"),
        (
            {
                "date": RdfTerm("literal", "2020-03-02"),
                "controller": RdfTerm("uri", "https://w3id.org/kg/id/actor/blue-front"),
                "controllerLabel": RdfTerm("literal", "Blue Front"),
            },
        ),
    )
    lines = formats.to_table(labelled, width=100, hide={"date"}).splitlines()
    assert lines[0].split() == ["controllerLabel"]
    assert lines[2] == "Blue Front"
