"""The JSON API under /api/v1: JSON even for errors; reads are public (CORS), writes need an ally's API key."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, jsonify, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

from ...extensions import csrf
from ..common import DATABASE_RETRY_SECONDS

PREFIX = "/api/"
bp = Blueprint("api", __name__, url_prefix="/api/v1")
# No cookie is read or set under /api/: writes are authorised by a key in the Authorization header, which a
# browser never adds by itself, so there is no ambient authority for CSRF to borrow.
csrf.exempt(bp)

Handler = Callable[[Any], ResponseReturnValue]
KEPT_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate")  # what a client needs from an HTTP error
BUSY = "We are very busy; try again shortly."


def error_response(status: int, message: str, headers: dict[str, str] | None = None, **extra: Any) -> Response:
    """``{"error": message, ...}`` with ``status``; never cached."""
    response = jsonify(error=message, **extra)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    response.headers.update(headers or {})
    return response


def json_errors(page_handler: Handler) -> Handler:
    """Wrap an app-wide error handler: requests under /api/ get ``{"error": ...}`` JSON, others the page."""

    def handle(error: Any) -> ResponseReturnValue:
        if not request.path.startswith(PREFIX):
            return page_handler(error)
        if not isinstance(error, HTTPException):
            # The database, busy or unavailable for a moment: say when to come back, as the page does. (Its
            # errors have a ``code`` too, SQLAlchemy's error code, which is no HTTP status.)
            return error_response(503, BUSY, {"Retry-After": str(DATABASE_RETRY_SECONDS)})
        code = error.code or 500
        kept = {name: value for name, value in error.get_headers() if name in KEPT_HEADERS}
        return error_response(code, (error.description if code != 503 else BUSY) or "Something went wrong", kept)

    return handle


@bp.after_request
def _cors_for_reads(response: Response) -> Response:
    """Any page may read public data (no credentials, no Authorization header); nothing here can be written from
    a browser on another site, because POST routes get no CORS headers and so fail the preflight."""
    rule = request.url_rule
    if rule is not None and not (rule.methods or set()) & {"POST", "PUT", "PATCH", "DELETE"}:
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Allow-Methods"] = "GET"
        response.headers["Access-Control-Expose-Headers"] = "ETag, Retry-After"
        response.vary.add("Authorization")  # an ally's key can see a private campaign the public cannot
    return response


from . import campaigns, openapi, views  # noqa: E402,F401 - registers the routes
