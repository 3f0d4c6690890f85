"""A pool of warm query processes, so that a threaded server can stop a runaway query.

pyoxigraph cannot cancel a running query and Python cannot kill a thread, but a process can
be killed. The CLI forks one process per timed query (:func:`kg.store.child.query_in_child`):
fine once per command, but too slow per request and unsafe in a threaded server, since fork
copies locks that other threads hold. A :class:`QueryPool` keeps ``size`` worker processes
instead, started with *spawn*, each holding the current database open read-only::

    calling thread                                worker process
    take an idle worker (wait ≤ the time limit)
    send (db path, sparql, bindings, max_rows) ──▶ reopen if `current` moved; run_query(...)
    poll(the time left) ◀────────────────────────  ("ok", QueryResult) or ("error", KgError)
    give the worker back

A query that overruns gets its worker killed, QueryTimeout is raised at once, and the worker is
reaped and replaced in the background; the other workers go on answering other threads
meanwhile. The limit covers the wait for a free worker as well, so no caller waits longer than
its limit (plus the kill signal).

Each worker installs the network sandbox (:mod:`kg.store.sandbox`) on its whole process before
it does anything else, so the engine in it cannot open a network connection whatever it is asked.

Each task names the database ``current`` points at, so after a rebuild or a write a worker
opens the new one on its next query. Workers are daemons, so they end when the server exits,
and watch their parent's pid, so they end when it is killed.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import queue
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path

import pyoxigraph as ox

from kg.errors import KgError, QueryError, QueryTimeout, StoreError
from kg.store import sandbox
from kg.store.base import Dataset, QueryResult, RdfTerm
from kg.store.oxigraph import CURRENT, open_read_only, run_query, timed_out


def _watch_parent(parent: int) -> None:
    """End this worker once its parent is gone, even in the middle of a query."""
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)


def _serve(conn: Connection, parent: int, path: str | None) -> None:
    """A worker's life: open the database, then answer tasks until the pipe closes."""
    sandbox.install(whole_process=True)  # first: no thread of this process may open a network socket
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    opened: tuple[str, ox.Store] | None = None
    if path is not None:
        with contextlib.suppress(KgError):  # warm up; a failure shows again on the first task
            opened = (path, open_read_only(Path(path)))
    reply: tuple[str, object]
    while True:
        try:
            path, sparql, bindings, max_rows, dataset = conn.recv()
        except (EOFError, OSError):
            return
        try:
            if opened is None or opened[0] != path:
                opened = None  # close the old database before opening the new one
                opened = (path, open_read_only(Path(path)))
            reply = ("ok", run_query(opened[1], sparql, bindings, max_rows, dataset))
        except KgError as exc:
            reply = ("error", exc)
        except Exception as exc:
            reply = ("error", QueryError(f"the query failed: {exc}"))
        conn.send(reply)


@dataclass(eq=False)
class _Worker:
    process: BaseProcess
    conn: Connection


class QueryPool:
    """``size`` worker processes answering queries on the store under ``root``; thread-safe."""

    def __init__(self, root: str | os.PathLike[str], size: int = 2) -> None:
        if size < 1:
            raise ValueError("a query pool needs at least one worker")
        self.root = Path(root)
        self.size = size
        self._context = multiprocessing.get_context("spawn")
        self._idle: queue.Queue[_Worker | None] = queue.Queue()
        self._lock = threading.Lock()
        self._workers: list[_Worker] = []
        self._reapers: list[threading.Thread] = []  # replacing killed workers (see _replace)
        self._closed = False
        for _ in range(size):
            self._idle.put(self._start())

    def query(
        self,
        sparql: str,
        bindings: Mapping[str, RdfTerm] | None = None,
        *,
        timeout: float | None = None,
        max_rows: int | None = None,
        dataset: Dataset | None = None,
    ) -> QueryResult:
        """Run one query in a worker; raise QueryTimeout if no answer comes within ``timeout`` s."""
        deadline = None if timeout is None else time.monotonic() + timeout
        path = self._current()
        if path is None:
            raise StoreError(f"no graph has been built in {self.root} yet", hint="run 'kg build' first")
        worker = self._take(timeout)
        healthy = False
        try:
            worker.conn.send((path, sparql, dict(bindings or {}), max_rows, dataset))
            if not worker.conn.poll(None if deadline is None else max(0.0, deadline - time.monotonic())):
                raise timed_out(timeout or 0)
            status, payload = worker.conn.recv()
            healthy = True
        except (EOFError, OSError):
            raise QueryError("the query process ended without an answer", hint="retry; it has been replaced") from None
        finally:
            if healthy:
                self._give_back(worker)
            else:
                self._replace(worker)
        if status == "error":
            raise payload
        return payload  # type: ignore[no-any-return]

    def close(self) -> None:
        """End every worker; a query still running in one fails, and later queries are refused."""
        with self._lock:
            self._closed = True
            workers, self._workers = self._workers, []
            reapers, self._reapers = self._reapers, []
        for worker in workers:
            worker.process.kill()
            worker.process.join()
        for reaper in reapers:
            reaper.join()
        while not self._idle.empty():
            if idle := self._idle.get_nowait():
                idle.conn.close()
        self._idle.put(None)  # wakes, and refuses, any thread still waiting for a worker

    def __enter__(self) -> QueryPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ----------------------------------------------------------------- workers

    def _current(self) -> str | None:
        current = self.root / CURRENT
        return str(current.resolve()) if current.exists() else None

    def _start(self) -> _Worker:
        """A new worker, opening the current database while the caller goes on."""
        mine, theirs = self._context.Pipe()
        args = (theirs, os.getpid(), self._current())
        process = self._context.Process(target=_serve, args=args, daemon=True, name="kg-query")
        process.start()
        theirs.close()
        worker = _Worker(process, mine)
        self._workers.append(worker)
        return worker

    def _take(self, timeout: float | None) -> _Worker:
        try:
            worker = self._idle.get(timeout=timeout)
        except queue.Empty:
            raise QueryTimeout(
                f"all {self.size} query processes stayed busy for {timeout:g} s",
                hint="retry in a moment, or raise the number of query processes",
            ) from None
        if worker is None:
            self._idle.put(None)
            raise StoreError("the query pool is closed", hint="open the store again")
        return worker

    def _give_back(self, worker: _Worker) -> None:
        with self._lock:
            if not self._closed:
                self._idle.put(worker)
                return
        worker.conn.close()

    def _replace(self, worker: _Worker) -> None:
        """Kill a worker that overran or broke, and start a fresh one in its place: the kill now,
        the rest in the background, so that the caller's answer waits neither for the dead
        worker to be reaped (up to a second when it held much memory) nor for the new one."""
        worker.process.kill()
        reaper = threading.Thread(target=self._reap, args=(worker,), daemon=True, name="kg-query-reaper")
        with self._lock:
            self._reapers = [r for r in self._reapers if r.is_alive()] + [reaper]
        reaper.start()

    def _reap(self, worker: _Worker) -> None:
        worker.process.join()
        worker.conn.close()
        with self._lock:
            if worker in self._workers:
                self._workers.remove(worker)
            if not self._closed:
                self._idle.put(self._start())
