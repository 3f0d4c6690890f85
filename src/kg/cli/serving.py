"""kg serve and kg token: the graph over HTTP, and the write tokens it admits."""

from __future__ import annotations

import click

from kg import tokens
from kg.app import Kg
from kg.cli.output import fails_cleanly


@click.command()
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


@click.command()
@click.argument("name")
@click.option(
    "--role",
    type=click.Choice(tokens.ROLES),
    default="submitter",
    show_default=True,
    help="submitter: submit, retract own; editor: also retract anyone's; admin: also SPARQL Update.",
)
@fails_cleanly
def token(name: str, role: str) -> None:
    """Make a write token for NAME in ROLE: prints the token and the KG_TOKENS entry that admits it.

    Give the token to its holder; put only the entry (a SHA-256, not the token) in KG_TOKENS.
    """
    secret, entry = tokens.new(name, role)
    click.echo(f"{role} token for {name} (shown once; give it to them): {secret}")
    click.echo(f"add to KG_TOKENS: {entry}")
