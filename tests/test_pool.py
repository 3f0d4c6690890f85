"""kg.store.pool: warm query processes that answer like the in-process path, stop a runaway
query without holding up the others, follow rebuilds and end with their parent."""

from __future__ import annotations

import multiprocessing
import os
import select
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path
from typing import Any

import pytest

from kg.errors import QueryError, QueryTimeout, StoreError
from kg.store import RdfTerm, embedded
from kg.store.embedded import EmbeddedStore
from kg.store.pool import QueryPool
from tests.test_store import EX, GRAPH, LABELS, SLOW, built, labels_graph


def alive(pid: int) -> bool:
    """Whether a process runs (a zombie nobody reaped does not count)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def worker_pids(pool: QueryPool) -> set[int]:
    return {w.process.pid for w in pool._workers if w.process.pid is not None}


def watch_sends(pool: QueryPool) -> threading.Event:
    """An event set once a task has been sent down any present worker's pipe (the worker has it)."""
    sent = threading.Event()
    for worker in pool._workers:
        send = worker.conn.send

        def send_and_tell(task: Any, send: Any = send) -> None:
            send(task)
            sent.set()

        worker.conn.send = send_and_tell  # type: ignore[method-assign]
    return sent


def run_away(pool: QueryPool, limit: float) -> tuple[threading.Thread, list[BaseException]]:
    """Start SLOW in another thread and return once a worker has it; the list gets the exception
    it ends with (QueryTimeout at its limit, or QueryError when the pool is closed under it)."""
    outcome: list[BaseException] = []
    sent = watch_sends(pool)

    def run() -> None:
        try:
            pool.query(SLOW, timeout=limit)
        except (QueryTimeout, QueryError, StoreError) as exc:
            outcome.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    assert sent.wait(60), "the runaway query never reached a worker"
    return thread, outcome


def stop_runaway(pool: QueryPool, thread: threading.Thread, outcome: list[BaseException]) -> BaseException:
    """Close the pool under a runaway query; the exception the query then ends with."""
    pool.close()
    thread.join(60)
    assert not thread.is_alive() and len(outcome) == 1
    return outcome[0]


def wait_until_ended(pids: list[int], guard: float = 60) -> None:
    """Return once every process has ended (its pidfd turns readable); ``guard`` only bounds a hang."""
    for pid in pids:
        try:
            fd = os.pidfd_open(pid)
        except ProcessLookupError:
            continue  # already gone
        try:
            select.select([fd], [], [], guard)
        finally:
            os.close(fd)


def test_the_pool_answers_like_the_in_process_path(tmp_path: Path):
    """Rows, bindings, the row cap, ASK and CONSTRUCT come back from a worker as they do in-process."""
    store = built(tmp_path / "store", n=5)
    bindings = {"label": RdfTerm("literal", "thing 1")}
    construct = f"CONSTRUCT {{ ?s <{EX}named> ?o }} WHERE {{ ?s <{EX}label> ?o }}"
    with QueryPool(tmp_path / "store", size=1) as pool:
        for bound, cap in [(None, None), (bindings, None), (None, 3)]:
            expected = store.query(LABELS, bound, max_rows=cap)
            assert pool.query(LABELS, bound, timeout=10, max_rows=cap).rows == expected.rows
        assert pool.query(LABELS, timeout=10, max_rows=3).truncated
        assert pool.query(f"ASK {{ ?s <{EX}label> 'thing 4' }}", timeout=10).boolean is True
        assert pool.query(construct, timeout=10).triples == store.query(construct).triples


def test_an_embedded_store_with_a_pool_sends_timed_queries_to_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """EmbeddedStore.open(pool_size=…) answers timed queries from the pool, never from a forked child."""
    built(tmp_path / "store")

    def no_fork(*args: object) -> None:
        raise AssertionError("forked a child although a pool exists")

    monkeypatch.setattr(embedded, "query_in_child", no_fork)
    store = EmbeddedStore.open(tmp_path / "store", pool_size=1)
    try:
        assert store.query(LABELS, timeout=10).column("label") == ["thing 0", "thing 1", "thing 2"]
    finally:
        store.close()
    assert multiprocessing.active_children() == []


def test_a_runaway_query_is_stopped_and_its_worker_replaced(tmp_path: Path):
    """A query that would run for minutes ends in QueryTimeout naming its limit; its worker is
    killed and a fresh one, with a new pid, answers the next query."""
    built(tmp_path / "store", n=200)
    with QueryPool(tmp_path / "store", size=1) as pool:
        assert pool.query(LABELS, timeout=30, max_rows=1).rows  # started: a worker still starting is not killed
        before = worker_pids(pool)
        with pytest.raises(QueryTimeout) as caught:
            pool.query(SLOW, timeout=1)
        assert "1 s" in caught.value.message and caught.value.status == 503
        wait_until_ended(list(before))  # killed at once; reaped in the background
        assert not any(alive(pid) for pid in before)
        assert pool.query(LABELS, timeout=10, max_rows=1).rows  # answered by the replacement
        assert worker_pids(pool).isdisjoint(before)


