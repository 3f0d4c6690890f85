"""The ``kg`` command: each subcommand parses flags, calls one function, renders, exits.

Exit codes: 0 success / conforms, 1 the data does not conform (a result), 2 usage or
system failure (a :class:`~kg.errors.KgError`, or a click usage error).
"""

from __future__ import annotations

import io
import json
import shlex
import sys
from collections.abc import Callable, Sequence
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from kg import formats, linkedplaces, pipeline, queries, submissions, tokens
from kg.app import Kg
from kg.config import Settings
from kg.errors import KgError, UsageError
from kg.gazetteer import SOURCES
from kg.report import ValidationReport

F = TypeVar("F", bound=Callable[..., Any])


def _settings_help() -> str:
    lines = ["Settings (environment variables; the flags below override them):\n\n\b"]
    lines += [f"  {env:<17} {help} [default: {default}]" for env, default, help in Settings.describe()]
    return "\n".join(lines)


def fails_cleanly(command: F) -> F:
    """Turn a KgError into its message on stderr and exit code 2."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except KgError as exc:
            click.secho(f"error: {exc}", fg="red", err=True)
            sys.exit(exc.exit_code)

    return wrapper  # type: ignore[return-value]


@click.group(
    epilog=_settings_help(), context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100}
)
@click.version_option(package_name="kg")
@click.option("--store", help="Embedded store folder or SPARQL endpoint URL (KG_STORE).")
@click.option("--corpus", type=click.Path(path_type=Path), help="Folder of article texts (KG_CORPUS).")
@click.option("--data", type=click.Path(path_type=Path), help="Folder of annotation files (KG_DATA).")
@click.option("--queries", "queries_dir", type=click.Path(path_type=Path), help="Folder of saved queries (KG_QUERIES).")
@click.pass_context
def main(
    ctx: click.Context, store: str | None, corpus: Path | None, data: Path | None, queries_dir: Path | None
) -> None:
    """kg: who held which place, when, according to whom.

    A knowledge graph of territorial control in the Syrian conflict, built from annotated
    news articles and queried with SPARQL and saved queries.
    """
    ctx.obj = Kg(Settings.from_env(store=store, corpus=corpus, data=data, queries=queries_dir))
    ctx.call_on_close(ctx.obj.close)


@main.command()
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
    _print_report(result.report, quiet=quiet)
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


@main.command()
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


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--text",
    "text_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The article text of an annotation file that is not in the corpus (a new submission).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "turtle"]),
    default="text",
    show_default=True,
    help="text for people; json, or the W3C SHACL report as turtle, for programs.",
)
@click.pass_obj
@fails_cleanly
def validate(kg: Kg, files: Sequence[Path], text_file: Path | None, fmt: str) -> None:
    """Check annotation files or RDF documents; store nothing.

    Annotation files are checked as the build checks them (texts from the corpus). With --text,
    or for an RDF file (.ttl .nt .jsonld .trig .nq .rdf), a file is checked as a new
    submission, exactly as POST /validate checks it.

    Exit 0 if they conform, 1 if they do not, 2 if they cannot be read.
    """
    if text_file is None and all(submissions.guess_kind(f.name) is None for f in files):
        report = pipeline.validate(list(files), kg.settings)
    else:
        report = kg.validate([_submission_input(f, text_file) for f in files])
    if fmt == "json":
        click.echo(json.dumps(report.to_json(), indent=2, ensure_ascii=False))
    elif fmt == "turtle":
        click.echo(report.shacl_turtle or "# SHACL did not run: fix the problems reported in text or json format first")
    else:
        _print_report(report)
        click.echo("conforms" if report.conforms else f"does not conform: {len(report.errors)} error(s)")
    sys.exit(0 if report.conforms else 1)


def _submission_input(path: Path, text_file: Path | None) -> submissions.Inputs:
    kind = submissions.guess_kind(path.name)
    try:
        data = path.read_bytes()
        text = text_file.read_bytes() if text_file is not None and kind is None else None
    except OSError as exc:
        raise UsageError(f"cannot read {exc.filename}: {exc.strerror}") from None
    return submissions.Inputs(str(path), data, kind, text)


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--text",
    "text_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The article text of an annotation file.",
)
@click.option("--as", "submitter", default="local", show_default=True, help="Who submits (local store only).")
@click.option("--server", help="Submit to a kg server (its base URL) instead of the local store.")
@click.option("--token", envvar="KG_TOKEN", help="Write token for --server (or KG_TOKEN).")
@click.pass_obj
@fails_cleanly
def submit(
    kg: Kg,
    files: Sequence[Path],
    text_file: Path | None,
    submitter: str,
    server: str | None,
    token: str | None,
) -> None:
    """Validate and store new annotation files or RDF documents, each as its own graph.

    Exit 0 stored (or already stored), 1 does not conform (nothing stored), 2 failure.
    """
    failed = False
    for path in files:
        item = _submission_input(path, text_file)
        if server:
            from kg.web.client import submit as remote_submit

            status, body = remote_submit(server, token, item)
            click.echo(f"{path}: {status} {body.get('url') or body.get('error') or ''}".rstrip())
            if status >= 400 and status != 422:
                sys.exit(2)
            failed = failed or status == 422
            continue
        stored = kg.submit(item, submitter)
        _print_report(stored.report)
        if not stored.report.conforms:
            click.secho(f"{path}: does not conform; nothing stored", fg="red", err=True)
            failed = True
        else:
            click.echo(f"{path}: {'stored' if stored.created else 'already stored'} as {stored.graph}")
    sys.exit(1 if failed else 0)


def _print_report(report: ValidationReport, quiet: bool = False) -> None:
    for problem in report.problems:
        if quiet and problem.severity != "error":
            continue
        color = {"error": "red", "warning": "yellow"}.get(problem.severity)
        click.secho(str(problem), fg=color, err=True)


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--resolve", is_flag=True, required=True, help="Write the offsets of every quote into the files.")
@click.option("--check", is_flag=True, help="Only say whether offsets are missing or stale; write nothing.")
@click.pass_obj
@fails_cleanly
def annotate(kg: Kg, files: Sequence[Path], resolve: bool, check: bool) -> None:
    """Resolve quotes to character offsets and store them in the annotation files."""
    failed = False
    for outcome in pipeline.resolve_files(list(files), kg.settings, write=not check):
        for problem in outcome.problems:
            click.secho(str(problem), fg="red", err=True)
        failed = failed or bool(outcome.problems) or (check and outcome.changed)
        state = "unchanged" if not outcome.changed else ("stale" if check else "offsets written")
        click.echo(f"{outcome.path}: {'problems' if outcome.problems else state}")
    sys.exit(1 if failed else 0)


@main.command()
@click.argument("name", required=False)
@click.argument("params", nargs=-1)
@click.option("--sparql", help="Run this SPARQL query instead of a saved one.")
@click.option("--format", "fmt", type=click.Choice(formats.FORMATS), default="table", show_default=True)
@click.pass_obj
@fails_cleanly
def query(kg: Kg, name: str | None, params: Sequence[str], sparql: str | None, fmt: str) -> None:
    """Run saved query NAME with param=value pairs, or ad-hoc SPARQL with --sparql.

    \b
    kg query control-at place=al-Qaryatayn date=2015-12-01
    kg query --sparql 'SELECT * WHERE { ?s ?p ?o } LIMIT 5'
    """
    if (name is None) == (sparql is None):
        raise UsageError(
            "give a saved query NAME or --sparql, not both or neither", hint="'kg queries' lists saved queries"
        )
    result = kg.query(sparql) if sparql is not None else kg.run(name or "", _pairs(params))
    # a saved query echoes its parameters, given or defaulted: the table leaves them out
    echoed = {p.name for p in queries.get(kg.catalogue(), name).params} if name else set()
    text = formats.render(result, fmt, hide=echoed)
    click.echo(text, nl=not text.endswith("\n"))


def _pairs(params: Sequence[str]) -> dict[str, str]:
    values = {}
    for item in params:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise UsageError(f"parameter {item!r} is not name=value", hint="e.g. place=al-Qaryatayn date=2015-12-01")
        values[key] = value
    return values


@main.command(name="queries")
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


@main.command()
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


@main.command()
@click.option("--host", help="Address to listen on (KG_HOST); loopback by default.")
@click.option("--port", type=int, help="Port to listen on (KG_PORT); 0 picks a free one.")
@click.option("--workers", type=int, help="Query worker processes (KG_WORKERS).")
@click.option("--threads", type=int, default=16, show_default=True, help="Request threads.")
@click.pass_obj
@fails_cleanly
def serve(kg: Kg, host: str | None, port: int | None, workers: int | None, threads: int) -> None:
    """Serve the graph over HTTP: the SPARQL endpoint, saved queries, pages (waitress)."""
    from dataclasses import replace

    from kg.web.server import serve as run_server

    settings = kg.settings
    if host:
        settings = replace(settings, host=host)
    if port is not None:
        settings = replace(settings, port=port)
    if workers:
        settings = replace(settings, workers=workers)
    settings.check()
    run_server(settings, threads=threads, announce=lambda url: click.echo(f"kg is serving {settings.store} at {url}"))


@main.command()
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


@main.group()
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


@main.command()
@click.argument("name")
@fails_cleanly
def token(name: str) -> None:
    """Make a write token for NAME: prints the token and the KG_TOKENS entry that admits it.

    Give the token to its holder; put only the entry (a SHA-256, not the token) in KG_TOKENS.
    """
    secret, entry = tokens.new(name)
    click.echo(f"token for {name} (shown once; give it to them): {secret}")
    click.echo(f"add to KG_TOKENS: {entry}")


if __name__ == "__main__":  # pragma: no cover
    main()
