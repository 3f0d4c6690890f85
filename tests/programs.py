"""One way for a test to need an external program (oxigraph, Virtuoso, Java, Chromium): find it,
or skip the test — or the whole module, when called at import — with a reason that names what is
missing and the command that installs it. `make test` installs every one of them, so in CI nothing
is skipped; the skip only helps someone running a subset on a machine without them."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

# How to install each program the tests use (a command to copy).
OXIGRAPH_HINT = "make install (the oxigraph CLI comes with the venv: pip install oxigraph)"
VIRTUOSO_HINT = "apt-get install virtuoso-opensource (optional: nothing installs it)"
JAVA_HINT = "make system-deps (installs Debian's default-jre-headless)"
CHROMIUM_HINT = "make system-deps (installs Debian's chromium)"

OXIGRAPH = Path(sys.executable).with_name("oxigraph")


def find(program: str | Path) -> str | None:
    """The path of an executable program: a name is looked up on PATH, a path is checked as given."""
    if isinstance(program, Path) or os.sep in program:
        path = Path(program)
        return str(path) if path.is_file() and os.access(path, os.X_OK) else None
    return shutil.which(program)


def requires(program: str | Path, install_hint: str) -> str:
    """The program's path, or a pytest skip saying it is missing and how to install it."""
    found = find(program)
    if found is None:
        where = f"not at {program}" if isinstance(program, Path) or os.sep in str(program) else "not on PATH"
        pytest.skip(f"needs {Path(program).name} ({where}): {install_hint}", allow_module_level=True)
    return found
