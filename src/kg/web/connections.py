"""What ``kg serve`` does with a connection before the web app sees a request: waitress, bounded
against slow, greedy and malformed clients, and answering its own errors in the one JSON shape.

waitress reads every request in one I/O thread and hands only complete requests to its worker
threads, so a half-sent request costs a connection, not a thread. The limits are therefore on
connections and on how long a request may take to arrive::

    accept     a client address already holding KG_CLIENT_CONNECTIONS connections   → 429, closed
               all KG_CONNECTIONS connections open                 → not accepted until one closes
    reading    line + headers not complete KG_REQUEST_TIMEOUT s after the connection opened
               or the request's first byte, or the request arriving slower than that plus one
               second per KG_MIN_RATE bytes                                           → 408, closed
               line + headers over KG_MAX_HEADER bytes                                → 431, closed
               body over KG_MAX_BODY bytes (Content-Length, or as soon as a chunked body
               passes it)                                                             → 413, closed
               not HTTP/1.x that waitress can read (a NUL or a control byte in a header, a
               header without a colon, a bad chunk size or Content-Length)            → 400, closed
    idle       no request for KG_IDLE_TIMEOUT s on a kept-alive connection              → closed

Deadlines are checked once a second (waitress's ``cleanup_interval``), so a limit holds to
within about a second. Every refusal is ``{"ok": false, "error", "errors", "status"}`` with
``Connection: close`` (a transfer coding waitress does not implement stays 501, as HTTP says).
"""

from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

from waitress.channel import HTTPChannel
from waitress.server import TcpWSGIServer
from waitress.task import ErrorTask

from kg.config import Settings
from kg.errors import ProtocolError

REASONS = {400: "Bad Request", 408: "Request Timeout", 413: "Content Too Large", 429: "Too Many Requests"}
REASONS |= {431: "Request Header Fields Too Large", 500: "Internal Server Error", 501: "Not Implemented"}


@dataclass(frozen=True)
class Limits:
    """The connection limits of one server, from the settings (see the module docstring)."""

    max_header: int
    max_body: int
    request_timeout: float
    min_rate: int
    client_connections: int

    @classmethod
    def of(cls, settings: Settings) -> Limits:
        return cls(
            settings.max_header,
            settings.max_body,
            settings.request_timeout,
            settings.min_rate,
            settings.client_connections,
        )

    def refusal(self, status: int, detail: str = "") -> ProtocolError:
        """The error kg answers with when waitress refuses a request with ``status``."""
        if status == 431:
            return ProtocolError(
                f"the request line and headers are longer than the limit of {self.max_header:,} bytes (KG_MAX_HEADER)",
                status=431,
                hint="send a long query by POST, in the body (application/sparql-query or a form)",
            )
        if status == 413:
            return ProtocolError(
                f"the request body is larger than the limit of {self.max_body:,} bytes (KG_MAX_BODY)", status=413
            )
        if status == 408:
            return ProtocolError(
                f"the request did not arrive in time: its line and headers within {self.request_timeout:g} s "
                f"(KG_REQUEST_TIMEOUT), then at least {self.min_rate:,} bytes/s (KG_MIN_RATE)",
                status=408,
                hint="send the whole request at once, then wait for the answer",
            )
        if status == 429:
            return ProtocolError(
                f"this address already holds {self.client_connections} open connections (KG_CLIENT_CONNECTIONS)",
                status=429,
                hint="close idle connections, or reuse one (keep-alive)",
            )
        if status >= 500:
            return ProtocolError(detail or "the server failed to answer", status=status)
        return ProtocolError(
            f"the request is not well-formed HTTP: {detail or 'it cannot be read'}",
            status=status,
            hint="send HTTP/1.1 with 'Name: value' header lines of visible characters and a valid body framing",
        )


def response_bytes(error: ProtocolError) -> bytes:
    """A complete HTTP/1.1 answer carrying ``error`` in the one JSON shape, closing the connection."""
    body = _body(error)
    head = (
        f"HTTP/1.1 {error.status} {REASONS.get(error.status, 'Error')}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        "Connection: close\r\nX-Content-Type-Options: nosniff\r\n\r\n"
    )
    return head.encode("ascii") + body


def _body(error: ProtocolError) -> bytes:
    return json.dumps(error.to_json(), ensure_ascii=False).encode("utf-8")


