"""A real `kg serve` on loopback for the tests that exercise the protocol itself: started as a
subprocess on a free port, waited for, and stopped when the test module ends."""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .store_servers import stop

STARTUP_SECONDS = 30


@contextmanager
def running_server(store: str, corpus: Path, **env: str) -> Iterator[str]:
    """Serve ``store`` with `kg serve --port 0`; yield its base URL (http://127.0.0.1:PORT)."""
    with served(store, corpus, **env) as (url, _pid):
        yield url


@contextmanager
def served(store: str, corpus: Path, **env: str) -> Iterator[tuple[str, int]]:
    """As :func:`running_server`, yielding the base URL and the server's pid (to watch its workers)."""
    environ = {**os.environ, "KG_STORE": store, "KG_CORPUS": str(corpus), "KG_HOST": "127.0.0.1", **env}
    process = subprocess.Popen(
        [sys.executable, "-m", "kg.cli", "serve", "--port", "0"],
        env=environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        url = _wait_for_address(process)
        yield url, process.pid
    finally:
        stop(process)
        if process.stdout is not None:
            process.stdout.close()


def _wait_for_address(process: subprocess.Popen[str]) -> str:
    deadline = time.monotonic() + STARTUP_SECONDS
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            raise RuntimeError(f"kg serve exited with {process.wait()} before it listened")
        found = re.findall(r"(http://127\.0\.0\.1:\d+)/", line)  # the last: the store may be a URL too
        if found:
            url = found[-1]
            _wait_until_answering(url, deadline)
            return url
    raise RuntimeError("kg serve did not announce an address in time")


def _wait_until_answering(url: str, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/queries.json", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer in time")


def query_workers(pid: int) -> set[int]:
    """The pids of a kg serve's query worker processes: its children that multiprocessing spawned
    to run a task (``spawn_main``), not its resource tracker; read from /proc."""
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(FileNotFoundError):
            found |= {int(child) for child in (task / "children").read_text().split()}
    return {child for child in found if b"spawn_main" in _cmdline(child)}


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except FileNotFoundError:
        return b""


def cpu_ticks(pid: int) -> int:
    """User plus system CPU time a process has used, in clock ticks (0 once it has gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0
    return int(fields[11]) + int(fields[12])
