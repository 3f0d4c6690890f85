"""tests/programs.py: a test that needs a missing external program is skipped with the reason and
the install command; a present one is found, by name on PATH or by path."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from .programs import find, requires


def test_a_missing_program_skips_with_the_install_command() -> None:
    """requires() on a program that is nowhere raises pytest's skip naming it and the fix."""
    with pytest.raises(pytest.skip.Exception) as caught:
        requires("kg-no-such-program", "apt-get install kg-no-such-program")
    assert str(caught.value) == "needs kg-no-such-program (not on PATH): apt-get install kg-no-such-program"


def test_a_missing_path_names_where_it_looked(tmp_path: Path) -> None:
    """A program given as a path that is not there is reported with that path."""
    missing = tmp_path / "bin" / "oxigraph"
    with pytest.raises(pytest.skip.Exception, match=f"needs oxigraph \\(not at {missing}\\): make install"):
        requires(missing, "make install")


def test_a_file_that_is_not_executable_is_missing(tmp_path: Path) -> None:
    """A plain file where the program should be does not count as the program."""
    plain = tmp_path / "java"
    plain.write_text("not a program")
    assert find(plain) is None


def test_a_present_program_is_found_by_name_and_by_path() -> None:
    """The Python running the tests is found by path, and `sh` on PATH, each returned as a path."""
    assert requires(Path(sys.executable), "never shown") == sys.executable
    assert Path(requires("sh", "never shown")).name == "sh"
