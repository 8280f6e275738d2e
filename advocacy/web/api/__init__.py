"""The JSON API under /api/v1: public, read-only, rate-limited per client address, JSON even for errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue

from ...extensions import csrf

PREFIX = "/api/"
bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # GET-only, no cookies read: nothing here acts on a visitor's behalf

Handler = Callable[[Any], ResponseReturnValue]


def json_errors(page_handler: Handler) -> Handler:
    """Wrap an app-wide error handler: requests under /api/ get ``{"error": ...}`` JSON, others the page."""

    def handle(error: Any) -> ResponseReturnValue:
        if not request.path.startswith(PREFIX):
            return page_handler(error)
        code = getattr(error, "code", None) or 503  # not an HTTP error: the database, which is temporary
        message = getattr(error, "description", None) if code != 503 else "We are very busy; try again shortly."
        response = jsonify(error=message or "Something went wrong")
        response.status_code = code
        return response

    return handle


from . import views  # noqa: E402,F401 - registers the routes
