"""A TCP listener on loopback that counts connections and answers like a SPARQL endpoint, for
the tests that show kg never reaches the network (its answers name ``LEAKED``, so a leak would
show in kg's results too). It stops itself after LIFETIME seconds or MAX_CONNECTIONS."""

from __future__ import annotations

import select
import socket
import threading
import time

LIFETIME = 900  # seconds the listener lives at most, even if a test forgets to stop it
MAX_CONNECTIONS = 50
RESULTS = b'{"head":{"vars":["s"]},"results":{"bindings":[{"s":{"type":"literal","value":"LEAKED"}}]}}'
TURTLE = b'<http://leak.example/s> <http://leak.example/p> "LEAKED" .\n'


class Listener:
    """A TCP listener on 127.0.0.1 that accepts, counts and answers like a SPARQL endpoint."""

    def __init__(self) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.bind(("127.0.0.1", 0))
        self._socket.listen(64)
        self._socket.setblocking(False)
        self.port = self._socket.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/sparql"
        self.connections = 0
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._deadline = time.monotonic() + LIFETIME
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stopped.is_set() and time.monotonic() < self._deadline:
            if self.connections >= MAX_CONNECTIONS:
                break
            ready, _, _ = select.select([self._socket], [], [], 0.1)
            if ready:
                self._take()
        self._stopped.set()

    def _take(self) -> bool:
        """Accept one waiting connection, if any, and answer it."""
        with self._lock:
            try:
                conn, _ = self._socket.accept()
            except (BlockingIOError, OSError):
                return False
            self.connections += 1
        with conn:
            conn.settimeout(2)
            try:
                request = conn.recv(65536)
                body, kind = (
                    (TURTLE, "text/turtle")
                    if b"turtle" in request.lower()
                    else (RESULTS, "application/sparql-results+json")
                )
                head = f"HTTP/1.1 200 OK\r\nContent-Type: {kind}\r\nContent-Length: {len(body)}\r\n"
                head += "Connection: close\r\n\r\n"
                conn.sendall(head.encode() + body)
            except OSError:
                pass
        return True

    def seen(self) -> int:
        """Connections so far, counting any still waiting to be accepted."""
        while not self._stopped.is_set() and self._take():
            pass
        return self.connections

    def close(self) -> None:
        self._stopped.set()
        self._thread.join()
        self._socket.close()
