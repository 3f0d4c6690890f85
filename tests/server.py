"""A real `kg serve` on loopback for the tests that exercise the protocol itself: started as a
subprocess on a free port, waited for, and stopped when the test module ends."""

from __future__ import annotations

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
        yield url
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
