"""The web face: a thin Flask layer over the same functions the CLI calls.

``create_app(settings)`` builds the application; ``kg serve`` runs it under waitress, a
production WSGI server whose threads share one pool of query worker processes (so a runaway
query is killed at its time limit while other clients are answered).

The app holds one :class:`~kg.app.Kg` (``kg()`` in a route): every query a route makes goes
through it, with the default time limit and row cap. Routes translate HTTP to one call and
back, and answer through :mod:`kg.web.responses`: one negotiation, one error handler (the one
JSON error shape ``{"ok": false, "error", "errors", "status"}``, or an HTML page when a browser
asked for one), one write-token check.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask, Response, current_app, g, request
from werkzeug.exceptions import HTTPException

from kg import __version__, tokens
from kg.app import Kg
from kg.config import Settings
from kg.errors import KgError
from kg.store import Store, clients
from kg.web import responses
from kg.web.budget import Workshop


def create_app(settings: Settings | Kg, store: Store | None = None) -> Flask:
    """The kg web application over one :class:`~kg.app.Kg` (made from ``settings`` and
    ``store`` — by default the store the settings name — unless one is given)."""
    from kg.web import annotate, drafts, endpoint, exports, map, ontology, openapi, pages, reconcile, saved, submit

    running = settings if isinstance(settings, Kg) else Kg(settings, store, pool_size=settings.workers)
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = running.settings.max_body
    app.extensions["kg"] = running
    app.extensions["kg.workshop"] = Workshop(running.settings)
    app.json.sort_keys = False  # type: ignore[attr-defined]
    for module in (endpoint, saved, pages, openapi, submit, drafts, map, ontology, reconcile, exports, annotate):
        app.register_blueprint(module.blueprint)
    app.register_error_handler(KgError, responses.error)
    app.register_error_handler(HTTPException, responses.error)
    app.before_request(_authorization)
    app.after_request(_headers)
    app.wsgi_app = _attributed(app.wsgi_app, running.settings)  # type: ignore[method-assign]
    app.jinja_env.globals.update(version=__version__)
    return app


def _attributed(inner: Callable[..., Iterable[bytes]], settings: Settings) -> Callable[..., Iterable[bytes]]:
    """The WSGI app with every query of a request attributed to its client (for fair shares of
    the query workers, :mod:`kg.store.clients`): the token holder, else the remote address."""

    def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        with clients.acting_for(client_of(environ, settings)):
            return inner(environ, start_response)

    return wsgi


def client_of(environ: dict[str, Any], settings: Settings) -> clients.Client:
    """Who a request is from: the holder of a valid bearer token, else its remote address."""
    header = environ.get("HTTP_AUTHORIZATION", "")
    if header.startswith("Bearer ") and settings.tokens:
        holder = tokens.holder(settings.tokens, header[len("Bearer ") :].strip())
        if holder is not None:
            return clients.Client(f"token:{holder.name}", trusted=True)
    return clients.Client(f"addr:{environ.get('REMOTE_ADDR', '')}")


def kg() -> Kg:
    """The running kg of the current application."""
    return current_app.extensions["kg"]  # type: ignore[no-any-return]


def workshop() -> Workshop:
    """Where the current application validates and reconciles, within each request's budget."""
    return current_app.extensions["kg.workshop"]  # type: ignore[no-any-return]


def _authorization() -> None:
    """A malformed ``Authorization`` header is a 400 in the one error shape, on every route."""
    responses.authorization()


def _is_update() -> bool:
    """Whether a request to ``/sparql`` sends an update (a write: no CORS), in any of its forms."""
    if request.mimetype == "application/sparql-update":
        return True
    if request.mimetype in {"application/x-www-form-urlencoded", "multipart/form-data"}:
        try:
            return "update" in request.form
        except HTTPException:
            return True
    return False


def _headers(response: Response) -> Response:
    """CORS for reads (never for a write, a refused one included); ``Vary: Accept`` where the
    answer was negotiated; no sniffing; pages may not be framed or load anything from elsewhere."""
    reads_by_post = {"endpoint.sparql", "reconcile.service"}  # POST bodies too long for a URL
    is_read = request.method in {"GET", "HEAD", "OPTIONS"} or (
        request.method == "POST"
        and request.endpoint in reads_by_post
        and response.status_code != 413
        and not _is_update()
    )
    if is_read and not g.get("kg_write"):
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Allow-Headers"] = "Accept, Content-Type"
        response.headers["Access-Control-Expose-Headers"] = "X-KG-Truncated, X-KG-Warning, X-KG-Read-As"
    if g.get("negotiated"):
        response.vary.add("Accept")
    response.headers["X-Content-Type-Options"] = "nosniff"
    if response.mimetype == "text/html" and "Content-Security-Policy" not in response.headers:
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'"
        )
    return response
