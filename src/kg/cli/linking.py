"""kg link and kg gazetteer: places linked to gazetteers, and the local GeoNames index."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from kg.app import Kg
from kg.cli.output import fails_cleanly
from kg.gazetteer import SOURCES


@click.command()
@click.option(
    "--source",
    "sources",
    multiple=True,
    type=click.Choice(SOURCES),
    help="Gazetteer to link against (repeatable); default: the imported index if there is one, else bundled.",
)
@click.option("--report", is_flag=True, help="Also list the places left unlinked and the links pending review.")
@click.option("--dry-run", is_flag=True, help="Propose links without writing the review file.")
@click.option(
    "--evaluate",
    "gold",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Print precision and recall against a gold file (surface<TAB>geonameid[<TAB>entity]); writes nothing.",
)
@click.pass_obj
@fails_cleanly
def link(kg: Kg, sources: Sequence[str], report: bool, dry_run: bool, gold: Path | None) -> None:
    """Link the graph's places to gazetteers and record the decisions in data/links.yaml.

    Links scoring at least 0.9 (with a clear lead) become skos:exactMatch ("auto"), from 0.8
    closeMatch pending review; people accept or reject them in the file, and kg link keeps
    their decisions. kg build reads the file; it never needs the gazetteer.
    """
    from kg import linking  # the gazetteers and rapidfuzz load only for this command

    if gold is not None:
        _print_evaluation(linking.evaluate(kg.settings, gold, sources))
    else:
        _print_link_report(linking.link(kg.settings, sources, write=not dry_run), report)


def _print_evaluation(evaluations: Sequence[Any]) -> None:
    for ev in evaluations:
        click.echo(
            f"{ev.source} ({ev.version}): precision {ev.precision:.3f}, recall {ev.recall:.3f} — "
            f"{ev.correct} correct, {ev.wrong} wrong ({ev.wrong_unlinkable} of places to leave unlinked), "
            f"{ev.linkable - ev.correct} missed of {ev.linkable} linkable, {ev.rows} rows, {ev.pending} pending"
        )
        for mistake in ev.mistakes:
            click.echo(f"  {mistake}")


def _print_link_report(result: Any, report: bool) -> None:
    click.echo(
        f"{', '.join(result.sources)}: {result.count('auto')} auto, {result.count('accepted')} accepted, "
        f"{result.count('pending')} pending review, {len(result.unlinked)} unlinked"
        + (f"; wrote {_shown(result.path)}" if result.written else " (dry run: nothing written)")
    )
    click.echo(
        f"review file: {len(result.kept)} links kept (not proposed again), {len(result.changed)} changed, "
        f"{len(result.added)} added; nothing removed"
    )
    for verb, names in (("kept", result.kept), ("changed", result.changed)):
        for name in names:
            click.echo(f"  {verb:<9} {name}")
    if report:
        for outcome in (*result.pending, *result.unlinked):
            best = outcome.best
            hint = f" (best: {best.candidate.id} {best.candidate.name}, {best.score:.2f})" if best else ""
            click.echo(f"  {outcome.status or 'unlinked':<9} {outcome.entity:<28} {outcome.label}{hint}")


def _shown(path: str) -> str:
    """A path relative to the working directory when it lies below it."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd()))
    except ValueError:
        return path


@click.group()
def gazetteer() -> None:
    """The local GeoNames index that kg link uses (KG_GAZETTEER)."""


@gazetteer.command(name="import")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--add", is_flag=True, help="Keep the places already imported (default: replace the index).")
@click.pass_obj
@fails_cleanly
def gazetteer_import(kg: Kg, files: Sequence[Path], add: bool) -> None:
    """Import GeoNames dumps (SY.txt, cities1000.txt, or their .zip) into the index, atomically."""
    from kg.gazetteer.geonames import import_dumps

    result = import_dumps(list(files), kg.settings.gazetteer, add=add)
    click.echo(f"imported {result.places} places ({result.keys} name keys) into {result.path}: {result.version}")
