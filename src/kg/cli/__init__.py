"""The ``kg`` command: each subcommand parses flags, calls one function, renders, exits.

Exit codes: 0 success / conforms, 1 the data does not conform (a result), 2 usage or
system failure (a :class:`~kg.errors.KgError`, or a click usage error).

One module per group of commands: ``building`` (build, reason, annotate), ``submitting``
(validate, submit), ``querying`` (query, queries, export), ``linking`` (link, gazetteer),
``serving`` (serve, token); ``output`` holds what they print in common.
"""

from __future__ import annotations

from pathlib import Path

import click

from kg.app import Kg
from kg.cli import building, linking, querying, serving, submitting
from kg.config import Settings


def _settings_help() -> str:
    lines = ["Settings (environment variables; the flags below override them):\n\n\b"]
    lines += [f"  {env:<17} {help} [default: {default}]" for env, default, help in Settings.describe()]
    return "\n".join(lines)


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


for _command in (
    building.build,
    building.reason,
    building.annotate,
    submitting.validate,
    submitting.submit,
    querying.query,
    querying.list_queries,
    querying.export,
    linking.link,
    linking.gazetteer,
    serving.serve,
    serving.token,
):
    main.add_command(_command)
