"""kg query, kg queries, kg export: saved queries and SPARQL run, listed, and the whole
dataset written out."""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from pathlib import Path

import click

from kg import formats, linkedplaces, queries
from kg.app import Kg
from kg.cli.output import fails_cleanly
from kg.errors import UnknownName, UsageError
from kg.store import QueryResult

CLI_LOOKUP_HINT = "give an IRI, an id or a name; 'kg query names' lists every name a place or actor goes by"


@click.command()
@click.argument("name", required=False)
@click.argument("params", nargs=-1)
@click.option("--sparql", help="Run this SPARQL query instead of a saved one.")
@click.option("--format", "fmt", type=click.Choice(formats.FORMATS), default="table", show_default=True)
@click.pass_obj
@fails_cleanly
def query(kg: Kg, name: str | None, params: Sequence[str], sparql: str | None, fmt: str) -> None:
    """Run saved query NAME with param=value pairs, or ad-hoc SPARQL with --sparql (which
    may use the prefixes kg, kgid, rdfs, skos, geo, prov, oa, schema, xsd and sd undeclared).

    \b
    kg query control-at place=al-Qaryatayn date=2015-12-01
    kg query --sparql 'SELECT * WHERE { ?s ?p ?o } LIMIT 5'
    """
    if (name is None) == (sparql is None):
        raise UsageError(
            "give a saved query NAME or --sparql, not both or neither", hint="'kg queries' lists saved queries"
        )
    if sparql is not None:
        for warning in kg.warnings(sparql, prefixes=True):
            click.secho(f"warning: {warning}", fg="yellow", err=True)
        result = kg.query(sparql, prefixes=True)
    else:
        result = _answer(kg, name or "", _pairs(params))
    # a saved query echoes its parameters, given or defaulted: the table leaves them out
    echoed = {p.name for p in queries.get(kg.catalogue(), name).params} if name else set()
    text = formats.render(result, fmt, hide=echoed)
    click.echo(text, nl=not text.endswith("\n"))


def _answer(kg: Kg, name: str, values: dict[str, str]) -> QueryResult:
    """Run a saved query, saying on stderr what each name that was not found exactly was read as."""
    try:
        answer = kg.answer(name, values)
    except UnknownName as exc:
        raise exc.hinted(CLI_LOOKUP_HINT) from None
    for reading in answer.readings:
        click.secho(f"note: {reading}", fg="yellow", err=True)
    return answer.result


def _pairs(params: Sequence[str]) -> dict[str, str]:
    values = {}
    for item in params:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise UsageError(f"parameter {item!r} is not name=value", hint="e.g. place=al-Qaryatayn date=2015-12-01")
        values[key] = value
    return values


@click.command(name="queries")
@click.pass_obj
@fails_cleanly
def list_queries(kg: Kg) -> None:
    """List the saved queries with their parameters."""
    for saved in kg.catalogue().values():
        params = " ".join(
            shlex.quote(f"{p.name}={p.example or '…'}") + ("" if p.required else "?") for p in saved.params
        )
        click.echo(f"{saved.name:<22} {saved.title}")
        click.echo(f"{'':<22} kg query {saved.name} {params}".rstrip())


@click.command()
@click.option("--format", "fmt", type=click.Choice(["trig", "nquads", "lpf"]), default="trig", show_default=True)
@click.option(
    "--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write to this file (default: stdout)."
)
@click.pass_obj
@fails_cleanly
def export(kg: Kg, fmt: str, output: Path | None) -> None:
    """Write the whole dataset, every named graph, as TriG or N-Quads; or, with --format lpf,
    the places and infrastructure as Linked Places (GeoJSON-LD) with names, links and control."""
    data = linkedplaces.export(kg.store, kg.settings) if fmt == "lpf" else kg.export(fmt)
    if output is None:
        click.echo(data.decode("utf-8"), nl=False)
    else:
        output.write_bytes(data)
        click.echo(f"wrote {len(data):,} bytes to {output}", err=True)