class JsonErrorTask(ErrorTask):  # type: ignore[misc]
    """waitress's answer to a request it could not read, in the one JSON error shape."""

    def execute(self) -> None:
        refused = self.request.error
        error = self.channel.server.limits.refusal(refused.code, str(refused.body))
        body = _body(error)
        self.status = f"{error.status} {REASONS.get(error.status, refused.reason)}"
        self.response_headers.extend([("Content-Type", "application/json"), ("X-Content-Type-Options", "nosniff")])
        self.set_close_on_finish()
        self.content_length = len(body)
        self.write(body)


class Channel(HTTPChannel):  # type: ignore[misc]
    """One client connection, with a deadline for the request it is sending."""

    error_task_class = JsonErrorTask

    def __init__(self, server: Server, sock: Any, addr: Any, adj: Any, map: Any = None) -> None:
        super().__init__(server, sock, addr, adj, map=map)
        self.client: str | None = None  # the address it counts against, once counted
        self.since: float | None = self.creation_time  # when the request now arriving began
        self.arrived = 0  # bytes of it so far
        server.admit(self)

    def received(self, data: bytes) -> bool:
        if self.since is None:
            self.since, self.arrived = time.time(), 0
        self.arrived += len(data)
        done: bool = super().received(data)
        if self.request is None:
            self.since = None  # nothing half-read: the connection is idle (KG_IDLE_TIMEOUT)
        return done

    def overdue(self, now: float, limits: Limits) -> bool:
        """Whether the request now arriving has overrun its deadline (never while one is answered)."""
        if self.since is None or self.requests or self.will_close or self.close_when_flushed:
            return False
        return now - self.since > limits.request_timeout + self.arrived / limits.min_rate

    def refuse(self, error: ProtocolError) -> None:
        """Answer ``error`` from the I/O thread, read nothing more, and close once it is sent."""
        data = response_bytes(error)
        with self.outbuf_lock:
            self.outbufs[-1].append(data)
            self.current_outbuf_count += len(data)
            self.total_outbufs_len += len(data)
        self.request, self.since = None, None
        self.close_when_flushed = True

    def del_channel(self, map: Any = None) -> None:
        if self.client is not None:
            self.server.release(self.client)
            self.client = None
        super().del_channel(map)


class Server(TcpWSGIServer):  # type: ignore[misc]
    """waitress's TCP server with :class:`Channel` connections, a bound per client address, and
    the request deadlines checked at each maintenance pass."""

    channel_class = Channel

    def __init__(self, application: Any, limits: Limits, **adjustments: Any) -> None:
        self.limits = limits
        self.clients: Counter[str] = Counter()
        super().__init__(application, **adjustments)

    def admit(self, channel: Channel) -> None:
        """Count a new connection against its address, or refuse it with 429 when that is full."""
        address = str(channel.addr[0]) if channel.addr else ""
        if self.clients[address] >= self.limits.client_connections:
            channel.since = None
            channel.refuse(self.limits.refusal(429))
            return
        self.clients[address] += 1
        channel.client = address

    def release(self, address: str) -> None:
        self.clients[address] -= 1
        if self.clients[address] <= 0:
            del self.clients[address]

    def maintenance(self, now: float) -> None:
        """A request overdue gets 408; a connection idle between requests for KG_IDLE_TIMEOUT
        (waitress's ``channel_timeout``) is closed, as waitress would."""
        idle_since = now - self.adj.channel_timeout
        for channel in list(self.active_channels.values()):
            if channel.overdue(now, self.limits):
                channel.refuse(self.limits.refusal(408))
            elif channel.since is None and not channel.requests and channel.last_activity < idle_since:
                channel.will_close = True


def create(application: Any, settings: Settings, *, threads: int) -> Server:
    """The server for ``application`` on ``settings.host``/``port``, with every limit set."""
    return Server(
        application,
        Limits.of(settings),
        host=settings.host,
        port=settings.port,
        threads=threads,
        ident="kg",
        connection_limit=settings.connections,
        channel_timeout=settings.idle_timeout,
        cleanup_interval=1,
        max_request_header_size=settings.max_header,
        max_request_body_size=settings.max_body + 1,  # waitress refuses at >=, Flask at >: the same bytes
        expose_tracebacks=False,
    )
