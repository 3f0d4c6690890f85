"""Running the app: waitress, a production WSGI server, with request threads that share one
pool of query worker processes (see :mod:`kg.store.pool`) — or, over a remote store, no pool:
the SPARQL server does the work and each request's HTTP time limit bounds it, so the process
keeps no state and any number of instances can serve one store.

What a connection may do before the app sees its request (deadlines, sizes, a bound per client
address, waitress's own errors in the one JSON shape) is :mod:`kg.web.connections`."""

from __future__ import annotations

import logging
from collections.abc import Callable

from kg.app import Kg
from kg.config import Settings
from kg.web import connections, create_app


def serve(settings: Settings, *, threads: int = 16, announce: Callable[[str], None] = print) -> None:
    """Open the store, start the workers, and serve until interrupted."""
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)  # "queue depth" is normal under load
    running = Kg(settings, pool_size=settings.workers)
    running.store.info()  # open it now: a store that cannot be opened stops the server before it listens
    app = create_app(running)
    server = connections.create(app, settings, threads=threads)
    host = settings.host if ":" not in settings.host else f"[{settings.host}]"
    announce(f"http://{host}:{server.effective_port}/")  # type: ignore[union-attr]
    try:
        server.run()
    finally:
        running.close()
