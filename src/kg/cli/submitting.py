"""kg validate and kg submit: annotation files or RDF documents checked, and stored as
submissions (locally or on a kg server)."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path

import click

from kg import pipeline, submissions
from kg.app import Kg
from kg.cli.output import fails_cleanly, print_report
from kg.errors import InputError, UsageError
from kg.report import ValidationReport
from kg.validation import w3c


@click.command()
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
    try:
        if text_file is None and all(submissions.guess_kind(f.name) is None for f in files):
            report = pipeline.validate(list(files), kg.settings)
        else:
            report = kg.validate([_submission_input(f, text_file) for f in files])
    except InputError as exc:
        if fmt != "turtle":
            raise
        click.echo(w3c.error_turtle(exc))  # a W3C report is always a report; the exit code still says 2
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    if fmt == "json":
        click.echo(json.dumps(report.to_json(), indent=2, ensure_ascii=False))
    elif fmt == "turtle":
        click.echo(report.shacl_turtle or "# SHACL did not run: fix the problems reported in text or json format first")
    else:
        print_report(report)
        click.echo(_verdict(report))
    sys.exit(0 if report.conforms else 1)


def _verdict(report: ValidationReport) -> str:
    if report.conforms:
        return "conforms"
    if report.valid_as_draft:
        return f"valid as a draft; {report.drafts} proposals to review (nothing can be stored until each is reviewed)"
    drafts = f", {report.drafts} of them draft proposals to review" if report.drafts else ""
    return f"does not conform: {len(report.errors)} error(s){drafts}"


def _submission_input(path: Path, text_file: Path | None) -> submissions.Inputs:
    kind = submissions.guess_kind(path.name)
    try:
        data = path.read_bytes()
        text = text_file.read_bytes() if text_file is not None and kind is None else None
    except OSError as exc:
        raise UsageError(f"cannot read {exc.filename}: {exc.strerror}") from None
    return submissions.Inputs(str(path), data, kind, text)


@click.command()
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
        print_report(stored.report)
        if not stored.report.conforms:
            click.secho(f"{path}: does not conform; nothing stored", fg="red", err=True)
            failed = True
        else:
            click.echo(f"{path}: {'stored' if stored.created else 'already stored'} as {stored.graph}")
    sys.exit(1 if failed else 0)