def test_a_runaway_query_does_not_hold_up_the_others(tmp_path: Path):
    """While one worker runs a runaway query, another thread's simple query is answered by the
    other worker before the runaway ends (it ends only when the pool is closed under it)."""
    built(tmp_path / "store", n=200)
    with QueryPool(tmp_path / "store", size=2) as pool:
        thread, outcome = run_away(pool, limit=600)
        assert pool.query(LABELS, timeout=60, max_rows=1).rows
        assert thread.is_alive() and outcome == []  # the runaway was still running meanwhile
        ended = stop_runaway(pool, thread, outcome)
    assert isinstance(ended, QueryError) and "ended without an answer" in ended.message


def test_when_every_worker_is_busy_a_query_waits_no_longer_than_its_limit(tmp_path: Path):
    """With the only worker running away, another query gives up with QueryTimeout after its own
    limit, while the runaway (with a far longer limit) still holds the worker."""
    built(tmp_path / "store", n=200)
    with QueryPool(tmp_path / "store", size=1) as pool:
        thread, outcome = run_away(pool, limit=600)
        with pytest.raises(QueryTimeout, match=r"all 1 query processes stayed busy for 0\.5 s") as caught:
            pool.query(LABELS, timeout=0.5)
        assert caught.value.status == 503
        assert thread.is_alive() and outcome == []  # it gave up first: it did not wait for the worker
        stop_runaway(pool, thread, outcome)


def test_the_pool_follows_rebuilds_and_writes(tmp_path: Path):
    """After replace_all or update, the workers answer from the new database."""
    store = built(tmp_path / "store", n=2, prefix="old")
    with QueryPool(tmp_path / "store", size=1) as pool:
        assert pool.query(LABELS, timeout=10).column("label") == ["old 0", "old 1"]
        store.replace_all([(GRAPH, labels_graph(1, "new"))])
        assert pool.query(LABELS, timeout=10).column("label") == ["new 0"]
        store.update(f'INSERT DATA {{ GRAPH <{GRAPH}> {{ <{EX}new9999> <{EX}label> "new 9" }} }}')
        assert pool.query(LABELS, timeout=10).column("label") == ["new 0", "new 9"]


def test_errors_come_back_as_raised(tmp_path: Path):
    """A syntax error in a worker is re-raised as the same QueryError, and the worker stays in use."""
    built(tmp_path / "store")
    with QueryPool(tmp_path / "store", size=1) as pool:
        before = worker_pids(pool)
        with pytest.raises(QueryError) as caught:
            pool.query("SELECT ?s WHERE { ?s ?p }", timeout=10)
        assert type(caught.value) is QueryError and "syntax error" in caught.value.message
        assert caught.value.hint is not None
        assert pool.query(LABELS, timeout=10).rows and worker_pids(pool) == before


def test_closing_the_pool_ends_its_workers(tmp_path: Path):
    """close() ends every worker process, and a query afterwards is refused."""
    built(tmp_path / "store")
    pool = QueryPool(tmp_path / "store", size=2)
    pids = worker_pids(pool)
    assert len(pids) == 2 and all(alive(pid) for pid in pids)
    pool.close()
    assert multiprocessing.active_children() == []
    assert not any(alive(pid) for pid in pids)
    with pytest.raises(StoreError, match="closed"):
        pool.query(LABELS, timeout=1)


PARENT = """
import sys, threading
from kg.store.pool import QueryPool
pool = QueryPool(sys.argv[1], size=2)
sent = threading.Event()
for worker in pool._workers:
    worker.conn.send = lambda task, send=worker.conn.send: (send(task), sent.set())
threading.Thread(target=pool.query, args=(sys.argv[2],), kwargs={"timeout": 600}, daemon=True).start()
sent.wait(60)  # a worker has the runaway query
print(*(w.process.pid for w in pool._workers), flush=True)
threading.Event().wait(600)  # until killed
"""


def test_workers_end_when_their_parent_is_killed(tmp_path: Path):
    """Killing the parent ends its workers, even one in the middle of a runaway query."""
    built(tmp_path / "store", n=200)
    command = [sys.executable, "-c", textwrap.dedent(PARENT), str(tmp_path / "store"), SLOW]
    parent = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    pids = [int(pid) for pid in parent.stdout.readline().split()]
    assert len(pids) == 2 and all(alive(pid) for pid in pids)
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait()
    parent.stdout.close()
    wait_until_ended(pids)
    assert not any(alive(pid) for pid in pids)
