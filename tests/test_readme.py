"""The README is tested: its quick-start session runs and prints what it shows, and every
command, setting and saved query is documented there."""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg import pipeline
from kg.cli import main
from kg.config import PROJECT_ROOT, Settings

from .conftest import SEED_CORPUS

README = (PROJECT_ROOT / "README.md").read_text("utf-8")


def session() -> list[tuple[str, list[str]]]:
    """The commands of the README's console block, each with the lines it shows."""
    block = re.search(r"```console\n(.*?)```", README, re.DOTALL)
    assert block, "the README has a ```console session"
    steps: list[tuple[str, list[str]]] = []
    for line in block.group(1).splitlines():
        if line.startswith("$ "):
            steps.append((line[2:], []))
        elif steps and line.strip():
            steps[-1][1].append(line)
    return steps


@pytest.fixture(scope="module")
def built_seed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    if not SEED_CORPUS.is_dir():
        pytest.skip(f"the seed corpus is not at {SEED_CORPUS}")
    settings = Settings.from_env({}, store=str(tmp_path_factory.mktemp("readme") / "store"), corpus=SEED_CORPUS)
    assert pipeline.build(settings).stored
    yield settings


def test_the_readme_opens_with_the_two_commands() -> None:
    """The first code block is `make serve` and `make test`."""
    first = re.search(r"```sh\n(.*?)```", README, re.DOTALL)
    assert first is not None
    assert [line.split()[:2] for line in first.group(1).splitlines()] == [["make", "serve"], ["make", "test"]]


@pytest.mark.parametrize("step", range(len(session())))
def test_the_readme_session_runs_as_shown(built_seed: Settings, step: int) -> None:
    """Each `$ kg …` line of the README runs, and prints the table rows and messages it shows."""
    command, shown = session()[step]
    args = shlex.split(command)
    assert args[0] == "kg"
    env = {"KG_STORE": built_seed.store, "KG_CORPUS": str(SEED_CORPUS)}
    result = CliRunner().invoke(main, args[1:], env=env, terminal_width=200)
    if args[1] == "build":
        assert result.exit_code == 0, result.output
        counts = re.search(r": (\d+ articles, .* mentions);", shown[0])
        assert counts and counts.group(1) in result.output
        return
    for line in shown:
        if line.startswith("---") or "…" in line:
            continue  # column widths depend on the terminal
        assert _squash(line) in _squash(result.output), f"{command!r} did not print {line!r}:\n{result.output}"


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_every_command_is_documented() -> None:
    """Each kg subcommand appears in the README's command table."""
    for name in main.commands:  # type: ignore[attr-defined]
        assert f"`kg {name}" in README, name


def test_every_setting_is_documented() -> None:
    """Each KG_* variable appears in the README."""
    for env, _default, _help in Settings.describe():
        assert f"`{env}`" in README, env


def test_every_saved_query_is_documented() -> None:
    """Each file in queries/ has a row in the README's table of saved queries."""
    for path in sorted(Path(PROJECT_ROOT / "queries").glob("*.rq")):
        assert f"| `{path.stem}` |" in README, path.stem
