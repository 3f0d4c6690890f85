"""Budgets for the requests whose work runs in the server process itself — ``POST /validate`` and
``/reconcile`` parse, check and score in Python, not in a query worker that can be killed.

Each such request has a size budget and a time budget, smaller without a token
(``KG_ANON_BODY`` bytes, ``KG_ANON_SECONDS``) than with one (``KG_MAX_BODY``, ``KG_TOKEN_SECONDS``):

- a body over its size budget is refused (413) before it is read;
- the work runs on one of ``KG_HEAVY_REQUESTS`` threads of its own, and as many requests again
  may wait for one; a request beyond those is refused at once (429, Retry-After), so such
  requests can never take every thread of the server from the cheap ones;
- a request whose answer is not ready within its time budget (waiting included) is answered 503.
  Work that has not started is dropped; work that has cannot be interrupted, and runs to its end
  on its thread (its answer discarded — validation and reconciliation store nothing), which stays
  taken meanwhile: that is what bounds the CPU such requests can take.
"""

from __future__ import annotations

import concurrent.futures
import contextvars
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from flask import request

from kg import tokens
from kg.config import Settings
from kg.errors import OverTime, TooManyRequests
from kg.submissions import TooLarge

T = TypeVar("T")


@dataclass(frozen=True)
class Budget:
    """What one request may use: body bytes and seconds; ``anonymous`` when it carried no valid token."""

    bytes: int
    seconds: float
    anonymous: bool


class Workshop:
    """The threads that validation and reconciliation run on, with their budgets (one per app)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._threads = concurrent.futures.ThreadPoolExecutor(settings.heavy_requests, thread_name_prefix="kg-work")
        self._places = threading.BoundedSemaphore(2 * settings.heavy_requests)  # running or waiting

    def budget(self) -> Budget:
        """The current request's budget: a token holder's, or the anonymous one."""
        header = request.headers.get("Authorization", "")
        token = header[len("Bearer ") :].strip() if header.startswith("Bearer ") else ""
        if token and tokens.holder(self.settings.tokens, token) is not None:
            return Budget(self.settings.max_body, self.settings.token_seconds, anonymous=False)
        return Budget(self.settings.anon_body, self.settings.anon_seconds, anonymous=True)

    def check_size(self, budget: Budget, size: int | None = None) -> None:
        """Refuse (413) a request whose body — or ``size``, a parameter's length — is over the budget."""
        found = size if size is not None else request.content_length
        request.max_content_length = budget.bytes  # a body without Content-Length stops there too
        if found is not None and found > budget.bytes:
            setting = "KG_ANON_BODY; a write token allows KG_MAX_BODY" if budget.anonymous else "KG_MAX_BODY"
            raise TooLarge(
                f"{found:,} bytes is over the limit of {budget.bytes:,} for this request ({setting})",
                hint="send less at once (split the document or the batch)",
            )

    def run(self, work: Callable[[], T], budget: Budget, what: str) -> T:
        """``work()``'s result, within the budget's time; 429 when every place is taken, 503 past it."""
        if not self._places.acquire(blocking=False):
            raise TooManyRequests(
                f"{2 * self.settings.heavy_requests} validations and reconciliations are already running or waiting",
                retry_after=max(1.0, budget.seconds / 2),
                hint="retry in a moment (KG_HEAVY_REQUESTS)",
            )
        future = self._threads.submit(contextvars.copy_context().run, work)
        future.add_done_callback(lambda _: self._places.release())
        try:
            return future.result(timeout=budget.seconds)
        except concurrent.futures.TimeoutError:
            future.cancel()  # dropped if it has not started; else it runs out on its thread
            setting = (
                "KG_ANON_SECONDS; a write token allows KG_TOKEN_SECONDS" if budget.anonymous else "KG_TOKEN_SECONDS"
            )
            raise OverTime(
                f"{what} took longer than the {budget.seconds:g} s this request may take ({setting}), and was given up",
                hint="send less at once (split the document or the batch)",
            ) from None

    def close(self) -> None:
        self._threads.shutdown(wait=False, cancel_futures=True)
