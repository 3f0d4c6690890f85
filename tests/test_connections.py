"""A real `kg serve` on loopback against slow, greedy and malformed clients, over raw sockets:
half-sent requests, trickled headers and bodies, an endless chunked upload, and the requests
waitress itself refuses, each answered in the one JSON error shape. The limits are set small
through settings so that each test takes seconds; the defaults are in the README."""

from __future__ import annotations

import contextlib
import json
import select
import socket
import time
import urllib.request
from collections.abc import Iterator

import pytest

from kg.config import Settings
from kg.errors import ConfigError
from kg.store import Store

from .conftest import SEED_CORPUS
from .server import running_server

LIMITS = {
    "KG_REQUEST_TIMEOUT": "2",
    "KG_MIN_RATE": "1000",
    "KG_IDLE_TIMEOUT": "2",
    "KG_CONNECTIONS": "60",
    "KG_CLIENT_CONNECTIONS": "8",
    "KG_MAX_BODY": "100000",
    "KG_MAX_HEADER": "16384",
}
GUARD = 20.0  # seconds after which a test gives up waiting: only bounds a hang, never a measure


@pytest.fixture(scope="module")
def server(seed: tuple[Settings, Store]) -> Iterator[tuple[str, int]]:
    """`kg serve` over the seed graph with the small limits above: its base URL and port."""
    with running_server(seed[0].store, SEED_CORPUS, **LIMITS) as url:
        yield url, int(url.rsplit(":", 1)[1])


