"""Real SPARQL servers on loopback for the store contract tests: `oxigraph serve` (from the
`oxigraph` dev dependency) and, when Debian's virtuoso-opensource is installed, Virtuoso.
Each is started on a free port in a temporary folder, waited for (bounded), and stopped; a
missing program skips the test that asked for it (tests/programs.py), with the install command."""

from __future__ import annotations

import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .programs import OXIGRAPH, OXIGRAPH_HINT, VIRTUOSO_HINT, requires

STARTUP_SECONDS = 60


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def answers(url: str) -> bool:
    """Whether a SPARQL endpoint answers ASK {} with 200."""
    try:
        with urllib.request.urlopen(url + "?" + urllib.parse.urlencode({"query": "ASK {}"}), timeout=2) as reply:
            return bool(reply.status == 200)
    except (OSError, urllib.error.URLError):
        return False


def _wait(url: str, process: subprocess.Popen[bytes], name: str) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with {process.returncode} before it answered at {url}")
        if answers(url):
            return
        time.sleep(0.2)
    raise RuntimeError(f"{name} did not answer at {url} within {STARTUP_SECONDS} s")


def stop(process: subprocess.Popen[bytes] | subprocess.Popen[str]) -> None:
    """Ask a server to stop; kill it if it has not within 20 s."""
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def oxigraph_server(folder: Path) -> Iterator[str]:
    """`oxigraph serve` with its default graph as the union of the named graphs (as kg needs),
    and a server-side time limit; yields its base URL (http://127.0.0.1:PORT)."""
    oxigraph = requires(OXIGRAPH, OXIGRAPH_HINT)
    port = free_port()
    command = [oxigraph, "serve", "--location", str(folder), "--bind", f"127.0.0.1:{port}"]
    process = subprocess.Popen(
        [*command, "--union-default-graph", "--timeout-s", "30"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        _wait(f"http://127.0.0.1:{port}/query", process, "oxigraph serve")
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(process)


VIRTUOSO_INI = """[Database]
DatabaseFile = {folder}/virtuoso.db
ErrorLogFile = {folder}/virtuoso.log
TransactionFile = {folder}/virtuoso.trx
xa_persistent_file = {folder}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {folder}/virtuoso-temp.db
TransactionFile = {folder}/virtuoso-temp.trx

[Parameters]
ServerPort = {isql_port}
DisableUnixSocket = 1
DirsAllowed = ., {folder}
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
ThreadsPerQuery = 1
MaxQueryMem = 200M
MaxSortedTopRows = 100000

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {folder}
ServerThreads = 4
MaxClientConnections = 4

[SPARQL]
ResultSetMaxRows = 100000
MaxQueryExecutionTime = 30
DefaultQuery = select distinct ?Concept where {{[] a ?Concept}} LIMIT 100
"""


@contextmanager
def virtuoso_server(folder: Path) -> Iterator[str]:
    """Virtuoso 7 (Debian's virtuoso-opensource) in the foreground, its database in ``folder``;
    the anonymous SPARQL user may update (a test server on loopback only). Yields the base URL."""
    virtuoso = requires("virtuoso-t", VIRTUOSO_HINT)
    isql = requires("isql-vt", VIRTUOSO_HINT)  # to grant SPARQL_UPDATE
    http_port, isql_port = free_port(), free_port()
    ini = folder / "virtuoso.ini"
    ini.write_text(VIRTUOSO_INI.format(folder=folder, http_port=http_port, isql_port=isql_port))
    process = subprocess.Popen(
        [virtuoso, "+foreground", "+configfile", str(ini)],
        cwd=folder,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait(f"http://127.0.0.1:{http_port}/sparql", process, "virtuoso-t")
        grants = 'GRANT SPARQL_UPDATE TO "SPARQL"; GRANT EXECUTE ON DB.DBA.SPARQL_INSERT_DICT_CONTENT TO "SPARQL";'
        grants += " DB.DBA.RDF_DEFAULT_USER_PERMS_SET ('nobody', 7);"
        subprocess.run(
            [isql, str(isql_port), "dba", "dba", f"exec={grants}"], check=True, capture_output=True, timeout=60
        )
        yield f"http://127.0.0.1:{http_port}"
    finally:
        stop(process)
