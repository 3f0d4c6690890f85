"""The embedded store: Oxigraph (pyoxigraph) on disk, nothing to install or start.

Layout of the ``KG_STORE`` folder::

    var/store/
      current -> db-20261121T232501-4711     (a symlink, replaced atomically)
      db-20261121T232501-4711/               (a complete RocksDB database)

A rebuild loads everything into a new ``db-*`` folder beside the current one and then
renames a new symlink over ``current`` — one atomic ``rename(2)`` — so a reader sees the old
dataset or the new one, never a mixture, and a crash mid-build leaves the old one in place.

Writes (``update``, ``apply``) are copy-on-write: under the write lock the current database
is backed up into a new ``db-*`` folder (hard links, so cheap), the change is applied there and
``current`` is swapped to it the same way. The previous database is kept for readers that may
still have it open; older ones are removed.

Queries with a time limit run in another process that opens the database read-only and is
killed when it overruns, since pyoxigraph cannot cancel a running query: a warm
:class:`~kg.store.pool.QueryPool` for a server, or one forked child per query for the CLI.

No query or update can reach the network: SERVICE and LOAD are refused by the parsed structure in
front of every backend (:class:`~kg.store.policy.Guarded`), and every evaluation here runs where
``socket()`` fails for anything but AF_UNIX (:mod:`kg.store.sandbox`: pool workers and forked
children on their whole process; updates and untimed queries on a thread that filters itself).
"""

from __future__ import annotations

import fcntl
import logging
import os
import shutil
import threading
import time
import traceback
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox
from rdflib import Graph, URIRef

from kg.errors import StoreError
from kg.store import oxigraph, sandbox
from kg.store.base import Dataset, Derive, Quads, QueryResult, RdfTerm, StoreInfo
from kg.store.child import query_in_child
from kg.store.oxigraph import CURRENT, open_read_only, quads_of, run_query, run_update

if TYPE_CHECKING:
    from kg.store.pool import QueryPool

LOG = logging.getLogger("kg.store")


def derived(db: ox.Store, derive: Derive | None) -> None:
    """Make what ``derive`` gives on ``db``, the write's new database, before it is swapped in:
    ``derive`` reads ``db`` through a query-only view, so it sees the write's own change and
    nothing else. All of it runs on one sandboxed thread (its queries too, not one thread each)."""
    if derive is not None:
        sandbox.run_sandboxed(_derive_on, db, derive)


def _derive_on(db: ox.Store, derive: Derive) -> None:
    found = derive(EmbeddedStore(None, db))
    if found.update:
        run_update(db, found.update)
    for iri, graph in found.add:
        db.extend(quads_of(iri, graph))


