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

A query that overruns gets its worker killed and replaced, and QueryTimeout is raised; the
other workers go on answering other threads meanwhile. The limit covers the wait for a free
worker as well, so no caller waits longer than its limit (plus the kill).

Each worker installs the network sandbox (:mod:`kg.store.sandbox`) on its whole process before
it does anything else, so the engine in it cannot open a network connection whatever it is asked.

Workers are shared fairly (the ledger of :mod:`kg.store.clients`). The pool holds ``size`` +
``reserve`` workers, and at most ``size`` of them may run a *long* query — one that has run past
the short-query time (KG_SHORT_QUERY): a query that grows long when ``size`` long ones already
run is stopped there (503), so ``reserve`` workers are always left for short queries, however
many runaways are sent. A client whose query ran long lately may not take a reserved worker at
all (it waits for one of the ``size``), a client may run only so many queries at once, and one
whose queries keep crashing or overrunning workers is refused for a while (429, Retry-After).
Each worker also has a cap on its address space (KG_WORKER_MEMORY), so a query that would
exhaust memory ends its own worker instead of the machine's memory.

Each task names the database ``current`` points at, so after a rebuild or a write a worker
opens the new one on its next query. Workers are daemons, so they end when the server exits,
and watch their parent's pid, so they end when it is killed.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import resource
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path

import pyoxigraph as ox

from kg.errors import KgError, QueryError, QueryTimeout, StoreError
from kg.store import clients, sandbox
from kg.store.base import Dataset, QueryResult, RdfTerm
from kg.store.clients import Client, Fairness, Ledger
from kg.store.oxigraph import CURRENT, open_read_only, run_query, timed_out

READY = "ready"
"""What a worker sends once it has opened the database and waits for tasks."""


def _watch_parent(parent: int) -> None:
    """End this worker once its parent is gone, even in the middle of a query."""
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)


def _limit_memory(mib: int | None) -> None:
    """Cap this process's address space: an allocation past it fails and ends the worker."""
    if mib is not None:
        limit = mib * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _serve(conn: Connection, parent: int, path: str | None, memory: int | None = None) -> None:
    """A worker's life: open the database, then answer tasks until the pipe closes."""
    sandbox.install(whole_process=True)  # first: no thread of this process may open a network socket
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    _limit_memory(memory)
    opened: tuple[str, ox.Store] | None = None
    if path is not None:
        with contextlib.suppress(KgError):  # warm up; a failure shows again on the first task
            opened = (path, open_read_only(Path(path)))
    conn.send((READY, None))
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
        except MemoryError:
            reply = ("error", QueryError("the query needed more memory than a query process may use"))
        except Exception as exc:
            reply = ("error", QueryError(f"the query failed: {exc}"))
        conn.send(reply)


@dataclass(eq=False)
class _Worker:
    process: BaseProcess
    conn: Connection
    ready: bool = False  # its READY message has been read
    long: bool = False  # it runs a query past the short-query time


