"""kg.store.sandbox: threads and processes under the filter cannot open network sockets, and
with the structural check switched off the engine in every query and update path still cannot
reach a listener on loopback, while an unfiltered engine does (the control)."""

from __future__ import annotations

import shutil
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest

from kg import pipeline
from kg import sparql as sparql_text
from kg.config import Settings
from kg.errors import KgError, QueryError
from kg.store import sandbox
from kg.store.embedded import EmbeddedStore
from kg.store.pool import QueryPool

from .conftest import MINI
from .listener import Listener


@pytest.fixture
def control() -> Iterator[Listener]:
    """A listener of the test's own: the controls here expect a connection where one is made."""
    listening = Listener()
    yield listening
    listening.close()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The mini fixture's entities built into a store."""
    root = tmp_path_factory.mktemp("sandboxed")
    data = root / "data"
    data.mkdir()
    shutil.copy(MINI / "entities.yaml", data / "entities.yaml")
    settings = Settings.from_env({}, data=data, corpus=MINI / "corpus", store=str(root / "store"))
    assert pipeline.build(settings).stored
    return Path(settings.store)


needs_sandbox = pytest.mark.skipif(sandbox.available() is not None, reason=f"no sandbox: {sandbox.available()}")


def _connect(port: int) -> str:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
    except OSError as exc:
        return f"refused: {exc}"
    return "connected"


@needs_sandbox
def test_sandboxed_thread_cannot_connect_but_others_can(control: Listener):
    """A sandboxed thread's create_connection fails with EACCES; the thread beside it still connects."""
    assert sandbox.run_sandboxed(_connect, control.port) == "refused: [Errno 13] Permission denied"
    assert control.seen() == 0
    assert _connect(control.port) == "connected" and control.seen() == 1
    pair = sandbox.run_sandboxed(socket.socketpair)  # AF_UNIX stays open: pipes to the parent work
    assert pair[0].family == socket.AF_UNIX
    for end in pair:
        end.close()


def _connect_in_sandboxed_process(port: int, conn: Any) -> None:
    conn.send((sandbox.install(whole_process=True), _connect(port)))


@needs_sandbox
def test_sandboxed_process_cannot_connect(control: Listener):
    """In a spawned process that installed the filter, create_connection fails on every thread."""
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    mine, theirs = context.Pipe()
    child = context.Process(target=_connect_in_sandboxed_process, args=(control.port, theirs))
    child.start()
    theirs.close()  # so that a child that dies without answering ends the wait
    try:
        assert mine.poll(120), f"the child ended with {child.exitcode} and no answer"
        installed, outcome = mine.recv()
    finally:
        child.join()
        mine.close()
    assert installed is None and outcome.startswith("refused: [Errno 13]")
    assert control.seen() == 0


@needs_sandbox
def test_pool_workers_run_under_the_filter(built_store: Path):
    """Each query worker of kg serve reports a seccomp filter in /proc (Seccomp: 2)."""
    with QueryPool(built_store, 1) as pool:
        pool.query("ASK { ?s ?p ?o }", timeout=30)
        (worker,) = pool._workers
        status = Path(f"/proc/{worker.process.pid}/status").read_text()
    assert "Seccomp:\t2" in status


@pytest.fixture
def built_store(built: Path, tmp_path: Path) -> Path:
    """A private copy of the built store, for the tests that bypass the structural check."""
    shutil.copytree(built, tmp_path / "store", symlinks=True)
    return tmp_path / "store"


@pytest.fixture
def unchecked(monkeypatch: pytest.MonkeyPatch) -> None:
    """The structural check switched off (test only), so that only the sandbox stands."""
    monkeypatch.setattr(sparql_text, "check_allowed", lambda *args, **kwargs: None)


def _fetching_query(url: str) -> str:
    return f"SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}"


def test_control_unsandboxed_engine_does_reach_the_listener(control: Listener):
    """The control: Oxigraph in an ordinary thread does connect, so the zero counts above mean something."""
    rows = list(ox.Store().query(_fetching_query(control.url)))  # type: ignore[arg-type]
    assert control.seen() == 1
    assert [row["s"].value for row in rows] == ["LEAKED"]


@needs_sandbox
@pytest.mark.parametrize("path", ["forked-child", "pool", "untimed", "in-memory"])
def test_engine_in_every_query_path_cannot_fetch(unchecked: None, built_store: Path, control: Listener, path: str):
    """With the check off, SERVICE fails in the forked child, the pool, untimed and in-memory queries."""
    store = EmbeddedStore.open(None if path == "in-memory" else built_store, pool_size=1 if path == "pool" else 0)
    try:
        with pytest.raises(QueryError, match=r"Permission denied|query failed|cannot run"):
            store.query(_fetching_query(control.url), timeout=None if path in {"untimed", "in-memory"} else 30)
        silent = store.query(_fetching_query(control.url).replace("SERVICE", "SERVICE SILENT"), timeout=30)
        assert all("LEAKED" not in str(row) for row in silent.rows)
    finally:
        store.close()
    assert control.seen() == 0


@needs_sandbox
@pytest.mark.parametrize("location", ["disk", "memory"])
def test_engine_in_an_update_cannot_fetch(unchecked: None, built_store: Path, control: Listener, location: str):
    """With the check off, LOAD fails, LOAD SILENT loads nothing, and the data stays as it was."""
    store = EmbeddedStore.open(built_store if location == "disk" else None, read_only=False)
    before = store.checksum()
    try:
        with pytest.raises(KgError, match="Permission denied"):
            store.update(f"LOAD <{control.url}> INTO GRAPH <https://w3id.org/kg/graph/leak>")
        store.update(f"LOAD SILENT <{control.url}> INTO GRAPH <https://w3id.org/kg/graph/leak>")
        assert store.checksum() == before
    finally:
        store.close()
    assert control.seen() == 0


def test_unavailable_sandbox_is_said_once(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture):
    """Where the filter cannot be installed, opening the store logs one warning saying so."""
    monkeypatch.setattr(sandbox, "available", lambda: "plan9 on mips")
    store = EmbeddedStore.open(None)
    store.close()
    warnings = [r for r in caplog.records if "sandbox" in r.getMessage()]
    assert len(warnings) == 1 and "plan9 on mips" in warnings[0].getMessage()
    assert store.sandbox == "plan9 on mips"