def connect(port: int, source: str = "127.0.0.1") -> socket.socket:
    """A raw TCP connection to the server from the loopback address ``source``."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind((source, 0))
    sock.settimeout(GUARD)
    sock.connect(("127.0.0.1", port))
    return sock


def answer(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """Read one answer until the server closes: (status, headers, body); a reset after it is fine."""
    data = b""
    try:
        while chunk := sock.recv(65536):
            data += chunk
    except ConnectionResetError:
        pass
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    assert lines[0].startswith("HTTP/1."), f"no HTTP answer: {data[:200]!r}"
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    return int(lines[0].split()[1]), headers, body


def error_of(status: int, headers: dict[str, str], body: bytes) -> dict[str, object]:
    """The JSON error body, checked to be the one shape with this status."""
    assert headers["content-type"].startswith("application/json")
    error = json.loads(body)
    assert set(error) == {"ok", "error", "errors", "status"} and error["ok"] is False
    assert error["status"] == status and error["errors"][0]["message"]
    return error  # type: ignore[no-any-return]


def served(url: str) -> int:
    with urllib.request.urlopen(url + "/queries.json", timeout=GUARD) as response:
        return int(response.status)


def test_half_sent_requests_from_one_address_do_not_stop_the_server(server: tuple[str, int]) -> None:
    """A hundred connections from one address that send half a request and wait: past
    KG_CLIENT_CONNECTIONS they are refused with 429, and another client is answered meanwhile."""
    url, port = server
    attackers = [connect(port, "127.0.0.2") for _ in range(100)]
    try:
        for sock in attackers:
            with contextlib.suppress(OSError):  # refused already
                sock.sendall(b"GET /queries.json HTTP/1.1\r\nHost: kg\r\n")
        assert served(url) == 200
        time.sleep(0.5)
        waiting = [s for s in attackers if not select.select([s], [], [], 0)[0]]
        assert len(waiting) <= int(LIMITS["KG_CLIENT_CONNECTIONS"])
    finally:
        for sock in attackers:
            sock.close()


def test_one_connection_too_many_from_an_address_gets_429(server: tuple[str, int]) -> None:
    """An address holding KG_CLIENT_CONNECTIONS connections gets 429 in the JSON shape for one more."""
    _, port = server
    held = [connect(port, "127.0.0.3") for _ in range(int(LIMITS["KG_CLIENT_CONNECTIONS"]))]
    try:
        extra = connect(port, "127.0.0.3")
        error = error_of(*answer(extra))
        assert error["status"] == 429 and "KG_CLIENT_CONNECTIONS" in str(error["error"])
        extra.close()
    finally:
        for sock in held:
            sock.close()


TRICKLES = {
    "nothing sent": (b"", b""),
    "a header line every half second": (b"GET /queries.json HTTP/1.1\r\n", b"X-Slow: 1\r\n"),
    "a body byte every half second": (b"POST /validate HTTP/1.1\r\nContent-Length: 50000\r\n\r\n", b"x"),
}


@pytest.mark.parametrize("trickle", TRICKLES, ids=list(TRICKLES))
def test_a_slow_request_is_timed_out_with_408(server: tuple[str, int], trickle: str) -> None:
    """A request that arrives too slowly (or never) gets 408 and is closed within
    KG_REQUEST_TIMEOUT plus the maintenance second; other clients are answered meanwhile."""
    url, port = server
    start, piece = TRICKLES[trickle]
    sock = connect(port, "127.0.0.4")
    sock.sendall(start)
    deadline = time.monotonic() + GUARD
    while not select.select([sock], [], [], 0.5)[0]:
        assert time.monotonic() < deadline, "the slow request still holds its connection"
        if piece:
            sock.sendall(piece)
    error = error_of(*answer(sock))
    assert error["status"] == 408 and "KG_REQUEST_TIMEOUT" in str(error["error"])
    assert served(url) == 200
    sock.close()


def test_an_idle_kept_alive_connection_is_closed(server: tuple[str, int]) -> None:
    """A kept-alive connection that sends no next request is closed after KG_IDLE_TIMEOUT."""
    _, port = server
    sock = connect(port, "127.0.0.5")
    sock.sendall(b"GET /queries.json HTTP/1.1\r\nHost: kg\r\n\r\n")
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200") and b"Connection: close" not in head
    length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
    while len(body) < length:
        body += sock.recv(65536)
    assert sock.recv(65536) == b""  # then closed by the server (the socket's GUARD bounds a hang)
    sock.close()


def test_an_endless_chunked_upload_is_refused_as_soon_as_it_passes_the_limit(server: tuple[str, int]) -> None:
    """A chunked upload of up to 500 MB is answered 413 once KG_MAX_BODY is passed, long before
    it is all sent (what is sent meanwhile is what the kernel buffers, a few MB at most)."""
    _, port = server
    sock = connect(port, "127.0.0.6")
    sock.sendall(
        b"POST /validate HTTP/1.1\r\nHost: kg\r\nContent-Type: text/turtle\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    chunk = b"%x\r\n%s\r\n" % (65536, b"#" * 65536)
    sent = 0
    while sent < 500_000_000 and not select.select([sock], [], [], 0)[0]:
        try:
            sock.sendall(chunk)
        except (BrokenPipeError, ConnectionResetError):
            break
        sent += len(chunk)
        assert sent < 64_000_000, "the server is still reading the upload, far past KG_MAX_BODY"
    error = error_of(*answer(sock))
    assert error["status"] == 413 and "KG_MAX_BODY" in str(error["error"])
    sock.close()


MALFORMED = {
    "a 1 MB GET line": (b"GET /sparql?query=" + b"a" * 1_000_000 + b" HTTP/1.1\r\nHost: kg\r\n\r\n", 431),
    "an over-long header": (b"GET / HTTP/1.1\r\nHost: kg\r\nX-Long: " + b"b" * 20_000 + b"\r\n\r\n", 431),
    "a NUL in a header": (b"GET / HTTP/1.1\r\nHost: kg\r\nAuthorization: Bearer a\x00b\r\n\r\n", 400),
    "a header without a colon": (b"GET / HTTP/1.1\r\nHost: kg\r\nnot a header\r\n\r\n", 400),
    "a bad chunk size": (b"POST /validate HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n", 400),
    "a Content-Length that is no number": (b"POST /validate HTTP/1.1\r\nContent-Length: ten\r\n\r\n", 400),
    "a Content-Length over the limit": (b"POST /validate HTTP/1.1\r\nContent-Length: 999999999999\r\n\r\n", 413),
}


@pytest.mark.parametrize("case", MALFORMED, ids=list(MALFORMED))
def test_the_servers_own_refusals_are_the_one_json_error_shape(server: tuple[str, int], case: str) -> None:
    """What waitress refuses before the app sees it is a 4xx in the one JSON error shape."""
    _, port = server
    request, status = MALFORMED[case]
    sock = connect(port, "127.0.0.7")
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # refused before it was all sent
        sock.sendall(request)
    got, headers, body = answer(sock)
    assert got == status
    error = error_of(got, headers, body)
    if status == 431:
        assert "KG_MAX_HEADER" in str(error["error"]) and "POST" in str(error["errors"][0]["hint"])  # type: ignore[index]
    sock.close()


@pytest.mark.parametrize(
    "env",
    [{"KG_REQUEST_TIMEOUT": "0"}, {"KG_MIN_RATE": "0"}, {"KG_CLIENT_CONNECTIONS": "500"}, {"KG_MAX_HEADER": "10"}],
)
def test_connection_limits_cannot_be_switched_off(env: dict[str, str]) -> None:
    """A connection limit of 0, or a per-client bound above the total, is refused as a setting."""
    with pytest.raises(ConfigError):
        Settings.from_env(env)
