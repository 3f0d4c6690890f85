"""The README is tested: its quick-start session runs and prints what it shows, and every
command, setting and saved query is documented there."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

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
    """Each `$ kg …` line, typed into a shell as `bin/kg …` at the repo root, prints what the README shows."""
    command, shown = session()[step]
    assert command.startswith("kg ")
    result = _typed(command, built_seed)
    if command.split()[1] == "build":
        assert result.returncode == 0, result.stdout
        *warnings, built = shown
        counts = re.search(r": (\d+ articles, .* mentions);", built)
        assert counts and counts.group(1) in result.stdout
        for line in warnings:  # the checkout the README was run in is /work/main
            assert line.replace("/work/main/", f"{PROJECT_ROOT}/") in result.stdout.splitlines(), result.stdout
        return
    for line in shown:
        assert _squash(line) in _squash(result.stdout), f"{command!r} did not print {line!r}:\n{result.stdout}"


def _typed(command: str, settings: Settings) -> subprocess.CompletedProcess[str]:
    """The command run as a user types it after the two commands, in a 160-column terminal."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KG_") and k != "VIRTUAL_ENV"}
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if ".venv" not in p)
    env |= {"KG_STORE": settings.store, "KG_CORPUS": str(SEED_CORPUS), "COLUMNS": "160"}
    return subprocess.run(
        ["/bin/sh", "-c", f"bin/{command}"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=300,
        check=False,
    )


def test_bin_kg_says_to_run_make_install_when_the_venv_is_missing(tmp_path: Path) -> None:
    """bin/kg in a checkout without .venv exits 2 and says to run `make install`."""
    (tmp_path / "bin").mkdir()
    wrapper = tmp_path / "bin" / "kg"
    shutil.copy2(PROJECT_ROOT / "bin" / "kg", wrapper)
    result = subprocess.run([str(wrapper), "--help"], capture_output=True, text=True, check=False)
    assert result.returncode == 2
    assert "make install" in result.stderr and str(tmp_path) in result.stderr


def test_the_readme_names_bin_kg_and_node_in_its_first_lines() -> None:
    """The paragraph under the two commands says how to run kg after them and that npm is installed."""
    top = README[: README.index("## What it looks like")]
    assert "bin/kg" in top and "source .venv/bin/activate" in top
    assert "npm" in top and "Node.js" in top


def test_system_deps_installs_node_and_npm_when_npm_is_missing(tmp_path: Path) -> None:
    """`make system-deps` with java and chromium but no npm asks apt-get for nodejs and npm."""
    fake = tmp_path / "path"
    fake.mkdir()
    calls = tmp_path / "apt-calls"
    for name, body in {"java": "exit 0", "chromium": "exit 0", "apt-get": f'echo "$@" >> {calls}'}.items():
        (fake / name).write_text(f"#!/bin/sh\n{body}\n", "utf-8")
        (fake / name).chmod(0o755)
    make = shutil.which("make")
    assert make is not None
    result = subprocess.run(
        [make, "--no-print-directory", "system-deps", f"PATH={fake}", "SUDO="],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "installing from Debian: nodejs npm" in result.stdout
    assert calls.read_text("utf-8").splitlines()[-1].split()[-2:] == ["nodejs", "npm"]


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
