"""The web face: a thin Flask layer over the same functions the CLI calls.

``create_app(settings)`` builds the application; ``kg serve`` runs it under waitress, a
production WSGI server whose threads share one pool of query worker processes (so a runaway
query is killed at its time limit while other clients are answered).

Routes translate HTTP to one call and back. Every error — a :class:`~kg.errors.KgError` or an
HTTP error raised by Flask — leaves through :func:`_error`, as the one JSON error shape
``{"ok": false, "error", "errors", "status"}``, or as an HTML page when a browser asked for one.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, render_template, request
from werkzeug.exceptions import HTTPException

from kg import __version__
from kg.config import Settings
from kg.errors import KgError
from kg.store import Store, open_store

JSON = "application/json"


def create_app(settings: Settings, store: Store | None = None) -> Flask:
    """The kg web application over ``store`` (by default the one ``settings`` name)."""
    from kg.web import endpoint, exports, map, ontology, openapi, pages, reconcile, saved, submit

    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body
    app.config["KG_SETTINGS"] = settings
    app.extensions["kg.store"] = store
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.register_blueprint(endpoint.blueprint)
    app.register_blueprint(saved.blueprint)
    app.register_blueprint(pages.blueprint)
    app.register_blueprint(openapi.blueprint)
    app.register_blueprint(submit.blueprint)
    app.register_blueprint(map.blueprint)
    app.register_blueprint(ontology.blueprint)
    app.register_blueprint(reconcile.blueprint)
    app.register_blueprint(exports.blueprint)
    app.register_error_handler(KgError, _error)
    app.register_error_handler(HTTPException, _error)
    app.after_request(_headers)
    app.jinja_env.globals.update(version=__version__)
    return app


def settings() -> Settings:
    from flask import current_app

    return current_app.config["KG_SETTINGS"]  # type: ignore[no-any-return]


def store() -> Store:
    """The app's store, opened on first use (a build may come after the server starts)."""
    from flask import current_app

    opened = current_app.extensions.get("kg.store")
    if opened is None:
        config = settings()
        opened = open_store(config, pool_size=config.workers)
        current_app.extensions["kg.store"] = opened
    return opened  # type: ignore[no-any-return]


def wants_html() -> bool:
    """Whether the client would rather read a page than JSON (a browser)."""
    best = request.accept_mimetypes.best_match(["text/html", JSON])
    return best == "text/html" and request.accept_mimetypes["text/html"] > request.accept_mimetypes[JSON]


def error_body(exc: Exception) -> tuple[dict[str, Any], int]:
    if isinstance(exc, KgError):
        return exc.to_json(), exc.status
    assert isinstance(exc, HTTPException)
    status = exc.code or 500
    message = {
        413: f"the request body is larger than the limit of {settings().max_body:,} bytes (KG_MAX_BODY)",
    }.get(status, exc.description or exc.name)
    detail = {"message": message, "type": exc.name}
    return {"ok": False, "error": message, "errors": [detail], "status": status}, status


def _error(exc: Exception) -> Response:
    body, status = error_body(exc)
    if wants_html():
        response = Response(render_template("error.html", error=body), status=status, mimetype="text/html")
    else:
        from flask import jsonify

        response = jsonify(body)
        response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="kg"'
    if isinstance(exc, HTTPException) and status == 405 and exc.get_response().headers.get("Allow"):
        response.headers["Allow"] = exc.get_response().headers["Allow"]
    return response


def _headers(response: Response) -> Response:
    """CORS for reads; no sniffing; pages may not be framed or load anything from elsewhere."""
    is_write = request.mimetype == "application/sparql-update" or (
        request.mimetype == "application/x-www-form-urlencoded"
        and response.status_code != 413
        and "update" in request.form
    )
    reads_by_post = {"endpoint.sparql", "reconcile.service"}  # POST bodies too long for a URL
    if (request.method in {"GET", "HEAD", "OPTIONS"} or request.endpoint in reads_by_post) and not is_write:
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Allow-Headers"] = "Accept, Content-Type"
        response.headers["Access-Control-Expose-Headers"] = "X-KG-Truncated"
    response.headers["X-Content-Type-Options"] = "nosniff"
    if response.mimetype == "text/html" and "Content-Security-Policy" not in response.headers:
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'"
        )
    return response
