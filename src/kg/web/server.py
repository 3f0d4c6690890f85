"""Running the app: waitress, a production WSGI server, with request threads that share one
pool of query worker processes (see :mod:`kg.store.pool`) — or, over a remote store, no pool:
the SPARQL server does the work and each request's HTTP time limit bounds it, so the process
keeps no state and any number of instances can serve one store."""

from __future__ import annotations

import logging
from collections.abc import Callable

from waitress.server import create_server

from kg.app import Kg
from kg.config import Settings
from kg.web import create_app


def serve(settings: Settings, *, threads: int = 16, announce: Callable[[str], None] = print) -> None:
    """Open the store, start the workers, and serve until interrupted."""
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)  # "queue depth" is normal under load
    running = Kg(settings, pool_size=settings.workers)
    running.store.info()  # open it now: a store that cannot be opened stops the server before it listens
    app = create_app(running)
    server = create_server(app, host=settings.host, port=settings.port, threads=threads, ident="kg")
    host = settings.host if ":" not in settings.host else f"[{settings.host}]"
    announce(f"http://{host}:{server.effective_port}/")  # type: ignore[union-attr]
    try:
        server.run()
    finally:
        running.close()