class QueryPool:
    """``size`` + ``reserve`` worker processes answering queries on the store under ``root``;
    at most ``size`` run long queries at once (see the module docstring); thread-safe."""

    def __init__(
        self,
        root: str | os.PathLike[str],
        size: int = 2,
        *,
        reserve: int = 0,
        fairness: Fairness | None = None,
        memory: int | None = None,
    ) -> None:
        if size < 1 or reserve < 0:
            raise ValueError("a query pool needs at least one worker")
        self.root = Path(root)
        self.size = size
        self.reserve = reserve
        self.memory = memory
        self.ledger = Ledger(fairness)
        self._context = multiprocessing.get_context("spawn")
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._idle: list[_Worker] = []
        self._workers: list[_Worker] = []
        self._long = 0
        self._reapers: list[threading.Thread] = []  # replacing killed workers (see _settle)
        self._closed = False
        for _ in range(size + reserve):
            self._idle.append(self._start())

    def query(
        self,
        sparql: str,
        bindings: Mapping[str, RdfTerm] | None = None,
        *,
        timeout: float | None = None,
        max_rows: int | None = None,
        dataset: Dataset | None = None,
    ) -> QueryResult:
        """Run one query in a worker; raise QueryTimeout if no answer comes within ``timeout`` s,
        TooManyRequests if the client acting (:func:`kg.store.clients.current`) is over its share."""
        deadline = None if timeout is None else time.monotonic() + timeout  # waits count too
        client = clients.current()
        self.ledger.admit(client, timeout)
        try:
            return self._query(client, (sparql, dict(bindings or {}), max_rows, dataset), deadline, timeout)
        finally:
            self.ledger.release(client)

    def _query(
        self, client: Client | None, task: tuple[object, ...], deadline: float | None, timeout: float | None
    ) -> QueryResult:
        path = self._current()
        if path is None:
            raise StoreError(f"no graph has been built in {self.root} yet", hint="run 'kg build' first")
        left = None if deadline is None else max(0.0, deadline - time.monotonic())
        worker = self._take(left, heavy=self.ledger.heavy(client), limit=timeout)
        healthy = sent = False
        try:
            if not self._await_ready(worker, deadline):
                healthy = True  # still starting when the time ran out, and given nothing: it goes back
                raise timed_out(timeout or 0)
            worker.conn.send((path, *task))
            sent = True
            status, payload = self._answer(worker, client, deadline, timeout)
            healthy = True
        except (EOFError, OSError):
            if sent:  # the query ended its worker (a worker that ended while starting is no one's)
                self.ledger.lost_worker(client)
            raise QueryError(
                "the query process ended without an answer (a query that needs more memory than "
                "KG_WORKER_MEMORY ends it)",
                hint="retry; it has been replaced",
            ) from None
        except QueryTimeout:
            if sent:  # its worker is killed and must be started again
                self.ledger.lost_worker(client)
            raise
        finally:
            self._settle(worker, healthy)
        if status == "error":
            raise payload  # type: ignore[misc]
        return payload  # type: ignore[return-value]

    def _answer(
        self, worker: _Worker, client: Client | None, deadline: float | None, timeout: float | None
    ) -> tuple[str, object]:
        """The (ready) worker's reply; past the short-query time the query must win a long slot or stop."""
        short = time.monotonic() + self.ledger.fairness.short
        if deadline is not None and deadline <= short:
            reply = self._reply(worker, deadline)
        else:
            reply = self._reply(worker, short)
            if reply is None:
                self.ledger.ran_long(client)
                self._grow_long(worker)
                reply = self._reply(worker, deadline)
        if reply is None:
            raise timed_out(timeout or 0)
        return reply

    def _grow_long(self, worker: _Worker) -> None:
        """Count the worker's query as long, or stop it when ``size`` long ones already run."""
        with self._lock:
            if self._long >= self.size:
                raise QueryTimeout(
                    f"the query ran past {self.ledger.fairness.short:g} s while all {self.size} query processes "
                    "for long queries were busy, and was stopped",
                    hint="retry in a moment, or narrow it (LIMIT, more specific patterns)",
                )
            self._long += 1
            worker.long = True

    @staticmethod
    def _await_ready(worker: _Worker, until: float | None) -> bool:
        """Whether the worker has opened the database and waits for a task, by ``until`` at the latest."""
        if not worker.ready and worker.conn.poll(None if until is None else max(0.0, until - time.monotonic())):
            status, _ = worker.conn.recv()  # EOFError if it ended while starting
            worker.ready = status == READY
        return worker.ready

    @staticmethod
    def _reply(worker: _Worker, until: float | None) -> tuple[str, object] | None:
        """The worker's next answer (its READY message passed over), or None if ``until`` passes first."""
        while True:
            if not worker.conn.poll(None if until is None else max(0.0, until - time.monotonic())):
                return None
            status, payload = worker.conn.recv()
            if status != READY:
                return status, payload
            worker.ready = True

    def close(self) -> None:
        """End every worker; a query still running in one fails, and later queries are refused."""
        with self._lock:
            self._closed = True
            workers, self._workers = self._workers, []
            idle, self._idle = self._idle, []
            reapers, self._reapers = self._reapers, []
            self._changed.notify_all()  # wakes, and refuses, any thread still waiting for a worker
        for worker in workers:
            worker.process.kill()
            worker.process.join()
        for reaper in reapers:
            reaper.join()
        for worker in idle:
            worker.conn.close()

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
        args = (theirs, os.getpid(), self._current(), self.memory)
        process = self._context.Process(target=_serve, args=args, daemon=True, name="kg-query")
        process.start()
        theirs.close()
        worker = _Worker(process, mine)
        self._workers.append(worker)
        return worker

    def _take(self, timeout: float | None, *, heavy: bool, limit: float | None = None) -> _Worker:
        """An idle worker; a ``heavy`` client leaves ``reserve`` of them alone, and the warm ones if it can."""
        keep = self.reserve if heavy else 0
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._changed:
            while not self._closed and len(self._idle) <= keep:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    raise QueryTimeout(
                        f"all {self.size} query processes stayed busy for {limit or timeout:g} s",
                        hint="retry in a moment, or raise the number of query processes",
                    )
                self._changed.wait(left)
            if self._closed:
                raise StoreError("the query pool is closed", hint="open the store again")
            for worker in list(self._idle):
                try:
                    self._await_ready(worker, time.monotonic())
                except (EOFError, OSError):  # it ended while starting (e.g. out of memory): start another
                    self._idle.remove(worker)
                    self._workers.remove(worker)
                    worker.conn.close()
                    worker.process.join()
                    self._idle.append(self._start())
            # a short query takes a warm worker; a heavy client takes a starting one if it can,
            # leaving the warm ones to the short queries that come after it
            worker = next((w for w in self._idle if w.ready != heavy), self._idle[0])
            self._idle.remove(worker)
            return worker

    def _settle(self, worker: _Worker, healthy: bool) -> None:
        """Give a worker back after its query, or kill one that overran or broke: the kill now,
        the rest in the background (:meth:`_reap`), so that the caller's answer waits neither for
        the dead worker to be reaped (up to a second when it held much memory) nor for the new one."""
        if not healthy:
            worker.process.kill()
        with self._changed:
            if worker.long:
                worker.long = False
                self._long -= 1
            if not healthy:
                reaper = threading.Thread(target=self._reap, args=(worker,), daemon=True, name="kg-query-reaper")
                self._reapers = [r for r in self._reapers if r.is_alive()] + [reaper]
                reaper.start()
                return
            if self._closed:
                worker.conn.close()
            else:
                self._idle.append(worker)
            self._changed.notify_all()  # a waiter that may not take a reserved worker must not swallow it

    def _reap(self, worker: _Worker) -> None:
        """Wait for a killed worker to end, then start a fresh one in its place."""
        worker.process.join()
        worker.conn.close()
        with self._changed:
            if worker in self._workers:
                self._workers.remove(worker)
            if not self._closed:
                self._idle.append(self._start())
            self._changed.notify_all()
