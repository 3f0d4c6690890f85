"""One forked child per timed query, for the CLI (a server keeps warm workers: :mod:`kg.store.pool`).

pyoxigraph cannot cancel a running query, so a query with a time limit runs in a child that opens
the database read-only, under the network sandbox, and is killed when it overruns.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import warnings
from multiprocessing.connection import Connection
from typing import Any

import pyoxigraph as ox

from kg.errors import QueryError
from kg.store import sandbox
from kg.store.base import Dataset, QueryResult
from kg.store.oxigraph import run_query, timed_out


def _child(
    path: str, sparql: str, bindings: Any, max_rows: int | None, dataset: Dataset | None, conn: Connection
) -> None:
    # The child lives for one query and ends with os._exit: it must not collect garbage copied
    # from the parent (pyoxigraph objects of other threads, the parent's open databases), whose
    # destructors abort outside the thread or process that made them.
    gc.disable()
    try:
        sandbox.install(whole_process=True)  # why it could not be is logged when the store opens
        conn.send(("ok", run_query(ox.Store.read_only(path), sparql, bindings, max_rows, dataset)))
    except BaseException as exc:
        conn.send(("error", exc if isinstance(exc, QueryError) else QueryError(f"the query failed: {exc}")))
    finally:
        conn.close()
        os._exit(0)


def query_in_child(
    path: str, sparql: str, bindings: Any, timeout: float, max_rows: int | None, dataset: Dataset | None
) -> QueryResult:
    """Run one timed query in a forked child, killed if it overruns ``timeout``."""
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(path, sparql, bindings, max_rows, dataset, sender), daemon=True)
    with warnings.catch_warnings():
        # Python 3.12+ warns that forking a threaded process may deadlock; the child only opens
        # its own read-only database and never touches the parent's RocksDB threads or locks.
        warnings.simplefilter("ignore", DeprecationWarning)
        child.start()
    sender.close()
    try:
        if not receiver.poll(timeout):
            raise timed_out(timeout)
        status, payload = receiver.recv()
    except EOFError:
        raise QueryError("the query process ended without an answer") from None
    finally:
        if child.is_alive():
            child.kill()
        child.join()
        receiver.close()
    if status == "error":
        raise payload
    return payload  # type: ignore[no-any-return]