class EmbeddedStore:
    """An on-disk (or, for tests, in-memory) Oxigraph dataset."""

    def __init__(
        self, root: Path | None, store: ox.Store, pool: QueryPool | None = None, *, write_wait: float = 60.0
    ) -> None:
        self.root = root
        self._store = store
        self._opened = self.path  # the database self._store holds, if any
        self._pool = pool
        self.write_wait = write_wait  # seconds a writer waits for the lock (KG_WRITE_WAIT)
        self._writing = threading.RLock()  # threads of this process wait for each other
        self._held = 0  # how deep the thread holding _writing is in exclusive()
        self.sandbox = sandbox.available()  # None when evaluation cannot reach the network, else why not
        if self.sandbox is not None:
            LOG.warning(sandbox.UNAVAILABLE.format(self.sandbox))

    @classmethod
    def open(
        cls,
        location: str | os.PathLike[str] | None,
        *,
        create: bool = False,
        read_only: bool = True,
        pool_size: int = 0,
        write_wait: float = 60.0,
        pool: Mapping[str, Any] | None = None,
    ) -> EmbeddedStore:
        """Open the current database under ``location``; ``None`` is a fresh in-memory store.

        With ``pool_size`` > 0, timed queries go to that many warm worker processes (for a
        server) instead of one forked child per query (for the CLI); ``pool`` holds the
        :class:`~kg.store.pool.QueryPool`'s other options (``reserve``, ``fairness``, ``memory``).
        """
        if location is None:
            return cls(None, ox.Store(), write_wait=write_wait)
        root = Path(location)
        current = root / CURRENT
        if not current.exists():
            if not create:
                raise StoreError(
                    f"no graph has been built in {root} yet",
                    hint="run 'kg build' first, or point KG_STORE at a built store",
                )
            store = ox.Store()  # nothing on disk until the first write
        elif read_only:
            store = open_read_only(current.resolve())
        else:
            try:
                store = ox.Store(str(current.resolve()))
            except OSError as exc:
                raise StoreError(
                    f"cannot open the store at {current}: {exc}", hint="rebuild it with 'kg build'"
                ) from None
        if not pool_size:
            return cls(root, store, write_wait=write_wait)
        from kg.store.pool import QueryPool

        return cls(root, store, QueryPool(root, pool_size, **(pool or {})), write_wait=write_wait)

    def version(self) -> str | None:
        """The name of the current database, which every write replaces (None in memory)."""
        path = self.path
        return str(path) if path is not None else None

    @property
    def path(self) -> Path | None:
        return (self.root / CURRENT).resolve() if self.root and (self.root / CURRENT).exists() else None

    # ----------------------------------------------------------------- reading

    def query(
        self,
        sparql: str,
        bindings: Mapping[str, RdfTerm] | None = None,
        *,
        timeout: float | None = None,
        max_rows: int | None = None,
        dataset: Dataset | None = None,
    ) -> QueryResult:
        if not timeout or self.path is None:
            return sandbox.run_sandboxed(run_query, self._reader(), sparql, bindings, max_rows, dataset)
        if self._pool is not None:
            return self._pool.query(sparql, bindings, timeout=timeout, max_rows=max_rows, dataset=dataset)
        return query_in_child(str(self.path), sparql, bindings, timeout, max_rows, dataset)

    def _reader(self) -> ox.Store:
        """The open database, reopened first if ``current`` has moved (another process wrote)."""
        path = self.path
        if path is not None and path != self._opened:
            self._store, self._opened = open_read_only(path), path
        return self._store

    def info(self) -> StoreInfo:
        store = self._reader()
        graphs = tuple(sorted(g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode)))
        return StoreInfo(str(self.path or "memory"), len(store), graphs)

    def export(self, fmt: str) -> bytes:
        return oxigraph.export(self._reader(), fmt)

    def checksum(self) -> str:
        return oxigraph.checksum(self._reader())

    # ----------------------------------------------------------------- writing

    def replace_all(
        self, graphs: Iterable[tuple[URIRef, Graph | Quads]], *, keep: Sequence[str] = (), drop: Collection[str] = ()
    ) -> None:
        """Load the graphs into a new, empty database beside the current one, then swap atomically.

        Graphs whose names start with one of ``keep`` are copied over from the current database as
        they are (a given graph of the same name merges into one), except those named in ``drop``;
        the copy is made under the write lock, so no write in between is lost.
        """

        def load(db: ox.Store) -> None:
            kept = self._kept_quads(keep, drop)  # read before an in-memory store is cleared
            db.clear()  # only an in-memory store has anything to clear
            # one bulk load for everything: each call writes and ingests its own files, so one
            # call per graph costs ~80 ms a graph, hundreds of times in a build
            db.bulk_extend(chain(chain.from_iterable(quads_of(iri, graph) for iri, graph in graphs), kept))
            db.flush()
            db.optimize()

        self._write(load, copy_current=False)

    def replace_quads(self, quads: Iterable[Any]) -> None:
        """Replace the whole dataset with these pyoxigraph quads, as one atomic write (the remote
        store's snapshot, for queries it evaluates itself)."""
        self._write(lambda db: db.bulk_extend(quads), copy_current=False)

    def _kept_quads(self, keep: Sequence[str], drop: Collection[str]) -> list[Any]:
        if not keep or (self.root is not None and self.path is None):
            return []
        reader = self._reader()
        names = [g for g in reader.named_graphs() if isinstance(g, ox.NamedNode)]
        kept = [g for g in names if g.value.startswith(tuple(keep)) and g.value not in drop]
        return [q for g in kept for q in reader.quads_for_pattern(None, None, None, g)]

    def update(self, sparql_update: str, *, derive: Derive | None = None) -> None:
        """Run a SPARQL Update as one atomic write (LOAD and SERVICE are refused in front of every
        store, by :class:`~kg.store.policy.Guarded`; here the sandbox keeps the engine off the network).

        Updates see the default graph as it is (empty in kg), not the union that queries see:
        to touch the data, name its graph (``GRAPH ?g { … }``, ``WITH <g>``).
        """

        def change(db: ox.Store) -> None:
            sandbox.run_sandboxed(run_update, db, sparql_update)
            derived(db, derive)

        self._write(change)

    def apply(
        self, add: Iterable[tuple[URIRef, Graph]] = (), drop_graphs: Iterable[str] = (), *, derive: Derive | None = None
    ) -> None:
        """Drop these named graphs, then add these ones, as one atomic write.

        To replace a graph, name it in both. Adding to a graph that exists merges into it.
        """

        def change(db: ox.Store) -> None:
            for iri in drop_graphs:
                db.remove_graph(ox.NamedNode(str(iri)))
            for iri, graph in add:
                db.extend(quads_of(iri, graph))
            derived(db, derive)

        self._write(change)

    def _write(self, change: Callable[[ox.Store], None], *, copy_current: bool = True) -> None:
        if self.root is None:  # in memory: nothing to swap (pyoxigraph's update is atomic by itself)
            with self.exclusive():
                change(self._store)
            return
        with self.exclusive():
            self._commit(change, copy_current=copy_current)

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """Hold the write lock: one writer at a time, across threads and processes.

        A writer that finds it held waits, up to ``write_wait`` seconds (KG_WRITE_WAIT), then fails
        saying so, having changed nothing. Re-entrant: writes made inside it by the same thread go
        through, so a rebuild can read, check and swap with no other write falling in between.
        """
        deadline = time.monotonic() + self.write_wait
        if not self._writing.acquire(timeout=self.write_wait):
            raise self._busy("another thread of this process")
        try:
            if self._held == 0 and self.root is not None:
                with self._file_lock(deadline):
                    self._held += 1
                    try:
                        yield
                    finally:
                        self._held -= 1
            else:
                self._held += 1
                try:
                    yield
                finally:
                    self._held -= 1
        finally:
            self._writing.release()

    @contextmanager
    def _file_lock(self, deadline: float) -> Iterator[None]:
        """The lock between processes: an flock on ``.write.lock``, waited for until ``deadline``."""
        assert self.root is not None
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / ".write.lock", "w") as handle:
            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise self._busy("another process (a kg build?)") from None
                    time.sleep(0.02)
            yield

    def _busy(self, who: str) -> StoreError:
        return StoreError(
            f"{who} has been writing the store at {self.root or 'memory'} for over {self.write_wait:g} s; "
            "this write waited that long and was not made",
            hint="retry when the other write (e.g. kg build) has finished, or raise KG_WRITE_WAIT",
        )

    def _commit(self, change: Callable[[ox.Store], None], *, copy_current: bool) -> None:
        """Make a new database (empty, or a copy of the current one), change it, swap ``current``
        to it. Runs under the write lock; on failure the new folder goes and nothing else moved."""
        assert self.root is not None
        current = self.root / CURRENT
        previous = os.readlink(current) if current.is_symlink() else None
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        target = self.root / f"db-{stamp}-{os.getpid()}"
        fresh: ox.Store | None = None
        try:
            if copy_current and previous is not None:
                # A RocksDB checkpoint: its immutable files are hard-linked, not copied. Measured
                # at 10^5 quads (38 MB): backup() ≈ 1 ms (median of 20). A whole one-triple
                # update() takes ≈ 85 ms, spent opening the copy read-write, flushing it and
                # reopening it read-only, not copying.
                self._reader().backup(str(target))
            fresh = ox.Store(str(target))
            change(fresh)
            fresh.flush()
            fresh = None  # closed before any reader opens it
            link = self.root / f"{CURRENT}.{os.getpid()}.tmp"
            link.unlink(missing_ok=True)
            link.symlink_to(target.name)
            os.replace(link, current)  # the atomic step
        except BaseException as exc:
            # Let go of the half-made database first (the traceback's frames hold it), so that
            # RocksDB closes it and cannot write into the folder while it is being removed.
            traceback.clear_frames(exc.__traceback__)
            del fresh
            shutil.rmtree(target, ignore_errors=True)
            raise
        self._store, self._opened = open_read_only(target), target.resolve()
        self._remove_old(keep={target.name, previous})

    def _remove_old(self, keep: Collection[str | None]) -> None:
        """Remove every database but the new one and the one before it.

        The one before stays because readers may still have it open: a query (in this process, a
        pool worker or another process) that started before the swap, or another process's store
        that has not looked at ``current`` since. Removing it under them could fail their reads,
        since RocksDB may open its files lazily; every reader here reopens on its next call, so one
        generation of grace is enough. Costly only after a rebuild: a write's copy shares its files
        with the one before through hard links. Older ones, and any left by a crash, go.
        """
        for old in self.root.glob("db-*") if self.root else ():
            if old.name not in keep:
                shutil.rmtree(old, ignore_errors=True)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
        del self._store
        self._store = ox.Store()
        self._opened = None
