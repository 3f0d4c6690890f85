"""kg build, kg reason, kg annotate: the store built from the annotation files, checked
with the reasoner, and the files' quotes resolved to offsets."""

from __future__ import annotations

import io
import sys
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path

import click

from kg import drafting, pipeline
from kg.app import Kg
from kg.cli.output import fails_cleanly, print_report
from kg.errors import UsageError


@click.command()
@click.option("--quiet", "-q", is_flag=True, help="Print only the summary line.")
@click.option(
    "--reason",
    is_flag=True,
    help="Also check the data with the OWL reasoner (HermiT, needs Java) and store what it infers.",
)
@click.option("--if-changed", is_flag=True, help="Do nothing if the store was built from exactly these inputs.")
@click.pass_obj
@fails_cleanly
def build(kg: Kg, quiet: bool, reason: bool, if_changed: bool) -> None:
    """Validate every annotation file and, if all conform, rebuild the store atomically.

    Accepted submissions are kept: each is checked again, and one that no longer conforms is
    set aside (kept, listed, not queried) and reported here."""
    show = sys.stderr.isatty() and not quiet
    with click.progressbar(length=3, label="building", file=sys.stderr if show else io.StringIO()) as bar:
        result = kg.build(progress=lambda _step: bar.update(1), reason=reason, if_changed=if_changed)
    if result.up_to_date:
        click.echo(f"the store {result.store} is up to date: built from these very inputs; nothing to do")
        return
    print_report(result.report, quiet=quiet)
    if not result.stored:
        click.secho("build failed: the data does not conform; the store was not changed", fg="red", err=True)
        sys.exit(1)
    click.echo(
        f"built {result.store}: {result.articles} articles, {result.entities} entities, "
        f"{result.events} events, {result.claims} claims, {result.mentions} mentions; "
        f"{result.quads} quads in {result.graphs} graphs in {result.seconds:.2f} s "
        f"({result.quads_per_second:,.0f} quads/s)" + (f"; {result.inferred} inferred triples" if reason else "")
    )
    _print_kept(result)


def _print_kept(result: pipeline.BuildReport) -> None:
    kept, retracted, aside = result.submissions_kept, result.submissions_retracted, result.set_aside
    if kept or retracted or aside:
        click.echo(f"submissions: {kept} kept, {len(aside)} set aside, {retracted} retracted records kept")
    for item in aside:
        click.secho(
            f"set aside: submission {item.id} ({item.name}) no longer conforms; it is kept, but not queried:",
            fg="yellow",
            err=True,
        )
        for problem in item.report.errors:
            click.echo(f"  {problem}", err=True)
        click.echo(
            "  fix the data or shapes and rebuild (it is restored once it conforms), "
            f"or retract it: DELETE /submissions/{item.id}",
            err=True,
        )


@click.command()
@click.pass_obj
@fails_cleanly
def reason(kg: Kg) -> None:
    """Check the stored data with the OWL reasoner (HermiT, needs Java); count what it infers.

    Nothing is stored: `kg build --reason` stores the inferred graph. Exit 0 consistent,
    1 inconsistent (with the individuals and axioms involved), 2 failure.
    """
    outcome = pipeline.reason(kg.settings)
    for problem in outcome.problems:
        click.secho(str(problem), fg="red", err=True)
    if not outcome.consistent:
        click.secho("inconsistent: the data contradict the ontology", fg="red", err=True)
        sys.exit(1)
    click.echo(f"consistent ({outcome.seconds:.1f} s); inferred triples by property:")
    for name, count in outcome.counts().items():
        click.echo(f"  {name:<16} {count}")


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--resolve", is_flag=True, help="Write the offsets of every quote into the files.")
@click.option("--check", is_flag=True, help="Only say whether offsets are missing or stale; write nothing.")
@click.option(
    "--draft",
    is_flag=True,
    help="Draft the annotation file of one new ARTICLE.txt: mentions, dates, candidate events, to review.",
)
@click.option("--published", type=click.DateTime(["%Y-%m-%d"]), help="With --draft: the article's publication date.")
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="With --draft: write the draft here."
)
@click.option(
    "--text",
    "text_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The article text to resolve against, for an article not in the corpus (a new submission).",
)
@click.pass_obj
@fails_cleanly
def annotate(
    kg: Kg,
    files: Sequence[Path],
    resolve: bool,
    check: bool,
    draft: bool,
    published: datetime | None,
    output: Path | None,
    text_file: Path | None,
) -> None:
    """Resolve quotes to offsets in annotation files (--resolve), or draft a new one (--draft).

    kg annotate --resolve FILE…: the article texts come from the corpus, or, with --text, from
    that file (as kg validate and kg submit take it).

    kg annotate --draft ARTICLE.txt [--published DATE] [-o FILE]: every known entity in any
    spelling kg knows, date expressions resolved against the publication date, candidate control
    events and distance claims, each marked `draft: true` for a person to review."""
    if draft == resolve:
        raise UsageError("give one of --resolve (annotation files) or --draft (one article text)")
    if draft:
        _draft(kg, files, published.date() if published else None, output)
        return
    _resolve(kg, files, check, text_file)


def _draft(kg: Kg, files: Sequence[Path], published: date | None, output: Path | None) -> None:
    if len(files) != 1:
        raise UsageError("--draft takes one article text (ARTICLE.txt)")
    try:
        text = files[0].read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read {files[0]} as UTF-8 text: {exc}") from None
    made = drafting.draft_article(kg.settings, kg.store_or_empty(), text, file_name=files[0].name, published=published)
    for note in made.notes:
        click.echo(f"note: {note}", err=True)
    if output is None:
        click.echo(made.yaml, nl=False)
        return
    try:
        output.write_text(made.yaml, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {output}: {exc.strerror}") from None
    click.echo(f"{output}: draft written, {made.proposals} proposals to review")


def _resolve(kg: Kg, files: Sequence[Path], check: bool, text_file: Path | None) -> None:
    try:
        text = text_file.read_bytes() if text_file is not None else None
    except OSError as exc:
        raise UsageError(f"cannot read {exc.filename}: {exc.strerror}") from None
    failed = False
    for outcome in pipeline.resolve_files(list(files), kg.settings, write=not check, text=text):
        for problem in outcome.problems:
            click.secho(str(problem), fg="red", err=True)
        failed = failed or bool(outcome.problems) or (check and outcome.changed)
        state = "unchanged" if not outcome.changed else ("stale" if check else "offsets written")
        click.echo(f"{outcome.path}: {'problems' if outcome.problems else state}")
    sys.exit(1 if failed else 0)
