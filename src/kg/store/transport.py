"""HTTP to a SPARQL server: one request with a deadline, bounded retries, and errors in kg's terms.

The remote store's only seam to the network (the standard library's ``urllib``, no client
library): :meth:`Transport.send` makes one request and gives back its body, or raises::

    connection refused, reset, DNS failure    StoreError naming the URL (after the retries of a read)
    no answer within the time limit           QueryTimeout for a read; StoreError for a write, which may
                                              or may not have been applied
    401 / 403                                 StoreError: the server refused the credentials (KG_STORE_AUTH)
    400 (and 500 for an update)               QueryError with the server's own message
    404, 405, other 4xx and 5xx               StoreError naming the URL and the status

Only reads are retried (``idempotent=True``), and writes only when the connection was refused
before anything was sent; at most ``retries`` times, waiting 0.2 s, 0.4 s, 0.8 s … between tries.
The Authorization header is sent as given and never appears in a message.
"""

from __future__ import annotations

import socket
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from kg.errors import KgError, QueryError, QueryTimeout, StoreError

BACKOFF = 0.2
"""Seconds before the first retry; doubled for each next one."""
CHUNK = 1 << 16


def redacted(url: str) -> str:
    """The URL without any user:password@ it carries, for messages."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    return urlunsplit(parts._replace(netloc=host + (f":{parts.port}" if parts.port else "")))


@dataclass(frozen=True)
class Reply:
    body: bytes
    content_type: str


class Transport:
    """Requests to one server, with its credentials, time limits and retry policy; thread-safe."""

    def __init__(self, auth: str = "", retries: int = 2) -> None:
        self._auth = auth
        self.retries = retries

    def send(
        self,
        url: str,
        *,
        data: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float,
        idempotent: bool,
        what: str = "request",
        method: str | None = None,
    ) -> Reply:
        """One request; ``timeout`` bounds the whole exchange (all tries), not each socket read."""
        deadline = time.monotonic() + timeout
        attempt = 0
        while True:
            try:
                return self._once(url, data, headers or {}, deadline, timeout, idempotent, what, method)
            except _Retryable as retry:
                attempt += 1
                wait = BACKOFF * 2 ** (attempt - 1)
                if (
                    attempt > self.retries
                    or not (idempotent or retry.nothing_sent)
                    or time.monotonic() + wait > deadline
                ):
                    raise retry.error from None
                time.sleep(wait)

    def _once(
        self,
        url: str,
        data: bytes | None,
        headers: Mapping[str, str],
        deadline: float,
        timeout: float,
        idempotent: bool,
        what: str,
        method: str | None,
    ) -> Reply:
        request = urllib.request.Request(url, data=data, headers=dict(headers), method=method)
        if self._auth:
            request.add_unredirected_header("Authorization", self._auth)
        where = redacted(url)
        try:
            with urllib.request.urlopen(request, timeout=max(0.001, deadline - time.monotonic())) as response:
                body = _read_until(response, deadline)
                return Reply(body, response.headers.get_content_type())
        except urllib.error.HTTPError as exc:
            raise _http_error(exc, where, what) from None
        except TimeoutError:
            raise _timed_out(where, what, timeout, idempotent) from None
        except (urllib.error.URLError, ConnectionError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            if isinstance(reason, TimeoutError):
                raise _timed_out(where, what, timeout, idempotent) from None
            error = StoreError(
                f"cannot reach the store at {where}: {reason}",
                hint="start the SPARQL server, or check KG_STORE (and KG_STORE_UPDATE, KG_STORE_GSP)",
            )
            raise _Retryable(error, nothing_sent=isinstance(reason, ConnectionRefusedError | socket.gaierror)) from None


class _Retryable(Exception):
    def __init__(self, error: KgError, *, nothing_sent: bool) -> None:
        super().__init__(str(error))
        self.error = error
        self.nothing_sent = nothing_sent


def _read_until(response: object, deadline: float) -> bytes:
    """The whole body, or a timeout if the server is still sending it at the deadline."""
    parts = []
    while chunk := response.read(CHUNK):  # type: ignore[attr-defined]
        parts.append(chunk)
        if time.monotonic() > deadline:
            raise TimeoutError
    return b"".join(parts)


def _timed_out(where: str, what: str, timeout: float, idempotent: bool) -> KgError:
    if idempotent:
        return QueryTimeout(
            f"the {what} to {where} ran longer than {timeout:g} s and was abandoned",
            hint="narrow it (LIMIT, more specific patterns) or raise KG_QUERY_TIMEOUT; "
            "set the server's own query timeout too, so that it stops working on it",
        )
    return StoreError(
        f"the {what} to {where} got no answer within {timeout:g} s; the server may still apply it",
        hint="check the store (kg query summary), then retry; raise KG_STORE_TIMEOUT for large loads",
    )


def _http_error(exc: urllib.error.HTTPError, where: str, what: str) -> KgError:
    try:
        detail = exc.read(2000).decode("utf-8", "replace").strip()
    except OSError:
        detail = ""
    finally:
        exc.close()
    detail = " ".join(detail.split()).split(" SPARQL query:")[0][:500]  # Virtuoso echoes the whole query
    said = f": {detail}" if detail else ""
    if exc.code in (401, 403):
        return StoreError(
            f"the store at {where} refused the {what} ({exc.code} {exc.reason})",
            hint="check KG_STORE_AUTH (the Authorization header kg sends) and the account's rights",
        )
    if exc.code == 400 or (exc.code == 500 and what == "update"):
        return QueryError(f"the store at {where} rejected the {what} ({exc.code}){said}")
    if exc.code in (404, 405):
        return StoreError(
            f"no SPARQL service answers the {what} at {where} ({exc.code} {exc.reason})",
            hint="check KG_STORE, KG_STORE_UPDATE and KG_STORE_GSP (see the README for each server)",
        )
    if exc.code in (503, 504) and what == "query":
        return QueryTimeout(f"the store at {where} gave up on the {what} ({exc.code}){said}")
    return StoreError(f"the store at {where} failed the {what} ({exc.code} {exc.reason}){said}")
