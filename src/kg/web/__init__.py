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

from flask import Flask, Response, current_app, g, request
from werkzeug.exceptions import HTTPException

from kg import __version__
from kg.app import Kg
from kg.config import Settings
from kg.errors import KgError
from kg.store import Store
from kg.web import responses


def create_app(settings: Settings | Kg, store: Store | None = None) -> Flask:
    """The kg web application over one :class:`~kg.app.Kg` (made from ``settings`` and
    ``store`` — by default the store the settings name — unless one is given)."""
    from kg.web import endpoint, exports, map, ontology, openapi, pages, reconcile, saved, submit

    running = settings if isinstance(settings, Kg) else Kg(settings, store, pool_size=settings.workers)
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = running.settings.max_body
    app.extensions["kg"] = running
    app.json.sort_keys = False  # type: ignore[attr-defined]
    for module in (endpoint, saved, pages, openapi, submit, map, ontology, reconcile, exports):
        app.register_blueprint(module.blueprint)
    app.register_error_handler(KgError, responses.error)
    app.register_error_handler(HTTPException, responses.error)
    app.before_request(_authorization)
    app.after_request(_headers)
    app.jinja_env.globals.update(version=__version__)
    return app


def kg() -> Kg:
    """The running kg of the current application."""
    return current_app.extensions["kg"]  # type: ignore[no-any-return]


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
    """CORS for reads (never for a write, a refused one included); no sniffing; pages may not be
    framed or load anything from elsewhere."""
    reads_by_post = {"endpoint.sparql", "reconcile.service"}  # POST bodies too long for a URL
    is_read = request.method in {"GET", "HEAD", "OPTIONS"} or (
        request.endpoint in reads_by_post and response.status_code != 413 and not _is_update()
    )
    if is_read and not g.get("kg_write"):
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Allow-Headers"] = "Accept, Content-Type"
        response.headers["Access-Control-Expose-Headers"] = "X-KG-Truncated, X-KG-Warning, X-KG-Read-As"
    response.headers["X-Content-Type-Options"] = "nosniff"
    if response.mimetype == "text/html" and "Content-Security-Policy" not in response.headers:
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'"
        )
    return response
