"""Who is asking, and what each client may still have from the query pool: the ledger that keeps a
few clients from starving the others (:class:`~kg.store.pool.QueryPool` consults it).

A :class:`Client` is what the web layer makes of each request — the token holder when the request
carries a valid token, else its remote address — and sets for the request with :func:`acting_for`;
queries made with no client named (the CLI, a test) are never refused. For each client the ledger
keeps:

- how many of its queries are running: one past :attr:`Fairness.per_client` waits for one of them
  to end (within its own time limit) before it may wait for a worker, and one past twice as many
  waiting is refused (429), so one client cannot hold every worker (token holders are trusted:
  no such limit);
- when one of its queries last ran past :attr:`Fairness.short` seconds: for :attr:`Fairness.heavy_for`
  seconds after that, its queries may not take the workers kept for short queries (the reserved lane);
- the workers it cost (a query that crashed its worker, or ran out of time and had it killed):
  after :attr:`Fairness.losses` of them within :attr:`Fairness.window` seconds it is refused (429
  with ``Retry-After``) for 2, 4, 8 … seconds (at most :attr:`Fairness.max_backoff`), since every
  lost worker must be started again at everyone's expense.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from kg.config import Settings
from kg.errors import QueryTimeout, TooManyRequests


@dataclass(frozen=True)
class Client:
    """Who a request is from: a ``name`` the ledger counts by; ``trusted`` for a token holder,
    whose queries are never held to the per-client limit (only to the back-off after lost workers)."""

    name: str
    trusted: bool = False


_CLIENT: ContextVar[Client | None] = ContextVar("kg_client", default=None)
"""The client the current request acts for (None when none is named); per thread and request."""


@contextmanager
def acting_for(client: Client) -> Iterator[None]:
    """Attribute every query made inside the block to ``client``."""
    token = _CLIENT.set(client)
    try:
        yield
    finally:
        _CLIENT.reset(token)


def current() -> Client | None:
    """The client the running code acts for (None when none is named)."""
    return _CLIENT.get()


@dataclass(frozen=True)
class Fairness:
    """How the query pool shares its workers (see the module docstring)."""

    per_client: int = 2
    short: float = 1.0
    heavy_for: float = 30.0
    losses: int = 3
    window: float = 60.0
    max_backoff: float = 60.0

    @classmethod
    def of(cls, settings: Settings) -> Fairness:
        return cls(per_client=settings.client_queries, short=settings.short_query)


@dataclass
class _Record:
    running: int = 0
    waiting: int = 0
    long_at: float = -math.inf
    lost: deque[float] = field(default_factory=deque)
    refused_until: float = -math.inf


class Ledger:
    """Per-client counts of running queries, long queries and lost workers; thread-safe."""

    def __init__(self, fairness: Fairness | None = None) -> None:
        self.fairness = fairness or Fairness()
        self._lock = threading.Lock()
        self._freed = threading.Condition(self._lock)  # a client's running query has ended
        self._records: dict[str, _Record] = {}

    def admit(self, client: Client | None, timeout: float | None) -> None:
        """Count one more running query of ``client``, waiting (at most ``timeout`` s) while it
        has its share running; TooManyRequests (429) when it is refused or too many wait."""
        if client is None:
            return
        share = self.fairness.per_client
        with self._freed:
            record = self._records.setdefault(client.name, _Record())
            self._refuse_if_backing_off(record)
            if not client.trusted and record.running >= share and record.waiting >= 2 * share:
                raise TooManyRequests(
                    f"you already have {record.running} queries running and {record.waiting} waiting "
                    f"(at most {share} run at once)",
                    retry_after=1.0,
                    hint="wait for an answer before sending the next query (KG_CLIENT_QUERIES)",
                )
            record.waiting += 1
            try:
                end = None if timeout is None else time.monotonic() + timeout
                while not client.trusted and record.running >= share:
                    left = None if end is None else end - time.monotonic()
                    if left is not None and left <= 0:
                        raise QueryTimeout(
                            f"your other {record.running} queries kept this one waiting for {timeout:g} s",
                            hint="wait for an answer before sending the next query (KG_CLIENT_QUERIES)",
                        )
                    self._freed.wait(left)
            finally:
                record.waiting -= 1
            record.running += 1

    def _refuse_if_backing_off(self, record: _Record) -> None:
        wait = record.refused_until - time.monotonic()
        if wait > 0:
            raise TooManyRequests(
                f"your recent queries stopped {len(record.lost)} query processes "
                f"(they crashed or ran out of time); wait {math.ceil(wait)} s",
                retry_after=wait,
                hint="narrow the query (LIMIT, more specific patterns) before sending it again",
            )

    def release(self, client: Client | None) -> None:
        """One query of ``client`` has ended."""
        if client is None:
            return
        with self._freed:
            record = self._records.get(client.name)
            if record is not None:
                record.running -= 1
                self._freed.notify_all()
            self._forget_old(time.monotonic())

    def heavy(self, client: Client | None) -> bool:
        """Whether ``client`` ran a long query lately (then it may not use the reserved lane)."""
        if client is None:
            return False
        with self._lock:
            record = self._records.get(client.name)
            return record is not None and time.monotonic() - record.long_at < self.fairness.heavy_for

    def ran_long(self, client: Client | None) -> None:
        """A query of ``client`` has run past the short-query time."""
        if client is not None:
            with self._lock:
                self._records.setdefault(client.name, _Record()).long_at = time.monotonic()

    def lost_worker(self, client: Client | None) -> None:
        """A query of ``client`` cost a worker (it crashed, or was killed at its time limit)."""
        if client is None:
            return
        now = time.monotonic()
        with self._lock:
            record = self._records.setdefault(client.name, _Record())
            record.lost.append(now)
            while record.lost and now - record.lost[0] > self.fairness.window:
                record.lost.popleft()
            over = len(record.lost) - self.fairness.losses
            if over >= 0:
                record.refused_until = now + min(self.fairness.max_backoff, 2.0 ** (over + 1))

    def _forget_old(self, now: float) -> None:
        """Drop the records that no longer hold anything (idle, not heavy, nothing lost lately)."""
        if len(self._records) < 256:
            return
        quiet = [
            name
            for name, r in self._records.items()
            if r.running == 0
            and r.waiting == 0
            and now - r.long_at >= self.fairness.heavy_for
            and r.refused_until <= now
            and (not r.lost or now - r.lost[-1] > self.fairness.window)
        ]
        for name in quiet:
            del self._records[name]
